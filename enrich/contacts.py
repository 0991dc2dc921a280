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

Speed (this step runs on every post): every pattern opens with a character set or a literal,
so that the regex engine skips to where it can match; links and e-mails are read only around
their anchors; and what depends on one line alone is scanned once per distinct line and
remembered from its second sighting on (`_scan_parts`), as is the reading of a number in its
surroundings (`_read_number`, with the countries the whole text names when it needed them),
an app name's ID (`_id_after`, `_labelled_value`), a link's parts and an e-mail's address:
posts repeat lines (boilerplate, reposts) and contact points. A line never seen before costs
the readers a cheap test lets run on it. Each shortcut gives exactly the plain result.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

import phonenumbers
import tldextract
import yaml

from enrich.contacts_wallets import find_wallets
from enrich.scan import clean, trie_alternatives
from lurewatch.charclass import char_class

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = (
    "phones", "emails", "urls", "domains", "telegram", "whatsapp", "line", "kakao", "wechat",
    "wallets",
)
_DATA = Path(__file__).parent / "data" / "contact_patterns.yaml"
_OFFSET = itemgetter(0)
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
# regex skipping what it leaves alone). The class is written twice rather than with "+": a
# pattern must open with a bare character set for the engine to skip to where it can match.
_NEEDS_FOLD = re.compile(char_class(_FOLD) + char_class(_FOLD) + "*")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD)


def _fold(text: str) -> str:
    """Regional and full-width digits to ASCII, odd spaces to spaces; length unchanged."""
    if text.isascii():
        return text
    return _NEEDS_FOLD.sub(_fold_run, text)


def _words_regex(words: Iterable[str]) -> str:
    """Whole-word match for ASCII words ("tg" not inside "stg"), anywhere for the others."""
    words = {w.strip().lower() for w in words if w and w.strip()}
    ascii_words = [w for w in words if w.isascii()]
    other = [w for w in words if not w.isascii()]
    parts = []
    if ascii_words:
        trie = trie_alternatives(ascii_words, space=" ")  # (a space in a word is a space)
        parts.append(rf"(?<![A-Za-z0-9_]){trie}(?![A-Za-z])")
    if other:
        parts.append(trie_alternatives(other, space=" "))
    return "|".join(parts) or "(?!)"


# Bytes that are ASCII letters (lower case, as in `_skeleton`), and the table that blanks
# every other byte so that `split()` yields the runs of letters.
_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyz")
_LETTER_RUNS = bytes(code if code in _LETTERS else 0x20 for code in range(256))


def _skeleton(text: str) -> bytes:
    """One byte per character of `text`: ASCII in lower case, anything else "?". Searching
    it for ASCII words runs in C (bytes.find, split, set lookups) at the offsets of the text."""
    return text.encode("ascii", "replace").lower()


class _Phrases:
    """Finds listed words in text, fast. A word that starts with an ASCII letter is found
    whole ("tg" not inside "stg"): the runs of letters of the text are looked up in a set of
    the words' first runs, and only those present are searched for; the other words are
    matched by one trie regex over the text as written (in their usual cases). (A regex
    alternation with word guards and IGNORECASE tries every position: the slowest step of
    all; even a trie regex tries every letter.)"""

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
        # The same, as bytes: a phrase with a non-ASCII letter ("sđt") has no bytes form and
        # is compared with the lower-cased text instead.
        self.by_run_bytes: dict[bytes, list[tuple[str, bytes | None]]] = {
            run.encode(): [(p, p.encode() if p.isascii() else None) for p in phrases]
            for run, phrases in self.by_run.items()
        }
        self.keys_bytes = frozenset(self.by_run_bytes)
        # Where a run starts a listed phrase in the skeleton: no letter, digit or "_" before,
        # one of the phrases (non-ASCII letters as "?") and no letter after. (The look-behind
        # comes after the run, so that the pattern opens with it and the engine skips to it
        # like bytes.find does.) What this finds is then checked phrase by phrase.
        self.key_patterns = {
            run: re.compile(
                re.escape(run) + rb"(?<![a-z0-9_]" + re.escape(run) + rb")(?=(?:"
                + b"|".join(re.escape(_skeleton(p)[len(run):]) for p, _ in phrases)
                + rb")(?![a-z]))"
            )
            for run, phrases in self.by_run_bytes.items()
        }
        self.other = re.compile(trie_alternatives(other, space=" ")) if other else None
        # Whether one of those could match ASCII text (none starts with an ASCII character).
        self.other_in_ascii = any(word[:1].isascii() for word in other)

    def find(self, text: str, limit: int = _MAX_CANDIDATES,
             skeleton: bytes | None = None) -> list[tuple[int, int, str]]:
        """(start, end, word in lower case) for each listed word, in order of position.

        `skeleton` may pass `_skeleton(text)` when the caller has it already."""
        out: list[tuple[int, int, str]] = []
        ascii_text = text.isascii()
        if self.by_run:
            if ascii_text or ("\u0130" not in text and "\u212a" not in text):
                # No character lowers into ASCII or grows when lowered (Kelvin sign, dotted
                # I): the skeleton tells ASCII letters exactly where the lowered text does.
                self._find_ascii(text, skeleton if skeleton is not None else _skeleton(text),
                                 out, limit)
            else:
                self._find_runs(text, out, limit)
        if self.other is not None and (self.other_in_ascii or not ascii_text):
            found = [(match.start(), match.end(), match.group().lower())
                     for match in islice(self.other.finditer(text), limit)]
            if not out:
                return found  # (in order, and no more than `limit`)
            out += found
        if len(out) > 1:
            out.sort()
        return out if len(out) <= limit else out[:limit]

    def _find_ascii(self, text: str, skeleton: bytes, out: list[tuple[int, int, str]],
                    limit: int) -> None:
        """Every whole-word occurrence of a wanted letter run, as its longest listed phrase."""
        wanted = self.keys_bytes.intersection(skeleton.translate(_LETTER_RUNS).split())
        if not wanted:
            return
        size = len(skeleton)
        for key in wanted:
            phrases = self.by_run_bytes[key]
            for match in self.key_patterns[key].finditer(skeleton):
                if len(out) >= limit:
                    break
                start = match.start()
                for phrase, encoded in phrases:
                    end = start + len(phrase)
                    if end < size and skeleton[end] in _LETTERS:
                        continue
                    if encoded is not None:
                        found = skeleton.startswith(encoded, start)
                    else:  # (no character in the fast path changes length when lowered)
                        found = text[start:end].lower() == phrase
                    if found:
                        out.append((start, end, phrase))
                        break

    def _find_runs(self, text: str, out: list[tuple[int, int, str]], limit: int) -> None:
        """The general path, for the rare text with a character that lowers into ASCII: look
        up each run of ASCII letters, then find the listed words it starts."""
        wanted = self.keys.intersection(map(str.lower, self._RUN.findall(text)))
        if not wanted:
            return
        lowered = text.lower()
        if len(lowered) != len(text):  # a few letters grow when lowered: keep offsets
            lowered = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
        for key in wanted:
            self._find_key(text, lowered, key, out, limit)

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
    r"(?P<sep>[:：៖=>]|-(?!\d)|[👉➡→⇒➜►▶☞📞☎✈📱💬📩]\ufe0f?|[ \t]*)[ \t]*\n?[ \t]*"
    r"(?P<at>@)?(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]{1,39})",
    re.IGNORECASE,
)
_ID_MARKS = re.compile(r"[\d_.]")  # what makes a word after a weak app name an ID
_ID_MARKS_STRICT = re.compile(r"[\d_]")
# `_ID_AFTER` reads this far at most, unless spaces run on (then it is matched afresh).
_ID_REACH = 100
# What `_ID_AFTER` can read after the line break it may take in: spaces, "@" and a name
# (with the letters IGNORECASE adds).
_NEXT_LINE_HEAD = re.compile(r"[ \t@A-Za-z0-9._\-\u0130\u0131\u017f\u212a]*")
_KAKAO_CODE = re.compile(r"[A-Za-z0-9_\-.]{3,40}")
_TG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_LINE_NAME = re.compile(r"[A-Za-z0-9._\-]{3,20}")
_KAKAO_NAME = re.compile(r"[A-Za-z0-9._\-]{3,20}")
_WECHAT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{5,19}")
_NAME_RULES = {"telegram": _TG_NAME, "line": _LINE_NAME, "kakao": _KAKAO_NAME,
               "wechat": _WECHAT_NAME}
