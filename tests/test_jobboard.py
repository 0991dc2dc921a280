"""The job-board spider and its fixture site (AsiaJobLink).

Parsing is checked on pages as the fixture serves them (bytes and headers, no network) and on
two hand-written pages of other boards in tests/data/jobboard/; crawls run `scrapy crawl
jobboard` in a subprocess against the fixture served on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import phonenumbers
import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from fixtures.jobboard.site import JobBoard, load_content, make_app
from fixtures.server import serve_site
from spiders.jobboard import (
    decode_response,
    feed_links,
    listing_links,
    page_kind,
    parse_job,
    robots_sitemaps,
    sitemap_links,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "jobboard"
BASE = "http://asiajoblink.test:8080"
CONTENT = load_content()
ADS = {ad["id"]: ad for ad in CONTENT["ads"]}
ALL_IDS = set(ADS)


def served(app: JobBoard, path: str) -> TextResponse:
    """The response Scrapy would build for `path` on the fixture board."""
    status, headers, body = app.route(path.split("?")[0], _query(path), BASE)
    assert status.startswith("200"), (path, status)
    cls = XmlResponse if "xml" in dict(headers)["Content-Type"] else HtmlResponse
    return cls(url=BASE + path, body=body, headers=dict(headers), status=int(status[:3]))


def _query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


def saved(name: str, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=(DATA / name).read_bytes(),
                        headers={"Content-Type": "text/html; charset=utf-8"})


def job_path(ad_id: int) -> str:
    return f"/jobs/{ad_id}-{ADS[ad_id]['slug']}"


@pytest.fixture(scope="module")
def app() -> JobBoard:
    return make_app()


# -- the fixture's content --------------------------------------------------------------------

def test_content_mixes_languages_lures_and_ordinary_jobs() -> None:
    langs = Counter(ad["lang"] for ad in ADS.values())
    assert len(ADS) == 40
    assert set(langs) == {"ko", "en", "zh", "th", "vi", "km", "id"}
    assert min(langs.values()) >= 3
    assert langs.most_common(1)[0][0] == "ko"
    for lang in langs:  # lures and genuine ads in every language
        assert {ad["lure"] for ad in ADS.values() if ad["lang"] == lang} == {True, False}, lang
    assert all("2026-09-01" <= ad["posted"][:10] <= "2026-11-20" for ad in ADS.values())
    for ad in ADS.values():
        if "repost_of" in ad:
            assert ADS[ad["repost_of"]]["lang"] == ad["lang"]


def test_truth_phones_are_valid_and_written_in_the_ad() -> None:
    """Every phone the README promises is a valid number that the ad's text really carries."""
    for ad in ADS.values():
        region = ad["location"]["country"]
        found = set()
        for where in {region, "KH", "KR", "TH", "VN", "ID", "LA"}:
            for match in phonenumbers.PhoneNumberMatcher(ad["description"], where):
                found.add(phonenumbers.format_number(
                    match.number, phonenumbers.PhoneNumberFormat.E164))
        for phone in ad.get("truth", {}).get("phones", []):
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), (ad["id"], phone)
            assert phone in found, (ad["id"], phone)


def test_contact_points_are_shared_across_ads() -> None:
    def ads_with(kind: str, value: str) -> set[int]:
        return {ad["id"] for ad in ADS.values() if value in ad.get("truth", {}).get(kind, [])}

    assert ads_with("telegram", "kh_tm_boss") == {30403, 30410, 30417, 30439}
    assert ads_with("phones", "+855961234567") == {30402, 30409, 30410, 30417, 30433}
    assert ads_with("line", "poipetjob") == {30412, 30428, 30437}


# -- job pages ---------------------------------------------------------------------------------

def test_jsonld_page_gives_every_field(app: JobBoard) -> None:
    item = parse_job(served(app, job_path(30403)), source="board-a")
    assert item["platform"] == "jobboard"
    assert item["source"] == "board-a"
    assert item["url"] == BASE + job_path(30403)
    assert item["key"] == "asiajoblink/AJL-30403"
    assert item["title"] == ADS[30403]["title"]
    assert "<li>왕복 항공권 + 비자 회사 부담</li>" in item["html"]
    assert "텔레 @kh_tm_boss" in item["html"]
    assert item["posted_at"] == "2026-09-04T21:40:00+09:00"
    assert item["author"] == "kh_recruit_center"
    meta = item["meta"]
    assert meta["structured_data"] == "json-ld"
    assert meta["hiringOrganization"]["name"] == "KH 글로벌 마케팅"
    assert meta["jobLocation"]["address"]["addressLocality"] == "시아누크빌"
    assert meta["jobLocation"]["address"]["addressCountry"] == "KH"
    assert meta["baseSalary"]["currency"] == "KRW"
    assert meta["baseSalary"]["value"] == {
        "@type": "QuantitativeValue", "minValue": 6000000, "maxValue": 8000000,
        "unitText": "MONTH"}
    assert meta["employmentType"] == ["FULL_TIME", "CONTRACTOR"]
    assert meta["validThrough"] == "2026-10-04T21:40:00+09:00"
    assert meta["identifier"]["value"] == "AJL-30403"
    assert meta["directApply"] is False
    assert "description" not in meta
    json.dumps(item)  # the item travels as JSON


