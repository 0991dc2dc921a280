"""Contact points in a post: phones, messaging handles, e-mails, links, domains, wallets.

They are what ties a lure to its operator across posts and platforms, so each comes out in
one normal form (CONTRACT.md): E.164 phones, lower-case e-mails and handles without "@",
registrable domains, checksum-valid wallets. False positives cost analysts time, so a number
counts as a phone only when phonenumbers finds it valid *as written* in a country the text
points to (a place, its language, the script around it, a "+855" or a country named nearby),
and never when a currency, a unit or a date shape stands beside it. A handle counts when it is
a t.me link or an @name, or when an app's name ("텔레", "飞机", "tg:", "카톡 ID", "ไลน์",
"微信", "VX") labels it; the app words, countries and stop-words live in
``enrich/data/contact_patterns.yaml``.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import phonenumbers
import tldextract
import yaml

from enrich.contacts_wallets import find_wallets
from enrich.scan import clean
from lurewatch.charclass import char_class

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = (
    "phones", "emails", "urls", "domains", "telegram", "whatsapp", "line", "kakao", "wechat",
    "wallets",
)
_DATA = Path(__file__).parent / "data" / "contact_patterns.yaml"
# Past this many candidates of one kind a "post" is a dump, not an ad: stop looking.
_MAX_CANDIDATES = 2000


def _load() -> dict[str, Any]:
    with _DATA.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


_CFG = _load()
# phonenumbers recompiles its metadata patterns once they fall out of re's small cache;
# numbers from a dozen regions do exactly that, so keep them all (a bounded set).
phonenumbers.enable_pattern_cache()


# --- Folding: one same-length copy of the text with ASCII digits and punctuation -----------

# Digits of the scripts ads here are written in (Arabic-Indic, Devanagari, Bengali, Thai, Lao,
# Tibetan, Myanmar, Khmer, Mongolian); full-width digits come with full-width ASCII.
_DIGIT_ZEROS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
                0x1810)


def _fold_table() -> dict[int, int | str | None]:
    table: dict[int, int | str | None] = {}
    for zero in _DIGIT_ZEROS:
        for digit in range(10):
            table[zero + digit] = str(digit)
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0)
    for code in range(0xD800, 0xE000):  # lone surrogates from broken decoding
        table[code] = "\ufffd"
    table.update({0x3000: " ", 0x00A0: " ", 0x202F: " ", 0x2009: " ", 0x2013: "-",
                  0x2014: "-", 0x2010: "-", 0x2011: "-", 0x2212: "-", 0x3002: ".",
                  0x200B: " ", 0x200C: " ", 0x200D: " ", 0x2060: " ", 0xFEFF: " ",
                  0x00AD: " "})
    return table


_FOLD = _fold_table()
# Most characters of non-ASCII posts (Korean, Thai, Chinese prose) need no folding: only the
# runs that do are translated (`str.translate` with a dict costs more per character than a
# regex skipping what it leaves alone).
_NEEDS_FOLD = re.compile(char_class(_FOLD) + "+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD)


def _fold(text: str) -> str:
    """Regional and full-width digits to ASCII, odd spaces to spaces; length unchanged."""
    if text.isascii():
        return text
    return _NEEDS_FOLD.sub(_fold_run, text)


def _trie(words: Iterable[str], lower: bool = True) -> str:
    """One regex branch per shared prefix, longest first: a scan costs one try per position."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word.lower() if lower else word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _words_regex(words: Iterable[str]) -> str:
    """Whole-word match for ASCII words ("tg" not inside "stg"), anywhere for the others."""
    words = {w.strip().lower() for w in words if w and w.strip()}
    ascii_words = [w for w in words if w.isascii()]
    other = [w for w in words if not w.isascii()]
    parts = []
    if ascii_words:
        parts.append(rf"(?<![A-Za-z0-9_])(?:{_trie(ascii_words)})(?![A-Za-z])")
    if other:
        parts.append(_trie(other))
    return "|".join(parts) or "(?!)"


