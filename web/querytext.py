"""What the analyst types and clicks, turned into the index's `Query`.

The search box takes words, "quoted phrases" and entity terms such as `phone:+855961234567`
or `telegram:"kh boss"`; the entity terms are lifted out into exact filters here, because the
index's full-text parser would otherwise split them into words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from index.query import SORTS, Query, QueryError, parse_entity
from lurewatch.document import ENTITY_KINDS

# Elasticsearch answers from + size up to index.max_result_window (10,000 by default); the
# embedded index would go further, but both backends must answer alike.
MAX_WINDOW = 10_000
MAX_LIMIT = 200

_TOKEN = re.compile(r'"[^"]*"|([A-Za-z_]+):"([^"]*)"|\S+')
_ENTITY_TERM = re.compile(r"([A-Za-z_]+):(\S.*)", re.S)


def split_query(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The free text of the search box and the entity terms it carries, normalised."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote in query: close the phrase with " or remove the quote')
    kept: list[str] = []
    entities: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if match.group(1) and match.group(1).lower() in ENTITY_KINDS and match.group(2).strip():
            entities.append(parse_entity(f"{match.group(1)}:{match.group(2)}"))
            continue
        term = _ENTITY_TERM.fullmatch(token)
        if term and not token.startswith('"') and term.group(1).lower() in ENTITY_KINDS:
            entities.append(parse_entity(token))
            continue
        kept.append(token)
    return " ".join(kept), entities


@dataclass
class SearchRequest:
    """One search as the UI and the API take it (before it becomes a `Query`)."""

    q: str = ""
    platform: str | None = None
    lang: str | None = None
    country: str | None = None
    min_risk: int | None = None
    risk_level: str | None = None
    indicator: str | None = None
    since: str | None = None
    entity: list[str] = field(default_factory=list)
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0

    FILTERS = ("platform", "lang", "country", "risk_level", "indicator")

    def query(self, facets: bool = True, **overrides: Any) -> Query:
        """The index query; raises `QueryError` with a message the analyst can act on."""
        text, from_box = split_query(self.q or "")
        entities = from_box + [parse_entity(e) for e in self.entity]
        limit = overrides.pop("limit", self.limit)
        offset = overrides.pop("offset", self.offset)
        if limit > MAX_LIMIT:
            raise QueryError(f"limit is at most {MAX_LIMIT} per page")
        if offset + limit > MAX_WINDOW:
            raise QueryError(
                f"paging stops at {MAX_WINDOW:,} results: narrow the search with filters, "
                "a date or a sort by risk, or export the result set"
            )
        return Query(
            text=text, platform=self.platform, lang=self.lang, country=self.country,
            min_risk=self.min_risk, risk_level=self.risk_level, indicator=self.indicator,
            since=self.since, entities=entities, sort=self.sort, limit=limit, offset=offset,
            facets=facets, **overrides,
        )

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """URL parameters of this search with `changes` applied, defaults left out."""
        request = replace(self, **changes)
        pairs: list[tuple[str, str]] = []
        for name in ("q", *self.FILTERS, "min_risk", "since"):
            value = getattr(request, name)
            if value not in (None, ""):
                pairs.append((name, str(value)))
        pairs += [("entity", e) for e in request.entity]
        if request.sort != "relevance":
            pairs.append(("sort", request.sort))
        if request.limit != 20:
            pairs.append(("limit", str(request.limit)))
        if request.offset:
            pairs.append(("offset", str(request.offset)))
        return pairs


def _int(name: str, value: str | None, default: int | None) -> int | None:
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise QueryError(f"{name} takes a whole number (got {value!r})") from None


def from_form(params: Mapping[str, str], entities: Iterable[str]) -> SearchRequest:
    """A search from the page's URL, where an empty form field means "not set"."""

    def text(name: str) -> str | None:
        value = (params.get(name) or "").strip()
        return value or None

    sort = text("sort") or "relevance"
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    return SearchRequest(
        q=params.get("q") or "", platform=text("platform"), lang=text("lang"),
        country=text("country"), min_risk=_int("min_risk", params.get("min_risk"), None),
        risk_level=text("risk_level"), indicator=text("indicator"), since=text("since"),
        entity=[e for e in entities if e.strip()], sort=sort,
        limit=_int("limit", params.get("limit"), 20) or 20,
        offset=_int("offset", params.get("offset"), 0) or 0,
    )
