"""Reads a Telegram channel through its public web preview (t.me/s/NAME), newest page first.

Arguments (strings, `scrapy crawl telegram -a NAME=VALUE`):
  channel    a channel name ("kh_jobs_2026", "@kh_jobs_2026") or the URL of its preview on any
             host and port ("https://t.me/s/NAME", "http://127.0.0.1:8000/s/NAME"); a landing
             URL such as "https://t.me/NAME" is turned into its preview URL
  base_url   where a bare name is looked up (default "https://t.me")
  max_pages  how many preview pages (20 posts each) to read, newest first (default 10)
  source     the `source` written into each item (default: the spider's name)

A channel without a public preview (t.me redirects /s/NAME to /NAME) ends the crawl with a
WARNING and no items. The parsing is plain functions of a response so that tests can run them
on saved pages without a crawl.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from pipelines.normalize import item_id
from spiders.incremental import SeenPosts

DEFAULT_BASE_URL = "https://t.me"
DEFAULT_MAX_PAGES = 10
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_BACKGROUND_URL = re.compile(r"background-image:\s*url\(['\"]?([^'\")]+)['\"]?\)")
_COUNT = re.compile(r"([\d.,]+)\s*([KMB]?)", re.I)
_MEDIA_KINDS = (  # selector -> kind, for media the preview only names
    (".tgme_widget_message_document", "document"),
    (".tgme_widget_message_sticker_wrap", "sticker"),
    (".tgme_widget_message_voice", "voice"),
    (".tgme_widget_message_roundvideo_player", "round_video"),
    (".tgme_widget_message_location_wrap", "location"),
)


# Widgets of a message bubble this spider reads or knows to carry nothing; anything else named
# tgme_widget_message_* is markup t.me added since, logged so that the parser can be extended.
KNOWN_WIDGETS = frozenset(
    "tgme_widget_message_" + name for name in (
        "author author_name bubble_tail footer forwarded_from forwarded_from_name grouped "
        "grouped_wrap grouped_layer info link_preview owner_name photo photo_wrap poll "
        "poll_options poll_option poll_question poll_type reactions reply text video_player "
        "video_thumb video_wrap video document_wrap document sticker_wrap sticker voice "
        "roundvideo_player location_wrap location views meta from_author date service_date "
        "contact_wrap contact game invoice"
    ).split()
)


def channel_preview_url(channel: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The /s/ preview URL for a channel name or URL; ValueError when it is neither."""
    value = channel.strip()
    if re.match(r"(?:t\.me|telegram\.me)/", value, re.I):
        value = "https://" + value
    if re.match(r"https?://", value, re.I):
        parts = urlsplit(value)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 2 and segments[0] == "s":
            return value
        if len(segments) == 1:
            return f"{parts.scheme}://{parts.netloc}/s/{segments[0]}"
        raise ValueError(f"not a Telegram channel URL: {channel!r}")
    name = value.lstrip("@")
    if not _USERNAME.fullmatch(name):
        raise ValueError(f"not a Telegram channel name or URL: {channel!r}")
    return f"{base_url.rstrip('/')}/s/{name}"


def has_preview(response: Response) -> bool:
    """True for a channel preview page; t.me answers others with a landing page (no history)."""
    return isinstance(response, TextResponse) and bool(
        response.css("section.tgme_channel_history")
    )


def parse_count(text: str | None) -> int | None:
    """'1.2K' -> 1200, '8.67M' -> 8670000, '12 437' -> 12437; None when there is no number."""
    if not text:
        return None
    match = _COUNT.search(text.replace("\xa0", "").replace(" ", ""))
    if not match:
        return None
    number = float(match.group(1).replace(",", ""))
    scale = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}[match.group(2).upper()]
    return round(number * scale)


def node_text(sel: Selector | None) -> str:
    """The element's text with <br> as a line break (emoji images keep their character)."""
    if sel is None:
        return ""
    parts = []
    for node in sel.xpath(".//text() | .//br"):
        root = node.root
        parts.append("\n" if getattr(root, "tag", None) == "br" else str(root))
    return "".join(parts).strip()


def inner_html(sel: Selector | None) -> str:
    """The element's content as HTML; text nodes re-escaped (parsel hands them back decoded,
    and scraped text must not turn into markup)."""
    if sel is None:
        return ""
    parts = []
    for node in sel.xpath("node()"):
        root = node.root
        parts.append(html.escape(root, quote=False) if isinstance(root, str) else node.get())
    return "".join(parts).strip()


