"""Reads a public Facebook group (or page) feed, whose posts only exist once JavaScript ran.

Arguments (strings, `scrapy crawl facebook -a NAME=VALUE`):
  start_url  the group page, on any host and port ("https://www.facebook.com/groups/NAME/",
             "http://127.0.0.1:8000/groups/NAME/")
  max_posts  most posts to read (default 500)
  max_loads  most clicks on "See more posts" (default 50)
  source     the `source` written into each item (default: the spider's name)

The page is rendered in Chromium (scrapy-playwright, settings in spiders/rendering.py): the
spider waits for the first posts, clicks "See more posts" until there are no more, a limit is
reached, or a batch holds a post already indexed (spiders/incremental.py), opens every
post's "See more", and takes a full-page screenshot for evidence. The rendered DOM is the
response: the WARC archives it and the plain functions below parse it, one item per post. The
JSON batches the page's script fetched are archived in the same WARC.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.html
import scrapy
from parsel import Selector
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Response as BrowserResponse
from scrapy.http import Response, TextResponse
from scrapy_playwright.page import PageMethod

from lurewatch.document import document_id, utc_iso
from pipelines.evidence import archive_browser_exchange, save_screenshot
from spiders.incremental import SeenPosts
from spiders.rendering import browser_settings, render_meta
from spiders.telegram import parse_count

PLATFORM = "facebook"
DEFAULT_MAX_POSTS = 500
DEFAULT_MAX_LOADS = 50
BATCH_TIMEOUT_MS = 15_000  # how long a batch of posts may take to appear
# Posts are articles that are not inside another article (comments are nested articles).
ARTICLES = "//*[@role='article'][not(ancestor::*[@role='article'])]"
ARTICLES_CSS = "[role=feed] [role=article]"
IS_MESSAGE = "@data-ad-comet-preview='message' or @data-ad-preview='message'"
MESSAGE = f".//*[{IS_MESSAGE}]"
SEE_MORE_POSTS = "See more posts"
SEE_MORE = "See more"
_POST_PATH = re.compile(r"/groups/([^/?#]+)/(?:posts|permalink)/(\d+)")
_USER_PATH = re.compile(r"/(?:groups/[^/?#]+/user|profile\.php\?id=|people/[^/]+)/?(\d+)")
_COUNTER = re.compile(r"^([\d.,]+\s*[KM]?)\s+(comments?|shares?)$", re.I)
_MEMBERS = re.compile(r"([\d.,]+\s*[KM]?)\s+members", re.I)
# The feed has grown past `n` posts and is no longer loading.
_GREW = ("n => document.querySelectorAll('[role=feed] [role=article]').length > n && "
         "document.querySelector('[role=feed]').getAttribute('aria-busy') !== 'true'")


def post_key(href: str | None) -> str | None:
    """'https://www.facebook.com/groups/GID/posts/PID/' -> 'GID/PID'; None for other links."""
    match = _POST_PATH.search(urlsplit(href or "").path)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def unshim(href: str) -> str:
    """The destination of a link through Facebook's shim (l.facebook.com/l.php?u=...)."""
    parts = urlsplit(href)
    if parts.path.endswith("/l.php"):
        target = parse_qs(parts.query).get("u")
        if target and target[0]:
            return target[0]
    return href


def parse_group(response: TextResponse) -> dict[str, Any]:
    """The group's id, name, size and description from the rendered page's header."""
    app_url = response.css('meta[property="al:android:url"]::attr(content)').get() or ""
    members = " ".join(response.xpath("//header//text()").getall())
    found = _MEMBERS.search(members)
    title = response.css("header h1 ::text").getall()
    return {
        "group_id": app_url.rpartition("/")[2] or None,
        "group_name": " ".join("".join(title).split()) or response.css(
            'meta[property="og:title"]::attr(content)').get(),
        "group_url": response.urljoin(response.css('link[rel="canonical"]::attr(href)').get()
                                      or response.url),
        "group_members": found.group(1) if found else None,
        "group_members_count": parse_count(found.group(1)) if found else None,
        "group_description": response.css('meta[property="og:description"]::attr(content)').get(),
    }


def parse_posts(response: Response, source: str = PLATFORM) -> list[dict[str, Any]]:
    """Every post on a rendered group page as an item, in feed order (newest first)."""
    if not isinstance(response, TextResponse):
        return []
    group = parse_group(response)
    items = []
    for article in response.xpath(ARTICLES):
        item = _post_item(response, article, group, source)
        if item is not None:
            items.append(item)
    return items


def _message_html(message: Selector | None) -> str:
    """The message's HTML without the "… See more" control (the text behind it is kept)."""
    if message is None:
        return ""
    root = lxml.html.fragment_fromstring(message.get())
    for control in root.xpath(".//*[contains(concat(' ', @class, ' '), ' text_exposed_hide ')]"
                              " | .//*[@role='button']"):
        control.drop_tree()
    return lxml.html.tostring(root, encoding="unicode")


