"""The query model: what a search string means, the same on both backends."""

import pytest

from index.query import Query, QueryError, grams, merge_seen, parse_entity, parse_text, words


def test_unspaced_scripts_become_bigrams_and_spaced_ones_words():
    assert grams("캄보디아") == ["캄보", "보디", "디아"]
    assert grams("金边 KK园区") == ["金边", "园区"]
    assert words("Customer service in Phnom Penh 캄보디아") == [
        "customer", "service", "in", "phnom", "penh",
    ]
    # a Khmer word keeps its combining signs inside the grams
    assert "ភ្" in grams("ភ្នំពេញ")


def test_query_clauses_keep_phrases_together():
    clauses = parse_text('"phnom penh" 고수익 USDT')
    assert [c.words for c in clauses] == [("phnom", "penh"), (), ("usdt",)]
    assert clauses[1].grams == ("고수", "수익")


def test_unbalanced_quote_is_a_readable_error():
    with pytest.raises(QueryError, match="unbalanced quote"):
        Query(text='"phnom penh')


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("phone:+855 96 123 4567", ("phone", "+855961234567")),
        ("telegram:@KH_Recruit", ("telegram", "kh_recruit")),
        ("email:HR@Example.COM", ("email", "hr@example.com")),
        ("wallet:TXyz", ("wallet", "TXyz")),
    ],
)
def test_entity_values_are_brought_to_normal_form(spec, expected):
    assert parse_entity(spec) == expected


@pytest.mark.parametrize("spec", ["phone", "fax:+855", "phone:"])
def test_bad_entity_is_refused_with_the_kinds(spec):
    with pytest.raises(QueryError):
        parse_entity(spec)


def test_since_is_checked_and_made_utc():
    assert Query(since="2026-11-01").since == "2026-11-01"
    assert Query(since="2026-11-01T07:00:00+07:00").since == "2026-11-01T00:00:00Z"
    with pytest.raises(QueryError, match="--since"):
        Query(since="last tuesday")


def test_recrawl_keeps_first_seen_and_moves_last_seen():
    doc = {"first_seen": "2026-11-20T00:00:00Z", "last_seen": "2026-11-20T00:00:00Z",
           "crawled_at": "2026-11-20T00:00:00Z"}
    merge_seen(doc, "2026-11-01T00:00:00Z", "2026-11-10T00:00:00Z")
    assert doc["first_seen"] == "2026-11-01T00:00:00Z"
    assert doc["last_seen"] == "2026-11-20T00:00:00Z"
