"""Bad input: a crawl meets every kind of hostile page, logs each, and loses nothing else.

The hostile server (fixtures/hostile/server.py) serves a 50 MB page, a gzip bomb, a redirect
loop, a page that never answers and a Windows-1252 page labelled UTF-8 next to good job pages,
and a Telegram preview whose posts carry a widget the spider does not know.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from fixtures.hostile.server import BAD, GOOD_ADS, HostileSite, make_app
from fixtures.jobboard.site import load_content
from fixtures.server import FixtureServer
from fixtures.telegram.site import load_channels
from tests.conftest import ROOT

ADS = {ad["id"]: ad for ad in load_content()["ads"]}
QUICK = ["-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1", "-s", "LUREWATCH_NER=False",
         "-s", "LUREWATCH_RETRY_BACKOFF_BASE=0.2", "-s", "AUTOTHROTTLE_ENABLED=False"]


@pytest.fixture
def hostile() -> Iterator[FixtureServer]:
    server = FixtureServer(make_app()).start()
    yield server
    app: HostileSite = server.app  # type: ignore[assignment]
    app.stopping.set()  # release the request that hangs
    server.stop()


def crawl(env, spider: str, **arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *QUICK]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    return subprocess.run(command, cwd=ROOT, env=env.environ(), capture_output=True, text=True,
                          timeout=120)


def test_bad_pages_are_logged_and_skipped_and_good_ones_indexed(sqlite_env, hostile) -> None:
    done = crawl(sqlite_env, "jobboard", start_url=hostile.url + "/jobs")
    assert done.returncode == 0, done.stderr[-3000:]
    log = done.stderr
    assert "Traceback" not in log
    assert "'finish_reason': 'finished'" in log
    # every bad page named in a line of its own that says it was skipped
    skipped = [line for line in log.splitlines() if "jobboard: skipped" in line]
    for path in BAD:
        assert any(hostile.url + path in line for line in skipped), (path, skipped)
    assert any("redirect loop: " in line and "/loop/a -> " in line for line in skipped)
    # the good pages are all indexed, the mislabelled one decoded as what it really is
    docs = sqlite_env.search("")["hits"]
    assert sorted(d["title"] for d in docs) == sorted(ADS[i]["title"] for i in GOOD_ADS)
    assert "is not UTF-8 as declared; reading it as cp1252" in log
    cp1252 = next(d for d in docs if d["title"] == ADS[30418]["title"])
    assert "\ufffd" not in cp1252["text"] and "“easy job, big salary”" in cp1252["text"]


def test_unknown_telegram_markup_is_logged_and_the_posts_read(sqlite_env, hostile) -> None:
    done = crawl(sqlite_env, "telegram", channel=hostile.url + "/s/kh_jobs_2026")
    assert done.returncode == 0, done.stderr[-3000:]
    warnings = [line for line in done.stderr.splitlines() if "markup not understood" in line]
    assert len(warnings) == 4  # one line per preview page, naming the widget and the posts
    assert all("tgme_widget_message_story_wrap" in line for line in warnings)
    assert "kh_jobs_2026/392: tgme_widget_message_story_wrap" in warnings[0]
    posts = load_channels()["kh_jobs_2026"]["posts"]
    docs = sqlite_env.search("")["hits"]
    assert {d["url"] for d in docs} == {f"https://t.me/kh_jobs_2026/{p['id']}" for p in posts}
    assert all("Story" not in d["text"] for d in docs)