# (The look-behind after "@" tests the character before it: the engine searches for "@".)
_AT_HANDLE = re.compile(r"@(?<![A-Za-z0-9._%+\-/@=#&]@)([A-Za-z0-9][A-Za-z0-9._\-]{1,39})")

# --- Links, e-mails, domains -------------------------------------------------------------

# The patterns below would be clearer with IGNORECASE, but then no pattern opens with a
# character set, and the engine tries every position of the text instead of skipping to the
# few where a match may start (in Thai or Korean text, nearly none). So each is written with
# both cases, and with what IGNORECASE adds to [A-Za-z]: the dotted and dotless I, the long s
# and the Kelvin sign, so that they match exactly what they did with the flag.
_CI = "\u0130\u0131\u017f\u212a"
_URL_CHARS = rf"[A-Za-z0-9\-._~:/?#@!$&*+,;=%(){_CI}]"
_LABEL = rf"[A-Za-z0-9{_CI}](?:[A-Za-z0-9\-{_CI}]{{0,62}}[A-Za-z0-9{_CI}])?"
# A link opens with a letter or digit; the look-behinds after it tell which kind it is.
_URL = re.compile(
    rf"[A-Za-z0-9{_CI}](?:"
    rf"(?<=[Hh])[Tt][Tt][Pp][Ss\u017f]?://{_URL_CHARS}+"
    rf"|(?<=[Ww])[Ww][Ww]\.{_URL_CHARS}+"
    rf"|(?<=[Tt])[Gg]://{_URL_CHARS}+"
    # scheme-less "t.me/name", "facebook.com/page": a host, then a path (the host is the
    # text from the match's start to the end of its top-level domain `tld`)
    rf"|(?<![A-Za-z0-9@.\-/_{_CI}].)(?:[A-Za-z0-9\-{_CI}]{{0,62}}[A-Za-z0-9{_CI}])?\."
    rf"(?:{_LABEL}\.)*(?P<tld>[A-Za-z{_CI}]{{2,24}})/{_URL_CHARS}*)"
)
# Cheap tests that spare the costlier scans on the many posts that have no link or e-mail
# (see _scan). A bare domain holds a ".xx" (`_DOT_WORD`, on the skeleton where ASCII letters
# are lower case); a link "www.", "tg://" or a ".host/".
_DOT_WORD = re.compile(r"\.[A-Za-z]{2}")
_DOT_WORD_BYTES = re.compile(rb"\.[a-z]{2}")
_SLASHED_HOST_BYTES = re.compile(rb"\.[a-z]{2,24}/")
_SLASHED_HOST_ANY_BYTES = re.compile(rb"\.[a-z?]{2,24}/")
_AT_LOCAL = re.compile(r"@(?<=[A-Za-z0-9._%+\-]@)")  # (searched for as "@", then tested)
# The same with what IGNORECASE adds: where `_email_finditer` reads an "@" at all.
_AT_LOCAL_CI = re.compile(rf"@(?<=[A-Za-z0-9._%+\-{_CI}]@)")
_AT_WORD = re.compile(r"[\[({]\s?[Aa][Tt]\s?[\])}]")
# An "[at]" or "[dot]" of an e-mail (its `\s?` may be a line break: see _broken_mail).
_MAIL_WORD = re.compile(r"[\[({]\s?(?:[Aa][Tt]|[Dd][Oo][Tt])\s?[\])}]")
_URL_TRAILING = ".,;:!?)]}>'\"。，、！？"
# The local part is taken whole (possessive): what may follow it ("@", a space, a bracket)
# is never part of it, so giving characters back could not make a match, only cost time.
_EMAIL = re.compile(
    rf"([A-Za-z0-9{_CI}](?<![A-Za-z0-9._%+\-{_CI}].)[A-Za-z0-9._%+\-{_CI}]{{0,63}}+)"
    r"(?:@|\s?[\[(\{]\s?[Aa][Tt]\s?[\])\}]\s?)"
    rf"((?:{_LABEL}(?:\.|\s?[\[(\{{]\s?[Dd][Oo][Tt]\s?[\])\}}]\s?))+"
    rf"[A-Za-z{_CI}]{{2,24}})(?![A-Za-z0-9\-{_CI}])"
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

# Where a link, an e-mail or a bare domain can be, found without reading every word: each
# match holds one of these anchors and lies inside one run of the characters it may contain
# (see _runs_finditer, _email_finditer).
_URL_ANCHOR = re.compile(rf"://|W[Ww][Ww]\.|w[Ww][Ww]\.|\.[A-Za-z{_CI}]{{2,24}}/")
_URL_RUN = re.compile(_URL_CHARS + "*")
_HOST_RUN = re.compile(r"[A-Za-z0-9\-.]*")
_EMAIL_ANCHOR = re.compile(r"@|[\[(\{]\s?[Aa][Tt]\s?[\])\}]")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"
                         + _CI)
