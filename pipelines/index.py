"""Write documents to the index in batches; what cannot be written waits in the spool."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from index import IndexError, open_index
from index.spool import Spool
from lurewatch import config

logger = logging.getLogger(__name__)


class IndexPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = crawler.settings.getint("LUREWATCH_INDEX_BATCH")
        self.spool = Spool(config.data_dir() / crawler.settings.get("LUREWATCH_SPOOL_DIR"))
        self.buffer: list[dict[str, Any]] = []
        self.index = open_index()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        try:
            self.index.init()
            if self.spool.files():
                done = self.spool.drain(self.index)
                logger.info("indexed %d spooled documents into %s", done, self.index.location)
        except IndexError as exc:
            logger.error("index not ready (%s); documents will be spooled in %s",
                         exc, self.spool.directory)

    def process_item(self, doc: dict[str, Any]) -> dict[str, Any]:
        self.buffer.append(doc)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return doc

    def flush(self) -> None:
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        try:
            report = self.index.upsert(batch)
        except IndexError as exc:
            path = self.spool.put(batch)
            self.stats.inc_value("lurewatch/spooled", len(batch))
            logger.error("could not index %d documents (%s); kept in %s", len(batch), exc, path)
            return
        self.stats.inc_value("lurewatch/indexed_new", report.added)
        self.stats.inc_value("lurewatch/indexed_updated", report.updated)
        if report.failed:
            path = self.spool.put(doc for doc, _ in report.failed)
            self.stats.inc_value("lurewatch/spooled", len(report.failed))
            logger.error("the index refused %d documents (first: %s); kept in %s",
                         len(report.failed), report.failed[0][1], path)

    def close_spider(self) -> None:
        self.flush()
        try:
            self.index.refresh()
        except IndexError as exc:
            logger.error("could not refresh the index: %s", exc)
        self.index.close()
