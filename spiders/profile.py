"""Any board or classifieds site, read through a declarative site profile (sources.yaml).

An analyst adds a board by writing its profile, not Python: CSS or XPath selectors for the
listing's item links and next page and for the fields of a job page, start points (listing,
sitemap, feed, or a home page whose feeds and sitemaps are discovered), limits and politeness.
lurewatch/sources.py reads and checks profiles; this module only applies them. Listings,
sitemaps, feeds and robots.txt are read with the job-board spider's functions.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse

from lurewatch.document import canonical_key, document_id, utc_iso
from lurewatch.sources import (
    DISCOVERIES,
    START_KINDS,
    FieldRule,
    Profile,
    SourcesError,
    load_profile,
    read_date,
    sources_path,
)
from pipelines.normalize import html_to_text
from spiders.incremental import SeenPosts
from spiders.jobboard import (
    JOB_LINK,
    decode_response,
    feed_links,
    fragment_links,
    page_kind,
    robots_sitemaps,
    sitemap_links,
    strip_tracking,
)

FEED_TYPES = ("application/rss+xml", "application/atom+xml")
# Fields kept in the document's meta under these names (the rest have document fields).
META_FIELDS = {"company": "company", "location": "location", "salary": "salary_text",
               "contact": "contact"}


# -- reading a job page with a profile ------------------------------------------------------

def field_values(response: TextResponse, rule: FieldRule) -> list[str]:
    """The plain-text values a field's selector finds, in page order, empty ones dropped."""
    values = []
    for node in rule.query.select(response):
        raw = node.get()
        text = " ".join((raw if isinstance(node.root, str) else html_to_text(raw)).split())
        if rule.pattern is not None:
            match = rule.pattern.search(text)
            if not match:
                continue
            text = (match.group(1) if rule.pattern.groups else match.group(0)).strip()
        if text:
            values.append(text)
    return values


def field_html(response: TextResponse, rule: FieldRule) -> str:
    """The HTML of what a field's selector finds (text nodes become paragraphs)."""
    parts = []
    for node in rule.query.select(response):
        raw = node.get()
        if isinstance(node.root, str):
            if raw.strip():
                parts.append(f"<p>{html.escape(raw.strip())}</p>")
        else:
            parts.append(raw)
    return "\n".join(parts)


def fetched_at(response: Response) -> datetime:
    """When the page was fetched, which relative dates ("3 days ago") count back from: the
    response's HTTP Date header (the server's clock, kept by Scrapy's HTTP cache with the page),
    else the current UTC time."""
    value = response.headers.get(b"Date")
    if value:
        try:
            moment = parsedate_to_datetime(value.decode("latin-1"))
        except (TypeError, ValueError, IndexError):
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def parse_profiled_job(
    response: Response, profile: Profile, source: str,
) -> dict[str, Any] | None:
    """The item (see normalize.item_to_document) for one job page, or None when the page
    lacks a title or a text where the profile says they are (so it is not a job page)."""
    fetched = fetched_at(response)
    response = decode_response(response)
    if not isinstance(response, TextResponse):
        return None
    rules = profile.fields
    title = field_values(response, rules["title"])
    body = field_html(response, rules["text"])
    if not title or not html_to_text(body):
        return None
    values = {name: field_values(response, rule) for name, rule in rules.items()
              if name not in ("title", "text")}
    posted_as = (values.get("posted_at") or [None])[0]
    reading = read_date(posted_as, rules["posted_at"], fetched) if posted_as else None
    url = (values.get("url") or [None])[0]
    meta: dict[str, Any] = {
        "profile": profile.name,
        "page_url": response.url,  # the page fetched: its archived response is the evidence
        "page_lang": response.xpath("normalize-space(/html/@lang)").get() or None,
        "posted_as": posted_as,
    }
    if reading and reading.relative:  # "3 days ago": only as precise as its unit, from then
        meta["posted_precision"] = reading.relative
        meta["posted_relative_to"] = utc_iso(fetched)
    for name, key in META_FIELDS.items():
        if values.get(name):
            meta[key] = " · ".join(values[name])
    return {
        "platform": profile.platform,
        "source": source,
        "url": strip_tracking(response.urljoin(url)) if url else response.url,
        "key": None,  # the URL names the ad: listings can tell what is indexed before a fetch
        "title": title[0],
        "html": body,
        "links": fragment_links(body, response.url),
        "posted_at": reading.moment.isoformat() if reading else None,
        "author": (values.get("author") or values.get("company") or [None])[0],
        "meta": meta,
    }