@pytest.mark.parametrize("ad_id", [30401, 30409, 30410, 30424, 30425])
def test_jsonld_variants_all_read(app: JobBoard, ad_id: int) -> None:
    """Separate blocks, a top-level list, a broken extra block, an entity-escaped description,
    an @graph: each still gives the posting and its HTML."""
    item = parse_job(served(app, job_path(ad_id)))
    assert item["title"] == ADS[ad_id]["title"]
    assert item["key"] == f"asiajoblink/AJL-{ad_id}"
    assert item["html"].startswith("<p>")
    assert item["posted_at"] == ADS[ad_id]["posted"]
    assert item["meta"]["structured_data"] == "json-ld"


def test_links_are_absolute_hrefs_of_the_body(app: JobBoard) -> None:
    assert parse_job(served(app, job_path(30410)))["links"] == ["https://wa.me/855961234567"]
    assert parse_job(served(app, job_path(30401)))["links"] == [
        "mailto:recruit@hangangriverside-hotel.co.kr"]
    assert parse_job(served(app, job_path(30403)))["links"] == []


def test_microdata_page(app: JobBoard) -> None:
    response = served(app, job_path(30406))
    assert b"application/ld+json" not in response.body
    item = parse_job(response)
    meta = item["meta"]
    assert meta["structured_data"] == "microdata"
    assert item["title"] == ADS[30406]["title"]
    assert item["key"] == "asiajoblink/AJL-30406"
    assert item["posted_at"] == "2026-09-09T10:00:00+07:00"
    assert meta["hiringOrganization"]["name"] == "โรงแรมริเวอร์ไซด์ การ์เด้น กรุงเทพ"
    assert meta["jobLocation"]["address"]["addressCountry"] == "TH"
    assert meta["baseSalary"]["currency"] == "THB"
    assert meta["baseSalary"]["value"]["minValue"] == "18000"
    assert meta["validThrough"] == "2026-10-09T17:00:00+07:00"
    assert "02-612-4480" in item["html"] and "<li>" in item["html"]
    assert item["links"] == ["mailto:hr@riversidegarden-bkk.co.th"]


def test_page_without_structured_data_falls_back_to_main_text(app: JobBoard) -> None:
    item = parse_job(served(app, job_path(30431)))
    assert item["meta"]["structured_data"] is None
    assert item["key"] is None
    assert item["url"] == BASE + job_path(30431)
    assert item["title"] == ADS[30431]["title"]
    assert "023 868 220" in item["html"]
    for chrome in ("Safety tip", "Browse jobs", "Posted by", "Ref. No."):
        assert chrome not in item["html"]
    assert item["posted_at"] == "2026-10-25T08:00:00+07:00"
    assert item["author"] == "angkorthread_hr"
    assert item["meta"]["facts"]["Company"] == "Angkor Thread Garment Co., Ltd."
    assert item["meta"]["facts"]["Salary"] == "$400 - $550"


def test_broken_html_page_still_reads(app: JobBoard) -> None:
    response = served(app, job_path(30426))
    assert b"</body>" not in response.body and b"</li>" not in response.body
    item = parse_job(response)
    assert item["meta"]["structured_data"] == "microdata"
    assert item["title"] == ADS[30426]["title"]
    assert item["meta"]["hiringOrganization"]["name"] == "MW 게임즈"
    assert item["posted_at"] == "2026-10-15T18:20:00+09:00"
    assert "여권 사진과 얼굴 사진" in item["html"]
    assert item["links"] == ["https://open.kakao.com/o/sAbC123x"]


def test_windows_1252_page_labelled_utf8_decodes(app: JobBoard) -> None:
    response = served(app, job_path(30418))
    assert "charset=utf-8" in response.headers["Content-Type"].decode()
    with pytest.raises(UnicodeDecodeError):
        response.body.decode("utf-8")
    assert "\ufffd" in response.text  # what trusting the header gives
    item = parse_job(response)
    assert "“easy job, big salary”" in item["html"]
    assert "café" in item["html"] and "€200" in item["html"]
    assert item["title"] == ADS[30418]["title"]


