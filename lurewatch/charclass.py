"""Regular-expression character classes built from sets of code points."""

from __future__ import annotations

import re
from collections.abc import Iterable


def char_class(codes: Iterable[int]) -> str:
    """A regex character class matching exactly `codes`, written as few ranges as possible.

    Scanning with one class is far faster in Python's regex engine than testing characters
    one by one, which is why the language, contact and search code build theirs with this.
    """
    ranges: list[list[int]] = []
    for code in sorted(set(codes)):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(
        re.escape(chr(lo)) + ("-" + re.escape(chr(hi)) if hi > lo else "") for lo, hi in ranges
    ) + "]"
