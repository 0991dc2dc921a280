"""Language identification: what an analyst filtering by `--lang` relies on."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from enrich import language
from enrich.language import detect

EVAL = Path(__file__).parent / "data" / "language_eval.jsonl"


def _eval_rows() -> list[dict]:
    with EVAL.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_evaluation_set_accuracy():
    rows = _eval_rows()
    assert len(rows) >= 120
    misses = [(r["lang"], detect(r["text"]), r["text"]) for r in rows]
    misses = [m for m in misses if m[1][0] != m[0]]
    accuracy = 1 - len(misses) / len(rows)
    assert accuracy >= 0.95, misses


def test_every_language_of_the_evaluation_set_is_mostly_right():
    per_lang: dict[str, list[bool]] = {}
    for row in _eval_rows():
        per_lang.setdefault(row["lang"], []).append(detect(row["text"])[0] == row["lang"])
    for lang, hits in per_lang.items():
        assert sum(hits) / len(hits) >= 0.8, (lang, hits)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # the script settles it, whatever Latin words, handles and numbers are mixed in
        ("TM 상담원 급구!! 010-1234-5678", "ko"),
        ("Telegram: @hr_cambo 연락 주세요", "ko"),
        ("VIP 고객 관리 업무, 월급 USD 3000", "ko"),
        ("テレグラムで連絡してください @jp_work", "ja"),
        ("日本語スタッフ募集、月給50万円以上", "ja"),
        ("招聘中文客服 USDT结算 VX: kk8899", "zh"),
        ("電報聯繫 @tw_job 月薪十萬", "zh"),
        ("Telegram: thai_admin รับด่วน", "th"),
        ("ทำงานที่กัมพูชา รายได้50,000บาท", "th"),
        ("ទូរស័ព្ទ ០១២ ៣៤៥ ៦៧៨ ជ្រើសរើសបុគ្គលិក", "km"),
        ("ဆက်သွယ်ရန် Telegram @mm_job", "my"),
        ("ຕິດຕໍ່ WhatsApp 020 5512 3456", "lo"),
        # Latin script: the model, helped where it is weak
        ("Hiring customer service agents in Phnom Penh, $3000 a month", "en"),
        ("TYPING JOB AVAILABLE NOW, GOOD SALARY", "en"),
        ("Tuyển gấp nhân viên trực page, bao ăn ở", "vi"),
        ("viec nhe luong cao, bao an o", "vi"),
        ("Lowongan kerja di Kamboja gaji besar", "id"),
        ("Jawatan kosong khidmat pelanggan, gaji RM5,000 sebulan", "ms"),
        ("Naghahanap ng call center agent sa Cambodia", "tl"),
        ("Hiring agad, walang interview, alis agad", "tl"),
        ("Требуются операторы колл-центра, высокая зарплата", "ru"),
    ],
)
def test_short_mixed_ads(text, lang):
    assert detect(text)[0] == lang


def test_a_stray_kana_does_not_make_chinese_japanese():
    assert detect("高薪招聘客服，月入过万，包吃包住の工作")[0] == "zh"


def test_a_korean_phrase_in_an_english_ad_does_not_make_it_korean():
    text = "We are hiring Korean speakers (한국어) for customer service in Phnom Penh, good pay"
    assert detect(text)[0] == "en"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "+855 96 123 4567", "https://t.me/joinchat/AbCdEf123", "@hr_job 012345678",
     "$3000 / 2026-01-15", "🔥🔥🔥 💰💰💰", "hr.team@example.com"],
)
def test_nothing_to_go_on_is_und(text):
    assert detect(text) == ("und", 0.0)


def test_same_answer_every_time():
    rows = _eval_rows()
    first = [detect(r["text"]) for r in rows]
    language._ANSWERS.clear()
    language._WORD_FATES.clear()
    second = [detect(r["text"]) for r in reversed(rows)]
    assert first == list(reversed(second))


def test_result_shape():
    for row in _eval_rows():
        code, confidence = detect(row["text"])
        assert code == "und" or (len(code) == 2 and code.isalpha() and code.islower())
        assert isinstance(confidence, float)
        assert 0.0 <= confidence <= 1.0


def test_confidence_reflects_how_mixed_a_text_is():
    pure = detect("캄보디아 고수익 알바 항공권 숙소 전액 지원")[1]
    mixed = detect("Korean TM staff 고수익 알바 for Phnom Penh office")[1]
    assert pure > mixed


def test_uses_the_bundled_lite_model_only():
    detect("Hiring customer service agents in Phnom Penh")
    detector = language._model()
    assert detector.config.model == "lite"
    assert set(detector._models) == {"low_memory"}  # the large model would need a download


@pytest.mark.parametrize(
    "bad",
    [
        None,
        b"\xff\xfe\x00binary\x00junk\x80\x81",
        "\ud800\udfff lone surrogates \udc80 캄보디아 고수익 알바",
        "\x00\x01\x02\x1b[31m",
        "a" * 1_000_000,
        "캄보디아 " * 250_000,
    ],
)
def test_bad_input_returns_a_result(bad):
    started = time.perf_counter()
    code, confidence = detect(bad)
    assert isinstance(code, str) and 0.0 <= confidence <= 1.0
    assert time.perf_counter() - started < 5


def test_random_junk_never_raises():
    rnd = random.Random(3)
    for _ in range(300):
        junk = "".join(chr(rnd.randrange(0, 0x2FFFF)) for _ in range(rnd.randrange(0, 80)))
        code, confidence = detect(junk)
        assert isinstance(code, str) and 0.0 <= confidence <= 1.0


def test_long_korean_text_is_korean():
    assert detect("캄보디아 고수익 알바 " * 250_000)[0] == "ko"


def test_a_batch_gets_the_answers_of_one_text_at_a_time():
    texts = [r["text"] for r in _eval_rows()]
    texts += [texts[0], texts[5], "", None, "+855 96 123 4567", "\ud800 캄보디아 고수익 알바",
              12345]
    expected = [detect(t) for t in texts]
    language._ANSWERS.clear()
    language._WORD_FATES.clear()
    assert language.detect_many(texts) == expected
    assert language.detect_many(texts) == expected  # answers remembered