def test_utf8_page_labelled_latin1_decodes(app: JobBoard) -> None:
    response = served(app, job_path(30423))
    assert ADS[30423]["title"] not in response.text  # mojibake when trusting the header
    item = parse_job(response)
    assert item["title"] == ADS[30423]["title"]
    assert "Không cần bằng cấp, không cần kinh nghiệm" in item["html"]


def test_euc_kr_page_declared_only_in_meta_decodes(app: JobBoard) -> None:
    response = served(app, job_path(30417))
    assert response.headers["Content-Type"] == b"text/html"
    item = parse_job(response)
    assert item["title"] == ADS[30417]["title"]
    assert "숙식제공, 항공권 지원" in item["html"]
    assert "tg: kh_tm_boss / 현지번호 096 123 4567" in item["html"]


def test_decode_leaves_correct_pages_alone(app: JobBoard) -> None:
    response = served(app, job_path(30402))
    assert decode_response(response) is response


def test_other_board_nested_cdata_jsonld() -> None:
    """A JobPosting nested in a WebPage, in a CDATA-wrapped block, with string-valued facts."""
    url = "https://khmerworkhub.example/job/77"
    item = parse_job(saved("other_board_job.html", url))
    assert item["title"] == "Night Shift Chat Agent & Typist"
    assert item["url"] == url
    assert item["key"] is None  # an identifier without a board name to scope it
    assert item["meta"]["identifier"] == "J-77"
    assert item["author"] == "Lucky Star Services"
    assert item["posted_at"] == "2026-10-02T08:00:00+07:00"
    assert item["meta"]["jobLocation"][0]["address"] == "Poipet, Banteay Meanchey, Cambodia"
    assert item["links"] == ["https://khmerworkhub.example/apply/77", "https://wa.me/855121234567"]
    assert "USD 3,000/month" in item["html"]


# -- listings, sitemaps, feeds ------------------------------------------------------------------

def test_listing_gives_job_links_newest_first_and_next_page(app: JobBoard) -> None:
    jobs, next_url = listing_links(served(app, "/jobs"))
    newest = sorted(ALL_IDS, reverse=True)[:10]
    assert jobs[:10] == [BASE + job_path(i) for i in newest]
    # the "Hot jobs" box links with ?ref=hot: same jobs, tracking dropped
    assert len(jobs) == len(set(jobs)) == 10 + len({30410, 30420} - set(newest))
    assert next_url == BASE + "/jobs?page=2"
    assert listing_links(served(app, "/jobs?page=4"))[1] is None


def test_other_board_listing_query_ids_and_korean_next() -> None:
    url = "https://board.example/bbs/board.php?bo_table=overseas"
    response = saved("other_board_listing.html", url)
    jobs, next_url = listing_links(response)
    assert jobs == [
        "https://board.example/bbs/board.php?bo_table=overseas&wr_id=4521",
        "https://board.example/bbs/board.php?bo_table=overseas&wr_id=4520",
    ]
    assert next_url == "https://board.example/bbs/board.php?bo_table=overseas&page=2"


def test_page_kinds(app: JobBoard) -> None:
    assert page_kind(served(app, "/sitemap.xml")) == "sitemap"
    assert page_kind(served(app, "/feed.xml")) == "feed"
    assert page_kind(served(app, "/jobs")) == "listing"
    assert page_kind(served(app, job_path(30401))) == "job"
    assert page_kind(served(app, job_path(30406))) == "job"
    robots = TextResponse(url=BASE + "/robots.txt", body=app.route("/robots.txt", {}, BASE)[2])
    assert page_kind(robots) == "robots"
    assert robots_sitemaps(robots) == [BASE + "/sitemap.xml"]


def test_sitemap_and_feed(app: JobBoard) -> None:
    pages, children = sitemap_links(served(app, "/sitemap.xml"))
    assert children == []
    assert {BASE + job_path(i) for i in ALL_IDS} <= set(pages)
    assert BASE + "/about" in pages
    entries, next_feed = feed_links(served(app, "/feed.xml"))
    assert entries == [BASE + job_path(i) for i in sorted(ALL_IDS, reverse=True)[:20]]
    assert next_feed is None


