"""The `lurewatch` command (CONTRACT.md): one sub-command per job, one-line errors."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from index import IndexError, Query, QueryError, open_index
from index.query import FACETS, SORTS, parse_entity
from lurewatch.errors import UsageError
from lurewatch.terminal import safe, safe_block

# Packages that add their own sub-commands: each has a `register(sub, add)` that adds its
# parsers with `add(name, handler, help, parent=sub)` (see build_parser).
COMMAND_MODULES = ("lurewatch.sources_commands", "alerts.commands", "takedown.commands")


def _open_input(path: str | None) -> IO[bytes]:
    if not path or path == "-":
        return sys.stdin.buffer
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc


# -- enrich ---------------------------------------------------------------------------------------

def cmd_enrich(args: argparse.Namespace) -> int:
    from enrich import Enricher
    from lurewatch.document import canonical_key, document_id, to_utc
    from lurewatch.jsonl import SkippedLines, read_objects

    on_error = SkippedLines("enrich")

    def documents() -> Any:
        for number, obj in read_objects(_open_input(args.file), on_error):
            if not isinstance(obj.get("text"), str):
                on_error(number, 'no "text" string: every input object needs one')
                continue
            doc = {k: obj[k] for k in ("id", "title", "url", "platform", "posted_at", "text",
                                        "source", "author") if obj.get(k) is not None}
            if "posted_at" in doc:
                doc["posted_at"] = to_utc(doc["posted_at"])
            if "id" not in doc:
                key = canonical_key(doc["url"]) if doc.get("url") else doc["text"]
                doc["id"] = document_id(doc.get("platform") or "web", key)
            yield doc

    enricher = Enricher(ner=not args.no_ner)
    out = sys.stdout
    for doc in enricher.enrich_many(documents()):
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    out.flush()
    if on_error.count:
        print(f"lurewatch enrich: {on_error.count} input lines skipped (see above)",
              file=sys.stderr)
        return 1
    return 0


# -- search ---------------------------------------------------------------------------------------

def build_query(args: argparse.Namespace) -> Query:
    try:
        return Query(
            text=args.query, platform=args.platform, lang=args.lang, country=args.country,
            min_risk=args.min_risk, since=args.since,
            entities=[parse_entity(e) for e in args.entity or []], sort=args.sort,
            limit=args.limit, offset=args.offset, facets=args.facets or not args.json,
        )
    except QueryError as exc:
        raise UsageError(str(exc)) from exc


def _contacts(doc: dict[str, Any]) -> str:
    entities = doc.get("entities") or {}
    parts = [f"{p}" for p in entities.get("phones") or []]
    parts += [f"@{h}" for h in entities.get("telegram") or []]
    parts += entities.get("emails") or []
    return ", ".join(parts[:6])


def print_hit(doc: dict[str, Any], out: IO[str]) -> None:
    risk = doc.get("risk") or {}
    when = (doc.get("posted_at") or doc.get("first_seen") or "")[:10]
    head = doc.get("title") or doc.get("text") or ""
    out.write(f"{risk.get('score', 0):>3} {risk.get('level', ''):<6} {when:<10} "
              f"{safe(doc.get('platform')):<9} {safe(doc.get('lang')):<3} {safe(head, 70)}\n")
    out.write(f"    id {doc.get('id')}  {safe(doc.get('url'), 100)}\n")
    contacts = _contacts(doc)
    if contacts:
        out.write(f"    contacts: {safe(contacts, 110)}\n")


def cmd_search(args: argparse.Namespace) -> int:
    query = build_query(args)
    with open_index() as index:
        result = index.search(query)
    if args.json:
        json.dump(result.as_json(with_facets=args.facets), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    out = sys.stdout
    shown = len(result.hits)
    out.write(f"{result.total} posts match"
              + (f"; showing {query.offset + 1}-{query.offset + shown}" if shown else "") + "\n")
    for doc in result.hits:
        print_hit(doc, out)
    for name in FACETS:
        values = result.facets.get(name) or {}
        if values:
            listed = ", ".join(f"{safe(k)} {v}" for k, v in list(values.items())[:10])
            out.write(f"{name}: {listed}\n")
    return 0


# -- index ----------------------------------------------------------------------------------------

def cmd_index_init(args: argparse.Namespace) -> int:
    with open_index() as index:
        index.init()
        print(f"index ready at {index.location}")
    return 0


def cmd_index_stats(args: argparse.Namespace) -> int:
    with open_index() as index:
        stats = index.stats()
    if args.json:
        print(json.dumps(stats))
        return 0
    print(f"{stats['backend']} index at {stats['location']}")
    print(f"  documents: {stats['documents']}")
    print(f"  size: {stats['bytes'] / 1e6:.1f} MB")
    for platform, count in stats["platforms"].items():
        print(f"  {safe(platform)}: {count}")
    return 0


def cmd_index_load(args: argparse.Namespace) -> int:
    """Index documents from JSON Lines (for example the output of `lurewatch enrich`)."""
    from index.spool import Spool
    from lurewatch import config
    from lurewatch.document import complete
    from lurewatch.jsonl import SkippedLines, read_objects

    on_error = SkippedLines("index load")

    added = updated = 0
    with open_index() as index:
        index.init()
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            nonlocal added, updated
            report = index.upsert(batch)
            added, updated = added + report.added, updated + report.updated
            if report.failed:
                path = Spool(config.data_dir() / "spool").put(d for d, _ in report.failed)
                print(f"lurewatch index load: {len(report.failed)} documents refused "
                      f"({report.failed[0][1]}); kept in {path}", file=sys.stderr)
            batch.clear()

        for number, obj in read_objects(_open_input(args.file), on_error):
            if not obj.get("id"):
                on_error(number, 'no "id": index documents made by `lurewatch enrich`')
                continue
            batch.append(complete(obj))
            if len(batch) >= 500:
                flush()
        flush()
        index.refresh()
    print(f"indexed {added} new and {updated} known documents into {index.location}")
    return 1 if on_error.count else 0


# -- serve ----------------------------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace) -> int:
    from web.serve import serve

    return serve(args.host, args.port, None)  # token: LUREWATCH_TOKEN, or generated and printed


# -- evidence -------------------------------------------------------------------------------------

def cmd_evidence(args: argparse.Namespace) -> int:
    """Print the archived HTTP response behind a document, as it was received."""
    from pipelines.evidence import read_record

    with open_index() as index:
        doc = index.get(args.doc_id)
    if doc is None:
        raise UsageError(
            f"no document {args.doc_id!r} in the index; find ids with `lurewatch search`"
        )
    evidence = doc.get("evidence") or {}
    if not evidence.get("warc") or not evidence.get("record_id"):
        print(f"lurewatch evidence: document {args.doc_id} has no archived response",
              file=sys.stderr)
        return 1
    try:
        head, body = read_record(evidence["warc"], evidence["record_id"])
    except (OSError, KeyError) as exc:
        print(f"lurewatch evidence: cannot read {evidence['warc']}: {exc}", file=sys.stderr)
        return 1
    if args.head:
        sys.stdout.write(safe_block(head))
        return 0
    if sys.stdout.isatty():  # scraped bytes must not drive the analyst's terminal
        sys.stdout.write(safe_block(head + body.decode("utf-8", "replace")) + "\n")
    else:
        sys.stdout.buffer.write(head.encode("latin-1", "replace") + body)
    return 0


# -- crawl ----------------------------------------------------------------------------------------

def cmd_crawl(args: argparse.Namespace) -> int:
    from lurewatch.crawl import check_arguments, run_crawls, spider_names, summary_line
    from lurewatch.sources import SourcesError, load_sources, sources_path

    path = sources_path(args.sources)
    try:
        sources = load_sources(path, spider_names())
    except SourcesError as exc:
        raise UsageError(str(exc)) from exc
    if args.all == bool(args.source):
        raise UsageError("name one or more sources, or --all")
    unknown = [name for name in args.source if name not in sources]
    if unknown:
        raise UsageError(f"no source {', '.join(unknown)} in {path}; "
                         f"known: {', '.join(sources) or 'none'}")
    chosen = [sources[n] for n in (args.source or sources)]
    crawls = [(s.spider, {**s.arguments, "source": s.name}) for s in chosen]
    problems = check_arguments(crawls)
    if problems:
        raise UsageError("; ".join(problems) + f" (fix the arguments in {path})")
    stats = run_crawls(crawls, LOG_LEVEL=args.log_level, LUREWATCH_NER=not args.no_ner)
    for source, values in zip(chosen, stats, strict=True):
        print(summary_line(source.spider, source.name, values))
    return 1 if any(v.get("log_count/ERROR", 0) for v in stats) else 0


# -- demo -----------------------------------------------------------------------------------------

def cmd_demo(args: argparse.Namespace) -> int:
    from lurewatch.demo import run_demo

    return run_demo(ner=not args.no_ner)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from enrich.evaluate import main as evaluate_main

    return evaluate_main(args.rest)


# -- parser ---------------------------------------------------------------------------------------

def _min_risk(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a score from 0 to 100, not {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lurewatch",
        description="OSINT for fake job ads that recruit into scam compounds: crawl, enrich, "
                    "index, search.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_: str,
            parent: Any = sub, **options: Any) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_, description=help_, **options)
        p.set_defaults(handler=handler)
        return p

    demo = add("demo", cmd_demo, "serve the bundled fixture sites on loopback, crawl them all, "
               "enrich and index, and print a summary")
    demo.add_argument("--no-ner", action="store_true", help="skip spaCy NER (faster)")

    crawl = add("crawl", cmd_crawl, "crawl configured sources (sources.yaml) into the index")
    crawl.add_argument("source", nargs="*", metavar="SOURCE", help="source names")
    crawl.add_argument("--all", action="store_true", help="every configured source")
    crawl.add_argument("--sources", metavar="PATH",
                       help="the sources file (default: LUREWATCH_SOURCES, else ./sources.yaml)")
    crawl.add_argument("--no-ner", action="store_true", help="skip spaCy NER (faster)")
    crawl.add_argument("--log-level", default="WARNING", help="Scrapy's log level")

    enrich = add("enrich", cmd_enrich, "JSON Lines in (FILE or standard input), enriched "
                 "documents out, one line per input line")
    enrich.add_argument("file", nargs="?", metavar="FILE")
    enrich.add_argument("--no-ner", action="store_true", help="skip spaCy NER (faster)")

    search = add("search", cmd_search, "search the index (LUREWATCH_INDEX)")
    search.add_argument("query", metavar="QUERY",
                        help="words and \"quoted phrases\", all of which must match; '' for all")
    search.add_argument("--platform")
    search.add_argument("--lang", help="ISO 639-1 code, e.g. ko")
    search.add_argument("--country", help="destination country, ISO 3166-1 alpha-2, e.g. KH")
    search.add_argument("--min-risk", type=_min_risk, metavar="N")
    search.add_argument("--since", metavar="DATE", help="posted on or after, e.g. 2026-11-01")
    search.add_argument("--entity", action="append", metavar="KIND:VALUE",
                        help="an exact contact point or name, e.g. phone:+855961234567 "
                             "(repeatable: all must match)")
    search.add_argument("--sort", choices=SORTS, default="relevance")
    search.add_argument("--limit", type=int, default=20, metavar="N")
    search.add_argument("--offset", type=int, default=0, metavar="N")
    search.add_argument("--facets", action="store_true", help="with --json, add facet counts")
    search.add_argument("--json", action="store_true",
                        help='print {"total": N, "hits": [document, ...]}')

    index = add("index", lambda a: 2, "create the index or report its size")
    index_sub = index.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    add("init", cmd_index_init, "create the index (schema, mapping, templates)", index_sub)
    stats = add("stats", cmd_index_stats, "report the index's size", index_sub)
    stats.add_argument("--json", action="store_true")
    load = add("load", cmd_index_load, "index documents from JSON Lines (FILE or standard "
               "input), e.g. the output of `lurewatch enrich`", index_sub)
    load.add_argument("file", nargs="?", metavar="FILE")

    serve = add("serve", cmd_serve, "the analysts' web UI and its REST API (a token is required "
                "unless bound to loopback: LUREWATCH_TOKEN, or one is generated and printed)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1: this machine only, no token)")
    serve.add_argument("--port", type=int, default=8765)

    evidence = add("evidence", cmd_evidence, "print the archived response (WARC record) behind "
                   "a document")
    evidence.add_argument("doc_id", metavar="DOC_ID")
    evidence.add_argument("--head", action="store_true", help="status line and headers only")

    # Its options are enrich.evaluate's own (`lurewatch evaluate --help` shows them).
    add("evaluate", cmd_evaluate, "score the enrichment on a labelled set: precision/recall "
        "per contact kind, language accuracy, risk ROC AUC", add_help=False)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub, add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "evaluate":
        args.rest = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return args.handler(args)
    except UsageError as exc:
        print(f"lurewatch {args.command}: {exc}", file=sys.stderr)
        return 2
    except IndexError as exc:
        print(f"lurewatch {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"lurewatch {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