def parse_channel_info(response: Response) -> dict[str, Any]:
    """Title, username, description and counters from the preview's channel header."""
    info = response.css(".tgme_channel_info")
    counters = {}
    for counter in info.css(".tgme_channel_info_counter"):
        kind = (counter.css(".counter_type::text").get() or "").strip()
        if kind:
            counters[kind] = (counter.css(".counter_value::text").get() or "").strip()
    title = node_text(_first(info.css(".tgme_channel_info_header_title")))
    username = (info.css(".tgme_channel_info_header_username a::text").get() or "").strip()
    return {
        "title": title or response.css('meta[property="og:title"]::attr(content)').get(),
        "username": username.lstrip("@") or None,
        "subscribers": counters.get("subscribers"),
        "subscribers_count": parse_count(counters.get("subscribers")),
        "description": node_text(_first(info.css(".tgme_channel_info_description"))) or None,
        "counters": counters,
    }


def parse_posts(response: Response, source: str = "telegram") -> list[dict[str, Any]]:
    """Every post on a preview page as an item (items.md), newest first."""
    if not has_preview(response):
        return []
    channel = parse_channel_info(response)
    items = [
        _post_item(response, message, channel, source)
        for message in response.css("div.tgme_widget_message[data-post]")
    ]
    items.reverse()
    return items


def unknown_widgets(message: Selector) -> list[str]:
    """Classes tgme_widget_message_* in a message's bubble that this parser does not know."""
    found: list[str] = []
    for element in message.css(".tgme_widget_message_bubble > *, "
                               ".tgme_widget_message_bubble > * > *"):
        for name in (element.attrib.get("class") or "").split():
            if (name.startswith("tgme_widget_message_") and name not in KNOWN_WIDGETS
                    and name not in found):
                found.append(name)
    return found


def older_page_url(response: Response) -> str | None:
    """The next page back in time, or None at the oldest page (or a cursor that goes nowhere)."""
    more = _first(response.css("a.tme_messages_more[data-before]"))
    href = more.attrib.get("href") if more is not None else None
    before = more.attrib.get("data-before", "") if more is not None else ""
    if not before:
        href = response.css('link[rel="prev"]::attr(href)').get()
        before = (parse_qs(urlsplit(href or "").query).get("before") or [""])[0]
    if not before.isdigit():
        return None
    ids = [_post_id(k) for k in response.css("div.tgme_widget_message::attr(data-post)").getall()]
    known = [i for i in ids if i is not None]
    if known and int(before) > min(known):  # a cursor must lead to older posts
        return None
    return response.urljoin(href or f"?before={before}")


def _first(selection: Any) -> Selector | None:
    return selection[0] if selection else None


def _post_id(key: str | None) -> int | None:
    tail = (key or "").rpartition("/")[2]
    return int(tail) if tail.isdigit() else None


def _key_from_url(url: str | None) -> str | None:
    """'https://t.me/chan/57' -> 'chan/57' (the data-post form), else None."""
    segments = [s for s in urlsplit(url or "").path.split("/") if s]
    if len(segments) >= 2 and segments[-1].isdigit():
        return f"{segments[-2]}/{segments[-1]}"
    return None


def _message_text(message: Selector) -> Selector | None:
    """The post's own text element: not the quoted reply, and unwrapped when t.me nests it."""
    text = _first(message.css(".js-message_text"))
    while text is not None:
        children = text.xpath("./*")
        loose = "".join(text.xpath("./text()").getall()).strip()
        if len(children) == 1 and not loose and "js-message_text" in (
            children[0].attrib.get("class", "").split()
        ):
            text = children[0]
        else:
            break
    return text


def _links(response: Response, text: Selector | None) -> tuple[list[str], list[str]]:
    """Absolute hrefs in the body, and the hashtags (links to the channel's own search)."""
    links: list[str] = []
    hashtags: list[str] = []
    if text is None:
        return links, hashtags
    for anchor in text.css("a[href]"):
        href = anchor.attrib["href"].strip()
        if href.startswith("?q="):
            hashtags.append(node_text(anchor))
            continue
        absolute = response.urljoin(href)
        if absolute not in links:
            links.append(absolute)
    return links, hashtags


