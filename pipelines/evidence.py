"""Evidence of what a page said when it was seen: every response goes into a WARC file.

`WarcRecorder` (a downloader middleware) writes a request and a response record for every
response, one WARC file per crawl under LUREWATCH_DATA/warc/, and announces each record with
the `evidence_recorded` signal; `EvidencePipeline` listens and points each document's
`evidence` at the record of the page it came from (`meta.page_url`, else its URL).

The recorder sits before decompression (its priority is above HttpCompressionMiddleware's),
so the record holds the body as it came over the wire; `sha256` is the SHA-256 of that body.
"""

from __future__ import annotations

import hashlib
import io
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
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from lurewatch import config

logger = logging.getLogger(__name__)

# Custom signal: (url, evidence dict) for every response written to the WARC.
evidence_recorded = object()

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
            self._writer = WARCWriter(self._file, gzip=True)
            info = self._writer.create_warcinfo_record(
                self.path.name, {"software": "lurewatch", "format": "WARC File Format 1.1"},
            )
            self._writer.write_record(info)
        return self._writer

    def process_response(self, request: Request, response: Response) -> Response:
        writer = self._open()
        body = response.body
        digest = hashlib.sha256(body).hexdigest()
        status = f"{response.status} {_reason(response.status)}"
        http_headers = StatusAndHeaders(status, _headers(response.headers), protocol="HTTP/1.1")
        record = writer.create_warc_record(
            response.url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=http_headers,
        )
        req_headers = StatusAndHeaders(
            f"{request.method} {_path(request.url)} HTTP/1.1", _headers(request.headers),
            is_http_request=True,
        )
        req_record = writer.create_warc_record(
            request.url, "request", payload=io.BytesIO(request.body or b""),
            length=len(request.body or b""), http_headers=req_headers,
        )
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        req_record.rec_headers.add_header("WARC-Concurrent-To", record_id)
        writer.write_record(record)
        writer.write_record(req_record)
        self._file.flush()
        evidence = {"warc": str(self.path), "record_id": record_id, "sha256": digest}
        self.crawler.signals.send_catch_log(evidence_recorded, url=response.url,
                                            evidence=evidence)
        return response

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = self._writer = None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class EvidencePipeline:
    """Point each document at the archived response of the page it was read from."""

    def __init__(self, crawler: Crawler) -> None:
        self.by_url: dict[str, dict[str, str]] = {}
        crawler.signals.connect(self._recorded, signal=evidence_recorded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidencePipeline:
        return cls(crawler)

    def _recorded(self, url: str, evidence: dict[str, str]) -> None:
        self.by_url[url] = evidence

    def process_item(self, doc: dict[str, Any]) -> dict[str, Any]:
        page = (doc.get("meta") or {}).get("page_url") or doc.get("url")
        found = self.by_url.get(page or "")
        if found:
            doc["evidence"] = {**doc["evidence"], **found}
        else:
            logger.warning("no archived response for %s (page %s)", doc.get("url"), page)
        return doc


def read_record(warc: str | Path, record_id: str) -> tuple[str, bytes]:
    """The HTTP head (status line and headers) and the body of one archived response."""
    with Path(warc).open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                head = record.http_headers.to_str() if record.http_headers else ""
                return head, record.content_stream().read()
    raise KeyError(f"record {record_id} is not in {warc}")
