"""Evidence of what a page said when it was seen: every response goes into a WARC file.

`WarcRecorder` (a downloader middleware) writes a request and a response record for every
response, one WARC file per crawl under LUREWATCH_DATA/warc/, and announces each record with
the `evidence_recorded` signal; `EvidencePipeline` listens and points each document's
`evidence` at the record of the page it came from (`meta.page_url`, else its URL).

The recorder sits before decompression (its priority is above HttpCompressionMiddleware's),
so the record holds the body as it came over the wire; `sha256` is the SHA-256 of that body.
A page rendered in a browser (scrapy-playwright; the response is flagged "playwright") is
archived as the DOM after its scripts ran, since that is what the posts were read from; its
Content-Length is set to that body's length. What the page's scripts fetched themselves (the
JSON its posts came from) never passes through Scrapy: the spider hands each exchange to
`archive_browser_exchange` and it is archived in the same WARC.

A page the HTTP cache revalidated (spiders/httpcache.py) comes back from the server as a 304
with no body. That exchange is archived as a `revisit` record (WARC 1.1 profile
server-not-modified) whose WARC-Refers-To names the response record that holds the body, in
the crawl that first fetched it; the page's documents point at that original record, whose
body and `sha256` are the page's. The cache learns where each page was archived from the
request's meta (`lurewatch_record`) and keeps it with the page as the private
EVIDENCE_HEADER, which it strips before a spider sees the page.

Rendered pages also get a full-page screenshot: the spider hands the PNG to `save_screenshot`,
which writes it as LUREWATCH_DATA/screenshots/<crawl>/<sha256>.png and announces it with the
`screenshot_taken` signal, and `EvidencePipeline` puts its path in `evidence.screenshot` of
every document read from that page.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from lurewatch import config

logger = logging.getLogger(__name__)

# Custom signal: (url, evidence dict) for every response written to the WARC.
evidence_recorded = object()
# Custom signal: (url, path) for every screenshot saved of a rendered page.
screenshot_taken = object()
# Custom signal: (exchange) for a request a rendered page made itself (its script's fetches),
# which Scrapy never sees: the recorder archives it like any other response.
browser_exchange = object()

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The WARC 1.1 revisit profile for a 304 answer to a conditional request.
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Where a cached page was archived (JSON of `archived`'s keys), kept with the page in the HTTP
# cache only: never archived, never shown to a spider.
EVIDENCE_HEADER = b"X-Lurewatch-Archived-As"
# What a document's `evidence` takes from an archived page (CONTRACT.md), and what a revisit
# record needs besides: the original record's target URI and WARC-Date.
EVIDENCE_KEYS = ("warc", "record_id", "sha256")
ARCHIVED_KEYS = (*EVIDENCE_KEYS, "url", "date")

# Hop-by-hop headers describe the transfer, not the resource; the body is stored de-chunked.
_DROP = {b"transfer-encoding"}


def _headers(headers: Any) -> list[tuple[str, str]]:
    out = []
    for name, values in headers.items():
        if name.lower() in _DROP:
            continue
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return out


class WarcRecorder:
    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.crawler = crawler
        self.directory = directory
        self.path: Path | None = None
        self._file: Any = None
        self._writer: WARCWriter | None = None
        crawler.signals.connect(self.close, signal=signals.spider_closed)
        crawler.signals.connect(self._browser_exchange, signal=browser_exchange)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorder:
        return cls(crawler, config.data_dir() / crawler.settings.get("LUREWATCH_WARC_DIR"))

    def _open(self) -> WARCWriter:
        if self._writer is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = self.crawler.spider.name if self.crawler.spider else "crawl"
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            self.path = self.directory / f"{name}-{stamp}-{os.getpid()}.warc.gz"
            self._file = self.path.open("ab")
            self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
            info = self._writer.create_warcinfo_record(
                self.path.name, {"software": "lurewatch", "format": "WARC File Format 1.1"},
            )
            self._writer.write_record(info)
        return self._writer

    def process_response(self, request: Request, response: Response) -> Response:
        original = _revalidated(request, response)
        if original is not None:  # 304: the body is in the record the cached page came from
            self.write_revisit(request, response, original)
            archived, url = original, original["url"]
        else:
            archived, url = self._archive(request, response), response.url
        request.meta["lurewatch_record"] = archived  # for the HTTP cache to keep with the page
        self.crawler.signals.send_catch_log(evidence_recorded, url=url,
                                            evidence=document_evidence(archived))
        return response

    def _archive(self, request: Request, response: Response) -> dict[str, str]:
        headers = _headers(response.headers)
        if "playwright" in response.flags:  # the rendered DOM, not the bytes first served
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(response.body))))
        return self.write_exchange(
            request.method, request.url, _headers(request.headers), request.body or b"",
            response.url, response.status, headers, response.body,
        )

    def write_exchange(
        self, method: str, request_url: str, request_headers: list[tuple[str, str]],
        request_body: bytes, url: str, status: int, headers: list[tuple[str, str]], body: bytes,
    ) -> dict[str, str]:
        """Write a response record and its request record; where they are (ARCHIVED_KEYS)."""
        writer = self._open()
        record = _response_record(writer, url, status, headers, body)
        _write_with_request(writer, record, method, request_url, request_headers, request_body)
        self._file.flush()
        warc_headers = record.rec_headers
        return {"warc": str(self.path), "record_id": warc_headers.get_header("WARC-Record-ID"),
                "sha256": hashlib.sha256(body).hexdigest(), "url": url,
                "date": warc_headers.get_header("WARC-Date")}

    def write_revisit(self, request: Request, response: Response,
                      original: dict[str, str]) -> str:
        """Archive a 304 as a revisit record pointing at the response record with the body."""
        writer = self._open()
        http_headers = StatusAndHeaders(f"{response.status} {_reason(response.status)}",
                                        _headers(response.headers), protocol="HTTP/1.1")
        record = writer.create_warc_record(
            response.url, "revisit", http_headers=http_headers, warc_headers_dict={
                "WARC-Profile": SERVER_NOT_MODIFIED,
                "WARC-Refers-To": original["record_id"],
                "WARC-Refers-To-Target-URI": original["url"],
                "WARC-Refers-To-Date": original["date"],
            })
        _write_with_request(writer, record, request.method, request.url,
                            _headers(request.headers), request.body or b"")
        self._file.flush()
        self.crawler.stats.inc_value("lurewatch/warc_revisits")
        return record.rec_headers.get_header("WARC-Record-ID")

    def _browser_exchange(self, exchange: dict[str, Any]) -> None:
        """The browser hands bodies over decoded: the headers must not claim otherwise."""
        body = exchange["body"]
        headers = [(k, v) for k, v in exchange["headers"]
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        self.write_exchange(**{**exchange, "headers": [*headers,
                                                       ("Content-Length", str(len(body)))]})

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = self._writer = None


def write_records(
    writer: WARCWriter, method: str, request_url: str, request_headers: list[tuple[str, str]],
    request_body: bytes, url: str, status: int, headers: list[tuple[str, str]], body: bytes,
    reason: str | None = None,
) -> str:
    """Write one exchange as WARC records: the response, then its request (linked by
    WARC-Concurrent-To); return the response's WARC-Record-ID. The crawl's recorder and the
    takedown removal checks both archive through here."""
    record = _response_record(writer, url, status, headers, body, reason)
    _write_with_request(writer, record, method, request_url, request_headers, request_body)
    return record.rec_headers.get_header("WARC-Record-ID")


def _response_record(writer: WARCWriter, url: str, status: int,
                     headers: list[tuple[str, str]], body: bytes,
                     reason: str | None = None) -> ArcWarcRecord:
    http_headers = StatusAndHeaders(f"{status} {reason or _reason(status)}", headers,
                                    protocol="HTTP/1.1")
    return writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http_headers,
    )


def _write_with_request(writer: WARCWriter, record: ArcWarcRecord, method: str,
                        request_url: str, request_headers: list[tuple[str, str]],
                        request_body: bytes) -> None:
    """Write `record` (a response or revisit), then the request it answered."""
    req_headers = StatusAndHeaders(
        f"{method} {_path(request_url)} HTTP/1.1", request_headers, is_http_request=True,
    )
    req_record = writer.create_warc_record(
        request_url, "request", payload=io.BytesIO(request_body), length=len(request_body),
        http_headers=req_headers,
    )
    req_record.rec_headers.add_header("WARC-Concurrent-To",
                                      record.rec_headers.get_header("WARC-Record-ID"))
    writer.write_record(record)
    writer.write_record(req_record)


def document_evidence(archived: dict[str, str]) -> dict[str, str]:
    """The part of an archived page's location that a document's `evidence` holds."""
    return {key: archived[key] for key in EVIDENCE_KEYS}


def stamp_evidence(response: Response, archived: dict[str, str]) -> None:
    """Note on a response (about to be cached) where it was archived."""
    value = json.dumps({key: archived[key] for key in ARCHIVED_KEYS}, ensure_ascii=True)
    response.headers[EVIDENCE_HEADER] = value.encode("ascii")


def stamped_evidence(response: Response | None) -> dict[str, str] | None:
    """Where a cached response was archived (ARCHIVED_KEYS), or None if it does not say."""
    raw = response.headers.get(EVIDENCE_HEADER) if response is not None else None
    try:
        found = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(found, dict) or not all(isinstance(found.get(k), str)
                                              for k in ARCHIVED_KEYS):
        return None
    return {key: found[key] for key in ARCHIVED_KEYS}


def _revalidated(request: Request, response: Response) -> dict[str, str] | None:
    """Where the cached page was archived, when this response is a 304 that confirms it."""
    if response.status != 304:
        return None
    return stamped_evidence(request.meta.get("cached_response"))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def crawl_name(crawler: Crawler) -> str:
    """SPIDER-STARTTIME-PID: one folder of screenshots per crawl, named like its WARC file."""
    name = crawler.spider.name if crawler.spider else "crawl"
    started = crawler.stats.get_value("start_time") if crawler.stats else None
    stamp = started.strftime("%Y%m%dT%H%M%SZ") if started else time.strftime(
        "%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{name}-{stamp}-{os.getpid()}"


def save_screenshot(crawler: Crawler, url: str, png: bytes) -> Path:
    """Write a rendered page's screenshot, named by its SHA-256, and announce it for `url`."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError(f"the screenshot of {url} is not a PNG image")
    directory = (config.data_dir() / crawler.settings.get("LUREWATCH_SCREENSHOT_DIR")
                 / crawl_name(crawler))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{hashlib.sha256(png).hexdigest()}.png"
    path.write_bytes(png)
    crawler.signals.send_catch_log(screenshot_taken, url=url, path=str(path))
    return path


