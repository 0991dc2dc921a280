"""Turn what a spider saw into a document: plain text, UTC times, a stable id."""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree
from scrapy.crawler import Crawler

from lurewatch.document import canonical_key, document_id, new_document, now_utc, to_utc

# Elements after which a line ends when HTML becomes plain text.
_BLOCKS = frozenset((
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table td th tr ul"
).split())
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def clean_text(text: str | None) -> str:
    """Strip control characters and runs of spaces; keep line breaks (they carry meaning)."""
    if not text:
        return ""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment, with a line break for `<br>` and block elements."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(html)
    for bad in root.xpath("//script|//style|//template"):
        bad.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br" or element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    return clean_text(root.text_content())


def item_id(item: dict[str, Any]) -> str:
    """The document id an item will get: spiders ask the index about it before fetching more."""
    return document_id(item.get("platform") or "web",
                       item.get("key") or canonical_key(item.get("url") or ""))


def item_to_document(
    item: dict[str, Any], source: str, crawled_at: str | None = None,
) -> dict[str, Any]:
    """The document for one spider item (see spiders/ for the item's keys)."""
    platform = item.get("platform") or "web"
    url = item.get("url") or ""
    text = clean_text(item["text"]) if item.get("text") else html_to_text(item.get("html"))
    crawled_at = crawled_at or now_utc()
    meta = dict(item.get("meta") or {})
    if item.get("links"):
        meta["links"] = list(dict.fromkeys(item["links"]))
    title = clean_text(item.get("title")) or None
    return new_document(
        id=item_id(item), platform=platform, source=item.get("source") or source,
        url=url or None, title=title, text=text, posted_at=to_utc(item.get("posted_at")),
        crawled_at=crawled_at, first_seen=crawled_at, last_seen=crawled_at,
        author=clean_text(item.get("author")) or None, meta=meta,
    )


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.crawler.spider
        return item_to_document(dict(item), getattr(spider, "source", None) or spider.name)
