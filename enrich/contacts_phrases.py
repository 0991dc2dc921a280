"""Finding listed words in a post, fast: app names, country names, ID words.

These lists are looked up in every line of every post, so `_Phrases` finds them by runs of
letters in the skeleton instead of one alternation regex (which tries every position).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice

from enrich.contacts_text import _MAX_CANDIDATES, _skeleton
from enrich.scan import trie_alternatives


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
