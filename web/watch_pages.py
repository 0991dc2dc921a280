"""Watchlists and the alert history in the workbench: pages (router) and JSON (api).

Every write comes from this site's own pages or as JSON (web/auth.py's rules).
"""

from __future__ import annotations

import argparse
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Query as Param
from fastapi.responses import RedirectResponse, Response

from alerts.cron import CronError
from alerts.watchlists import describe, make_watchlist, public, save_new
from index import IndexMissing
from lurewatch.errors import UsageError
from web import auth
from web.models import errors
from web.pages import page
from web.store import Store

router = APIRouter(include_in_schema=False)
api = APIRouter()

STATES = ("pending", "sent", "failed", "cancelled")
_FIELDS = ("name", "query", "platform", "lang", "country", "owner", "digest", "webhook_secret")


def store(request: Request) -> Store:
    return request.app.state.store


Stored = Annotated[Store, Depends(store)]


def _namespace(values: dict[str, Any]) -> argparse.Namespace:
    """The form's or JSON's fields as `lurewatch watch add` takes them (one validation)."""
    def listed(name: str) -> list[str]:
        value = values.get(name) or []
        items = value if isinstance(value, list) else str(value).splitlines()
        return [str(v).strip() for v in items if str(v).strip()]

    risk = values.get("min_risk")
    if risk in ("", None):
        min_risk = None
    else:
        try:
            min_risk = int(risk)
        except (TypeError, ValueError):
            raise UsageError(f"min. risk takes a score from 0 to 100, not {risk!r}") from None
    rules = listed("rules")
    return argparse.Namespace(
        **{f: (str(values.get(f) or "").strip() or None) for f in _FIELDS},
        entity=listed("entity"), indicator=listed("indicator"), notify=listed("notify"),
        min_risk=min_risk, first_contact="first_contact" in rules or
        bool(values.get("first_contact")), clustered_high="clustered_high" in rules or
        bool(values.get("clustered_high")), backfill=bool(values.get("backfill")),
    )


def add_watchlist(db: Store, values: dict[str, Any]) -> dict[str, Any]:
    """Check and save a watchlist; UsageError says what is wrong with it."""
    try:
        record = make_watchlist(_namespace(values))
    except CronError as exc:
        raise UsageError(str(exc)) from None
    index = db.index()
    index.init()
    if any(w["name"] == record["name"] for w in index.watchlists()):
        raise UsageError(f"a watchlist {record['name']!r} exists: remove it first")
    save_new(index, record)
    return record


def _watchlists(db: Store) -> list[dict[str, Any]]:
    try:
        return db.index().watchlists()
    except IndexMissing:
        return []


def _history(db: Store, watchlist: str | None, state: str | None,
             limit: int) -> list[dict[str, Any]]:
    try:
        return db.index().alert_history(watchlist or None, [state] if state else None, limit)
    except IndexMissing:
        return []


def _form(body: bytes) -> dict[str, Any]:
    raw = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    multi = ("entity", "indicator", "notify", "rules")
    return {k: (v if k in multi else v[-1]) for k, v in raw.items()}


# -- pages ----------------------------------------------------------------------------------

def _list_page(request: Request, db: Stored, status: int = 200, error: str | None = None,
               form: dict[str, Any] | None = None) -> Response:
    records = _watchlists(db)
    return page(request, "watchlists.html", status, error=error, form=form or {},
                watchlists=[{**public(r), "describe": describe(r)} for r in records])


@router.get("/watchlists")
def watchlists_page(request: Request, db: Stored) -> Response:
    return _list_page(request, db)


@router.post("/watchlists")
async def watchlists_add(request: Request, db: Stored) -> Response:
    auth.require_own_pages(request)
    values = _form(await request.body())
    try:
        add_watchlist(db, values)
    except UsageError as exc:
        return _list_page(request, db, 400, error=str(exc), form=values)
    return RedirectResponse("/watchlists", 303)


@router.post("/watchlists/{name}/remove")
def watchlists_remove(request: Request, name: str, db: Stored) -> Response:
    auth.require_own_pages(request)
    if not db.index().delete_watchlist(name):
        raise HTTPException(404, f"no watchlist {name!r}")
    return RedirectResponse("/watchlists", 303)


@router.get("/alerts")
def alerts_page(
    request: Request, db: Stored, watchlist: str | None = None,
    state: Annotated[str | None, Param(pattern="^(pending|sent|failed|cancelled)?$")] = None,
    limit: Annotated[int, Param(ge=1, le=1000)] = 100,
) -> Response:
    rows = _history(db, watchlist, state, limit)
    return page(request, "alerts.html", rows=rows, states=STATES,
                names=[w["name"] for w in _watchlists(db)], chosen=watchlist or "",
                state=state or "")


# -- JSON -----------------------------------------------------------------------------------

@api.get("/api/watchlists", tags=["watchlists"], responses=errors(400, 401, 503))
def api_watchlists(db: Stored) -> list[dict[str, Any]]:
    """Every watchlist (without webhook secrets)."""
    return [public(r) for r in _watchlists(db)]


@api.post("/api/watchlists", tags=["watchlists"], status_code=201,
          responses=errors(400, 401, 403, 415, 503))
async def api_add_watchlist(request: Request, db: Stored) -> dict[str, Any]:
    """Save a watchlist: the fields of `lurewatch watch add` (`name`, `query`, `entity`,
    `platform`, `lang`, `country`, `min_risk`, `indicator`, `rules`, `notify`,
    `webhook_secret`, `digest`, `owner`, `backfill`); 400 with the reason if it is refused."""
    auth.require_json_write(request)
    try:
        values = await request.json()
    except ValueError:
        raise HTTPException(400, "the body is not JSON") from None
    if not isinstance(values, dict):
        raise HTTPException(400, "send one JSON object")
    try:
        return public(add_watchlist(db, values))
    except UsageError as exc:
        raise HTTPException(400, str(exc)) from None


@api.delete("/api/watchlists/{name}", tags=["watchlists"], status_code=204,
            responses=errors(400, 401, 404, 503))
def api_remove_watchlist(name: str, db: Stored) -> Response:
    """Remove a watchlist (its alert history stays)."""
    if not db.index().delete_watchlist(name):
        raise HTTPException(404, f"no watchlist {name!r}")
    return Response(status_code=204)


@api.get("/api/alerts", tags=["watchlists"], responses=errors(400, 401, 503))
def api_alerts(
    db: Stored, watchlist: str | None = None,
    state: Annotated[str | None, Param(pattern="^(pending|sent|failed|cancelled)$")] = None,
    limit: Annotated[int, Param(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The alert history, newest first: watchlist, post, when, and each notifier's answer."""
    return _history(db, watchlist, state, limit)
