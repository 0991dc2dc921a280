"""Evaluating the watchlists: new matches are recorded, then delivered, each exactly once.

A run (after every crawl, by `lurewatch alerts run`, by the scheduler) does, under a lock that
serialises runs on this machine:

1. for each watchlist, search the posts that reached the index (`first_seen`) since its
   cursor, less an overlap window (posts are stamped when fetched and indexed a little
   later), never before the watchlist was created (unless it was made with `--backfill`);
2. record every match that passes the rules as an alert in the history, `pending`, keyed by
   (watchlist, post): a key recorded once is never recorded again, so a post re-crawled, or
   seen again in the overlap, never alerts twice; then move the cursor;
3. deliver what is pending (and what failed before, for RETRY_FOR after it was recorded),
   notifier by notifier (a notifier that failed after its retries is not tried again in the
   same run, so one dead webhook does not hold every alert up for its backoff), writing
   each notifier's answer into the alert: `sent` when all answered, else `failed`.
   Digest watchlists deliver their pending alerts together when their cron fires.

A run stopped anywhere leaves the history consistent: the next run re-delivers only what is
still pending, to the notifiers that have not answered, and evaluates from the old cursor.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts import notify, rules
from alerts.cron import CronError, due, utc
from alerts.watchlists import to_query, webhook_secret
from index import Index, IndexMissing, open_index
from lurewatch import config
from lurewatch.document import utc_iso

logger = logging.getLogger("lurewatch.alerts")

# How long alerts that could not be delivered are tried again, run after run.
RETRY_FOR = timedelta(hours=24)


def overlap() -> timedelta:
    """LUREWATCH_ALERT_OVERLAP seconds (default 3600): how far before its cursor a watchlist
    looks again, for posts fetched before the last run and indexed after it."""
    return timedelta(seconds=int(os.environ.get("LUREWATCH_ALERT_OVERLAP") or 3600))


@dataclass
class RunReport:
    """What one run did: alerts recorded, delivered and failed (rows of the history)."""

    recorded: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    watchlists: int = 0

    def line(self) -> str:
        return (f"alerts: {self.watchlists} watchlists, {len(self.recorded)} new matches, "
                f"{len(self.sent)} sent, {len(self.failed)} failed")


def alert_id(watchlist: str, doc_id: str) -> str:
    """The alert's key: one per (watchlist, post), ever."""
    return hashlib.sha256(f"{watchlist}\0{doc_id}".encode()).hexdigest()[:24]


@contextlib.contextmanager
def run_lock() -> Iterator[None]:
    """One run at a time on this machine (released by the OS if the process dies)."""
    path = config.data_dir() / "state" / "alerts.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_all(index_url: str | None = None, now: datetime | None = None) -> RunReport:
    """Evaluate every watchlist and deliver what is due; the report says what was sent.

    This is the one entry point: the crawl extension, `lurewatch alerts run`, the scheduler
    and the demo call it.
    """
    report = RunReport()
    with run_lock(), open_index(index_url) as index:
        try:
            watchlists = index.watchlists()
        except IndexMissing:
            return report
        if not watchlists:
            return report
        index.refresh()
        report.watchlists = len(watchlists)
        moment = now or datetime.now(UTC)
        for watchlist in watchlists:
            report.recorded += evaluate(index, watchlist, moment)
        deliver_due(index, {w["name"]: w for w in watchlists}, moment, report)
    for row in report.failed:
        logger.warning("alert %s (watchlist %s, post %s) not delivered: %s", row["id"],
                       row["watchlist"], row["doc_id"], row.get("error"))
    return report