# An e-mail's separator stands at most this far after its start: 64 characters of local part
# and a space before "[at]".
_EMAIL_REACH = 66
_FREE_MAIL = frozenset(_CFG["free_mail"])
_FILE_SUFFIXES = frozenset(_CFG["file_suffixes"])
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)

# --- Phones ------------------------------------------------------------------------------

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


# --- Per-line memory --------------------------------------------------------------------

# Posts reuse lines: a recruiter's boilerplate, the same ad reposted in five channels. What
# depends on one line alone (its folded form, the app names in it, the spans shaped like a
# number) is kept per line, so that a line seen before costs one dictionary lookup. None of
# the patterns read here matches a line break or looks across one (each treats "\n" as it
# treats the end of the text), so the results per line, moved by each line's offset, are
# exactly those of the whole text.
_LINE_MEMO = 4096  # lines remembered
_LINE_MAX = 1000  # longer lines are read afresh each time: memory stays bounded
# Numbers read, by what their reading depends on (see _Extraction._read_number); cleared
# when full.
_NUMBERS: dict[tuple, tuple[int, tuple[tuple[int, int, str], ...], tuple[str, ...] | None]] = {}
_NUMBERS_MEMO = 16384


class _Scan(NamedTuple):
    """What the patterns find in a line (or a whole text), at offsets within it. Each list
    holds at most the first _MAX_CANDIDATES matches its reader would go through."""

    text: str  # folded
    skeleton: bytes
    triggers: Sequence[tuple[int, int, str]]  # (start, end, app)
    phrases: int  # listed phrases found (a text's triggers come from the first ones only)
    numbers: Sequence[tuple[int, int]]  # spans `_PHONE.finditer` matches
    all_numbers: bool  # False when `numbers` stopped at _MAX_CANDIDATES
    tests: int  # _LINK_TEST | _MAIL_TEST | ...: which readers the line may feed (see run)
    urls: Sequence[tuple[int, int, str]]  # (match index, start, link) for the links kept
    url_matches: int
    domains: Sequence[tuple[int, int, str | None]]  # (start, end, registrable domain if any)
    emails: Sequence[tuple[int, int, str, str]]  # (start, end, local part, domain part)
    handles: Sequence[tuple[int, int, int, str]]  # @name: (start, end, name start, name)
    wallets: Sequence[tuple[int, dict[str, str]]]  # (shared: copy before handing out)