def _footer(article: Selector) -> dict[str, Any]:
    """Reaction total and kinds, comment and share counts from the post's footer."""
    tokens = [t.strip() for t in article.xpath(
        ".//text()[not(ancestor::*[@data-ad-comet-preview or @data-ad-preview])]").getall()
        if t.strip()]
    counts: dict[str, Any] = {"reactions": None, "comments": 0, "shares": 0}
    for i, token in enumerate(tokens):
        if token.rstrip(":").lower() == "all reactions" and i + 1 < len(tokens):
            counts["reactions"] = parse_count(tokens[i + 1])
        match = _COUNTER.match(token)
        if match:
            kind = "comments" if match.group(2).lower().startswith("comment") else "shares"
            counts[kind] = parse_count(match.group(1))
    counts["reaction_types"] = article.xpath(
        ".//*[@aria-label='See who reacted to this']//img/@alt").getall()
    return counts


def _post_item(response: TextResponse, article: Selector, group: dict[str, Any],
               source: str) -> dict[str, Any] | None:
    stamp = article.xpath(".//a[.//abbr[@data-utime]]")
    hrefs = stamp.xpath("@href").getall() + article.xpath(".//a/@href").getall()
    permalink = next((h for h in hrefs if post_key(h)), None)
    if permalink is None:  # not a post (an ad slot, a "suggested groups" unit)
        return None
    key = post_key(permalink)
    utime = article.xpath(".//abbr[@data-utime]/@data-utime").get() or ""
    posted_at = utc_iso(datetime.fromtimestamp(int(utime), UTC)) if utime.isdigit() else None
    author = article.xpath("(.//h2 | .//h3 | .//h4)[1]//a[1]")
    author_url = author.xpath("@href").get()
    user = _USER_PATH.search(author_url or "")
    messages = article.xpath(MESSAGE)
    message = messages[0] if messages else None

    links: list[str] = []
    hashtags: list[str] = []
    for anchor in message.xpath(".//a[@href]") if message is not None else []:
        href = response.urljoin(anchor.attrib["href"])
        if "/hashtag/" in urlsplit(href).path:
            hashtags.append("".join(anchor.xpath(".//text()").getall()).strip())
        elif unshim(href) not in links:
            links.append(unshim(href))
    shared = None
    for anchor in article.xpath(f".//a[contains(@href, 'l.php')][not(ancestor::*[{IS_MESSAGE}])]"):
        url = unshim(response.urljoin(anchor.attrib["href"]))
        texts = [t.strip() for t in anchor.xpath(".//text()").getall() if t.strip()]
        shared = {"url": url, "domain": (urlsplit(url).hostname or "").lower() or None,
                  "title": texts[-1] if texts else None}
        if url not in links:
            links.append(url)
        break
    post_id = key.rpartition("/")[2] if key else None
    position = article.attrib.get("aria-posinset")
    return {
        "platform": PLATFORM,
        "source": source,
        "url": response.urljoin(permalink),
        "key": key,
        "title": None,
        "html": _message_html(message),
        "links": links,
        "posted_at": posted_at,
        "author": " ".join("".join(author.xpath(".//text()").getall()).split()) or None,
        "meta": {
            **group,
            "page_url": response.url,
            "post_id": post_id,
            "author_url": author_url,
            "author_id": user.group(1) if user else None,
            "position": int(position) if position and position.isdigit() else None,
            **_footer(article),
            "shared_link": shared,
            "hashtags": hashtags,
            "rendered": True,
        },
    }


