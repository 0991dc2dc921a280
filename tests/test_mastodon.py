"""The Mastodon fixture instance and the `mastodon` spider: parsing of API answers, and crawls.

Parsing tests run the spider's plain functions on answers the fixture app gives in-process and
on a saved real Status (fixtures/mastodon/samples/); the crawl tests run `scrapy crawl mastodon`
as a user would, into both index backends, then re-crawl after new statuses appear.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from wsgiref.util import setup_testing_defaults

import pytest
import yaml
from protego import Protego
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from fixtures.mastodon.site import MastodonSite, load_content, make_app
from fixtures.server import FixtureServer
from index import open_index
from lurewatch.document import canonical_key, document_id
from pipelines.normalize import item_to_document
from spiders.mastodon import (
    MastodonSpider,
    link_header,
    next_page_url,
    parse_statuses,
    start_request_url,
    tag_timeline_url,
)

ORIGIN = "http://127.0.0.1:8000"  # any host: parsing must not depend on a real instance
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon" / "samples"
BAVET_ID = "110455000000000044"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fetch(app: MastodonSite, url: str) -> TextResponse:
    """One request to the WSGI app, without a server, as a TextResponse the spider reads."""
    path, _, query = url.removeprefix(ORIGIN).partition("?")
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=unquote(path).encode().decode("latin-1"), QUERY_STRING=query,
                   HTTP_HOST="127.0.0.1:8000")
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=int(status[:3]), headers=headers)

    body = b"".join(app(environ, start_response))
    headers = {k: v for k, v in answer["headers"] if k != "Content-Length"}
    return TextResponse(url=url, body=body, encoding="utf-8", status=answer["status"],
                        headers=headers)


def walk(app: MastodonSite, url: str) -> tuple[list[dict[str, Any]], int]:
    """Every item reachable from a timeline by following rel="next", and the pages read."""
    items, pages = [], 0
    next_url: str | None = url
    while next_url:
        response = fetch(app, next_url)
        pages += 1
        items += parse_statuses(response)
        next_url = next_page_url(response)
    return items, pages


def plain(text: str) -> str:
    return " ".join(text.split())


def expected_text(status: dict[str, Any]) -> str:
    """The words a reader sees: content warning, text (remote mentions shown by user name, as
    Mastodon shows them), image descriptions."""
    text = re.sub(r"@(\w+)@[\w.-]+\.[a-z]{2,}", r"@\1", status.get("text", ""))
    parts = [status.get("spoiler", ""), text]
    parts += [m["description"] for m in status.get("media") or []]
    return plain(" ".join(p for p in parts if p))


@pytest.fixture(scope="module")
def app() -> MastodonSite:
    return make_app()


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return load_content()


@pytest.fixture(scope="module")
def tagged(app: MastodonSite) -> dict[str, dict[str, Any]]:
    found, _ = walk(app, f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=40")
    return {item["meta"]["status_id"]: item for item in found}


def by_ref(truth: dict[str, Any], ref: str) -> dict[str, Any]:
    return truth["by_ref"][ref]


# -- the API answers ----------------------------------------------------------------------------

def test_tag_timeline_is_mastodon_json_with_link_header(app: MastodonSite,
                                                        truth: dict[str, Any]) -> None:
    response = fetch(app, f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=8")
    statuses = json.loads(response.text)
    hiring = [s for s in truth["statuses"] if "hiring" in s["tags"] and not s.get("reblog")]
    assert [s["id"] for s in statuses] == [s["id"] for s in hiring[::-1][:8]]
    assert link_header(response) == {
        "next": f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=8&max_id={statuses[-1]['id']}",
        "prev": f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=8&min_id={statuses[0]['id']}",
    }
    real = json.loads((SAMPLE / "Status_example0.json").read_text())
    assert set(real) - set(statuses[0]) == {"favourited", "reblogged", "muted", "bookmarked"}
    assert set(real["account"]) <= set(statuses[0]["account"])


def test_every_status_is_read_once_across_pages(app: MastodonSite,
                                                truth: dict[str, Any]) -> None:
    found, pages = walk(app, f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=8")
    hiring = [s for s in truth["statuses"] if "hiring" in s["tags"] and not s.get("reblog")]
    assert [i["meta"]["status_id"] for i in found] == [s["id"] for s in hiring[::-1]]
    assert len(found) == 24 and pages == 4  # 8 + 8 + 8, then a full page's next is empty
    timeline, pages = walk(app, f"{ORIGIN}/api/v1/accounts/{BAVET_ID}/statuses?limit=5")
    assert len(timeline) == 11 and pages == 3  # 5 + 5 + 1, the boost among them


def test_status_fields(tagged: dict[str, dict[str, Any]], truth: dict[str, Any]) -> None:
    source = by_ref(truth, "bavet-1")
    item = tagged[source["id"]]
    uri = f"{ORIGIN}/users/bavet_hr_team/statuses/{source['id']}"
    assert item == {
        "platform": "mastodon", "source": "mastodon",
        "url": f"{ORIGIN}/@bavet_hr_team/{source['id']}", "key": canonical_key(uri),
        "title": None, "html": item["html"], "links": ["https://wa.me/85512345678"],
        "posted_at": "2026-10-04T07:40:00.000Z", "author": "bavet_hr_team",
        "meta": {
            "status_id": source["id"], "uri": uri,
            "account": {"id": BAVET_ID, "acct": "bavet_hr_team", "username": "bavet_hr_team",
                        "display_name": "Bavet HR Team", "url": f"{ORIGIN}/@bavet_hr_team",
                        "bot": False, "followers": 131},
            "display_name": "Bavet HR Team", "spoiler_text": None, "sensitive": False,
            "visibility": "public", "language": "en", "in_reply_to_id": None,
            "replies_count": 2, "reblogs_count": 0, "favourites_count": 1, "edited_at": None,
            "tags": ["hiring", "cambodia"], "mentions": [], "media": [], "card": None,
            "boosted_by": None,
            "page_url": f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=40",
        },
    }
    assert item["key"] == "127.0.0.1/users/bavet_hr_team/statuses/" + source["id"]  # no port
    assert '<span class="invisible">https://</span>' in item["html"]  # Mastodon's link markup
    assert plain(item_to_document(item, "mastodon")["text"]) == expected_text(source)
    for status in truth["statuses"]:  # every status's own time, author and text
        if status["id"] in tagged:
            doc = item_to_document(tagged[status["id"]], "mastodon")
            assert doc["posted_at"] == status["at"].strftime("%Y-%m-%dT%H:%M:%SZ")
            assert doc["author"] == status["account"]
            if not status.get("raw_html"):
                assert plain(doc["text"]) == expected_text(status), status["ref"]


def test_content_warning_media_reply_and_mentions(tagged: dict[str, dict[str, Any]],
                                                  truth: dict[str, Any]) -> None:
    warned = tagged[by_ref(truth, "cw-offer")["id"]]
    assert warned["meta"]["spoiler_text"] == "해외 구인 (캄보디아) · 긴 글"
    assert warned["meta"]["sensitive"] is True
    assert warned["html"].startswith("<p>해외 구인 (캄보디아) · 긴 글</p><p>프놈펜")
    assert warned["meta"]["tags"] == ["해외취업", "hiring"]
    assert warned["links"] == ["https://open.kakao.com/o/sKs77Hr2"]

    poster = tagged[by_ref(truth, "poster")["id"]]
    [media] = poster["meta"]["media"]
    assert media["type"] == "image" and media["url"].endswith("/original/poster.png")
    assert media["description"].startswith("Poster: URGENT HIRING in Bavet")
    assert poster["html"].endswith(f"<p>{media['description']}</p>")

    reply = tagged[by_ref(truth, "reply-ngo")["id"]]
    assert reply["meta"]["in_reply_to_id"] == by_ref(truth, "poster")["id"]
    assert reply["meta"]["mentions"] == ["bavet_hr_team"]
    assert reply["links"] == []  # a mention is not an outbound link

    thread = tagged[by_ref(truth, "mention-thread")["id"]]
    assert thread["meta"]["mentions"] == ["kimsil_hr", "jsj_recruit@nomad.example"]
    assert 'href="https://nomad.example/@jsj_recruit"' in thread["html"]
    hotel = tagged[by_ref(truth, "hotel-sr")["id"]]
    assert hotel["links"] == ["https://angkor-boutique.example/careers"]
    assert "https://angkor-boutique.example/careers" in item_to_document(hotel, "m")["text"]


def test_a_boost_is_read_as_the_status_it_boosts(app: MastodonSite,
                                                 truth: dict[str, Any]) -> None:
    timeline, _ = walk(app, f"{ORIGIN}/api/v1/accounts/{BAVET_ID}/statuses?limit=40")
    boost, original = by_ref(truth, "bavet-boost"), by_ref(truth, "jsj-1")
    [item] = [i for i in timeline if i["meta"]["boosted_by"]]
    assert item["meta"]["status_id"] == original["id"]
    assert item["url"] == f"https://nomad.example/@jsj_recruit/{original['id']}"
    assert item["key"] == f"nomad.example/users/jsj_recruit/statuses/{original['id']}"
    assert item["author"] == "jsj_recruit@nomad.example"
    assert item["meta"]["display_name"] == "金三角招聘 JSJ"
    assert item["meta"]["tags"] == ["缅甸招聘"]
    assert item["meta"]["boosted_by"] == {
        "acct": "bavet_hr_team", "display_name": "Bavet HR Team",
        "account_url": f"{ORIGIN}/@bavet_hr_team", "status_id": boost["id"],
        "uri": f"{ORIGIN}/users/bavet_hr_team/statuses/{boost['id']}/activity",
        "created_at": "2026-10-05T12:30:00.000Z",
    }
    assert "gt_hr8888" in item_to_document(item, "mastodon")["text"]


def test_hostile_content_stays_text(tagged: dict[str, dict[str, Any]],
                                    truth: dict[str, Any]) -> None:
    item = tagged[by_ref(truth, "hostile")["id"]]
    doc = item_to_document(item, "mastodon")
    assert "alert(document.cookie)" not in doc["text"]  # a script element is not text
    assert "<script>steal()</script>" in doc["text"]  # escaped markup is the post's words
    assert not _CONTROL.search(doc["text"]) and "Earn $500/day" in doc["text"]
    assert item["links"] == ["https://promo.example/x"]  # no javascript: link
    assert item["meta"]["display_name"] == "<script>alert('dn')</script>💰 FREE\x07 MONEY"
    assert doc["author"] == "promo_bot"


def test_paging_without_a_link_header_uses_the_last_id(app: MastodonSite) -> None:
    url = f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=8"
    served = fetch(app, url)
    bare = TextResponse(url=url, body=served.body, encoding="utf-8")  # a proxy dropped it
    last = json.loads(served.text)[-1]["id"]
    assert link_header(bare) is None
    assert next_page_url(bare) == f"{url}&max_id={last}"
    last_page = fetch(app, f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=40")
    assert "next" not in (link_header(last_page) or {}) and next_page_url(last_page) is None
    empty = fetch(app, f"{url}&max_id=1")
    assert json.loads(empty.text) == [] and next_page_url(empty) is None


def test_saved_real_status() -> None:
    body = b"[" + (SAMPLE / "Status_example0.json").read_bytes() + b"]"
    url = "https://mastodon.social/api/v1/accounts/1/statuses"
    [item] = parse_statuses(TextResponse(url=url, body=body, encoding="utf-8"))
    guardian = ("https://www.theguardian.com/money/2019/dec/07/i-lost-my-193000-inheritance-"
                "with-one-wrong-digit-on-my-sort-code")
    assert item["url"] == "https://mastodon.social/@Gargron/103270115826048975"
    assert item["key"] == "mastodon.social/users/Gargron/statuses/103270115826048975"
    assert item["author"] == "Gargron" and item["meta"]["display_name"] == "Eugen"
    assert item["posted_at"] == "2019-12-08T03:48:33.901Z"
    assert item["links"] == [guardian]
    assert item["meta"]["card"]["url"] == guardian
    assert item["meta"]["replies_count"] == 5 and item["meta"]["reblogs_count"] == 6
    text = item_to_document(item, "mastodon")["text"]
    assert text == f'"I lost my inheritance with one wrong digit on my sort code"\n{guardian}'


def test_unicode_hashtag_lookup_and_errors(app: MastodonSite, truth: dict[str, Any]) -> None:
    url = tag_timeline_url(ORIGIN, "#해외취업")
    assert url == f"{ORIGIN}/api/v1/timelines/tag/%ED%95%B4%EC%99%B8%EC%B7%A8%EC%97%85?limit=40"
    found, _ = walk(app, url)
    assert {i["meta"]["status_id"] for i in found} == {
        s["id"] for s in truth["statuses"] if "해외취업" in s["tags"]}
    account = json.loads(fetch(app, f"{ORIGIN}/api/v1/accounts/lookup?acct=bavet_hr_team").text)
    assert account["id"] == BAVET_ID and account["acct"] == "bavet_hr_team"
    assert account["statuses_count"] == 11
    missing = fetch(app, f"{ORIGIN}/api/v1/accounts/lookup?acct=nobody")
    assert missing.status == 404 and json.loads(missing.text) == {"error": "Record not found"}
    robots = Protego.parse(fetch(app, f"{ORIGIN}/robots.txt").text)
    assert robots.can_fetch(f"{ORIGIN}/api/v1/timelines/tag/hiring", "lurewatch")
    assert not robots.can_fetch(f"{ORIGIN}/media_proxy/1/original", "lurewatch")
    assert not robots.can_fetch(f"{ORIGIN}/api/v1/timelines/tag/hiring", "GPTBot")


def test_held_back_statuses_appear_after_reveal(truth: dict[str, Any]) -> None:
    site = make_app(hide_newest=3)
    newest = parse_statuses(fetch(site, f"{ORIGIN}/api/v1/timelines/tag/hiring"))[0]
    assert newest["meta"]["status_id"] == truth["statuses"][-4]["id"]
    assert site.reveal() == 3
    again = parse_statuses(fetch(site, f"{ORIGIN}/api/v1/timelines/tag/hiring"))
    assert [i["meta"]["status_id"] for i in again[:3]] == [
        s["id"] for s in truth["statuses"][-3:][::-1]]
    page = fetch(site, again[0]["url"])
    assert page.status == 200 and "15 chat agents needed in Bavet" in page.text
    site.remove("bavet-last")  # as a takedown would: gone from timelines, its page a 404
    gone = parse_statuses(fetch(site, f"{ORIGIN}/api/v1/timelines/tag/hiring"))
    assert gone[0]["meta"]["status_id"] == truth["statuses"][-2]["id"]
    page = fetch(site, again[0]["url"])
    assert page.status == 404 and "The page you are looking for isn't here." in page.text


@pytest.mark.parametrize(("arguments", "expected"), [
    ({"instance": "mastodon.social", "hashtag": "#Hiring"},
     "https://mastodon.social/api/v1/timelines/tag/Hiring?limit=40"),
    ({"instance": "http://127.0.0.1:9/", "account": "@bavet_hr_team"},
     "http://127.0.0.1:9/api/v1/accounts/lookup?acct=bavet_hr_team"),
    ({"start_url": "https://mastodon.social/tags/jobs"},
     "https://mastodon.social/api/v1/timelines/tag/jobs?limit=40"),
    ({"start_url": "https://mastodon.social/@Gargron"},
     "https://mastodon.social/api/v1/accounts/lookup?acct=Gargron"),
    ({"start_url": f"{ORIGIN}/api/v1/accounts/{BAVET_ID}/statuses?limit=5"},
     f"{ORIGIN}/api/v1/accounts/{BAVET_ID}/statuses?limit=5"),
])
def test_argument_forms(arguments: dict[str, str], expected: str) -> None:
    assert start_request_url(**arguments) == expected


@pytest.mark.parametrize("arguments", [
    {}, {"instance": "mastodon.social"},
    {"instance": "mastodon.social", "hashtag": "x", "account": "y"},
    {"start_url": "https://mastodon.social/about"},
])
def test_bad_arguments_are_refused(arguments: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"(?i)mastodon"):
        start_request_url(**arguments)


# -- crawls into both index backends ------------------------------------------------------------

def api_requests(server: FixtureServer, since: int = 0) -> list[str]:
    return [p for p in server.requests[since:] if p.startswith("/api/")]


def test_crawl_timelines_into_the_index_then_only_what_is_new(
    env: Any, truth: dict[str, Any], tmp_path: Path,
) -> None:
    held = truth["statuses"][-3:]  # all three tagged #hiring; one of them by bavet_hr_team
    hiring = [s for s in truth["statuses"][-4::-1] if "hiring" in s["tags"]]
    assert len(hiring) == 21
    site = make_app(hide_newest=3)
    with FixtureServer(site) as server:
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump({"sources": {
            "hiring_tag": {"spider": "mastodon", "arguments": {
                "start_url": f"{server.url}/api/v1/timelines/tag/hiring?limit=8"}},
            "bavet_account": {"spider": "mastodon", "arguments": {
                "instance": server.url, "account": "bavet_hr_team"}},
        }}))
        # both timelines in one `lurewatch crawl --all`, as the scheduler runs them
        done = env.lurewatch("crawl", "--all", "--sources", str(sources), "--no-ner")
        assert done.returncode == 0, done.stderr[-3000:]
        # the two crawls share 5 statuses: each yields those the other had not indexed yet
        tag = re.search(r"mastodon hiring_tag: 4 pages fetched, (\d+) posts, .* 0 errors",
                        done.stdout)  # robots.txt and three timeline pages
        account = re.search(r"mastodon bavet_account: 3 pages fetched, (\d+) posts, .* 0 errors",
                            done.stdout)  # robots.txt, the lookup, one timeline page
        assert tag and account, done.stdout
        assert 16 <= int(tag.group(1)) <= 21 and 5 <= int(account.group(1)) <= 10
        assert 26 <= int(tag.group(1)) + int(account.group(1)) <= 31
        tag_pages = [p for p in api_requests(server) if "/timelines/tag/" in p]
        assert tag_pages == [
            "/api/v1/timelines/tag/hiring?limit=8",
            *(f"/api/v1/timelines/tag/hiring?limit=8&max_id={hiring[n]['id']}" for n in (7, 15)),
        ]  # 21 visible with #hiring: 8 + 8 + 5
        assert [p for p in api_requests(server) if "/accounts/" in p] == [
            "/api/v1/accounts/lookup?acct=bavet_hr_team",
            f"/api/v1/accounts/{BAVET_ID}/statuses?limit=40",
        ]  # the account's 10 on one page

        # three new statuses: the re-crawl reads one page and indexes exactly those three
        assert site.reveal() == 3
        since = len(server.requests)
        again = env.lurewatch("crawl", "hiring_tag", "--sources", str(sources), "--no-ner")
        assert again.returncode == 0, again.stderr[-3000:]
        assert api_requests(server, since) == ["/api/v1/timelines/tag/hiring?limit=8"]
        assert "hiring_tag: 2 pages fetched, 3 posts, 3 new in the index" in again.stdout
        host = server.url.removeprefix("http://")
        docs = {d["id"]: d for d in env.search("", "--platform", "mastodon")["hits"]}

    def doc_of(status: dict[str, Any]) -> dict[str, Any]:
        account = truth["accounts"][status["account"]]
        key = f"{account['domain'] or '127.0.0.1'}/users/{account['username']}/statuses/"
        return docs[document_id("mastodon", key + status["id"])]

    posts = [s for s in truth["statuses"] if not s.get("reblog")]
    assert len(docs) == len(posts) == 29  # the two timelines together reach every status
    new = {doc_of(s)["id"] for s in held}
    assert max(d["first_seen"] for i, d in docs.items() if i not in new) < min(
        docs[i]["first_seen"] for i in new)
    for status in posts:
        account = truth["accounts"][status["account"]]
        home = f"https://{account['domain']}" if account["domain"] else f"http://{host}"
        doc = doc_of(status)
        assert doc["platform"] == "mastodon"
        tagged = "hiring" in status["tags"]
        mine = status["account"] == "bavet_hr_team" or status["ref"] == "jsj-1"
        sources_of = ({"hiring_tag"} if tagged else set()) | ({"bavet_account"} if mine else set())
        assert doc["source"] in sources_of, status["ref"]
        assert doc["url"] == f"{home}/@{account['username']}/{status['id']}"
        assert doc["title"] is None
        assert doc["author"] == status["account"]
        assert doc["posted_at"] == status["at"].strftime("%Y-%m-%dT%H:%M:%SZ")
        # a status both concurrent crawls yielded was seen twice, maybe a second apart, and
        # the copy written last may be the one fetched first
        assert doc["first_seen"] <= doc["crawled_at"] <= doc["last_seen"]
        assert doc["meta"]["display_name"] == account["display_name"]
        assert doc["meta"]["tags"] == [t.lower() for t in status["tags"]]
        assert doc["meta"]["spoiler_text"] == status.get("spoiler")
        assert [m["description"] for m in doc["meta"]["media"]] == [
            m["description"] for m in status.get("media") or []]
        assert doc["evidence"]["sha256"] and doc["evidence"]["record_id"]
        assert not _CONTROL.search(doc["text"])
        if not status.get("raw_html"):
            assert plain(doc["text"]) == expected_text(status), status["ref"]
            assert doc["lang"] == status["lang"], status["ref"]
    boosted = doc_of(by_ref(truth, "jsj-1"))
    assert boosted["meta"]["boosted_by"]["acct"] == "bavet_hr_team"
    hostile = doc_of(by_ref(truth, "hostile"))
    assert "<script>steal()</script>" in hostile["text"] and "cookie" not in hostile["text"]

    # enrichment: contacts in their normal form and the risk, including words only in alt text
    kimsil = doc_of(by_ref(truth, "kimsil-1"))
    assert kimsil["entities"]["telegram"] == ["kimsil_hr77"]
    assert kimsil["entities"]["phones"] == ["+821004873361"]
    assert kimsil["risk"]["level"] == "high"
    poster = doc_of(by_ref(truth, "poster"))
    assert poster["entities"]["telegram"] == ["bavet_hr_team"]
    assert poster["risk"]["level"] == "high"
    newest = doc_of(held[-1])  # one of the three the re-crawl found
    assert newest["entities"]["phones"] == ["+85512345678"] and newest["risk"]["level"] == "high"
    hotel = doc_of(by_ref(truth, "hotel-sr"))
    assert hotel["risk"]["level"] == "low"
    assert hotel["entities"]["urls"] == ["https://angkor-boutique.example/careers"]


def test_an_unknown_account_or_a_page_that_is_not_a_timeline_is_one_warning(
    app: MastodonSite, caplog: pytest.LogCaptureFixture,
) -> None:
    spider = MastodonSpider(instance=ORIGIN, account="nobody")
    missing = fetch(app, spider.start_url)
    failure = Failure(HttpError(missing))
    failure.request = Request(spider.start_url)  # as Scrapy hands it to an errback
    with caplog.at_level(logging.WARNING):
        spider.failed(failure)
        page = TextResponse(url=f"{ORIGIN}/api/v1/timelines/tag/x", encoding="utf-8",
                            body=b'{"error": "This method requires an authenticated user"}')
        assert list(spider.parse(page)) == []
    assert [r.getMessage() for r in caplog.records] == [
        f"mastodon: could not read {ORIGIN}/api/v1/accounts/lookup?acct=nobody: HTTP 404 "
        "(Record not found)",
        f"mastodon: {ORIGIN}/api/v1/timelines/tag/x is not a timeline (HTTP 200); nothing read",
    ]


def run_in_process(spider: MastodonSpider, app: MastodonSite) -> tuple[list[dict[str, Any]], int]:
    """Drive the spider's callbacks over the fixture app: the items it yields, the pages read."""
    items, pages = [], 0
    pending = [(spider.start_url, spider.parse, {"page": 1})]
    while pending:
        url, callback, kwargs = pending.pop()
        pages += 1
        for output in callback(fetch(app, url), **kwargs):
            if isinstance(output, Request):
                pending.append((output.url, output.callback, output.cb_kwargs))
            else:
                items.append(output)
    return items, pages


