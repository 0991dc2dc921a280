"""The base of the spiders that read one newest-first timeline through a JSON API.

Reddit's listings and Mastodon's timelines are read the same way: page back from the newest
post, yield each post once and only when the index does not hold it yet (SeenPosts), and stop
paging at the newest post of the timeline's last complete crawl or at `max_pages`
(TimelineMark). `TimelineSpider` keeps that state and that filter, so that both spiders
re-crawl alike; each spider only says how to read its pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from lurewatch.document import document_id, to_utc
from spiders.incremental import SeenPosts, TimelineMark

DEFAULT_MAX_PAGES = 10


class TimelineSpider(scrapy.Spider):
    """One timeline from `start_url`, newest first, at most `max_pages` pages.

    Subclasses set `name` and `platform`, implement `parse` (read a page, then hand its items
    and the older page's URL to `timeline_page`) and `failed`, and may override `is_timeline`
    and `item_time`. Without a crawler (a spider built by hand) nothing is incremental.
    """

    platform: str
    entry = "post"  # what the log calls one item of the timeline

    def __init__(self, start_url: str, max_pages: str | int = DEFAULT_MAX_PAGES,
                 source: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_url = start_url
        self.max_pages = int(max_pages)
        if self.max_pages < 1:
            raise ValueError(f"max_pages must be 1 or more, not {max_pages!r}")
        self.source = source or self.name
        self.known = SeenPosts(enabled=False)
        self.mark = TimelineMark(None, self.start_url)
        self._yielded: set[str] = set()  # keys yielded by this crawl (timelines overlap pages)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> TimelineSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.known = SeenPosts.from_crawler(crawler)
        if spider.is_timeline(spider.start_url):
            spider.mark = TimelineMark(crawler, spider.start_url)
        return spider

    def is_timeline(self, url: str) -> bool:
        """True when `url` lists posts newest first, so that the last crawl's mark applies."""
        return True

    def item_time(self, item: dict[str, Any]) -> str | None:
        """Where an item stands in its timeline (UTC ISO 8601), compared with the mark's."""
        return to_utc(item["posted_at"])

    def timeline_request(self, url: str) -> scrapy.Request:
        """The request for a timeline's first page."""
        return scrapy.Request(url, callback=self.parse, errback=self.failed,
                              cb_kwargs={"page": 1})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.timeline_request(self.start_url)

    def timeline_page(self, response: Response, page: int, items: list[dict[str, Any]],
                      older: str | None) -> Iterator[Any]:
        """The page's items not yielded yet and not indexed yet, then the request for the older
        page `older` unless this page reaches the last crawl's mark or max_pages."""
        ids = [document_id(self.platform, item["key"]) for item in items]
        known = self.known.seen(ids)
        reached = False
        for doc_id, item in zip(ids, items, strict=True):
            moment = self.item_time(item)
            self.mark.note(doc_id, moment)
            reached = reached or self.mark.reached(doc_id, moment)
            if item["key"] in self._yielded or doc_id in known:
                continue
            self._yielded.add(item["key"])
            yield item
        yield from self.mark.page_back(self, response, older, page, reached, self.entry)

    def failed(self, failure: Any) -> None:
        """Log a page that could not be read (each spider says why in its own words)."""
        raise NotImplementedError
