"""`lurewatch sources ...`: the configured sources and the candidates discovered from them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from lurewatch.errors import UsageError
from lurewatch.terminal import safe


def _sources(path_arg: str | None, required: bool) -> list[Any]:
    """The configured sources; none (with a note) when the file is missing and not required."""
    from lurewatch.crawl import spider_names
    from lurewatch.sources import SourcesError, load_sources, sources_path

    path = sources_path(path_arg)
    if not path.exists() and not required:
        print(f"lurewatch sources: no {path}; no candidate is marked as configured "
              "(give --sources PATH or set LUREWATCH_SOURCES)", file=sys.stderr)
        return []
    try:
        return list(load_sources(path, spider_names()).values())
    except SourcesError as exc:
        raise UsageError(str(exc)) from exc


def cmd_sources_list(args: argparse.Namespace) -> int:
    sources = _sources(args.sources, required=True)
    if args.json:
        print(json.dumps([{"name": s.name, "spider": s.spider, "arguments": s.arguments,
                           "schedule": s.schedule, "tags": list(s.tags)} for s in sources],
                         ensure_ascii=False))
        return 0
    for s in sources:
        arguments = " ".join(f"{k}={v}" for k, v in s.arguments.items())
        print(f"{safe(s.name, 30):<30} {s.spider:<10} {safe(s.schedule or '-'):<14} "
              f"{safe(arguments, 100)}")
    return 0


def cmd_sources_candidates(args: argparse.Namespace) -> int:
    from index import open_index
    from lurewatch import config
    from lurewatch.discovery import candidates_report

    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit takes a number of candidates, 1 or more")
    sources = _sources(args.sources, required=False)
    with open_index() as index:
        report = candidates_report(index, sources, config.data_dir(), limit=args.limit,
                                   new_only=args.new)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    out = sys.stdout
    out.write(f"{report['total']} candidate sources pointed at by {report['posts_scanned']} "
              "indexed posts (highest risk of the pointing posts first)\n")
    for cand in report["candidates"]:
        marks = [m for m, on in (("configured", cand["configured"]),
                                 ("watched", cand["watched"])) if on]
        out.write(f"{cand['max_risk']:>3} {cand['mean_risk']:>5} {cand['posts']:>3} posts  "
                  f"{cand['kind']:<8} {safe(cand['name'], 40):<40} "
                  f"{','.join(cand['via'])} {' '.join(marks)}\n")
        probe = cand.get("probe")
        if probe:
            out.write(f"      probed: {safe(probe.get('status'))} "
                      f"{safe(probe.get('title') or '', 60)} "
                      f"{probe.get('subscribers') or ''}\n")
        out.write(f"      {safe(cand['url'], 100)}  e.g. {', '.join(cand['examples'])}\n")
    return 0


def register(sub: Any, add: Callable[..., Any]) -> None:
    """Add the `sources` sub-command to the `lurewatch` parser."""
    sources = add("sources", lambda a: 2, "the configured sources and the candidate sources "
                  "discovered from the posts already indexed")
    sources_sub = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    listing = add("list", cmd_sources_list, "list the sources of sources.yaml", sources_sub)
    listing.add_argument("--sources", metavar="PATH",
                         help="the sources file (default: LUREWATCH_SOURCES, else ./sources.yaml)")
    listing.add_argument("--json", action="store_true")
    cands = add("candidates", cmd_sources_candidates, "channels and boards that indexed posts "
                "point at (forwards, t.me links and mentions, links to other boards), ranked by "
                "the risk of those posts; `scrapy crawl discover` probes them within a budget",
                sources_sub)
    cands.add_argument("--sources", metavar="PATH",
                       help="the sources file (default: LUREWATCH_SOURCES, else ./sources.yaml)")
    cands.add_argument("--limit", type=int, metavar="N", help="show the first N")
    cands.add_argument("--new", action="store_true",
                       help="only those neither configured nor already in the index")
    cands.add_argument("--json", action="store_true",
                       help='print {"total": N, "candidates": [...]}')
