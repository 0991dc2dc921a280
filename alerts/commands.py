"""Sub-commands of `lurewatch` (registered by lurewatch.cli.build_parser): `watch`, `alerts`
and `schedule`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from lurewatch.errors import UsageError
from lurewatch.terminal import safe


def cmd_watch_add(args: argparse.Namespace) -> int:
    from alerts.watchlists import describe, make_watchlist, save_new
    from index import open_index

    record = make_watchlist(args)
    with open_index() as index:
        index.init()
        if not args.replace and any(w["name"] == record["name"] for w in index.watchlists()):
            raise UsageError(f"a watchlist {record['name']!r} exists: remove it first, or "
                             "give --replace")
        save_new(index, record)
    print(f"watchlist {safe(record['name'])} saved: {safe(describe(record))} -> "
          f"{', '.join(record['notify'])}" + (f" (digest: {record['digest']})"
                                               if record["digest"] else ""))
    return 0


def cmd_watch_list(args: argparse.Namespace) -> int:
    from alerts.watchlists import describe, public
    from index import IndexMissing, open_index

    with open_index() as index:
        try:
            records = index.watchlists()
        except IndexMissing:
            records = []
    if args.json:
        print(json.dumps([public(r) for r in records], ensure_ascii=False))
        return 0
    if not records:
        print("no watchlists: add one with `lurewatch watch add NAME QUERY --notify ...`")
    for r in records:
        mode = f"digest {r['digest']}" if r.get("digest") else "immediate"
        print(f"{safe(r['name'])} (owner {safe(r.get('owner'))}, {mode}): {safe(describe(r))}")
        print(f"    notify: {safe(', '.join(r.get('notify') or []))}; "
              f"last run: {r.get('cursor') or 'never'}")
    return 0


def cmd_watch_remove(args: argparse.Namespace) -> int:
    from index import open_index

    with open_index() as index:
        if not index.delete_watchlist(args.name):
            names = ", ".join(w["name"] for w in index.watchlists()) or "none"
            raise UsageError(f"no watchlist {args.name!r}; known: {names}")
    print(f"watchlist {safe(args.name)} removed (its alert history stays)")
    return 0


def cmd_alerts_run(args: argparse.Namespace) -> int:
    from alerts.evaluate import run_all

    report = run_all()
    if args.json:
        print(json.dumps({"recorded": len(report.recorded), "sent": [r["id"] for r in report.sent],
                          "failed": [{"id": r["id"], "error": r.get("error")}
                                     for r in report.failed]}))
    else:
        print(report.line())
        for row in report.failed:
            print(f"  not delivered: {row['watchlist']} / {row['doc_id']}: "
                  f"{safe(row.get('error'), 200)}")
    return 1 if report.failed else 0


def cmd_alerts_list(args: argparse.Namespace) -> int:
    from index import IndexMissing, open_index

    with open_index() as index:
        try:
            rows = index.alert_history(args.watchlist, [args.state] if args.state else None,
                                       args.limit)
        except IndexMissing:
            rows = []
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if not rows:
        print("no alerts yet")
    for row in rows:
        doc = row.get("document") or {}
        risk = (doc.get("risk") or {}).get("score", 0)
        print(f"{row['created_at']} {row['state']:<9} {safe(row['watchlist'], 24):<24} "
              f"{risk:>3} {safe(doc.get('title') or doc.get('text'), 60)}")
        print(f"    post {row['doc_id']}  {safe(doc.get('url'), 100)}")
        for notifier, answer in (row.get("answers") or {}).items():
            print(f"    {'ok ' if answer.get('ok') else 'ERR'} {safe(notifier, 60)}: "
                  f"{safe(answer.get('answer'), 100)}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from alerts.scheduler import run_schedule

    return run_schedule(args.sources, args.source, ner=not args.no_ner,
                        takedown_cron=args.takedown_checks, alerts_every=args.alerts_every)


def _risk(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a score from 0 to 100, not {value!r}") from None


def _seconds(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"a number of seconds, 1 or more, not {value!r}")
    return int(value)


def register(sub: Any, add: Callable[..., Any]) -> None:
    """Add this package's sub-commands to the `lurewatch` parser."""
    watch = add("watch", lambda a: 2, "watchlists: saved searches, watched entities and rules "
                "whose new matches are alerted once")
    watch_sub = watch.add_subparsers(dest="watch_command", metavar="ACTION", required=True)
    new = add("add", cmd_watch_add, "save a watchlist (the filters of `lurewatch search`, plus "
              "rules and notifiers)", watch_sub)
    new.add_argument("name", metavar="NAME")
    new.add_argument("query", nargs="?", default="", metavar="QUERY",
                     help="words, \"quoted phrases\" and entity terms as the search page takes "
                          "them; '' or nothing for every post")
    new.add_argument("--entity", action="append", metavar="KIND:VALUE",
                     help="a watched contact point or name, e.g. phone:+855961234567")
    new.add_argument("--platform")
    new.add_argument("--lang", help="ISO 639-1 code, e.g. ko")
    new.add_argument("--country", help="destination country, e.g. KH")
    new.add_argument("--min-risk", type=_risk, metavar="N", help="risk at least N (0-100)")
    new.add_argument("--indicator", action="append", metavar="CODE",
                     help="an indicator the post must carry (repeatable: all must be present)")
    new.add_argument("--first-contact", action="store_true",
                     help="only posts carrying a contact point seen for the first time")
    new.add_argument("--clustered-high", action="store_true",
                     help="only posts clustered with an earlier high-risk post")
    new.add_argument("--notify", action="append", metavar="webhook:URL|email:ADDRESS|file:PATH",
                     help="where alerts go (repeatable)")
    new.add_argument("--webhook-secret", metavar="SECRET",
                     help="the HMAC secret of this watchlist's webhooks (default: "
                          "LUREWATCH_WEBHOOK_SECRET)")
    new.add_argument("--digest", metavar="CRON",
                     help="send one message per period (cron, e.g. '0 8 * * *') instead of one "
                          "per post")
    new.add_argument("--owner", help="who this watchlist belongs to (default: $USER)")
    new.add_argument("--backfill", action="store_true",
                     help="also alert on matching posts indexed before the watchlist was saved")
    new.add_argument("--replace", action="store_true", help="replace a watchlist of that name")
    listing = add("list", cmd_watch_list, "list the watchlists", watch_sub)
    listing.add_argument("--json", action="store_true")
    remove = add("remove", cmd_watch_remove, "remove a watchlist (its alert history stays)",
                 watch_sub)
    remove.add_argument("name", metavar="NAME")

    alerts = add("alerts", lambda a: 2, "evaluate the watchlists and show the alert history")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    run = add("run", cmd_alerts_run, "evaluate every watchlist against the posts that arrived "
              "since its last run and send each new match once", alerts_sub)
    run.add_argument("--json", action="store_true")
    history = add("list", cmd_alerts_list, "the alert history, newest first: watchlist, post, "
                  "when, and each notifier's answer", alerts_sub)
    history.add_argument("--watchlist", metavar="NAME")
    history.add_argument("--state", choices=("pending", "sent", "failed", "cancelled"))
    history.add_argument("--limit", type=int, default=50, metavar="N")
    history.add_argument("--json", action="store_true", help="one alert per line")

    schedule = add("schedule", cmd_schedule, "run the sources of sources.yaml on their cron "
                   "schedules, each crawl in its own process, evaluating the watchlists after "
                   "each, until stopped")
    schedule.add_argument("source", nargs="*", metavar="SOURCE",
                          help="only these sources (default: every source with a schedule)")
    schedule.add_argument("--sources", metavar="PATH",
                          help="the sources file (default: LUREWATCH_SOURCES, else "
                               "./sources.yaml)")
    schedule.add_argument("--takedown-checks", metavar="CRON", default="0 * * * *",
                          help="when to run `lurewatch takedown check` (default hourly)")
    schedule.add_argument("--alerts-every", type=_seconds, default=60, metavar="SECONDS",
                          help="also evaluate the watchlists this often (digests, retries, "
                               "posts indexed by other crawls; default 60)")
    schedule.add_argument("--no-ner", action="store_true", help="crawl without spaCy NER")

