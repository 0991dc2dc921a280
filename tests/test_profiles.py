"""Site profiles end to end: the `profile` spider crawls both fixture boards into each real index,
discovers feeds from a home page, re-crawls only what is new and keeps out of robots.txt's way.

Crawls run as an analyst runs them (`lurewatch crawl SOURCE`, `scrapy crawl profile ...`) in a
subprocess against the fixture sites served on loopback; the profiles are the shipped ones.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from fixtures.classifieds.site import load_content, posted_at, relative_posted, site_clock
from fixtures.jobboard.site import load_content as load_board
from fixtures.server import FixtureServer, serve_site
from lurewatch.document import to_utc, utc_iso
from pipelines.normalize import html_to_text

ROOT = Path(__file__).resolve().parents[1]
CONTENT = load_content()
ADS = {ad["id"]: ad for ad in CONTENT["ads"]}
ZONE = CONTENT["site"]["timezone"]
BOARD = {ad["id"]: ad for ad in load_board()["ads"]}


def ad_path(ad: dict[str, Any]) -> str:
    return f"/ad/{ad['id']}-{ad['slug']}.html"


def by_url(env: Any, server: FixtureServer) -> dict[str, dict[str, Any]]:
    docs = env.search("")["hits"]
    assert len({d["url"] for d in docs}) == len(docs)  # each ad indexed once
    return {d["url"].removeprefix(server.url): d for d in docs}


def job_pages(server: FixtureServer, prefix: str) -> Counter[str]:
    return Counter(p.split("?")[0] for p in server.requests if p.startswith(prefix))


def sources_file(tmp_path: Path, **sources: dict[str, Any]) -> Path:
    """An analyst's sources file: the shipped profiles plus the given sources."""
    shipped = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources, "profiles": shipped["profiles"]},
                                   allow_unicode=True), encoding="utf-8")
    return path


