"""Benchmark: pages per second of a full lurewatch crawl over the fixture sites, against Scrapy
alone fetching the same pages in the same run.

    .venv/bin/python bench/crawl_throughput.py [--copies 6] [--rounds 3]

The fixture sites (the job board and both Telegram channels) are each served `--copies` times on
loopback, one port a copy, by this process; each side crawls in a fresh process of its own, so
both fetch from the same servers the same way and neither shares a GIL with them. The full
crawl runs lurewatch's spiders with the project's settings: WARC evidence, normalize, enrich
with NER off, index into a fresh SQLite file; incremental crawling off (every copy is crawled
whole) and AutoThrottle off on every side, so that the figure measures work, not politeness
delays. The baseline is a bare Scrapy spider per source fetching the pages that source's full
crawl fetched (robots.txt aside), with the same concurrency settings and robots.txt, without
lurewatch's pipelines, middlewares or spiders' parsing, in two ways: "chained" requests each
page only once the page that linked to it has arrived (from the full crawl's Referer headers),
as the full crawl had to: a channel's next page is only known from the page before; "flat"
knows every page up front, which no link-following crawl can (a bound, not the target).
Pages per second is timed from the crawler process's start to its end (spider open and close
included); the start-up before it (creating the crawlers: lurewatch loads and warms its
enrichment there, once per process) is reported apart, as is the CPU time per page of the
crawl (steadier than wall time on a shared machine). The first round warms the disk cache
and is not counted; medians are compared.
Target (DESIGN.md): ratio >= 0.5.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scrapy  # noqa: E402

from fixtures.server import FixtureServer, serve_site  # noqa: E402

# Same on both sides: no AutoThrottle delays, the project's concurrency and robots.txt.
COMMON = {"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
FULL = {**COMMON, "LUREWATCH_NER": False, "LUREWATCH_INCREMENTAL": False,
        "LUREWATCH_ALERTS": False}
BARE = {**COMMON, "ITEM_PIPELINES": {}, "DOWNLOADER_MIDDLEWARES": {}, "EXTENSIONS": {}}


class BareSpider(scrapy.Spider):
    """Fetches the pages of one source's full crawl and does nothing with them: all at once
    (`urls`), or each when the page that linked to it has arrived (`links`: {page: [linked]},
    "" for where the crawl started), as the full crawl had to wait for it."""

    name = "bare"

    def __init__(self, urls: list[str] | None = None,
                 links: dict[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.links = links if links is not None else {"": urls or []}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.links.get("", []):
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Any, **kwargs: Any) -> Iterator[scrapy.Request]:
        for url in self.links.pop(response.request.url, []):
            yield scrapy.Request(url, callback=self.parse)


def child(side: str, plan: list[dict[str, Any]]) -> dict[str, Any]:
    """Run one side's crawls together in this process; pages fetched, seconds taken to set up
    and to crawl, the CPU seconds of the crawl; for the full side also which page linked to
    which (from each request's Referer), for the baselines to fetch the same pages."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from lurewatch.crawl import project_settings

    setting_up = time.perf_counter()
    process = CrawlerProcess(project_settings(**(FULL if side == "full" else BARE)))
    crawlers = []
    links: list[dict[str, list[str]]] = []
    for entry in plan:
        if side == "full":
            crawler = process.create_crawler(entry["spider"])
            process.crawl(crawler, **entry["arguments"])
            tree: dict[str, list[str]] = {}
            crawler.signals.connect(_recorder(tree), signal=signals.response_received,
                                    weak=False)
            links.append(tree)
        else:
            crawler = process.create_crawler(BareSpider)
            process.crawl(crawler, **entry)
        crawlers.append(crawler)
    began, cpu = time.perf_counter(), time.process_time()
    process.start()
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    pages = sum(c.stats.get_value("downloader/response_count", 0) for c in crawlers)
    return {"pages": pages, "seconds": seconds, "setup": began - setting_up, "cpu": cpu,
            "links": links}


def _recorder(tree: dict[str, list[str]]) -> Any:
    """Notes each page fetched (robots.txt aside) under the page whose link led to it."""
    seen: set[str] = set()

    def record(response: Any, request: Any, **kwargs: Any) -> None:
        url = request.url
        if url.endswith("/robots.txt") or url in seen:
            return
        seen.add(url)
        referer = (request.headers.get("Referer") or b"").decode("latin-1")
        tree.setdefault(referer if referer in seen else "", []).append(url)

    return record


def run_side(side: str, plan: list[dict[str, Any]], workdir: Path) -> dict[str, Any]:
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    data = workdir / f"data-{side}-{time.monotonic_ns()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LUREWATCH_DATA": str(data),
           "LUREWATCH_INDEX": f"sqlite:///{data / 'lurewatch.db'}"}
    done = subprocess.run([sys.executable, __file__, "--child", side, str(plan_file)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{side} crawl failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=6, help="copies of each fixture site")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        plan = json.loads(Path(args.child[1]).read_text(encoding="utf-8"))
        print(json.dumps(child(args.child[0], plan)))
        return 0

    servers: list[tuple[FixtureServer, dict[str, Any]]] = []
    for _ in range(args.copies):
        board, channels = serve_site("jobboard"), serve_site("telegram")
        servers.append((board, {"spider": "jobboard",
                                "arguments": {"start_url": board.url + "/jobs"}}))
        for name in ("kh_jobs_2026", "xigang_zhaopin"):
            servers.append((channels, {"spider": "telegram",
                                       "arguments": {"channel": f"{channels.url}/s/{name}"}}))
    sides = ("full", "chained", "flat")
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    try:
        with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
            workdir = Path(tmp)
            plan = [entry for _, entry in servers]
            first = run_side("full", plan, workdir)  # also tells which pages each source needs
            plans = {"full": plan,
                     "chained": [{"links": tree} for tree in first["links"]],
                     "flat": [{"urls": [u for urls in tree.values() for u in urls]}
                              for tree in first["links"]]}
            print(f"pages per full crawl: {first['pages']:.0f} over {args.copies} copies "
                  f"of the job board and two Telegram channels")
            for n in range(args.rounds + 1):
                for side in sides[n % 3:] + sides[:n % 3]:  # each side in each place in turn
                    result = run_side(side, plans[side], workdir)
                    if n:  # round 0 warms the disk cache
                        runs[side].append(result)
    finally:
        for server in {id(s): s for s, _ in servers}.values():
            server.stop()
    rates = {side: [r["pages"] / r["seconds"] for r in runs[side]] for side in sides}
    median = {side: statistics.median(rates[side]) for side in sides}
    labels = {"flat": "scrapy alone, all pages known up front",
              "chained": "scrapy alone, each page when its linking page arrived",
              "full": "lurewatch, full pipeline"}
    for side in ("flat", "chained", "full"):
        each = ", ".join(f"{r:.0f}" for r in rates[side])
        setup = statistics.median(r["setup"] for r in runs[side])
        cpu = statistics.median(1000 * r["cpu"] / r["pages"] for r in runs[side])
        pages = statistics.median(r["pages"] for r in runs[side])
        print(f"{labels[side]:<53} {median[side]:6.1f} pages/s  (rounds: {each}); "
              f"{pages:.0f} pages; CPU {cpu:.1f} ms/page; start-up {setup:.1f} s")
    print(f"ratio to scrapy alone, same pages in the same order: "
          f"{median['full'] / median['chained']:.2f}  (target >= 0.5)")
    print(f"ratio to scrapy alone, same pages all at once:       "
          f"{median['full'] / median['flat']:.2f}  (bounded by the crawl's paging, see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
