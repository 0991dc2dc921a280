"""The index as the web server shares it between request threads.

FastAPI runs plain handlers in a thread pool, and a SQLite connection belongs to the thread
that opened it, so every thread gets its own `Index` (cheap: one connection or client each).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from index import Index, Query, open_index


class Store:
    """Opens the configured index lazily, once per thread."""

    def __init__(self, url: str | None, es_index: str | None) -> None:
        self.url = url
        self.es_index = es_index
        self._local = threading.local()
        self._opened: list[Index] = []
        self._lock = threading.Lock()

    def index(self) -> Index:
        index = getattr(self._local, "index", None)
        if index is None:
            index = open_index(self.url, es_index=self.es_index)
            self._local.index = index
            with self._lock:
                self._opened.append(index)
        return index

    @property
    def location(self) -> str:
        try:
            return self.index().location
        except Exception:  # only for the page footer; errors show elsewhere
            return self.url or "(LUREWATCH_INDEX)"

    def scan(self, query: Query, cap: int, page: int = 500) -> Iterator[dict[str, Any]]:
        """Up to `cap` matching documents in the query's order, fetched a page at a time."""
        offset = query.offset
        left = cap
        while left > 0:
            query.offset, query.limit, query.facets = offset, min(page, left), False
            hits = self.index().search(query).hits
            yield from hits
            if len(hits) < query.limit:
                return
            offset += len(hits)
            left -= len(hits)

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for index in opened:
            with contextlib.suppress(Exception):  # SQLite refuses closes from other threads
                index.close()
