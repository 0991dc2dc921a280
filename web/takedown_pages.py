"""Takedown requests in the workbench: the list, one request (history, checks, files), and the
post page's "draft takedown request" button; the same as JSON under /api/takedowns.

Drafting (which may start Chromium) runs in the thread pool, never on the event loop.
Requests live in the app's data folder, DATA/takedown/ (create_app's `data_dir`, default
LUREWATCH_DATA; see takedown/store.py), shared with the CLI run on the same folder. Every write
comes from this site's own pages or as JSON (web/auth.py's rules), so that a page elsewhere
cannot draft, send or close requests through the analyst's browser.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from takedown import store
from takedown.drafting import FILES, OPTIONAL_FILES, draft, send_request
from takedown.errors import TakedownError
from web import auth, pivots
from web.models import errors
from web.pages import page

router = APIRouter(include_in_schema=False)
RequestId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]  # what SQLite's integers hold
Status = Enum("Status", {name: name for name in store.STATUSES}, type=str)  # type: ignore[misc]
api = APIRouter()

MEDIA = {"request.eml": "message/rfc822", "request.html": "text/html; charset=utf-8",
         "request.json": "application/json", "evidence.zip": "application/zip",
         "request.pdf": "application/pdf"}
SERVED = FILES + OPTIONAL_FILES
LETTER_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; "
              "frame-ancestors 'none'; base-uri 'none'")


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body).items()}


def _data_dir(request: Request) -> Path:
    """The app's data folder: every takedown call below is given it."""
    return request.app.state.data_dir


def _request_or_404(request: Request, request_id: int) -> dict[str, Any]:
    found = store.get(request_id, data_dir=_data_dir(request))
    if found is None:
        raise HTTPException(404, f"no takedown request {request_id}")
    return found


def _draft_from_index(request: Request, doc_id: str, lang: str | None,
                      cluster: bool) -> dict[str, Any]:
    db = request.app.state.store
    doc = db.index().get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no post {doc_id!r} in the index")
    members = pivots.near_duplicates(db, doc, limit=49) if cluster else []
    try:
        return draft(doc, None, lang=lang or None, members=members,
                     data_dir=_data_dir(request))
    except TakedownError as exc:
        raise HTTPException(400, str(exc)) from None


# -- pages ----------------------------------------------------------------------------------------

@router.get("/takedowns")
def takedowns_page(request: Request, status: str | None = None) -> Response:
    chosen = status if status in store.STATUSES else None
    return page(request, "takedowns.html", chosen=chosen, statuses=store.STATUSES,
                requests=store.find(status=chosen, data_dir=_data_dir(request)))


@router.get("/takedowns/{request_id}")
def takedown_page(request: Request, request_id: RequestId, error: str | None = None) -> Response:
    found = _request_or_404(request, request_id)
    folder = Path(found["out_dir"])
    files = [name for name in SERVED if (folder / name).is_file()]
    return page(request, "takedown.html", r=found, files=files, statuses=store.STATUSES,
                error=error)


@router.post("/posts/{doc_id}/takedown")
async def draft_from_post(request: Request, doc_id: str) -> Response:
    auth.require_own_pages(request)
    form = await _form(request)
    result = await run_in_threadpool(_draft_from_index, request, doc_id, form.get("lang"),
                                     form.get("cluster") == "on")
    return RedirectResponse(f"/takedowns/{result['request_id']}", 303)


@router.post("/takedowns/{request_id}/status")
async def change_status(request: Request, request_id: RequestId) -> Response:
    auth.require_own_pages(request)
    _request_or_404(request, request_id)
    form = await _form(request)
    if form.get("status") not in store.STATUSES:
        raise HTTPException(400, f"status is one of: {', '.join(store.STATUSES)}")
    store.set_status(request_id, form["status"], form.get("note") or None,
                     data_dir=_data_dir(request))
    return RedirectResponse(f"/takedowns/{request_id}", 303)


@router.post("/takedowns/{request_id}/send")
def send_page(request: Request, request_id: RequestId) -> Response:
    auth.require_own_pages(request)
    _request_or_404(request, request_id)
    try:
        send_request(request_id, data_dir=_data_dir(request))
    except TakedownError as exc:
        return takedown_page(request, request_id, error=str(exc))
    return RedirectResponse(f"/takedowns/{request_id}", 303)


@router.post("/takedowns/{request_id}/check")
def check_page(request: Request, request_id: RequestId) -> Response:
    from takedown.check import check_requests

    auth.require_own_pages(request)
    _request_or_404(request, request_id)
    check_requests([request_id], data_dir=_data_dir(request))
    return RedirectResponse(f"/takedowns/{request_id}", 303)


@router.get("/takedowns/{request_id}/files/{name}")
def takedown_file(request: Request, request_id: RequestId, name: str) -> Response:
    found = _request_or_404(request, request_id)
    path = Path(found["out_dir"]) / name
    if name not in SERVED or not path.is_file():
        raise HTTPException(404, f"request {request_id} has no file {name!r}")
    if name == "request.html":  # shown in the browser: its own style, nothing else, no script
        return FileResponse(path, media_type=MEDIA[name], headers={
            "Content-Security-Policy": LETTER_CSP})
    return FileResponse(path, media_type=MEDIA[name], filename=f"takedown-{request_id}-{name}")


# -- JSON -----------------------------------------------------------------------------------------

@api.get("/api/takedowns", tags=["takedowns"], responses=errors(400, 401))
def list_takedowns(request: Request, status: Status | None = None,
                   doc: str | None = None) -> list[dict[str, Any]]:
    """Takedown requests, newest first, of one status or about one document (its id)."""
    return store.find(status=status.value if status else None, doc_id=doc,
                      data_dir=_data_dir(request))


@api.get("/api/takedowns/{request_id}", tags=["takedowns"], responses=errors(400, 401, 404))
def get_takedown(request: Request, request_id: RequestId) -> dict[str, Any]:
    """One request with its status history, removal checks and sent messages."""
    return _request_or_404(request, request_id)


@api.post("/api/takedowns", tags=["takedowns"], status_code=201,
          responses=errors(400, 401, 403, 404, 415))
async def create_takedown(request: Request) -> Response:
    """Draft a request: JSON `{"doc_id": ID, "lang": L?, "cluster": bool?}`; never sends."""
    auth.require_json_write(request)
    try:
        body = await request.json()
        doc_id = str(body["doc_id"])
    except (ValueError, KeyError, TypeError):
        raise HTTPException(400, 'send JSON {"doc_id": "..."}') from None
    result = await run_in_threadpool(_draft_from_index, request, doc_id, body.get("lang"),
                                     bool(body.get("cluster")))
    return JSONResponse(result, status_code=201)


@api.post("/api/takedowns/{request_id}/status", tags=["takedowns"],
          responses=errors(400, 401, 403, 404, 415))
async def set_takedown_status(request: Request, request_id: RequestId) -> dict[str, Any]:
    """Record a status: JSON `{"status": S, "note": TEXT?}`."""
    auth.require_json_write(request)
    _request_or_404(request, request_id)
    try:
        body = await request.json()
        status = body["status"]
    except (ValueError, KeyError, TypeError):
        raise HTTPException(400, 'send JSON {"status": "..."}') from None
    if status not in store.STATUSES:
        raise HTTPException(400, f"status is one of: {', '.join(store.STATUSES)}")
    store.set_status(request_id, status, body.get("note"), data_dir=_data_dir(request))
    return _request_or_404(request, request_id)
