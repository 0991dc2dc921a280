"""What the index already holds, so that a re-crawl fetches only what is new.

Spiders ask `SeenPosts.from_crawler(crawler).seen(ids)` with the document ids (lurewatch.document
.document_id) of the posts a page lists: a stream that runs newest first stops paging at the first
page whose posts are all known; a board skips job pages it already holds. `-s
LUREWATCH_INCREMENTAL=False` crawls everything again. An index that cannot be reached makes every
post look new: the crawl fetches more, never less.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from index import IndexError, open_index

logger = logging.getLogger(__name__)


class SeenPosts:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._index: Any = None
        self._failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenPosts:
        seen = cls(crawler.settings.getbool("LUREWATCH_INCREMENTAL"))
        crawler.signals.connect(seen.close, signal=signals.spider_closed)
        return seen

    def seen(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """`first_seen`/`last_seen` of those of `doc_ids` already indexed ({} when disabled)."""
        ids = [i for i in doc_ids if i]
        if not self.enabled or self._failed or not ids:
            return {}
        try:
            if self._index is None:
                self._index = open_index()
            return self._index.known(ids)
        except IndexError as exc:
            self._failed = True
            logger.warning("incremental crawl off: the index cannot be read (%s)", exc)
            return {}

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