def archive_browser_exchange(crawler: Crawler, exchange: dict[str, Any]) -> None:
    """Archive a request a page made in the browser and its response (keys: those of
    `WarcRecorder.write_exchange`); nothing happens when no recorder is enabled."""
    crawler.signals.send_catch_log(browser_exchange, exchange=exchange)


class EvidencePipeline:
    """Point each document at the archived response of the page it was read from, and at
    that page's screenshot when it was rendered."""

    def __init__(self, crawler: Crawler) -> None:
        self.by_url: dict[str, dict[str, str]] = {}
        self.screenshots: dict[str, str] = {}
        crawler.signals.connect(self._recorded, signal=evidence_recorded)
        crawler.signals.connect(self._screenshot, signal=screenshot_taken)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidencePipeline:
        return cls(crawler)

    def _recorded(self, url: str, evidence: dict[str, str]) -> None:
        self.by_url[url] = evidence

    def _screenshot(self, url: str, path: str) -> None:
        self.screenshots[url] = path

    def process_item(self, doc: dict[str, Any]) -> dict[str, Any]:
        page = (doc.get("meta") or {}).get("page_url") or doc.get("url")
        found = self.by_url.get(page or "")
        if found:
            doc["evidence"] = {**doc["evidence"], **found}
        else:
            logger.warning("no archived response for %s (page %s)", doc.get("url"), page)
        if page in self.screenshots:
            doc["evidence"] = {**doc["evidence"], "screenshot": self.screenshots[page]}
        return doc


def read_record(warc: str | Path, record_id: str) -> tuple[str, bytes]:
    """The HTTP head (status line and headers) and the body of one archived response."""
    with Path(warc).open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                head = record.http_headers.to_str() if record.http_headers else ""
                return head, record.content_stream().read()
    raise KeyError(f"record {record_id} is not in {warc}")
