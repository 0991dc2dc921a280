"""The HTTP cache: every re-crawl revalidates, a 304 keeps its evidence, a change is never missed.

Real crawls (`scrapy crawl`, as a user runs them) of the fixture sites on loopback, which send
ETag and Last-Modified and answer 304 as real servers do (fixtures/server.py). What the server
received and answered is read from its log; what the crawl kept, from the index, the WARC files
and the cache folder in LUREWATCH_DATA.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtures.server import Exchange, FixtureServer, serve_site
from fixtures.telegram.site import load_channels
from pipelines.evidence import SERVER_NOT_MODIFIED, read_record
from tests.conftest import ROOT, Env

LISTING = "/jobs?page=4"  # the board's oldest listing page: 10 ads and its "Hot jobs" box
PRIVATE = b"x-lurewatch"  # the prefix of the cache's private note on a stored page
CONTRACT_EVIDENCE = {"warc", "record_id", "sha256", "screenshot"}


def crawl(env: Env, spider: str, *settings: str, **arguments: str) -> None:
    """`scrapy crawl` as a user runs it (NER off for speed), with extra `-s` settings."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", "LUREWATCH_NER=False"]
    for setting in settings:
        command += ["-s", setting]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    done = subprocess.run(command, cwd=ROOT, env=env.environ(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]


def crawl_listing(env: Env, server: FixtureServer) -> list[Exchange]:
    """One crawl of the listing page and its job pages, everything fetched (no incremental
    skipping), and what the server answered to it."""
    since = len(server.exchanges)
    crawl(env, "jobboard", "LUREWATCH_INCREMENTAL=False", start_url=server.url + LISTING,
          max_pages="1")
    return server.exchanges[since:]


def warc_files(env: Env) -> list[Path]:
    return sorted((Path(env.vars["LUREWATCH_DATA"]) / "warc").glob("*.warc.gz"))


def records(warc: Path) -> list[Any]:
    """Every record's WARC headers and content, read with digest checking on."""
    out = []
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            content = record.content_stream().read()
            assert record.digest_checker.passed is not False, record.digest_checker.problems
            out.append((record.rec_headers, record.http_headers, content))
    return out


def by_url(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["url"]: d for d in docs}


@dataclass
class Recrawl:
    env: Env
    server: FixtureServer
    first: list[Exchange]
    second: list[Exchange]
    before: list[dict[str, Any]]
    after: list[dict[str, Any]]
    warcs: list[Path]


@pytest.fixture(scope="module")
def recrawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recrawl]:
    """The listing crawled twice, the board unchanged in between."""
    env = Env("sqlite", tmp_path_factory.mktemp("recrawl"))
    server = serve_site("jobboard")
    try:
        first = crawl_listing(env, server)
        before = env.search("")["hits"]
        second = crawl_listing(env, server)
        after = env.search("")["hits"]
        yield Recrawl(env, server, first, second, before, after, warc_files(env))
    finally:
        server.stop()


def test_second_crawl_asks_with_validators_and_gets_304s(recrawl: Recrawl) -> None:
    assert all(e.status == 200 and e.if_none_match is None for e in recrawl.first)
    assert sorted(e.path for e in recrawl.second) == sorted(e.path for e in recrawl.first)
    assert "/robots.txt" in {e.path for e in recrawl.second}  # robots.txt is revalidated too
    for exchange in recrawl.second:
        assert exchange.status == 304, exchange
        assert exchange.if_none_match and exchange.if_modified_since, exchange


def test_revalidated_pages_yield_the_same_documents(recrawl: Recrawl) -> None:
    before, after = by_url(recrawl.before), by_url(recrawl.after)
    assert len(after) == 12 and after.keys() == before.keys()
    for url, doc in after.items():
        assert (doc["id"], doc["title"], doc["text"]) == (
            before[url]["id"], before[url]["title"], before[url]["text"])
        assert doc["entities"] == before[url]["entities"]
        assert doc["last_seen"] > before[url]["last_seen"]  # seen again, in the second crawl


