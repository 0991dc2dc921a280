"""Relative dates in site profiles ("3 days ago", "3일 전", "昨天", "៣ ថ្ងៃមុន"): counted back from a
pinned fetch moment, in every language of lurewatch/data/relative_dates.yaml, and nothing for
what is not one. The crawl through a fixture board is in test_profiles.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from scrapy.http import Response

from lurewatch.document import utc_iso
from lurewatch.sources import (
    DATE_UNITS,
    RELATIVE_DATES,
    FieldRule,
    parse_query,
    parse_relative_date,
    read_date,
)
from spiders.profile import fetched_at

# 08:30 on 31 March in Phnom Penh (+07:00): month arithmetic has to clamp to 28 February.
NOW = datetime(2026, 3, 31, 1, 30, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Phnom_Penh")
RULE = FieldRule(parse_query("css:.posted::text"), formats=("%d/%m/%Y %H:%M",), timezone=ZONE)

DAYS_3 = "2026-03-28T01:30:00Z"
HOURS_2 = "2026-03-30T23:30:00Z"
YESTERDAY = "2026-03-30T01:30:00Z"
JUST_NOW = "2026-03-31T01:30:00Z"

CASES = [
    # English, with the abbreviations boards and feeds use
    ("3 days ago", DAYS_3, "day"), ("2 hours ago", HOURS_2, "hour"),
    ("yesterday", YESTERDAY, "day"), ("just now", JUST_NOW, "minute"),
    ("today", JUST_NOW, "day"), ("3d", DAYS_3, "day"), ("5h", "2026-03-30T20:30:00Z", "hour"),
    ("2 hrs ago", HOURS_2, "hour"), ("3 mins ago", "2026-03-31T01:27:00Z", "minute"),
    ("an hour ago", "2026-03-31T00:30:00Z", "hour"), ("About 3 hours ago",
                                                      "2026-03-30T22:30:00Z", "hour"),
    ("Posted: Yesterday", YESTERDAY, "day"), ("45 seconds ago", "2026-03-31T01:29:15Z", "second"),
    ("2 weeks ago", "2026-03-17T01:30:00Z", "week"), ("2w", "2026-03-17T01:30:00Z", "week"),
    ("1 month ago", "2026-02-28T01:30:00Z", "month"), ("3mo", "2025-12-31T01:30:00Z", "month"),
    ("1 year ago", "2025-03-31T01:30:00Z", "year"), ("  3   DAYS   AGO ", DAYS_3, "day"),
    # Korean
    ("3일 전", DAYS_3, "day"), ("2시간 전", HOURS_2, "hour"), ("어제", YESTERDAY, "day"),
    ("방금", JUST_NOW, "minute"), ("한 시간 전", "2026-03-31T00:30:00Z", "hour"),
    ("그저께", "2026-03-29T01:30:00Z", "day"),
    # Chinese (simplified and traditional), counts in Han numerals too
    ("3天前", DAYS_3, "day"), ("2小时前", HOURS_2, "hour"), ("2個小時前", HOURS_2, "hour"),
    ("昨天", YESTERDAY, "day"), ("刚刚", JUST_NOW, "minute"), ("三天前", DAYS_3, "day"),
    ("1个月前", "2026-02-28T01:30:00Z", "month"),
    # Thai, in Thai digits too
    ("3 วันที่แล้ว", DAYS_3, "day"), ("๓ วันที่แล้ว", DAYS_3, "day"), ("3วันก่อน", DAYS_3, "day"),
    ("2 ชั่วโมงที่แล้ว", HOURS_2, "hour"), ("เมื่อวาน", YESTERDAY, "day"),
    ("เมื่อสักครู่", JUST_NOW, "minute"),
    # Vietnamese
    ("3 ngày trước", DAYS_3, "day"), ("Hôm qua", YESTERDAY, "day"),
    ("2 giờ trước", HOURS_2, "hour"),
    ("vừa xong", JUST_NOW, "minute"),
    # Indonesian / Malay
    ("3 hari yang lalu", DAYS_3, "day"), ("kemarin", YESTERDAY, "day"),
    ("sehari yang lalu", YESTERDAY, "day"), ("2 jam lalu", HOURS_2, "hour"),
    # Japanese, full-width digits too
    ("3日前", DAYS_3, "day"), ("３日前", DAYS_3, "day"), ("2時間前", HOURS_2, "hour"),
    ("昨日", YESTERDAY, "day"), ("2ヶ月前", "2026-01-31T01:30:00Z", "month"),
    ("たった今", JUST_NOW, "minute"),
    # Tagalog
    ("3 araw na ang nakalipas", DAYS_3, "day"), ("kahapon", YESTERDAY, "day"),
    ("2 oras na ang nakalipas", HOURS_2, "hour"),
    ("isang linggo na ang nakalipas", "2026-03-24T01:30:00Z", "week"),
    # Khmer, in Khmer digits, with and without a space, and a zero-width space
    ("៣ ថ្ងៃមុន", DAYS_3, "day"), ("៣ថ្ងៃមុន", DAYS_3, "day"), ("៣\u200bថ្ងៃមុន", DAYS_3, "day"),
    ("២ ម៉ោងមុន", HOURS_2, "hour"), ("ម្សិលមិញ", YESTERDAY, "day"),
    # Burmese, in Burmese digits
    ("၃ ရက်က", DAYS_3, "day"), ("၃ ရက် အကြာက", DAYS_3, "day"), ("၂ နာရီ အကြာက", HOURS_2, "hour"),
    ("မနေ့က", YESTERDAY, "day"), ("ယခုလေးတင်", JUST_NOW, "minute"),
]


@pytest.mark.parametrize(("text", "expected", "unit"), CASES)
def test_relative_dates_count_back_from_the_fetch_moment(text: str, expected: str,
                                                         unit: str) -> None:
    reading = read_date(text, RULE, NOW)
    assert reading is not None, text
    assert utc_iso(reading.moment) == expected, text
    assert reading.relative == unit, text


def test_absolute_dates_win_and_relative_ones_need_a_fetch_moment() -> None:
    absolute = read_date("09/10/2026 23:45", RULE, NOW)
    assert absolute is not None and absolute.relative is None
    assert absolute.moment == datetime.fromisoformat("2026-10-09T23:45:00+07:00")
    assert read_date("3 days ago", RULE) is None  # no hidden clock
    iso = FieldRule(parse_query("css:time::attr(datetime)"))  # no format: ISO 8601, else relative
    assert utc_iso(read_date("2026-03-01T10:00:00+07:00", iso, NOW).moment) == (  # type: ignore[union-attr]
        "2026-03-01T03:00:00Z")
    assert utc_iso(read_date("3 days ago", iso, NOW).moment) == DAYS_3  # type: ignore[union-attr]


def test_days_are_calendar_days_in_the_profile_timezone() -> None:
    """Across a DST change the time of day is kept: days are not 24-hour blocks. Without a zone
    the fetch moment's own (UTC) is used; a naive fetch moment is taken as UTC."""
    berlin = ZoneInfo("Europe/Berlin")  # summer time from 29 March 2026, 01:00 UTC
    now = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # 12:00 CEST
    two = parse_relative_date("2 days ago", now, berlin)
    assert two is not None and utc_iso(two.moment) == "2026-03-28T11:00:00Z"  # 12:00 CET
    assert two.moment.astimezone(berlin).hour == 12
    plain = parse_relative_date("2 days ago", now)
    assert plain is not None and utc_iso(plain.moment) == "2026-03-28T10:00:00Z"
    naive = parse_relative_date("yesterday", now.replace(tzinfo=None))
    assert naive is not None and utc_iso(naive.moment) == "2026-03-29T10:00:00Z"
    leap = parse_relative_date("1 year ago", datetime(2028, 2, 29, 12, tzinfo=UTC))
    assert leap is not None and utc_iso(leap.moment) == "2027-02-28T12:00:00Z"


