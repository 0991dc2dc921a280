"""The enricher as a whole: the figures on the labelled set, and bad input that never raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from enrich import Enricher
from enrich.evaluate import TARGETS, load_set, run
from lurewatch.document import FIELDS, new_document

EVAL_SET = Path(__file__).parent / "data" / "eval_posts.jsonl"
# written without reading the enricher, and first scored only when finished (tests/data/README.md)
HOLDOUT_SET = Path(__file__).parent / "data" / "holdout_posts.jsonl"


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(ner=False)


@pytest.mark.parametrize("labelled", [EVAL_SET, HOLDOUT_SET], ids=["own", "held-out"])
def test_labelled_set_meets_every_target(enricher, labelled):
    figures = run(load_set(labelled), enricher.enrich_many)
    for name, target in figures["targets"].items():
        assert target["met"], f"{name}: {target['value']} < {TARGETS[name]}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "캄보디아 고수익 텔레 @kh_boss " * 40_000,  # about 1 MB
        bytes(range(256)).decode("latin-1") * 50,  # binary junk
        "lone surrogate \ud800 in a lure: Telegram @kh_boss, 월 500만원",
        "\x00\x01\x02 NULs and controls \x1b[31m red",
    ],
    ids=["empty", "1MB", "binary", "surrogate", "controls"],
)
def test_bad_input_returns_a_complete_document(enricher, text):
    doc = enricher.enrich(new_document(id="bad", text=text))
    assert set(doc) == set(FIELDS)
    assert 0 <= doc["risk"]["score"] <= 100
    assert isinstance(doc["lang"], str)
    if "kh_boss" in text:
        assert "kh_boss" in doc["entities"]["telegram"]
    doc["text"].encode("utf-8")  # whatever came in, what goes out is valid UTF-8


def test_non_string_text_is_read_not_refused(enricher):
    doc = enricher.enrich({"id": "x", "text": 12345, "title": None})
    assert doc["text"] == "12345" and doc["lang"] == "und"


def test_lure_and_ordinary_job_in_the_same_city_are_told_apart(enricher):
    lure, teacher = enricher.enrich_many([
        new_document(id="l", text="Customer service in Phnom Penh, $3,000/month, no experience "
                                  "needed, free flight and visa, room and board. Telegram only: "
                                  "@pp_hr_fast"),
        new_document(id="t", text="Phnom Penh International School seeks an English teacher. "
                                  "Bachelor's degree and two years' teaching experience "
                                  "required. Interviews in October. Apply to hr@ppis.edu.kh"),
    ])
    assert lure["risk"]["level"] == "high" and teacher["risk"]["level"] == "low"
    assert lure["risk"]["score"] > teacher["risk"]["score"] + 40
    assert {i["code"] for i in lure["indicators"]} >= {
        "no_experience", "travel_paid", "room_and_board", "offplatform_contact"}
    assert lure["entities"]["locations"][0]["country"] == "KH"
    assert lure["salary"]["usd_month"] == 3000


def test_reposts_share_a_cluster_across_platforms(enricher):
    base = ("급구! 캄보디아 시아누크빌 고객상담 업무, 월 600만원 보장, 숙식 제공, 항공권 지원. "
            "경험 무관, 텔레 @sihanouk_job7 로 연락주세요")
    first, repost, other = enricher.enrich_many([
        new_document(id="a1", platform="jobboard", text=base),
        new_document(id="a2", platform="telegram", text=base.replace("600", "650") + " !!"),
        new_document(id="a3", platform="telegram",
                     text="프놈펜 한식당 주방 보조 구합니다. 월 $900, "
                          "한식 조리 경력 2년 이상. 이력서 메일로"),
    ])
    assert repost["cluster_id"] == first["cluster_id"]
    assert other["cluster_id"] != first["cluster_id"]
