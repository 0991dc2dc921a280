"""Who may use the workbench: a bearer token for the API, a session cookie for the browser.

With a token configured every page and API call needs it (`Authorization: Bearer TOKEN`, or
the cookie that `/login` or a `?token=` link sets). Without one the server answers only
requests addressed to a loopback name, so that a web page elsewhere cannot reach a local
server through DNS rebinding.

Requests that change state (watchlists, takedown requests) must also come from lurewatch's own
pages: with no token on loopback, the server would otherwise trust any page the analyst's
browser opens elsewhere. Forms: `Sec-Fetch-Site: same-origin`, or an `Origin` naming this server
(the pages send no referrer, so their `Origin` is "null"). JSON: `application/json`, which a
page elsewhere cannot send without a CORS preflight this server never grants.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

COOKIE = "lurewatch_session"
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
OPEN_PATHS = ("/static/", "/login")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def session_value(token: str) -> str:
    """What the browser keeps: derived from the token, so the cookie never holds the token."""
    return hmac.new(token.encode(), b"lurewatch-session-1", hashlib.sha256).hexdigest()


def same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authorised(token: str, authorization: str | None, cookie: str | None) -> bool:
    """Whether a request carries the token (header) or the session it grants (cookie)."""
    return same(bearer(authorization), token) or same(cookie, session_value(token))


def is_loopback(host: str) -> bool:
    """Whether binding to `host` exposes the server to this machine only."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def loopback_host_header(host: str | None) -> bool:
    """Whether a request's Host header names this machine (literal loopback or localhost)."""
    if not host:
        return False
    name = urlsplit("//" + host).hostname or ""
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def from_own_pages(request: Request) -> bool:
    """Whether a form was sent by this server's own pages (see the module's docstring)."""
    if request.headers.get("sec-fetch-site") == "same-origin":
        return True
    claimed = request.headers.get("origin")
    if not claimed or claimed == "null":
        return False
    parts = urlsplit(claimed)
    return parts.scheme == request.url.scheme and parts.netloc == request.headers.get("host")


def require_own_pages(request: Request) -> None:
    """Refuse (403) a form that another site's page made the browser send."""
    if not from_own_pages(request):
        raise HTTPException(403, "this form is accepted from lurewatch's own pages only")


def require_json_write(request: Request) -> None:
    """Refuse a JSON write that is not `application/json` (415) or is sent cross-site (403)."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise HTTPException(415, "send application/json")
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise HTTPException(403, "this request is accepted from lurewatch's own pages only")
