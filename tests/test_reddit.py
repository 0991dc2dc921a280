"""The Reddit fixture site and the `reddit` spider: parsing of JSON listings, and crawls.

Parsing tests run the spider's plain functions on answers the fixture app gives in-process and
on a saved real listing (fixtures/reddit/samples/); the crawl test runs `scrapy crawl reddit`
as a user would, into both index backends, then re-crawls after new posts appear.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from protego import Protego
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from fixtures.reddit.site import RedditSite, load_content, make_app
from fixtures.server import FixtureServer
from lurewatch.document import document_id
from spiders.reddit import RedditSpider, in_time_order, listing_url, next_page_url, parse_listing

ORIGIN = "http://127.0.0.1:8000"  # any host: parsing must not depend on reddit.com
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "reddit" / "samples"
ALL = "cambodia+koreansabroad+SEAjobs+WorkAbroadPH"


def fetch(app: RedditSite, path: str, query: str = "") -> tuple[str, bytes]:
    """One request to the WSGI app, without a server."""
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, QUERY_STRING=query, HTTP_HOST="127.0.0.1:8000")
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=status)

    body = b"".join(app(environ, start_response))
    return answer["status"], body


def response_for(app: RedditSite, url: str) -> TextResponse:
    path, _, query = url.removeprefix(ORIGIN).partition("?")
    status, body = fetch(app, path, query)
    return TextResponse(url=url, body=body, encoding="utf-8", status=int(status[:3]))


def walk(app: RedditSite, url: str) -> tuple[list[dict[str, Any]], int]:
    """Every item reachable from a listing by following `after`, and the pages read."""
    items, pages = [], 0
    next_url: str | None = url
    while next_url:
        response = response_for(app, next_url)
        pages += 1
        items += parse_listing(response)
        next_url = next_page_url(response)
    return items, pages


@pytest.fixture(scope="module")
def app() -> RedditSite:
    return make_app()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return load_content()


@pytest.fixture(scope="module")
def items(app: RedditSite) -> dict[str, dict[str, Any]]:
    found, _ = walk(app, listing_url(f"{ORIGIN}/r/{ALL}/new.json?limit=100"))
    return {item["meta"]["post_id"]: item for item in found}


def epoch_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- listings -----------------------------------------------------------------------------------

def test_listing_is_reddit_json_newest_first(app: RedditSite, truth: dict[str, Any]) -> None:
    status, body = fetch(app, "/r/cambodia/new.json", "limit=3&raw_json=1")
    assert status == "200 OK"
    listing = json.loads(body)
    assert listing["kind"] == "Listing"
    assert set(listing["data"]) == {"after", "dist", "modhash", "geo_filter", "children",
                                    "before"}
    cambodia = [p for p in truth["posts"] if p["sub"] == "cambodia"]
    children = listing["data"]["children"]
    assert [c["kind"] for c in children] == ["t3"] * 3
    assert [c["data"]["id"] for c in children] == [p["id"] for p in cambodia[::-1][:3]]
    assert listing["data"]["after"] == children[-1]["data"]["name"]
    assert listing["data"]["dist"] == 3 and listing["data"]["before"] is None
    real = json.loads((SAMPLE / "r_popular_hot_2026-04-13_two_posts.json").read_text())
    ours, theirs = set(children[0]["data"]), set(real["data"]["children"][1]["data"])
    assert len(ours & theirs) >= 90  # the field names real listings carry
    assert ours - theirs == set()


def test_every_post_is_read_once_across_pages(app: RedditSite, truth: dict[str, Any]) -> None:
    found, pages = walk(app, listing_url(f"{ORIGIN}/r/{ALL}/new.json?limit=7"))
    assert [i["key"] for i in found] == [p["name"] for p in truth["posts"]][::-1]
    assert len(found) == 33 and pages == 5  # 7 + 7 + 7 + 7 + 5


def test_self_post_fields(items: dict[str, dict[str, Any]], truth: dict[str, Any]) -> None:
    post = items["1u0a0m"]
    assert post["platform"] == "reddit" and post["source"] == "reddit"
    assert post["key"] == "t3_1u0a0m"
    assert post["url"] == (f"{ORIGIN}/r/cambodia/comments/1u0a0m/"
                           "hiring_customer_service_agents_in_sihanoukville_2/")
    assert post["title"] == ("Hiring: customer service agents in Sihanoukville, $2,500/month, "
                             "no experience")
    assert post["posted_at"] == "2026-09-07T04:20:00Z"
    assert post["author"] == "bavet_hr_team"
    assert post["text"] is None
    assert post["html"].startswith('<div class="md"><p>We are hiring <strong>customer service')
    assert "<li>Flights, visa and accommodation paid</li>" in post["html"]
    assert "SC_OFF" not in post["html"]
    assert post["links"] == ["https://wa.me/85512345678"]
    meta = post["meta"]
    assert meta == {
        "post_id": "1u0a0m", "fullname": "t3_1u0a0m", "subreddit": "cambodia",
        "subreddit_id": "t5_2qh8v", "subreddit_subscribers": 61842, "permalink": post["url"],
        "author_fullname": meta["author_fullname"], "score": 0, "upvote_ratio": 0.31,
        "num_comments": 14, "flair": "Jobs", "author_flair": None, "over_18": False,
        "spoiler": False, "locked": False, "stickied": False, "is_self": True,
        "domain": "self.cambodia", "outbound_url": None, "edited": None,
        "removed_by_category": None, "page_url": meta["page_url"],
    }
    assert re.fullmatch(r"t2_[0-9a-z]+", meta["author_fullname"])
    assert meta["page_url"] == f"{ORIGIN}/r/{ALL}/new.json?limit=100&raw_json=1"
    for source in truth["posts"]:  # every post's own time, author and title
        item = items[source["id"]]
        assert item["posted_at"] == epoch_iso(source["at"])
        assert item["title"] == source["title"]
        assert item["meta"]["subreddit"] == source["sub"]
        assert item["meta"]["score"] == source["score"]
        assert item["meta"]["num_comments"] == source["comments"]
        assert item["meta"]["flair"] == source["flair"]


def test_link_removed_edited_and_over_18_posts(items: dict[str, dict[str, Any]]) -> None:
    news = items["1u0a1k"]
    outbound = "https://news.example.org/2026/09/14/police-rescue-workers-from-sihanoukville-compound"
    assert news["html"] == "" and news["text"] == outbound
    assert news["links"] == [outbound]
    assert news["meta"]["outbound_url"] == outbound
    assert news["meta"]["is_self"] is False and news["meta"]["domain"] == "news.example.org"

    removed = items["1u0a46"]
    assert removed["author"] is None  # "[deleted]"
    assert removed["html"] == "" and removed["text"] is None
    assert removed["title"] == "Easy job in Poipet, $3000, message me"
    assert removed["meta"]["removed_by_category"] == "moderator"
    assert removed["meta"]["author_fullname"] is None

    edited = items["1u0a2r"]
    assert edited["meta"]["edited"] == "2026-09-25T03:02:00Z"
    assert edited["links"] == ["https://open.kakao.com/o/sKs77Hr2"]
    assert items["1u0a5j"]["meta"]["over_18"] is True
    assert items["1u0a5j"]["meta"]["over_18"] != items["1u0a5b"]["meta"]["over_18"]


def test_saved_real_listing() -> None:
    body = (SAMPLE / "r_popular_hot_2026-04-13_two_posts.json").read_bytes()
    url = "https://oauth.reddit.com/r/popular/hot?limit=100&raw_json=1"
    response = TextResponse(url=url, body=body, encoding="utf-8")
    link, self_post = parse_listing(response)
    assert link["url"] == ("https://oauth.reddit.com/r/MMA/comments/1skjxta/"
                           "ulberg_on_jiri_showing_mercy_thats_bullshit_total/")
    assert link["key"] == "t3_1skjxta" and link["author"] == "airplane231"
    assert link["posted_at"] == "2026-04-13T18:44:08Z"
    assert link["meta"]["outbound_url"] == "https://streamable.com/ql7tuy"
    assert link["links"] == ["https://streamable.com/ql7tuy",
                             "https://x.com/arielhelwani/status/2043757261882044451"]
    assert link["meta"]["score"] == 546 and link["meta"]["num_comments"] == 495
    assert link["meta"]["flair"] == "Media" and link["meta"]["upvote_ratio"] == 0.8
    assert self_post["meta"]["is_self"] is True and self_post["meta"]["outbound_url"] is None
    assert self_post["meta"]["subreddit"] == "anime"
    assert self_post["html"].startswith('<div class="md"><p>This is ridiculous the movie')
    assert next_page_url(response) == (
        "https://oauth.reddit.com/r/popular/hot?limit=100&raw_json=1&after=t3_1skbyfv")


def test_search_listing(app: RedditSite) -> None:
    url = listing_url(f"{ORIGIN}/r/SEAjobs/search.json?q=Myawaddy&restrict_sr=1")
    assert "sort=new" in url and in_time_order(url)
    found, pages = walk(app, url)
    assert [i["meta"]["post_id"] for i in found] == ["1u0a5b"] and pages == 1
    everywhere = response_for(app, f"{ORIGIN}/r/SEAjobs/search.json?q=myawaddy&raw_json=1")
    assert json.loads(everywhere.text)["data"]["facets"] == {}
    assert {i["meta"]["subreddit"] for i in parse_listing(everywhere)} == {"SEAjobs",
                                                                           "WorkAbroadPH"}
    assert not in_time_order(everywhere.url)  # relevance order: no early stop


def test_without_raw_json_reddit_escapes_markup(app: RedditSite) -> None:
    _, body = fetch(app, "/r/cambodia/new.json", "limit=1")
    child = json.loads(body)["data"]["children"][0]["data"]
    assert child["selftext_html"].startswith("&lt;!-- SC_OFF --&gt;&lt;div class=\"md\"&gt;")
    assert "raw_json=1" in listing_url(f"{ORIGIN}/r/cambodia/new.json")


def test_about_unknown_subreddit_and_robots(app: RedditSite) -> None:
    status, body = fetch(app, "/r/koreansabroad/about.json", "raw_json=1")
    about = json.loads(body)
    assert about["kind"] == "t5" and about["data"]["subscribers"] == 18305
    assert about["data"]["display_name_prefixed"] == "r/koreansabroad"
    status, body = fetch(app, "/r/no_such_sub/new.json")
    assert status.startswith("404") and json.loads(body) == {"message": "Not Found",
                                                              "error": 404}
    robots = Protego.parse(fetch(app, "/robots.txt")[1].decode())  # Scrapy's robots.txt parser
    assert robots.can_fetch(f"{ORIGIN}/r/cambodia/new.json?limit=100", "lurewatch")
    assert not robots.can_fetch(f"{ORIGIN}/user/kimsil_hr77/submitted.json", "lurewatch")


def test_held_back_posts_appear_after_reveal() -> None:
    site = make_app(hide_newest={"cambodia": 3})
    first = parse_listing(response_for(site, f"{ORIGIN}/r/cambodia/new.json?raw_json=1"))
    assert first[0]["meta"]["post_id"] == "1u0a4u" and len(first) == 7
    newest = first[0]["url"].removeprefix(ORIGIN)
    status, page = fetch(site, newest)
    assert status == "200 OK" and b"Is this job offer legit?" in page
    assert fetch(site, "/r/cambodia/comments/1u0a73/water/")[0].startswith("404")  # held back
    assert site.reveal() == 3
    again = parse_listing(response_for(site, f"{ORIGIN}/r/cambodia/new.json?raw_json=1"))
    assert [i["meta"]["post_id"] for i in again[:4]] == ["1u0a73", "1u0a6f", "1u0a5j", "1u0a4u"]
    site.remove("1u0a73")  # as a takedown would: gone from listings, a notice on its page
    assert parse_listing(response_for(site, f"{ORIGIN}/r/cambodia/new.json"))[0]["key"] == (
        "t3_1u0a6f")
    status, page = fetch(site, "/r/cambodia/comments/1u0a73/water/")
    assert status == "200 OK" and b"Sorry, this post was removed by Reddit." in page


@pytest.mark.parametrize(("given", "expected"), [
    ("https://www.reddit.com/r/cambodia",
     "https://www.reddit.com/r/cambodia/new.json?limit=100&raw_json=1"),
    ("r/cambodia", "https://www.reddit.com/r/cambodia/new.json?limit=100&raw_json=1"),
    ("www.reddit.com/r/cambodia/hot/",
     "https://www.reddit.com/r/cambodia/hot.json?limit=100&raw_json=1"),
    (f"{ORIGIN}/r/a+b/new.json?limit=10", f"{ORIGIN}/r/a+b/new.json?limit=10&raw_json=1"),
    ("https://www.reddit.com/r/x/search.json?q=job&restrict_sr=1",
     "https://www.reddit.com/r/x/search.json?q=job&restrict_sr=1&limit=100&sort=new&raw_json=1"),
])
def test_start_url_forms(given: str, expected: str) -> None:
    assert listing_url(given) == expected


@pytest.mark.parametrize("bad", ["https://www.reddit.com/user/someone",
                                 "https://www.reddit.com/r/x/search.json", ""])
def test_bad_start_url_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"(?i)reddit"):
        listing_url(bad)


# -- crawls into both index backends ------------------------------------------------------------

def listing_requests(server: FixtureServer, since: int) -> list[str]:
    return [p for p in server.requests[since:] if p.startswith("/r/")]


def test_crawl_index_and_recrawl_only_what_is_new(env: Any, truth: dict[str, Any]) -> None:
    held = [p for p in truth["posts"] if p["sub"] == "cambodia"][-3:]
    assert [p["id"] for p in held] == ["1u0a5j", "1u0a6f", "1u0a73"]
    newest_first = [p for p in truth["posts"] if p not in held][::-1]
    site = make_app(hide_newest={"cambodia": 3})
    with FixtureServer(site) as server:
        start = f"{server.url}/r/{ALL}/new.json?limit=10"
        first = env.crawl("reddit", start_url=start)
        assert listing_requests(server, 0) == [
            f"/r/{ALL}/new.json?limit=10&raw_json=1",
            *(f"/r/{ALL}/new.json?limit=10&raw_json=1&after={newest_first[n]['name']}"
              for n in (9, 19)),
        ]  # 30 visible posts: three full pages, the last without `after`
        assert "/robots.txt" in server.requests
        assert "'item_scraped_count': 30" in first.stderr

        # three new posts: the re-crawl reads one page and indexes exactly those three
        assert site.reveal() == 3
        since = len(server.requests)
        again = env.crawl("reddit", start_url=start)
        assert listing_requests(server, since) == [f"/r/{ALL}/new.json?limit=10&raw_json=1"]
        assert "'item_scraped_count': 3" in again.stderr
        assert "'lurewatch/indexed_new': 3" in again.stderr
        docs = {d["id"]: d for d in env.search("", "--platform", "reddit")["hits"]}

    assert set(docs) == {document_id("reddit", p["name"]) for p in truth["posts"]}
    new = {document_id("reddit", p["name"]) for p in held}
    assert max(d["first_seen"] for i, d in docs.items() if i not in new) < min(
        docs[i]["first_seen"] for i in new)
    for source in truth["posts"]:
        doc = docs[document_id("reddit", source["name"])]
        assert doc["platform"] == "reddit" and doc["source"] == "reddit"
        assert doc["url"].startswith(f"{server.url}/r/{source['sub']}/comments/{source['id']}/")
        assert doc["title"] == source["title"]
        assert doc["posted_at"] == epoch_iso(source["at"])
        assert doc["author"] == (None if source.get("removed") else source["author"])
        assert doc["crawled_at"] == doc["first_seen"] == doc["last_seen"]
        if source.get("link"):
            assert doc["text"] == source["link"]
        elif source.get("removed"):
            assert doc["text"] == ""
        else:  # the markdown's words, without its markup
            words = re.sub(r"\*\*|\[|\]\([^)]*\)|^- ", "", source["body"], flags=re.M)
            assert " ".join(doc["text"].split()) == " ".join(words.split()), source["id"]
            assert doc["lang"] == source["lang"], source["id"]
        assert doc["meta"]["subreddit"] == source["sub"]
        assert doc["meta"]["flair"] == source["flair"]
        assert doc["meta"]["score"] == source["score"]
        assert doc["meta"]["over_18"] is bool(source.get("over_18"))
        assert doc["meta"]["outbound_url"] == source.get("link")
        assert doc["evidence"]["sha256"] and doc["evidence"]["record_id"]
        assert doc["evidence"]["warc"].endswith((".warc", ".warc.gz"))

    # enrichment on lures: contacts in their normal form, and the risk they carry
    kimsil = docs[document_id("reddit", "t3_1u0a04")]
    assert kimsil["entities"]["telegram"] == ["kimsil_hr77"]
    assert "+821004873361" in kimsil["entities"]["phones"]
    assert kimsil["risk"]["level"] == "high"
    bavet = docs[document_id("reddit", "t3_1u0a0m")]
    assert "+85512345678" in bavet["entities"]["phones"]
    assert bavet["entities"]["whatsapp"] == ["+85512345678"]
    assert bavet["risk"]["level"] == "high"
    assert {"offplatform_contact", "no_experience", "destination_hotspot"} <= {
        i["code"] for i in bavet["indicators"]}
    assert docs[document_id("reddit", "t3_1u0a5z")]["risk"]["level"] == "low"  # a chef's job
    carrying = {d["meta"]["post_id"] for d in docs.values()
                if "kimsil_hr77" in d["entities"]["telegram"]}
    assert carrying == {"1u0a04", "1u0a2r", "1u0a6n"}  # one recruiter, three posts
    casino = docs[document_id("reddit", "t3_1u0a5j")]  # one of the three new posts
    assert casino["meta"]["over_18"] is True
    assert casino["entities"]["telegram"] == ["sv_casino_hr"]


def test_a_missing_subreddit_or_a_page_that_is_not_a_listing_is_one_warning(
    app: RedditSite, caplog: pytest.LogCaptureFixture,
) -> None:
    spider = RedditSpider(start_url=f"{ORIGIN}/r/no_such_sub")
    missing = response_for(app, spider.start_url)
    request = Request(spider.start_url)
    failure = Failure(HttpError(missing))
    failure.request = request  # as Scrapy hands it to an errback
    with caplog.at_level(logging.WARNING):
        spider.failed(failure)
        html_page = TextResponse(url=f"{ORIGIN}/r/x/new.json", body=b"<html>login</html>",
                                 encoding="utf-8")
        assert list(spider.parse(html_page)) == []
    assert [r.getMessage() for r in caplog.records] == [
        f"reddit: could not read {spider.start_url}: HTTP 404 (no such subreddit, or it is "
        "private or banned)",
        f"reddit: {ORIGIN}/r/x/new.json is not a Reddit listing (HTTP 200); nothing read",
    ]
