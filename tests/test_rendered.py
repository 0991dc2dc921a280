"""A JavaScript-rendered social page crawled in Chromium: the `facebook` spider on the
Facebook-group-like fixture (fixtures/socialgroup), end to end into both index backends.

One crawl per backend serves most tests (Chromium runs are few and slow): the group is served
with its three newest posts held back, crawled once, checked (every post and field, the
"See more posts" loading, the screenshot, the WARC record), then the three posts are revealed
and a re-crawl must index exactly those three. A few parsing tests run without a browser.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Env
from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from fixtures.server import FixtureServer, serve_site
from fixtures.socialgroup.site import SocialGroupSite, load_group
from lurewatch.document import utc_iso
from pipelines.evidence import PNG_SIGNATURE
from pipelines.normalize import clean_text
from spiders.facebook import parse_posts, post_key, unshim
from spiders.rendering import VIEWPORT

GROUP_PATH = "/groups/kh.jobs.korea.thai/"
HIDDEN = 3


class Crawled:
    """One backend's crawl of the fixture group: its environment, server and outputs."""

    def __init__(self, env: Env, server: FixtureServer) -> None:
        self.env = env
        self.server = server
        self.runs: list[subprocess.CompletedProcess[str]] = []
        self.found: dict[str, Any] = {}  # `lurewatch search --json` after the first crawl

    @property
    def app(self) -> SocialGroupSite:
        return self.server.app  # type: ignore[return-value]

    def crawl(self) -> subprocess.CompletedProcess[str]:
        done = self.env.crawl("facebook", start_url=self.server.url + GROUP_PATH)
        self.runs.append(done)
        return done

    def search(self) -> dict[str, Any]:
        return self.env.search("", "--platform", "facebook")

    def documents(self, found: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        """The indexed posts by post id (after the first crawl unless `found` is given)."""
        return {doc["meta"]["post_id"]: doc for doc in (found or self.found)["hits"]}


@pytest.fixture(scope="module", params=["sqlite", "elasticsearch"])
def crawled(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    es_url = request.getfixturevalue("elasticsearch_url") if request.param != "sqlite" else None
    env = Env(request.param, tmp_path_factory.mktemp(f"rendered-{request.param}"), es_url)
    server = serve_site("socialgroup", hide_newest=HIDDEN)
    try:
        run = Crawled(env, server)
        run.crawl()
        run.found = run.search()
        yield run
    finally:
        server.stop()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return load_group()


def scraped(done: subprocess.CompletedProcess[str]) -> int:
    found = re.search(r"'item_scraped_count': (\d+)", done.stderr)
    return int(found.group(1)) if found else 0


# -- the first crawl -----------------------------------------------------------------------------

def test_every_visible_post_is_indexed_once_with_its_fields(crawled: Crawled,
                                                            truth: dict[str, Any]) -> None:
    visible = truth["posts"][:-HIDDEN]
    found = crawled.found
    assert found["total"] == len(visible) == 22
    assert len({doc["id"] for doc in found["hits"]}) == 22
    docs = crawled.documents()
    assert set(docs) == {p["id"] for p in visible}
    for post in visible:
        doc = docs[post["id"]]
        meta = doc["meta"]
        reactions = post.get("reactions") or {}
        assert doc["platform"] == "facebook" and doc["source"] == "facebook"
        assert doc["url"] == post["url"]
        assert doc["text"] == clean_text(post["text"]), post["id"]
        assert doc["author"] == post["author"]
        assert doc["posted_at"] == utc_iso(post["at"])
        assert doc["lang"] == post["lang"], (post["id"], doc["lang"])
        assert meta["author_id"] == post["author_id"]
        assert meta["author_url"].endswith(f"/groups/{truth['id']}/user/{post['author_id']}/")
        assert meta["group_id"] == truth["id"] and meta["group_name"] == truth["name"]
        assert meta["group_members"] == "8.4K" and meta["group_members_count"] == 8400
        assert meta["reactions"] == sum(reactions.values())
        top = [n for n, _ in sorted(reactions.items(), key=lambda kv: -kv[1])][:3]
        assert meta["reaction_types"] == top
        assert meta["comments"] == post["comments"] and meta["shares"] == post["shares"]
        link = post.get("link")
        if link:
            assert meta["shared_link"] == {"url": link["url"], "title": link["title"],
                                           "domain": link["domain"]}
            assert link["url"] in meta["links"]  # unwrapped from l.facebook.com/l.php
        else:
            assert meta["shared_link"] is None
        assert not any("l.facebook.com" in url for url in meta.get("links", []))
    # Links in the text come back as written (scheme added, as Facebook links them).
    assert docs["1187204519000137"]["meta"]["links"] == ["http://t.me/kimsil_cs77"]
    assert "kimsil_cs77" in docs["1187204519000137"]["entities"]["telegram"]
    # Hostile text is kept verbatim, never turned into markup.
    assert "<img src=x onerror=alert(1)>" in docs["1187204519000355"]["text"]
    lures = {p["id"] for p in visible if p["lure"]}
    risky = {i for i, d in docs.items() if d["risk"]["level"] in ("medium", "high")}
    assert lures <= risky


def test_long_posts_are_read_whole_behind_see_more(crawled: Crawled,
                                                   truth: dict[str, Any]) -> None:
    docs = crawled.documents()
    folded = [p for p in truth["posts"][:-HIDDEN] if p["text"].count("\n") >= 5]
    assert len(folded) >= 2  # the page shows four lines and "See more" for these
    for post in folded:
        text = docs[post["id"]]["text"]
        assert text.splitlines()[-1] == post["text"].splitlines()[-1].strip()
        assert "See more" not in text


def test_see_more_posts_is_clicked_until_the_feed_ends(crawled: Crawled) -> None:
    requests = crawled.app.feed_requests
    assert requests[0] is None  # the first batch, loaded by the page itself
    assert len(requests) == 5 and all(requests[1:])  # 5 + 5 + 5 + 5 + 2, one cursor per click
    assert len(set(requests)) == 5
    assert "22 posts rendered after 4 loads (stopped: no more posts)" in crawled.runs[0].stderr
    assert crawled.server.requests[0] == "/robots.txt"  # asked before the page, by Scrapy
    positions = sorted(d["meta"]["position"] for d in crawled.documents().values())
    assert positions == list(range(1, 23))
    # The posts are not in the HTML the server sends: only a browser sees them.
    with urllib.request.urlopen(crawled.server.url + GROUP_PATH) as answer:
        served = answer.read().decode("utf-8")
    assert "role=\"feed\"" in served and "Global Talent Recruitment" not in served


def test_screenshot_is_a_full_page_png_of_the_posts(crawled: Crawled) -> None:
    docs = crawled.documents()
    shots = {d["evidence"]["screenshot"] for d in docs.values()}
    assert len(shots) == 1  # one rendered page, one screenshot for all its posts
    path = Path(shots.pop())
    data_dir = Path(crawled.env.vars["LUREWATCH_DATA"])
    assert path.is_relative_to(data_dir / "screenshots")
    png = path.read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 50_000
    assert path.stem == hashlib.sha256(png).hexdigest()
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert png[12:16] == b"IHDR"
    assert width == VIEWPORT["width"]
    assert height > 3 * VIEWPORT["height"]  # the whole feed, not one screen


def test_warc_holds_the_rendered_page_with_matching_hash(crawled: Crawled,
                                                         truth: dict[str, Any]) -> None:
    docs = crawled.documents()
    evidence = {(d["evidence"]["warc"], d["evidence"]["record_id"], d["evidence"]["sha256"])
                for d in docs.values()}
    assert len(evidence) == 1
    warc, record_id, sha256 = evidence.pop()
    page_url = crawled.server.url + GROUP_PATH
    records: dict[str, Any] = {}
    with Path(warc).open("rb") as stream:
        for record in ArchiveIterator(stream):
            headers = record.rec_headers
            records[headers.get_header("WARC-Record-ID")] = (
                record.rec_type, headers.get_header("WARC-Target-URI"),
                headers.get_header("WARC-Concurrent-To"), record.http_headers,
                record.content_stream().read(),
            )
    kind, uri, _, http_headers, body = records[record_id]
    assert kind == "response" and uri == page_url
    assert hashlib.sha256(body).hexdigest() == sha256
    assert http_headers.get_header("Content-Length") == str(len(body))
    html = body.decode("utf-8")
    for post in truth["posts"][:-HIDDEN]:
        assert f"/posts/{post['id']}/" in html  # the rendered DOM, every post in it
    assert any(r[0] == "request" and r[2] == record_id for r in records.values())
    # The JSON batches the page's script fetched (Scrapy never saw them) are archived too.
    batches = [json.loads(r[4]) for r in records.values()
               if r[0] == "response" and r[1] == crawled.server.url + "/api/graphql/"]
    assert len(batches) == len(crawled.app.feed_requests[:5]) == 5
    archived = [edge["node"]["post_id"] for batch in batches
                for edge in batch["data"]["node"]["group_feed"]["edges"]]
    assert sorted(archived) == sorted(p["id"] for p in truth["posts"][:-HIDDEN])


# -- the re-crawl (last: it changes the site) ------------------------------------------------------

def test_recrawl_after_three_new_posts_indexes_exactly_those(crawled: Crawled,
                                                             truth: dict[str, Any]) -> None:
    before = crawled.documents()
    assert crawled.app.reveal() == HIDDEN
    since = len(crawled.app.feed_requests)
    done = crawled.crawl()
    assert crawled.app.feed_requests[since:] == [None]  # the first batch only: no "See more"
    assert scraped(done) == HIDDEN
    assert "stopped: reached posts already indexed" in done.stderr
    after = crawled.documents(crawled.search())
    new = set(after) - set(before)
    assert new == {p["id"] for p in truth["posts"][-HIDDEN:]}
    assert len(after) == 25
    for post_id in before:
        assert after[post_id]["first_seen"] == before[post_id]["first_seen"]
    shots = {after[i]["evidence"]["screenshot"] for i in new}
    assert len(shots) == 1 and shots != {before["1187204519000101"]["evidence"]["screenshot"]}


def test_max_loads_stops_loading_early(sqlite_env: Env) -> None:
    with FixtureServer(SocialGroupSite()) as server:
        done = sqlite_env.crawl("facebook", start_url=server.url + GROUP_PATH, max_loads="1")
        assert server.app.feed_requests[0] is None and len(server.app.feed_requests) == 2
    assert "10 posts rendered after 1 loads (stopped: max_loads=1)" in done.stderr
    assert scraped(done) == 10


# -- parsing, without a browser ----------------------------------------------------------------

RENDERED = Path(__file__).resolve().parents[1] / "fixtures/socialgroup/rendered_sample.html"


def test_parse_posts_reads_a_rendered_feed() -> None:
    response = HtmlResponse(url="http://127.0.0.1:9/groups/g/", body=RENDERED.read_bytes(),
                            encoding="utf-8")
    [item] = parse_posts(response)  # the nested comment and the unit without a post are not posts
    assert item["key"] == "42/900" and item["meta"]["post_id"] == "900"
    assert item["url"] == "https://www.facebook.com/groups/42/posts/900/"
    assert item["author"] == "A. Author" and item["meta"]["author_id"] == "7"
    assert item["posted_at"] == "2026-11-20T14:55:00Z"
    assert "See more" not in item["html"] and "line three" in item["html"]
    assert item["links"] == ["https://ex.site/a?b=1"]
    assert item["meta"]["hashtags"] == ["#jobs"]
    assert item["meta"]["reactions"] == 1200 and item["meta"]["comments"] == 1
    assert item["meta"]["shares"] == 0
    assert item["meta"]["group_id"] == "42" and item["meta"]["group_members_count"] == 1200


def test_links_and_keys() -> None:
    assert unshim("https://l.facebook.com/l.php?u=http%3A%2F%2Ft.me%2Fx&h=AT") == "http://t.me/x"
    assert unshim("https://ex.site/l.php") == "https://ex.site/l.php"
    assert post_key("https://www.facebook.com/groups/kh.jobs/permalink/123/") == "kh.jobs/123"
    assert post_key("https://www.facebook.com/groups/42/user/7/") is None
