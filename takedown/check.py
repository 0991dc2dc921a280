"""Removal checks: re-fetch each open request's post, keep the answer as evidence (a WARC
record), and decide whether the post is gone; a removed post that is back is flagged.

What counts as gone is data (takedown/data/removal.yaml). `check_requests` is what
`lurewatch takedown check` and a scheduler run; the answers are kept in the data folder it is
given (`data_dir`, default LUREWATCH_DATA), under takedown/checks/.
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml
from warcio.warcwriter import WARCWriter

from lurewatch import config
from lurewatch.document import now_utc
from pipelines.evidence import write_records
from takedown import store

RULES_FILE = Path(__file__).resolve().parent / "data" / "removal.yaml"
TIMEOUT = 20.0
MAX_BODY = 5_000_000
USER_AGENT = "lurewatch-takedown-check/0.1 (+removal check of a reported post)"
_TAGS = re.compile(r"<[^>]+>")


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def target_for(doc: dict[str, Any]) -> dict[str, Any]:
    """What to fetch to see whether `doc` is still up, worked out once when drafting."""
    meta = doc.get("meta") or {}
    text = " ".join((doc.get("text") or "").split())
    if doc.get("platform") == "telegram" and meta.get("channel") and meta.get("post_id"):
        page = urlsplit(meta.get("page_url") or doc.get("url") or "https://t.me/")
        preview = urlunsplit((page.scheme or "https", page.netloc or "t.me",
                              f"/s/{meta['channel']}", f"before={int(meta['post_id']) + 1}", ""))
        return {"doc_id": doc.get("id"), "url": preview, "mode": "telegram_preview",
                "post_key": f"{meta['channel']}/{meta['post_id']}", "platform": "telegram"}
    return {"doc_id": doc.get("id"), "url": meta.get("page_url") or doc.get("url"),
            "mode": "page", "platform": doc.get("platform") or "web", "probe": text[:40]}


def fetch(url: str) -> dict[str, Any]:
    """GET `url` following redirects: final URL, status, headers, body; or the error."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return {"url": response.geturl(), "status": response.status,
                    "reason": response.reason, "headers": list(response.headers.items()),
                    "body": response.read(MAX_BODY), "error": None}
    except urllib.error.HTTPError as exc:
        body = exc.read(MAX_BODY) if exc.fp else b""
        return {"url": exc.geturl() or url, "status": exc.code, "reason": exc.reason,
                "headers": list((exc.headers or {}).items()), "body": body, "error": None}
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return {"url": url, "status": None, "reason": None, "headers": [], "body": b"",
                "error": f"{url}: {reason}"}


def archive(answer: dict[str, Any], requested: str, *,
            data_dir: Path | None = None) -> dict[str, str]:
    """Write the check's response (and request) to today's check WARC; return where."""
    folder = config.data_dir(data_dir) / "takedown" / "checks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checks-{time.strftime('%Y%m%d', time.gmtime())}.warc.gz"
    body = answer["body"]
    parts = urlsplit(requested)
    with path.open("ab") as stream:
        record_id = write_records(
            WARCWriter(stream, gzip=True), "GET", requested,
            [("Host", parts.netloc), ("User-Agent", USER_AGENT)], b"", answer["url"],
            answer["status"] or 0,
            [(k, v) for k, v in answer["headers"] if k.lower() != "transfer-encoding"], body,
            reason=answer.get("reason"))
    return {"warc": str(path), "record_id": record_id,
            "sha256": hashlib.sha256(body).hexdigest()}


def _text(body: bytes) -> str:
    return " ".join(_TAGS.sub(" ", body.decode("utf-8", "replace")).split())


def verdict(target: dict[str, Any], answer: dict[str, Any]) -> tuple[str, str]:
    """("removed" | "up" | "unknown", why) for one fetched target."""
    if answer["error"]:
        return "unknown", answer["error"]
    status = answer["status"]
    if status in rules()["gone_statuses"]:
        return "removed", f"HTTP {status}"
    if status != 200:
        return "unknown", f"HTTP {status}: not an answer about the post"
    body = answer["body"]
    if target["mode"] == "telegram_preview":
        final = urlsplit(answer["url"]).path
        if not final.startswith("/s/"):
            return "removed", f"channel unavailable: the preview redirects to {final}"
        key = target["post_key"]
        if f'data-post="{key}"'.encode() in body:
            return "up", f"{key} is in the channel preview"
        return "removed", f"{key} is missing from the channel preview"
    raw = body.decode("utf-8", "replace").lower()
    text = _text(body).lower()
    probe = (target.get("probe") or "").lower()
    for marker in rules()["markers"].get(target.get("platform") or "web", []) + \
            rules()["markers"]["web"]:
        if marker.lower() in raw and not (probe and probe in text):
            return "removed", f"the page says {marker!r}"
    return "up", f"HTTP {status}: the post's page is still served"


def check_request(request: dict[str, Any], *, data_dir: Path | None = None) -> dict[str, Any]:
    """Check every post of one request, record each answer, update its status."""
    results = []
    for target in request.get("targets") or []:
        answer = fetch(target["url"])
        kept = archive(answer, target["url"], data_dir=data_dir) if not answer["error"] else {}
        outcome, why = verdict(target, answer)
        check = {"at": now_utc(), "url": target["url"], "http_status": answer["status"],
                 "verdict": outcome, "reason": why, **kept}
        store.add_check(request["id"], check, data_dir=data_dir)
        results.append({**check, "doc_id": target.get("doc_id")})
    verdicts = {r["verdict"] for r in results}
    status, changed = request["status"], None
    if results and verdicts == {"removed"} and status in store.OPEN:
        store.set_status(request["id"], "removed", "; ".join(r["reason"] for r in results),
                         data_dir=data_dir)
        store.set_flag(request["id"], None, data_dir=data_dir)
        status, changed = "removed", "removed"
    elif "up" in verdicts and status == "removed":
        back = next(r for r in results if r["verdict"] == "up")
        events = store.get(request["id"], data_dir=data_dir)["events"]
        previous = next((e["status"] for e in reversed(events) if e["status"] in store.OPEN),
                        "sent")
        flag = f"came back {back['at']}: {back['url']}"
        store.set_status(request["id"], previous, f"post is up again ({back['reason']})",
                         data_dir=data_dir)
        store.set_flag(request["id"], flag, data_dir=data_dir)
        status, changed = previous, "came back"
    return {"request_id": request["id"], "status": status, "changed": changed,
            "checks": results}


def check_requests(request_ids: list[int] | None = None, *,
                   data_dir: Path | None = None) -> list[dict[str, Any]]:
    """Check the given requests, or every open one and every removed one (to catch returns)."""
    if request_ids:
        requests = []
        for request_id in request_ids:
            found = store.get(request_id, data_dir=data_dir)
            if found is None:
                raise LookupError(f"no takedown request {request_id}; see "
                                  "`lurewatch takedown list`")
            requests.append(found)
    else:
        requests = store.find(statuses=(*store.OPEN, "removed"), data_dir=data_dir)
    return [check_request(r, data_dir=data_dir) for r in requests]
