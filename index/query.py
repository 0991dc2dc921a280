"""The query model both backends answer, and the search fields both derive from a document.

Full text works the same on SQLite FTS5 and on Elasticsearch's standard analyser: words of
spaced scripts (Latin, Cyrillic, ...) match as words; scripts written without spaces between
words (Chinese, Japanese, Thai, Lao, Khmer, Burmese) and agglutinative Korean match as
substrings, through character bigrams that this module computes on both sides. That needs no
analysis plugin on the server, so the same mapping runs on Elasticsearch's minimal test
distribution and on a production cluster.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lurewatch.charclass import char_class
from lurewatch.document import ENTITY_KINDS, RISK_LEVELS, utc_iso

FACETS: tuple[str, ...] = ("platform", "lang", "country", "risk_level", "indicator")
SORTS: tuple[str, ...] = ("relevance", "newest", "risk")

# Blocks of scripts without spaces between words, plus Hangul (whose words carry particles).
_UNSPACED = (
    (0x1100, 0x11FF), (0x3040, 0x30FF), (0x3130, 0x318F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1780, 0x17FF),
    (0x19E0, 0x19FF), (0x1000, 0x109F), (0xAA60, 0xAA7F), (0xA9E0, 0xA9FF),
)
_TOKEN = re.compile(r"\w+", re.UNICODE)
_CLAUSE = re.compile(r'"([^"]*)"|(\S+)')


class QueryError(ValueError):
    """A query the user wrote that cannot be run; the message says how to fix it."""


def _unspaced_class() -> str:
    """A regex character class of the letters and marks of the unspaced blocks."""
    return char_class(
        code for lo, hi in _UNSPACED for code in range(lo, hi + 1)
        if unicodedata.category(chr(code))[0] in "LM"
    )


_UNSPACED_CLASS = _unspaced_class()
_RUN = re.compile(_UNSPACED_CLASS + "+")
_NOT_SPACED = re.compile(_UNSPACED_CLASS)


def grams(text: str) -> list[str]:
    """Character bigrams of every unspaced-script run (a lone character stands for itself)."""
    out: list[str] = []
    for run in _RUN.findall(text.lower()):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend([run[i:i + 2] for i in range(len(run) - 1)])
    return out


def words(text: str) -> list[str]:
    """Lower-cased word tokens of the spaced scripts (what both analysers agree on)."""
    spaced = _NOT_SPACED.sub(" ", text.lower())
    return [t for t in _TOKEN.findall(spaced) if t.strip("_")]


@dataclass(frozen=True)
class Clause:
    """One word or quoted phrase of the query: all its words and grams must match in order."""

    words: tuple[str, ...]
    grams: tuple[str, ...]


def parse_text(text: str) -> list[Clause]:
    """Split a query into clauses: bare words and "quoted phrases", all of which must match."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote in query: close the phrase with " or remove the quote')
    clauses = []
    for phrase, bare in _CLAUSE.findall(text):
        part = phrase if phrase else bare
        clause = Clause(tuple(words(part)), tuple(grams(part)))
        if clause.words or clause.grams:
            clauses.append(clause)
    return clauses


def parse_entity(spec: str) -> tuple[str, str]:
    """`KIND:VALUE` as `--entity` takes it, with VALUE brought to the document's normal form."""
    kind, sep, value = spec.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if not sep or not value:
        raise QueryError(f"--entity takes KIND:VALUE, e.g. phone:+855961234567 (got {spec!r})")
    if kind not in ENTITY_KINDS:
        raise QueryError(f"unknown entity kind {kind!r}; use one of: {', '.join(ENTITY_KINDS)}")
    if kind == "phone" or kind == "whatsapp":
        digits = re.sub(r"\D", "", value)
        value = "+" + digits if value.startswith("+") else digits
    elif kind in ("email", "telegram", "domain", "kakao", "line", "wechat"):
        value = value.lower().lstrip("@") if kind != "email" else value.lower()
    return kind, value


