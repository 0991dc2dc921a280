"""Job boards: listing pages, sitemaps or feeds in; one item per job page out.

Job pages are read through schema.org `JobPosting` (JSON-LD, then microdata) because boards
publish it for search engines and it is the most faithful copy of the ad; pages without it
fall back to their main text. Parsing is plain functions of a response, so that tests can run
them on saved pages; the spider only wires requests to them.
"""

from __future__ import annotations

import codecs
import html
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import extruct
import lxml.html
import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding

from lurewatch.document import to_utc
from pipelines.normalize import item_id
from spiders.incremental import PageState, SeenPosts

logger = logging.getLogger(__name__)

PLATFORM = "jobboard"

# A link is taken for a job page when its path has a job-like segment followed by something
# with a digit (/jobs/123-cook, /job/view/88, /vacancies/2026-04), or its query names a job
# (Indeed's jk=, gnuboard's wr_id=). The `job_pattern` argument replaces this.
JOB_LINK = re.compile(
    r"/(?:jobs?|vacanc(?:y|ies)|careers?|positions?|postings?|ads?|classifieds?|listings?"
    r"|job-?details?|recruit(?:ment)?s?|viewjob)/[^?#]*\d"
    r"|[?&](?:jk|vjk|jobid|job_id|jobId|wr_id|ad_id|adid)=",
    re.IGNORECASE,
)
# Anchor texts that mean "next page" on boards in the project's languages.
NEXT_TEXTS = frozenset({
    "next", "next page", "next »", "next ›", "»", "›", ">", ">>", "다음", "다음 페이지",
    "下一页", "下页", "ถัดไป", "trang sau", "tiếp", "berikutnya", "selanjutnya", "បន្ទាប់",
})
# Query parameters that only say where a click came from.
TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|ref|ref_src|src|from|fbclid|gclid|trk|tracking\w*)$")
# Where the body of an ad sits on common boards, most specific first.
DESCRIPTION_CSS = (
    "[itemprop=description]", "#jobDescriptionText", ".job-description", ".jobDescription",
    ".description__text", ".job-detail__description", ".job_description", ".description",
    "article", "main", "[role=main]", "#content", ".content", "body",
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "form", "nav", "header",
              "footer", "aside")
_XML_ROOT = re.compile(rb"<(?!\?|!)([A-Za-z_][\w.:-]*)")
_ESCAPED_TAG = re.compile(r"&lt;/?[a-zA-Z][\w-]*(?:\s[^&]*)?&gt;")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_JS_COMMENT_LINE = re.compile(r"^\s*//.*$", re.MULTILINE)


# -- responses ------------------------------------------------------------------------------

def decode_response(response: Response) -> Response:
    """The response with the character set its bytes really use.

    Servers mislabel pages: UTF-8 bytes sent as ISO-8859-1, windows-1252 bytes sent as UTF-8.
    Valid multi-byte UTF-8 almost never arises by chance in a legacy encoding, so a body that
    decodes as UTF-8 is read as UTF-8; a body declared UTF-8 that is not falls back to the
    page's own meta declaration, else windows-1252 (the web's legacy default).
    """
    if not isinstance(response, TextResponse):
        return response
    body = response.body
    if body.isascii():
        return response
    declared = _codec_name(response.encoding)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        if declared != "utf-8":
            return response
        meta = html_body_declared_encoding(body)
        fallback = meta if meta and _codec_name(meta) != "utf-8" else "cp1252"
        logger.info("%s is not UTF-8 as declared; reading it as %s", response.url, fallback)
        return response.replace(encoding=fallback)
    if declared != "utf-8" and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        logger.info("%s declares %s but is UTF-8; reading it as UTF-8", response.url, declared)
        return response.replace(encoding="utf-8")
    return response


def _codec_name(encoding: str | None) -> str:
    try:
        return codecs.lookup(encoding or "").name
    except LookupError:
        return ""


