"""Pay read the way the region's ads write it, and its value in US dollars a month."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from enrich import pay

RATES = yaml.safe_load(
    (Path(pay.__file__).with_name("data") / "rates.yaml").read_text(encoding="utf-8"))


def usd(amount: float, currency: str, factor: float = 1.0) -> int:
    return round(amount * RATES["usd_per_unit"][currency] * factor)


@pytest.mark.parametrize(("text", "lang", "low", "high", "currency", "period"), [
    ("월 500만원", "ko", 5_000_000, 5_000_000, "KRW", "month"),
    ("월급 600만 원, 항공·숙박 전액 지원", "ko", 6_000_000, 6_000_000, "KRW", "month"),
    ("(남녀)월급+인센 월평균 1500만~3000만원", "ko", 15_000_000, 30_000_000, "KRW", "month"),
    ("한 달에 1,000만 원 벌 수 있다", "ko", 10_000_000, 10_000_000, "KRW", "month"),
    ("단순 타이핑 알바 월 800 보장", "ko", 8_000_000, 8_000_000, "KRW", "month"),
    ("연봉 4000만원", "ko", 40_000_000, 40_000_000, "KRW", "year"),
    ("月薪2-3万", "zh", 20_000, 30_000, "CNY", "month"),
    ("月薪三万包机票", "zh", 30_000, 30_000, "CNY", "month"),
    ("底薪8K+提成", "zh", 8_000, 8_000, "CNY", "month"),
    ("300U 日结", "zh", 300, 300, "USD", "day"),
    ("$3,000/month", "en", 3_000, 3_000, "USD", "month"),
    ("Salary 3k-5k USD", "en", 3_000, 5_000, "USD", "month"),
    ("salary $1,500-2,000 per month", "en", 1_500, 2_000, "USD", "month"),
    ("USDT 2500 per month", "en", 2_500, 2_500, "USD", "month"),
    ("$15/hour", "en", 15, 15, "USD", "hour"),
    ("RM5,000 / RM7,000 per month", "en", 5_000, 7_000, "MYR", "month"),
    ("50,000 บาท/เดือน", "th", 50_000, 50_000, "THB", "month"),
    ("เงินเดือน 2 หมื่นบาท", "th", 20_000, 20_000, "THB", "month"),
    ("30 triệu/tháng", "vi", 30_000_000, 30_000_000, "VND", "month"),
    ("thu nhập 500.000 - 1 triệu đồng/ngày", "vi", 500_000, 1_000_000, "VND", "day"),
    ("lương cứng 15 triệu đồng", "vi", 15_000_000, 15_000_000, "VND", "month"),
    ("Rp 25 juta per bulan", "id", 25_000_000, 25_000_000, "IDR", "month"),
    ("gaji USD 1.000 sampai 1.200", "id", 1_000, 1_200, "USD", "month"),
    ("₱25,000 monthly", "tl", 25_000, 25_000, "PHP", "month"),
    ("月給30万円", "ja", 300_000, 300_000, "JPY", "month"),
    ("ប្រាក់ខែ ៣០០០ ដុល្លារ", "km", 3_000, 3_000, "USD", "month"),
    ("လစာ ဒေါ်လာ ၁၅၀၀", "my", 1_500, 1_500, "USD", "month"),
    ("တစ်လ ကျပ် သိန်း ၃၀", "my", 3_000_000, 3_000_000, "MMK", "month"),
])
def test_pay_forms(text: str, lang: str, low: float, high: float, currency: str,
                   period: str) -> None:
    salary = pay.parse(text, lang=lang)
    assert salary is not None, text
    assert (salary["min"], salary["max"], salary["currency"], salary["period"]) == (
        low, high, currency, period)
    factor = RATES["month_factor"][period]
    assert salary["usd_month"] == usd((low + high) / 2, currency, factor)


def test_usd_month_uses_documented_period_factors() -> None:
    factors = RATES["month_factor"]
    assert factors["day"] == 26 and factors["hour"] == 208 and factors["month"] == 1
    assert pay.parse("300U 日结")["usd_month"] == 300 * 26
    assert pay.parse("$15/hour")["usd_month"] == 15 * 208


def test_rates_file_is_dated_and_sourced() -> None:
    assert str(RATES["as_of"])[:4].isdigit() and RATES["source"]
    for code in ("USD", "KRW", "CNY", "THB", "VND", "IDR", "PHP", "JPY", "MYR", "KHR", "MMK"):
        assert RATES["usd_per_unit"][code] > 0


def test_language_decides_the_unit_of_wan() -> None:
    assert pay.parse("月給30万", lang="ja")["currency"] == "JPY"
    assert pay.parse("月薪30万", lang="zh")["currency"] == "CNY"


@pytest.mark.parametrize("text", [
    "Call +855 12 345 678 or 012345678",
    "Founded in 2015, 300 staff",
    "Age 18-30, 2 years experience",
    "만나서 반갑습니다, 천만에요",
    "조회수 500만 돌파",
    "1월 15일 출국",
    "Ref 2025-1104-3381, ticket #4500",
    "Contact @user2000 on Telegram",
    "Salary: call 012 345 678",
    "",
])
def test_numbers_that_are_not_pay(text: str) -> None:
    assert pay.parse(text, lang="en") is None


def test_bare_amount_needs_a_pay_word_and_takes_the_local_currency() -> None:
    assert pay.parse("Salary: 800", lang="en", country="KH")["currency"] == "USD"
    assert pay.parse("급여 250만원", lang="ko")["currency"] == "KRW"
    assert pay.parse("800", lang="en") is None


def test_evidence_quotes_the_pay_as_written() -> None:
    salary, words = pay.parse_with_evidence("Hiring now, $3,000/month, no experience")
    assert salary["usd_month"] == 3000 and words == "$3,000"


@pytest.mark.parametrize("bad", [None, "\x00\x01\xff", "\ud800 $500 \udfff", b"\xff $500",
                                 "9" * 1_000_000, "$" * 500_000 + "3,000"])
def test_bad_input_never_raises(bad) -> None:
    result = pay.parse(bad)
    assert result is None or set(result) == {"min", "max", "currency", "period", "usd_month"}


# Most numbers in a post are bare (phone numbers, dates, counts) or Korean words that contain
# a numeral; pay.py passes over those without its full pattern. These pin that it reads the
# same as the full pattern would.
@pytest.mark.parametrize(("text", "lang", "country", "expected"), [
    ("이력서 보내주세요. 사무실 이전, 구인 중", "ko", None, None),
    ("salary 5一", "zh", None, None),
    ("월급 3,000달러. 문의 010-1234-5678, 2024년 5월", "ko", None, (3_000, "USD", "3,000달러")),
    ("$3,000/month. Call 012 345 678, salary 500", "en", None, (3_000, "USD", "$3,000")),
    ("Contact 012345678, salary 1500", "en", "KH", (1_500, "USD", "1500")),
    ("#500 salary 500", "en", "KH", (500, "USD", "500")),
    ("급여 300 / 월", "ko", None, (3_000_000, "KRW", "300")),
    ("salary 3000/month", "en", None, (3_000, "USD", "3000")),
    ("월 800 보장 이후 1500", "ko", None, (8_000_000, "KRW", "800")),
    ("급여 이백만원", "ko", None, (2_000_000, "KRW", "이백만원")),
    ("salary 2-3k", "en", None, (2_000, "USD", "2-3k")),
])
def test_bare_numbers_and_numerals_read_as_the_full_pattern_reads_them(
        text: str, lang: str, country: str | None, expected: tuple | None) -> None:
    found = pay.parse_with_evidence(text, lang=lang, country=country)
    if expected is None:
        assert found is None
    else:
        salary, words = found
        assert (salary["min"], salary["currency"], words) == expected


def test_amounts_are_remembered_without_changing_them() -> None:
    first = pay.parse("월급 1억5천만원", lang="ko")
    assert first == pay.parse("월급 1억5천만원", lang="ko")
    assert first["min"] == 150_000_000