def _scan(line: str) -> _Scan:
    """Everything `_Extraction` reads from `line` (a line, or a whole text) by pattern. Each
    reader runs only where a cheap test says it may find something: most lines of an ad hold
    no link, e-mail or number, and a fresh line costs the sum of the readers it runs."""
    if not line:
        return _BLANK
    text = _fold(line)
    skeleton = _skeleton(text)
    found = _TRIGGERS.find(text, skeleton=skeleton)
    alnum = skeleton.translate(_ALNUM_BYTES)
    dot_word = _DOT_WORD_BYTES.search(skeleton)
    tests = 0
    numbers: tuple[tuple[int, int], ...] = ()
    # Seven digits at least (in a text not all ASCII, a "?" may stand for a digit of another
    # script: telling which would cost as much as `_PHONE` itself).
    if len(skeleton.translate(None, _NOT_ASCII_DIGIT_BYTES if text.isascii()
                              else _NOT_DIGIT_BYTES)) >= 7:
        numbers = tuple(m.span() for m in islice(_PHONE.finditer(text), _MAX_CANDIDATES))
    urls = []
    url_matches = 0
    # (`bytes.find`, not `in`: `in` tries its operand as an integer first, and formats and
    # drops an exception each time; a punctuation mark is looked for in `text` alike.)
    www = skeleton.find(b"www.") != -1
    # A link holds "://", "www." or a ".host/" (`_URL_ANCHOR`; "?" may stand for a letter
    # IGNORECASE adds): most lines with a "/" hold none ("숙식 / 항공").
    if www or ("/" in text and (
            "://" in text or _SLASHED_HOST_ANY_BYTES.search(skeleton) is not None)):
        if www or skeleton.find(b"tg://") != -1 or (
                dot_word and _SLASHED_HOST_BYTES.search(skeleton, dot_word.start())):
            tests = _LINK_TEST
        for match in islice(_runs_finditer(_URL, text, _URL_ANCHOR, _URL_RUN),
                            _MAX_CANDIDATES):
            url = match.group().rstrip(_URL_TRAILING)
            tld = match.group("tld")
            if len(url) >= 4 and not (
                    tld and not _plausible_host(text[match.start():match.end("tld")], tld)):
                urls.append((url_matches, match.start(), url))
            url_matches += 1
    domains: tuple[tuple[int, int, str | None], ...] = ()
    if dot_word:
        tests |= _DOMAIN_TEST
        domains = tuple(
            (match.start(), match.end(), _plausible_host(match.group(1), match.group(2)))
            for match in islice(_runs_finditer(_BARE_DOMAIN, text, _DOT_WORD, _HOST_RUN, slack=2),
                                _MAX_CANDIDATES))
    handles: tuple[tuple[int, int, int, str], ...] = ()
    emails: tuple[tuple[int, int, str, str], ...] = ()
    mail = False  # an e-mail's separator: an "@" after a local part's character, or "[at]"
    if "@" in text:
        handles = tuple((match.start(), match.end(), match.start(1), match.group(1))
                        for match in islice(_AT_HANDLE.finditer(text), _MAX_CANDIDATES))
        if _AT_LOCAL.search(text):
            tests |= _MAIL_TEST
            mail = True
        else:
            mail = _AT_LOCAL_CI.search(text) is not None
    if "(" in text or "[" in text or "{" in text:
        tests |= _BRACKETS
        if _AT_WORD.search(text):
            tests |= _AT_TEST
            mail = True
    if mail:
        emails = tuple((match.start(), match.end(), match.group(1), match.group(2))
                       for match in islice(_email_finditer(text), _MAX_CANDIDATES))
    wallets: tuple[tuple[int, dict[str, str]], ...] = ()
    if alnum.find(_SHORTEST_WALLET) != -1:
        if alnum.find(_LONG_ALNUM) != -1:
            tests |= _WALLET_TEST
        wallets = tuple(islice(find_wallets(text), _MAX_CANDIDATES))
    return _Scan(text, skeleton, _app_triggers(text, found) if found else (), len(found),
                 numbers, len(numbers) < _MAX_CANDIDATES, tests, tuple(urls), url_matches,
                 domains, emails, handles, wallets)


_scan_memo = lru_cache(maxsize=_LINE_MEMO)(_scan)
# Hashes of the lines read lately: a line is remembered from its second reading on. Lines that
# never recur (a number, a name, a date of their own) then do not push out of the memory those
# that do, and do not pay for going in and out of it (for scans made long before, freeing them
# reads memory long out of the processor's caches).
_SEEN_LINES: set[int] = set()
_SEEN_MEMO = 65536
_BLANK = _Scan("", b"", (), 0, (), True, 0, (), 0, (), (), (), ())

# A skeleton's ASCII letters and digits as 1, every other byte as 0: a run of letters and
# digits is then a run of 1s, found by one substring search (a regex would try each letter of
# every word). Wallet addresses are such runs: 14 characters at least (bech32), and the test
# for reading them at all asks for 26 (`[0-9A-Za-z]{26}`).
_ALNUM_BYTES = bytes(int(chr(i).isascii() and chr(i).isalnum()) for i in range(256))
_SHORTEST_WALLET = b"\x01" * 14
_LONG_ALNUM = b"\x01" * 26
# Every byte but the ASCII digits; and but those and "?" (any non-ASCII character).
_NOT_ASCII_DIGIT_BYTES = bytes(code for code in range(256) if code not in b"0123456789")
_NOT_DIGIT_BYTES = bytes(code for code in range(256) if code not in b"0123456789?")

# What a text holds that makes a reader worth running (see _Extraction.run).
_LINK_TEST = 1  # "www.", "tg://" or a ".host/"
_DOMAIN_TEST = 2  # a "." then two letters
_MAIL_TEST = 4  # an "@" after a character of a local part
_AT_TEST = 8  # an "[at]"
_BRACKETS = 16  # one of "([{": an "[at]" may start there and run across a line break
_WALLET_TEST = 32  # 26 letters and digits in a row
# An "[at]" or "[dot]" could take a line break in (its spaces are `\s`) where one of these
# ends a line or starts the next.
_BRACKET_CHARS = frozenset("([{)]}")


def _scan_parts(text: str) -> list[tuple[int, _Scan]]:
    """(offset, scan) for the lines of `text`, scanned once each (remembered), or for the
    whole text where that could differ: where a character lowers into ASCII (see
    _Phrases.find), or where the text's app names pass _MAX_CANDIDATES."""
    if "\u0130" in text or "\u212a" in text:
        return [(0, _scan(text))]
    memo = _scan_memo
    seen = _SEEN_LINES
    parts = []
    offset = phrases = 0
    for line in text.split("\n"):
        if len(line) > _LINE_MAX:
            scan = _scan(line)
        else:
            key = hash(line)
            if key in seen:
                scan = memo(line)
            else:  # a line seen once is not remembered yet (see _SEEN_LINES)
                if len(seen) >= _SEEN_MEMO:
                    seen.clear()
                seen.add(key)
                scan = _scan(line)
        parts.append((offset, scan))
        phrases += scan.phrases
        offset += len(line) + 1  # (folding keeps every character's offset)
    if len(parts) > 1 and phrases >= _MAX_CANDIDATES:
        return [(0, _scan(text))]
    return parts


