"""Phones: the number pattern, what rules a number out (a currency, a unit, a date), and the
countries it may dial in (calling codes, flags, country names, scripts, languages).

A number counts only when phonenumbers finds it valid *as written* in one of those
countries; the checks are remembered, as the same numbers recur across posts.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from functools import lru_cache

import phonenumbers

from enrich.contacts_phrases import _Phrases
from enrich.contacts_text import _CFG, _MAX_CANDIDATES
from lurewatch.charclass import char_class

# phonenumbers recompiles its metadata patterns once they fall out of re's small cache;
# numbers from a dozen regions do exactly that, so keep them all (a bounded set).
phonenumbers.enable_pattern_cache()


# A number: "(", "+" or a digit, then six to sixteen more digits. The look-behinds test the
# character before that first one (so the pattern opens with a set the engine skips to), and
# the branch after them is what may follow each kind of first character.
_PHONE = re.compile(
    r"[(+\d](?<![0-9A-Za-z_@/=#&%+\-][(+\d])(?<!\d\.[(+\d])"
    r"(?:(?<=\()(?:\+[ ]?)?\d|(?<=\+)[ ]?\d|(?<=\d))(?:[ .\-()]{0,3}\d){6,16}"
    r"(?![0-9A-Za-z_@])"
)
_PHONE_GLUED = re.compile(
    r"[ :：.\-]{0,3}(?:\(?\+[ ]?|\()?\d(?:[ .\-()]{0,3}\d){6,16}(?![0-9A-Za-z_@])"
)
_DIGITS = re.compile(r"\d")
_CONTINUES = re.compile(r"[ .\-()]{1,3}\d")
_GROUP = re.compile(r"\d+")
_DATE = re.compile(
    r"\(?(?:(?:19|20)\d\d[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:19|20)\d\d"
    r"|(?:19|20)\d\d\s?[-~]\s?(?:19|20)\d\d)\)?"
)


def _after_regex(patterns: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for p in patterns:
        right = r"(?![A-Za-z])" if p[-1:].isascii() and p[-1:].isalpha() else ""
        parts.append(p + right)
    return re.compile(r"[ \t]?(?:" + "|".join(parts) + ")", re.IGNORECASE)


_PRICE_AFTER = _after_regex(_CFG["not_phone"]["after"])
_PRICE_BEFORE: dict[str, tuple[str, ...]] = {}
for _word in sorted({w.lower() for w in _CFG["not_phone"]["before"]}, key=len, reverse=True):
    _PRICE_BEFORE[_word[-1]] = (*_PRICE_BEFORE.get(_word[-1], ()), _word)
_BEFORE_PUNCT = " \t:：(-"


def _price_before(text: str, start: int) -> bool:
    """A currency, "salary", "account" and the like stands right before the number."""
    window = text[max(0, start - 16):start].rstrip(_BEFORE_PUNCT).lower()
    for word in _PRICE_BEFORE.get(window[-1:], ()):
        if window.endswith(word):
            head = window[-len(word) - 1:-len(word)]
            if not (word[0].isascii() and word[0].isalpha() and head.isascii() and head.isalpha()):
                return True
    return False


_LANG_COUNTRY: dict[str, str] = dict(_CFG["language_countries"])
_FALLBACK: tuple[str, ...] = tuple(_CFG["fallback_regions"])
_LABEL_GAP = re.compile(r"[\s/,|&+:：()\-]{0,4}|\s*(?:or|and|hoặc|atau|或|또는|หรือ)\s*")
_AFTER_LABEL = re.compile(r"\s*[(\[/]\s*[^()\[\]\n]{1,30}")
_PHONE_APPS = ("whatsapp", "zalo", "line", "kakao", "wechat", "telegram", "viber", "phone")
# What a number glued to an app's name ("WhatsApp+855...") starts with.
_GLUED_START = frozenset("0123456789+(")


def _script_table() -> tuple[re.Pattern[str], list[int], list[int], list[str]]:
    """One character class for every script that points to a country, and sorted ranges to
    tell which country the first such character found points to."""
    spans = []
    for region, ranges in _CFG["script_countries"].items():
        for item in ranges:
            lo, _, hi = item.partition("-")
            spans.append((int(lo, 16), int(hi or lo, 16), region))
    spans.sort()
    codes = (code for lo, hi, _ in spans for code in range(lo, hi + 1))
    return (re.compile(char_class(codes)), [lo for lo, _, _ in spans],
            [hi for _, hi, _ in spans], [region for _, _, region in spans])


_SCRIPT, _SCRIPT_LO, _SCRIPT_HI, _SCRIPT_REGION = _script_table()


@lru_cache(maxsize=16384)
def _script_region(text: str) -> str | None:
    """The country the first country-telling character of `text` points to (Hangul: KR)."""
    if text.isascii():
        return None
    match = _SCRIPT.search(text)
    if not match:
        return None
    code = ord(match.group())
    i = bisect.bisect_right(_SCRIPT_LO, code) - 1
    return _SCRIPT_REGION[i] if i >= 0 and code <= _SCRIPT_HI[i] else None


# "+855" (group 1) or a flag's two letters. It opens with one character set (the look-behinds
# after it tell which character it was), so that the engine skips straight to "+" and flags.
_CALLING_CODE = re.compile(
    r"[+\U0001F1E6-\U0001F1FF]"
    r"(?:(?<=\+)(?<!\d\+)[ ]?(\d{1,3})(?![\d ]*\d{3})"
    r"|(?<=[\U0001F1E6-\U0001F1FF])[\U0001F1E6-\U0001F1FF])")
_COUNTRY_NAMES = _Phrases(n for names in _CFG["country_names"].values() for n in names)
_NAME_REGION = {
    name.lower(): region for region, names in _CFG["country_names"].items() for name in names
}


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@lru_cache(maxsize=16384)
def _regions_before(window: str) -> tuple[str, ...]:
    """The countries `window` names, the last first (the same windows recur with the
    boilerplate they are cut from)."""
    return _unique(region for _, _, region in reversed(_hints_in(window))) if window else ()


def _hints_in(text: str, skeleton: bytes | None = None) -> list[tuple[int, int, str]]:
    """(start, end, region) for every calling code, flag and country name in `text`
    (`skeleton`: `_skeleton(text)`, when the caller has it)."""
    return _counted_hints(text, skeleton)[0]


def _counted_hints(text: str, skeleton: bytes | None = None,
                   ) -> tuple[list[tuple[int, int, str]], int]:
    """`_hints_in`, and the most candidates of one kind it read (it stops at
    _MAX_CANDIDATES)."""
    hints = []
    codes = 0
    for match in _CALLING_CODE.finditer(text):
        if codes >= _MAX_CANDIDATES:
            break
        codes += 1
        region = _hint_region(match)
        if region:
            hints.append((match.start(), match.end(), region))
    names = _COUNTRY_NAMES.find(text, skeleton=skeleton)
    hints.extend((start, end, _NAME_REGION[name]) for start, end, name in names)
    hints.sort()
    return hints, max(codes, len(names))


def _hint_region(match: re.Match[str]) -> str | None:
    code = match.group(1)
    if code:
        regions = phonenumbers.region_codes_for_country_code(int(code))
        return regions[0] if regions and regions[0] != "001" else None
    return "".join(chr(ord(c) - 0x1F1E6 + 65) for c in match.group())


@lru_cache(maxsize=16384)
def _international(digits: str) -> str | None:
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_MOBILE = (phonenumbers.PhoneNumberType.MOBILE,
           phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@lru_cache(maxsize=65536)
def _in_region(digits: str, region: str) -> str | None:
    """E.164 if `digits` is a valid number of `region` exactly as written, else None."""
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number_for_region(number, region):
        return None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    written = "".join(ch for ch in national if ch.isdigit())
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if digits != written and digits != e164[1:]:
        return None  # "20003000" is not "020 003 000": a national number keeps its prefix
    return e164


@lru_cache(maxsize=65536)
def _is_mobile(e164: str) -> bool:
    return phonenumbers.number_type(phonenumbers.parse(e164)) in _MOBILE


@lru_cache(maxsize=65536)
def _national(digits: str, near: tuple[str, ...], context: tuple[str, ...]) -> str | None:
    """A region named right before the number wins; else the first region where it is a
    mobile (a Korean "010-..." is a mobile, not Beijing's 010 area), else the first valid."""
    for region in near:
        found = _in_region(digits, region)
        if found:
            return found
    landline = None
    for region in context:
        found = _in_region(digits, region)
        if found:
            if _is_mobile(found):
                return found
            landline = landline or found
    return landline


@lru_cache(maxsize=16384)
def _fallback(digits: str, tried: tuple[str, ...]) -> str | None:
    """With nothing to go on, a number counts only if one usual region accepts it, or one
    accepts it as a mobile (ads give mobiles: "010-..." is Korean, not a Beijing landline)."""
    found = {hit for hit in (_in_region(digits, r) for r in _FALLBACK if r not in tried) if hit}
    if len(found) == 1:
        return found.pop()
    mobiles = {e164 for e164 in found if _is_mobile(e164)}
    return mobiles.pop() if len(mobiles) == 1 else None
