"""A Scrapy extension that evaluates the watchlists when a crawl closes (LUREWATCH_ALERTS)."""

from __future__ import annotations

from scrapy.crawler import Crawler


class AlertsAfterCrawl:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlertsAfterCrawl:
        return cls()