def test_board_holds_back_reveals_and_takes_down() -> None:
    board = make_app(hide_newest=3)
    assert board.hidden == [30438, 30439, 30440]
    pages, _ = sitemap_links(served(board, "/sitemap.xml"))
    assert BASE + job_path(30440) not in pages
    assert board.route(job_path(30440), {}, BASE)[0].startswith("404")
    assert board.reveal(1) == [30438]
    assert listing_links(served(board, "/jobs"))[0][0] == BASE + job_path(30438)
    assert board.reveal() == [30439, 30440]
    assert listing_links(served(board, "/jobs"))[0][0] == BASE + job_path(30440)
    board.take_down(30440)
    assert board.route(job_path(30440), {}, BASE)[0].startswith("410")
    assert listing_links(served(board, "/jobs"))[0][0] == BASE + job_path(30439)


# -- crawls ------------------------------------------------------------------------------------

def crawl(tmp_path: Path, start_url: str, **arguments: str) -> list[dict[str, Any]]:
    """`scrapy crawl jobboard` as a user runs it, pipelines off, items to a JSON Lines feed."""
    out = tmp_path / f"items-{len(list(tmp_path.iterdir()))}.jsonl"
    command = [
        sys.executable, "-m", "scrapy", "crawl", "jobboard", "-a", f"start_url={start_url}",
        "-O", str(out), "-s", "ITEM_PIPELINES={}", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "HTTPCACHE_ENABLED=False",
    ]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LUREWATCH_DATA": str(tmp_path / "data")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def keys(items: list[dict[str, Any]]) -> Counter[str]:
    return Counter(item["key"] or item["url"].split("/jobs/")[1] for item in items)


def expected_keys(ids: set[int]) -> Counter[str]:
    plain = {ad["id"] for ad in ADS.values() if ad["markup"] == "plain"}
    return Counter(f"{i}-{ADS[i]['slug']}" if i in plain else f"asiajoblink/AJL-{i}" for i in ids)


def test_crawl_from_listing_yields_every_ad_once(tmp_path: Path) -> None:
    server = serve_site("jobboard")
    try:
        items = crawl(tmp_path, server.url + "/jobs")
        fetched = Counter(server.requests)
    finally:
        server.stop()
    assert keys(items) == expected_keys(ALL_IDS)
    by_title = {item["title"]: item for item in items}
    assert set(by_title) == {ad["title"] for ad in ADS.values()}
    assert all(item["platform"] == "jobboard" and item["source"] == "jobboard" for item in items)
    assert all(item["url"].startswith(server.url + "/jobs/") for item in items)
    assert "숙식제공, 항공권 지원" in by_title[ADS[30417]["title"]]["html"]
    assert "“easy job, big salary”" in by_title[ADS[30418]["title"]]["html"]
    # each job page fetched once although the "Hot jobs" box links some of them again
    assert all(fetched[job_path(i)] == 1 for i in ALL_IDS)
    assert fetched["/robots.txt"] == 1
    assert [p for p in fetched if p.startswith("/jobs?page=")] == [
        "/jobs?page=2", "/jobs?page=3", "/jobs?page=4"]


def test_crawl_from_sitemap_yields_every_ad_once(tmp_path: Path) -> None:
    server = serve_site("jobboard")
    try:
        items = crawl(tmp_path, server.url + "/sitemap.xml", source="asiajoblink-sitemap")
        fetched = Counter(server.requests)
    finally:
        server.stop()
    assert keys(items) == expected_keys(ALL_IDS)
    assert {item["source"] for item in items} == {"asiajoblink-sitemap"}
    assert "/about" not in fetched  # listed in the sitemap, but not a job page


def test_crawl_feed_and_max_pages(tmp_path: Path) -> None:
    server = serve_site("jobboard")
    try:
        from_feed = crawl(tmp_path, server.url + "/feed.xml")
        two_pages = crawl(tmp_path, server.url + "/jobs", max_pages="2")
    finally:
        server.stop()
    newest = sorted(ALL_IDS, reverse=True)
    assert keys(from_feed) == expected_keys(set(newest[:20]))
    hot = {30410, 30420, 30440}  # the "Hot jobs" box is on every listing page
    assert keys(two_pages) == expected_keys(set(newest[:20]) | hot)


def test_crawl_sees_ads_revealed_between_runs(tmp_path: Path) -> None:
    server = serve_site("jobboard", hide_newest=3)
    try:
        before = crawl(tmp_path, server.url + "/jobs")
        revealed = server.app.reveal()
        after = crawl(tmp_path, server.url + "/jobs")
    finally:
        server.stop()
    assert revealed == [30438, 30439, 30440]
    assert keys(before) == expected_keys(ALL_IDS - set(revealed))
    assert keys(after) == expected_keys(ALL_IDS)