class _Phrases:
    """Finds listed words in text, fast: ASCII words by looking up each run of letters, the
    others with one trie regex. (A regex alternation with word guards and IGNORECASE is
    tried at every position, which made it the slowest step of all.)"""

    _RUN = re.compile(r"[A-Za-z]+")

    def __init__(self, words: Iterable[str]) -> None:
        words = {w.strip().lower() for w in words if w and w.strip()}
        self.by_run: dict[str, list[str]] = {}
        other: set[str] = set()
        for word in words:
            run = self._RUN.match(word)
            if run:
                self.by_run.setdefault(run.group(), []).append(word)
            else:
                other.update((word, word.capitalize(), word.upper(), word.title()))
        for phrases in self.by_run.values():
            phrases.sort(key=len, reverse=True)
        self.keys = frozenset(self.by_run)
        self.other = re.compile(_trie(other, lower=False)) if other else None

    def find(self, text: str, limit: int = _MAX_CANDIDATES) -> list[tuple[int, int, str]]:
        """(start, end, word in lower case) for each listed word, in order of position."""
        out: list[tuple[int, int, str]] = []
        runs = self._RUN.findall(text) if self.by_run else ()
        wanted = self.keys.intersection(map(str.lower, runs)) if runs else ()
        if wanted:  # most texts name no app at all: nothing more to do for ASCII words
            lowered = text.lower()
            if len(lowered) != len(text):  # a few letters grow when lowered: keep offsets
                lowered = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
            for key in wanted:
                self._find_key(text, lowered, key, out, limit)
        if self.other is not None:
            for count, match in enumerate(self.other.finditer(text)):
                if count >= limit:
                    break
                out.append((match.start(), match.end(), match.group().lower()))
        out.sort()
        return out[:limit]

    def _find_key(self, text: str, lowered: str, key: str, out: list[tuple[int, int, str]],
                  limit: int) -> None:
        """Every whole-word occurrence of the letter run `key`, as its longest listed phrase."""
        phrases = self.by_run[key]
        start = lowered.find(key)
        while start != -1 and len(out) < limit:
            before = text[start - 1:start]
            if not (before.isascii() and (before.isalnum() or before == "_")):
                for phrase in phrases:
                    end = start + len(phrase)
                    after = text[end:end + 1]
                    if lowered.startswith(phrase, start) and not (
                        after.isascii() and after.isalpha()
                    ):
                        out.append((start, end, phrase))
                        break
            start = lowered.find(key, start + 1)


_APPS: dict[str, dict[str, Any]] = _CFG["apps"]
_TRIGGER_APP: dict[str, str] = {
    word.strip().lower(): app for app, spec in _APPS.items() for word in spec["triggers"]
}
_TRIGGERS = _Phrases(_TRIGGER_APP)
_EXCLUSIONS = tuple(_CFG.get("trigger_exclusions") or ())
_APP_REGION: dict[str, str | None] = {app: spec.get("region") for app, spec in _APPS.items()}
_WINDOW = int(_CFG["trigger_window"])
_NOT_IDS = frozenset(w.lower() for w in _CFG["not_ids"])
_TG_RESERVED = frozenset(w.lower() for w in _CFG["telegram_reserved"])
_WEAK_TRIGGERS = frozenset(w.lower() for w in _CFG["weak_triggers"])
_TG_MIN = int(_CFG["telegram_min_length"])
_TG_MIN_CONTEXT = int(_CFG["telegram_min_length_with_context"])
_HANDLE_APPS = ("telegram", "line", "kakao", "wechat")

_ID_AFTER = re.compile(
    r"[ \t]*(?:[(\[（【][ \t]*)?"
    r"(?:(?P<idw>" + _words_regex(_CFG["id_words"]) + r")[ \t]*)?"
    r"(?P<sep>[:：=>]|-(?!\d)|[👉➡→⇒➜►▶☞📞☎✈📱💬📩]\ufe0f?|[ \t]*)[ \t]*\n?[ \t]*"
    r"(?P<at>@)?(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]{1,39})",
    re.IGNORECASE,
)
_KAKAO_CODE = re.compile(r"[A-Za-z0-9_\-.]{3,40}")
_TG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_LINE_NAME = re.compile(r"[A-Za-z0-9._\-]{3,20}")
_KAKAO_NAME = re.compile(r"[A-Za-z0-9._\-]{3,20}")
_WECHAT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{5,19}")
_NAME_RULES = {"telegram": _TG_NAME, "line": _LINE_NAME, "kakao": _KAKAO_NAME,
               "wechat": _WECHAT_NAME}
