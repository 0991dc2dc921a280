"""Running spiders from lurewatch's own commands (`lurewatch crawl`, the demo, the scheduler).

A crawl of a configured source (its arguments carry `source`) keeps Scrapy's JOBDIR in
LUREWATCH_DATA/jobs/SOURCE/SPIDER-HASH (LUREWATCH_JOBS_DIR; HASH is of the spider's arguments):
stopped half-way by SIGTERM or Ctrl-C, it leaves its pending requests and seen fingerprints
there, and the next crawl with the same spider and arguments resumes from them. Several crawls
of one source in one run (the demo's two Telegram channels) each get a JOBDIR of their own, as
Scrapy's JOBDIR cannot be shared. A crawl that finishes removes its JOBDIR, so the next one
starts afresh (otherwise Scrapy would filter every request as already seen).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from twisted.internet.defer import DeferredList


def project_settings(**overrides: Any) -> Settings:
    """The project's settings.py, found wherever lurewatch is run from."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    settings = get_project_settings()
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


Crawls = list[tuple[str, dict[str, str]]]


def run_crawls(
    crawls: Crawls, then: Crawls | None = None, **overrides: Any,
) -> list[dict[str, Any]]:
    """Run the given (spider name, arguments) crawls together, in this process, to the end;
    then the crawls of `then` (those that read what the first ones indexed, such as the
    invite pages that posts link to).

    Returns each crawl's Scrapy stats, in the order given (`crawls`, then `then`). Twisted's
    reactor runs once per process, so this is for one-shot commands; the scheduler runs each
    crawl in a process of its own.
    """
    settings = project_settings(**overrides)
    process = CrawlerProcess(settings)
    crawlers: list[tuple[Crawler, Path | None]] = []

    def start(batch: Crawls) -> list[Any]:
        started = []
        for name, arguments in batch:
            jobdir = job_dir(name, arguments, settings) if arguments.get("source") else None
            if jobdir is not None and any(jobdir == taken for _, taken in crawlers):
                jobdir = None  # the very same crawl twice in a run: the repeat cannot resume
            crawler = process.create_crawler(name)  # with its own copy of the settings
            if jobdir is not None:
                crawler.settings.set("JOBDIR", str(jobdir), priority="cmdline")
            crawlers.append((crawler, jobdir))
            started.append(process.crawl(crawler, **arguments))
        return started

    first = DeferredList(start(crawls))
    if then:
        # Fires before the process's own wait for its crawls (added later, in start()), so
        # the process sees these crawls running and waits for them too.
        first.addCallback(lambda _: start(then))
    process.start()
    for crawler, jobdir in crawlers:
        _finish_job(crawler, jobdir)
    return [crawler.stats.get_stats() for crawler, _ in crawlers]


def job_dir(spider: str, arguments: dict[str, str], settings: Settings) -> Path:
    """Where a crawl's state (Scrapy's JOBDIR) waits between a stop and a resume: one folder per
    source, in it one per spider and arguments (the same on every run, so that a resume finds
    it; different for each crawl of a run, as two crawls cannot share a JOBDIR)."""
    from lurewatch import config

    def safe(name: str, fallback: str) -> str:
        return re.sub(r"[^\w.-]", "_", name).strip(".") or fallback

    key = json.dumps([spider, sorted(arguments.items())], ensure_ascii=False, default=str)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    source = safe(str(arguments.get("source") or ""), "source")
    return (config.data_dir() / settings.get("LUREWATCH_JOBS_DIR", "jobs") / source
            / f"{safe(spider, 'spider')}-{digest}")


def _finish_job(crawler: Crawler, jobdir: Path | None) -> None:
    if jobdir is None or crawler.stats is None:
        return
    reason = crawler.stats.get_value("finish_reason")
    if reason == "finished":
        shutil.rmtree(jobdir, ignore_errors=True)
    elif jobdir.exists():
        logging.getLogger(__name__).warning(
            "crawl stopped (%s); its state is kept in %s and the next crawl of this source "
            "with the same spider and arguments resumes from it", reason, jobdir)


def check_arguments(crawls: Crawls) -> list[str]:
    """What is wrong with each crawl's arguments, as its spider says (spiders check them when
    built and raise ValueError), so that a command can refuse a bad source in one line before
    any crawl starts."""
    from scrapy.spiderloader import get_spider_loader

    loader = get_spider_loader(project_settings())
    problems = []
    for name, arguments in crawls:
        try:
            loader.load(name)(**arguments)
        except (ValueError, TypeError) as exc:
            source = arguments.get("source") or name
            problems.append(f"source {source} ({name}): {exc}")
    return problems


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
