"""A Scrapy extension that evaluates the watchlists when a crawl closes (LUREWATCH_ALERTS).

It runs after the item pipelines have closed (Scrapy sends `spider_closed` after them), so
everything the crawl indexed is searchable. A failure here is logged and never fails the crawl:
the next run (the scheduler's, or `lurewatch alerts run`) picks up where this one stopped.
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


class AlertsAfterCrawl:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlertsAfterCrawl:
        if not crawler.settings.getbool("LUREWATCH_ALERTS", True):
            raise NotConfigured("LUREWATCH_ALERTS is off")
        extension = cls()
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        from alerts.evaluate import run_all
        from index import IndexError

        try:
            report = run_all()
        except IndexError as exc:
            logger.warning("watchlists not evaluated after this crawl (%s); `lurewatch alerts "
                           "run` or the scheduler will", exc)
            return
        if report.watchlists:
            logger.info(report.line())