_AT_HANDLE = re.compile(r"(?<![A-Za-z0-9._%+\-/@=#&])@([A-Za-z0-9][A-Za-z0-9._\-]{1,39})")

# --- Links, e-mails, domains -------------------------------------------------------------

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&*+,;=%()]"
_URL = re.compile(
    rf"(?:https?://|www\.){_URL_CHARS}+"
    rf"|tg://{_URL_CHARS}+"
    # scheme-less "t.me/name", "facebook.com/page": a host, then a path
    r"|(?P<bare>(?<![A-Za-z0-9@.\-/_])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?\.)+"
    rf"(?P<tld>[A-Za-z]{{2,24}}))/{_URL_CHARS}*",
    re.IGNORECASE,
)
# Cheap tests that spare the costlier scans on the many posts that have no link or wallet.
_LONG_RUN = re.compile(r"[0-9A-Za-z]{26}")
_SLASHED_HOST = re.compile(r"\.[A-Za-z]{2,24}/")
_DOT_WORD = re.compile(r"\.[A-Za-z]{2}")
_SEVEN_DIGITS = re.compile(r"\d(?:[^\d\n]{0,4}\d){6}")
_AT_LOCAL = re.compile(r"[A-Za-z0-9._%+\-]@")
_AT_WORD = re.compile(r"[\[({]\s?at\s?[\])}]")
_URL_TRAILING = ".,;:!?)]}>'\"。，、！？"
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9][A-Za-z0-9._%+\-]{0,63})"
    r"(?:@|\s?[\[(\{]\s?at\s?[\])\}]\s?)"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.|\s?[\[(\{]\s?dot\s?[\])\}]\s?))+"
    r"[A-Za-z]{2,24})(?![A-Za-z0-9\-])",
    re.IGNORECASE,
)
_OBFUSCATED_DOT = re.compile(r"\s?[\[(\{]\s?dot\s?[\])\}]\s?", re.IGNORECASE)
# The look-behind comes after the first character (it tests the one before that), so that
# the pattern opens with a character set and the engine skips Thai or Korean text at once.
_BARE_DOMAIN = re.compile(
    r"([A-Za-z0-9](?<![A-Za-z0-9@.\-/_=?&#%+:][A-Za-z0-9])"
    r"(?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?\."
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?\.)*([A-Za-z]{2,24}))"
    r"(?![A-Za-z0-9\-@]|\.[A-Za-z0-9])"
)
_FREE_MAIL = frozenset(_CFG["free_mail"])
_FILE_SUFFIXES = frozenset(_CFG["file_suffixes"])
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)

# --- Phones ------------------------------------------------------------------------------

