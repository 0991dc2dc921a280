"""`lurewatch schedule` end to end: the scheduler crawls a fixture site on a schedule of
seconds, new posts appear between runs, and exactly the new matching posts reach a real
webhook receiver and a real SMTP server, once each, even across a SIGKILL of the scheduler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, Env
from test_alerts_notify import SECRET, Cli, Mailbox, Receiver, free_port, use, verify

from fixtures.server import FixtureServer, serve_site

CHANNEL = "kh_jobs_2026"
HIDDEN = 5  # the newest posts of the channel, revealed while the scheduler runs


@pytest.fixture(name="cli")
def cli_in_process(capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys)


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    server = serve_site("telegram", channels=CHANNEL, hide_newest=HIDDEN)
    yield server
    server.stop()


def write_sources(path: Path, site: FixtureServer, schedule: str,
                  dead: bool = False) -> Path:
    sources: dict[str, Any] = {"kh": {
        "spider": "telegram", "schedule": schedule,
        "arguments": {"channel": f"{site.url}/s/{CHANNEL}", "max_pages": 1},
    }}
    if dead:  # a source whose every crawl fails (quickly: a site that is down costs Scrapy's
        # retry backoff, some 20 s a crawl)
        sources["dead"] = {"spider": "telegram", "schedule": schedule,
                           "arguments": {"channel": f"http://127.0.0.1:{free_port()}/s/gone",
                                         "max_pages": 0}}
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return path


class Scheduler:
    """`lurewatch schedule` as a process group of its own (its crawls included)."""

    def __init__(self, env: Env, sources: Path, log: Path, **more: str) -> None:
        self.log = log
        with log.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lurewatch.cli", "schedule", "--sources", str(sources),
                 "--no-ner", "--alerts-every", "2", "--takedown-checks", "0 0 1 1 *"],
                cwd=ROOT, env={**env.environ(), **more}, stdout=out, stderr=out,
                start_new_session=True,
            )

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(what: Callable[[], Any], timeout: float, message: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(message)


def crawls_done(scheduler: Scheduler, name: str = "kh") -> int:
    return sum(f"crawl {name}: ok" in line for line in scheduler.lines())


def new_matches(env: Env, since: str) -> set[str]:
    """The ids of the posts that reached the index after `since` with risk at least 50."""
    hits = env.search("", "--min-risk", "50")["hits"]
    return {d["id"] for d in hits if d["first_seen"] >= since}


def test_scheduler_alerts_exactly_the_new_matching_posts_once(
    sqlite_env: Env, site: FixtureServer, tmp_path: Path,
) -> None:
    env = sqlite_env
    env.crawl("telegram", channel=f"{site.url}/s/{CHANNEL}", max_pages="1")
    hook, mail = Receiver(), Mailbox()
    added = env.lurewatch("watch", "add", "kh high risk", "--min-risk", "50",
                          "--webhook-secret", SECRET, "--notify", f"webhook:{hook.url}",
                          "--notify", "email:desk@example.org")
    assert added.returncode == 0, added.stderr
    since = json.loads(env.lurewatch("watch", "list", "--json").stdout)[0]["created_at"]
    sources = write_sources(tmp_path / "sources.yaml", site, "*/3 * * * * *", dead=True)
    scheduler = Scheduler(env, sources, tmp_path / "schedule.log",
                          LUREWATCH_SMTP=f"smtp://127.0.0.1:{mail.port}")
    try:
        wait_for(lambda: crawls_done(scheduler) >= 1, 90, "no crawl ran")
        assert not [p for p in hook.payloads() if "document" in p]  # nothing new yet
        assert site.app.reveal() == HIDDEN
        expected = wait_for(lambda: new_matches(env, since), 90, "the new posts never came")
        ids = lambda: {p["document"]["id"] for p in hook.payloads() if "document" in p}  # noqa: E731
        wait_for(lambda: ids() == expected and len(mail.messages) >= len(expected), 60,
                 f"alerts never arrived: {ids()} != {expected}")
        unhealthy = wait_for(
            lambda: [p for p in hook.payloads() if p.get("event") == "source_unhealthy"], 90,
            "the failing source was never reported")
        done = crawls_done(scheduler)
        wait_for(lambda: crawls_done(scheduler) >= done + 1, 60, "the scheduler stopped")
    finally:
        scheduler.stop()
        hook.stop()
        mail.stop()

    revealed = {f"/{p['id']}" for p in site.app.visible_posts(CHANNEL)[-HIDDEN:]}
    alerts = [p for p in hook.payloads() if "document" in p]
    assert len(alerts) == len(expected)  # each once, across every later run
    assert all(p["document"]["url"].endswith(tuple(revealed)) for p in alerts)
    assert 0 < len(expected) < HIDDEN  # the low-risk ones among them did not alert
    assert all(verify(r, SECRET) for r in hook.requests)
    assert [(e["source"], e["failures"]) for e in unhealthy] == [("dead", 3)]
    alert_mail = [m for m in mail.messages if "source dead" not in m["Subject"]]
    assert len(alert_mail) == len(expected)
    assert sorted(m["Subject"].split(": risk")[0] for m in alert_mail) == \
        ["[lurewatch] kh high risk"] * len(expected)
    assert any("source dead is failing" in m["Subject"] for m in mail.messages)
    log = "\n".join(scheduler.lines())
    assert "crawl dead: FAILED" in log and "alerts: 1 watchlists" in log


def test_scheduler_killed_mid_delivery_sends_nothing_twice_and_misses_nothing(
    sqlite_env: Env, site: FixtureServer, tmp_path: Path,
) -> None:
    env = sqlite_env
    env.crawl("telegram", channel=f"{site.url}/s/{CHANNEL}", max_pages="1")
    hook = Receiver(hold_first=True)
    lines = tmp_path / "alerts.jsonl"
    assert env.lurewatch("watch", "add", "all new", "--webhook-secret", SECRET,
                         "--notify", f"file:{lines}",
                         "--notify", f"webhook:{hook.url}").returncode == 0
    since = json.loads(env.lurewatch("watch", "list", "--json").stdout)[0]["created_at"]
    sources = write_sources(tmp_path / "sources.yaml", site, "*/2 * * * * *")
    log = tmp_path / "schedule.log"
    first = Scheduler(env, sources, log)
    second = None
    try:
        site.app.reveal()
        assert hook.held is not None
        assert hook.held.wait(120), "no alert was sent"
        first.kill()  # while the receiver holds the first alert: pending in the history
        hook.release.set()
        second = Scheduler(env, sources, log)
        expected = {d["id"] for d in env.search("")["hits"] if d["first_seen"] >= since}
        assert len(expected) == HIDDEN
        ids = lambda: set(hook.alert_ids())  # noqa: E731
        wait_for(lambda: len(ids()) == HIDDEN, 90, "alerts were missed after the restart")
        done = crawls_done(second)
        wait_for(lambda: crawls_done(second) >= done + 1, 60, "the scheduler stopped")
    finally:
        first.stop()
        if second:
            second.stop()
        hook.stop()

    received = Counter(hook.alert_ids())
    held = hook.alert_ids()[0]
    # The alert in flight when the scheduler died is delivered again with the same alert id
    # (receivers drop a repeated X-Lurewatch-Alert-Id); every other alert came exactly once.
    assert len(received) == HIDDEN and received[held] <= 2
    assert all(count == 1 for alert, count in received.items() if alert != held)
    documents = {p["document"]["id"] for p in hook.payloads()}
    assert documents == expected
    written = [json.loads(line)["document"]["id"] for line in lines.read_text().splitlines()]
    assert sorted(written) == sorted(expected)  # the file notifier: each post exactly once


def test_schedule_refuses_a_bad_cron_with_the_reason(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, cli: Cli, tmp_path: Path,
) -> None:
    use(sqlite_env, monkeypatch)
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": {"kh": {
        "spider": "telegram", "schedule": "*/5 25 * * *",
        "arguments": {"channel": "http://127.0.0.1:9/s/x"}}}}), encoding="utf-8")
    done = cli("schedule", "--sources", str(sources))
    assert done.returncode == 2
    assert "source kh" in done.stderr and "is not valid" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    sources.write_text(sources.read_text().replace("*/5 25", "*/5 2"), encoding="utf-8")
    bad = cli("schedule", "--sources", str(sources), "--takedown-checks", "hourly")
    assert bad.returncode == 2 and "--takedown-checks" in bad.stderr


def test_every_crawl_evaluates_the_watchlists_when_it_closes(
    sqlite_env: Env, site: FixtureServer, tmp_path: Path,
) -> None:
    env = sqlite_env
    channel = f"{site.url}/s/{CHANNEL}"
    env.crawl("telegram", channel=channel, max_pages="1")
    lines = tmp_path / "alerts.jsonl"
    assert env.lurewatch("watch", "add", "all", "--notify", f"file:{lines}").returncode == 0
    site.app.reveal(2)
    env.crawl("telegram", channel=channel, max_pages="1")  # plain `scrapy crawl`, no scheduler

    written = [json.loads(line)["document"]["url"] for line in lines.read_text().splitlines()]
    revealed = [p["id"] for p in site.app.visible_posts(CHANNEL)[-2:]]
    assert sorted(written) == sorted(f"https://t.me/{CHANNEL}/{i}" for i in revealed)
