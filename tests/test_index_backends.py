"""Both index backends answer the same queries the same way (real SQLite, real Elasticsearch)."""

from __future__ import annotations

import pytest

from index import IndexMissing, IndexUnavailable, Query, open_index
from lurewatch.document import new_document

POSTS = [
    ("p1", "telegram", "ko", 92, "high", "2026-11-10T02:00:00Z",
     "캄보디아 시아누크빌 고객센터 상담원 모집, 월 500만원, 경험 무관. 텔레 @kh_boss",
     {"phones": ["+85512345678"], "telegram": ["kh_boss"],
      "locations": [{"name": "Sihanoukville", "country": "KH", "lat": 10.6, "lon": 103.5}]}),
    ("p2", "jobboard", "th", 80, "high", "2026-11-05T02:00:00Z",
     "รับสมัครพนักงานแอดมิน ทำงานที่พนมเปญ เงินเดือน 50,000 บาท ไม่ต้องมีประสบการณ์",
     {"phones": ["+85512345678"],
      "locations": [{"name": "Phnom Penh", "country": "KH", "lat": 11.56, "lon": 104.92}]}),
    ("p3", "jobboard", "km", 15, "low", "2026-10-01T02:00:00Z",
     "ត្រូវការគ្រូបង្រៀនភាសាអង់គ្លេស នៅភ្នំពេញ បទពិសោធន៍ ២ ឆ្នាំ",
     {"emails": ["hr@school.edu.kh"],
      "locations": [{"name": "Phnom Penh", "country": "KH", "lat": 11.56, "lon": 104.92}]}),
    ("p4", "telegram", "en", 55, "medium", "2026-09-20T02:00:00Z",
     "Customer service agents wanted in Myawaddy, $3,000 a month, flights paid",
     {"telegram": ["mm_jobs"],
      "locations": [{"name": "Myawaddy", "country": "MM", "lat": 16.68, "lon": 98.5}]}),
]


def _docs(crawled_at: str) -> list[dict]:
    docs = []
    for doc_id, platform, lang, score, level, posted, text, entities in POSTS:
        docs.append(new_document(
            id=doc_id, platform=platform, lang=lang, text=text, posted_at=posted,
            crawled_at=crawled_at, first_seen=crawled_at, last_seen=crawled_at,
            entities=entities, risk={"score": score, "level": level, "reasons": []},
            indicators=[{"code": "no_experience", "evidence": "x"}] if score > 50 else [],
            cluster_id="c1" if doc_id in ("p1", "p2") else doc_id,
        ))
    return docs


@pytest.fixture
def index(env):
    idx = open_index(env.vars["LUREWATCH_INDEX"], es_index=env.vars["LUREWATCH_ES_INDEX"])
    idx.init()
    report = idx.upsert(_docs("2026-11-20T00:00:00Z"))
    assert (report.added, report.updated, report.failed) == (4, 0, [])
    idx.refresh()
    yield idx
    idx.close()


def ids(result) -> list[str]:
    return [d["id"] for d in result.hits]


def test_substrings_of_korean_thai_and_khmer_are_found(index):
    assert ids(index.search(Query(text="시아누크빌"))) == ["p1"]
    assert ids(index.search(Query(text="시아누크"))) == ["p1"]  # inside a longer word
    assert ids(index.search(Query(text="พนมเปญ"))) == ["p2"]
    assert ids(index.search(Query(text="ភ្នំពេញ"))) == ["p3"]
    assert ids(index.search(Query(text="고객센터 경험"))) == ["p1"]
    assert index.search(Query(text="캄보디아 Myawaddy")).total == 0


def test_words_and_phrases(index):
    assert ids(index.search(Query(text="customer"))) == ["p4"]
    assert ids(index.search(Query(text='"flights paid"'))) == ["p4"]
    assert index.search(Query(text='"paid flights"')).total == 0


def test_exact_entity_finds_exactly_the_posts_that_carry_it(index):
    found = index.search(Query(entities=[("phone", "+85512345678")], sort="newest"))
    assert ids(found) == ["p1", "p2"]
    both = Query(entities=[("phone", "+85512345678"), ("telegram", "kh_boss")])
    assert ids(index.search(both)) == ["p1"]
    assert index.search(Query(entities=[("email", "nobody@example.com")])).total == 0
    assert ids(index.search(Query(entities=[("location", "Myawaddy")]))) == ["p4"]


def test_filters_sorting_and_facets(index):
    everything = index.search(Query(sort="newest"))
    assert ids(everything) == ["p1", "p2", "p3", "p4"]
    assert everything.facets["platform"] == {"telegram": 2, "jobboard": 2}
    assert everything.facets["country"] == {"KH": 3, "MM": 1}
    assert everything.facets["risk_level"] == {"high": 2, "low": 1, "medium": 1}
    assert ids(index.search(Query(sort="risk"))) == ["p1", "p2", "p4", "p3"]
    assert ids(index.search(Query(country="kh", min_risk=50, sort="newest"))) == ["p1", "p2"]
    assert ids(index.search(Query(since="2026-10-01", platform="jobboard", sort="newest"))) \
        == ["p2", "p3"]
    assert ids(index.search(Query(lang="en"))) == ["p4"]
    assert ids(index.search(Query(indicator="no_experience", sort="newest"))) == ["p1", "p2", "p4"]
    narrowed = index.search(Query(country="KH"))
    assert narrowed.facets["platform"] == {"jobboard": 2, "telegram": 1}
    page = index.search(Query(sort="newest", limit=2, offset=2))
    assert page.total == 4 and ids(page) == ["p3", "p4"]


def test_recrawl_updates_without_duplicates_and_moves_last_seen(index):
    report = index.upsert(_docs("2026-11-21T00:00:00Z"))
    index.refresh()
    assert (report.added, report.updated) == (0, 4)
    assert index.search(Query()).total == 4
    doc = index.get("p1")
    assert doc["first_seen"] == "2026-11-20T00:00:00Z"
    assert doc["last_seen"] == "2026-11-21T00:00:00Z"
    assert index.get("no-such-post") is None
    assert index.stats()["documents"] == 4


def test_missing_index_says_what_to_do(env):
    idx = open_index(env.vars["LUREWATCH_INDEX"], es_index=env.vars["LUREWATCH_ES_INDEX"])
    with pytest.raises(IndexMissing, match="lurewatch index init"):
        idx.search(Query())


def test_unreachable_elasticsearch_names_where_it_tried():
    idx = open_index("http://127.0.0.1:9", es_index="lurewatch-posts")
    with pytest.raises(IndexUnavailable, match=r"127\.0\.0\.1:9.*LUREWATCH_INDEX"):
        idx.search(Query())


def test_near_duplicates_by_cluster(index):
    assert ids(index.search(Query(cluster="c1", sort="newest"))) == ["p1", "p2"]
    assert ids(index.search(Query(cluster="p3"))) == ["p3"]


def test_daily_counts_split_by_platform_and_country(index):
    first, last, counts = index.daily_counts(7)
    # every post was first seen on 2026-11-20, the newest day
    assert (first, last) == ("2026-11-14", "2026-11-20")
    assert counts["all"] == {"all": {"2026-11-20": {"posts": 4, "high": 2}}}
    assert counts["platform"] == {"telegram": {"2026-11-20": {"posts": 2, "high": 1}},
                                  "jobboard": {"2026-11-20": {"posts": 2, "high": 1}}}
    assert counts["country"] == {"KH": {"2026-11-20": {"posts": 3, "high": 2}},
                                 "MM": {"2026-11-20": {"posts": 1, "high": 0}}}