def test_evidence_of_a_revalidated_page_is_the_record_with_its_body(recrawl: Recrawl) -> None:
    first_warc, second_warc = recrawl.warcs
    for doc in recrawl.after:
        evidence = doc["evidence"]
        assert set(evidence) == CONTRACT_EVIDENCE
        assert evidence == by_url(recrawl.before)[doc["url"]]["evidence"]
        assert Path(evidence["warc"]) == first_warc  # the crawl that got the body
        head, body = read_record(evidence["warc"], evidence["record_id"])
        assert head.startswith("HTTP/1.1 200")
        assert hashlib.sha256(body).hexdigest() == evidence["sha256"]
        assert urlsplit(doc["url"]).path.encode() in body
    assert second_warc.name != first_warc.name


def test_second_crawls_warc_holds_a_revisit_record_for_each_304(recrawl: Recrawl) -> None:
    first_warc, second_warc = recrawl.warcs
    originals = {h.get_header("WARC-Record-ID"): h for h, _, _ in records(first_warc)
                 if h.get_header("WARC-Type") == "response"}
    second = records(second_warc)
    revisits = [(h, http) for h, http, _ in second if h.get_header("WARC-Type") == "revisit"]
    assert not [h for h, _, _ in second if h.get_header("WARC-Type") == "response"]
    assert len(revisits) == len(recrawl.second)
    for headers, http in revisits:
        assert headers.protocol == "WARC/1.1"
        assert headers.get_header("WARC-Profile") == SERVER_NOT_MODIFIED
        assert http.get_statuscode() == "304"
        original = originals[headers.get_header("WARC-Refers-To")]
        assert headers.get_header("WARC-Refers-To-Target-URI") == original.get_header(
            "WARC-Target-URI") == headers.get_header("WARC-Target-URI")
        assert headers.get_header("WARC-Refers-To-Date") == original.get_header("WARC-Date")
    # each revisit has its conditional request beside it
    requests = {h.get_header("WARC-Concurrent-To"): http for h, http, _ in second
                if h.get_header("WARC-Type") == "request"}
    for headers, _ in revisits:
        assert requests[headers.get_header("WARC-Record-ID")].get_header("If-None-Match")


def test_warcs_pass_warcio_check_and_hold_no_private_header(recrawl: Recrawl) -> None:
    checked = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", "-v",
                              *map(str, recrawl.warcs)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "digest pass" in checked.stdout
    for warc in recrawl.warcs:
        for _, http, _ in records(warc):
            names = {name.lower() for name, _ in (http.headers if http else [])}
            assert not any(name.encode().startswith(PRIVATE) for name in names)
    for doc in recrawl.after:
        assert PRIVATE.decode() not in json.dumps(doc).lower()


def test_the_cache_lives_in_the_data_folder(recrawl: Recrawl) -> None:
    cache = Path(recrawl.env.vars["LUREWATCH_DATA"]) / "httpcache" / "jobboard"
    entries = [p for p in cache.glob("*/*") if (p / "pickled_meta").is_file()]
    assert len(entries) == len(recrawl.first)  # every page fetched, robots.txt included
    assert not (ROOT / ".scrapy" / "httpcache").exists()


def test_takedown_of_a_revalidated_document_bundles_the_page_body(recrawl: Recrawl,
                                                                  tmp_path: Path) -> None:
    doc = next(d for d in recrawl.after if "/jobs/30440" in d["url"])
    out = tmp_path / "takedown"
    done = recrawl.env.lurewatch("takedown", doc["id"], "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert recrawl.env.lurewatch("takedown", "verify-bundle",
                                 str(out / "evidence.zip")).returncode == 0
    with zipfile.ZipFile(out / "evidence.zip") as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        archived = bundle.read(f"posts/{doc['id']}/response.warc.gz")
    assert manifest["posts"][0]["body_sha256_matches"] is True
    bodies = [record.content_stream().read() for record in ArchiveIterator(BytesIO(archived))
              if record.rec_type == "response"]
    assert [hashlib.sha256(b).hexdigest() for b in bodies] == [doc["evidence"]["sha256"]]
    assert b"30440" in bodies[0]


