"""Pay stated in a post: amount range, currency, period, and its value in US dollars a month.

Lures lead with pay ("월 1500만~3000만원", "月薪3万包机票", "$3,000/month"), so pay is read in
every way the region writes it: won in 만/억, yuan in 万 and K, baht, dong in triệu, rupiah in
juta, USDT as "U". Forms live in `data/pay.yaml`, rates and period factors in
`data/rates.yaml`. A number only counts as pay when a currency, a pay word or a period says
so, which keeps phone numbers, years and ids out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from enrich.scan import Memo, clean, fold, snippet, trie_alternatives

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
_DIGIT = re.compile(r"\d")
_NOT_DIGIT = re.compile(r"\D")
_SEPARATOR = re.compile(r"[.,]")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _norm(form: str) -> str:
    """White space collapsed (str.split splits where the regex \\s matches)."""
    return " ".join(form.split())


def _key(form: str) -> str:
    """White space removed: the form under which a currency or period word is looked up."""
    return "".join(form.split())


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
    # What the money pattern can read: white space, digits, ".", ",", "/" and the characters
    # of its words. It reads no further than the first other ("inert") character (it may
    # look at it), so its reading depends on the text from just before it up to there.
    words = [*before_cur, *after_cur, *latin, *pre_mult, *big, *small, *_CJK_DIGITS,
             *(fold(str(t)) for t in _CFG["range"] if str(t))]
    read = sorted({c for w in words for c in w if not c.isspace()} - set(".,/"))
    return {
        "money": re.compile(pattern),
        "inert": re.compile(r"[^\s\d.,/" + "".join(re.escape(c) for c in read) + "]"),
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
_PRE: int = _P["money"].groupindex["pre"]
_A1: int = _P["money"].groupindex["a1"]
_BOUNDS = tuple(float(b) for b in _CFG["usd_month_bounds"])
_YEARLY_FROM = float(_CFG["yearly_from_usd"])
_MANWON_BELOW = float(_CFG["krw_manwon_below"])
_BY_LANG: dict[str, str] = _CFG["default_currency"]["by_lang"]
_BY_COUNTRY: dict[str, str] = _CFG["default_currency"]["by_country"]
_SEARCH_LIMIT = 200_000  # pay is stated near the top; a 1 MB post is not read to the end
# The runs amounts are read from: digits, CJK numerals and units. A pattern that opens with
# one character set lets the engine skip to the next run in one step (`[...]+` opens with a
# repeat, and is tried at every character: twice the cost over a post).
_NUMERAL_CHARS = r"\d一二两兩三四五六七八九十万萬만억億千천백百일이삼사오육칠팔구"
_CORE = re.compile(f"[{_NUMERAL_CHARS}][{_NUMERAL_CHARS}]*")
_SPAN = 200  # the longest amount, range and currency read from one number
_PLAIN = re.compile(r"[\d.,\s]*")
_PREFIX_CHARS = 16  # the longest currency written before an amount, with its spaces
_PAY_WORD_CHARS = 20  # how far before an amount a pay word counts
_PERIOD_BEFORE_CHARS = 14  # how far before an amount a period word counts
_PERIOD_AFTER_CHARS = 16  # how far after an amount a period word counts
_BARE = _P["bare"].match if _P["bare"] is not None else None
_BARE_NUMBER: int = _P["bare"].groupindex["bare"] if _P["bare"] is not None else 0
_MONEY = _P["money"].match
_INERT = _P["inert"].search
_READ_CHARS = 64  # how far after a number an inert character is looked for
_LEADS: frozenset[str] = _P["leads"]
_SALARY_KEYS = ("min", "max", "currency", "period", "usd_month")
_NEEDS_SCRIPT: Any = object()  # a reading that depends on the scripts of the whole text
# Answers remembered by the small context they depend on (a few characters around a number,
# an amount's parts): posts repeat a recruiter's lines and figures, so most numbers are read
# in a context seen before (`scan.Memo`); each memo keeps this many before it starts again.
_MEMO_LIMIT = 8192


def _rank(currency: bool, period: bool, pay_word: bool) -> int:
    """How sure an amount is pay: a currency counts most, then a period, then a pay word."""
    return (3 if currency else 1) + (2 if period else 0) + (1 if pay_word else 0)


_BARE_RANK = _rank(False, True, True)  # the best an amount with no currency can rank
_BEST_RANK = _rank(True, True, True)
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
    lang = lang if isinstance(lang, str) else None  # (keys of remembered answers)
    country = country if isinstance(country, str) else None
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
    """The best-ranked amount of the text (the first of the best), else a phrase of pay.

    Amounts are found from the numbers outwards. The full money pattern has optional parts
    before the number (a currency sign or code), so running it over the whole text would try
    every position; instead each run of digits or CJK numerals is found first, the currency
    written just before it is read backwards, and the full pattern is matched once from
    there. Most runs are bare numbers (dates, phone numbers, counts) or Korean words that
    merely contain a numeral: the bare pattern passes over those with one cheap match.
    One loop, not a generator and a reader: this runs for every number of every post.
    What is read around a number is remembered by the few characters it depends on
    (`scan.Memo`), so a line or figure seen before costs a lookup, not a pattern.
    """
    if not text:
        return None
    folded = fold(text)
    size = len(folded)
    context = _CONTEXTS[lang, country]
    best: tuple[tuple[Any, ...], int, int] | None = None  # (salary row, start, end)
    best_rank = 0
    done = 0  # where the last amount (or bare number) read ends
    for hit in _CORE.finditer(folded):
        start = hit.start()
        if start < done:
            continue
        stop = start + _SPAN  # (an end past the text is the text's end)
        # a currency or multiplier written before the number ends in one of `_LEADS`, just
        # before it or before one space; if so, it is read backwards from the number
        char = prev = folded[start - 1] if start else " "
        if char.isspace():
            char = folded[start - 2] if start > 1 else ""
        back = _LEAD_CHARS[folded[max(done, start - _PREFIX_CHARS):start]] if (
            char in _LEADS) else 0
        if back:
            begin = start - back
        elif _BARE is not None and (found := _BARE(folded, start, stop)) is not None:
            # The money pattern would read a bare number (or nothing at all, from a numeral
            # with no unit: 이력서). A bare number is no pay unless a pay word comes shortly
            # before it, never just after "+", "#" or "@" (a phone number, an id, a
            # handle), and of no use once an amount better than a bare one can be is found:
            # the tests `_candidate` makes first. Some are never pay (`_never_pay`).
            number_end = found.end(_BARE_NUMBER)
            if number_end < 0:
                done = hit.end()
                continue
            if best_rank >= _BARE_RANK or prev in "+#@" or not _PAY_WORD_IN[
                    folded[start - _PAY_WORD_CHARS if start > _PAY_WORD_CHARS else 0:start]
                    ] or _never_pay(folded[start:number_end]):
                done = max(found.end(), hit.end())
                continue
            begin = start
        else:
            begin = start
        # The money pattern's reading, remembered by the text it can read (see "inert"):
        # from the character before `begin` (its look-behinds, `(?<![a-z]c)` of a currency
        # and `(?<![\d])` of a number, look back one character) to an inert one.
        inert = _INERT(folded, start, start + _READ_CHARS)
        last = inert.end() if inert is not None else size if (
            size <= start + _READ_CHARS) else 0
        if last and begin:
            low = begin - 1
            reading = _READINGS[folded[low:last], start - low]
        else:
            low = 0
            reading = _read(folded, begin, start, stop)
        if reading is None:
            done = hit.end()
            continue
        match_start, match_end, first, groups = reading
        match_start += low
        match_end += low
        done = max(match_end, hit.end())
        candidate = _candidate(folded, text, match_start, match_end, first + low, groups,
                               context, best_rank)
        if candidate is not None:  # (it ranks above the best so far, or it is None)
            best_rank, row = candidate
            best = (row, match_start, match_end)
            if best_rank >= _BEST_RANK:
                break
    if best is None:
        return _phrase(folded, text)
    row, start, end = best
    return dict(zip(_SALARY_KEYS, row, strict=True)), snippet(text, start, end)


def _phrase(folded: str, text: str) -> tuple[dict[str, Any], str] | None:
    """Pay written in words only ("月入过万"), with its words."""
    if _P["phrase_rx"] is None:
        return None
    hit = _P["phrase_rx"].search(folded)
    if not hit:
        return None
    row = _P["phrases"].get(_key(hit.group()))
    if not row:
        return None
    salary = _salary(float(row["amount"]), float(row["amount"]), row["currency"], row["period"])
    if not salary:
        return None
    return dict(zip(_SALARY_KEYS, salary, strict=True)), snippet(text, hit.start(), hit.end())


def _lead_chars(before: str) -> int:
    """How many of the characters before a number (`before`, read backwards) are a currency
    or multiplier written before it, with its spaces; 0 if none."""
    lead = _P["before_number"].match(before[::-1])
    return lead.end() if lead else 0


_LEAD_CHARS = Memo(_lead_chars, _MEMO_LIMIT)


def _read(text: str, begin: int, start: int, stop: int) -> tuple[Any, ...] | None:
    """The money pattern's reading from `begin` (a currency written before the number at
    `start`), else from `start`: (start, end, where its first word starts, `_GROUPS`), or
    None if it reads nothing past `start`."""
    match = _MONEY(text, begin, stop)
    if match is None and begin != start:
        match = _MONEY(text, start, stop)
    if match is None or match.end() <= start:
        return None
    groups = match.group(*_GROUPS)
    first = match.start(_PRE) if groups[0] else match.start(_A1)
    return match.start(), match.end(), first, groups


# (text read from the character before `begin`, start) -> reading (the text ends at the
# character `_read` stops at)
_READINGS = Memo(lambda key: _read(key[0], 1, key[1], len(key[0])), _MEMO_LIMIT)


def _never_pay(number: str) -> bool:
    """A bare number `_candidate` drops even after a pay word: a year, or seven digits or
    more with no separator (a phone number or an id)."""
    size = len(number)
    return (size >= 7 and number.isdigit()) or (size == 4 and _YEAR.fullmatch(number) is not None)


def _candidate(folded: str, text: str, start: int, end: int, first: int,
               groups: tuple[str | None, ...], context: tuple[str | None, ...],
               beat: int = 0) -> tuple[int, tuple[Any, ...]] | None:
    """(rank, salary row) of the amount the money pattern read from `start` to `end` (its
    `_GROUPS`; `first` where its first word starts), or None if it is no pay or ranks no
    higher than `beat` (the best so far: what cannot beat it is not read further).

    What the words around the amount say (a pay word, a period) is read from windows of a
    few characters; what the amount's parts then make of it (`_judge`) is remembered by
    those parts and those readings, in the text's `context` (see `_context`)."""
    pre, a1, c1, pre2, a2, c2, pre3, a3, c3, pre_mult = groups
    a2 = a2 or a3
    if not a1:
        return None
    if first > 0 and folded[first - 1] in "+#@":
        return None  # +855 12 345 678, #1000, @user2000
    window = folded[max(0, start - _PAY_WORD_CHARS):start]
    if not (pre or c1 or pre2 or c2 or pre3 or c3 or pre_mult) and _PLAIN.fullmatch(
            a1 + " " + (a2 or "")) and not _PAY_WORD_IN[window]:
        return None  # a bare number with no pay word before it: most numbers in a post
    explicit = None
    for form, table in ((pre, _BEFORE_CUR), (c1, _AFTER_CUR), (pre2, _BEFORE_CUR),
                        (c2, _AFTER_CUR), (pre3, _BEFORE_CUR), (c3, _AFTER_CUR)):
        if form:
            explicit = table.get(_key(form))
            if explicit:
                break
    if (6 if explicit else 4) <= beat:  # (_rank with a period and a pay word)
        return None  # even with a period and a pay word it would rank no higher
    period, said_before = _PERIOD_AFTER[folded[end:end + _PERIOD_AFTER_CHARS]] or (
        _PERIOD_BEFORE[window[-_PERIOD_BEFORE_CHARS:]])
    keyword = _KEYWORD_BEFORE[window]
    rank = (3 if explicit else 1) + (2 if period else 0) + keyword  # (_rank, inlined)
    if rank <= beat:
        return None
    key = (a1, a2, pre_mult, explicit, period, said_before, keyword, *context)
    row = _JUDGED[key]
    if row is _NEEDS_SCRIPT:
        row = _JUDGED_IN_SCRIPTS[key, _scripts(text)]
    return None if row is None else (rank, row)


