"""What the index already holds, so that a re-crawl fetches only what is new.

Spiders ask `SeenPosts.from_crawler(crawler).seen(ids)` with the document ids (lurewatch.document
.document_id) of the posts a page lists: a stream that runs newest first stops paging at the first
page whose posts are all known; a board skips job pages it already holds. `-s
LUREWATCH_INCREMENTAL=False` crawls everything again. An index that cannot be reached makes every
post look new: the crawl fetches more, never less.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler

from index import IndexError, open_index
from lurewatch import config
from lurewatch.document import canonical_key, now_utc

logger = logging.getLogger(__name__)


class SeenPosts:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._index: Any = None
        self._failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenPosts:
        seen = cls(crawler.settings.getbool("LUREWATCH_INCREMENTAL"))
        crawler.signals.connect(seen.close, signal=signals.spider_closed)
        return seen

    def seen(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """`first_seen`/`last_seen` of those of `doc_ids` already indexed ({} when disabled)."""
        ids = [i for i in doc_ids if i]
        if not self.enabled or self._failed or not ids:
            return {}
        try:
            if self._index is None:
                self._index = open_index()
            return self._index.known(ids)
        except IndexError as exc:
            self._failed = True
            logger.warning("incremental crawl off: the index cannot be read (%s)", exc)
            return {}

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None


class PageState:
    """What each page was when it was last fetched: the document it gave and the date the
    listing, sitemap or feed showed for it then. Kept per canonical URL (lurewatch.document
    .canonical_key: the same board on another port is the same board) in one SQLite file under
    LUREWATCH_DATA, shared by every crawl; written as pages are read, so a killed crawl keeps it.

    A page may be skipped when `state.known(url)` names a document that SeenPosts finds in the
    index and the date now shown is not newer than the one stored.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageState:
        directory = config.data_dir() / crawler.settings.get("LUREWATCH_STATE_DIR", "state")
        state = cls(directory / "pages.sqlite3")
        crawler.signals.connect(state.close, signal=signals.spider_closed)
        return state

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # Each put is its own transaction, so a killed crawl keeps what it read; in WAL
            # mode NORMAL still survives the process being killed, and saves an fsync per
            # page (FULL cost ~6 ms a page, a sixth of a crawl's time on the fixture sites).
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, doc_id TEXT NOT NULL, "
                "listed_at TEXT, fetched_at TEXT NOT NULL)"
            )
        return self._db

    def get(self, urls: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """{url: (doc_id, date listed when fetched)} for those of `urls` fetched before."""
        wanted = {canonical_key(url): url for url in urls}
        if not wanted:
            return {}
        keys = list(wanted)
        found: dict[str, tuple[str, str | None]] = {}
        db = self._connect()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = db.execute(
                f"SELECT key, doc_id, listed_at FROM pages WHERE key IN "
                f"({','.join('?' * len(chunk))})", chunk,
            )
            for key, doc_id, listed_at in rows:
                found[wanted[key]] = (doc_id, listed_at)
        return found

    def put(self, url: str, doc_id: str, listed_at: str | None) -> None:
        """Record that `url` gave document `doc_id` while listed with date `listed_at`."""
        self._connect().execute(
            "INSERT OR REPLACE INTO pages (key, doc_id, listed_at, fetched_at) VALUES (?,?,?,?)",
            (canonical_key(url), doc_id, listed_at, now_utc()),
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class TimelineMark:
    """Where a newest-first listing stood when it was last read to its end: its newest post
    (document id and time), kept in PageState under the listing's URL. A re-crawl pages back
    until it meets that post, and no further: posts that other sources indexed (a hashtag and
    an account timeline overlap) do not stop a listing read for the first time, and a listing
    read once is never read to its end again. Kept by spiders/timeline.py's TimelineSpider
    (the Reddit and Mastodon spiders).
    """

    def __init__(self, crawler: Crawler | None, listing_url: str) -> None:
        self.url = listing_url
        self.enabled = crawler is not None and crawler.settings.getbool("LUREWATCH_INCREMENTAL")
        self.state = PageState.from_crawler(crawler) if crawler is not None else None
        self.previous: tuple[str, str] | None = None
        self.newest: tuple[str, str] | None = None
        if self.enabled and self.state is not None:
            try:
                found = self.state.get([listing_url]).get(listing_url)
            except sqlite3.Error as exc:
                logger.warning("no crawl state for %s (%s)", listing_url,
                                                    exc)
                found = None
            if found and found[1]:
                self.previous = (found[0], found[1])

    def note(self, doc_id: str, moment: str | None) -> None:
        """Remember the first post seen (the listing's newest) as the next crawl's mark."""
        if self.newest is None and moment:
            self.newest = (doc_id, moment)

    def reached(self, doc_id: str, moment: str | None) -> bool:
        """True for the post the last crawl started from, or one older than it."""
        if self.previous is None:
            return False
        return doc_id == self.previous[0] or bool(moment and moment < self.previous[1])

    def save(self) -> None:
        """Record the mark: called when the listing was read to its end, its mark or max_pages
        (never after a failed page, so that a broken crawl is read again)."""
        if self.state is None or self.newest is None:
            return
        try:
            self.state.put(self.url, *self.newest)
        except sqlite3.Error as exc:
            logger.warning("could not keep crawl state for %s (%s)",
                                                self.url, exc)

    def page_back(self, spider: Any, response: Any, older: str | None, page: int,
                  reached: bool, what: str) -> Iterator[Request]:
        """The request for a timeline's older page, unless this page reaches the last crawl's
        mark or the spider's max_pages; when the listing ends here, its mark is saved."""
        if reached:
            spider.logger.info("%s: %s reaches the newest %s of the last crawl; older pages are "
                               "not read again", spider.name, response.url, what)
        elif older and page < spider.max_pages:
            yield Request(older, callback=spider.parse, errback=spider.failed,
                          cb_kwargs={"page": page + 1})
            return
        elif older:
            spider.logger.info("%s: stopped after max_pages=%d at %s", spider.name,
                               spider.max_pages, response.url)
        self.save()
