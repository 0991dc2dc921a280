"""Marking where a post matched: query terms in snippets, indicator evidence in the full text.

Everything here returns plain segments `(text, mark)`; the templates escape every segment and
wrap the marked ones, so scraped text never reaches the page as markup.
"""

from __future__ import annotations

import re
from typing import Any

from index.query import grams, words

Segment = tuple[str, Any]


def query_terms(text: str) -> list[str]:
    """What to look for in a post: the words of spaced scripts and the runs of unspaced ones."""
    terms: list[str] = list(words(text))
    run = ""
    for char in text + " ":
        if grams(char):  # a character of a script written without spaces (or Hangul)
            run += char
            continue
        if run:
            terms.append(run)
        run = ""
    return list(dict.fromkeys(t for t in terms if t))


def _pattern(term: str) -> str:
    if grams(term[:1]):
        return re.escape(term)
    return r"(?<!\w)" + re.escape(term) + r"(?!\w)"


def spans(text: str, terms: list[tuple[str, Any]]) -> list[tuple[int, int, Any]]:
    """Non-overlapping (start, end, tag) of every case-insensitive occurrence of the terms."""
    found: list[tuple[int, int, Any]] = []
    for term, tag in terms:
        if not term.strip():
            continue
        for match in re.finditer(_pattern(term), text, re.IGNORECASE):
            found.append((match.start(), match.end(), tag))
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, int, Any]] = []
    end = 0
    for start, stop, tag in found:
        if start >= end:
            out.append((start, stop, tag))
            end = stop
    return out


def segments(text: str, marks: list[tuple[int, int, Any]]) -> list[Segment]:
    """The text cut at the marks: unmarked pieces carry `None`."""
    out: list[Segment] = []
    pos = 0
    for start, stop, tag in marks:
        if start > pos:
            out.append((text[pos:start], None))
        out.append((text[start:stop], tag))
        pos = stop
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def snippet(text: str, query: str, width: int = 260) -> list[Segment]:
    """A window of the post around its first match, matched terms marked with True."""
    text = " ".join((text or "").split())
    marks = spans(text, [(t, True) for t in query_terms(query)])
    start = 0
    if marks and marks[0][0] > width // 3:
        start = marks[0][0] - width // 3
        space = text.rfind(" ", 0, start)
        start = space + 1 if space > start - 20 else start
    stop = min(len(text), start + width)
    window = [(max(a, start) - start, min(b, stop) - start, tag)
              for a, b, tag in marks if a < stop and b > start]
    out = segments(text[start:stop], window)
    if start > 0:
        out.insert(0, ("… ", None))
    if stop < len(text):
        out.append((" …", None))
    return out


def indicator_segments(text: str, indicators: list[dict[str, Any]]) -> list[Segment]:
    """The full text with every indicator's evidence marked with its code, where it occurs."""
    terms = [
        (str(i.get("evidence")), i.get("code")) for i in indicators
        if isinstance(i, dict) and i.get("evidence") and i.get("code")
    ]
    return segments(text or "", spans(text or "", terms))
