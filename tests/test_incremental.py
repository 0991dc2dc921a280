"""Incremental crawling: a re-crawl fetches what is new (or changed) and nothing else.

Each test crawls a fixture site that holds its newest three posts back, publishes them, crawls
again and counts the requests the server saw on the second crawl; on both index backends.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from fixtures.jobboard.site import load_content
from fixtures.server import FixtureServer, serve_site
from fixtures.telegram.site import load_channels
from tests.conftest import ROOT

CHANNEL = "kh_jobs_2026"
ADS = {ad["id"]: ad for ad in load_content()["ads"]}


def job_path(ad_id: int) -> str:
    return f"/jobs/{ad_id}-{ADS[ad_id]['slug']}"


@pytest.fixture
def board() -> Iterator[FixtureServer]:
    server = serve_site("jobboard", hide_newest=3)
    yield server
    server.stop()


@pytest.fixture
def channel() -> Iterator[FixtureServer]:
    server = serve_site("telegram", channels=[CHANNEL], hide_newest=3)
    yield server
    server.stop()


def test_board_recrawl_fetches_only_the_three_new_ads(env, board: FixtureServer) -> None:
    env.crawl("jobboard", start_url=board.url + "/jobs")
    assert env.search("")["total"] == len(ADS) - 3
    revealed = board.app.reveal()
    since = len(board.requests)
    done = env.crawl("jobboard", start_url=board.url + "/jobs")
    fetched = board.requests[since:]
    # page 1 holds the three new ads; page 2 only known ones, so paging stops there
    assert sorted(fetched) == sorted(["/robots.txt", "/jobs", "/jobs?page=2",
                                      *(job_path(i) for i in revealed)])
    assert "not paging further (incremental)" in done.stderr
    everything = env.search("")
    assert everything["total"] == len(ADS)
    titles = {d["title"] for d in everything["hits"]}
    assert {ADS[i]["title"] for i in revealed} <= titles


def test_channel_recrawl_stops_at_the_first_page_already_indexed(env,
                                                                channel: FixtureServer) -> None:
    posts = load_channels()[CHANNEL]["posts"]
    env.crawl("telegram", channel=f"{channel.url}/s/{CHANNEL}")
    assert env.search("")["total"] == len(posts) - 3
    first = [p for p in channel.requests if p.startswith("/s/")]
    assert len(first) == 3  # 59 posts: 20 + 20 + 19
    channel.app.reveal()
    since = len(channel.requests)
    done = env.crawl("telegram", channel=f"{channel.url}/s/{CHANNEL}")
    fetched = channel.requests[since:]
    # the newest page (3 new posts and 17 known), then one page of known posts, then stop
    pages = [p for p in fetched if p != "/robots.txt"]
    assert len(pages) == 2 and pages[0] == f"/s/{CHANNEL}"
    assert pages[1].startswith(f"/s/{CHANNEL}?before=")
    assert "not paging further back (incremental)" in done.stderr
    urls = {d["url"] for d in env.search("")["hits"]}
    assert urls == {f"https://t.me/{CHANNEL}/{p['id']}" for p in posts}


def test_sitemap_recrawl_refetches_a_page_when_its_lastmod_moves(sqlite_env) -> None:
    server = serve_site("jobboard")
    sitemap = server.url + "/sitemap.xml"
    try:
        sqlite_env.crawl("jobboard", start_url=sitemap)
        server.app.touch(30405)
        since = len(server.requests)
        sqlite_env.crawl("jobboard", start_url=sitemap)
        edited = server.requests[since:]
        since = len(server.requests)
        subprocess.run(  # and with incremental crawling off, everything again
            [sys.executable, "-m", "scrapy", "crawl", "jobboard", "-a", f"start_url={sitemap}",
             "-s", "LUREWATCH_NER=False", "-s", "LUREWATCH_INCREMENTAL=False"],
            cwd=ROOT, env=sqlite_env.environ(), capture_output=True, check=True, timeout=300,
        )
        everything = [p for p in server.requests[since:] if p.startswith("/jobs/")]
    finally:
        server.stop()
    assert sorted(edited) == sorted(["/robots.txt", "/sitemap.xml", job_path(30405)])
    assert sorted(everything) == sorted(job_path(i) for i in ADS)
    assert sqlite_env.search("")["total"] == len(ADS)
