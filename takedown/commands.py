"""Sub-commands of `lurewatch` (registered by lurewatch.cli.build_parser).

`lurewatch takedown` takes either a document id (CONTRACT.md: `takedown DOC_ID --out DIR`) or
an action word first; argparse cannot have both a sub-command and a free positional in one
place, so the first word is read here and the rest parsed by that form's own parser, which
also answers `--help` (`lurewatch takedown check --help`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lurewatch.errors import UsageError
from lurewatch.terminal import safe

FORMS = """\
forms:
  lurewatch takedown DOC_ID [--out DIR] [--cluster] [--lang L] [--send] [--json]
        draft a request (request.eml, request.html, request.json, evidence.zip) and track it
  lurewatch takedown verify-bundle FILE     exit 0 when every hash in the bundle matches, else 1
  lurewatch takedown list [--status S] [--doc DOC_ID] [--json]
  lurewatch takedown status ID [STATUS] [--note TEXT]
        show a request's history, or set its status: draft, sent, acknowledged, removed, refused
  lurewatch takedown send ID                send a drafted request through LUREWATCH_SMTP
  lurewatch takedown check [ID ...] [--json]
        re-fetch each open request's post; gone (404/410, "post not found", missing from the
        channel preview) -> removed; a removed post that is back is flagged

