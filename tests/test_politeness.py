"""Politeness: robots.txt is obeyed unless a source opts out with a reason, and a server that
answers 429 with Retry-After is waited for before the request is tried again.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from fixtures.hostile.server import POLITE_ADS, PRIVATE_AD, HostileSite, make_app
from fixtures.jobboard.site import load_content
from fixtures.server import FixtureServer
from spiders.middlewares import retry_after_seconds
from tests.conftest import ROOT

ADS = {ad["id"]: ad for ad in load_content()["ads"]}


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    server = FixtureServer(make_app()).start()
    yield server
    app: HostileSite = server.app  # type: ignore[assignment]
    app.stopping.set()
    server.stop()


def crawl(env, start_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "jobboard", "-a", f"start_url={start_url}",
               "-s", "LUREWATCH_NER=False", "-s", "AUTOTHROTTLE_ENABLED=False"]
    for argument in arguments:
        command += ["-a", argument]
    return subprocess.run(command, cwd=ROOT, env=env.environ(), capture_output=True, text=True,
                          timeout=120)


def test_disallowed_page_is_never_fetched_and_429_is_waited_for(sqlite_env, site) -> None:
    app: HostileSite = site.app  # type: ignore[assignment]
    done = crawl(sqlite_env, site.url + "/polite/jobs")
    assert done.returncode == 0, done.stderr[-3000:]
    fetched = [path for path, _ in app.times]
    assert fetched[0] == "/robots.txt"
    assert not [p for p in fetched if p.startswith("/private/")]
    # the listing answered 429 with Retry-After: 2; it was asked again no sooner than that
    listing = [when for path, when in app.times if path == "/polite/jobs"]
    assert len(listing) == 2 and listing[1] - listing[0] >= 1.9
    assert "with Retry-After 2: waiting 2.0 s" in done.stderr
    titles = sorted(d["title"] for d in sqlite_env.search("")["hits"])
    assert titles == sorted(ADS[i]["title"] for i in POLITE_ADS)


def test_robots_opt_out_needs_a_reason_and_logs_it(sqlite_env, site) -> None:
    app: HostileSite = site.app  # type: ignore[assignment]
    private = "/private" + app.job_path(PRIVATE_AD)
    refused = crawl(sqlite_env, site.url + private, "robots=ignore")
    assert "robots=ignore needs -a robots_reason=" in refused.stderr
    assert private not in [path for path, _ in app.times]
    allowed = crawl(sqlite_env, site.url + private, "robots=ignore",
                    "robots_reason=site owner's written permission, 2026-11-20")
    assert allowed.returncode == 0, allowed.stderr[-3000:]
    line = next(x for x in allowed.stderr.splitlines() if "robots.txt ignored" in x)
    assert "WARNING" in line and "site owner's written permission, 2026-11-20" in line
    assert private in [path for path, _ in app.times]
    assert [d["title"] for d in sqlite_env.search("")["hits"]] == [ADS[PRIVATE_AD]["title"]]


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"2", now) == 2.0
    assert retry_after_seconds("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 23 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