def _media(response: Response, message: Selector) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = []
    for photo in message.css("a.tgme_widget_message_photo_wrap"):
        found = _BACKGROUND_URL.search(photo.attrib.get("style", ""))
        media.append({
            "kind": "photo",
            "url": response.urljoin(found.group(1)) if found else None,
            "link": photo.attrib.get("href"),
        })
    for video in message.css(".tgme_widget_message_video_player"):
        found = _BACKGROUND_URL.search(
            video.css(".tgme_widget_message_video_thumb::attr(style)").get() or ""
        )
        media.append({
            "kind": "video",
            "duration": (video.css(".message_video_duration::text").get() or "").strip() or None,
            "thumb": response.urljoin(found.group(1)) if found else None,
        })
    for selector, kind in _MEDIA_KINDS:
        for element in message.css(selector):
            media.append({"kind": kind, "title": node_text(element) or None})
    unsupported = message.xpath(
        "./div[contains(@class, 'tgme_widget_message_bubble')]"
        "/div[contains(concat(' ', @class, ' '), ' message_media_not_supported_wrap ')]"
    )
    if unsupported:
        media.append({"kind": "unsupported",
                      "label": node_text(unsupported[0].css(".message_media_not_supported_label"))})
    return media


def _poll(message: Selector) -> dict[str, Any] | None:
    poll = _first(message.css(".tgme_widget_message_poll"))
    if poll is None:
        return None
    return {
        "question": node_text(_first(poll.css(".tgme_widget_message_poll_question"))),
        "type": node_text(_first(poll.css(".tgme_widget_message_poll_type"))) or None,
        "options": [
            {
                "text": node_text(_first(o.css(".tgme_widget_message_poll_option_text"))),
                "percent": (o.css(".tgme_widget_message_poll_option_percent::text").get()
                            or "").strip() or None,
            }
            for o in poll.css(".tgme_widget_message_poll_option")
        ],
    }


def _reactions(message: Selector) -> list[dict[str, Any]]:
    reactions = []
    for reaction in message.css(".tgme_reaction"):
        if "tgme_reaction_paid" in reaction.attrib.get("class", "").split():
            emoji = "paid_star"
        else:
            emoji = reaction.css("i.emoji b::text").get() or ""
            custom = reaction.css("tg-emoji::attr(emoji-id)").get()
            if not emoji and custom:
                emoji = f"custom:{custom}"
        count = "".join(reaction.xpath("./text()").getall()).strip()
        reactions.append({"emoji": emoji or None, "count": count,
                          "count_value": parse_count(count)})
    return reactions


def _data_view(value: str | None) -> dict[str, Any] | None:
    """data-view is base64url JSON without padding: channel id, post id, render time."""
    if not value:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, TypeError):
        return None
    return decoded if isinstance(decoded, dict) else None


def _post_item(response: Response, message: Selector, channel: dict[str, Any],
               source: str) -> dict[str, Any]:
    key = message.attrib["data-post"]
    date = _first(message.css("a.tgme_widget_message_date"))
    href = date.attrib.get("href") if date is not None else None
    text = _message_text(message)
    links, hashtags = _links(response, text)
    signature = node_text(_first(message.css(".tgme_widget_message_from_author"))) or None
    owner = node_text(_first(message.css(".tgme_widget_message_owner_name"))) or None
    views = (message.css(".tgme_widget_message_views::text").get() or "").strip() or None
    meta_text = " ".join(message.css(".tgme_widget_message_meta").xpath("./text()").getall())

    forwarded = None
    source_el = _first(message.css(".tgme_widget_message_forwarded_from_name"))
    if source_el is not None:
        url = source_el.attrib.get("href")
        forwarded = {"name": node_text(source_el), "url": url, "key": _key_from_url(url)}
    reply = None
    reply_el = _first(message.css("a.tgme_widget_message_reply"))
    if reply_el is not None:
        url = reply_el.attrib.get("href")
        reply = {
            "url": url, "key": _key_from_url(url),
            "author": node_text(_first(reply_el.css(".tgme_widget_message_author_name"))) or None,
            "text": node_text(_first(reply_el.css(".js-message_reply_text"))) or None,
        }
    preview = None
    preview_el = _first(message.css("a.tgme_widget_message_link_preview"))
    if preview_el is not None:
        preview = {
            "url": preview_el.attrib.get("href"),
            **{name: node_text(_first(preview_el.css(f".link_preview_{name}"))) or None
               for name in ("site_name", "title", "description")},
        }

    poll = _poll(message)
    body = inner_html(text)
    if poll:  # a poll's question and options are what the post says: keep them searchable
        lines = [poll["question"], *(o["text"] for o in poll["options"] if o["text"])]
        body += "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    return {
        "platform": "telegram",
        "source": source,
        "url": response.urljoin(href) if href else f"{DEFAULT_BASE_URL}/{key}",
        "key": key,
        "title": None,
        "html": body,
        "links": links,
        "posted_at": date.css("time::attr(datetime)").get() if date is not None else None,
        "author": signature or owner,
        "meta": {
            "channel": key.rpartition("/")[0],
            "post_id": _post_id(key),
            "channel_title": channel["title"],
            "channel_username": channel["username"],
            "channel_subscribers": channel["subscribers"],
            "channel_subscribers_count": channel["subscribers_count"],
            "channel_description": channel["description"],
            "page_url": response.url,
            "owner_name": owner,
            "signature": signature,
            "views": views,
            "views_count": parse_count(views),
            "edited": "edited" in meta_text,
            "forwarded_from": forwarded,
            "reply_to": reply,
            "media": _media(response, message),
            "poll": poll,
            "link_preview": preview,
            "reactions": _reactions(message),
            "hashtags": hashtags,
            "view": _data_view(message.attrib.get("data-view")),
        },
    }


