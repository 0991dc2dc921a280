"""The interface both index backends implement, and the errors they raise."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from index.query import Daily, Query, SearchResult


class IndexError(Exception):
    """The index could not do what was asked; the message says what to do about it."""


class IndexUnavailable(IndexError):
    """The index server cannot be reached (documents kept for later stay in the spool)."""


class IndexMissing(IndexError):
    """The index does not exist yet: `lurewatch index init` or a crawl creates it."""


@dataclass
class UpsertReport:
    added: int = 0
    updated: int = 0
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)


class Index(abc.ABC):
    """A searchable store of documents keyed by their stable id."""

    location: str

    @abc.abstractmethod
    def init(self) -> None:
        """Create the index (schema, mapping, templates) if it is not there; keep what is."""

    @abc.abstractmethod
    def upsert(self, docs: Iterable[dict[str, Any]]) -> UpsertReport:
        """Add new documents and update known ones, keeping `first_seen`, moving `last_seen`."""

    @abc.abstractmethod
    def search(self, query: Query) -> SearchResult:
        """Documents matching the query, sorted and paged, with facet counts."""

    @abc.abstractmethod
    def get(self, doc_id: str) -> dict[str, Any] | None:
        """One document by id, or None."""

    @abc.abstractmethod
    def known(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """`first_seen`/`last_seen` of those of `doc_ids` already indexed (for upserts)."""

    @abc.abstractmethod
    def daily_counts(self, days: int) -> tuple[str, str, dict[str, Daily]]:
        """New posts (by first seen) and high-risk ones per day, over the `days` days up to
        the newest post: (first day, last day, {"all" | "platform" | "country": Daily})."""

    @abc.abstractmethod
    def stats(self) -> dict[str, Any]:
        """Size of the index: document count, bytes, counts per platform."""

    # -- watchlists and their alert history, kept with the index (alerts/ uses these) --------

    @abc.abstractmethod
    def save_watchlist(self, record: dict[str, Any], create: bool = True) -> None:
        """Store a watchlist (a JSON object with a unique `name`), replacing one of that name;
        with `create=False` only replace one that still exists (a run moving its cursor must
        not bring back a watchlist removed meanwhile)."""

    @abc.abstractmethod
    def watchlists(self) -> list[dict[str, Any]]:
        """Every stored watchlist, by name."""

    @abc.abstractmethod
    def delete_watchlist(self, name: str) -> bool:
        """Remove a watchlist (its alert history stays); False when there was none."""

    @abc.abstractmethod
    def create_alerts(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Record alerts (JSON objects with a unique `id`) whose id is new; return those
        recorded now. An id seen before is never recorded again: this is what makes a post
        alert a watchlist at most once."""

    @abc.abstractmethod
    def known_alerts(self, ids: Iterable[str]) -> set[str]:
        """Those of the alert `ids` already recorded."""

    @abc.abstractmethod
    def update_alert(self, row: dict[str, Any]) -> None:
        """Replace a recorded alert (its state and the notifiers' answers)."""

    @abc.abstractmethod
    def alert_history(self, watchlist: str | None = None, states: Iterable[str] | None = None,
                      limit: int = 100) -> list[dict[str, Any]]:
        """Recorded alerts, newest first, optionally of one watchlist and in given states."""

    def refresh(self) -> None:  # noqa: B027 - optional: not every backend buffers writes
        """Make everything written so far visible to search."""

    def close(self) -> None:  # noqa: B027 - optional: not every backend holds connections
        """Release connections."""

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
