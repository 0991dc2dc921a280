"""The shapes the REST API answers with, as its OpenAPI description publishes them.

They describe the document of CONTRACT.md for partners and for the API tests; handlers return
the stored documents as they are (extra fields allowed), so a crawler's new field never turns
into a server error.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lurewatch.document import ENTITY_KINDS

EntityKind = StrEnum("EntityKind", {kind: kind for kind in ENTITY_KINDS})  # type: ignore[misc]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Wallet(_Open):
    chain: str | None = None
    address: str


class Location(_Open):
    name: str
    country: str | None = None
    lat: float | None = None
    lon: float | None = None


class Entities(_Open):
    phones: list[str] = Field(default_factory=list, description="E.164")
    emails: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    telegram: list[str] = Field(default_factory=list)
    whatsapp: list[str] = Field(default_factory=list)
    line: list[str] = Field(default_factory=list)
    kakao: list[str] = Field(default_factory=list)
    wechat: list[str] = Field(default_factory=list)
    wallets: list[Wallet] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    persons: list[str] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)


class Salary(_Open):
    min: float | None = None
    max: float | None = None
    currency: str | None = None
    period: str | None = None
    usd_month: float | None = None


class Indicator(_Open):
    code: str
    evidence: str | None = None


class Risk(_Open):
    score: float = Field(ge=0, le=100)
    level: str
    reasons: list[str] = Field(default_factory=list)


class Evidence(_Open):
    warc: str | None = None
    record_id: str | None = None
    sha256: str | None = None
    screenshot: str | None = None


class Document(_Open):
    """One crawled post or ad (CONTRACT.md, "The document")."""

    id: str
    platform: str | None
    source: str | None
    url: str | None
    title: str | None
    text: str
    lang: str
    lang_confidence: float
    posted_at: str | None
    crawled_at: str | None
    first_seen: str | None
    last_seen: str | None
    author: str | None
    entities: Entities
    salary: Salary | None
    indicators: list[Indicator]
    risk: Risk
    cluster_id: str | None
    evidence: Evidence


class EntityRef(BaseModel):
    kind: EntityKind
    value: str


class ParsedQuery(BaseModel):
    text: str = Field(description="the free text left once entity terms are lifted out")
    entities: list[EntityRef]


Facets = dict[str, dict[str, int]]


class SearchAnswer(BaseModel):
    total: int = Field(ge=0)
    hits: list[Document]
    facets: Facets = Field(description="counts per value of platform, lang, country, "
                                       "risk_level, indicator over the whole result set")
    offset: int = Field(ge=0)
    limit: int = Field(ge=0)
    query: ParsedQuery


class DayCount(BaseModel):
    date: str
    count: int = Field(ge=0)


class SeenWith(BaseModel):
    kind: EntityKind
    value: str
    count: int = Field(ge=1, description="posts carrying both")


class EntityAnswer(BaseModel):
    kind: EntityKind
    value: str
    total: int = Field(ge=0)
    offset: int = Field(ge=0)
    limit: int = Field(ge=0)
    hits: list[Document]
    facets: Facets
    timeline: list[DayCount] = Field(description="posts per day (posted, else first seen)")
    seen_with: list[SeenWith] = Field(description="contact points and organisations that "
                                                  "appear in the same posts")
    scanned: int = Field(ge=0, description="posts read for the timeline and seen_with")


class SharedPost(BaseModel):
    document: Document
    shared: list[EntityRef]


class Contact(BaseModel):
    kind: EntityKind
    value: str
    others: int = Field(ge=0, description="other posts carrying it")


class RelatedAnswer(BaseModel):
    near_duplicates: list[Document]
    contacts: list[Contact]
    sharing: list[SharedPost]


class Series(BaseModel):
    posts: list[int]
    high: list[int]


class OverviewAnswer(BaseModel):
    first_day: str
    last_day: str
    days: list[str]
    all: Series
    by_platform: dict[str, Series]
    by_country: dict[str, Series]
    facets: Facets
    total: int = Field(ge=0)


class Problem(BaseModel):
    detail: str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give."""
    what = {400: "bad query: the message says how to fix it", 401: "token missing or wrong",
            403: "sent by a page of another site", 404: "not found",
            415: "the body must be application/json", 503: "the index is missing or unreachable"}
    return {code: {"model": Problem, "description": what[code]} for code in codes}