def evaluate(index: Index, watchlist: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """Record the watchlist's new matches as pending alerts and move its cursor."""
    since = [utc(watchlist["cursor"]) - overlap()] if watchlist.get("cursor") else []
    if watchlist.get("start"):
        since.append(utc(watchlist["start"]))
    query = to_query(watchlist, seen_since=utc_iso(max(since)) if since else None)
    matches: list[dict[str, Any]] = []
    while True:
        hits = index.search(query).hits
        matches += hits
        if len(hits) < query.limit:
            break
        query.offset += len(hits)
    name = watchlist["name"]
    earlier = set(watchlist.get("earlier") or ())  # indexed before it, in its first second
    keyed = {alert_id(name, d["id"]): d for d in matches if d["id"] not in earlier}
    known = index.known_alerts(keyed)
    stamp = utc_iso(now)
    rows = [
        {"id": key, "watchlist": name, "doc_id": doc["id"], "state": "pending",
         "created_at": stamp, "updated_at": stamp, "sent_at": None, "attempts": 0,
         "answers": {}, "error": None, "document": doc}
        for key, doc in keyed.items()
        if key not in known and rules.passes(index, watchlist, doc)
    ]
    created = index.create_alerts(rows)
    watchlist["cursor"] = stamp
    index.save_watchlist(watchlist, create=False)
    return created


def deliver_due(index: Index, watchlists: dict[str, dict[str, Any]], now: datetime,
                report: RunReport) -> None:
    """Deliver pending alerts (and earlier failures worth another try)."""
    waiting = index.alert_history(states=["pending", "failed"], limit=10_000)
    by_list: dict[str, list[dict[str, Any]]] = {}
    for row in reversed(waiting):  # oldest first
        if row["state"] == "failed" and utc(row["created_at"]) < now - RETRY_FOR:
            continue
        by_list.setdefault(row["watchlist"], []).append(row)
    stamp = utc_iso(now)
    down: dict[str, str] = {}  # notifiers that failed in this run, and why
    for name, rows in by_list.items():
        watchlist = watchlists.get(name)
        if watchlist is None:
            for row in rows:
                row.update(state="cancelled", updated_at=stamp,
                           error="the watchlist was removed before this alert was sent")
                index.update_alert(row)
            continue
        if watchlist.get("digest"):
            if not _digest_due(watchlist, now):
                continue
            _send(index, watchlist, rows, stamp, report, down)
            watchlist["last_digest_at"] = stamp
            index.save_watchlist(watchlist, create=False)
        else:
            for row in rows:
                _send(index, watchlist, [row], stamp, report, down)


def _digest_due(watchlist: dict[str, Any], now: datetime) -> bool:
    last = utc(watchlist.get("last_digest_at") or watchlist["created_at"])
    try:
        return due(watchlist["digest"], last, now)
    except CronError:
        return True  # refused when saved; never hold alerts back because of it


def _send(index: Index, watchlist: dict[str, Any], rows: list[dict[str, Any]], stamp: str,
          report: RunReport, down: dict[str, str]) -> None:
    """One message (an alert, or a digest of several) to each notifier not yet answered;
    each answer is written down as soon as it comes, so a stop in between re-sends nothing
    that a notifier has already taken."""
    secret = webhook_secret(watchlist)
    items = [{"alert_id": r["id"], "document": r["document"]} for r in rows]
    notifiers = watchlist.get("notify") or []
    for notifier in notifiers:
        if all((r.get("answers") or {}).get(notifier, {}).get("ok") for r in rows):
            continue
        if notifier in down:
            answer = {"ok": False, "answer": f"not tried in this run: {down[notifier]}",
                      "at": stamp}
        else:
            try:
                answer = {"ok": True, "answer": notify.deliver(notifier, watchlist, items,
                                                               stamp, secret), "at": stamp}
            except notify.NotifyError as exc:
                answer = {"ok": False, "answer": str(exc), "at": stamp}
                down[notifier] = str(exc)
        for row in rows:
            row["answers"] = {**(row.get("answers") or {}), notifier: answer}
            row["updated_at"] = stamp
            if answer["ok"]:
                index.update_alert(row)
    for row in rows:
        answers = row.get("answers") or {}
        failed = [n for n in notifiers if not answers.get(n, {}).get("ok")]
        row.update(attempts=row.get("attempts", 0) + 1, state="failed" if failed else "sent",
                   error="; ".join(answers[n]["answer"] for n in failed if n in answers) or None)
        if not failed:
            row["sent_at"] = stamp
        index.update_alert(row)
        (report.failed if failed else report.sent).append(row)
