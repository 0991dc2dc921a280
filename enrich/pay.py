"""Pay stated in a post: amount range, currency, period, and its value in US dollars a month.

Lures lead with pay ("월 1500만~3000만원", "月薪3万包机票", "$3,000/month"), so pay is read in
every way the region writes it: won in 만/억, yuan in 万 and K, baht, dong in triệu, rupiah in
juta, USDT as "U". Forms live in `data/pay.yaml`, rates and period factors in
`data/rates.yaml`. A number only counts as pay when a currency, a pay word or a period says
so, which keeps phone numbers, years and ids out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from enrich.scan import clean, fold, trie_alternatives

_DIR = Path(__file__).with_name("data")
_CFG = yaml.safe_load((_DIR / "pay.yaml").read_text(encoding="utf-8"))
_RATES = yaml.safe_load((_DIR / "rates.yaml").read_text(encoding="utf-8"))

USD_PER_UNIT: dict[str, float] = {k: float(v) for k, v in _RATES["usd_per_unit"].items()}
MONTH_FACTOR: dict[str, float] = {k: float(v) for k, v in _RATES["month_factor"].items()}
RATES_AS_OF: str = str(_RATES["as_of"])

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[一二两兩三四五六七八九十]")
_CJK_DIGITS = {
    "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
    "九": 9, "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9,
}
_TEN = {"十": 10}
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_NOT_DIGIT = re.compile(r"\D")
_SEPARATOR = re.compile(r"[.,]")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _norm(form: str) -> str:
    return _SPACES.sub(" ", form.strip())


def _key(form: str) -> str:
    return _SPACES.sub("", form)


def _latin_end(char: str) -> str:
    return "(?![a-z])" if char.isascii() and char.isalpha() else ""


def _latin_or_hangul_end(char: str) -> str:
    if _HANGUL.match(char):
        return "(?![\uac00-\ud7a3])"
    return _latin_end(char)


def _latin_start(char: str) -> str:
    """After a Latin letter, that it starts a word (a look-behind at it and the one before)."""
    return f"(?<![a-z]{char})" if char.isascii() and char.isalpha() else ""


def _no_end(char: str) -> str:
    return ""


# nodes of this many branches test their first characters first (most places fail there)
_TEST_FROM = 8


def _alt(tokens: Any, *, guard: bool = True, hangul: bool = False, search: bool = False) -> str:
    """One trie-shaped regex for folded tokens, longest first; Latin-final tokens must end a
    word (and Hangul-final ones too with `hangul`, for periods: 월 but not 월요일). For a
    pattern that is searched for (`search`) rather than matched at a place. (Plain
    alternatives: the sets of this module are small, see `scan.trie_alternatives`.)"""
    end = (_latin_or_hangul_end if hangul else _latin_end) if guard else _no_end
    return trie_alternatives({fold(str(t)) for t in tokens if str(t)}, end=end,
                             test_from=0 if search else _TEST_FROM)


def _lead(tokens: Any) -> str:
    """Like _alt, for tokens written before a number: Latin ones must start a word."""
    return trie_alternatives({fold(str(t)) for t in tokens if str(t)},
                             after_start=_latin_start, test_from=_TEST_FROM)


def _build() -> dict[str, Any]:
    currencies = _CFG["currencies"]
    before_cur = {_key(fold(str(f))): code
                  for code, forms in currencies.items() for f in forms.get("before", ())}
    after_cur = {_key(fold(str(f))): code
                 for code, forms in currencies.items() for f in forms.get("after", ())}
    units = _CFG["units"]
    big = {fold(k): int(v) for k, v in units["big"].items()}
    small = {fold(k): int(v) for k, v in units["small"].items()} | _TEN
    latin = {fold(k): int(v) for k, v in units["latin"].items()}
    num = r"(?<![\d])\d+(?:[.,]\d+)*"
    cjk_num = "[" + "".join(_CJK_DIGITS) + "]"
    cjk_unit = _alt(list(big) + list(small), guard=False)
    amount = (
        rf"(?:(?:{num}|{cjk_num})?\s?{cjk_unit}(?:\s?(?:{num}|{cjk_num})?\s?{cjk_unit})*"
        rf"|{num}(?:\s?{_alt(latin)})?)"
    )
    pre = _lead(before_cur)
    post = _alt(after_cur)
    seps = _alt(_CFG["range"], guard=False)
    pre_mult = {fold(k): int(v) for k, v in (units.get("before") or {}).items()}
    # the currency and multiplier written before an amount, read backwards from the number
    rev_pre = _alt((f[::-1] for f in before_cur), guard=False)
    rev_pm = _alt((f[::-1] for f in pre_mult), guard=False) if pre_mult else None
    pm = rf"(?:(?P<pm>{_alt(pre_mult, guard=False)})\s?)?" if pre_mult else "(?P<pm>(?!))?"
    pattern = (
        rf"(?P<pre>{pre})?\s?{pm}(?P<a1>{amount})\s?(?P<c1>{post})?"
        rf"(?:\s*{seps}\s*(?P<pre2>{pre})?\s?(?P<a2>{amount})\s?(?P<c2>{post})?"
        rf"|\s*/\s*(?P<pre3>{pre})\s?(?P<a3>{amount})\s?(?P<c3>{post})?)?"
    )
    periods_after = []
    periods_before = []
    for period, forms in _CFG["periods"].items():
        periods_after.extend((fold(f), period) for f in forms.get("after", ()))
        periods_before.extend((fold(f), period) for f in forms.get("before", ()))
    after_map = {_key(form): period for form, period in periods_after}
    before_map = {_key(form): period for form, period in periods_before}
    phrase_rows = _CFG.get("phrases", {}) or {}
    # A run the money pattern reads as a bare number (nothing after it that it would read on:
    # a unit, a currency, a range, "/" and a currency), with the space it takes after it; or
    # a numeral it does not read at all (이, 사, 一 with no unit after them: 이력서, 사람).
    # Possessive, so that a number followed by a unit is not read as a shorter bare one.
    goes_on = rf"\s*(?:{cjk_unit}|{_alt(latin)}|{post}|{seps}|/\s*{pre})"
    bare = (rf"(?P<bare>(?<![\d])\d++(?:[.,]\d+)*+)(?!{goes_on})\s?"
            rf"|{cjk_num}(?!\s?{cjk_unit})")
    # (only sound if a number or numeral cannot begin a currency, multiplier or unit)
    starts = {fold(str(t))[:1] for t in [*before_cur, *pre_mult, *big, *small]}
    sound = not any(c.isdecimal() or c.isspace() or c in _CJK_DIGITS or c in ".,"
                    for c in starts)
    return {
        "money": re.compile(pattern),
        "leads": frozenset(f[-1:] for f in [*before_cur, *pre_mult] if f) - {""},
        "bare": re.compile(bare) if sound else None,
        "before_number": re.compile(
            r"\s?" + (rf"(?:{rev_pm}\s?)?" if rev_pm else "") + rf"{rev_pre}(?![a-z])"),
        "token": re.compile(rf"(?P<n>\d+(?:[.,]\d+)*)|(?P<d>{cjk_num})|(?P<u>{cjk_unit})"),
        "latin_unit": re.compile(rf"{num}\s?(?P<u>{_alt(latin)})$"),
        "before_cur": before_cur,
        "after_cur": after_cur,
        "big": big,
        "small": small,
        "latin": latin,
        "pre_mult": pre_mult,
        "implies": {fold(k): v for k, v in units["implies"].items()},
        "cjk_default": units.get("cjk_default", {}),
        "period_after": re.compile(r"\s*(?:/|per\b|a\b|an\b|each\b|every\b)?\s*(?P<p>"
                                   + _alt((f for f, _ in periods_after), hangul=True) + ")"),
        "after_map": after_map,
        "period_before": re.compile(
            "(?P<p>" + _alt((f for f, _ in periods_before), guard=False, search=True) + ")"),
        "before_map": before_map,
        "keyword": re.compile(_alt(_CFG["keywords"], guard=False, search=True)),
        "pay_word": re.compile(_alt([*_CFG["keywords"], *(f for f, _ in periods_before)],
                                    guard=False, search=True)),
        "phrases": {_key(fold(k)): v for k, v in phrase_rows.items()},
        "phrase_rx": re.compile(_alt(phrase_rows, guard=False, search=True)
                                ) if phrase_rows else None,
    }


_P = _build()
_BEFORE_CUR: dict[str, str] = _P["before_cur"]
_AFTER_CUR: dict[str, str] = _P["after_cur"]
# the money pattern's groups, read in one call
_GROUPS = ("pre", "a1", "c1", "pre2", "a2", "c2", "pre3", "a3", "c3", "pm")
_BOUNDS = tuple(float(b) for b in _CFG["usd_month_bounds"])
_YEARLY_FROM = float(_CFG["yearly_from_usd"])
_MANWON_BELOW = float(_CFG["krw_manwon_below"])
_BY_LANG: dict[str, str] = _CFG["default_currency"]["by_lang"]
_BY_COUNTRY: dict[str, str] = _CFG["default_currency"]["by_country"]
_SEARCH_LIMIT = 200_000  # pay is stated near the top; a 1 MB post is not read to the end
# one character set, so that the engine skips to the next number in a single step
_CORE = re.compile(r"[\d一二两兩三四五六七八九十万萬만억億千천백百일이삼사오육칠팔구]+")
_PLAIN = re.compile(r"[\d.,\s]*")
_PREFIX_CHARS = 16  # the longest currency written before an amount, with its spaces
_BARE = _P["bare"].match if _P["bare"] is not None else None


def _rank(currency: bool, period: bool, pay_word: bool) -> int:
    """How sure an amount is pay: a currency counts most, then a period, then a pay word."""
    return (3 if currency else 1) + (2 if period else 0) + (1 if pay_word else 0)


_BARE_RANK = _rank(False, True, True)  # the best an amount with no currency can rank
_PAY_WORD = _P["pay_word"].search


def parse(text: str, lang: str | None = None, country: str | None = None) -> dict[str, Any] | None:
    """The pay a post states, as `{"min", "max", "currency", "period", "usd_month"}`, or None.

    `lang` (ISO 639-1) and `country` (ISO 3166-1) pick the currency of amounts written
    without one ("月薪2-3万" in Chinese is yuan, "salary 800" in Cambodia is dollars).
    """
    found = parse_with_evidence(text, lang=lang, country=country)
    return found[0] if found else None


def parse_with_evidence(
    text: str, lang: str | None = None, country: str | None = None,
) -> tuple[dict[str, Any], str] | None:
    """Like `parse`, with the words of the text that state the pay (for indicator evidence)."""
    try:
        return _parse(clean(text)[:_SEARCH_LIMIT], lang, country)
    except (ValueError, OverflowError, KeyError, IndexError):  # hostile text: no pay, no crash
        return None


def to_usd_month(amount: float, currency: str, period: str) -> float | None:
    """`amount` of `currency` per `period` as US dollars a month, or None if unknown."""
    rate = USD_PER_UNIT.get(currency)
    factor = MONTH_FACTOR.get(period)
    if rate is None or factor is None:
        return None
    return amount * rate * factor


def _parse(text: str, lang: str | None, country: str | None) -> tuple[dict[str, Any], str] | None:
    if not text:
        return None
    folded = fold(text)
    best: tuple[int, int, dict[str, Any], str] | None = None
    floor = [0]  # the best rank so far, which `_money` reads too
    for match in _money(folded, floor):
        candidate = _candidate(match, folded, text, lang, country, floor[0])
        if candidate is None:
            continue
        rank, salary = candidate
        if best is None or rank > best[0]:
            best = (rank, match.start(), salary, " ".join(text[match.start():match.end()].split()))
            floor[0] = rank
            if rank >= 6:
                break
    if best is None and _P["phrase_rx"] is not None:
        hit = _P["phrase_rx"].search(folded)
        if hit:
            row = _P["phrases"].get(_key(hit.group()))
            if row:
                salary = _salary(float(row["amount"]), float(row["amount"]), row["currency"],
                                 row["period"])
                if salary:
                    return salary, " ".join(text[hit.start():hit.end()].split())
    return (best[2], best[3]) if best else None


def _money(folded: str, floor: list[int]) -> Iterator[re.Match[str]]:
    """Amounts with their currency and range, found from the numbers outwards.

    The full pattern has optional parts before the number (a currency sign or code), so
    running it over the whole text would try every position; instead each run of digits or
    CJK numerals is found first, the currency written just before it is read backwards, and
    the full pattern is matched once from there. Most runs are bare numbers (dates, phone
    numbers, counts) or Korean words that merely contain a numeral; `_bare` passes over
    them with one cheap match. `floor[0]` is the best rank found so far: once a bare number
    cannot beat it, it is passed over without looking for a pay word before it.
    """
    money = _P["money"].match
    before = _P["before_number"].match
    leads = _P["leads"]
    size = len(folded)
    done = 0
    for hit in _CORE.finditer(folded):
        start = hit.start()
        if start < done:
            continue
        stop = min(size, start + 200)
        # a currency or multiplier written before the number ends in one of `leads`, just
        # before it or before one space; if so, it is read backwards from the number
        char = folded[start - 1] if start else ""
        if char.isspace():
            char = folded[start - 2] if start > 1 else ""
        lead = before(folded[max(done, start - _PREFIX_CHARS):start][::-1]) if (
            char in leads) else None
        if lead:
            begin = start - lead.end()
        else:
            begin = start
            end = _bare(folded, start, stop, floor[0] >= _BARE_RANK)
            if end is not None:
                done = max(end, hit.end())
                continue
        match = money(folded, begin, stop)
        if match is None and begin != start:
            match = money(folded, start, stop)
        if match is None or match.end() <= start:
            done = hit.end()
            continue
        done = max(match.end(), hit.end())
        yield match


def _bare(folded: str, start: int, stop: int, outranked: bool = False) -> int | None:
    """For a run with no currency written before it: where the money pattern's reading of it
    ends, when that reading is certainly no pay (`start` when it reads nothing), else None.

    A bare number is no pay unless a pay word comes shortly before it, and never just after
    "+", "#" or "@" (a phone number, an id, a handle): the tests `_candidate` makes first.
    With `outranked`, a better amount than a bare number can be was found: it is no use.
    Some bare numbers are never pay (`_never_pay`).
    """
    if _BARE is None:
        return None
    found = _BARE(folded, start, stop)
    if found is None:
        return None
    number_end = found.end("bare")
    if number_end < 0:
        return start  # a numeral with no unit: not read at all
    if outranked or (start and folded[start - 1] in "+#@") or _never_pay(
            folded[start:number_end]) or _PAY_WORD(folded, max(0, start - 20), start) is None:
        return found.end()
    return None


def _never_pay(number: str) -> bool:
    """A bare number `_candidate` drops even after a pay word: a year, or seven digits or
    more with no separator (a phone number or an id)."""
    return (len(number) >= 7 and number.isdigit()) or _YEAR.fullmatch(number) is not None


def _candidate(match: re.Match[str], folded: str, text: str, lang: str | None,
               country: str | None, beat: int = 0) -> tuple[int, dict[str, Any]] | None:
    """(rank, salary) of one amount, or None if it is no pay or ranks no higher than `beat`
    (the best so far: what cannot beat it is not read further)."""
    start, end = match.span()
    pre, a1, c1, pre2, a2, c2, pre3, a3, c3, pre_mult = match.group(*_GROUPS)
    a2 = a2 or a3
    if not a1:
        return None
    first = match.start("pre") if pre else match.start("a1")
    if first > 0 and folded[first - 1] in "+#@":
        return None  # +855 12 345 678, #1000, @user2000
    if not (pre or c1 or pre2 or c2 or pre3 or c3 or pre_mult) and _PLAIN.fullmatch(
            a1 + " " + (a2 or "")) and (
            _P["pay_word"].search(folded, max(0, start - 20), start) is None):
        return None  # a bare number with no pay word before it: most numbers in a post
    explicit = None
    for form, table in ((pre, _BEFORE_CUR), (c1, _AFTER_CUR), (pre2, _BEFORE_CUR),
                        (c2, _AFTER_CUR), (pre3, _BEFORE_CUR), (c3, _AFTER_CUR)):
        if form:
            explicit = table.get(_key(form))
            if explicit:
                break
    if _rank(bool(explicit), True, True) <= beat:
        return None  # even with a period and a pay word it would rank no higher
    period, said_before = _period(folded[max(0, start - 14):start], folded[end:end + 16])
    keyword = _keyword_before(folded, start)
    if _rank(bool(explicit), bool(period), bool(keyword)) <= beat:
        return None
    low_value, low_unit = _amount(a1)
    if low_value is None:
        return None
    high_value, high_unit = (None, None)
    if a2:
        high_value, high_unit = _amount(a2)
    # "2-3万": a unit written once, after the range, scales both ends
    if high_value is not None and high_unit and not low_unit:
        scaled = low_value * _scale(high_unit)
        if low_value < high_value / _scale(high_unit) or scaled <= high_value:
            low_value = scaled
            low_unit = high_unit
    if pre_mult:
        factor = _P["pre_mult"].get(pre_mult, 1)
        low_value *= factor
        if high_value is not None and not high_unit:
            high_value *= factor
        low_unit = low_unit or pre_mult
    unit = low_unit or high_unit
    if not _DIGIT.search(a1) and not (explicit or ((period or keyword) and _HAN.search(a1))):
        return None  # 만나서, 천만에요: words, not amounts
    if explicit:
        currency = explicit
    elif (implied := _implied(unit, text, lang)) is not None:
        if not (period or keyword):
            return None  # "3万人", "조회수 500만": counts, not pay
        currency = implied
    elif keyword or said_before or (unit and period):
        currency = _default(lang, country) or _implied("만" if _HANGUL.search(text) else None,
                                                        text, lang)
        digits = _NOT_DIGIT.sub("", a1)
        if currency is None or (len(digits) >= 7 and not _SEPARATOR.search(a1)):
            return None  # phone numbers and ids after "contact"/"pay to"
        if currency == "KRW" and not unit and low_value < _MANWON_BELOW:
            low_value *= 10_000  # 월 800 보장: counted in 만원
            if high_value is not None and high_value < _MANWON_BELOW:
                high_value *= 10_000
    else:
        return None
    if not explicit and not a2 and _YEAR.fullmatch(a1.strip()):
        return None  # a year
    if high_value is None or high_value < low_value:
        high_value = low_value
    salary = _salary(low_value, high_value, currency, period)
    if salary is None:
        return None
    return _rank(bool(explicit), bool(period), bool(keyword)), salary


def _salary(low: float, high: float, currency: str, period: str | None) -> dict[str, Any] | None:
    rate = USD_PER_UNIT.get(currency)
    if rate is None:
        return None
    if period is None:
        period = "year" if (low + high) / 2 * rate >= _YEARLY_FROM else "month"
    usd = to_usd_month((low + high) / 2, currency, period)
    if usd is None or not _BOUNDS[0] <= usd <= _BOUNDS[1]:
        return None
    return {"min": _number(low), "max": _number(high), "currency": currency, "period": period,
            "usd_month": round(usd)}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _scale(unit: str) -> float:
    value = 1.0
    for char_unit in _P["token"].finditer(unit):
        u = char_unit.group("u")
        if u:
            value *= _P["big"].get(u) or _P["small"].get(u) or 1
    if unit in _P["latin"]:
        value = float(_P["latin"][unit])
    return value


_AMOUNTS: dict[str, tuple[float | None, str | None]] = {}
_AMOUNTS_MAX = 4096  # amounts remembered (the same few recur: 3,000, 500만, 2万)


def _amount(raw: str) -> tuple[float | None, str | None]:
    """Value of one amount ("1,500", "1억5천만", "三万", "25 juta") and its last unit."""
    found = _AMOUNTS.get(raw)
    if found is None:
        found = _read_amount(raw)
        if len(_AMOUNTS) >= _AMOUNTS_MAX:
            _AMOUNTS.clear()
        _AMOUNTS[raw] = found
    return found


def _read_amount(raw: str) -> tuple[float | None, str | None]:
    raw = raw.strip()
    latin = _P["latin_unit"].search(raw)
    if latin:
        unit = _norm(latin.group("u"))
        number = _to_float(raw[:latin.start("u")].strip())
        if number is None:
            return None, None
        return number * _P["latin"][unit], unit
    total = 0.0
    section = 0.0
    pending: float | None = None
    last_unit = None
    for token in _P["token"].finditer(raw):
        if token.group("n") is not None:
            pending = _to_float(token.group("n"))
            if pending is None:
                return None, None
        elif token.group("d") is not None:
            pending = float(_CJK_DIGITS[token.group("d")])
        else:
            unit = token.group("u")
            last_unit = unit
            if unit in _P["small"]:
                section += (pending if pending is not None else 1.0) * _P["small"][unit]
            else:
                section += pending or 0.0
                total += (section or 1.0) * _P["big"][unit]
                section = 0.0
            pending = None
    if last_unit is None:
        return pending, None
    total += section + (pending or 0.0)
    return total, last_unit


def _to_float(raw: str) -> float | None:
    """A number as ads write it: 3,000 / 1.500.000 (thousands) / 1,5 / 2.5 (decimals)."""
    if not raw:
        return None
    if "," in raw and "." in raw:
        last = max(raw.rfind(","), raw.rfind("."))
        whole = _SEPARATOR.sub("", raw[:last])
        return float(whole + "." + raw[last + 1:])
    groups = _SEPARATOR.split(raw)
    if len(groups) == 1:
        return float(raw)
    if len(groups) > 2 or len(groups[-1]) == 3:
        return float("".join(groups))
    return float(groups[0] + "." + groups[1])


def _keyword_before(folded: str, start: int) -> bool:
    """A pay word shortly before the amount, with no other number in between."""
    window = folded[max(0, start - 20):start]
    hits = list(_P["keyword"].finditer(window))
    return bool(hits) and not _DIGIT.search(window[hits[-1].end():])


def _period(before: str, after: str) -> tuple[str | None, bool]:
    """The period stated after the amount, else before it; and whether a word before the
    amount named it (월급 800, 月薪 8000: that word also says the number is pay). A period
    word right after a digit is a date (3월, 5月), not pay."""
    hit = _P["period_after"].match(after)
    if hit:
        return _P["after_map"].get(_key(hit.group("p"))), False
    last = None
    for hit in _P["period_before"].finditer(before):
        last = hit
    if last is not None:
        if last.start() > 0 and before[last.start() - 1].isdigit():
            return None, False
        return _P["before_map"].get(_key(last.group("p"))), True
    return None, False


def _implied(unit: str | None, text: str, lang: str | None) -> str | None:
    if not unit:
        return None
    unit = _norm(unit)
    last = unit[-1]
    if last in "万萬千亿億百十":
        guess = lang if lang in _P["cjk_default"] else (
            "ja" if _KANA.search(text) else "ko" if _HANGUL.search(text) else "zh")
        return _P["cjk_default"].get(guess)
    return _P["implies"].get(unit) or _P["implies"].get(last)


def _default(lang: str | None, country: str | None) -> str | None:
    if lang and lang in _BY_LANG:
        return _BY_LANG[lang]
    if country and country in _BY_COUNTRY:
        return _BY_COUNTRY[country]
    return None