def page_kind(response: Response) -> str:
    """'robots', 'sitemap', 'feed', 'job' or 'listing', from the content rather than the URL."""
    if urlsplit(response.url).path.endswith("/robots.txt"):
        return "robots"
    body = _body(response)
    head = body[:4096].lstrip()
    match = _XML_ROOT.search(head) if head.startswith(b"<?xml") or not _looks_html(head) else None
    if match:
        root = match.group(1).split(b":")[-1].lower()
        if root in (b"urlset", b"sitemapindex"):
            return "sitemap"
        if root in (b"rss", b"feed", b"rdf"):
            return "feed"
    # One posting makes a job page; several are a listing that marks up its cards.
    if isinstance(response, TextResponse) and len(job_postings(decode_response(response))) == 1:
        return "job"
    return "listing"


def _looks_html(head: bytes) -> bool:
    return bool(re.search(rb"<(?:!doctype\s+html|html|head|body)\b", head, re.IGNORECASE))


def _body(response: Response) -> bytes:
    body = response.body
    return gunzip(body) if body[:2] == b"\x1f\x8b" else body


def strip_tracking(url: str) -> str:
    """The URL without click-tracking parameters, so one job is requested once."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not TRACKING_PARAMS.match(k)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit(parts._replace(query=query, fragment=""))


# -- listing pages, sitemaps, feeds ---------------------------------------------------------

def listing_links(
    response: TextResponse, job_pattern: re.Pattern[str] = JOB_LINK
) -> tuple[list[str], str | None]:
    """(job page URLs on this page in page order, the next listing page or None)."""
    next_url = next_page(response)
    host = urlsplit(response.url).hostname
    jobs: list[str] = []
    for href in response.css("a[href]::attr(href)").getall():
        url = strip_tracking(response.urljoin(href.strip()))
        if urlsplit(url).hostname != host or url == next_url or url in jobs:
            continue
        if job_pattern.search(url):
            jobs.append(url)
    return jobs, next_url


def next_page(response: TextResponse) -> str | None:
    """The next page of a paginated listing: rel=next first, then a "Next" anchor."""
    for href in response.css('link[rel~="next"]::attr(href), a[rel~="next"]::attr(href)').getall():
        if href.strip():
            return response.urljoin(href.strip())
    for anchor in response.css("a[href]"):
        text = " ".join(anchor.css("::text").getall()).strip().lower()
        label = (anchor.attrib.get("aria-label") or "").strip().lower()
        if text in NEXT_TEXTS or label in NEXT_TEXTS:
            return response.urljoin(anchor.attrib["href"].strip())
    return None


def sitemap_links(response: Response) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap or sitemap index."""
    pages, children = sitemap_entries(response)
    return [url for url, _ in pages], children


def sitemap_entries(response: Response) -> tuple[list[tuple[str, str | None]], list[str]]:
    """([(page URL, <lastmod> as UTC ISO or None)], child sitemap URLs) of a sitemap."""
    try:
        sitemap = Sitemap(_body(response))
        entries = [entry for entry in sitemap if entry.get("loc")]
    except Exception:  # a broken sitemap is logged and skipped, not fatal
        logger.warning("unreadable sitemap at %s", response.url)
        return [], []
    locs = [(urljoin(response.url, e["loc"]), listed_date(e.get("lastmod"))) for e in entries]
    if sitemap.type == "sitemapindex":
        return [], [url for url, _ in locs]
    return locs, []


def feed_links(response: Response) -> tuple[list[str], str | None]:
    """(entry URLs, next feed page or None) of an RSS 1/2 or Atom feed."""
    entries, next_url = feed_entries(response)
    return [url for url, _ in entries], next_url


