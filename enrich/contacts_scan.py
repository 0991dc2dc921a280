"""Per-line memory: what the patterns find in one line (`_Scan`), scanned once per distinct
line and remembered from its second sighting on (`_scan_parts`).

Posts repeat lines (boilerplate, reposts), so this is where most of a post's reading is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from enrich.contacts_apps import _AT_HANDLE, _TRIGGERS, _app_triggers
from enrich.contacts_links import (
    _AT_LOCAL,
    _AT_LOCAL_CI,
    _AT_WORD,
    _BARE_DOMAIN,
    _DOT_WORD,
    _DOT_WORD_BYTES,
    _HOST_RUN,
    _SLASHED_HOST_ANY_BYTES,
    _SLASHED_HOST_BYTES,
    _URL,
    _URL_ANCHOR,
    _URL_RUN,
    _URL_TRAILING,
    _email_finditer,
    _plausible_host,
    _runs_finditer,
)
from enrich.contacts_phones import _PHONE, _counted_hints
from enrich.contacts_text import _MAX_CANDIDATES, _fold, _skeleton
from enrich.contacts_wallets import find_wallets

# Posts reuse lines: a recruiter's boilerplate, the same ad reposted in five channels. What
# depends on one line alone (its folded form, the app names in it, the spans shaped like a
# number) is kept per line, so that a line seen before costs one dictionary lookup. None of
# the patterns read here matches a line break or looks across one (each treats "\n" as it
# treats the end of the text), so the results per line, moved by each line's offset, are
# exactly those of the whole text.
_LINE_MEMO = 4096  # lines remembered
_LINE_MAX = 1000  # longer lines are read afresh each time: memory stays bounded


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


@lru_cache(maxsize=_LINE_MEMO)
def _line_hints(line: str) -> tuple[tuple[tuple[int, int, str], ...], int]:
    """`_counted_hints(line)` of a folded line, remembered."""
    hints, count = _counted_hints(line)
    return tuple(hints), count