@pytest.mark.parametrize("text", [
    "", "   ", "ago", "days ago", "3 days", "in 3 days", "3 days from now", "-3 days ago",
    "999999999 years ago", "99999999999999999999 minutes ago", "9" * 5000 + " days ago",
    "junk", "3 bananas ago", "ad", "3 days ago " + "x" * 200, "3 dias atrás", "3 月前",
    "Sold yesterday", "\x00\ufffd", "3 days ago" * 40,
])
def test_what_is_not_a_relative_date_gives_none(text: str) -> None:
    assert parse_relative_date(text, NOW, ZONE) is None
    assert read_date(text, RULE, NOW) is None


def test_every_language_has_every_unit_and_today_and_yesterday() -> None:
    data = yaml.safe_load(RELATIVE_DATES.read_text(encoding="utf-8"))
    assert {"en", "ko", "zh", "ja", "th", "vi", "id", "tl", "km", "my"} <= set(data)
    for lang, spec in data.items():
        assert set(spec["units"]) == set(DATE_UNITS), lang
        assert spec["forms"] and spec["now"] and {0, 1} <= set(spec["days"]), lang
        words = [w for ws in spec["units"].values() for w in ws]
        assert all(isinstance(w, str) and w for w in words), lang  # no YAML booleans
        assert all(re.search(r"\{[nd]\}", f) and "{unit}" in f for f in spec["forms"]), lang


def test_fetch_moment_is_the_date_header_else_now() -> None:
    dated = Response("http://127.0.0.1/ad/1.html",
                     headers={"Date": "Wed, 18 Nov 2026 06:05:00 GMT"})
    assert fetched_at(dated) == datetime(2026, 11, 18, 6, 5, tzinfo=UTC)
    for headers in ({}, {"Date": "not a date"}):
        before = datetime.now(UTC)
        moment = fetched_at(Response("http://127.0.0.1/", headers=headers))
        assert before <= moment <= datetime.now(UTC)