class FacebookSpider(scrapy.Spider):
    """The `facebook` spider: renders a group page, then hands its DOM to `parse_posts`.

    Arguments: start_url (the group page on any host), max_posts (default 500), max_loads
    (default 50), source (default "facebook").
    """

    name = "facebook"
    custom_settings = browser_settings()

    def __init__(self, start_url: str | None = None, max_posts: str | int = DEFAULT_MAX_POSTS,
                 max_loads: str | int = DEFAULT_MAX_LOADS, source: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not start_url:
            raise ValueError("the facebook spider needs -a start_url=URL of a group page")
        self.start_url = start_url if "://" in start_url else f"https://{start_url}"
        self.max_posts = int(max_posts)
        self.max_loads = int(max_loads)
        if self.max_posts < 1 or self.max_loads < 0:
            raise ValueError("max_posts must be 1 or more and max_loads 0 or more")
        self.source = source or self.name
        self.seen_posts: SeenPosts | None = None
        self._fetched: dict[Page, list[BrowserResponse]] = {}  # what each page's scripts fetched

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.seen_posts = SeenPosts.from_crawler(self.crawler)
        # dont_filter: a crawl resumed from JOBDIR must render the page again, though seen.
        yield scrapy.Request(
            self.start_url, callback=self.parse, errback=self.failed, dont_filter=True,
            meta=render_meta(PageMethod(self.render_feed),
                             events={"response": "browser_response"}),
        )

    def browser_response(self, response: BrowserResponse) -> None:
        """Note what a page's scripts fetched (its feed batches), to archive it as evidence."""
        if response.request.resource_type in ("fetch", "xhr"):
            self._fetched.setdefault(response.frame.page, []).append(response)

    async def _archive_fetched(self, page: Page) -> int:
        """Write the page's script fetches into the WARC, while the page is still open."""
        fetched = self._fetched.pop(page, [])
        for response in fetched:
            try:
                body = await response.body()
                headers = await response.headers_array()
                request_headers = await response.request.headers_array()
            except PlaywrightError as exc:
                self.logger.warning("facebook: could not archive %s: %s", response.url, exc)
                continue
            archive_browser_exchange(self.crawler, {
                "method": response.request.method, "request_url": response.request.url,
                "request_headers": [(h["name"], h["value"]) for h in request_headers],
                "request_body": response.request.post_data_buffer or b"",
                "url": response.url, "status": response.status,
                "headers": [(h["name"], h["value"]) for h in headers], "body": body,
            })
        return len(fetched)

    def _known(self, keys: list[str]) -> set[str]:
        """Those of `keys` whose posts the index already holds."""
        if self.seen_posts is None:
            return set()
        ids = {document_id(PLATFORM, key): key for key in keys}
        return {ids[i] for i in self.seen_posts.seen(list(ids))}

    async def render_feed(self, page: Page) -> dict[str, Any]:
        """Load the feed as far as needed, open every post's text, screenshot the page."""
        outcome: dict[str, Any] = {"loads": 0, "stopped": "no more posts", "screenshot": None}
        try:
            await page.wait_for_selector(ARTICLES_CSS, timeout=BATCH_TIMEOUT_MS)
        except PlaywrightError:
            outcome["stopped"] = "no posts appeared"
        checked: set[str] = set()
        while outcome["stopped"] != "no posts appeared":
            hrefs = await page.eval_on_selector_all(
                f"{ARTICLES_CSS} a[href]", "els => els.map(e => e.href)")
            keys = list(dict.fromkeys(k for k in map(post_key, hrefs) if k))
            fresh = [k for k in keys if k not in checked]
            checked.update(fresh)
            button = page.get_by_role("button", name=SEE_MORE_POSTS, exact=True).or_(
                page.get_by_role("link", name=SEE_MORE_POSTS, exact=True)).first
            if len(keys) >= self.max_posts:
                outcome["stopped"] = f"max_posts={self.max_posts}"
            elif self._known(fresh):
                outcome["stopped"] = "reached posts already indexed"
            elif not await button.is_visible():
                outcome["stopped"] = "no more posts"
            elif outcome["loads"] >= self.max_loads:
                outcome["stopped"] = f"max_loads={self.max_loads}"
            else:
                await button.click()
                outcome["loads"] += 1
                try:
                    await page.wait_for_function(_GREW, arg=len(keys), timeout=BATCH_TIMEOUT_MS)
                    continue
                except PlaywrightError:
                    outcome["stopped"] = f"'{SEE_MORE_POSTS}' loaded nothing"
            break
        await page.get_by_role("button", name=SEE_MORE, exact=True).evaluate_all(
            "els => els.forEach(e => e.click())")
        outcome["screenshot"] = await page.screenshot(full_page=True, type="png")
        outcome["archived_fetches"] = await self._archive_fetched(page)
        return outcome

    def parse(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        methods = response.meta.get("playwright_page_methods") or []
        outcome = methods[0].result if methods and isinstance(methods[0].result, dict) else {}
        if not isinstance(response, TextResponse) or "playwright" not in response.flags:
            self.logger.warning("facebook: %s was not rendered in the browser; no posts read",
                                response.url)
            return
        if outcome.get("screenshot"):
            save_screenshot(self.crawler, response.url, outcome["screenshot"])
        items = parse_posts(response, self.source)
        known = self._known([i["key"] for i in items])
        new = [i for i in items if i["key"] not in known][: self.max_posts]
        self.crawler.stats.set_value("facebook/see_more_loads", outcome.get("loads", 0))
        self.logger.info(
            "facebook: %s: %d posts rendered after %d loads (stopped: %s), %d already indexed,"
            " %d new", response.url, len(items), outcome.get("loads", 0),
            outcome.get("stopped", "?"), len(known), len(new))
        if not items:
            self.logger.warning("facebook: no posts on %s (not a public group feed?)",
                                response.url)
        yield from new

    def failed(self, failure: Any) -> None:
        self.logger.warning("facebook: could not render %s: %s", failure.request.url,
                            failure.getErrorMessage())