def discovered_feeds(response: TextResponse) -> list[str]:
    """RSS and Atom feeds a page announces with <link rel="alternate" type=...>."""
    feeds = []
    for link in response.css('link[rel~="alternate"][href]'):
        kind = (link.attrib.get("type") or "").split(";")[0].strip().lower()
        url = response.urljoin(link.attrib["href"].strip())
        if kind in FEED_TYPES and url not in feeds:
            feeds.append(url)
    return feeds


# -- the spider -----------------------------------------------------------------------------

class ProfileSpider(scrapy.Spider):
    """Crawls the site a profile of sources.yaml describes; one item per job page.

    Arguments (as `-a NAME=VALUE`):
      profile    the profile's name (required)
      start_url  crawl from this URL instead of the profile's start points (any host, port)
      start      what start_url is: listing, sitemap, feed, home (discover feeds and
                 sitemaps) or auto (default: from the content; an HTML page where the
                 listing selector finds no items is taken for a home page)
      discover   what a home page is searched for: feeds, sitemaps or both ("feeds,sitemaps")
      max_pages, max_jobs   override the profile's limits
      sources    the sources file holding the profile (default: LUREWATCH_SOURCES, else
                 ./sources.yaml; `lurewatch crawl` passes its own)
      source     the `source` written on items (default: the profile's name)
    """

    name = "profile"

    def __init__(
        self, profile: str | None = None, start_url: str | None = None, start: str = "auto",
        discover: str | None = None, max_pages: str | int | None = None,
        max_jobs: str | int | None = None, sources: str | None = None,
        source: str | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not profile:
            raise ValueError("the profile spider needs -a profile=NAME (a profile of "
                             "sources.yaml)")
        try:
            self.profile = load_profile(sources_path(sources), profile)
        except SourcesError as exc:
            raise ValueError(str(exc)) from None
        if start not in (*START_KINDS, "auto"):
            raise ValueError(f"start must be one of {', '.join(START_KINDS)} or auto")
        if start_url:
            url = start_url if "://" in start_url else f"https://{start_url}"
            self.start_points: tuple[tuple[str, str], ...] = ((start, url),)
        else:
            self.start_points = self.profile.start
        if not self.start_points:
            raise ValueError(f"profile {profile!r} has no start points: give -a start_url=URL")
        chosen = discover.split(",") if discover is not None else self.profile.discover
        self.discover = tuple(d.strip() for d in chosen if d.strip())
        if set(self.discover) - set(DISCOVERIES):
            raise ValueError(f"discover takes {', '.join(DISCOVERIES)}, not {discover!r}")
        self.max_pages = int(max_pages) if max_pages else self.profile.max_pages
        self.max_jobs = int(max_jobs) if max_jobs else self.profile.max_jobs
        self.job_url = self.profile.job_url or JOB_LINK
        self.source = source or self.profile.name
        self.pages_read = 0
        self._requested: set[str] = set()
        self._yielded: set[str] = set()
        self.indexed: SeenPosts | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ProfileSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.indexed = SeenPosts.from_crawler(crawler)
        polite = spider.profile.politeness  # settings are still open until the crawl starts
        if polite.download_delay is not None:
            crawler.settings.set("DOWNLOAD_DELAY", polite.download_delay, priority="spider")
        if polite.concurrency is not None:
            crawler.settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", polite.concurrency,
                                 priority="spider")
        if not polite.obey_robots:  # the one opt-out path: spiders/middlewares.RobotsOptOut
            spider.robots = "ignore"
            spider.robots_reason = f"profile {spider.profile.name}: {polite.reason}"
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for kind, url in self.start_points:
            yield Request(url, callback=self.parse_start, cb_kwargs={"kind": kind})

    def parse_start(self, response: Response, kind: str = "auto") -> Iterator[Any]:
        if kind == "auto":
            kind = page_kind(response)
            if kind == "listing" and not self._items(response):
                kind = "home"
            self.logger.info("start page %s is a %s", response.url, kind)
        if kind == "job":
            yield from self.parse_job(response)
        else:
            yield from getattr(self, f"parse_{kind}")(response)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield from self.parse_start(response)

    # -- pages that lead to job pages -----------------------------------------------------

    def _count_page(self, response: Response) -> bool:
        if self.pages_read >= self.max_pages:
            self.logger.info("max_pages=%d reached; not reading %s", self.max_pages, response.url)
            return False
        self.pages_read += 1
        return True

    def _items(self, response: Response) -> list[str]:
        if self.profile.items is None or not isinstance(response, TextResponse):
            return []
        urls: list[str] = []
        for href in self.profile.items.select(decode_response(response)).getall():
            url = strip_tracking(response.urljoin(href.strip()))
            if href.strip() and url not in urls:
                urls.append(url)
        return urls

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse) or not self._count_page(response):
            return
        jobs = self._items(response)
        if not jobs:
            self.logger.warning("listing selector %s found no items on %s",
                                self.profile.items, response.url)
        new = list(self._job_requests(jobs))
        yield from new
        if self.profile.next_page is None:
            return
        href = self.profile.next_page.select(decode_response(response)).get()
        if not href or not href.strip():
            return
        if self.profile.newest_first and jobs and not new:
            self.logger.info("nothing new on %s; not paging further (incremental)", response.url)
            self.crawler.stats.inc_value("lurewatch/incremental_stops")
        elif self.pages_read < self.max_pages:
            yield Request(response.urljoin(href.strip()), callback=self.parse_listing)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if not self._count_page(response):
            return
        pages, children = sitemap_links(response)
        for url in children:
            yield Request(url, callback=self.parse_sitemap)
        yield from self._job_requests(u for u in pages if self.job_url.search(u))

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if not self._count_page(response):
            return
        jobs, next_url = feed_links(response)
        yield from self._job_requests(u for u in jobs if self.job_url.search(u))
        if next_url:
            yield Request(next_url, callback=self.parse_feed)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        sitemaps = robots_sitemaps(response) or [urljoin(response.url, "/sitemap.xml")]
        for url in sitemaps:
            yield Request(url, callback=self.parse_sitemap)

    def parse_home(self, response: Response) -> Iterator[Request]:
        """A home page: follow the feeds it announces and the site's sitemaps."""
        if not isinstance(response, TextResponse):
            return
        feeds = discovered_feeds(decode_response(response)) if "feeds" in self.discover else []
        self.logger.info("home page %s announces feeds %s", response.url, feeds or "none")
        for url in feeds:
            yield Request(url, callback=self.parse_feed)
        if "sitemaps" in self.discover:
            yield Request(urljoin(response.url, "/robots.txt"), callback=self.parse_robots)

    def _job_requests(self, urls: Iterable[str]) -> Iterator[Request]:
        """Requests for the job pages not requested yet in this crawl nor already indexed."""
        fresh = []
        for url in (strip_tracking(u) for u in urls):
            if url not in self._requested:
                self._requested.add(url)
                fresh.append(url)
        ids = {url: document_id(self.profile.platform, canonical_key(url)) for url in fresh}
        known = self.indexed.seen(ids.values()) if self.indexed and ids else {}
        for url in fresh:
            if ids[url] in known:
                self.crawler.stats.inc_value("lurewatch/known_skipped")
                continue
            if len(self._yielded) >= self.max_jobs:
                self.logger.info("max_jobs=%d reached; not fetching %s", self.max_jobs, url)
                continue
            self._yielded.add(url)
            yield Request(url, callback=self.parse_job, priority=1)

    # -- job pages ------------------------------------------------------------------------

    def parse_job(self, response: Response) -> Iterator[dict[str, Any]]:
        item = parse_profiled_job(response, self.profile, self.source)
        if item is None:
            self.logger.warning("%s has no title or text where profile %s expects them; skipped",
                                response.url, self.profile.name)
            self.crawler.stats.inc_value("lurewatch/profile_misses")
            return
        yield item
