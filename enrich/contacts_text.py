"""What every reader of contact points shares: the patterns file
(``enrich/data/contact_patterns.yaml``), the cap on candidates, and a post's folded text and
byte skeleton.

Folding makes one same-length copy of the text with ASCII digits and punctuation, so that the
patterns of the other ``contacts_*`` modules need only ASCII and their offsets stay the text's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from lurewatch.charclass import char_class

_DATA = Path(__file__).parent / "data" / "contact_patterns.yaml"
# Past this many candidates of one kind a "post" is a dump, not an ad: stop looking.
_MAX_CANDIDATES = 2000


def _load() -> dict[str, Any]:
    with _DATA.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


_CFG = _load()


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


def _skeleton(text: str) -> bytes:
    """One byte per character of `text`: ASCII in lower case, anything else "?". Searching
    it for ASCII words runs in C (bytes.find, split, set lookups) at the offsets of the text."""
    return text.encode("ascii", "replace").lower()