def _judge(a1: str, a2: str | None, pre_mult: str | None, explicit: str | None,
           period: str | None, said_before: bool, keyword: bool, cjk_lang: str | None,
           default: str | None, scripts: tuple[bool, bool] | None) -> Any:
    """The salary row an amount states, given its parts and what the words around it say;
    None if it is no pay. `scripts` says whether the text has kana and Hangul; without it,
    `_NEEDS_SCRIPT` when the answer depends on them (rare: it is looked for only then)."""
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
    elif (implied := _implied(unit, scripts, cjk_lang)) is _NEEDS_SCRIPT:
        return _NEEDS_SCRIPT
    elif implied is not None:
        if not (period or keyword):
            return None  # "3万人", "조회수 500만": counts, not pay
        currency = implied
    elif keyword or said_before or (unit and period):
        currency = default
        if currency is None:
            if scripts is None:
                return _NEEDS_SCRIPT
            currency = _implied("만" if scripts[1] else None, scripts, cjk_lang)
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
    return _salary(low_value, high_value, currency, period)


_JUDGED = Memo(lambda key: _judge(*key, None), _MEMO_LIMIT)
_JUDGED_IN_SCRIPTS = Memo(lambda key: _judge(*key[0], key[1]), _MEMO_LIMIT)


def _scripts(text: str) -> tuple[bool, bool]:
    """Whether the text has kana, and Hangul (which decide what 万 and a bare number mean)."""
    return _KANA.search(text) is not None, _HANGUL.search(text) is not None


