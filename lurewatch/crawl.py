"""Running spiders from lurewatch's own commands (the demo; later the scheduler)."""

from __future__ import annotations

import os
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings


def project_settings(**overrides: Any) -> Settings:
    """The project's settings.py, found wherever lurewatch is run from."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    settings = get_project_settings()
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawls(
    crawls: list[tuple[str, dict[str, str]]], **overrides: Any,
) -> list[dict[str, Any]]:
    """Run the given (spider name, arguments) crawls together, in this process, to the end.

    Returns each crawl's Scrapy stats, in the order given. Twisted's reactor runs once per
    process, so this is for one-shot commands; the scheduler runs each crawl in a process
    of its own.
    """
    process = CrawlerProcess(project_settings(**overrides))
    crawlers = []
    for name, arguments in crawls:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler, **arguments)
    process.start()
    return [crawler.stats.get_stats() for crawler in crawlers]


def spider_names() -> set[str]:
    """The spiders the project has (spiders/)."""
    from scrapy.spiderloader import get_spider_loader

    return set(get_spider_loader(project_settings()).list())


def summary_line(spider: str, where: str, stats: dict[str, Any]) -> str:
    """One line on what a crawl did, as the demo and `lurewatch crawl` print it."""
    return (f"  {spider} {where}: {stats.get('downloader/response_count', 0)} pages fetched, "
            f"{stats.get('item_scraped_count', 0)} posts, "
            f"{stats.get('lurewatch/indexed_new', 0)} new in the index, "
            f"{stats.get('lurewatch/spooled', 0)} spooled, "
            f"{stats.get('log_count/ERROR', 0)} errors")