def feed_entries(response: Response) -> tuple[list[tuple[str, str | None]], str | None]:
    """([(entry URL, its updated/published date as UTC ISO or None)], next feed page or None)
    of an RSS 1/2 or Atom feed."""
    selector = Selector(body=_body(response), type="xml")
    selector.remove_namespaces()
    entries: dict[str, str | None] = {}
    for node in selector.xpath("//item | //entry"):
        link = (node.xpath("./link/text()").get() or node.xpath(
            "./link[not(@rel) or @rel='alternate']/@href").get() or "").strip()
        if not link:
            continue
        url = strip_tracking(urljoin(response.url, link))
        date = node.xpath("./updated/text() | ./pubDate/text() | ./published/text()"
                          " | ./date/text()").get()
        entries.setdefault(url, listed_date(date))
    next_href = selector.xpath("//link[@rel='next']/@href").get()
    return list(entries.items()), urljoin(response.url, next_href) if next_href else None


def listed_date(value: str | None) -> str | None:
    """A sitemap or feed date (W3C datetime or RFC 822) as ISO 8601 UTC, or None."""
    if not value or not value.strip():
        return None
    found = to_utc(value.strip())
    if found is None:
        try:
            found = to_utc(parsedate_to_datetime(value.strip()).isoformat())
        except (TypeError, ValueError, IndexError):
            return None
    return found


def robots_sitemaps(response: Response) -> list[str]:
    """Sitemap URLs a robots.txt names."""
    return [urljoin(response.url, url) for url in sitemap_urls_from_robots(_body(response))]


# -- job pages ------------------------------------------------------------------------------

def jsonld_nodes(response: TextResponse) -> list[Any]:
    """Every top-level JSON-LD value on the page; blocks that do not parse are skipped."""
    values: list[Any] = []
    for script in response.xpath('//script[@type="application/ld+json"]/text()').getall():
        value = _loads_lenient(script)
        if value is None:
            logger.debug("unparseable JSON-LD block on %s", response.url)
        else:
            values.append(value)
    return values


def _loads_lenient(text: str) -> Any:
    """JSON as pages write it: wrapped in CDATA or comments, with trailing commas."""
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    text = re.sub(r"^(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>$", "", text).strip().rstrip(";")
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", _JS_COMMENT_LINE.sub("", text))):
        try:
            return json.loads(candidate, strict=False)
        except ValueError:
            continue
    return None


def _is_type(node: dict[str, Any], name: str) -> bool:
    kinds = node.get("@type") or node.get("type") or []
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(k, str) and re.split(r"[/:#]", k)[-1] == name for k in kinds)


