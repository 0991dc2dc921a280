"""`lurewatch demo`: the whole path once, on the bundled fixture sites, with a summary."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from fixtures.invites.site import host_map
from fixtures.server import SITES, serve_site
from index import Query, open_index
from lurewatch import config
from lurewatch.cli import print_hit
from lurewatch.crawl import run_crawls, summary_line
from lurewatch.terminal import safe

DEMO_WATCHLIST = "high risk Cambodia"


def demo_crawls(urls: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """Every crawl the fixture sites offer: (spider, arguments) with full loopback URLs."""
    crawls = []
    for name, base in urls.items():
        site = importlib.import_module(f"fixtures.{name}.site")
        # (spider, argument, path[, other arguments])
        for spider, argument, path, *extra in site.ENTRY_POINTS:
            arguments = {argument: base + path, **(extra[0] if extra else {})}
            crawls.append((spider, {**arguments, "source": f"demo-{name}"}))
    return crawls


def run_demo(ner: bool = True, out: Any = None) -> int:
    out = out or sys.stdout
    servers = {name: serve_site(name) for name in SITES}
    try:
        urls = {name: server.url for name, server in servers.items()}
        for name, url in urls.items():
            out.write(f"serving fixture site {name} at {url}\n")
        out.write("crawling every source (this takes a minute; spaCy NER is "
                  f"{'on' if ner else 'off'})...\n")
        out.flush()
        # then the contact pages (t.me, WhatsApp, KakaoTalk, LINE) that the posts link to
        crawls = demo_crawls(urls)
        invites = [("invites", {"hosts": host_map(urls["invites"]), "source": "demo-invites"})]
        stats = run_crawls(crawls, then=invites, LOG_LEVEL="WARNING", LUREWATCH_NER=ner)
        crawls += invites
    finally:
        for server in servers.values():
            server.stop()

    for (spider, arguments), values in zip(crawls, stats, strict=True):
        where = next((v for k, v in arguments.items() if k != "source"), "")
        where = "(the links in the posts)" if spider == "invites" else where
        out.write(summary_line(spider, where, values) + "\n")
    with open_index() as index:
        size = index.stats()
        everything = index.search(Query(limit=0))
        top = index.search(Query(sort="risk", limit=5, facets=False))
    platforms = ", ".join(f"{k} {v}" for k, v in size["platforms"].items())
    levels = everything.facets.get("risk_level", {})
    out.write(f"\nindex {size['location']}: {size['documents']} documents ({platforms})\n")
    out.write("risk: " + ", ".join(f"{lvl} {levels.get(lvl, 0)}" for lvl in
                                   ("high", "medium", "low")) + "\n")
    countries = list(everything.facets.get("country", {}).items())[:6]
    if countries:
        out.write("destinations: " + ", ".join(f"{k} {v}" for k, v in countries) + "\n")
    out.write("\ntop hits by risk:\n")
    for doc in top.hits:
        print_hit(doc, out)
    alerts_file = run_watchlist(out)
    request = draft_takedown(top.hits[0], out) if top.hits else None
    out.write(
        f"\noutputs: index {size['location']}; evidence, state and drafts in "
        f"{config.data_dir()}; alerts in {alerts_file}"
        + (f"; takedown request in {request['out_dir']}" if request else "") + "\n"
        "next: lurewatch search '' --min-risk 70 --country KH, lurewatch search 캄보디아 --json, "
        "lurewatch watch list, lurewatch takedown list, lurewatch serve\n"
    )
    return 0


def run_watchlist(out: Any) -> Path:
    """The demo's watchlist (high-risk posts bound for Cambodia), evaluated once.

    Saved after the crawls with a backfill, so that it alerts on what they found; a post alerts a
    watchlist once, ever, so a second demo sends nothing new and says how many were sent before.
    """
    from alerts.evaluate import run_all
    from alerts.watchlists import add_watchlist

    alerts_file = config.data_dir() / "alerts.jsonl"
    add_watchlist(DEMO_WATCHLIST, country="KH", min_risk=70, backfill=True,
                  notify=[f"file:{alerts_file}"], owner="demo")
    report = run_all()
    with open_index() as index:
        ever = index.alert_history(DEMO_WATCHLIST, states=["sent"], limit=10_000)
    out.write(f"\nwatchlist {DEMO_WATCHLIST!r}: {len(report.sent)} alerts sent now, "
              f"{len(ever)} in all, to {alerts_file}\n")
    return alerts_file


def draft_takedown(doc: dict[str, Any], out: Any) -> dict[str, Any] | None:
    """A takedown request for the top hit, with its evidence bundle (never sent)."""
    from takedown import draft
    from takedown.errors import TakedownError

    try:
        request = draft(doc)
    except TakedownError as exc:
        out.write(f"takedown request for {doc['id']}: not drafted ({exc})\n")
        return None
    recipient = request["recipient"]
    name = recipient.get("name") if isinstance(recipient, dict) else recipient
    out.write(f"takedown request {request['request_id']} for the top hit {doc['id']}: to "
              f"{safe(str(name))} in {request['language']}, {len(request['files'])} files "
              f"({', '.join(sorted(request['files']))}); send with "
              f"`lurewatch takedown send {request['request_id']}`\n")
    return request