class TelegramSpider(scrapy.Spider):
    """The `telegram` spider: wires requests to the parsing functions above.

    Arguments: channel (name or preview URL on any host), base_url (for a bare name,
    default https://t.me), max_pages (default 10), source (default "telegram").
    """

    name = "telegram"

    def __init__(self, channel: str | None = None, max_pages: str | int = DEFAULT_MAX_PAGES,
                 base_url: str = DEFAULT_BASE_URL, source: str | None = None,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not channel:
            raise ValueError("the telegram spider needs -a channel=NAME or -a channel=URL")
        self.channel = channel
        self.start_url = channel_preview_url(channel, base_url)
        self.max_pages = int(max_pages)
        if self.max_pages < 1:
            raise ValueError(f"max_pages must be 1 or more, not {max_pages!r}")
        self.source = source or self.name
        self._seen: set[str] = set()
        self.indexed: SeenPosts | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> TelegramSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.indexed = SeenPosts.from_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse, errback=self.failed,
                             cb_kwargs={"page": 1})

    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        if not has_preview(response):
            redirects = response.meta.get("redirect_urls") or []
            how = f"redirected to {response.url}" if redirects else f"HTTP {response.status}"
            self.logger.warning(
                "telegram: channel %r has no public web preview (%s %s); no posts read",
                self.channel, redirects[0] if redirects else response.url, how,
            )
            return
        items = parse_posts(response, self.source)
        strange = {m.attrib.get("data-post"): unknown_widgets(m)
                   for m in response.css("div.tgme_widget_message[data-post]")}
        strange = {key: names for key, names in strange.items() if names}
        if strange:
            self.logger.warning(
                "telegram: markup not understood on %s (%s); the rest of each post is read",
                response.url, "; ".join(f"{k}: {', '.join(v)}" for k, v in strange.items()))
        # The older page first: Scrapy fetches it while this page's posts go through the pipeline.
        older = older_page_url(response)
        known = self.indexed.seen(item_id(i) for i in items) if self.indexed and items else {}
        if older and items and len(known) == len({item_id(i) for i in items}):
            self.logger.info("telegram: every post on %s is indexed already; not paging "
                             "further back (incremental)", response.url)
            self.crawler.stats.inc_value("lurewatch/incremental_stops")
        elif older and page < self.max_pages:
            yield scrapy.Request(older, callback=self.parse, errback=self.failed,
                                 cb_kwargs={"page": page + 1})
        elif older:
            self.logger.info("telegram: stopped after max_pages=%d at %s", self.max_pages,
                             response.url)
        for item in items:
            if item["key"] not in self._seen:  # pages shift while new posts arrive
                self._seen.add(item["key"])
                yield item

    def failed(self, failure: Any) -> None:
        """A page that could not be read ends the crawl here with one clear line, not a trace."""
        if failure.check(HttpError) and failure.value.response.status in (404, 410):
            self.logger.warning(
                "telegram: channel %r does not exist any more (HTTP %d at %s); no posts read",
                self.channel, failure.value.response.status, failure.request.url)
            return
        self.logger.warning("telegram: could not read %s: %s", failure.request.url,
                            failure.getErrorMessage())