def _find_typed(value: Any, name: str, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Nodes of schema.org type `name` anywhere in a JSON-LD value (@graph, lists, nesting)."""
    if depth > 8:
        return
    if isinstance(value, list):
        for item in value:
            yield from _find_typed(item, name, depth + 1)
    elif isinstance(value, dict):
        if _is_type(value, name):
            yield value
            return
        for item in value.values():
            if isinstance(item, dict | list):
                yield from _find_typed(item, name, depth + 1)


def job_postings(response: TextResponse) -> list[tuple[str, dict[str, Any]]]:
    """[(syntax, JobPosting node)] found on the page: JSON-LD first, then microdata."""
    found = [("json-ld", node) for value in jsonld_nodes(response)
             for node in _find_typed(value, "JobPosting")]
    if response.xpath('//*[@itemscope][contains(@itemtype, "JobPosting")]'):
        try:
            data = extruct.extract(
                response.text, base_url=response.url, syntaxes=["microdata"], uniform=True)
        except Exception:  # hostile markup must not stop the crawl
            logger.warning("microdata on %s could not be read", response.url, exc_info=True)
            data = {}
        found += [("microdata", node) for item in data.get("microdata", [])
                  for node in _find_typed(item, "JobPosting")]
    return found


def parse_job(response: Response, source: str = PLATFORM) -> dict[str, Any]:
    """The item (see the spiders' item format) for one job page."""
    response = decode_response(response)
    if not isinstance(response, TextResponse):
        raise ValueError(f"{response.url} is not a text page")
    site_name = _first(response, 'meta[property="og:site_name"]::attr(content)',
                       'meta[name="application-name"]::attr(content)')
    meta: dict[str, Any] = {
        "site_name": site_name,
        "page_url": response.url,  # the page fetched: its archived response is the evidence
        "page_lang": _first(response, "html::attr(lang)"),
        "canonical_url": _absolute(response, _first(response, 'link[rel="canonical"]::attr(href)')),
    }
    postings = job_postings(response)
    if postings:
        syntax, posting = postings[0]
        return _from_posting(response, source, syntax, posting, meta)
    return _from_page(response, source, meta)


def _from_posting(
    response: TextResponse, source: str, syntax: str, posting: dict[str, Any],
    meta: dict[str, Any],
) -> dict[str, Any]:
    description = posting.get("description")
    if syntax == "microdata":  # extruct flattens it to text; the page holds the HTML
        description = response.xpath(
            '//*[@itemscope][contains(@itemtype, "JobPosting")]//*[@itemprop="description"]'
        ).get() or description
    if isinstance(description, str) and "<" not in description and _ESCAPED_TAG.search(description):
        description = html.unescape(description)
    if not isinstance(description, str) or not description.strip():
        description = main_fragment(response)
    title = _clean_text(posting.get("title") or posting.get("name")) or page_title(response)
    identifier = posting.get("identifier")
    ident_value = identifier.get("value") if isinstance(identifier, dict) else identifier
    ident_name = identifier.get("name") if isinstance(identifier, dict) else None
    board = meta["site_name"] or ident_name
    key = None
    if board and ident_value not in (None, ""):
        key = f"{board.strip().lower()}/{ident_value}"
    org = posting.get("hiringOrganization")
    org_name = org.get("name") if isinstance(org, dict) else org if isinstance(org, str) else None
    url = posting.get("url") if isinstance(posting.get("url"), str) else None
    facts = {k: v for k, v in posting.items() if k not in ("@context", "description")}
    return {
        "platform": PLATFORM,
        "source": source,
        "url": _absolute(response, url) or meta["canonical_url"] or response.url,
        "key": key,
        "title": title,
        "html": description,
        "links": fragment_links(description, response.url),
        "posted_at": _text_or_none(posting.get("datePosted")),
        "author": _first(response, 'a[rel~="author"]::text', '[itemprop="author"] ::text',
                         'meta[name="author"]::attr(content)') or _clean_text(org_name),
        "meta": {**facts, **meta, "structured_data": syntax},
    }


def _from_page(response: TextResponse, source: str, meta: dict[str, Any]) -> dict[str, Any]:
    fragment = main_fragment(response)
    facts = {}
    for term in response.css("dl dt"):
        label = term.xpath("normalize-space(.)").get()
        value = term.xpath("normalize-space(following-sibling::dd[1])").get()
        if label and value:
            facts[label] = value
    return {
        "platform": PLATFORM,
        "source": source,
        "url": meta["canonical_url"] or response.url,
        "key": None,
        "title": page_title(response),
        "html": fragment,
        "links": fragment_links(fragment, response.url),
        "posted_at": _first(response, "time[datetime]::attr(datetime)",
                            'meta[property="article:published_time"]::attr(content)'),
        "author": _first(response, 'a[rel~="author"]::text', 'meta[name="author"]::attr(content)'),
        "meta": {**meta, "facts": facts, "structured_data": None},
    }


def page_title(response: TextResponse) -> str | None:
    """The ad's title from the page itself: h1, then og:title, then <title> minus the site."""
    for heading in response.css("h1")[:1]:
        title = " ".join(" ".join(heading.css("::text").getall()).split())
        if title:
            return title
    title = _first(response, 'meta[property="og:title"]::attr(content)')
    if title:
        return title
    text = _first(response, "title::text")
    site = _first(response, 'meta[property="og:site_name"]::attr(content)')
    if text and site:
        text = re.sub(rf"\s*[|\-–—:]\s*{re.escape(site)}\s*$", "", text)
    return text


def main_fragment(response: TextResponse) -> str:
    """The HTML of the page's main content, without scripts, navigation and page chrome."""
    for css in DESCRIPTION_CSS:
        found = response.css(css)
        if not found:
            continue
        element = lxml.html.fromstring(found[0].get())
        for bad in element.xpath("|".join(f"descendant-or-self::{tag}" for tag in _DROP_TAGS)):
            if bad is element:
                continue
            bad.drop_tree()
        text = " ".join(element.text_content().split())
        if len(text) >= 40 or css == "body":
            return lxml.html.tostring(element, encoding="unicode")
    return ""


def fragment_links(fragment: str, base_url: str) -> list[str]:
    """Absolute hrefs of an HTML fragment, in order, once each (no javascript: links)."""
    if not fragment:
        return []
    links: list[str] = []
    for href in Selector(text=f"<div>{fragment}</div>").css("a[href]::attr(href)").getall():
        href = href.strip()
        if not href or href.lower().startswith(("javascript:", "data:", "#")):
            continue
        url = urljoin(base_url, href)
        if url not in links:
            links.append(url)
    return links


def _first(response: TextResponse, *queries: str) -> str | None:
    for query in queries:
        for value in response.css(query).getall():
            text = " ".join(value.split())
            if text:
                return text
    return None


def _absolute(response: TextResponse, url: str | None) -> str | None:
    return response.urljoin(url.strip()) if url and url.strip() else None


def _clean_text(value: Any) -> str | None:
    """A JSON-LD text value as plain text: entities decoded, tags dropped, spaces collapsed."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    text = html.unescape(value)
    if "<" in text:
        text = lxml.html.fromstring(f"<div>{text}</div>").text_content()
    return " ".join(text.split()) or None


def _text_or_none(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    return str(value).strip() or None


# -- the spider -----------------------------------------------------------------------------

class JobBoardSpider(scrapy.Spider):
    """Crawls one job board and yields one item per job page.

    Arguments (as `-a NAME=VALUE`):
      start_url    a listing page, a sitemap or sitemap index, an RSS/Atom feed, or a
                   robots.txt naming sitemaps; any host and port (required)
      max_pages    most listing, sitemap and feed pages to read (default 50)
      job_pattern  regular expression a link must match to be taken for a job page
                   (default: common job-board URL shapes, see JOB_LINK)
      source       the `source` written on items (default: the spider's name)

    Incremental (LUREWATCH_INCREMENTAL, settings.py): a job page already indexed is not fetched
    again unless the sitemap's <lastmod> or the feed's date for it is newer than when it was
    fetched; listing pages give no dates, so paging stops at a listing page whose job links are
    all indexed (listings run newest first). Pages that cannot be read (timeouts, redirect
    loops, oversized or undecodable bodies) are logged with their URL and skipped.
    """

    name = "jobboard"

    def __init__(
        self, start_url: str | None = None, max_pages: str | int = 50,
        job_pattern: str | None = None, source: str | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not start_url:
            raise ValueError("jobboard needs -a start_url=URL (a listing page, sitemap or feed)")
        self.start_url = start_url if "://" in start_url else f"https://{start_url}"
        self.max_pages = int(max_pages)
        self.job_pattern = re.compile(job_pattern) if job_pattern else JOB_LINK
        self.source = source or self.name
        self.pages_read = 0
        self._seen: set[str] = set()
        self._requested: set[str] = set()
        self.indexed: SeenPosts | None = None
        self.page_state: PageState | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> JobBoardSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.indexed = SeenPosts.from_crawler(crawler)
        spider.page_state = PageState.from_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.start_url, callback=self.parse_start, errback=self.failed)

    def parse_start(self, response: Response) -> Iterator[Any]:
        kind = page_kind(response)
        self.logger.info("start page %s is a %s", response.url, kind)
        if kind == "job":
            yield from self.parse_job_page(response)
        else:
            yield from getattr(self, f"parse_{kind}")(response)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield from self.parse_start(response)

    def failed(self, failure: Failure) -> None:
        """One line naming the page that could not be read and why; the crawl goes on."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        self.logger.warning("jobboard: skipped %s (%s)", first, reason)
        self.crawler.stats.inc_value("lurewatch/pages_failed")

    def _count_page(self, response: Response) -> bool:
        if self.pages_read >= self.max_pages:
            self.logger.info("max_pages=%d reached; not reading %s", self.max_pages, response.url)
            return False
        self.pages_read += 1
        return True

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            self.logger.warning("skipping %s: not a text page", response.url)
            return
        if not self._count_page(response):
            return
        jobs, next_url = listing_links(decode_response(response), self.job_pattern)
        wanted = list(self._job_requests((url, None) for url in jobs))
        yield from wanted
        if jobs and not wanted:
            self.logger.info("every job on %s is indexed already; not paging further "
                             "(incremental)", response.url)
            self.crawler.stats.inc_value("lurewatch/incremental_stops")
        elif next_url and self.pages_read < self.max_pages:
            yield Request(next_url, callback=self.parse_listing, errback=self.failed)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if not self._count_page(response):
            return
        pages, children = sitemap_entries(response)
        for url in children:
            yield Request(url, callback=self.parse_sitemap, errback=self.failed)
        jobs = [(strip_tracking(url), date) for url, date in pages if self.job_pattern.search(url)]
        # A sitemap whose URLs match no job shape is taken to list job pages only.
        yield from self._job_requests(jobs or [(strip_tracking(u), d) for u, d in pages])

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if not self._count_page(response):
            return
        jobs, next_url = feed_entries(response)
        yield from self._job_requests(jobs)
        if next_url:
            yield Request(next_url, callback=self.parse_feed, errback=self.failed)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for url in robots_sitemaps(response):
            yield Request(url, callback=self.parse_sitemap, errback=self.failed)

    def _job_requests(self, jobs: Iterable[tuple[str, str | None]]) -> Iterator[Request]:
        """Requests for the job pages not indexed yet, or changed since (a newer date), once
        each in a crawl (boards link the same ads again from "hot jobs" boxes)."""
        listed = {url: date for url, date in jobs if url not in self._requested}
        for url in self._unchanged(listed):
            self.logger.debug("indexed already and unchanged: %s", url)
            self.crawler.stats.inc_value("lurewatch/skipped_indexed")
            del listed[url]
        for url, date in listed.items():
            self._requested.add(url)
            yield Request(url, callback=self.parse_job_page, errback=self.failed, priority=1,
                          cb_kwargs={"listed_url": url, "listed_at": date})

    def _unchanged(self, listed: dict[str, str | None]) -> list[str]:
        if self.indexed is None or self.page_state is None or not self.indexed.enabled:
            return []
        fetched = self.page_state.get(listed)
        indexed = self.indexed.seen({doc_id for doc_id, _ in fetched.values()})
        return [url for url, (doc_id, then) in fetched.items()
                if doc_id in indexed and not _newer(listed[url], then)]

    def parse_job_page(self, response: Response, listed_url: str | None = None,
                       listed_at: str | None = None) -> Iterator[dict[str, Any]]:
        if not isinstance(response, TextResponse):
            self.logger.warning("skipping %s: not a text page", response.url)
            return
        item = parse_job(response, source=self.source)
        if self.page_state is not None:
            self.page_state.put(listed_url or response.url, item_id(item), listed_at)
        identities = {item["url"], response.url} | ({item["key"]} if item["key"] else set())
        if identities & self._seen:
            self.logger.debug("already yielded %s", response.url)
            return
        self._seen |= identities
        yield item


def _newer(now: str | None, then: str | None) -> bool:
    """True when the listing dates the page later than it did when the page was fetched."""
    return bool(now) and (not then or now > then)  # both ISO 8601 UTC: text order is time order
