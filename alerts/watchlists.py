"""A watchlist: a saved search (query and filters), watched entities, rules and notifiers.

Stored as a JSON object with the index (Index.save_watchlist). Everything is checked when it
is saved, so that a bad query, cron or notifier is refused with its reason then, not found
broken at 3 a.m. by the scheduler.
"""

from __future__ import annotations

import argparse
import os
import re
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from alerts.cron import CronError, parse_cron
from index.query import Query, QueryError, parse_entity
from lurewatch.document import now_utc
from lurewatch.errors import UsageError

NOTIFIER_KINDS = ("webhook", "email", "file")
RULES = ("first_contact", "clustered_high")
_NAME = re.compile(r"^\w[\w.\- ]{0,63}$", re.UNICODE)
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def webhook_secret(record: dict[str, Any]) -> str | None:
    """The watchlist's own secret, else LUREWATCH_WEBHOOK_SECRET."""
    return record.get("webhook_secret") or os.environ.get("LUREWATCH_WEBHOOK_SECRET") or None


def parse_notifier(spec: str) -> str:
    """`webhook:URL`, `email:ADDRESS` or `file:PATH`, checked; returns the spec as stored."""
    kind, sep, target = spec.partition(":")
    kind, target = kind.strip().lower(), target.strip()
    if not sep or kind not in NOTIFIER_KINDS or not target:
        raise UsageError(f"--notify takes webhook:URL, email:ADDRESS or file:PATH (got {spec!r})")
    if kind == "webhook":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"webhook {target!r} is not an http(s) URL")
    elif kind == "email":
        if not _ADDRESS.match(target) or parseaddr(target)[1] != target:
            raise UsageError(f"{target!r} is not an e-mail address (name@example.org)")
    else:
        target = os.path.abspath(os.path.expanduser(target))
    return f"{kind}:{target}"


def indicator_codes() -> set[str]:
    """The indicator codes of CONTRACT.md, as the web UI labels them."""
    from web.views import labels

    return set(labels()["indicators"])


def make_watchlist(args: argparse.Namespace) -> dict[str, Any]:
    """A checked watchlist record from `watch add`'s arguments (or the web form's)."""
    name = (args.name or "").strip()
    if not _NAME.match(name):
        raise UsageError(f"watchlist name {name!r}: use 1-64 letters, digits, spaces, . - _")
    entities = [f"{k}:{v}" for k, v in (_entity(e) for e in args.entity or [])]
    unknown = sorted(set(args.indicator or []) - indicator_codes())
    if unknown:
        raise UsageError(f"unknown indicator {', '.join(unknown)}; use one of: "
                         f"{', '.join(sorted(indicator_codes()))}")
    notify = list(dict.fromkeys(parse_notifier(s) for s in args.notify or []))
    if not notify:
        raise UsageError("say where alerts go: --notify webhook:URL, email:ADDRESS or file:PATH")
    record: dict[str, Any] = {
        "name": name, "owner": (args.owner or os.environ.get("USER") or "analyst").strip(),
        "query": args.query or "", "entities": entities, "platform": args.platform or None,
        "lang": (args.lang or "").lower() or None,
        "country": (args.country or "").upper() or None, "min_risk": args.min_risk,
        "indicators": list(dict.fromkeys(args.indicator or [])),
        "rules": [r for r in RULES if getattr(args, r, False)],
        "notify": notify, "webhook_secret": args.webhook_secret or None,
        "digest": (args.digest or "").strip() or None,
        "created_at": now_utc(), "cursor": None, "last_digest_at": None,
    }
    record["start"] = None if args.backfill else record["created_at"]
    if record["digest"]:
        try:
            parse_cron(record["digest"])
        except CronError as exc:
            raise UsageError(f"--digest: {exc}") from None
    if any(n.startswith("webhook:") for n in notify) and not webhook_secret(record):
        raise UsageError("webhooks are signed: give --webhook-secret SECRET or set "
                         "LUREWATCH_WEBHOOK_SECRET")
    to_query(record)  # refuses a query the index cannot run, with the reason
    return record