def _salary(low: float, high: float, currency: str, period: str | None) -> tuple[Any, ...] | None:
    """The salary row (`_SALARY_KEYS`), or None if the currency is unknown or the amount is
    out of bounds. A row, not a dict: rows are remembered, and a caller may change a dict."""
    rate = USD_PER_UNIT.get(currency)
    if rate is None:
        return None
    if period is None:
        period = "year" if (low + high) / 2 * rate >= _YEARLY_FROM else "month"
    usd = to_usd_month((low + high) / 2, currency, period)
    if usd is None or not _BOUNDS[0] <= usd <= _BOUNDS[1]:
        return None
    return _number(low), _number(high), currency, period, round(usd)


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


def _keyword_in(window: str) -> bool:
    """A pay word in the window before an amount, with no other number after it."""
    hits = list(_P["keyword"].finditer(window))
    return bool(hits) and not _DIGIT.search(window[hits[-1].end():])


def _period_after(after: str) -> tuple[str | None, bool] | None:
    """The period stated right after an amount, as `_period_before` gives it; None if none."""
    hit = _P["period_after"].match(after)
    return (_P["after_map"].get(_key(hit.group("p"))), False) if hit else None


def _period_before(before: str) -> tuple[str | None, bool]:
    """The period a word before the amount names, and whether one does (월급 800, 月薪 8000:
    that word also says the number is pay). A period word right after a digit is a date
    (3월, 5月), not pay. Read only when no period follows the amount."""
    last = None
    for hit in _P["period_before"].finditer(before):
        last = hit
    if last is not None:
        if last.start() > 0 and before[last.start() - 1].isdigit():
            return None, False
        return _P["before_map"].get(_key(last.group("p"))), True
    return None, False