def crawl(env: Any, **arguments: str) -> None:
    """`scrapy crawl profile -a ...` as an analyst runs it, in the test's LUREWATCH_* setup;
    AutoThrottle off, as loopback needs no throttling and the machine is shared."""
    command = [sys.executable, "-m", "scrapy", "crawl", "profile", "-s", "LUREWATCH_NER=False",
               "-s", "AUTOTHROTTLE_ENABLED=False"]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    done = subprocess.run(command, cwd=ROOT, env=env.environ(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr[-4000:]


def assert_lure(doc: dict[str, Any], ad: dict[str, Any]) -> None:
    """The enrichment an analyst relies on: contact points, indicators, a high risk."""
    truth = ad["truth"]
    for kind in ("phones", "telegram", "whatsapp", "kakao", "line", "wechat"):
        assert set(truth.get(kind, [])) <= set(doc["entities"][kind]), (ad["id"], kind)
    codes = {i["code"] for i in doc["indicators"]}
    assert set(truth.get("indicators", [])) <= codes, (ad["id"], codes)
    assert doc["risk"]["level"] == "high", (ad["id"], doc["risk"])


def test_classifieds_profile_indexes_every_ad(env, tmp_path: Path) -> None:
    server = serve_site("classifieds")
    try:
        path = sources_file(tmp_path, psardeal={
            "spider": "profile", "tags": ["classifieds"], "schedule": "0 * * * *",
            "arguments": {"profile": "classifieds", "start_url": server.url + "/jobs"}})
        done = env.lurewatch("crawl", "--sources", str(path), "--no-ner", "psardeal")
        assert done.returncode == 0, done.stderr[-3000:]
        assert "psardeal: " in done.stdout and " 30 posts" in done.stdout
        docs = by_url(env, server)
    finally:
        server.stop()
    assert set(docs) == {ad_path(ad) for ad in ADS.values()}
    for ad in ADS.values():
        doc = docs[ad_path(ad)]
        assert doc["url"] == server.url + ad_path(ad)
        assert doc["source"] == "psardeal" and doc["platform"] == "jobboard"
        assert doc["title"] == ad["title"]
        # the body, the price and the contact box, as plain text without page chrome
        for line in html_to_text(ad["description"]).splitlines():
            assert line in doc["text"], (ad["id"], line)
        assert ad["price"] in doc["text"]
        assert all(line in doc["text"] for line in ad["contact"]["lines"])
        assert "Report this ad" not in doc["text"] and "<" not in doc["text"]
        # dd/mm/yyyy HH:MM in Phnom Penh time becomes UTC
        assert doc["posted_at"] == utc_iso(posted_at(ad, ZONE)), ad["id"]
        assert doc["meta"]["salary_text"] == ad["price"]
        assert doc["meta"].get("company") == ad["company"]
        assert doc["meta"]["location"] == ad["location"]
        assert doc["author"] == ad["contact"]["name"]
        assert doc["lang"] == ad["lang"], (ad["id"], doc["lang"])
    assert docs[ad_path(ADS[5107])]["posted_at"] == "2026-10-09T16:45:00Z"
    assert_lure(docs[ad_path(ADS[5107])], ADS[5107])
    assert_lure(docs[ad_path(ADS[5109])], ADS[5109])
    assert docs[ad_path(ADS[5112])]["risk"]["level"] != "high"  # an ordinary hotel job


def test_relative_dates_count_back_from_the_date_header(sqlite_env) -> None:
    """The board shows "6 weeks ago", "៦ សប្តាហ៍មុន", "6天前", "2 ชั่วโมงที่แล้ว" (each ad in its
    language) and sends its clock as HTTP Date: posted_at is that moment less the stated
    interval, and meta keeps the words, their precision and the moment they count from."""
    server = serve_site("classifieds", relative_dates=True)
    try:
        crawl(sqlite_env, profile="classifieds", start_url=server.url + "/jobs")
        docs = by_url(sqlite_env, server)
    finally:
        server.stop()
    site = CONTENT["site"]
    fetched = site_clock(site)
    assert set(docs) == {ad_path(ad) for ad in ADS.values()}
    units = Counter()
    for ad in ADS.values():
        doc, (text, interval, unit) = docs[ad_path(ad)], relative_posted(ad, site)
        assert doc["meta"]["posted_as"] == text, ad["id"]
        assert doc["posted_at"] == utc_iso(fetched - interval), (ad["id"], text)
        assert doc["meta"]["posted_precision"] == unit
        assert doc["meta"]["posted_relative_to"] == utc_iso(fetched)
        units[unit] += 1
    assert set(units) == {"hour", "day", "week"}
    assert docs[ad_path(ADS[5130])]["posted_at"] == "2026-11-18T04:05:00Z"  # 2 hours before 06:05Z
    assert docs[ad_path(ADS[5102])]["meta"]["posted_as"] == "៦ សប្តាហ៍មុន"


def test_asiajoblink_profile_indexes_every_ad(env, jobboard_site: FixtureServer) -> None:
    crawl(env, profile="asiajoblink", start_url=jobboard_site.url + "/jobs", source="ajl-profile")
    docs = by_url(env, jobboard_site)
    paths = {f"/jobs/{i}-{ad['slug']}": ad for i, ad in BOARD.items()}
    assert set(docs) == set(paths)
    for path, ad in paths.items():
        doc = docs[path]
        assert doc["title"] == ad["title"] and doc["source"] == "ajl-profile"
        assert doc["posted_at"] == to_utc(ad["posted"]), path
        first = html_to_text(ad["description"]).splitlines()[0]
        assert first[:40] in doc["text"], path  # pages in EUC-KR and windows-1252 too
        assert ad["location"]["locality"] in doc["meta"]["location"], path
    lure_a, lure_b = docs["/jobs/30403-" + BOARD[30403]["slug"]], docs[
        "/jobs/30409-" + BOARD[30409]["slug"]]
    assert "kh_tm_boss" in lure_a["entities"]["telegram"] and lure_a["risk"]["level"] == "high"
    assert {"+855961234567", "+821048273315"} <= set(lure_b["entities"]["phones"])
    assert "goldjob77" in lure_b["entities"]["kakao"] and lure_b["risk"]["level"] == "high"


def test_feeds_discovered_from_home_page(sqlite_env) -> None:
    server = serve_site("classifieds")
    try:
        crawl(sqlite_env, profile="classifieds", start_url=server.url + "/", discover="feeds")
        docs = by_url(sqlite_env, server)
        fetched = Counter(p.split("?")[0] for p in server.requests)
    finally:
        server.stop()
    assert fetched["/rss/jobs.xml"] == 1 and fetched["/atom/jobs.xml"] == 1
    assert not [p for p in fetched if "sitemap" in p or p.startswith("/jobs")]
    newest = sorted(ADS, reverse=True)[:20]  # the feeds carry the 20 newest
    assert set(docs) == {ad_path(ADS[i]) for i in newest}
    assert all(n == 1 for p, n in fetched.items() if p.startswith("/ad/"))


def test_recrawl_fetches_only_the_new_ads_and_nothing_robots_disallows(sqlite_env) -> None:
    """First from the home page (feeds, robots.txt's sitemap index, which points into the
    disallowed /admin/, the ads' sitemap), then from the newest-first listing once three new
    ads appeared: ads indexed from feed or sitemap URLs are known by their listing URLs."""
    server = serve_site("classifieds", hide_newest=3)
    try:
        crawl(sqlite_env, profile="classifieds", start_url=server.url + "/")
        first = job_pages(server, "/ad/")
        before = [p.split("?")[0] for p in server.requests]
        revealed = server.app.reveal()
        server.requests.clear()
        crawl(sqlite_env, profile="classifieds", start_url=server.url + "/jobs")
        second = job_pages(server, "/ad/")
        listing = [p for p in server.requests if p.startswith("/jobs")]
        after = [p.split("?")[0] for p in server.requests]
        docs = by_url(sqlite_env, server)
    finally:
        server.stop()
    assert revealed == [5128, 5129, 5130]
    assert len(first) == 27 and all(n == 1 for n in first.values())
    assert {"/rss/jobs.xml", "/atom/jobs.xml", "/sitemap.xml", "/sitemaps/ads.xml"} <= set(before)
    assert [p for p in before + after if p.startswith("/admin")] == []
    assert second == Counter({ad_path(ADS[i]): 1 for i in revealed})
    assert listing == ["/jobs", "/jobs?page=2"]  # page 2 holds nothing new: paging stops
    assert set(docs) == {ad_path(ad) for ad in ADS.values()}


def test_robots_opt_out_with_a_reason_is_applied(sqlite_env, tmp_path: Path) -> None:
    shipped = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))["profiles"]
    profile = {**shipped["classifieds"], "politeness": {
        "obey_robots": False, "reason": "the site owner asked us to check its drafts"}}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"sources": {}, "profiles": {"drafts": profile}}),
                    encoding="utf-8")
    server = serve_site("classifieds")
    try:
        crawl(sqlite_env, profile="drafts", sources=str(path), start_url=server.url + "/",
              discover="sitemaps", max_jobs="1")
        fetched = [p.split("?")[0] for p in server.requests]
    finally:
        server.stop()
    assert "/admin/sitemaps/drafts.xml" in fetched and "/robots.txt" in fetched
    assert len([p for p in fetched if p.startswith("/ad/")]) == 1  # max_jobs


def test_content_has_every_language_and_true_contacts() -> None:
    langs = Counter(ad["lang"] for ad in ADS.values())
    assert 25 <= len(ADS) <= 35 and set(langs) == {"km", "ko", "en", "zh", "th", "vi"}
    for lang in langs:  # lures and ordinary jobs in every language
        assert {ad["lure"] for ad in ADS.values() if ad["lang"] == lang} == {True, False}, lang
    for ad in ADS.values():
        shown = " ".join([ad["price"], ad["description"], *ad["contact"]["lines"]])
        for handle in ad["truth"].get("telegram", []):
            assert "@" + handle in shown, ad["id"]
        for phone in ad["truth"].get("phones", []):
            number = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(number), (ad["id"], phone)
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            assert "".join(filter(str.isdigit, national))[-6:] in "".join(
                filter(str.isdigit, shown)), (ad["id"], phone)