def test_a_page_changed_between_crawls_is_fetched_anew(sqlite_env: Env) -> None:
    channel = "xigang_zhaopin"
    posts = load_channels()[channel]["posts"]
    server = serve_site("telegram", channels=[channel], hide_newest=2)
    preview = f"/s/{channel}"
    try:
        crawl(sqlite_env, "telegram", channel=server.url + preview)
        assert sqlite_env.search("")["total"] == len(posts) - 2
        server.app.reveal()
        since = len(server.exchanges)
        crawl(sqlite_env, "telegram", channel=server.url + preview)
        second = server.exchanges[since:]
    finally:
        server.stop()
    page = next(e for e in second if e.path == preview)
    assert page.if_none_match and page.status == 200  # asked, and the server had news
    docs = by_url(sqlite_env.search("")["hits"])
    assert len(docs) == len(posts)
    newest_warc = warc_files(sqlite_env)[-1]
    for post in posts[-2:]:
        doc = docs[f"https://t.me/{channel}/{post['id']}"]
        assert Path(doc["evidence"]["warc"]) == newest_warc
        _, body = read_record(doc["evidence"]["warc"], doc["evidence"]["record_id"])
        assert hashlib.sha256(body).hexdigest() == doc["evidence"]["sha256"]
        assert f"{channel}/{post['id']}".encode() in body


@pytest.mark.parametrize("validators", [("etag",), ("last-modified",), ()],
                         ids=["etag-only", "last-modified-only", "none"])
def test_each_validator_alone_revalidates_and_none_refetches(sqlite_env: Env,
                                                             validators: tuple[str, ...]) -> None:
    server = serve_site("jobboard", validators=validators)
    try:
        crawl_listing(sqlite_env, server)
        second = crawl_listing(sqlite_env, server)
    finally:
        server.stop()
    sent = {(e.if_none_match is not None, e.if_modified_since is not None) for e in second}
    assert sent == {("etag" in validators, "last-modified" in validators)}
    assert {e.status for e in second} == ({304} if validators else {200})
    revisits = [h for h, _, _ in records(warc_files(sqlite_env)[-1])
                if h.get_header("WARC-Type") == "revisit"]
    assert len(revisits) == (len(second) if validators else 0)
    for doc in sqlite_env.search("")["hits"]:
        _, body = read_record(doc["evidence"]["warc"], doc["evidence"]["record_id"])
        assert hashlib.sha256(body).hexdigest() == doc["evidence"]["sha256"] and body


def test_the_cache_can_be_turned_off(sqlite_env: Env) -> None:
    server = serve_site("jobboard")
    try:
        for _ in range(2):
            since = len(server.exchanges)
            crawl(sqlite_env, "jobboard", "HTTPCACHE_ENABLED=False",
                  "LUREWATCH_INCREMENTAL=False", start_url=server.url + LISTING, max_pages="1")
        second = server.exchanges[since:]
    finally:
        server.stop()
    assert {(e.status, e.if_none_match) for e in second} == {(200, None)}
    assert not (Path(sqlite_env.vars["LUREWATCH_DATA"]) / "httpcache").exists()


def test_a_page_served_from_cache_shows_no_private_header(sqlite_env: Env) -> None:
    """`scrapy fetch --headers` prints what a spider gets: after a 304, the cached page's
    headers, which must not include the cache's note of where the page was archived."""
    server = serve_site("jobboard")
    try:
        shown = []
        for _ in range(2):
            done = subprocess.run(
                [sys.executable, "-m", "scrapy", "fetch", "--headers", "--nolog",
                 server.url + "/jobs/30440"],
                cwd=ROOT, env=sqlite_env.environ(), capture_output=True, timeout=300)
            assert done.returncode == 0, done.stderr[-2000:]
            shown.append(done.stdout.lower())
        statuses = [e.status for e in server.exchanges if e.path.startswith("/jobs/")]
    finally:
        server.stop()
    assert statuses == [200, 304]
    assert all(b"< etag:" in out for out in shown)
    assert not any(PRIVATE in out for out in shown)
