"""Reads Reddit through its public JSON listings: a subreddit's newest posts, or a search.

Arguments (strings, `scrapy crawl reddit -a NAME=VALUE`):
  start_url  a JSON listing on any host and port: `https://www.reddit.com/r/NAME/new.json`,
             a search `https://www.reddit.com/r/NAME/search.json?q=...&restrict_sr=1`, a
             multireddit `/r/a+b/new.json`; or a subreddit's plain URL (`https://www.reddit.com/
             r/NAME`, `r/NAME`), which is read as its newest-first listing `/r/NAME/new.json`
  max_pages  how many listing pages to read (default 10; 100 posts a page unless start_url
             names another `limit`)
  source     the `source` written into each item (default: the spider's name)

Every request asks for `raw_json=1` (else Reddit escapes `&`, `<` and `>` in every string) and
a search without `sort` is read newest first, so that a re-crawl can stop early: on a listing
in time order the spider stops paging at the newest post of its last complete crawl
(TimelineMark), and posts already indexed are not yielded again (SeenPosts; both off with
`-s LUREWATCH_INCREMENTAL=False`). Real Reddit's
robots.txt disallows everything: obey it (the default) and nothing is read; a source that uses
Reddit must opt out with a reason (`-s ROBOTSTXT_OBEY=False`) or go through Reddit's Data API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from lurewatch.document import utc_iso
from spiders.timeline import DEFAULT_MAX_PAGES, TimelineSpider

PLATFORM = "reddit"
DEFAULT_BASE_URL = "https://www.reddit.com"
DEFAULT_LIMIT = "100"
_SORTED_PATHS = ("new", "hot", "top", "rising", "controversial", "best", "search")


def listing_url(start_url: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The JSON listing URL to read for a start URL; ValueError when it names no listing."""
    value = start_url.strip()
    if not value:
        raise ValueError("the reddit spider needs -a start_url=URL (a subreddit or its .json)")
    if "://" not in value:
        value = (f"{base_url.rstrip('/')}/{value.lstrip('/')}" if value.startswith(("r/", "/r/"))
                 else f"https://{value}")
    parts = urlsplit(value)
    segments = [s for s in parts.path.split("/") if s]
    if not segments or segments[0] != "r" or len(segments) < 2:
        raise ValueError(f"not a Reddit listing URL: {start_url!r} (expected .../r/NAME...)")
    if not segments[-1].endswith(".json"):
        if len(segments) == 2:
            segments.append("new")
        if segments[-1] not in _SORTED_PATHS:
            raise ValueError(f"not a Reddit listing URL: {start_url!r}")
        segments[-1] += ".json"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("limit", DEFAULT_LIMIT)
    if segments[-1] == "search.json":
        if not query.get("q"):
            raise ValueError(f"a Reddit search URL needs q=WORDS: {start_url!r}")
        query.setdefault("sort", "new")
    query["raw_json"] = "1"
    return urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(segments), urlencode(query),
                       ""))


def in_time_order(url: str) -> bool:
    """True for a listing that runs newest first (where a known post means the rest is known)."""
    parts = urlsplit(url)
    name = parts.path.rstrip("/").rpartition("/")[2]
    return name == "new.json" or (
        name == "search.json" and dict(parse_qsl(parts.query)).get("sort") == "new"
    )


def read_listing(response: Response) -> dict[str, Any] | None:
    """The `data` of a Listing answer, or None when the body is not one."""
    if not isinstance(response, TextResponse):
        return None
    try:
        payload = json.loads(response.text)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("kind") != "Listing":
        return None
    data = payload.get("data")
    return data if isinstance(data, dict) else None


def parse_listing(response: Response, source: str = PLATFORM) -> list[dict[str, Any]]:
    """Every post (`t3`) of a listing page as an item, in the listing's order."""
    data = read_listing(response)
    if data is None:
        return []
    return [
        post_item(child["data"], response.url, source)
        for child in data.get("children") or []
        if isinstance(child, dict) and child.get("kind") == "t3" and isinstance(
            child.get("data"), dict)
    ]


