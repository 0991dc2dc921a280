"""Reads public Mastodon timelines through an instance's REST API, newest first.

Arguments (strings, `scrapy crawl mastodon -a NAME=VALUE`):
  start_url  an API timeline on any host and port: `https://INSTANCE/api/v1/timelines/tag/NAME`,
             `https://INSTANCE/api/v1/accounts/ID/statuses`, `https://INSTANCE/api/v1/timelines/
             public`; the web forms `https://INSTANCE/tags/NAME` and `https://INSTANCE/@NAME`
             are read through the API too
  instance   instead of start_url: the instance (`mastodon.social` or a URL), with one of
  hashtag    a hashtag (with or without `#`), or
  account    an account (`name` or `name@domain`), found with /api/v1/accounts/lookup
  max_pages  how many pages to read (default 10; 40 statuses a page unless start_url names
             another `limit`)
  source     the `source` written into each item (default: the spider's name)

Pages follow the `Link` header's rel="next" (a `max_id` cursor), as Mastodon sends it; an
answer without a Link header is paged on from its last status id. A boost is read as the status
it boosts, with who boosted it in `meta.boosted_by`. Timelines run newest first, so a re-crawl
stops paging at the newest status of the timeline's last complete crawl (TimelineMark, through
spiders/timeline.py), and statuses already indexed are not yielded again (SeenPosts; both off with
`-s LUREWATCH_INCREMENTAL=False`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse

from lurewatch.document import canonical_key, to_utc
from spiders.incremental import TimelineMark
from spiders.timeline import DEFAULT_MAX_PAGES, TimelineSpider

PLATFORM = "mastodon"
DEFAULT_LIMIT = "40"
_LINK = re.compile(r"<([^>]*)>\s*;\s*rel=\"?([^\",;]+)\"?")
_TIMELINE = re.compile(r"/api/v1/(?:timelines/(?:tag/[^/]+|public|home)|accounts/[^/]+/statuses)$")


def instance_origin(instance: str) -> str:
    """`mastodon.social` -> `https://mastodon.social`; a URL keeps its scheme, host and port."""
    value = instance.strip().rstrip("/")
    if not value:
        raise ValueError("an empty instance name")
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if not parts.netloc:
        raise ValueError(f"not a Mastodon instance: {instance!r}")
    return f"{parts.scheme}://{parts.netloc}"


def with_limit(url: str) -> str:
    """The URL with `limit=40` (Mastodon's maximum) unless it names a limit of its own."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("limit", DEFAULT_LIMIT)
    return urlunsplit(parts._replace(query=urlencode(query)))


def tag_timeline_url(origin: str, hashtag: str) -> str:
    name = hashtag.strip().lstrip("#")
    if not name:
        raise ValueError("an empty hashtag")
    return with_limit(f"{origin}/api/v1/timelines/tag/{quote(name)}")


def lookup_url(origin: str, account: str) -> str:
    acct = account.strip().lstrip("@")
    if not acct:
        raise ValueError("an empty account name")
    return f"{origin}/api/v1/accounts/lookup?{urlencode({'acct': acct})}"


def account_timeline_url(origin: str, account_id: str) -> str:
    return with_limit(f"{origin}/api/v1/accounts/{quote(account_id)}/statuses")


def start_request_url(start_url: str | None = None, instance: str | None = None,
                      hashtag: str | None = None, account: str | None = None) -> str:
    """The first URL to fetch (a timeline, or an account lookup); ValueError for bad input."""
    if start_url:
        origin = instance_origin(start_url)
        path = urlsplit(start_url if "://" in start_url else "https://" + start_url).path
        path = path.rstrip("/")
        if _TIMELINE.search(path):
            return with_limit(start_url if "://" in start_url else "https://" + start_url)
        if path.startswith("/tags/") and path.count("/") == 2:
            return tag_timeline_url(origin, path.rpartition("/")[2])
        if path.startswith("/@") and path.count("/") == 1:
            return lookup_url(origin, path[2:])
        raise ValueError(f"not a Mastodon timeline URL: {start_url!r} (expected "
                         ".../api/v1/timelines/tag/NAME or .../api/v1/accounts/ID/statuses)")
    if not instance or bool(hashtag) == bool(account):
        raise ValueError("the mastodon spider needs -a start_url=URL, or -a instance=HOST with "
                         "one of -a hashtag=NAME or -a account=NAME")
    origin = instance_origin(instance)
    return tag_timeline_url(origin, hashtag) if hashtag else lookup_url(origin, account or "")


def read_json(response: Response) -> Any:
    """The JSON body, or None when the response is not JSON."""
    if not isinstance(response, TextResponse):
        return None
    try:
        return json.loads(response.text)
    except ValueError:
        return None


def parse_statuses(response: Response, source: str = PLATFORM) -> list[dict[str, Any]]:
    """Every status of a timeline page as an item, newest first (boosts as what they boost)."""
    payload = read_json(response)
    if not isinstance(payload, list):
        return []
    return [status_item(s, response.url, source) for s in payload if _is_status(s)]


def link_header(response: Response) -> dict[str, str] | None:
    """The Link header as {rel: URL}, or None when the response has none."""
    values = response.headers.getlist(b"Link")
    if not values:
        return None
    found: dict[str, str] = {}
    for value in values:
        for url, rel in _LINK.findall(value.decode("latin-1")):
            for name in rel.split():
                found.setdefault(name, response.urljoin(url))
    return found


def next_page_url(response: Response) -> str | None:
    """rel="next" of the Link header; without one, `max_id` of the last status; None at the end."""
    payload = read_json(response)
    if not isinstance(payload, list) or not payload:
        return None
    links = link_header(response)
    if links is not None:
        return links.get("next")
    last = payload[-1].get("id") if isinstance(payload[-1], dict) else None
    if not last:
        return None
    parts = urlsplit(response.url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for cursor in ("min_id", "since_id"):
        query.pop(cursor, None)
    query["max_id"] = str(last)
    return urlunsplit(parts._replace(query=urlencode(query)))


def status_item(status: dict[str, Any], page_url: str, source: str = PLATFORM) -> dict[str, Any]:
    """One Status as an item: its content, content warning and image descriptions as text."""
    boosted_by = None
    if _is_status(status.get("reblog")):
        booster = status.get("account") or {}
        boosted_by = {
            "acct": booster.get("acct"), "display_name": booster.get("display_name"),
            "account_url": booster.get("url"), "status_id": status.get("id"),
            "uri": status.get("uri"), "created_at": status.get("created_at"),
        }
        status = status["reblog"]
    account = status.get("account") or {}
    content = status.get("content") or ""
    spoiler = status.get("spoiler_text") or ""
    media = [
        {"id": m.get("id"), "type": m.get("type"), "url": m.get("url"),
         "description": m.get("description")}
        for m in status.get("media_attachments") or [] if isinstance(m, dict)
    ]
    body = [f"<p>{html.escape(spoiler)}</p>"] if spoiler else []
    body.append(content)
    body += [f"<p>{html.escape(m['description'])}</p>" for m in media if m["description"]]
    card = status.get("card") if isinstance(status.get("card"), dict) else None
    links = content_links(content)
    if card and card.get("url") and card["url"] not in links:
        links.append(card["url"])
    uri = status.get("uri") or status.get("url") or ""
    return {
        "platform": PLATFORM,
        "source": source,
        "url": status.get("url") or status.get("uri"),
        "key": canonical_key(uri),
        "title": None,
        "html": "".join(body),
        "links": links,
        "posted_at": status.get("created_at"),
        "author": account.get("acct"),
        "meta": {
            "status_id": status.get("id"),
            "uri": status.get("uri"),
            "account": {
                "id": account.get("id"), "acct": account.get("acct"),
                "username": account.get("username"),
                "display_name": account.get("display_name"), "url": account.get("url"),
                "bot": bool(account.get("bot")), "followers": account.get("followers_count"),
            },
            "display_name": account.get("display_name"),
            "spoiler_text": spoiler or None,
            "sensitive": bool(status.get("sensitive")),
            "visibility": status.get("visibility"),
            "language": status.get("language"),
            "in_reply_to_id": status.get("in_reply_to_id"),
            "replies_count": status.get("replies_count"),
            "reblogs_count": status.get("reblogs_count"),
            "favourites_count": status.get("favourites_count"),
            "edited_at": status.get("edited_at"),
            "tags": [t.get("name") for t in status.get("tags") or [] if isinstance(t, dict)],
            "mentions": [m.get("acct") for m in status.get("mentions") or []
                         if isinstance(m, dict)],
            "media": media,
            "card": {"url": card.get("url"), "title": card.get("title")} if card else None,
            "boosted_by": boosted_by,
            "page_url": page_url,
        },
    }


def content_links(content: str) -> list[str]:
    """Outbound hrefs of a status's HTML, in order, once each: not mentions, hashtags or
    javascript: links."""
    if not content:
        return []
    links: list[str] = []
    for anchor in Selector(text=f"<div>{content}</div>").css("a[href]"):
        classes = (anchor.attrib.get("class") or "").split()
        href = anchor.attrib["href"].strip()
        if "mention" in classes or anchor.attrib.get("rel") == "tag":
            continue
        if not href.lower().startswith(("http://", "https://", "mailto:")):
            continue
        if href not in links:
            links.append(href)
    return links


def timeline_time(item: dict[str, Any]) -> str | None:
    """Where an item stands in its timeline (UTC): a boost's own time, else the status's."""
    boost = item["meta"].get("boosted_by")
    return to_utc(boost["created_at"] if boost else item["posted_at"])


def _is_lookup(url: str) -> bool:
    return urlsplit(url).path.endswith("/api/v1/accounts/lookup")


def _is_status(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("id")) and "content" in value


class MastodonSpider(TimelineSpider):
    """The `mastodon` spider: one timeline, paged back with `max_id`."""

    name = "mastodon"
    platform = PLATFORM
    entry = "status"

    def __init__(self, start_url: str | None = None, instance: str | None = None,
                 hashtag: str | None = None, account: str | None = None,
                 max_pages: str | int = DEFAULT_MAX_PAGES, source: str | None = None,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(start_request_url(start_url, instance, hashtag, account), max_pages,
                         source, *args, **kwargs)

    def is_timeline(self, url: str) -> bool:
        return not _is_lookup(url)  # an account's timeline is marked once its id is known

    def item_time(self, item: dict[str, Any]) -> str | None:
        return timeline_time(item)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if _is_lookup(self.start_url):
            yield scrapy.Request(self.start_url, callback=self.parse_account, errback=self.failed)
        else:
            yield self.timeline_request(self.start_url)

    def parse_account(self, response: Response) -> Iterator[scrapy.Request]:
        account = read_json(response)
        if not isinstance(account, dict) or not account.get("id"):
            self.logger.warning("mastodon: %s is not an account; nothing read", response.url)
            return
        self.logger.info("mastodon: account %s is id %s", account.get("acct"), account["id"])
        timeline = account_timeline_url(instance_origin(response.url), str(account["id"]))
        self.mark = TimelineMark(getattr(self, "crawler", None), timeline)
        yield self.timeline_request(timeline)

    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        if not isinstance(read_json(response), list):
            self.logger.warning("mastodon: %s is not a timeline (HTTP %d); nothing read",
                                response.url, response.status)
            return
        yield from self.timeline_page(response, page, parse_statuses(response, self.source),
                                      next_page_url(response))

    def failed(self, failure: Any) -> None:
        response = getattr(failure.value, "response", None)
        why = failure.getErrorMessage()
        if response is not None:
            payload = read_json(response)
            error = payload.get("error") if isinstance(payload, dict) else None
            why = f"HTTP {response.status}" + (f" ({error})" if error else "")
        self.logger.warning("mastodon: could not read %s: %s", failure.request.url, why)