# At most this many posts of the second a watchlist is saved in are noted as earlier than it.
_EARLIER_KEPT = 10_000


def save_new(index: Any, record: dict[str, Any]) -> None:
    """Save a new watchlist with the posts already indexed in the second it starts (`earlier`).

    Stamps are whole seconds, so a post first seen in that second may be the tail of a crawl
    that had just ended (indexed before the watchlist was saved, not after): the watchlist
    must not alert on it, while a post indexed later in the same second must alert."""
    if record.get("start"):
        query = Query(seen_since=record["start"], limit=_EARLIER_KEPT)
        record["earlier"] = [doc["id"] for doc in index.search(query).hits]
    index.save_watchlist(record)


def _entity(spec: str) -> tuple[str, str]:
    try:
        return parse_entity(spec)
    except QueryError as exc:
        raise UsageError(str(exc)) from None


def to_query(record: dict[str, Any], **extra: Any) -> Query:
    """The index query of a watchlist: the same parsing as `lurewatch search` and the search
    page (entity terms such as `phone:+855...` in the text become exact filters)."""
    from lurewatch.cli import build_query

    text, from_text = record.get("query") or "", []
    if ":" in text:  # entity terms, as the search page reads them (web/ is slow to import)
        from web.querytext import split_query

        try:
            text, from_text = split_query(text)
        except QueryError as exc:
            raise UsageError(str(exc)) from None
    args = argparse.Namespace(
        query=text, platform=record.get("platform"), lang=record.get("lang"),
        country=record.get("country"), min_risk=record.get("min_risk"), since=None,
        entity=[*record.get("entities", []), *(f"{k}:{v}" for k, v in from_text)],
        sort="newest", limit=500, offset=0, facets=False, json=True,
    )
    query = build_query(args)
    indicators = record.get("indicators") or []
    if indicators:
        query.indicator = indicators[0]  # the others are checked on each hit (alerts.rules)
    for name, value in extra.items():
        setattr(query, name, value)
    return query


def describe(record: dict[str, Any]) -> str:
    """One line saying what a watchlist matches."""
    parts = [f'"{record["query"]}"' if record.get("query") else "every post"]
    parts += [f"{k} {record[k]}" for k in ("platform", "lang", "country") if record.get(k)]
    if record.get("min_risk") is not None:
        parts.append(f"risk >= {record['min_risk']}")
    parts += [f"entity {e}" for e in record.get("entities") or []]
    parts += [f"indicator {c}" for c in record.get("indicators") or []]
    parts += [r.replace("_", " ") for r in record.get("rules") or []]
    return ", ".join(parts)


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A watchlist as shown and exported: without its webhook secret (nor the bookkeeping of
    `earlier`)."""
    out = {k: v for k, v in record.items() if k not in ("webhook_secret", "earlier")}
    out["signed"] = bool(webhook_secret(record))
    return out


def add_watchlist(name: str, query: str = "", *, notify: list[str], backfill: bool = False,
                  replace: bool = True, index_url: str | None = None,
                  **options: Any) -> dict[str, Any]:
    """Save a watchlist from Python (the demo's way in): the options of `watch add`, e.g.
    `add_watchlist("high risk", min_risk=70, notify=["file:data/alerts.jsonl"],
    backfill=True)`. Raises UsageError for what `watch add` refuses."""
    from index import open_index

    fields: dict[str, Any] = {
        "entity": [], "platform": None, "lang": None, "country": None, "min_risk": None,
        "indicator": [], "first_contact": False, "clustered_high": False,
        "webhook_secret": None, "digest": None, "owner": None, **options,
    }
    record = make_watchlist(argparse.Namespace(name=name, query=query, notify=notify,
                                               backfill=backfill, **fields))
    with open_index(index_url) as index:
        index.init()
        if not replace and any(w["name"] == name for w in index.watchlists()):
            raise UsageError(f"a watchlist {name!r} exists")
        save_new(index, record)
    return record
