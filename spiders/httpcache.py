"""An HTTP cache for a watch crawler: it saves bandwidth, never freshness.

A watch crawl exists to notice what changed, so a cached page is never served on trust.
Scrapy's RFC2616Policy would serve a page with a Last-Modified header for a tenth of its age
without asking (a listing edited a day ago: hours of missed posts); `AlwaysRevalidate` asks
every time instead: a conditional request (If-None-Match from the cached ETag, If-Modified-Since
from its Last-Modified), where a 304 serves the cached page and anything else is taken as the
page now. A page without validators, or marked no-store, is not kept: it is simply fetched
again.

A cached page is only worth revalidating while the evidence of it holds: `RevalidatingCache`
(in place of Scrapy's HttpCacheMiddleware, at 900) stores with each page where the WARC
recorder (pipelines/evidence.py, at 950) archived it, so that a 304 can point the page's
documents at that record. That note is stripped before a spider sees the page. Unlike Scrapy's
middleware it never answers a failed download with the cached page: a page that cannot be
fetched now is not evidence that it is still there.

`CacheInDataDir` (an add-on) puts the cache under LUREWATCH_DATA/LUREWATCH_HTTPCACHE_DIR, so
that each data folder (each test's, each analyst's) has a cache of its own.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Response
from scrapy.settings import BaseSettings

from lurewatch import config
from pipelines.evidence import EVIDENCE_HEADER, stamp_evidence, stamped_evidence

# Validators a cached response carries, and the request header that sends each back.
VALIDATORS = ((b"ETag", b"If-None-Match"), (b"Last-Modified", b"If-Modified-Since"))
# Where the policy notes the conditional headers it added, so that a copy of the request
# (a redirect, a retry) does not carry one page's validators to another.
_ADDED = "_lurewatch_validators"
# Partial content cannot stand for a page; a 304 is an answer about a page, not a page.
_NEVER_STORED = {206, 304}
# Headers that describe the stored body itself: a 304 must not change them (RFC 9111, 3.2).
_BODY_HEADERS = {b"content-length", b"content-encoding", b"transfer-encoding", b"content-range",
                 EVIDENCE_HEADER.lower()}


def has_validators(response: Response) -> bool:
    """True when the server gave a way to ask later whether the page changed."""
    return any(name in response.headers for name, _ in VALIDATORS)


def evidence_still_holds(cached: Response) -> bool:
    """True when the cached page's archived record exists and holds this very body."""
    evidence = stamped_evidence(cached)
    if evidence is None or not Path(evidence["warc"]).is_file():
        return False
    return hashlib.sha256(cached.body).hexdigest() == evidence["sha256"]


class AlwaysRevalidate(RFC2616Policy):
    """Revalidate every cached page, every time; keep only pages that can be revalidated."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.ignore_http_codes = {int(code) for code in
                                  settings.getlist("HTTPCACHE_IGNORE_HTTP_CODES")}

    def should_cache_request(self, request: Request) -> bool:
        """Scrapy calls this first for every request: the place to drop validators a copied
        request inherited. A page rendered in a browser is not cached: its DOM depends on what
        its scripts fetched, which no validator of the page covers."""
        _forget_added_validators(request)
        if request.meta.get("playwright"):
            return False
        return super().should_cache_request(request)  # ignored schemes, no-store

    def should_cache_response(self, response: Response, request: Request) -> bool:
        if b"no-store" in self._parse_cachecontrol(response) or "playwright" in response.flags:
            return False
        if response.status in _NEVER_STORED or response.status in self.ignore_http_codes:
            return False
        return has_validators(response)

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        """Never fresh. The request is made conditional when the cached page can stand for a
        304 (validators, and its archived record still there); otherwise it is fetched anew."""
        if evidence_still_holds(cachedresponse):
            _add_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response,
                                 request: Request) -> bool:
        """Only a 304 keeps the cached page: an error is an error, not a reason to serve it."""
        return response.status == 304


def _add_validators(request: Request, cached: Response) -> None:
    added = {}
    for field, condition in VALIDATORS:
        value = cached.headers.get(field)
        if value:
            request.headers[condition] = value
            added[condition.decode()] = value
    request.meta[_ADDED] = added


def _forget_added_validators(request: Request) -> None:
    for condition, value in request.meta.pop(_ADDED, {}).items():
        if request.headers.get(condition) == value:
            del request.headers[condition]


class RevalidatingCache(HttpCacheMiddleware):
    """Scrapy's cache middleware, with each stored page noting its archived record, that note
    kept from the spiders, and no stale page served for a failed download."""

    def process_request(self, request: Request) -> Request | Response | None:
        return _unstamped(super().process_request(request))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        return _unstamped(super().process_response(request, response))

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.pop("cached_response", None) is not None:
            self.stats.inc_value("lurewatch/httpcache/not_served_on_error")

    def _cache_response(self, response: Response, request: Request) -> None:
        evidence = request.meta.get("lurewatch_record")
        if evidence is not None and self.policy.should_cache_response(response, request):
            stamp_evidence(response, evidence)  # stripped again before any spider sees it
        super()._cache_response(response, request)

    def _freshen_cached_response(self, cachedresponse: Response, response: Response) -> None:
        kept = {name: cachedresponse.headers.getlist(name) for name in _BODY_HEADERS
                if name in cachedresponse.headers}
        super()._freshen_cached_response(cachedresponse, response)
        for name in _BODY_HEADERS:
            cachedresponse.headers.pop(name, None)
        for name, values in kept.items():
            cachedresponse.headers.setlist(name, values)


def _unstamped(result: Any) -> Any:
    if isinstance(result, Response):
        result.headers.pop(EVIDENCE_HEADER, None)
    return result


class CacheInDataDir:
    """Add-on: HTTPCACHE_DIR becomes LUREWATCH_DATA/LUREWATCH_HTTPCACHE_DIR, absolute (Scrapy
    would put a relative one under the project's .scrapy/, shared by every data folder). An
    HTTPCACHE_DIR given on the command line still wins."""

    def update_settings(self, settings: BaseSettings) -> None:
        folder = config.data_dir() / settings.get("LUREWATCH_HTTPCACHE_DIR", "httpcache")
        settings.set("HTTPCACHE_DIR", str(folder.absolute()), priority="addon")
