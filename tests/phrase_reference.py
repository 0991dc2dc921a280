"""A slow, plain reading of phrase scanning, to test `enrich.scan.PhraseScanner` against.

One small regex per phrase, tried phrase by phrase at every position: what the scanner's
trie-shaped patterns must find, written so that it can be checked by reading it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from enrich.scan import fold, is_word_char

_WORD = "[0-9a-z\u00c0-\u024f\u1e00-\u1eff]"  # a character that continues a Latin word
_SEPARATORS = r"[\s\-_.·,]*"  # what a space in a phrase matches
_KEY = re.compile(r"[\s\-_.·,]+")


class ReferenceScanner:
    """(start, end, value) of phrases in folded text, as PhraseScanner reads them.

    Phrases are folded, their spaces matching any run of separators. Those that start with
    a Latin letter or digit are found at word starts only, those that end with one at word
    ends only. At each position the phrases are tried in trie order (character by character,
    a space before any other character, a longer phrase before its prefix) and the first
    that matches is taken; the scan goes on after it. Latin-initial phrases and the others
    are scanned apart, then merged left to right, dropping a match that overlaps the one
    before. Each match is looked up with its separators removed; stop phrases (None) drop.
    Each line is scanned on its own.
    """

    def __init__(self, phrases: Iterable[tuple[str, Any]]) -> None:
        self.values: dict[str, Any] = {}
        forms: set[str] = set()
        for phrase, value in phrases:
            form = " ".join(fold(str(phrase)).split())
            if form:
                self.values.setdefault(_KEY.sub("", form), value)
                forms.add(form)
        ordered = sorted(forms, key=lambda form: form.replace(" ", "\x00") + "\U0010ffff")
        self.by_first: dict[str, list[re.Pattern[str]]] = {}
        for form in ordered:
            self.by_first.setdefault(form[0], []).append(_phrase_regex(form))

    def scan(self, folded: str) -> list[tuple[int, int, Any]]:
        """Each line alone: a phrase never spans a line break."""
        out = []
        offset = 0
        for line in folded.split("\n"):
            out += [(start + offset, end + offset, value)
                    for start, end, value in self._scan_line(line)]
            offset += len(line) + 1
        return out

    def _scan_line(self, folded: str) -> list[tuple[int, int, Any]]:
        found = []
        for latin in (True, False):
            at = 0
            while at < len(folded):
                char = folded[at]
                match = None
                if is_word_char(char) == latin and not (
                        latin and at and re.match(_WORD, folded[at - 1])):
                    match = next((m for rx in self.by_first.get(char, ())
                                  if (m := rx.match(folded, at))), None)
                if match:
                    found.append((match.start(), match.end(), match.group()))
                    at = match.end()
                else:
                    at += 1
        out = []
        last_end = 0
        for start, end, words in sorted(found):
            if start >= last_end:
                last_end = end
                value = self.values.get(_KEY.sub("", words))
                if value is not None:
                    out.append((start, end, value))
        return out


def _phrase_regex(form: str) -> re.Pattern[str]:
    parts = [_SEPARATORS if char == " " else re.escape(char) for char in form]
    end = f"(?!{_WORD})" if is_word_char(form[-1]) else ""
    return re.compile("".join(parts) + end)
