"""The server-rendered pages: search, post, entity, overview, and the login form."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi import Query as Param
from fastapi.responses import RedirectResponse, Response

from index.query import FACETS, QueryError
from takedown import letters
from takedown import store as takedown_store
from web import auth, pivots
from web.evidence import evidence_file
from web.highlight import indicator_segments, snippet
from web.querytext import MAX_WINDOW, SearchRequest, from_form
from web.store import Store
from web.views import render, search_url

router = APIRouter(include_in_schema=False)


def store(request: Request) -> Store:
    return request.app.state.store


Stored = Annotated[Store, Depends(store)]


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A page with what every page shows (the index it reads, whether a login is in use)."""
    return render(name, status, location=request.app.state.store.location,
                  login=request.app.state.token is not None, path=request.url.path, **context)


def _pager(total: int, limit: int, offset: int) -> dict[str, Any]:
    reachable = min(total, MAX_WINDOW)
    pages = max(1, math.ceil(reachable / limit)) if limit else 1
    current = offset // limit + 1 if limit else 1
    shown = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    return {"current": current, "pages": pages, "shown": shown, "limit": limit,
            "capped": total > MAX_WINDOW}


@router.get("/")
def search_page(request: Request, db: Stored) -> Response:
    params = request.query_params
    try:
        req = from_form(params, params.getlist("entity"))
        query = req.query()
    except QueryError as exc:
        return page(request, "search.html", 400, error=str(exc),
                    req=SearchRequest(q=params.get("q") or ""), result=None, hits=[],
                    facets=FACETS, paging=None, entities=[])
    result = db.index().search(query)
    hits = [{"doc": d, "snippet": snippet(d.get("text") or "", query.text)} for d in result.hits]
    return page(request, "search.html", req=req, result=result, hits=hits, facets=FACETS,
                paging=_pager(result.total, req.limit, req.offset), entities=query.entities,
                error=None, page_url=lambda offset: search_url(req.params(offset=offset)))


@router.get("/posts/{doc_id}")
def post_page(request: Request, doc_id: str, db: Stored) -> Response:
    doc = db.index().get(doc_id)
    if doc is None:
        return page(request, "error.html", 404, title="No such post",
                    message=f"No post with id {doc_id!r} is in the index.")
    evidence = doc.get("evidence") or {}
    data_dir = request.app.state.data_dir
    return page(
        request, "post.html", doc=doc,
        text=indicator_segments(doc.get("text") or "", doc.get("indicators") or []),
        duplicates=pivots.near_duplicates(db, doc), shared=pivots.shared_contacts(db, doc),
        has_warc=bool(evidence.get("record_id"))
        and evidence_file(data_dir, evidence.get("warc")) is not None,
        has_screenshot=evidence_file(data_dir, evidence.get("screenshot")) is not None,
        requests=takedown_requests(data_dir, doc_id), takedown_languages=letters.languages(),
    )


def takedown_requests(data_dir: Path, doc_id: str) -> list[dict[str, Any]]:
    """The takedown requests about one post (none when their store cannot be read)."""
    try:
        return takedown_store.find(doc_id=doc_id, data_dir=data_dir)
    except (sqlite3.Error, OSError):  # the post page must render even without a store
        return []


@router.get("/entities/{kind}/{value:path}")
def entity_page(
    request: Request, kind: str, value: str, db: Stored,
    offset: Annotated[int, Param(ge=0, le=MAX_WINDOW - 20)] = 0,
) -> Response:
    try:
        pivot = pivots.entity_pivot(db, kind, value, limit=20, offset=offset)
    except QueryError as exc:
        return page(request, "error.html", 400, title="Not an entity", message=str(exc))
    return page(request, "entity.html", pivot=pivot, paging=_pager(pivot["total"], 20, offset),
                page_url=lambda start: f"?offset={start}" if start else "?")


@router.get("/overview")
def overview_page(request: Request, days: Annotated[int, Param(ge=1, le=366)] = 90) -> Response:
    return page(request, "overview.html", days=days)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if request.app.state.token is None:
        return RedirectResponse("/", 303)
    return page(request, "login.html", next=auth.safe_next(next), error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    token = request.app.state.token
    if token is None:
        return RedirectResponse("/", 303)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    given = (form.get("token") or [""])[0].strip()
    target = auth.safe_next((form.get("next") or ["/"])[0])
    if not auth.same(given, token):
        return page(request, "login.html", 401, next=target, error="That token is not right.")
    response = RedirectResponse(target, 303)
    response.set_cookie(auth.COOKIE, auth.session_value(token), httponly=True,
                        samesite="strict", path="/")
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", 303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response
