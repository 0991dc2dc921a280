"""Where documents meet the index: one interface, two backends (SQLite FTS5, Elasticsearch).

`open_index(url)` picks the backend from `LUREWATCH_INDEX`'s form: `sqlite:///PATH` or
`http(s)://HOST:PORT`. Nothing here knows about Scrapy, so JSON Lines can be indexed
without a crawl.
"""

from __future__ import annotations

from index.base import Index, IndexError, IndexMissing, IndexUnavailable, UpsertReport
from index.query import Query, QueryError, SearchResult

__all__ = [
    "Index", "IndexError", "IndexMissing", "IndexUnavailable", "Query", "QueryError",
    "SearchResult", "UpsertReport", "open_index",
]


def open_index(url: str | None = None, *, es_index: str | None = None) -> Index:
    """The index that `url` (default: `LUREWATCH_INDEX`) names."""
    from lurewatch import config

    url = url or config.index_url()
    if url.startswith("sqlite://"):
        from index.sqlite import SqliteIndex

        return SqliteIndex(url)
    if url.startswith(("http://", "https://")):
        from index.elastic import ElasticIndex

        return ElasticIndex(url, es_index or config.es_index_name())
    raise IndexError(
        f"LUREWATCH_INDEX={url!r} is not understood: use sqlite:///PATH or http(s)://HOST:PORT"
    )