def parse_since(value: str) -> str:
    """A date or date-time, checked, as an ISO 8601 string the backends compare against."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return utc_iso(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise QueryError(f"--since takes a date like 2026-11-01 (got {value!r})") from None


@dataclass
class Query:
    """An analyst's search: full text, filters, an exact entity or several, sort and paging."""

    text: str = ""
    platform: str | None = None
    lang: str | None = None
    country: str | None = None
    min_risk: int | None = None
    risk_level: str | None = None
    indicator: str | None = None
    since: str | None = None
    cluster: str | None = None
    # when the post first reached the index (`first_seen`): from (inclusive) and before
    # (exclusive); the watchlists evaluate what arrived since their last run with these
    seen_since: str | None = None
    seen_before: str | None = None
    entities: list[tuple[str, str]] = field(default_factory=list)
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0
    facets: bool = True

    def __post_init__(self) -> None:
        self.clauses = parse_text(self.text or "")
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of: {', '.join(SORTS)}")
        if self.risk_level is not None and self.risk_level not in RISK_LEVELS:
            raise QueryError(f"risk level is one of: {', '.join(RISK_LEVELS)}")
        if self.min_risk is not None and not 0 <= self.min_risk <= 100:
            raise QueryError("--min-risk takes a score from 0 to 100")
        if self.limit < 0 or self.offset < 0:
            raise QueryError("--limit and offset must not be negative")
        if self.since:
            self.since = parse_since(self.since)
        if self.seen_since:
            self.seen_since = parse_since(self.seen_since)
        if self.seen_before:
            self.seen_before = parse_since(self.seen_before)
        if self.country:
            self.country = self.country.upper()
        if self.lang:
            self.lang = self.lang.lower()


@dataclass
class SearchResult:
    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_json(self, with_facets: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"total": self.total, "hits": self.hits}
        if with_facets:
            out["facets"] = self.facets
        return out


def sort_date(doc: dict[str, Any]) -> str | None:
    """The date a post is sorted and filtered by: when posted, else when first seen."""
    return doc.get("posted_at") or doc.get("first_seen") or doc.get("crawled_at")


def entity_terms(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) of every entity the document carries, as `--entity` names them."""
    entities = doc.get("entities") or {}
    out = []
    for kind, (name, key) in ENTITY_KINDS.items():
        for item in entities.get(name) or []:
            value = item.get(key) if key and isinstance(item, dict) else item
            if isinstance(value, str) and value:
                out.append((kind, value))
    return out


def countries(doc: dict[str, Any]) -> list[str]:
    """Destination countries of a post: those of the places it names, without repeats."""
    seen: dict[str, None] = {}
    for place in (doc.get("entities") or {}).get("locations") or []:
        if isinstance(place, dict) and place.get("country"):
            seen[place["country"]] = None
    return list(seen)


def indicator_codes(doc: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(i["code"] for i in doc.get("indicators") or [] if i.get("code")))


Daily = dict[str, dict[str, dict[str, int]]]
"""split value -> day (YYYY-MM-DD) -> {"posts": n, "high": m}: see Index.daily_counts."""


def day_window(last: str | None, days: int) -> tuple[str, str]:
    """The `days` days up to the day of `last` (or today), as (first day, last day)."""
    end = date.fromisoformat(last[:10]) if last else date.today()
    return (end - timedelta(days=days - 1)).isoformat(), end.isoformat()


def merge_seen(new: dict[str, Any], old_first: str | None, old_last: str | None) -> None:
    """A re-crawled post keeps when it was first seen; `last_seen` moves to the latest crawl."""
    seen = [t for t in (old_first, new.get("first_seen"), new.get("crawled_at")) if t]
    if seen:
        new["first_seen"] = min(seen)
    last = [t for t in (old_last, new.get("last_seen"), new.get("crawled_at")) if t]
    if last:
        new["last_seen"] = max(last)
