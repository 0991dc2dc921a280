"""The REST API under /api (CONTRACT.md), which the pages' scripts use too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi import Query as Param
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import StringConstraints

from index.query import FACETS, SORTS, Query, parse_since
from lurewatch.document import ENTITY_KINDS, RISK_LEVELS
from web import export, pivots
from web.evidence import IMAGE_TYPES, evidence_file, warc_record
from web.models import (
    Document,
    EntityAnswer,
    EntityKind,
    OverviewAnswer,
    RelatedAnswer,
    SearchAnswer,
    errors,
)
from web.querytext import MAX_LIMIT, MAX_WINDOW, SearchRequest, split_query
from web.store import Store

router = APIRouter(prefix="/api", tags=["api"])

Sort = StrEnum("Sort", {s: s for s in SORTS})  # type: ignore[misc]
RiskLevel = StrEnum("RiskLevel", {s: s for s in RISK_LEVELS})  # type: ignore[misc]
Format = StrEnum("Format", {s: s for s in export.FORMATS})  # type: ignore[misc]
Tlp = StrEnum("Tlp", {s: s for s in [*export.TLP, "none"]})  # type: ignore[misc]


# Python's str.strip() also drops \x1c-\x1f, which regular expressions do not call space.
_SOLID = r"[^\s\x1c-\x1f]"
ENTITY_PATTERN = rf"^({'|'.join(ENTITY_KINDS)}):[\s\S]*{_SOLID}[\s\S]*$"
EVEN_QUOTES = r'^[^"]*("[^"]*"[^"]*)*$'
# What to say when a parameter is refused, where the validator's own words say little.
HINTS = {
    ("q", "string_pattern_mismatch"):
        'unbalanced quote in query: close the phrase with " or remove the quote',
    ("entity", "string_pattern_mismatch"):
        "entity takes KIND:VALUE, e.g. phone:+855961234567, with KIND one of: "
        + ", ".join(ENTITY_KINDS),
    ("value", "string_pattern_mismatch"): "the entity value is empty",
    ("offset", "less_than_equal"):
        f"paging stops at {MAX_WINDOW:,} results: narrow the search with filters, a date or "
        "a sort by risk, or export the result set",
}
EntitySpec = Annotated[str, StringConstraints(pattern=ENTITY_PATTERN)]


def store(request: Request) -> Store:
    return request.app.state.store


def search_request(
    q: Annotated[str, Param(description='words, "quoted phrases" and entity terms such as '
                                        'phone:+855961234567 or telegram:name; all must match; '
                                        'empty matches every post', pattern=EVEN_QUOTES)] = "",
    platform: Annotated[str | None, Param(description="e.g. telegram, jobboard")] = None,
    lang: Annotated[str | None, Param(description="ISO 639-1, e.g. ko")] = None,
    country: Annotated[str | None, Param(description="destination, ISO 3166-1 alpha-2")] = None,
    min_risk: Annotated[int | None, Param(ge=0, le=100)] = None,
    risk_level: RiskLevel | None = None,
    indicator: Annotated[str | None, Param(description="an indicator code")] = None,
    since: Annotated[str | None, Param(
        description="posted on or after: a date (2026-11-01); an ISO 8601 date-time is "
                    "taken too", json_schema_extra={"format": "date"})] = None,
    entity: Annotated[list[EntitySpec] | None, Param(
        description="KIND:VALUE, e.g. phone:+855961234567; repeatable, all must match")] = None,
    sort: Sort = Sort.relevance,  # type: ignore[attr-defined]
    limit: Annotated[int, Param(ge=0, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Param(ge=0, le=MAX_WINDOW - MAX_LIMIT,
                                 description=f"paging reaches the first {MAX_WINDOW} results; "
                                             "narrow the search or export beyond")] = 0,
) -> SearchRequest:
    if since is not None:
        parse_since(since)  # an empty or malformed date is an error here, not "no filter"
    return SearchRequest(
        q=q, platform=platform, lang=lang, country=country, min_risk=min_risk,
        risk_level=risk_level.value if risk_level else None, indicator=indicator, since=since,
        entity=entity or [], sort=sort.value, limit=limit, offset=offset,
    )


Searched = Annotated[SearchRequest, Depends(search_request)]
DocId = Annotated[str, Path(min_length=1, max_length=512)]
Stored = Annotated[Store, Depends(store)]


@router.get("/search", response_model=SearchAnswer, responses=errors(400, 401, 503),
            summary="Search posts, with facet counts")
def search(params: Searched, db: Stored) -> JSONResponse:
    """Posts matching the query (CONTRACT.md: the same JSON as `search --json` plus
    `facets`), with the entity terms the query text carried listed under `query`."""
    query = params.query()
    result = db.index().search(query)
    text, _ = split_query(params.q)
    return JSONResponse({
        "total": result.total, "hits": result.hits,
        "facets": {name: result.facets.get(name, {}) for name in FACETS},
        "offset": params.offset, "limit": params.limit,
        "query": {"text": text, "entities": [{"kind": k, "value": v}
                                             for k, v in query.entities]},
    })


def _document(db: Store, doc_id: str) -> dict[str, Any]:
    doc = db.index().get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no post with id {doc_id!r} in the index")
    return doc


@router.get("/posts/{doc_id}", response_model=Document, responses=errors(400, 401, 404, 503),
            summary="One post by id")
def post(doc_id: DocId, db: Stored) -> JSONResponse:
    return JSONResponse(_document(db, doc_id))


@router.get("/posts/{doc_id}/related", response_model=RelatedAnswer,
            responses=errors(400, 401, 404, 503),
            summary="Near-duplicates of a post and the posts that share its contact points")
def related(doc_id: DocId, db: Stored) -> JSONResponse:
    doc = _document(db, doc_id)
    shared = pivots.shared_contacts(db, doc)
    return JSONResponse({
        "near_duplicates": pivots.near_duplicates(db, doc),
        "contacts": shared["contacts"], "sharing": shared["posts"],
    })


@router.get("/entities/{kind}/{value:path}", response_model=EntityAnswer,
            responses=errors(400, 401, 503),
            summary="Every post carrying an entity, its timeline and what appears with it")
def entity(
    kind: EntityKind, value: Annotated[str, Path(pattern=_SOLID, max_length=4096)], db: Stored,
    limit: Annotated[int, Param(ge=0, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Param(ge=0, le=MAX_WINDOW - MAX_LIMIT)] = 0,
    sort: Sort = Sort.newest,  # type: ignore[attr-defined]
) -> JSONResponse:
    """The documents that carry it (a page, newest first), their facets, posts per day, and
    the contact points and organisations seen in the same posts."""
    return JSONResponse(pivots.entity_pivot(db, kind.value, value, limit, offset, sort.value))


@router.get("/overview", response_model=OverviewAnswer, responses=errors(400, 401, 503),
            summary="New and high-risk posts per day, per platform and per destination")
def overview(db: Stored, days: Annotated[int, Param(ge=1, le=366)] = 90) -> JSONResponse:
    index = db.index()
    first, last, counts = index.daily_counts(days)
    span = (date.fromisoformat(last) - date.fromisoformat(first)).days
    all_days = [(date.fromisoformat(first) + timedelta(d)).isoformat() for d in range(span + 1)]

    def series(per_day: dict[str, dict[str, int]]) -> dict[str, list[int]]:
        return {what: [per_day.get(d, {}).get(what, 0) for d in all_days]
                for what in ("posts", "high")}

    whole = index.search(Query(limit=0, facets=True))
    return JSONResponse({
        "first_day": first, "last_day": last, "days": all_days,
        "all": series(counts["all"].get("all", {})),
        "by_platform": {k: series(v) for k, v in sorted(counts["platform"].items())},
        "by_country": {k: series(v) for k, v in sorted(counts["country"].items())},
        "facets": {name: whole.facets.get(name, {}) for name in FACETS},
        "total": whole.total,
    })


@router.get("/export", responses={
    200: {"description": "the result set as a file",
          "content": {"text/csv": {"schema": {"type": "string"}},
                      "application/x-ndjson": {"schema": {"type": "string"}},
                      "application/stix+json": {"schema": {"type": "object"}}}},
    **errors(400, 401, 503)},
    summary="Export a result set as CSV, JSON Lines or a STIX 2.1 bundle")
def export_results(
    params: Searched, db: Stored,
    format: Format = Format.csv,  # type: ignore[attr-defined]
    tlp: Tlp = Tlp.amber,  # type: ignore[attr-defined]
) -> StreamingResponse:
    """Every post matching the search (up to 10,000, in the search's order; `limit` and
    `offset` are ignored). STIX bundles carry a TLP marking (`tlp=none` for none)."""
    query = params.query(facets=False, limit=0, offset=0)
    index = db.index()
    total = index.search(query).total
    docs = db.scan(query, cap=MAX_WINDOW)
    options = {"tlp": None if tlp.value == "none" else tlp.value} if format.value == "stix" \
        else {}
    media_type, suffix = export.FORMATS[format.value]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "Content-Disposition": f'attachment; filename="lurewatch-{stamp}.{suffix}"',
        "X-Result-Total": str(total),
        "X-Result-Exported": str(min(total, MAX_WINDOW)),
    }
    return StreamingResponse(export.write(format.value, docs, **options),
                             media_type=media_type, headers=headers)


@router.get("/posts/{doc_id}/evidence/warc", responses={
    200: {"description": "the archived response as one WARC record",
          "content": {"application/warc": {"schema": {"type": "string",
                                                      "format": "binary"}}}},
    **errors(400, 401, 404, 503)}, summary="The archived response of a post (a WARC record)")
def evidence_warc(doc_id: DocId, request: Request, db: Stored) -> Response:
    evidence = _document(db, doc_id).get("evidence") or {}
    path = evidence_file(request.app.state.data_dir, evidence.get("warc"))
    record = warc_record(path, evidence["record_id"]) \
        if path and evidence.get("record_id") else None
    if record is None:
        raise HTTPException(404, "no archived response for this post in LUREWATCH_DATA")
    suffix = "warc.gz" if record[:2] == b"\x1f\x8b" else "warc"
    return Response(record, media_type="application/warc", headers={
        "Content-Disposition": f'attachment; filename="{doc_id[:64]}.{suffix}"'})


@router.get("/posts/{doc_id}/evidence/screenshot", responses={
    200: {"description": "the screenshot taken when the post was crawled",
          "content": {t: {"schema": {"type": "string", "format": "binary"}}
                      for t in IMAGE_TYPES.values()}},
    **errors(400, 401, 404, 503)}, summary="The screenshot of a post")
def evidence_screenshot(doc_id: DocId, request: Request, db: Stored) -> Response:
    evidence = _document(db, doc_id).get("evidence") or {}
    path = evidence_file(request.app.state.data_dir, evidence.get("screenshot"))
    if path is None or path.suffix.lower() not in IMAGE_TYPES:
        raise HTTPException(404, "no screenshot for this post in LUREWATCH_DATA")
    return FileResponse(path, media_type=IMAGE_TYPES[path.suffix.lower()])
