"""Downloader middlewares for crawling politely: robots.txt opt-out with a reason, retries
that back off and honour Retry-After; and a guard against redirect loops.

Every spider accepts `-a robots=ignore -a robots_reason="..."` (Scrapy sets spider arguments as
attributes): robots.txt is then not consulted for that crawl, and the reason is logged. Without a
reason the opt-out is refused with an ERROR line and robots.txt is obeyed.

`PoliteRetry` replaces Scrapy's RetryMiddleware: the same RETRY_TIMES / RETRY_HTTP_CODES, but a
retry waits first, for what a 429 or 503's `Retry-After` asks (seconds or an HTTP date, at most
LUREWATCH_RETRY_AFTER_MAX), else for an exponential backoff (LUREWATCH_RETRY_BACKOFF_BASE
doubling each time, at most LUREWATCH_RETRY_BACKOFF_MAX).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)


def opted_out_of_robots(spider: Spider) -> str | None:
    """The reason a spider was told to ignore robots.txt, or None (robots.txt is obeyed)."""
    if str(getattr(spider, "robots", "obey")).strip().lower() != "ignore":
        return None
    reason = str(getattr(spider, "robots_reason", "") or "").strip()
    return reason or None


class RobotsOptOut:
    """Marks a crawl's requests `dont_obey_robotstxt` when its source opted out with a reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.reason: str | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsOptOut:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        wanted = str(getattr(spider, "robots", "obey")).strip().lower()
        if wanted not in ("obey", "ignore"):
            logger.error("robots=%r is not understood (obey | ignore); robots.txt is obeyed",
                         wanted)
            return
        self.reason = opted_out_of_robots(spider)
        if wanted == "ignore" and self.reason is None:
            logger.error("robots=ignore needs -a robots_reason=\"why\" (e.g. the site owner's "
                         "permission); robots.txt is obeyed")
        elif self.reason is not None:
            logger.warning("robots.txt ignored for %s: %s", spider.name, self.reason)
            self.crawler.stats.set_value("lurewatch/robots_ignored_reason", self.reason)

    def process_request(self, request: Request) -> None:
        if self.reason is not None:
            request.meta.setdefault("dont_obey_robotstxt", True)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if unusable."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor  # the installed one: importing it early would install one

    if seconds > 0:
        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class PoliteRetry(RetryMiddleware):
    """Scrapy's retries, each after a wait: Retry-After when the server sends it, else backoff."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("LUREWATCH_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("LUREWATCH_RETRY_BACKOFF_MAX")
        self.retry_after_max = settings.getfloat("LUREWATCH_RETRY_AFTER_MAX")

    def backoff(self, retry_times: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, retry_times - 1))

    async def process_response(self, request: Request, response: Response) -> Any:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is None:
            wait = self.backoff(retry.meta["retry_times"])
        else:
            wait = min(asked, self.retry_after_max)
            logger.info("%s answered %d with Retry-After %s: waiting %.1f s before retrying",
                        request.url, response.status, response.headers.get("Retry-After",
                                                                            b"").decode(), wait)
            self.crawler.stats.inc_value("lurewatch/retry_after_waits")
        await _sleep(wait)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Any:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await _sleep(self.backoff(retry.meta["retry_times"]))
        return retry


class RedirectLoopGuard:
    """Stops a redirect that leads back to a URL of its own chain, with a line naming the chain.

    Scrapy would otherwise drop the repeated URL silently as a duplicate (or follow a loop of
    fresh URLs up to REDIRECT_MAX_TIMES); the request fails with IgnoreRequest, so the spider's
    errback logs it. Placed above RedirectMiddleware (600) so that it sees the 3xx first.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            path = " -> ".join([*chain[chain.index(target):], target])
            raise IgnoreRequest(f"redirect loop: {path}")
        return response