`lurewatch takedown ACTION --help` explains each action."""


def _draft_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR",
                        help="where to write the request (default: "
                             "LUREWATCH_DATA/takedown/requests/ID-DOC_ID)")
    parser.add_argument("--cluster", action="store_true",
                        help="one request for the post and its near-duplicates (same cluster_id)")
    parser.add_argument("--lang", metavar="L",
                        help="the letter's language (default: the post's, when the recipient "
                             "reads it and a template exists)")
    parser.add_argument("--send", action="store_true",
                        help="also send it now through LUREWATCH_SMTP (never done otherwise)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=f"lurewatch takedown {prog}", description=description)


# -- draft ----------------------------------------------------------------------------------------

def cmd_draft(args: argparse.Namespace) -> int:
    from takedown.drafting import draft, send_request
    from takedown.errors import TakedownError

    try:
        result = draft(args.doc_id, args.out, cluster=args.cluster, lang=args.lang)
    except TakedownError as exc:
        raise UsageError(str(exc)) from None
    failed = None
    if args.send:
        try:
            result["server_answer"] = send_request(result["request_id"])
            result["status"] = "sent"
        except TakedownError as exc:
            failed = str(exc)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        recipient = result["recipient"]
        print(f"request {result['request_id']} ({result['reference']}): {result['status']}")
        print(f"  to {safe(recipient.get('name'))} "
              f"<{safe(recipient.get('email') or 'no e-mail')}> in {result['language']}")
        for note in recipient.get("notes") or []:
            print(f"  note: {safe(note, 200)}")
        for other in recipient.get("also") or []:
            print(f"  also report {safe(', '.join(other['accounts']), 80)} to "
                  f"{safe(other['name'])}")
        for name, path in result["files"].items():
            print(f"  {name}: {path}")
    if failed:
        print(f"lurewatch takedown: drafted but not sent: {failed}", file=sys.stderr)
        return 1
    return 0


# -- actions --------------------------------------------------------------------------------------

def cmd_verify(argv: list[str]) -> int:
    parser = _parser("verify-bundle", "check every SHA-256 in an evidence bundle's manifest: "
                     "exit 0 when all match, 1 when a file is changed, missing or unlisted")
    parser.add_argument("file", metavar="FILE")
    args = parser.parse_args(argv)
    from takedown.bundle import verify

    path = Path(args.file)
    if not path.is_file():
        print(f"lurewatch takedown verify-bundle: no file {args.file}", file=sys.stderr)
        return 1
    problems = verify(path)
    for problem in problems:
        print(f"FAIL {safe(problem, 300)}", file=sys.stderr)
    if problems:
        print(f"{args.file}: does NOT verify ({len(problems)} problems)")
        return 1
    print(f"{args.file}: every file matches its SHA-256 in manifest.json")
    return 0


def cmd_list(argv: list[str]) -> int:
    from takedown import store

    parser = _parser("list", "the takedown requests, newest first")
    parser.add_argument("--status", choices=store.STATUSES)
    parser.add_argument("--doc", metavar="DOC_ID", help="only requests about this post")
    parser.add_argument("--json", action="store_true", help="one JSON array of requests")
    args = parser.parse_args(argv)
    requests = store.find(status=args.status, doc_id=args.doc)
    if args.json:
        print(json.dumps(requests, ensure_ascii=False))
        return 0
    if not requests:
        print("no takedown requests" + (f" with status {args.status}" if args.status else ""))
    for r in requests:
        flag = f"  FLAG {safe(r['flag'], 80)}" if r.get("flag") else ""
        print(f"{r['id']:>4} {r['status']:<12} {r['updated_at']:<20} "
              f"{safe(r['platform']):<9} {safe(r['recipient'].get('name'), 40):<40} "
              f"{safe(r['url'], 70)}{flag}")
    return 0


def _request_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{value!r} is not a request id (a number, as `lurewatch takedown "
                         "list` shows)") from None


def cmd_status(argv: list[str]) -> int:
    from takedown import store

    parser = _parser("status", "show a request's history, or record a new status")
    parser.add_argument("id", metavar="ID")
    parser.add_argument("status", nargs="?", choices=store.STATUSES, metavar="STATUS",
                        help=f"one of: {', '.join(store.STATUSES)}")
    parser.add_argument("--note", help="what happened (e.g. the platform's ticket number)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    request_id = _request_id(args.id)
    if store.get(request_id) is None:
        raise UsageError(f"no takedown request {request_id}; see `lurewatch takedown list`")
    if args.status:
        store.set_status(request_id, args.status, args.note)
    request = store.get(request_id) or {}
    if args.json:
        print(json.dumps(request, ensure_ascii=False))
        return 0
    print(f"request {request_id}: {request['status']}  {safe(request['url'], 100)}")
    if request.get("flag"):
        print(f"  FLAG {safe(request['flag'], 120)}")
    for event in request["events"]:
        print(f"  {event['at']}  {event['status']:<12} {safe(event['note'] or '', 100)}")
    for check in request["checks"][-5:]:
        print(f"  check {check['at']}  {check['verdict']:<8} {safe(check['reason'], 90)}")
    return 0


def cmd_send(argv: list[str]) -> int:
    from takedown.drafting import send_request
    from takedown.errors import TakedownError

    parser = _parser("send", "send a drafted request through LUREWATCH_SMTP and keep a copy")
    parser.add_argument("id", metavar="ID")
    args = parser.parse_args(argv)
    try:
        answer = send_request(_request_id(args.id))
    except TakedownError as exc:
        print(f"lurewatch takedown send: {exc}", file=sys.stderr)
        return 1
    print(f"request {args.id} sent: {safe(answer, 100)}")
    return 0


def cmd_check(argv: list[str]) -> int:
    from takedown.check import check_requests

    parser = _parser("check", "re-fetch the post of every open request (and of removed ones, "
                     "to catch posts that come back) and record what the site answers")
    parser.add_argument("ids", nargs="*", metavar="ID", help="only these requests")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        results = check_requests([_request_id(i) for i in args.ids] or None)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    for result in results:
        change = f" ({result['changed']})" if result["changed"] else ""
        print(f"request {result['request_id']}: {result['status']}{change}")
        for check in result["checks"]:
            print(f"  {check['verdict']:<8} {safe(check['url'], 80)}  {safe(check['reason'], 90)}")
    print(f"checked {len(results)} requests")
    return 0


ACTIONS: dict[str, Callable[[list[str]], int]] = {
    "verify-bundle": cmd_verify, "list": cmd_list, "status": cmd_status, "send": cmd_send,
    "check": cmd_check,
}


def cmd_takedown(args: argparse.Namespace) -> int:
    """Dispatch on the first word: an action, else a document id to draft for."""
    action = ACTIONS.get(args.target)
    if action is not None:
        return action(list(args.rest))
    parser = _parser("DOC_ID", "draft a takedown request for one post")
    parser.add_argument("doc_id", metavar="DOC_ID")
    _draft_options(parser)
    defaults = {k: v for k, v in vars(args).items()
                if k in ("out", "cluster", "lang", "send", "json")}
    parser.set_defaults(**defaults)
    return cmd_draft(parser.parse_args([args.target, *args.rest]))


def register(sub: Any, add: Callable[..., Any]) -> None:
    """Add this package's sub-commands to the `lurewatch` parser."""
    takedown = add("takedown", cmd_takedown, "draft takedown requests for hits, with their "
                   "evidence, and track them until the post is gone", sub,
                   epilog=FORMS, formatter_class=argparse.RawDescriptionHelpFormatter)
    takedown.add_argument("target", metavar="DOC_ID|ACTION",
                          help="a document id to draft a request for, or one of: "
                               + ", ".join(ACTIONS))
    takedown.add_argument("rest", nargs=argparse.REMAINDER, metavar="...",
                          help="the options of that form")
    _draft_options(takedown)
