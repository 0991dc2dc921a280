"""`lurewatch schedule`: the configured sources on their cron schedules, feeding the alerts.

Each crawl runs as `lurewatch crawl NAME` in a process of its own, so that a crawl that fails,
hangs or crashes takes nothing else down (and Twisted's reactor, which runs once per process,
starts fresh each time). After each crawl the watchlists are evaluated; they are also evaluated
every `--alerts-every` seconds (digests, retries of failed deliveries, posts indexed by crawls
run by hand) and once at start, which re-delivers whatever a stopped scheduler left pending.
A source that fails three times in a row is reported through every watchlist's notifiers.
`lurewatch takedown check` runs on its own cron; its failures are logged and tolerated.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from alerts import notify
from alerts.cron import CronError, parse_cron
from alerts.evaluate import run_all
from alerts.watchlists import webhook_secret
from lurewatch.document import now_utc
from lurewatch.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
UNHEALTHY_AFTER = 3
CRAWL_TIMEOUT = int(os.environ.get("LUREWATCH_CRAWL_TIMEOUT") or 3 * 3600)
TAKEDOWN_TIMEOUT = 1800

logger = logging.getLogger("lurewatch.schedule")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


class Runner:
    """What the scheduler's jobs do; keeps the count of each source's failures in a row."""

    def __init__(self, sources_file: Path, ner: bool) -> None:
        self.sources_file = sources_file
        self.ner = ner
        self.failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def _command(self, *args: str, timeout: float) -> tuple[int | None, str, str]:
        env = {**os.environ,
               "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                             if p)}
        try:
            done = subprocess.run([sys.executable, "-m", "lurewatch.cli", *args], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "", f"timed out after {timeout:.0f} s"
        return done.returncode, done.stdout, done.stderr

    def crawl(self, name: str) -> None:
        """One crawl of one source, then the watchlists."""
        started = time.monotonic()
        args = ["crawl", name, "--sources", str(self.sources_file)]
        code, out, err = self._command(*args, *([] if self.ner else ["--no-ner"]),
                                       timeout=CRAWL_TIMEOUT)
        took = time.monotonic() - started
        if code == 0:
            logger.info("crawl %s: ok in %.1f s:%s", name, took, _last_line(out).split(":", 1)[-1])
            with self._lock:
                before = self.failures.pop(name, 0)
            if before >= UNHEALTHY_AFTER:
                logger.info("crawl %s: healthy again after %d failures", name, before)
        else:
            error = _last_line(err) or _last_line(out) or f"exit code {code}"
            with self._lock:
                count = self.failures[name] = self.failures.get(name, 0) + 1
            logger.warning("crawl %s: FAILED (%s) in %.1f s, %d in a row: %s", name,
                           "timeout" if code is None else f"exit {code}", took, count, error)
            if count == UNHEALTHY_AFTER:
                self.report_unhealthy(name, count, error)
        self.alerts(after_crawl=True)

    def alerts(self, after_crawl: bool = False) -> None:
        try:
            report = run_all()
        except Exception as exc:  # the scheduler outlives an index or notifier outage
            logger.warning("alerts: run failed (%s: %s); the next run retries",
                           type(exc).__name__, exc)
            return
        if after_crawl or report.recorded or report.sent or report.failed:
            logger.info("%s", report.line())

    def report_unhealthy(self, source: str, failures: int, error: str) -> None:
        """Tell every notifier of every watchlist (once each) that a source keeps failing."""
        from index import open_index

        try:
            with open_index() as index:
                watchlists = index.watchlists()
        except Exception as exc:
            logger.warning("source %s unhealthy, but the watchlists cannot be read: %s",
                           source, exc)
            return
        notifiers: dict[str, str | None] = {}
        for watchlist in watchlists:
            for notifier in watchlist.get("notify") or []:
                notifiers.setdefault(notifier, webhook_secret(watchlist))
        if not notifiers:
            logger.warning("source %s unhealthy (%d failures); no notifier to tell", source,
                           failures)
        at = now_utc()
        for notifier, secret in notifiers.items():
            try:
                answer = notify.report_unhealthy(notifier, source, failures, error, at, secret)
                logger.warning("source %s unhealthy: told %s (%s)", source, notifier, answer)
            except notify.NotifyError as exc:
                logger.warning("source %s unhealthy: could not tell %s: %s", source, notifier,
                               exc)

    def takedown_check(self) -> None:
        started = time.monotonic()
        code, out, err = self._command("takedown", "check", timeout=TAKEDOWN_TIMEOUT)
        took = time.monotonic() - started
        if code == 0:
            logger.info("takedown check: ok in %.1f s: %s", took, _last_line(out))
        else:
            logger.warning("takedown check: failed (%s) in %.1f s: %s; next on schedule",
                           "timeout" if code is None else f"exit {code}", took,
                           _last_line(err) or _last_line(out))


def _cron(expression: str, what: str) -> Any:
    try:
        return parse_cron(expression)
    except CronError as exc:
        raise UsageError(f"{what}: {exc}") from None


def run_schedule(sources_arg: str | None, names: list[str], ner: bool = True,
                 takedown_cron: str = "0 * * * *", alerts_every: int = 60) -> int:
    """Run until stopped (SIGINT, SIGTERM); refuses a bad sources file or cron at start."""
    from lurewatch.crawl import spider_names
    from lurewatch.sources import SourcesError, load_sources, sources_path

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    path = sources_path(sources_arg).resolve()
    try:
        sources = load_sources(path, spider_names())
    except SourcesError as exc:
        raise UsageError(str(exc)) from exc
    unknown = [n for n in names if n not in sources]
    if unknown:
        raise UsageError(f"no source {', '.join(unknown)} in {path}; known: "
                         f"{', '.join(sources) or 'none'}")
    chosen = [sources[n] for n in names] if names else \
        [s for s in sources.values() if s.schedule]
    if not chosen:
        raise UsageError(f"no source in {path} has a `schedule:` (cron); add one")
    triggers = {}
    for source in chosen:
        if not source.schedule:
            raise UsageError(f"source {source.name} in {path} has no `schedule:` (cron)")
        triggers[source.name] = _cron(source.schedule, f"{path}: source {source.name}")
    takedown_trigger = _cron(takedown_cron, "--takedown-checks")

    runner = Runner(path, ner)
    scheduler = BlockingScheduler(
        timezone=UTC, executors={"default": ThreadPoolExecutor(len(chosen) + 3)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    for source in chosen:
        scheduler.add_job(runner.crawl, triggers[source.name], args=[source.name],
                          id=f"crawl {source.name}")
    scheduler.add_job(runner.alerts, "interval", seconds=alerts_every, id="alerts",
                      next_run_time=datetime.now(UTC))
    scheduler.add_job(runner.takedown_check, takedown_trigger, id="takedown check")

    def stop(signum: int, frame: object) -> None:
        logger.info("schedule: stopping (signal %d)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    listed = ", ".join(f"{s.name} ({s.schedule})" for s in chosen)
    logger.info("schedule: %d sources: %s; takedown checks (%s); watchlists every %d s",
                len(chosen), listed, takedown_cron, alerts_every)
    scheduler.start()
    return 0