def test_a_timeline_others_overlap_is_read_to_its_end_once(
    app: MastodonSite, truth: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LUREWATCH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("LUREWATCH_INDEX", f"sqlite:///{tmp_path / 'data' / 'index.db'}")
    tagged, _ = walk(app, f"{ORIGIN}/api/v1/timelines/tag/hiring?limit=40")
    with open_index() as index:  # the hashtag's statuses, bavet_hr_team's six among them
        index.init()
        index.upsert([item_to_document(item, "hiring_tag") for item in tagged])
    timeline = f"{ORIGIN}/api/v1/accounts/{BAVET_ID}/statuses?limit=5"

    def spider() -> MastodonSpider:
        crawler = get_crawler(MastodonSpider, {"LUREWATCH_INCREMENTAL": True})
        return MastodonSpider.from_crawler(crawler, start_url=timeline)

    first = spider()
    items, pages = run_in_process(first, app)
    first.known.close()
    assert pages == 3  # 5 + 5 + 1: statuses indexed by another source do not stop it
    assert {i["meta"]["status_id"] for i in items} == {
        by_ref(truth, ref)["id"]
        for ref in ("jsj-1", "thai-admin", "ph-lure", "bavet-reminder", "casino")}
    with open_index() as index:  # as the pipelines would
        index.upsert([item_to_document(item, "bavet_account") for item in items])
    again = spider()
    assert run_in_process(again, app) == ([], 1)  # its newest status is where it stopped
    again.known.close()
