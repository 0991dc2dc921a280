"""Lure indicators with their evidence, and the risk score that tells lures from ordinary ads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from enrich import contacts, indicators, pay, places, risk
from enrich.evaluate import roc_auc
from enrich.ner import Recognizer

LABELLED = Path(__file__).parent / "data" / "risk_labelled.jsonl"
CONTRACT_CODES = {
    "high_pay_low_skill", "no_experience", "travel_paid", "room_and_board",
    "destination_hotspot", "offplatform_contact", "vague_employer", "urgency",
    "language_target", "scam_job_title", "crypto_gambling", "age_limit", "document_request",
}

TEACHER = ("English teacher wanted in Phnom Penh. Bachelor's degree and TEFL certificate "
           "required, two years' teaching experience. Salary $1,500-2,000/month. Send your CV to "
           "jobs@brightschool-example.edu.kh. Shortlisted candidates will be invited to an "
           "interview.")
LURE = "Customer service in Phnom Penh, $3,000/month, no experience, free flight, Telegram only."


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(model=False)


def analyse(text: str, lang: str | None, recognizer: Recognizer) -> tuple[Any, dict[str, Any]]:
    """The enrichment chain up to risk, as the orchestrator runs it."""
    mentions = places.mentions(text)
    locations = [location for location, _ in mentions]
    country = next(iter(places.countries(locations)), None)
    entities = contacts.extract(text, country=country, lang=lang)
    organizations, _ = recognizer.find(text)
    salary, pay_words = pay.parse_with_evidence(text, lang=lang, country=country) or (None, None)
    signals = indicators.detect(text, lang=lang, salary=salary, pay_words=pay_words,
                                locations=locations, place_words=mentions,
                                entities={**entities, "organizations": organizations},
                                organizations=organizations)
    return signals, risk.score(signals, lang=lang, locations=locations)


def codes(signals: list[dict[str, Any]]) -> set[str]:
    return {item["code"] for item in signals}


def test_teacher_in_phnom_penh_is_low_and_the_lure_is_high(recognizer: Recognizer) -> None:
    teacher_signals, teacher = analyse(TEACHER, "en", recognizer)
    lure_signals, lure = analyse(LURE, "en", recognizer)
    assert teacher["level"] == "low" and teacher["score"] < 20
    assert lure["level"] == "high" and lure["score"] >= 80
    assert {"high_pay_low_skill", "no_experience", "travel_paid", "offplatform_contact"} <= codes(
        lure_signals)
    assert "high_pay_low_skill" not in codes(teacher_signals)  # qualified work pays well
    assert any("degree" in reason for reason in teacher["reasons"])
    assert any("$3,000" in reason for reason in lure["reasons"])


@pytest.mark.parametrize(("code", "lang", "text"), [
    ("no_experience", "ko", "경력 무관, 초보 환영"),
    ("no_experience", "zh", "无需经验，会打字就行"),
    ("no_experience", "vi", "Không cần kinh nghiệm"),
    ("no_experience", "id", "Tanpa pengalaman"),
    ("no_experience", "ja", "未経験OK"),
    ("no_experience", "th", "ไม่ต้องมีประสบการณ์"),
    ("no_experience", "tl", "Walang karanasan okay lang"),
    ("no_experience", "km", "មិនត្រូវការបទពិសោធន៍"),
    ("no_experience", "my", "အတွေ့အကြုံမလို"),
    ("travel_paid", "en", "Visa and ticket provided"),
    ("travel_paid", "ko", "항공권 지원"),
    ("travel_paid", "zh", "包机票"),
    ("travel_paid", "vi", "bao vé máy bay"),
    ("room_and_board", "ko", "숙식제공"),
    ("room_and_board", "zh", "包吃包住"),
    ("room_and_board", "th", "มีที่พักและอาหารให้"),
    ("room_and_board", "id", "mess gratis"),
    ("urgency", "ko", "급구! 즉시 출국"),
    ("urgency", "zh", "急招，马上出发"),
    ("urgency", "vi", "Tuyển gấp"),
    ("language_target", "en", "Korean speakers wanted"),
    ("language_target", "zh", "只招会中文的"),
    ("scam_job_title", "en", "Typing job / data entry"),
    ("scam_job_title", "ko", "해외 텔레마케터(TM) 모집"),
    ("scam_job_title", "zh", "网上推销客服"),
    ("scam_job_title", "th", "แอดมินออนไลน์ ตอบแชทลูกค้า"),
    ("scam_job_title", "vi", "nhân viên chăm sóc khách hàng"),
    ("scam_job_title", "tl", "Call Center Agent"),
    ("crypto_gambling", "en", "salary paid in USDT"),
    ("crypto_gambling", "zh", "菠菜公司"),
    ("crypto_gambling", "ko", "카지노 딜러"),
    ("age_limit", "en", "Age 18-28 only"),
    ("age_limit", "ko", "20~35세 남녀"),
    ("age_limit", "zh", "年龄18-30岁"),
    ("age_limit", "vi", "độ tuổi 18-30"),
    ("document_request", "en", "Send your passport copy first"),
    ("document_request", "ko", "여권 사본 보내주세요"),
    ("document_request", "id", "Kirim foto paspor"),
    ("offplatform_contact", "ko", "텔레로만 연락 주세요"),
    ("offplatform_contact", "zh", "纸飞机联系"),
    ("high_pay_low_skill", "vi", "việc nhẹ lương cao"),
    ("high_pay_low_skill", "km", "ការងារងាយស្រួលជាមួយប្រាក់ខែខ្ពស់"),
    ("high_pay_low_skill", "ko", "고수익 보장"),
])
def test_indicator_words_in_every_language(code: str, lang: str, text: str) -> None:
    found = indicators.detect(text, lang=lang, salary=None, locations=[], entities={},
                              organizations=[])
    hit = [item for item in found if item["code"] == code]
    assert hit, f"{code} not found in {text!r}"
    assert hit[0]["evidence"].split("; ")[0] in text  # the words, as written


def test_computed_indicators() -> None:
    text = "Work in Myawaddy, salary 60,000 บาท a month, contact Telegram"
    mentions = places.mentions(text)
    salary, pay_words = pay.parse_with_evidence(text, lang="th")
    found = indicators.detect(text, lang="th", salary=salary, pay_words=pay_words,
                              locations=[location for location, _ in mentions],
                              place_words=mentions, entities={"telegram": ["hr_mm"]},
                              organizations=[])
    by_code = {item["code"]: item["evidence"] for item in found}
    assert by_code["destination_hotspot"] == "Myawaddy"
    assert "60,000 บาท" in by_code["high_pay_low_skill"]
    assert "telegram: hr_mm" in by_code["offplatform_contact"]
    assert "vague_employer" in by_code


def test_evidence_quotes_the_words_the_earlier_steps_passed_on() -> None:
    text = "KK园区在妙瓦底, 月薪3万, 无经验, 飞机 @kk_hr"
    mentions = places.mentions(text)
    salary, pay_words = pay.parse_with_evidence(text, lang="zh", country="MM")
    locations = [location for location, _ in mentions]
    quoted = indicators.detect(text, lang="zh", salary=salary, pay_words=pay_words,
                               locations=locations, place_words=mentions, entities={})
    named = indicators.detect(text, lang="zh", salary=salary, locations=locations, entities={})
    evidence = {item["code"]: item["evidence"] for item in quoted}
    assert evidence["destination_hotspot"] == "KK园区; 妙瓦底"  # as written in the post
    assert evidence["high_pay_low_skill"] == pay_words and pay_words in text
    evidence = {item["code"]: item["evidence"] for item in named}  # without the words
    assert evidence["destination_hotspot"] == "KK Park; Myawaddy"
    assert evidence["high_pay_low_skill"] == f"{salary['usd_month']} USD a month"


def test_employer_with_own_email_is_not_offplatform_or_vague() -> None:
    text = "Accountant wanted, contact us on Telegram or by e-mail"
    found = indicators.detect(
        text, lang="en", salary=None, locations=[], organizations=["ABC Trading Co., Ltd."],
        entities={"telegram": ["abc_hr"], "emails": ["hr@abctrading-example.com"],
                  "domains": ["abctrading-example.com"]})
    assert not codes(found) & {"offplatform_contact", "vague_employer"}
    assert "named_employer_email" in codes(found.aux)


def test_free_mail_does_not_make_an_employer_verifiable() -> None:
    found = indicators.detect("Typing job, salary high. Telegram or e-mail", lang="en",
                              salary=None, locations=[], organizations=[],
                              entities={"telegram": ["x_hr"], "emails": ["jobs.kh@gmail.com"],
                                        "domains": ["gmail.com"]})
    assert "offplatform_contact" in codes(found)


def test_detect_returns_contract_codes_and_keeps_the_rest_aside() -> None:
    found = indicators.detect(TEACHER + " " + LURE, lang="en", salary=None, locations=[],
                              entities={}, organizations=[])
    assert codes(found) <= CONTRACT_CODES
    assert {"degree_required", "experience_required", "interview"} <= codes(found.aux)
    assert indicators.public(list(found) + list(found.aux)) == list(found)
    assert json.loads(json.dumps(found)) == list(found)  # stored in documents as a plain list


def test_counter_indicators_lower_the_score(recognizer: Recognizer) -> None:
    _, plain = analyse("Customer service staff, Poipet. Free accommodation, visa provided.",
                       "en", recognizer)
    _, qualified = analyse(
        "Customer service staff, Poipet. Free accommodation, visa provided. Bachelor's degree "
        "and 3 years of experience required, interview at our office, health insurance.",
        "en", recognizer)
    assert qualified["score"] < plain["score"] - 20


def test_a_warning_scores_below_the_lure_it_quotes(recognizer: Recognizer) -> None:
    _, lure = analyse("캄보디아 고수익 알바, 숙식제공, 항공권 지원, 월 천만원. 텔레 @kh_job", "ko",
                      recognizer)
    _, warning = analyse("캄보디아 고수익 알바 광고 조심하세요. '숙식제공, 항공권 지원, 월 천만원' "
                         "이런 글은 범죄조직 모집입니다. 경찰에 신고하세요.", "ko", recognizer)
    assert warning["score"] < lure["score"] - 25


def test_reassurance_that_the_work_is_safe_is_a_lure_signal() -> None:
    found = indicators.detect("감금 폭행 같은 말도 안 되는 일 없습니다. 안전한 회사입니다",
                              lang="ko", salary=None, locations=[], entities={},
                              organizations=[])
    assert "safety_reassurance" in codes(found.aux)
    assert risk.score(found)["score"] >= 30


def test_risk_auc_on_the_labelled_set(recognizer: Recognizer) -> None:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert {row["lang"] for row in rows} >= {"ko", "en", "zh", "th", "vi", "km", "my", "id",
                                             "ja", "tl"}
    scores = [analyse(row["text"], row["lang"], recognizer)[1]["score"] for row in rows]
    assert roc_auc(scores, [row["label"] == 1 for row in rows]) >= 0.95


def test_score_shape_levels_and_weights_file() -> None:
    weights = yaml.safe_load(
        (Path(risk.__file__).with_name("data") / "risk_weights.yaml").read_text("utf-8"))
    assert set(weights["indicators"]) == CONTRACT_CODES
    assert all(row["weight"] < 0 for row in weights["counters"].values())
    empty = risk.score([])
    assert empty == {"score": 0, "level": "low", "reasons": []}
    everything = risk.score([{"code": code, "evidence": "x"} for code in CONTRACT_CODES])
    assert everything["level"] == "high" and 90 <= everything["score"] <= 100
    assert len(everything["reasons"]) == len(CONTRACT_CODES)
    medium = risk.score([{"code": "destination_hotspot", "evidence": "Bavet"}])
    assert medium["level"] == "medium" and medium["reasons"] == [
        "Work in a known scam-compound area: “Bavet”"]


@pytest.mark.parametrize("bad", [None, "", "\x00\x01", "\ud800 Poipet casino \udfff",
                                 "urgent " * 150_000, b"\xff\xfe"])
def test_bad_input_never_raises(bad) -> None:
    found = indicators.detect(bad, lang=None, salary={"usd_month": "x"}, locations=[None, {}],
                              entities={"telegram": None}, organizations=[None])
    assert isinstance(found, list)
    scored = risk.score(found, locations=[{}, None])
    assert 0 <= scored["score"] <= 100 and scored["level"] in ("low", "medium", "high")
    assert risk.score([None, {"code": 5}, {"code": "nope"}])["score"] == 0


def test_phrase_scan_finds_what_a_plain_phrase_by_phrase_scan_finds() -> None:
    """The indicator phrases, scanned by enrich.scan.PhraseScanner's trie-shaped passes, must
    be found exactly as one small regex per phrase, tried in turn at every position, finds
    them (tests/phrase_reference.py)."""
    from phrase_reference import ReferenceScanner

    from enrich.scan import fold

    ours = indicators._SCANNER
    reference = ReferenceScanner(ours._written.items())
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    forms = sorted(ours._written)
    soups = [" ".join(forms[i::97][:12]) for i in range(97)]  # phrases run together
    soups += ["-".join(forms[i::89][:12]) for i in range(89)]
    soups += ["bi lua, bilua, bi  lua", "high-salary highsalary high  salary", "텔레비전 텔레그램"]
    for text in [row["text"] for row in rows] + soups:
        folded = fold(text)
        assert ours.scan(folded) == reference.scan(folded), text


def test_a_space_in_a_phrase_matches_wherever_its_words_are_apart() -> None:
    """Once a space was tried only before some characters where a phrase's words went on in
    many ways: "a company in", "be careful", "bị lừa", "trả nợ" were never found written
    with one."""
    from enrich.scan import fold

    for text, code in [("a company in Phnom Penh", "vague_employer"),
                       ("please be careful", "not_an_ad"), ("tôi bị lừa", "not_an_ad"),
                       ("trả nợ giúp", "debt_lure"), ("tra  no", "debt_lure")]:
        codes = {c for _, _, (found, _) in indicators._SCANNER.scan(fold(text)) for c in found}
        assert code in codes, text


def test_reasons_quote_the_evidence_the_same_every_time() -> None:
    long = "word " * 40
    signals = [{"code": "urgency", "evidence": "  급구!\n 즉시   출국 "},
               {"code": "travel_paid", "evidence": long}, {"code": "room_and_board",
                                                           "evidence": "   "}]
    first = risk.score(signals)
    assert first == risk.score(signals)
    assert "Urgent hiring or immediate departure: “급구! 즉시 출국”" in first["reasons"]
    quoted = next(r for r in first["reasons"] if r.startswith("Flights"))
    assert quoted.endswith("…”") and len(quoted.split("“")[1]) == 81
    assert "Accommodation and meals provided" in first["reasons"]
