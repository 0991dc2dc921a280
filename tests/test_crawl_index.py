"""End to end: crawl both fixture sites through every pipeline into each real index backend,
then check what an analyst would: each post once, re-crawls, pivots, facets, multilingual search.
"""

from __future__ import annotations

import subprocess
import sys
import time
import unicodedata

from fixtures.jobboard.site import load_content
from fixtures.telegram.site import load_channels
from tests.conftest import ROOT

CHANNEL = "kh_jobs_2026"


def crawl_all(env, jobboard_site, telegram_site) -> None:
    env.crawl("jobboard", start_url=jobboard_site.url + "/jobs")
    env.crawl("telegram", channel=f"{telegram_site.url}/s/{CHANNEL}")


def body(doc: dict) -> str:
    return (doc.get("title") or "") + "\n" + doc["text"]


def digits(text: str) -> str:
    """Every decimal digit of the text as ASCII (Khmer, Thai, full-width digits included)."""
    return "".join(str(unicodedata.decimal(c)) for c in text
                   if unicodedata.decimal(c, None) is not None)


def test_crawl_enrich_index_search(env, jobboard_site, telegram_site):
    crawl_all(env, jobboard_site, telegram_site)
    ads = load_content()["ads"]
    posts = load_channels()[CHANNEL]["posts"]

    everything = env.search("")
    docs = everything["hits"]
    # every ad and every post indexed exactly once
    assert everything["total"] == len(ads) + len(posts) == len(docs)
    assert len({d["id"] for d in docs}) == len(docs)
    assert everything["facets"]["platform"] == {"jobboard": len(ads), "telegram": len(posts)}
    telegram_urls = {d["url"] for d in docs if d["platform"] == "telegram"}
    assert telegram_urls == {f"https://t.me/{CHANNEL}/{p['id']}" for p in posts}
    # every field of the contract is present in every document
    for doc in docs:
        assert doc["crawled_at"] and doc["first_seen"] and doc["last_seen"]
        if doc["meta"].get("media") and not doc["text"]:
            continue  # a photo without a caption says nothing in words
        assert doc["text"] and doc["lang"] != "und", doc["url"]
        assert set(doc["entities"]) >= {"phones", "emails", "urls", "domains", "telegram"}

    # facet counts agree with the documents and with the filters they stand for
    langs: dict[str, int] = {}
    for doc in docs:
        langs[doc["lang"]] = langs.get(doc["lang"], 0) + 1
    assert everything["facets"]["lang"] == langs
    for country, count in everything["facets"]["country"].items():
        assert env.search("", "--country", country)["total"] == count
    ko = env.search("", "--lang", "ko", "--platform", "telegram")
    assert ko["total"] == sum(1 for d in docs if d["lang"] == "ko" and d["platform"] == "telegram")

    # a phone search finds exactly the posts that carry the number, in whatever form written
    phone, national = "+855961234567", "961234567"
    carrying = {d["id"] for d in docs if national in digits(body(d))}
    assert len(carrying) >= 5
    found = env.search("", "--entity", f"phone:{phone}")
    assert {d["id"] for d in found["hits"]} == carrying

    # Korean, Thai and Khmer words are found wherever they stand, inside longer words too
    for word in ("캄보디아", "고수익", "ประสบการณ์", "ปอยเปต", "ភ្នំពេញ", "ការងារ", "西港"):
        expected = {d["id"] for d in docs if word in body(d).lower()}
        assert expected, word
        assert {d["id"] for d in env.search(word)["hits"]} == expected, word


def test_crawling_twice_adds_nothing_and_moves_last_seen(env, jobboard_site, telegram_site):
    crawl_all(env, jobboard_site, telegram_site)
    first = {d["id"]: d for d in env.search("")["hits"]}
    time.sleep(1.1)  # last_seen has a resolution of one second
    # incremental crawling (the default) would skip what is indexed: crawl everything again
    for spider, argument in (("jobboard", f"start_url={jobboard_site.url}/jobs"),
                             ("telegram", f"channel={telegram_site.url}/s/{CHANNEL}")):
        subprocess.run([sys.executable, "-m", "scrapy", "crawl", spider, "-a", argument,
                        "-s", "LUREWATCH_NER=False", "-s", "LUREWATCH_INCREMENTAL=False"],
                       cwd=ROOT, env=env.environ(), capture_output=True, check=True, timeout=600)
    again = env.search("")
    assert again["total"] == len(first)
    for doc in again["hits"]:
        before = first[doc["id"]]
        assert doc["first_seen"] == before["first_seen"]
        assert doc["last_seen"] > before["last_seen"]


def test_every_document_points_at_its_archived_response(sqlite_env, telegram_site):
    import hashlib

    from warcio.archiveiterator import ArchiveIterator

    sqlite_env.crawl("telegram", channel=f"{telegram_site.url}/s/{CHANNEL}")
    docs = sqlite_env.search("")["hits"]
    records = {}
    warcs = {d["evidence"]["warc"] for d in docs}
    assert len(warcs) == 1  # one WARC per crawl
    with open(warcs.pop(), "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                records[record.rec_headers.get_header("WARC-Record-ID")] = (
                    record.rec_headers.get_header("WARC-Target-URI"),
                    record.content_stream().read(),
                )
    for doc in docs:
        uri, payload = records[doc["evidence"]["record_id"]]
        assert uri == doc["meta"]["page_url"]
        assert hashlib.sha256(payload).hexdigest() == doc["evidence"]["sha256"]
        post = doc["url"].rsplit("/", 2)
        assert f'data-post="{post[1]}/{post[2]}"'.encode() in payload
    shown = sqlite_env.lurewatch("evidence", docs[0]["id"])
    assert shown.returncode == 0
    assert shown.stdout.startswith("HTTP/1.1 200 OK")
    assert f'data-post="{CHANNEL}/' in shown.stdout
