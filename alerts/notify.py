"""Notifiers: a signed webhook, e-mail through lurewatch.mail, a JSON Lines file.

Webhook receivers verify `X-Lurewatch-Signature: sha256=HEX`, the HMAC-SHA256 of the raw
request body under the shared secret (the watchlist's `--webhook-secret`, else
LUREWATCH_WEBHOOK_SECRET):

    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, request.headers["X-Lurewatch-Signature"])

`X-Lurewatch-Alert-Id` (also sent as `Idempotency-Key`) names the alert: a receiver that
already has that id may drop the request, which makes the one re-delivery that can happen
(the sender stopped after the receiver answered, before it wrote down the answer) harmless.
Every notifier either returns the receiver's answer or raises NotifyError after its retries.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from lurewatch import mail
from lurewatch.terminal import safe, safe_block

SIGNATURE_HEADER = "X-Lurewatch-Signature"
ALERT_ID_HEADER = "X-Lurewatch-Alert-Id"
# Waits between attempts (seconds): 4 attempts in all, about 3.5 s of backoff per message.
BACKOFF = (0.5, 1.0, 2.0)
TIMEOUT = 10.0
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_TEXT_LIMIT = 2000

T = TypeVar("T")

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
)


class NotifyError(Exception):
    """A message was not delivered after the retries; the text says why in one line."""


class _Permanent(Exception):
    """A failure that another attempt will not fix (e.g. 404, bad secret)."""


def retried(attempt: Callable[[], T], backoff: tuple[float, ...] = BACKOFF) -> T:
    """Run `attempt`, waiting `backoff[i]` after the i-th failure; raise the last failure."""
    for wait in (*backoff, None):
        try:
            return attempt()
        except _Permanent as exc:
            raise NotifyError(str(exc)) from None
        except NotifyError:
            if wait is None:
                raise
            time.sleep(wait)
    raise AssertionError("unreachable")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(url: str, payload: dict[str, Any], secret: str | None, key: str) -> str:
    """POST the payload as JSON, signed, with retries; the receiver's status line."""
    if not secret:
        raise NotifyError("no webhook secret: set LUREWATCH_WEBHOOK_SECRET or the watchlist's "
                          "--webhook-secret")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "lurewatch/0.1",
               SIGNATURE_HEADER: sign(secret, body), ALERT_ID_HEADER: key, "Idempotency-Key": key}

    def attempt() -> str:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                return f"{answer.status} {answer.reason}"
        except urllib.error.HTTPError as exc:
            reason = f"webhook {url} answered {exc.code} {exc.reason}"
            if exc.code in _RETRY_STATUS:
                raise NotifyError(reason) from None
            raise _Permanent(reason) from None
        except (urllib.error.URLError, OSError) as exc:
            why = getattr(exc, "reason", exc)
            raise NotifyError(f"webhook {url} unreachable: {why}") from None

    return retried(attempt)


def header_text(text: str, width: int = 140) -> str:
    """Scraped text made fit for a mail header: one line, no controls, cut."""
    return safe(text, width)


def send_email(address: str, subject: str, body: str) -> str:
    """One message to `address` through LUREWATCH_SMTP, with retries; the server's answer."""
    message = EmailMessage()
    message["To"] = address
    message["Subject"] = header_text(subject)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)

    def attempt() -> str:
        try:
            return mail.send(message)
        except mail.MailError as exc:
            if "no mail server configured" in str(exc) or "cannot use mail server" in str(exc):
                raise _Permanent(str(exc)) from None
            raise NotifyError(str(exc)) from None

    return retried(attempt)


def append_line(path: str, objects: list[dict[str, Any]]) -> str:
    """Append one JSON object per line, under a lock so that writers never interleave."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            out.write("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects))
    except OSError as exc:
        raise NotifyError(f"cannot append to {path}: {exc.strerror}") from None
    return f"appended {len(objects)} line{'s' if len(objects) != 1 else ''} to {path}"


def _headline(doc: dict[str, Any]) -> str:
    return safe(doc.get("title") or doc.get("text") or "(no text)", 100)


def _body(doc: dict[str, Any]) -> str:
    text = safe_block(doc.get("text") or "")
    if len(text) > _TEXT_LIMIT:
        text = text[:_TEXT_LIMIT] + "…"
    return "\n".join("   > " + line for line in text.splitlines())


def alert_email(watchlist: dict[str, Any], items: list[dict[str, Any]],
                alerted_at: str) -> tuple[str, str]:
    """Subject and body of an alert (one item) or a digest (several)."""
    name = watchlist["name"]
    if len(items) == 1:
        doc = items[0]["document"]
        subject = f"[lurewatch] {name}: risk {(doc.get('risk') or {}).get('score', 0)} · " \
                  f"{_headline(doc)}"
    else:
        subject = f"[lurewatch] {name}: {len(items)} new posts"
    body = _TEMPLATES.get_template("alert.txt").render(
        alerts=items, watchlist=safe(name), owner=safe(watchlist.get("owner")),
        alerted_at=alerted_at, headline=_headline, body=_body)
    return subject, body


def deliver(notifier: str, watchlist: dict[str, Any], items: list[dict[str, Any]],
            alerted_at: str, secret: str | None) -> str:
    """Send alerts (one, or a digest of several) through one notifier; its answer."""
    kind, _, target = notifier.partition(":")
    name = watchlist["name"]
    if kind == "file":
        return append_line(target, [
            {"watchlist": name, "document": i["document"], "alerted_at": alerted_at}
            for i in items
        ])
    if kind == "webhook":
        alerts = [{"alert_id": i["alert_id"], "document": i["document"]} for i in items]
        if len(items) == 1:
            payload = {"watchlist": name, "owner": watchlist.get("owner"),
                       "alerted_at": alerted_at, **alerts[0]}
            key = items[0]["alert_id"]
        else:
            payload = {"watchlist": name, "owner": watchlist.get("owner"),
                       "alerted_at": alerted_at, "digest": True, "alerts": alerts}
            key = hashlib.sha256("".join(sorted(i["alert_id"] for i in items)).encode()) \
                .hexdigest()[:24]
        return post_webhook(target, payload, secret, key)
    if kind == "email":
        subject, body = alert_email(watchlist, items, alerted_at)
        return send_email(target, subject, body)
    raise NotifyError(f"unknown notifier {notifier!r}")


def report_unhealthy(notifier: str, source: str, failures: int, error: str, at: str,
                     secret: str | None) -> str:
    """Tell one notifier that a source keeps failing."""
    kind, _, target = notifier.partition(":")
    event = {"event": "source_unhealthy", "source": source, "failures": failures,
             "error": error, "at": at}
    if kind == "file":
        return append_line(target, [event])
    if kind == "webhook":
        key = hashlib.sha256(f"{source}\0{at}".encode()).hexdigest()[:24]
        return post_webhook(target, event, secret, key)
    body = _TEMPLATES.get_template("unhealthy.txt").render(
        source=safe(source), failures=failures, error=safe_block(error), at=at)
    return send_email(target, f"[lurewatch] source {source} is failing", body)
