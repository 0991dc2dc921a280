"""The Telegram fixture site and the `telegram` spider: parsing of preview pages, and crawls.

Parsing tests run the spider's plain functions on pages the fixture app renders in-process
(and on a hand-written page of real-page quirks); the crawl tests run `scrapy crawl telegram`
in a subprocess against the fixture served on loopback, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.robotparser import RobotFileParser
from wsgiref.util import setup_testing_defaults

import pytest
from scrapy.http import HtmlResponse

from fixtures.server import FixtureServer, serve_site
from fixtures.telegram.site import TelegramSite, load_channels, make_app
from spiders.telegram import (
    channel_preview_url,
    has_preview,
    older_page_url,
    parse_channel_info,
    parse_posts,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "telegram"
CHANNEL = "kh_jobs_2026"
ORIGIN = "http://127.0.0.1:8000"  # any host: parsing must not depend on t.me


def fetch(app: TelegramSite, path: str, query: str = "") -> tuple[str, dict[str, str], bytes]:
    """One request to the WSGI app, without a server."""
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, QUERY_STRING=query, HTTP_HOST="127.0.0.1:8000")
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=status, headers=dict(headers))

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def response_for(app: TelegramSite, path: str, query: str = "") -> HtmlResponse:
    status, _, body = fetch(app, path, query)
    assert status == "200 OK", (path, status)
    url = f"{ORIGIN}{path}" + (f"?{query}" if query else "")
    return HtmlResponse(url=url, body=body, encoding="utf-8")


def walk(app: TelegramSite, channel: str = CHANNEL) -> tuple[list[dict[str, Any]], int]:
    """Every item reachable from the first page by following older-page links, and the pages."""
    response = response_for(app, f"/s/{channel}")
    items, pages = [], 0
    while True:
        pages += 1
        items += parse_posts(response)
        older = older_page_url(response)
        if older is None:
            return items, pages
        path, _, query = older.removeprefix(ORIGIN).partition("?")
        response = response_for(app, path, query)


@pytest.fixture(scope="module")
def app() -> TelegramSite:
    return make_app()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return load_channels()[CHANNEL]


@pytest.fixture(scope="module")
def items(app: TelegramSite) -> dict[str, dict[str, Any]]:
    found, _ = walk(app)
    return {item["key"]: item for item in found}


# -- the preview pages ---------------------------------------------------------------------------

def test_first_page_is_the_newest_twenty_in_ascending_order(app: TelegramSite,
                                                            truth: dict[str, Any]) -> None:
    response = response_for(app, f"/s/{CHANNEL}")
    on_page = response.css("div.tgme_widget_message::attr(data-post)").getall()
    newest = [p["key"] for p in truth["posts"]][-20:]
    assert on_page == newest  # ascending, as t.me shows them

    parsed = parse_posts(response)
    assert [i["key"] for i in parsed] == newest[::-1]  # the spider reads newest first
    oldest_id = truth["posts"][-20]["id"]
    assert older_page_url(response) == f"{ORIGIN}/s/{CHANNEL}?before={oldest_id}"
    assert response.css('link[rel="prev"]::attr(href)').get() == f"/s/{CHANNEL}?before={oldest_id}"


def test_channel_header_goes_into_every_item(app: TelegramSite, truth: dict[str, Any],
                                             items: dict[str, dict[str, Any]]) -> None:
    info = parse_channel_info(response_for(app, f"/s/{CHANNEL}"))
    assert info["title"] == truth["title"]
    assert info["username"] == CHANNEL
    assert info["subscribers"] == "12.4K"
    assert info["subscribers_count"] == 12400
    assert "@kh_jobs_admin" in info["description"]
    assert info["description"].count("\n") == 2  # <br/> kept as line breaks
    for item in items.values():
        assert item["meta"]["channel_title"] == truth["title"]
        assert item["meta"]["channel_username"] == CHANNEL
        assert item["meta"]["channel_subscribers"] == "12.4K"


def test_every_post_is_read_once_across_pages(app: TelegramSite, truth: dict[str, Any]) -> None:
    found, pages = walk(app)
    keys = [item["key"] for item in found]
    assert len(keys) == len(set(keys)) == len(truth["posts"]) == 62
    assert set(keys) == {p["key"] for p in truth["posts"]}
    assert pages == 4  # 20 + 20 + 20 + 2
    ids = [int(k.rpartition("/")[2]) for k in keys]
    assert ids != list(range(min(ids), max(ids) + 1))  # deleted posts leave gaps


def test_post_fields_are_read_as_the_page_gives_them(items: dict[str, dict[str, Any]]) -> None:
    post = items[f"{CHANNEL}/304"]
    assert post["platform"] == "telegram"
    assert post["source"] == "telegram"
    assert post["url"] == f"https://t.me/{CHANNEL}/304"
    assert post["title"] is None
    assert post["posted_at"] == "2026-09-02T04:20:00+00:00"  # 13:20 +09:00, as t.me writes it
    assert post["author"] == "김실장"  # the post's signature, not the channel
    assert post["meta"]["owner_name"].endswith("High-Pay Jobs Abroad")
    assert post["meta"]["views"] == "3.12K"
    assert post["meta"]["views_count"] == 3120
    assert post["meta"]["post_id"] == 304
    assert post["meta"]["edited"] is False
    assert post["meta"]["view"]["p"] == 304
    assert [m["kind"] for m in post["meta"]["media"]] == ["photo"]
    assert post["meta"]["reactions"][0] == {"emoji": "🔥", "count": "17", "count_value": 17}
    assert "<b>해외 고수익 최고의 일자리</b>" in post["html"]
    assert post["html"].count("<br>") == 10
    assert "010-0487-3361" in post["html"]
    assert post["links"] == ["https://t.me/kimsil_hr77"]


def test_posted_at_is_each_posts_own_time(truth: dict[str, Any],
                                          items: dict[str, dict[str, Any]]) -> None:
    for post in truth["posts"]:
        assert items[post["key"]]["posted_at"] == post["at"].isoformat()
    video = items[f"{CHANNEL}/348"]  # its <time> for the video length must not be taken
    assert video["posted_at"] == "2026-10-03T03:12:00+00:00"
    assert video["meta"]["media"][0]["kind"] == "video"
    assert video["meta"]["media"][0]["duration"] == "0:42"


def test_forwarded_posts(items: dict[str, dict[str, Any]]) -> None:
    from_channel = items[f"{CHANNEL}/342"]["meta"]["forwarded_from"]
    assert from_channel == {
        "name": "西港招聘信息网 | 柬埔寨工作·租房·生活",
        "url": "https://t.me/xigang_zhaopin/57",
        "key": "xigang_zhaopin/57",
    }
    from_person = items[f"{CHANNEL}/365"]["meta"]["forwarded_from"]
    assert from_person == {"name": "김실장 HR", "url": None, "key": None}
    assert items[f"{CHANNEL}/304"]["meta"]["forwarded_from"] is None


def test_reply_quote_is_kept_apart_from_the_body(items: dict[str, dict[str, Any]]) -> None:
    reply = items[f"{CHANNEL}/382"]
    assert reply["meta"]["reply_to"]["key"] == f"{CHANNEL}/361"
    assert reply["meta"]["reply_to"]["url"] == f"https://t.me/{CHANNEL}/361"
    assert reply["meta"]["reply_to"]["text"].startswith("📢 재공지 📢")
    assert "TM(텔레마케팅)" in reply["meta"]["reply_to"]["text"]
    assert "TM(텔레마케팅)" not in reply["html"]
    assert reply["html"].startswith("<i class=\"emoji\"")  # ⬆️, the reply's own first word


def test_links_are_collected_absolute(items: dict[str, dict[str, Any]]) -> None:
    assert items[f"{CHANNEL}/370"]["links"] == [
        "http://wa.me/85512345678", "https://t.me/+Xk9pLmQ2rT4wYzA1",
    ]
    assert items[f"{CHANNEL}/324"]["links"] == [
        "http://wa.me/85512345678", "mailto:bavet.recruit.2026@gmail.com",
    ]
    assert items[f"{CHANNEL}/320"]["links"] == ["http://open.kakao.com/o/sKs77Hr2"]
    faq = items[f"{CHANNEL}/343"]
    assert faq["links"] == []  # hashtag links point at the channel's search, not out
    assert faq["meta"]["hashtags"] == ["#프놈펜", "#생활정보"]
    fair = items[f"{CHANNEL}/385"]
    assert fair["links"] == ["https://jobfair-pp2026.com/"]
    assert fair["meta"]["link_preview"]["site_name"] == "Phnom Penh Job Fair 2026"
    assert items[f"{CHANNEL}/317"]["links"] == ["https://t.me/+Xk9pLmQ2rT4wYzA1"]


def test_edited_album_poll_and_text_less_posts(items: dict[str, dict[str, Any]]) -> None:
    assert items[f"{CHANNEL}/327"]["meta"]["edited"] is True
    assert items[f"{CHANNEL}/374"]["meta"]["edited"] is True
    album = items[f"{CHANNEL}/334"]["meta"]["media"]
    assert [m["link"] for m in album] == [
        f"https://t.me/{CHANNEL}/{n}?single" for n in (334, 335, 336)
    ]
    assert all(m["url"].startswith(f"{ORIGIN}/file/") for m in album)
    poll = items[f"{CHANNEL}/356"]
    assert poll["meta"]["poll"]["question"] == "어떤 지역 공고를 더 보고 싶으세요?"
    assert [o["percent"] for o in poll["meta"]["poll"]["options"]] == ["38%", "12%", "31%", "19%"]
    # a poll without text says what it asks: question and options are the post's words
    assert poll["html"] == ("<p>어떤 지역 공고를 더 보고 싶으세요?</p><p>프놈펜</p><p>시엠립</p>"
                            "<p>방콕</p><p>호치민</p>")
    poster = items[f"{CHANNEL}/345"]
    assert poster["html"] == "" and poster["links"] == []
    assert poster["author"] == "김실장"


def test_saved_page_with_real_markup_quirks() -> None:
    body = (DATA / "quirks.html").read_bytes()
    response = HtmlResponse(url="https://t.me/s/Sample_Jobs", body=body, encoding="utf-8")
    posts = {item["key"]: item for item in parse_posts(response)}
    assert list(posts) == [f"Sample_Jobs/{n}" for n in (7009, 7008, 7004, 7001)]

    video = posts["Sample_Jobs/7001"]
    assert video["author"] == "Ana Reyes" and video["meta"]["edited"] is True
    assert video["posted_at"] == "2026-05-20T15:38:10+00:00"
    assert video["links"] == ["https://jobs.example.org/kl-warehouse", "mailto:Hiring@Example.org"]
    assert video["meta"]["views_count"] == 8_670_000
    assert [r["emoji"] for r in video["meta"]["reactions"]] == [
        "paid_star", "custom:5265077361648368841", "👍",
    ]
    assert "Please open Telegram" not in video["html"]

    nested = posts["Sample_Jobs/7004"]
    assert nested["html"].startswith("Hotel in Da Nang")  # the inner of two nested text divs
    assert nested["meta"]["forwarded_from"]["key"] == "other_board/500"
    assert [m["url"] for m in nested["meta"]["media"]] == [
        "https://cdn4.example-cdn.test/file/p1.jpg", "https://cdn4.example-cdn.test/file/p2.jpg",
    ]
    assert nested["meta"]["view"] is None  # a data-view that does not decode

    reply = posts["Sample_Jobs/7008"]
    assert reply["html"] == "Filled, thanks &lt;everyone&gt;."  # text stays text
    assert reply["meta"]["reply_to"]["author"] == "Other Board"

    assert posts["Sample_Jobs/7009"]["meta"]["media"] == [
        {"kind": "unsupported", "label": "Please open Telegram to view this post"}
    ]
    assert older_page_url(response) == "https://t.me/s/Sample_Jobs?before=7001"
    assert parse_channel_info(response)["subscribers_count"] == 1_040_000


def test_oldest_and_exhausted_pages_lead_nowhere(app: TelegramSite,
                                                 truth: dict[str, Any]) -> None:
    oldest = response_for(app, f"/s/{CHANNEL}", f"before={truth['posts'][2]['id']}")
    assert len(parse_posts(oldest)) == 2
    assert older_page_url(oldest) is None
    empty = response_for(app, f"/s/{CHANNEL}", f"before={truth['posts'][0]['id']}")
    assert parse_posts(empty) == [] and has_preview(empty)
    assert empty.css('link[rel="prev"]::attr(href)').get() == f"/s/{CHANNEL}?before="
    assert older_page_url(empty) is None


@pytest.mark.parametrize("name", ["closed_channel", "no_such_channel"])
def test_channel_without_preview_redirects_to_a_page_without_posts(app: TelegramSite,
                                                                   name: str) -> None:
    status, headers, _ = fetch(app, f"/s/{name}")
    assert status.startswith("302")
    assert headers["Location"] == f"http://127.0.0.1:8000/{name}"
    landing = response_for(app, f"/{name}")
    assert not has_preview(landing)
    assert parse_posts(landing) == []
    assert older_page_url(landing) is None


def test_held_back_posts_appear_after_reveal() -> None:
    site = make_app(hide_newest=3)
    newest = parse_posts(response_for(site, f"/s/{CHANNEL}"))[0]["key"]
    assert newest == f"{CHANNEL}/388"
    assert fetch(site, f"/{CHANNEL}/392")[2].count(b"Post not found") == 1
    assert site.reveal() == 6  # three in each of the two channels
    keys = [i["key"] for i in parse_posts(response_for(site, f"/s/{CHANNEL}"))][:4]
    assert keys == [f"{CHANNEL}/{n}" for n in (392, 391, 389, 388)]
    site.remove(f"{CHANNEL}/392")
    assert parse_posts(response_for(site, f"/s/{CHANNEL}"))[0]["key"] == f"{CHANNEL}/391"


def test_robots_txt_allows_the_preview(app: TelegramSite) -> None:
    robots = RobotFileParser()
    robots.parse(fetch(app, "/robots.txt")[2].decode().splitlines())
    assert robots.can_fetch("lurewatch", f"{ORIGIN}/s/{CHANNEL}?before=364")
    assert not robots.can_fetch("lurewatch", f"{ORIGIN}/c/1234567/5")


@pytest.mark.parametrize(("given", "expected"), [
    ("kh_jobs_2026", "https://t.me/s/kh_jobs_2026"),
    ("@kh_jobs_2026", "https://t.me/s/kh_jobs_2026"),
    ("t.me/kh_jobs_2026", "https://t.me/s/kh_jobs_2026"),
    ("https://t.me/kh_jobs_2026", "https://t.me/s/kh_jobs_2026"),
    ("http://127.0.0.1:8000/s/kh_jobs_2026?before=364",
     "http://127.0.0.1:8000/s/kh_jobs_2026?before=364"),
])
def test_channel_argument_forms(given: str, expected: str) -> None:
    assert channel_preview_url(given) == expected


def test_bad_channel_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Telegram channel"):
        channel_preview_url("not a channel!")
    assert channel_preview_url("kh_jobs_2026", "http://127.0.0.1:9/") == (
        "http://127.0.0.1:9/s/kh_jobs_2026"
    )


# -- crawls --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    running = serve_site("telegram")
    yield running
    running.stop()


def crawl(tmp_path: Path, **arguments: str) -> tuple[list[dict[str, Any]], str]:
    """`scrapy crawl telegram` as a user runs it, items to a JSON Lines feed, no pipelines."""
    out = tmp_path / "items.jsonl"
    command = [sys.executable, "-m", "scrapy", "crawl", "telegram", "-O", str(out),
               "-s", "ITEM_PIPELINES={}", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", "LOG_LEVEL=INFO"]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LUREWATCH_DATA": str(tmp_path / "data")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    return [json.loads(line) for line in lines], done.stderr


def preview_requests(server: FixtureServer, since: int, channel: str) -> list[str]:
    return [p for p in server.requests[since:] if p.startswith(f"/s/{channel}")]


def test_crawl_by_preview_url_yields_every_post_once(server: FixtureServer, tmp_path: Path,
                                                     truth: dict[str, Any]) -> None:
    since = len(server.requests)
    found, _ = crawl(tmp_path, channel=f"{server.url}/s/{CHANNEL}")
    keys = [item["key"] for item in found]
    assert len(keys) == len(set(keys)) == 62
    assert set(keys) == {p["key"] for p in truth["posts"]}
    assert len(preview_requests(server, since, CHANNEL)) == 4
    assert "/robots.txt" in server.requests[since:]
    sample = next(item for item in found if item["key"] == f"{CHANNEL}/342")
    assert sample["url"] == f"https://t.me/{CHANNEL}/342"
    assert sample["posted_at"] == "2026-09-28T15:30:00+00:00"
    assert sample["meta"]["forwarded_from"]["key"] == "xigang_zhaopin/57"
    assert sample["meta"]["page_url"].startswith(server.url)


def test_crawl_by_name_and_base_url_stops_at_max_pages(server: FixtureServer, tmp_path: Path,
                                                       truth: dict[str, Any]) -> None:
    since = len(server.requests)
    found, log = crawl(tmp_path, channel=CHANNEL, base_url=server.url, max_pages="2",
                       source="tg_watch")
    assert [item["key"] for item in found] == [p["key"] for p in truth["posts"]][-40:][::-1]
    assert {item["source"] for item in found} == {"tg_watch"}
    assert len(preview_requests(server, since, CHANNEL)) == 2
    assert "max_pages=2" in log


@pytest.mark.parametrize("name", ["closed_channel", "no_such_channel"])
def test_crawl_of_a_channel_without_preview_warns_and_yields_nothing(
    server: FixtureServer, tmp_path: Path, name: str,
) -> None:
    found, log = crawl(tmp_path, channel=name, base_url=server.url)
    assert found == []
    warning = [line for line in log.splitlines() if "no public web preview" in line]
    assert len(warning) == 1 and "WARNING" in warning[0] and name in warning[0]
    assert "Traceback" not in log