_PHONE = re.compile(
    r"(?<![0-9A-Za-z_@/=#&%+\-])(?<!\d\.)"
    r"(?:\(?\+[ ]?|\()?\d(?:[ .\-()]{0,3}\d){6,16}"
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


_CALLING_CODE = re.compile(  # opens with "+" or a flag letter: the engine skips to them
    r"\+(?<!\d\+)[ ]?(\d{1,3})(?![\d ]*\d{3})|([\U0001F1E6-\U0001F1FF]{2})")
_COUNTRY_NAMES = _Phrases(n for names in _CFG["country_names"].values() for n in names)
_NAME_REGION = {
    name.lower(): region for region, names in _CFG["country_names"].items() for name in names
}


def country_hint(lang: str | None) -> str | None:
    """The country whose ads are usually written in `lang` (ko -> KR), or None."""
    return _LANG_COUNTRY.get((lang or "").lower().split("-")[0]) if lang else None


def empty() -> dict[str, list]:
    """A result with every kind present and nothing found."""
    return {kind: [] for kind in KINDS}


def extract(
    text: str,
    links: Sequence[str] = (),
    country: str | None = None,
    lang: str | None = None,
) -> dict[str, list]:
    """Every contact point in `text` and in the `links` behind it, de-duplicated, in order.

    `country` (ISO 3166-1 alpha-2) is where the text points, `lang` its language: both say
    how a number written in national form ("012 345 678") dials. Never raises.
    """
    try:
        return _Extraction(clean(text), links, country, lang).run()
    except Exception:  # scraped text is hostile; losing one post's contacts beats a crash
        logger.exception("contact extraction failed; returning nothing for this text")
        return empty()


class _Extraction:
    """One text's pass: findings are (offset, kind, value) so that order is first appearance."""

    def __init__(self, text: str, links: Sequence[str], country: str | None,
                 lang: str | None) -> None:
        self.text = _fold(text)
        self.links = [_fold(clean(link)) for link in list(links or ())[:_MAX_CANDIDATES]]
        self.country = (country or "").upper() or None
        self.lang_country = country_hint(lang)
        self.found: list[tuple[int, str, Any]] = []
        self.taken: list[tuple[int, int]] = []
        self.triggers: list[tuple[int, int, str]] = []
        self.trigger_ends: list[int] = []
        self._hints: tuple[str, ...] | None = None
        self.budget = _MAX_CANDIDATES  # numbers tried: bounds the work on a dump of digits

    def run(self) -> dict[str, list]:
        text = self.text
        self._triggers()
        lowered = text.lower()
        if "www." in lowered or "tg://" in lowered or _SLASHED_HOST.search(text):
            self._urls()
        if ("@" in text and _AT_LOCAL.search(text)) or _AT_WORD.search(lowered):
            self._emails()
        self._handles()
        self._phones()
        self._wallets()
        if _DOT_WORD.search(text):
            self._bare_domains()
        base = len(text) + 1
        for i, link in enumerate(self.links):
            self._link(base + i, link, as_found=True)
        return self._result()

    # -- bookkeeping
    def add(self, offset: int, kind: str, value: Any) -> None:
        self.found.append((offset, kind, value))

    def is_taken(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a link or e-mail already read (spans never overlap)."""
        i = bisect.bisect_left(self.taken, (end,))
        return i > 0 and self.taken[i - 1][1] > start

    def take(self, start: int, end: int) -> None:
        bisect.insort(self.taken, (start, end))

    def _result(self) -> dict[str, list]:
        out = empty()
        seen: set[tuple[str, str]] = set()
        for _, kind, value in sorted(self.found, key=lambda item: item[0]):
            key = (kind, value["address"] if kind == "wallets" else value)
            if key in seen:
                continue
            seen.add(key)
            out[kind].append(value)
        return out

    # -- triggers
    def _triggers(self) -> None:
        for start, end, word in _TRIGGERS.find(self.text):
            if _EXCLUSIONS and self.text.startswith(_EXCLUSIONS, start):
                continue
            app = _app_of(word)
            if app:
                self.triggers.append((start, end, app))
        self.trigger_ends = [end for _, end, _ in self.triggers]

    def triggers_before(self, pos: int, window: int = _WINDOW) -> list[tuple[int, int, str]]:
        """Triggers ending within `window` characters before `pos`, nearest first."""
        hi = bisect.bisect_right(self.trigger_ends, pos)
        out = []
        for i in range(hi - 1, -1, -1):
            start, end, app = self.triggers[i]
            if end < pos - window:
                break
            out.append((start, end, app))
        return out

    # -- links
    def _urls(self) -> None:
        for count, match in enumerate(_URL.finditer(self.text)):
            if count >= _MAX_CANDIDATES:
                break
            url = match.group().rstrip(_URL_TRAILING)
            if len(url) < 4:
                continue
            if match.group("bare") and not _plausible_host(match.group("bare"), match["tld"]):
                continue
            self.take(match.start(), match.start() + len(url))
            self._link(match.start(), url, as_found=True)

    def _link(self, offset: int, url: str, *, as_found: bool) -> None:
        url = url.strip()
        if not url:
            return
        lower = url.lower()
        if lower.startswith("mailto:"):
            address = unquote(url[7:].split("?", 1)[0])
            match = _EMAIL.fullmatch(address.strip())
            if match:
                self._email(offset, match)
            return
        if lower.startswith(("tel:", "callto:", "sms:")):
            number = unquote(url.split(":", 1)[1].split("?", 1)[0])
            e164 = self._resolve_number(number, offset, app=None)
            if e164:
                self.add(offset, "phones", e164)
            return
        if lower.startswith("tg://"):
            query = parse_qs(urlsplit(url).query)
            for name in query.get("domain", [])[:1]:
                self._telegram(offset, name, context=True)
            return
        if lower.startswith("javascript:") or lower.startswith("#"):
            return
        parts = urlsplit(url if "://" in url[:12] else "http://" + url)
        try:
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            return
        if not host or ("." not in host and host != "localhost"):
            return  # a relative href or junk: nothing to pivot on
        if as_found:
            self.add(offset, "urls", url)
        domain = _registrable(host)
        if domain:
            self.add(offset, "domains", domain)
        path = [unquote(p) for p in parts.path.split("/") if p]
        host = host.removeprefix("www.")
        if host in ("t.me", "telegram.me", "telegram.dog"):
            self._telegram_path(offset, path)
        elif host == "wa.me" and path and path[0].lstrip("+").isdigit():
            self._whatsapp_number(offset, "+" + path[0].lstrip("+"))
        elif host in ("api.whatsapp.com", "whatsapp.com", "web.whatsapp.com"):
            for phone in parse_qs(parts.query).get("phone", [])[:1]:
                self._whatsapp_number(offset, "+" + phone.strip().lstrip("+"))
        elif host == "line.me" and len(path) >= 2:
            self._line_path(offset, path)
        elif host == "open.kakao.com" and len(path) >= 2 and path[0] in ("o", "me"):
            if _KAKAO_CODE.fullmatch(path[1]):  # open-chat codes are case-sensitive
                self.add(offset, "kakao", path[1] if path[0] == "o" else path[1].lower())
        elif host == "pf.kakao.com" and path and _KAKAO_CODE.fullmatch(path[0]):
            self.add(offset, "kakao", path[0])  # a KakaoTalk channel
        elif host == "zalo.me" and path and path[0].lstrip("+").isdigit():
            e164 = self._resolve_number(path[0], offset, app="zalo")
            if e164:
                self.add(offset, "phones", e164)

    def _telegram_path(self, offset: int, path: list[str]) -> None:
        if not path:
            return
        first = path[0]
        if first.startswith("+") and first[1:].isdigit():
            e164 = _international(first[1:])  # t.me/+855...: a chat with a phone number
            if e164:
                self.add(offset, "phones", e164)
            return
        if first.startswith("+") or first.lower() == "joinchat":
            return  # an invite link names no account
        if first.lower() == "s" and len(path) >= 2:
            first = path[1]
        elif first.lower() in _TG_RESERVED:
            return
        self._telegram(offset, first.lstrip("@"), context=True)

    def _line_path(self, offset: int, path: list[str]) -> None:
        # line.me/ti/p/~id (a person), line.me/R/ti/p/@id (an official account)
        lowered = [p.lower() for p in path]
        if "p" in lowered:
            idx = lowered.index("p")
            if idx + 1 < len(path) and lowered[idx - 1:idx] == ["ti"]:
                name = path[idx + 1].lstrip("~@").lower()
                if _LINE_NAME.fullmatch(name):
                    self.add(offset, "line", name)

    def _whatsapp_number(self, offset: int, number: str) -> None:
        e164 = self._resolve_number(number, offset, app="whatsapp")
        if e164:
            self.add(offset, "phones", e164)
            self.add(offset, "whatsapp", e164)

    # -- e-mails
    def _emails(self) -> None:
        for count, match in enumerate(_EMAIL.finditer(self.text)):
            if count >= _MAX_CANDIDATES:
                break
            if self.is_taken(match.start(), match.end()):
                continue
            if self._email(match.start(), match):
                self.take(match.start(), match.end())

    def _email(self, offset: int, match: re.Match[str]) -> bool:
        local = match.group(1).strip(".")
        domain = _OBFUSCATED_DOT.sub(".", match.group(2)).lower().strip(".")
        if not local or ".." in local or ".." in domain:
            return False
        parts = _TLD(domain)
        if not parts.suffix or not parts.domain:
            return False
        self.add(offset, "emails", f"{local.lower()}@{domain}")
        registrable = f"{parts.domain}.{parts.suffix}"
        if registrable not in _FREE_MAIL and domain not in _FREE_MAIL:
            self.add(offset, "domains", registrable)
        return True

    # -- handles
    def _handles(self) -> None:
        text = self.text
        done: set[int] = set()
        for start, end, app in self.triggers:
            if app not in _HANDLE_APPS:
                continue
            match = _ID_AFTER.match(text, end)
            if not match:
                continue
            name_start = match.start("name")
            if name_start in done or self.is_taken(name_start, match.end("name")):
                continue
            name = match.group("name")
            if self._labelled_id(app, match, text[start:end], name, match.end("name")):
                done.add(name_start)
        if "@" not in text:
            return
        for count, match in enumerate(_AT_HANDLE.finditer(text)):
            if count >= _MAX_CANDIDATES:
                break
            if match.start(1) in done or self.is_taken(match.start(), match.end()):
                continue
            name, end = _trim_name(match.group(1), match.end(1))
            if _looks_like_host(text, end):
                continue
            app = "telegram"
            for _, _, trigger_app in self.triggers_before(match.start()):
                if trigger_app in _HANDLE_APPS or trigger_app == "other":
                    app = trigger_app
                    break
            if app == "other":
                continue
            if app == "telegram":
                self._telegram(match.start(), name, context=False)
            else:
                self._named(match.start(), app, name)

    def _labelled_id(self, app: str, match: re.Match[str], trigger: str, name: str,
                     end: int) -> bool:
        name, end = _trim_name(name, end)
        if _looks_like_host(self.text, end) or name.lower() in _NOT_IDS:
            return False
        if name.isdigit() or _DIGITS.sub("", name) in ("", "-", "."):
            return False  # a number: the phone pass reads it
        strong = bool(match.group("at") or match.group("idw") or match.group("sep").strip())
        weak_trigger = trigger.lower() in _WEAK_TRIGGERS
        labelled = match.group("at") or match.group("idw")
        if weak_trigger and not labelled and not (strong and re.search(r"[\d_.]", name)):
            return False
        if not strong and trigger.isascii() and not re.search(r"[\d_]", name):
            return False
        offset = match.start("name")
        if app == "telegram":
            return self._telegram(offset, name, context=True)
        return self._named(offset, app, name)

    def _telegram(self, offset: int, name: str, *, context: bool) -> bool:
        name = name.strip().lstrip("@")
        if not _TG_NAME.fullmatch(name) or name.endswith("_"):
            return False
        if len(name) < (_TG_MIN_CONTEXT if context else _TG_MIN):
            return False
        lowered = name.lower()
        if lowered in _TG_RESERVED and not context:
            return False
        self.add(offset, "telegram", lowered)
        return True

    def _named(self, offset: int, app: str, name: str) -> bool:
        rule = _NAME_RULES[app]
        if not rule.fullmatch(name):
            return False
        self.add(offset, app, name.lower())
        return True

    # -- phones
    def _phones(self) -> None:
        text = self.text
        spans: list[tuple[int, int]] = []
        first = _SEVEN_DIGITS.search(text)
        pos = max(0, first.start() - 3) if first else len(text)
        count = 0
        while count < _MAX_CANDIDATES:
            match = _PHONE.search(text, pos)
            if not match:
                break
            count += 1
            start, end = match.span()
            if self.is_taken(start, end):
                pos = end
                continue
            found = self._read_number(start, end)
            spans.extend(found)
            if found and found[-1][1] < end:
                pos = found[-1][1]  # a second number may go on past this candidate
            elif not found and _CONTINUES.match(text, end):
                second = _GROUP.search(text, start)
                second = _GROUP.search(text, second.end()) if second else None
                pos = second.start() if second else end
            else:
                pos = end
        for _, end, app in self.triggers:
            if app in _PHONE_APPS and text[end:end + 1].isascii() and (
                    text[end:end + 1].isdigit() or text[end:end + 1] in ("+", "(")):
                match = _PHONE_GLUED.match(text, end)
                if match and not self.is_taken(end, match.end()):
                    spans.extend(self._read_number(end, match.end()))
        previous: tuple[int, str | None] = (-10, None)
        for start, end, e164 in sorted(set(spans)):
            app = self._phone_app(start, end, previous)
            previous = (end, app)
            self.add(start, "phones", e164)
            if app == "whatsapp":
                self.add(start, "whatsapp", e164)

    def _read_number(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """The numbers in one candidate span: whole, or a run of numbers split at spaces."""
        text = self.text
        while start < end and not (text[start].isdigit() or text[start] in "+("):
            start += 1
        groups = [(m.start() + start, m.end() + start) for m in _GROUP.finditer(text[start:end])]
        out = []
        i = 0
        while i < len(groups) and self.budget > 0:
            hit = None
            for j in range(len(groups), i, -1):
                s = start if i == 0 else groups[i][0]
                e = groups[j - 1][1]
                if sum(ge - gs for gs, ge in groups[i:j]) < 7:
                    break
                self.budget -= 1
                e164 = self._number_at(s, e)
                if e164:
                    hit = (s, e, e164, j)
                    break
            if hit:
                out.append(hit[:3])
                i = hit[3]
            else:
                i += 1
        return out

    def _number_at(self, start: int, end: int) -> str | None:
        text = self.text
        raw = text[start:end]
        if _DATE.fullmatch(raw.strip()):
            return None
        if _price_before(text, start):
            return None
        if _PRICE_AFTER.match(text, end):
            return None
        if raw.count("(") != raw.count(")") and not raw.startswith("("):
            return None
        return self._resolve_number(raw, start, app=self._app_at(start))

    def _app_at(self, pos: int) -> str | None:
        """The app a number at `pos` is labelled with ("WhatsApp/Viber: ..." -> whatsapp)."""
        apps: list[str] = []
        boundary = pos
        for start, end, app in self.triggers_before(pos):
            if apps and not _LABEL_GAP.fullmatch(self.text[end:boundary]):
                break
            if app in _PHONE_APPS:
                apps.append(app)
            boundary = start
        if "whatsapp" in apps:
            return "whatsapp"
        return apps[0] if apps else None

    def _phone_app(self, start: int, end: int, previous: tuple[int, str | None]) -> str | None:
        app = self._app_at(start)
        if app is None and 0 <= start - previous[0] <= 6:
            app = previous[1]
        if app in (None, "phone"):
            bracket = _AFTER_LABEL.match(self.text, end)
            if bracket:
                apps = [_app_of(word) for _, _, word in _TRIGGERS.find(bracket.group())]
                if "whatsapp" in apps:
                    return "whatsapp"
                app = app or next((a for a in apps if a in _PHONE_APPS), None)
        return app

    def _resolve_number(self, raw: str, pos: int, app: str | None) -> str | None:
        digits = "".join(_DIGITS.findall(raw))
        if not 7 <= len(digits) <= 17:
            return None
        stripped = raw.lstrip(" (")
        if stripped.startswith("+"):
            return _international(digits)
        if digits.startswith("00") and len(digits) >= 10:
            found = _international(digits[2:])
            if found:
                return found
        near = self._near_regions(pos)
        context = self._context_regions(pos, app)
        found = _national(digits, near, context)
        if found:
            return found
        # Only now read the whole text for countries it names: most numbers never need it.
        wide = tuple(r for r in self._wide_regions() if r not in near and r not in context)
        found = _national(digits, (), wide) if wide else None
        return found or _fallback(digits, near + context + wide)

    def _near_regions(self, pos: int) -> tuple[str, ...]:
        """Countries named just before a number ("Cambodia: ...", "+855 ..."), nearest first."""
        window = self.text[max(0, pos - _WINDOW):pos]
        if not window:
            return ()
        return _unique(region for _, _, region in reversed(_hints_in(window)))

    def _context_regions(self, pos: int, app: str | None) -> tuple[str, ...]:
        """The app's country (Zalo: VN), the document's country, its language's, the script's."""
        regions = [_APP_REGION.get(app or ""), self.country, self.lang_country]
        window = self.text[max(0, pos - _WINDOW):pos + _WINDOW]
        regions.append(_script_region(window))
        return _unique(r for r in regions if r)

    def _wide_regions(self) -> tuple[str, ...]:
        if self._hints is None:
            self._hints = _unique(region for _, _, region in _hints_in(self.text))
        return self._hints

    # -- wallets, bare domains
    def _wallets(self) -> None:
        if not _LONG_RUN.search(self.text):
            return
        for count, (offset, wallet) in enumerate(find_wallets(self.text)):
            if count >= _MAX_CANDIDATES:
                break
            self.add(offset, "wallets", wallet)

    def _bare_domains(self) -> None:
        for count, match in enumerate(_BARE_DOMAIN.finditer(self.text)):
            if count >= _MAX_CANDIDATES:
                break
            if self.is_taken(match.start(), match.end()):
                continue
            host, tld = match.group(1), match.group(2)
            domain = _plausible_host(host, tld)
            if domain:
                self.add(match.start(), "domains", domain)


def _app_of(trigger: str) -> str | None:
    return _TRIGGER_APP.get(trigger) or _TRIGGER_APP.get(" ".join(trigger.split()))


def _trim_name(name: str, end: int) -> tuple[str, int]:
    """Sentence punctuation after a name is not part of it ("tg: abc." -> "abc")."""
    trimmed = name.rstrip(".-")
    return trimmed, end - (len(name) - len(trimmed))


def _looks_like_host(text: str, end: int) -> bool:
    """The name goes on as a domain or an e-mail ("abc.com", "abc@x"), so it is not an ID."""
    nxt = text[end:end + 2]
    return nxt[:1] == "@" or (nxt[:1] in ".:" and nxt[1:2].isascii() and nxt[1:2].isalnum())


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _hints_in(text: str) -> list[tuple[int, int, str]]:
    """(start, end, region) for every calling code, flag and country name in `text`."""
    hints = []
    for count, match in enumerate(_CALLING_CODE.finditer(text)):
        if count >= _MAX_CANDIDATES:
            break
        region = _hint_region(match)
        if region:
            hints.append((match.start(), match.end(), region))
    hints.extend((start, end, _NAME_REGION[name]) for start, end, name in _COUNTRY_NAMES.find(text))
    hints.sort()
    return hints


def _hint_region(match: re.Match[str]) -> str | None:
    code, flag = match.groups()
    if code:
        regions = phonenumbers.region_codes_for_country_code(int(code))
        return regions[0] if regions and regions[0] != "001" else None
    return "".join(chr(ord(c) - 0x1F1E6 + 65) for c in flag) if flag else None


def _plausible_host(host: str, tld: str) -> str | None:
    """The registrable domain of a host written without a scheme, unless it looks like a
    file name ("main.py") or a sentence glued at its full stop ("Mr.Kim")."""
    if not (tld.islower() or tld.isupper()) or tld.lower() in _FILE_SUFFIXES:
        return None
    return _registrable(host)


@lru_cache(maxsize=8192)
def _registrable(host: str) -> str | None:
    host = host.lower().strip(".")
    if not host or host.replace(".", "").isdigit():
        return None
    parts = _TLD(host)
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}"


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
