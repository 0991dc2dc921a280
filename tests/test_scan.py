"""Line-by-line finding (enrich/scan.py `by_line`): what a post holds does not depend on which
of its lines were seen before, and no phrase, name or company form runs across a line break."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enrich import indicators, ner, places
from enrich.scan import LineMemo, by_line, fold, within_line

LABELLED = Path(__file__).parent / "data" / "eval_posts.jsonl"


def labelled_texts() -> list[str]:
    """The labelled posts two by two, as the benchmark joins them (lines of many kinds), and
    each again with every space a line break (where a match across lines would show)."""
    rows = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines() if line]
    texts = [row["text"] for row in rows]
    pairs = [texts[i] + "\n" + texts[(i + 7) % len(texts)] for i in range(len(texts))]
    return pairs + [text.replace(" ", "\n") for text in texts]


FINDERS = {
    "places": (places._SCANNER._lines, fold),
    "indicator phrases": (indicators._SCANNER._lines, fold),
    "names": (ner._NAMES_IN_LINE, str),
    "company forms": (ner._COMPANIES_IN_LINE, str),
}


@pytest.mark.parametrize("kind", FINDERS)
def test_a_post_reads_the_same_first_time_again_and_line_by_line(kind: str) -> None:
    memo, prepare = FINDERS[kind]
    texts = [prepare(text) for text in labelled_texts()]
    found_any = 0
    for text in texts:
        memo.clear()  # (what it remembers is only a cache)
        first = by_line(text, memo)  # every line new: the text is read whole, in one pass
        again = by_line(text, memo)  # every line remembered
        alone = []  # each line read on its own, nothing remembered
        offset = 0
        for line in text.split("\n"):
            alone += [(start + offset, end + offset, value)
                      for start, end, value in memo.find(line)]
            offset += len(line) + 1
        assert first == again == alone, text
        assert all("\n" not in text[start:end] for start, end, _ in first), text
        found_any += bool(first)
    assert found_any >= 10  # (the finders do find things in these posts)


def test_spans_point_into_each_post_where_a_remembered_line_recurs() -> None:
    memo = LineMemo(lambda text: [(m, m + 3, "cat") for m in _all(text, "cat")])
    assert by_line("a cat", memo) == [(2, 5, "cat")]
    assert by_line("dog\na cat\n\ncat", memo) == [(6, 9, "cat"), (11, 14, "cat")]
    assert by_line("a cat\ndog", memo) == [(2, 5, "cat")]
    assert memo["a cat"] == ((2, 5, "cat"),) and memo["dog"] == ()


def _all(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def test_patterns_are_kept_within_a_line() -> None:
    assert within_line(r"Mr\.?\s+(?P<name>[A-Z][a-z]+)") == r"Mr\.?[^\S\n]+(?P<name>[A-Z][a-z]+)"
    assert within_line(r"[^\s，。]{1,30}[^\W\d_]") == r"[^\s，。]{1,30}[^\W\d_]"
    for pattern in [r"\W+", r"a\Db", r"[\s,]+", r"[^abc]", "[\n]"]:
        with pytest.raises(ValueError, match="line break"):
            within_line(pattern)