# windows of text around amounts -> what their words say
_PAY_WORD_IN = Memo(lambda window: _PAY_WORD(window) is not None, _MEMO_LIMIT)
_KEYWORD_BEFORE = Memo(_keyword_in, _MEMO_LIMIT)
_PERIOD_AFTER = Memo(_period_after, _MEMO_LIMIT)
_PERIOD_BEFORE = Memo(_period_before, _MEMO_LIMIT)


def _implied(unit: str | None, scripts: tuple[bool, bool] | None, cjk_lang: str | None) -> Any:
    """The currency a unit implies (만 -> KRW; 万 by the CJK language, else by the text's
    kana and Hangul: `_NEEDS_SCRIPT` if they are needed and `scripts` is None), or None."""
    if not unit:
        return None
    unit = _norm(unit)
    last = unit[-1]
    if last in "万萬千亿億百十":
        if cjk_lang is not None:
            guess = cjk_lang
        elif scripts is None:
            return _NEEDS_SCRIPT
        else:
            guess = "ja" if scripts[0] else "ko" if scripts[1] else "zh"
        return _P["cjk_default"].get(guess)
    return _P["implies"].get(unit) or _P["implies"].get(last)


def _context(key: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    """What a text's language and country say about its amounts: the CJK language that
    decides 万 (else None), and the currency of a bare amount. Few texts differ in it."""
    lang, country = key
    return (lang if lang in _P["cjk_default"] else None), _default(lang, country)


def _default(lang: str | None, country: str | None) -> str | None:
    if lang and lang in _BY_LANG:
        return _BY_LANG[lang]
    if country and country in _BY_COUNTRY:
        return _BY_COUNTRY[country]
    return None


_CONTEXTS = Memo(_context, _MEMO_LIMIT)