def _app_triggers(text: str,
                  found: list[tuple[int, int, str]]) -> tuple[tuple[int, int, str], ...]:
    """(start, end, app) for the app names among listed phrases found in `text`."""
    return tuple((start, end, app) for start, end, word in found
                 if not (_EXCLUSIONS and text.startswith(_EXCLUSIONS, start))
                 and (app := _app_of(word)))


@lru_cache(maxsize=_LINE_MEMO)
def _line_hints(line: str) -> tuple[tuple[tuple[int, int, str], ...], int]:
    """`_counted_hints(line)` of a folded line, remembered."""
    hints, count = _counted_hints(line)
    return tuple(hints), count


@lru_cache(maxsize=256)
def country_hint(lang: str | None) -> str | None:
    """The country whose ads are usually written in `lang` (ko -> KR), or None."""
    return _LANG_COUNTRY.get((lang or "").lower().split("-")[0]) if lang else None


def empty() -> dict[str, list]:
    """A result with every kind present and nothing found (written out: once per post, a
    dict display costs less than a comprehension)."""
    return {"phones": [], "emails": [], "urls": [], "domains": [], "telegram": [],
            "whatsapp": [], "line": [], "kakao": [], "wechat": [], "wallets": []}


assert tuple(empty()) == KINDS


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
        self.links = [_fold(clean(link)) for link in list(links or ())[:_MAX_CANDIDATES]]
        self.country = (country or "").upper() or None
        self.lang_country = country_hint(lang)
        self.found: list[tuple[int, str, Any]] = []
        self.taken: list[tuple[int, int]] = []
        self._hints: tuple[str, ...] | None = None
        self.used_wide = False  # whether a number was read in the whole text's countries
        self.budget = _MAX_CANDIDATES  # numbers tried: bounds the work on a dump of digits
        # What the patterns find, line by line: (offset of the line, its scan).
        self.parts = parts = _scan_parts(text)
        if len(parts) == 1:
            scan = parts[0][1]
            self.tests = scan.tests
            self.text = scan.text
            self.triggers: Sequence[tuple[int, int, str]] = scan.triggers
            numbers: Sequence[tuple[int, int]] | None = scan.numbers
            all_numbers = scan.all_numbers
        else:  # the lines' findings, moved by their offsets (one loop: most lines hold none)
            tests = 0
            texts = []
            triggers: list[tuple[int, int, str]] = []
            numbers = []
            all_numbers = True
            for offset, scan in parts:
                tests |= scan.tests
                texts.append(scan.text)
                if scan.triggers:
                    triggers += [(start + offset, end + offset, app)
                                 for start, end, app in scan.triggers]
                if scan.numbers:
                    numbers += [(start + offset, end + offset) for start, end in scan.numbers]
                    all_numbers = all_numbers and scan.all_numbers
            self.tests = tests
            self.text = "\n".join(texts)
            self.triggers = triggers
        self.trigger_ends = [end for _, end, _ in self.triggers]
        # Spans `_PHONE` matches, in order, when known for the whole text (see _next_number).
        self.numbers = numbers if all_numbers else None
        self._skeleton: bytes | None = None
        self._broken: bool | None = None  # see _broken_mail

    @property
    def skeleton(self) -> bytes:
        if self._skeleton is None:
            parts = self.parts
            self._skeleton = parts[0][1].skeleton if len(parts) == 1 else b"\n".join(
                [scan.skeleton for _, scan in parts])
        return self._skeleton

    def _broken_mail(self) -> bool:
        """Whether an e-mail may run across a line break, in a text of several lines: an
        "[at]" or "[dot]" with one in it or next to it (the only places `_EMAIL` takes one
        in). A bracket ending or starting a line comes first: it is cheap to tell, and
        brackets at line ends are common ("(주)"), "[at]" beside them rare."""
        if self._broken is None:
            lines = [scan.text for _, scan in self.parts]
            self._broken = False
            if any(line[:1] in _BRACKET_CHARS for line in lines[1:]) or any(
                    line[-1:] in _BRACKET_CHARS for line in lines[:-1]):
                text = self.text
                self._broken = any("\n" in text[max(0, m.start() - 1):m.end() + 1]
                                   for m in _MAIL_WORD.finditer(text))
        return self._broken

    def found_in_lines(self, kind: str) -> list[tuple[int, tuple]]:
        """(offset of its line, item) for the first _MAX_CANDIDATES items of one kind."""
        parts = self.parts
        if len(parts) == 1:
            offset, scan = parts[0]
            return [(offset, item) for item in getattr(scan, kind)]  # (at most that many)
        found = [(offset, item) for offset, scan in parts for item in getattr(scan, kind)]
        return found[:_MAX_CANDIDATES] if len(found) > _MAX_CANDIDATES else found

    def run(self) -> dict[str, list]:
        tests = self.tests
        if tests & _LINK_TEST:
            self._urls()
        if tests & (_MAIL_TEST | _AT_TEST):
            self._emails()
        elif tests & _BRACKETS and len(self.parts) > 1 and self._broken_mail() and (
                _AT_WORD.search(self.text)):
            self._emails()  # an "[at]" with a line break in it
        self._handles()
        self._phones()
        self._wallets()
        if tests & _DOMAIN_TEST:
            self._bare_domains()
        base = len(self.text) + 1
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
        self.found.sort(key=_OFFSET)  # stable: what one offset holds stays in finding order
        for _, kind, value in self.found:
            key = (kind, value["address"] if kind == "wallets" else value)
            if key in seen:
                continue
            seen.add(key)
            out[kind].append(value)
        return out

    # -- triggers
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
        matches = 0  # links are kept from the first _MAX_CANDIDATES matches
        for offset, scan in self.parts:
            for index, start, url in scan.urls:
                if matches + index >= _MAX_CANDIDATES:
                    return
                self.take(start + offset, start + offset + len(url))
                self._link(start + offset, url, as_found=True)
            matches += scan.url_matches

    def _link(self, offset: int, url: str, *, as_found: bool) -> None:
        url = url.strip()
        if not url:
            return
        lower = url.lower()
        if lower.startswith("mailto:"):
            address = unquote(url[7:].split("?", 1)[0])
            match = _EMAIL.fullmatch(address.strip())
            if match:
                self._email(offset, match.group(1), match.group(2))
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
        web = _web_link(url)
        if web is None:
            return  # a relative href or junk: nothing to pivot on
        host, domain, path, query = web
        if as_found:
            self.add(offset, "urls", url)
        if domain:
            self.add(offset, "domains", domain)
        if host in ("t.me", "telegram.me", "telegram.dog"):
            self._telegram_path(offset, path)
        elif host == "wa.me" and path and path[0].lstrip("+").isdigit():
            self._whatsapp_number(offset, "+" + path[0].lstrip("+"))
        elif host in ("api.whatsapp.com", "whatsapp.com", "web.whatsapp.com"):
            for phone in parse_qs(query).get("phone", [])[:1]:
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

    def _telegram_path(self, offset: int, path: Sequence[str]) -> None:
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

    def _line_path(self, offset: int, path: Sequence[str]) -> None:
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
        text = self.text
        if len(self.parts) > 1 and self.tests & _BRACKETS and self._broken_mail():
            # An e-mail may run across a line break ("x\n[at] y.com"): read the whole text.
            found: Iterable[tuple[int, tuple[int, int, str, str]]] = (
                (0, (m.start(), m.end(), m.group(1), m.group(2)))
                for m in islice(_email_finditer(text), _MAX_CANDIDATES))
        else:
            found = self.found_in_lines("emails")
        for offset, (start, end, local, domain) in found:
            start, end = start + offset, end + offset
            if self.is_taken(start, end):
                continue
            if self._email(start, local, domain):
                self.take(start, end)

    def _email(self, offset: int, local: str, domain: str) -> bool:
        """Adds the e-mail of a `_EMAIL` match's local part and domain part, if it is one."""
        found = _email_address(local, domain)
        if found is None:
            return False
        address, registrable = found
        self.add(offset, "emails", address)
        if registrable:
            self.add(offset, "domains", registrable)
        return True

    # -- handles
    def _handles(self) -> None:
        text = self.text
        done: set[int] = set()
        for start, end, app in self.triggers:
            if app not in _HANDLE_APPS:
                continue
            label = _id_after(text, end)
            if not label:
                continue
            name_start, name_end, name, strong, labelled = label
            if name_start in done or self.is_taken(name_start, name_end):
                continue
            if self._labelled_id(app, text[start:end], name, name_start, name_end, strong,
                                 labelled):
                done.add(name_start)
        for offset, (start, end, name_start, name) in self.found_in_lines("handles"):  # @name
            start, end, name_start = start + offset, end + offset, name_start + offset
            if name_start in done or self.is_taken(start, end):
                continue
            name, name_end = _trim_name(name, end)
            if _looks_like_host(text, name_end):
                continue
            app = "telegram"
            for _, _, trigger_app in self.triggers_before(start):
                if trigger_app in _HANDLE_APPS or trigger_app == "other":
                    app = trigger_app
                    break
            if app == "other":
                continue
            if app == "telegram":
                self._telegram(start, name, context=False)
            else:
                self._named(start, app, name)

    def _labelled_id(self, app: str, trigger: str, name: str, offset: int, end: int,
                     strong: bool, labelled: bool) -> bool:
        """Adds the ID `name` that an app's name (`trigger`) labels, if it is one. `strong`:
        written with "@", an ID word ("ID", "아이디") or a separator (":"); `labelled`: with
        "@" or an ID word."""
        name, end = _trim_name(name, end)
        if _looks_like_host(self.text, end):
            return False
        found = _labelled_value(app, trigger, name, strong, labelled)
        if found is None:
            return False
        self.add(offset, *found)
        return True

    def _telegram(self, offset: int, name: str, *, context: bool) -> bool:
        lowered = _telegram_name(name, context)
        if lowered is None:
            return False
        self.add(offset, "telegram", lowered)
        return True

    def _named(self, offset: int, app: str, name: str) -> bool:
        if not _NAME_RULES[app].fullmatch(name):
            return False
        self.add(offset, app, name.lower())
        return True

    # -- phones
    def _phones(self) -> None:
        text = self.text
        spans: list[tuple[int, int]] = []
        pos = count = 0
        while count < _MAX_CANDIDATES:
            span = self._next_number(pos)
            if not span:
                break
            count += 1
            start, end = span
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
            if text[end:end + 1] in _GLUED_START and app in _PHONE_APPS:
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

    def _next_number(self, pos: int) -> tuple[int, int] | None:
        """The span of `_PHONE.search(self.text, pos)`, from the spans `finditer` gives when
        the lines gave them: the leftmost match from a point no match covers is the next
        one `finditer` found (it would have found any match in between)."""
        numbers = self.numbers
        if numbers is not None:
            i = bisect.bisect_left(numbers, (pos,))
            if i == 0 or numbers[i - 1][1] <= pos:
                return numbers[i] if i < len(numbers) else None
        match = _PHONE.search(self.text, pos)
        return match.span() if match else None

    def _read_number(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """The numbers in one candidate span: whole, or a run of numbers split at spaces.

        Remembered by what they depend on: the text from _WINDOW characters before the span
        to _WINDOW after it (prices, dates, the countries named before, the script around),
        the app names ending in it, and the document's country and language. A reading that
        needed the countries of the whole text (_wide_regions) holds only for a text that
        names the same ones: it is remembered with them. A reading that the budget of tries
        could have cut short is not remembered.
        """
        lo = max(0, start - _WINDOW)
        key = (self.text[lo:end + _WINDOW], start - lo, end - lo, self._triggers_from(lo, end),
               self.country, self.lang_country)
        known = _NUMBERS.get(key)
        if known is not None and self.budget > known[0] and (
                known[2] is None or known[2] == self._wide_regions()):
            tries, found, _ = known
            self.budget -= tries
            return [(s + lo, e + lo, e164) for s, e, e164 in found]
        budget, self.used_wide = self.budget, False
        out = self._read_number_afresh(start, end)
        tries = budget - self.budget
        if budget > tries:
            if len(_NUMBERS) >= _NUMBERS_MEMO:
                _NUMBERS.clear()
            _NUMBERS[key] = (tries, tuple((s - lo, e - lo, e164) for s, e, e164 in out),
                             self._hints if self.used_wide else None)
        return out

    def _triggers_from(self, lo: int, hi: int) -> tuple[tuple[int, int, str], ...]:
        """The triggers ending in [lo, hi], at offsets from `lo` (what _app_at reads)."""
        ends = self.trigger_ends
        first = bisect.bisect_left(ends, lo)
        last = bisect.bisect_right(ends, hi, first)
        return tuple((t_start - lo, t_end - lo, app)
                     for t_start, t_end, app in self.triggers[first:last])

    def _read_number_afresh(self, start: int, end: int) -> list[tuple[int, int, str]]:
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
                apps = _apps_named(bracket.group())
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
        return _regions_before(self.text[max(0, pos - _WINDOW):pos])

    def _context_regions(self, pos: int, app: str | None) -> tuple[str, ...]:
        """The app's country (Zalo: VN), the document's country, its language's, the script's."""
        regions = [_APP_REGION.get(app or ""), self.country, self.lang_country]
        window = self.text[max(0, pos - _WINDOW):pos + _WINDOW]
        regions.append(_script_region(window))
        return _unique(r for r in regions if r)

    def _wide_regions(self) -> tuple[str, ...]:
        self.used_wide = True
        if self._hints is None:
            hints: Iterable[tuple[int, int, str]] = ()
            text = self.text
            if "\u0130" not in text and "\u212a" not in text:  # by line, as _scan_parts
                by_line = [_line_hints(line) if len(line) <= _LINE_MAX
                           else _counted_hints(line) for line in text.split("\n")]
                if sum(count for _, count in by_line) < _MAX_CANDIDATES:
                    hints = (hint for line_hints, _ in by_line for hint in line_hints)
                else:  # the whole text's stop at _MAX_CANDIDATES: read them as it does
                    hints = _hints_in(self.text, self.skeleton)
            else:
                hints = _hints_in(self.text, self.skeleton)
            self._hints = _unique(region for _, _, region in hints)
        return self._hints

    # -- wallets, bare domains
    def _wallets(self) -> None:
        if self.tests & _WALLET_TEST:
            for offset, (start, wallet) in self.found_in_lines("wallets"):
                self.add(start + offset, "wallets", dict(wallet))

    def _bare_domains(self) -> None:
        for offset, (start, end, domain) in self.found_in_lines("domains"):
            if domain and not self.is_taken(start + offset, end + offset):
                self.add(start + offset, "domains", domain)


def _runs_finditer(pattern: re.Pattern[str], text: str, anchors: re.Pattern[str],
                   run: re.Pattern[str], slack: int = 0) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, for a pattern whose every match holds an `anchors` match and
    consists of `run` characters (its look-aheads reading at most `slack` characters past
    the match): only the runs that hold an anchor are scanned, not every word of the text.

    The matches are exactly those of `finditer`: a match is inside one run, so scanning each
    anchored run from where the previous match ended finds the same leftmost matches.
    """
    size = len(text)
    backwards = ""  # the text reversed, made at the first anchor (most texts have none)
    pos = 0  # where `finditer` would look next
    for anchor in anchors.finditer(text):
        at = anchor.start()
        if at < pos:
            continue
        if not backwards:
            backwards = text[::-1]
        back = size - at  # `backwards` reads the text before `at` from there on
        start = at - (run.match(backwards, back).end() - back)
        end = run.match(text, at).end()
        for match in pattern.finditer(text, max(pos, start), min(size, end + slack)):
            yield match
            pos = match.end()
        pos = max(pos, end)


def _email_finditer(text: str) -> Iterator[re.Match[str]]:
    """`_EMAIL.finditer(text)`, reading only near an "@" or "[at]": an e-mail's local part
    is right before its separator, so the leftmost match from `_EMAIL_REACH` characters
    before the first separator not yet passed is the next match. An "@" that does not follow
    a character of a local part (an @handle) cannot be one, so the common case reads nothing.
    """
    pos = 0
    for anchor in _EMAIL_ANCHOR.finditer(text):
        at = anchor.start()
        if at < pos or at == 0 or (text[at] == "@" and text[at - 1] not in _EMAIL_LOCAL):
            continue
        match = _EMAIL.search(text, max(pos, at - _EMAIL_REACH))
        if match is None:
            return
        yield match
        pos = match.end()


def _id_after(text: str, pos: int) -> tuple[int, int, str, bool, bool] | None:
    """`_ID_AFTER.match(text, pos)` as (name start, name end, name, strong, labelled), or
    None; remembered by the text that follows `pos` when the match is decided within
    _ID_REACH characters of it (app names recur with what follows them).

    A match takes in one line break at most, and after it only what `_NEXT_LINE_HEAD`
    matches: the rest of the line, the break and that much of the next line decide it (the
    next line's own words do not make the key differ where the trigger's line recurs). When
    that is within _ID_REACH characters, it is the key, and the match is decided as it is
    on those characters: unless it runs to their end and the text goes on."""
    reach = pos + _ID_REACH
    newline = text.find("\n", pos, reach)
    head = _NEXT_LINE_HEAD.match(text, newline + 1).end() if newline != -1 else reach + 1
    if head <= reach:
        label = _id_after_text(text[pos:head], True)
        if label and label[1] >= _ID_REACH and len(text) > reach:
            label = False
    else:
        label = _id_after_text(text[pos:reach], len(text) <= reach)
    if label is False:  # spaces (or the name) may run on past what was read: match afresh
        return _id_label(_ID_AFTER.match(text, pos))
    return label and (label[0] + pos, label[1] + pos, *label[2:])  # type: ignore[return-value]


@lru_cache(maxsize=16384)
def _id_after_text(following: str, whole: bool) -> tuple[int, int, str, bool, bool] | bool | None:
    """`_id_after` on the text that follows a trigger (`whole`: up to the text's end), at
    offsets within it; False when more text could change the match. (Each part of
    `_ID_AFTER` takes all it can, so a match that ends before the end of what was read is the
    one the whole text gives.)"""
    match = _ID_AFTER.match(following)
    if not whole and (match is None or match.end() >= len(following)):
        return False
    return _id_label(match)


def _id_label(match: re.Match[str] | None) -> tuple[int, int, str, bool, bool] | None:
    """(name start, name end, name, strong, labelled) of an `_ID_AFTER` match: `strong`
    when written with "@", an ID word or a separator, `labelled` with "@" or an ID word."""
    if match is None:
        return None
    at, idw = match.group("at"), match.group("idw")
    return (match.start("name"), match.end("name"), match.group("name"),
            bool(at or idw or match.group("sep").strip()), bool(at or idw))


@lru_cache(maxsize=4096)
def _apps_named(text: str) -> tuple[str | None, ...]:
    """The app of each listed phrase in `text`, in order (labels after numbers recur)."""
    return tuple(_app_of(word) for _, _, word in _TRIGGERS.find(text))


def _app_of(trigger: str) -> str | None:
    return _TRIGGER_APP.get(trigger) or _TRIGGER_APP.get(" ".join(trigger.split()))


@lru_cache(maxsize=16384)
def _labelled_value(app: str, trigger: str, name: str, strong: bool,
                    labelled: bool) -> tuple[str, str] | None:
    """(kind, value) of the ID `name` that the app name `trigger` labels, None if it is not
    one (see _Extraction._labelled_id); remembered, as the same IDs recur across posts."""
    if name.lower() in _NOT_IDS:
        return None
    if name.isdigit() or _DIGITS.sub("", name) in ("", "-", "."):
        return None  # a number: the phone pass reads it
    weak_trigger = trigger.lower() in _WEAK_TRIGGERS
    if weak_trigger and not labelled and not (strong and _ID_MARKS.search(name)):
        return None
    if not strong and trigger.isascii() and not _ID_MARKS_STRICT.search(name):
        return None
    if app == "telegram":
        lowered = _telegram_name(name, True)
        return None if lowered is None else ("telegram", lowered)
    return (app, name.lower()) if _NAME_RULES[app].fullmatch(name) else None


def _telegram_name(name: str, context: bool) -> str | None:
    """A Telegram username in lower case, None if `name` cannot be one (`context`: an app's
    name or a link says it is Telegram)."""
    name = name.strip().lstrip("@")
    if not _TG_NAME.fullmatch(name) or name.endswith("_"):
        return None
    if len(name) < (_TG_MIN_CONTEXT if context else _TG_MIN):
        return None
    lowered = name.lower()
    if lowered in _TG_RESERVED and not context:
        return None
    return lowered


@lru_cache(maxsize=8192)
def _email_address(local: str, domain: str) -> tuple[str, str | None] | None:
    """(address, registrable domain unless a free-mail one) of an `_EMAIL` match's local
    and domain parts, or None if they make no e-mail address."""
    local = local.strip(".")
    domain = _OBFUSCATED_DOT.sub(".", domain).lower().strip(".")
    if not local or ".." in local or ".." in domain:
        return None
    name, suffix = _tld_parts(domain)
    if not suffix or not name:
        return None
    registrable = f"{name}.{suffix}"
    if registrable in _FREE_MAIL or domain in _FREE_MAIL:
        return f"{local.lower()}@{domain}", None
    return f"{local.lower()}@{domain}", registrable


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


@lru_cache(maxsize=4096)
def _web_link(url: str) -> tuple[str, str | None, tuple[str, ...], str] | None:
    """(host without "www.", registrable domain, path's parts unquoted, query) of a link,
    or None when it names no host; remembered (links recur across posts)."""
    parts = urlsplit(url if "://" in url[:12] else "http://" + url)
    try:
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if not host or ("." not in host and host != "localhost"):
        return None
    path = tuple(unquote(p) for p in parts.path.split("/") if p)
    return host.removeprefix("www."), _registrable(host), path, parts.query


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
    name, suffix = _tld_parts(host)
    if not suffix or not name:
        return None
    return f"{name}.{suffix}"


@lru_cache(maxsize=8192)
def _tld_parts(host: str) -> tuple[str, str]:
    """The registrable name and public suffix of a host ("mail.example.co.kr" -> "example",
    "co.kr"), either empty if it has none (the bundled suffix list, never fetched)."""
    parts = _TLD(host)
    return parts.domain, parts.suffix


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