def next_page_url(response: Response) -> str | None:
    """The same listing from the `after` cursor on, or None at its end."""
    data = read_listing(response)
    after = data.get("after") if data else None
    if not after or not data.get("children"):
        return None
    parts = urlsplit(response.url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.pop("before", None)
    query["after"] = after
    return urlunsplit(parts._replace(query=urlencode(query)))


def post_item(post: dict[str, Any], page_url: str, source: str = PLATFORM) -> dict[str, Any]:
    """One `t3` post as an item: a self post's body, or a link post's outbound URL as text."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page_url))
    permalink = _absolute(origin, post.get("permalink")) or page_url
    is_self = bool(post.get("is_self"))
    outbound = None if is_self else post.get("url_overridden_by_dest") or post.get("url")
    removed = post.get("removed_by_category")
    body_html = "" if removed else _strip_markers(post.get("selftext_html"))
    links = _links(body_html, origin)
    if outbound and outbound not in links:
        links.insert(0, outbound)
    author = post.get("author")
    edited = post.get("edited")
    created = post.get("created_utc")
    return {
        "platform": PLATFORM,
        "source": source,
        "url": permalink,
        "key": post.get("name") or f"t3_{post.get('id')}",
        "title": post.get("title"),
        "html": body_html,
        "text": outbound if not body_html and outbound else None,
        "links": links,
        "posted_at": _epoch_iso(created),
        "author": None if author in (None, "[deleted]") else author,
        "meta": {
            "post_id": post.get("id"),
            "fullname": post.get("name"),
            "subreddit": post.get("subreddit"),
            "subreddit_id": post.get("subreddit_id"),
            "subreddit_subscribers": post.get("subreddit_subscribers"),
            "permalink": permalink,
            "author_fullname": post.get("author_fullname"),
            "score": post.get("score"),
            "upvote_ratio": post.get("upvote_ratio"),
            "num_comments": post.get("num_comments"),
            "flair": post.get("link_flair_text"),
            "author_flair": post.get("author_flair_text"),
            "over_18": bool(post.get("over_18")),
            "spoiler": bool(post.get("spoiler")),
            "locked": bool(post.get("locked")),
            "stickied": bool(post.get("stickied")),
            "is_self": is_self,
            "domain": post.get("domain"),
            "outbound_url": outbound,
            "edited": _epoch_iso(edited) if edited not in (None, False) else None,
            "removed_by_category": removed,
            "page_url": page_url,
        },
    }


def _epoch_iso(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return utc_iso(datetime.fromtimestamp(float(value), UTC))


def _absolute(origin: str, path: Any) -> str | None:
    if not isinstance(path, str) or not path:
        return None
    return path if "://" in path else origin + "/" + path.lstrip("/")


def _strip_markers(fragment: Any) -> str:
    """selftext_html without Reddit's `<!-- SC_OFF -->` wrapper comments."""
    if not isinstance(fragment, str):
        return ""
    return fragment.replace("<!-- SC_OFF -->", "").replace("<!-- SC_ON -->", "").strip()


def _links(fragment: str, origin: str) -> list[str]:
    """Absolute hrefs of the body in order, once each (`/u/name` links made absolute)."""
    if not fragment:
        return []
    links: list[str] = []
    for href in Selector(text=f"<div>{fragment}</div>").css("a[href]::attr(href)").getall():
        url = _absolute(origin, href.strip()) if not href.startswith(("mailto:", "#")) else href
        if url and url not in links:
            links.append(url)
    return links


class RedditSpider(TimelineSpider):
    """The `reddit` spider: pages through one listing with `after`, newest first."""

    name = "reddit"
    platform = PLATFORM

    def __init__(self, start_url: str | None = None, max_pages: str | int = DEFAULT_MAX_PAGES,
                 source: str | None = None, *args: Any, **kwargs: Any) -> None:
        if not start_url:
            raise ValueError("the reddit spider needs -a start_url=URL (a subreddit or its .json)")
        super().__init__(listing_url(start_url), max_pages, source, *args, **kwargs)

    def is_timeline(self, url: str) -> bool:
        return in_time_order(url)

    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        if read_listing(response) is None:
            self.logger.warning("reddit: %s is not a Reddit listing (HTTP %d); nothing read",
                                response.url, response.status)
            return
        yield from self.timeline_page(response, page, parse_listing(response, self.source),
                                      next_page_url(response))

    def failed(self, failure: Any) -> None:
        response = getattr(failure.value, "response", None)
        why = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        hint = " (no such subreddit, or it is private or banned)" if response is not None and (
            response.status in (403, 404)) else ""
        self.logger.warning("reddit: could not read %s: %s%s", failure.request.url, why, hint)
