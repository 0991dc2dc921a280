"""Text folding, trie-shaped regexes and phrase scanning: the one place every step gets them.

Why this exists: enrichment must cost next to nothing beside NER, so every data file of
phrases is compiled once into trie-shaped regular expressions (`PhraseScanner`: a pass for
Latin words and one for other scripts, like Aho-Corasick; `trie_alternatives` for the word
lists inside other patterns) over a *folded* copy of the text. Folding is one `str.translate`
plus `lower()` that keeps every character at its offset, so a match in the folded text points
at the same span of the original, and evidence can quote the words exactly as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lurewatch.charclass import char_class

# Digits of the region's scripts (Thai, Lao, Khmer, Burmese, Arabic-Indic, full-width) -> ASCII.
_DIGIT_BLOCKS = (0x0E50, 0x0ED0, 0x17E0, 0x1040, 0x0660, 0x06F0, 0x0966, 0xFF10)
_PUNCT = {
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\uff5e": "~", "\u301c": "~", "\u00a0": " ", "\u3000": " ", "\u202f": " ", "\u2009": " ",
    "\u0130": "i",  # the one character whose lower() grows (I with dot)
    "\u0111": "d", "\u0110": "d", "\u00f8": "o", "\u00d8": "o", "\u0142": "l", "\u0141": "l",
}


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for start in _DIGIT_BLOCKS:
        for i in range(10):
            table[start + i] = str(i)
    for code in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(code))[:1]
        if base.isascii() and base.isalpha():
            table[code] = base.lower()
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0).lower()
    for char, repl in _PUNCT.items():
        table[ord(char)] = repl
    return table


_TABLE = _build_table()


_TO_FOLD = re.compile(char_class(_TABLE) + "+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_TABLE)


def fold_text(text: str) -> str:
    """Lower case, Latin diacritics and regional digits folded; same length as `text`."""
    if text.isascii():  # the common case: only case and the backquote to fold
        return text.lower().replace("`", "'")
    return _TO_FOLD.sub(_fold_run, text).lower()


class TextMemo:
    """Results remembered for the texts of a batch, up to a number of characters of text.

    The steps of enrichment read the same post in turn (NER a whole batch first), so what
    one step computes from a text (its folded form, the places in it) is kept for the next.
    """

    def __init__(self, limit: int = 2_000_000) -> None:
        self.limit = limit
        self.chars = 0
        self.values: dict[str, Any] = {}

    def get(self, text: str, compute: Callable[[str], Any]) -> Any:
        value = self.values.get(text)
        if value is None:
            value = compute(text)
            if self.chars + len(text) > self.limit:
                self.values.clear()
                self.chars = 0
            if len(text) <= self.limit // 4:
                self.values[text] = value
                self.chars += len(text)
        return value


class Memo(dict[Any, Any]):
    """`compute(key)`, remembered: a dict that fills itself, cleared whole when it holds
    `limit` entries (bounded memory, no bookkeeping per hit).

    For answers that depend on a small key that recurs from post to post (a word, a few
    characters around a number): after a few hundred posts nearly every key is a hit, a dict
    lookup in C. Keys longer than `longest` are worked out each time and not kept (unspaced
    Thai or Chinese "words" rarely recur). What raises is not remembered.
    """

    def __init__(self, compute: Callable[[Any], Any], limit: int,
                 longest: int | None = None) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit
        self.longest = longest

    def __missing__(self, key: Any) -> Any:
        value = self.compute(key)
        self.remember(key, value)
        return value

    def remember(self, key: Any, value: Any) -> None:
        """Keep `value` as the answer for `key` (unless the key is too long to keep)."""
        if self.longest is None or len(key) <= self.longest:
            if len(self) >= self.limit:
                self.clear()
            self[key] = value


_FOLDED = TextMemo()


def fold(text: str) -> str:
    """`fold_text`, remembered for the posts of a batch (see TextMemo)."""
    return _FOLDED.get(text, fold_text)


def clean(text: Any) -> str:
    """Any input as a str every step can scan: None -> "", bytes decoded, surrogates replaced."""
    if text is None:
        return ""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    if text.isascii() or text in _CLEAN:  # (isascii is a flag of the string, no scan)
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if len(text) <= _CLEAN_MAX_CHARS:
        if len(_CLEAN) >= _CLEAN_LIMIT:
            _CLEAN.clear()
        _CLEAN.add(text)
    return text


# Texts `clean` has checked lately: every step of enrichment cleans the same post again (each
# is a public function that must take any input), and a set lookup reuses the string's cached
# hash where the check encodes the whole text.
_CLEAN: set[str] = set()
_CLEAN_LIMIT = 4096
_CLEAN_MAX_CHARS = 20_000  # (longer texts are rare, and would make the set large)


def is_word_char(char: str) -> bool:
    """True for characters that make up words in space-separated Latin text (after folding)."""
    if char.isascii():
        return char.isalnum()
    code = ord(char)
    return char.isalpha() and (code < 0x0250 or 0x1E00 <= code < 0x1F00)


_WORD_CHARS = r"[0-9a-z\u00c0-\u024f\u1e00-\u1eff]"
_NOT_WORD_CHARS = r"[^0-9a-z\u00c0-\u024f\u1e00-\u1eff]"
_WORD_END = r"(?![0-9a-z\u00c0-\u024f\u1e00-\u1eff])"
_FANOUT = 6  # at most this many alternatives tried one after another (see _split)
_GROUP = 16  # first characters told apart by their second (see _others_pattern)
_SPACE = "\x00"  # trie key for a space inside a phrase (sorts first)
# Every white-space character but the line break (what `\s` matches, less "\n"; the last
# is U+3000): a space inside a phrase or a name never reads on into the next line.
_INLINE_SPACE = "".join(re.escape(chr(code)) for code in range(0x3001)
                        if chr(code).isspace() and code != 0x0A)
_SEPARATORS = f"[{_INLINE_SPACE}\\-_.·,]*"  # what a space inside a phrase matches in a text
_KEY = re.compile(r"[\s\-_.·,]+")  # removed from a phrase to look it up


def _nothing(char: str) -> str:
    return ""


@dataclass(frozen=True)
class _Shape:
    """How a trie is written as a regex (see `trie_alternatives`)."""

    space: str = r"\s*"  # what a space in a form matches
    end: Callable[[str], str] = _nothing  # after a form's last character c
    after_start: Callable[[str], str] = _nothing  # right after a form's first character c
    test_from: int = 0  # nodes of this many branches test their first characters first


def trie_alternatives(
    forms: Iterable[str],
    *,
    space: str = r"\s*",
    end: Callable[[str], str] = _nothing,
    after_start: Callable[[str], str] = _nothing,
    test_from: int = 0,
) -> str:
    """One regex (a non-capturing group) for many literal forms, factored as a trie.

    An alternation of a hundred words costs a hundred tries at every position; the trie
    costs one dispatch per character. Longer forms are tried first. A space in a form
    matches `space`; `end(c)` is appended where a form ends in the character c (a
    look-ahead that ends a word). Each node's branches are plain alternatives, which the
    engine discards at one character compare each (a look-around costs as much as a dozen),
    and which give the engine the set of first characters to skip ahead by.
    `after_start(c)` goes right after a form's first character c (a look-behind there keeps
    that set); with `test_from`, a node of that many branches or more (and no end or space
    among them) first looks ahead at their characters, cheaper where most places fail.
    """
    root = _trie(forms)
    if not root:
        return "(?!)"
    shape = _Shape(space, end, after_start=after_start, test_from=test_from)
    return "(?:" + _node_regex(root, "", shape) + ")"


def _trie(forms: Iterable[str]) -> dict[str, Any]:
    """The forms as nested dicts by character ("" marks an end, _SPACE a space)."""
    root: dict[str, Any] = {}
    for form in forms:
        if not form:
            continue
        node = root
        for char in form:
            node = node.setdefault(_SPACE if char == " " else char, {})
        node[""] = True
    return root


def _node_regex(node: dict[str, Any], last: str, shape: _Shape) -> str:
    """The regex of a trie node reached by the character `last` ("" at the root)."""
    keyed = _keyed(node, last, shape)
    tail = [shape.end(last) if last and last != _SPACE else ""] if "" in node else []
    if len(keyed) + len(tail) == 1:
        return keyed[0][1] if keyed else tail[0]
    ahead = ""
    body = "|".join(body for _, body in keyed)
    if shape.test_from and len(keyed) >= shape.test_from and not tail and _SPACE not in node:
        ahead = "(?=[" + "".join(re.escape(char) for char, _ in keyed) + "])"
    return ahead + "(?:" + "|".join([body] * bool(keyed) + tail) + ")"


def _keyed(node: dict[str, Any], last: str, shape: _Shape) -> list[tuple[str, str]]:
    """(character, pattern from it on) of each branch out of a trie node, in trie order."""
    keyed = []
    for char in sorted(k for k in node if k):
        if char == _SPACE:
            head = shape.space
        elif last:
            head = re.escape(char)
        else:
            head = re.escape(char) + shape.after_start(char)
        keyed.append((char, head + _node_regex(node[char], char, shape)))
    return keyed


def _phrase_end(char: str) -> str:
    return _WORD_END if is_word_char(char) else ""


_PHRASES = _Shape(_SEPARATORS, _phrase_end)  # how PhraseScanner writes its tries
_LATIN_PHRASES = _Shape(_SEPARATORS)  # (the same, ends tested by _word_end)


def _word_end(forms: Iterable[str]) -> str:
    """The `_phrase_end` tests of a trie of `forms`, written once after it.

    A test at every end of a few hundred phrases (each a 400-byte table once compiled)
    makes the pattern too big for the processor's caches. Once after the trie, for the
    characters such phrases end with, it reads the same: the engine reaches it at the same
    ends, in the same order, and goes back into the trie where it fails.
    """
    last = sorted({form[-1] for form in forms if is_word_char(form[-1])})
    if not last:
        return ""
    return f"(?!(?<=[{''.join(re.escape(char) for char in last)}]){_WORD_CHARS})"


# What a line-by-line finder (`LineMemo`) remembers: this many lines, none longer than this.
LINES_KEPT = 8192
LINE_CHARS_KEPT = 400


class LineMemo(Memo):
    """What `find` finds in each line, remembered line by line (see `by_line`).

    `find` takes a text of one line or many and returns (start, end, value) spans left to
    right, none across a line break (`within_line` writes its patterns so), the same in a
    line whether the line is read alone or inside a longer text.
    """

    def __init__(self, find: Callable[[str], Iterable[tuple[int, int, Any]]]) -> None:
        super().__init__(self._line, LINES_KEPT, longest=LINE_CHARS_KEPT)
        self.find = find

    def _line(self, line: str) -> tuple[tuple[int, int, Any], ...]:
        return tuple(self.find(line))

    def learn(self, text: str, lines: list[str]) -> list[tuple[int, int, Any]]:
        """`find` over a whole text (one pass, as cheap as one line's), kept line by line."""
        spans = list(self.find(text))
        index = 0
        line_start = 0
        for line in lines:
            line_end = line_start + len(line)
            first = index
            while index < len(spans) and spans[index][0] <= line_end:
                index += 1
            if line and line not in self:
                self.remember(line, tuple(
                    (start - line_start, end - line_start, value)
                    for start, end, value in spans[first:index]))
            line_start = line_end + 1
        return spans


def by_line(text: str, lines: LineMemo) -> list[tuple[int, int, Any]]:
    """(start, end, value) of what `lines.find` finds in `text`, left to right.

    For finders whose matches never cross a line break: a phrase, a name or a company form
    is written on one line, and a match that ran on into the next would join words that do
    not belong together. What each line holds is remembered: a recruiter's lines (the
    contact line, the pay, the perks) recur from post to post, and a line read before costs
    a dict lookup. A text with a line not seen before is read whole, in one pass.
    """
    if "\n" not in text:
        return list(lines[text])
    parts = text.split("\n")
    found: list[tuple[int, int, Any]] = []
    offset = 0
    known = lines.get
    for line in parts:
        if line:
            spans = known(line)
            if spans is None:
                return lines.learn(text, parts)
            if spans:
                if offset:
                    found += [(start + offset, end + offset, value)
                              for start, end, value in spans]
                else:
                    found += spans
        offset += len(line) + 1
    return found


_CLASS_SPACE = re.compile(r"\\[WD]")
_BREAKS = (r"\s", r"\W", r"\D", r"\n", "\n")  # what in a character set takes in a line break


def within_line(pattern: str) -> str:
    """`pattern` written so that it never matches across a line break (for `LineMemo`): each
    `\\s` outside a character set becomes `[^\\S\\n]`. What cannot be written so is refused:
    `\\W` or `\\D` outside a set, a set that takes in a line break.
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            pair = pattern[i:i + 2]
            if _CLASS_SPACE.fullmatch(pair):
                raise ValueError(f"{pair} can match a line break: {pattern!r}")
            out.append(r"[^\S\n]" if pair == r"\s" else pair)
            i += 2
        elif char == "[":
            end = _set_end(pattern, i)
            body = pattern[i + 1:end]
            if body.startswith("^") != any(token in body for token in _BREAKS):
                raise ValueError(f"set {pattern[i:end + 1]} can match a line break: {pattern!r}")
            out.append(pattern[i:end + 1])
            i = end + 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _set_end(pattern: str, start: int) -> int:
    """The index of the "]" that closes the character set opening at `start`."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):  # a "]" first in a set is a literal
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    if i >= len(pattern):
        raise ValueError(f"unclosed character set: {pattern!r}")
    return i


_UNKNOWN: Any = object()


class PhraseScanner:
    """Finds many literal phrases in one regex pass over folded text.

    Phrases are folded the same way as texts. A phrase whose first (last) character is a
    Latin letter or digit only matches at a word start (end), so "Bavet" is not found inside
    another word, while phrases in Thai, Khmer, Chinese, Korean, Burmese... match anywhere.
    A phrase mapped to None is a stop phrase: it is consumed and ignored (e.g. 한국어 keeps
    한국 from matching inside "Korean language"). A space in a phrase matches any run of
    separators (space, "-", "_", ".", "·", ",") or none.
    """

    def __init__(self, phrases: Iterable[tuple[str, Any]]) -> None:
        self.values: dict[str, Any] = {}  # phrase without separators -> value
        latin: list[str] = []
        other: list[str] = []
        for phrase, value in phrases:
            key = " ".join(fold(str(phrase)).split())
            if not key:
                continue
            self.values.setdefault(_KEY.sub("", key), value)
            (latin if is_word_char(key[0]) else other).append(key)
        # a match is mostly a phrase as written: looked up so, it needs no separators removed
        self._written = {form: self.values[_KEY.sub("", form)] for form in latin + other}
        # Two passes. Phrases that start with a Latin letter or digit can only start a word:
        # that pass steps from word to word inside the engine (tries the phrases at a word's
        # start, else skips the word whole) rather than being entered at every letter. The
        # others are entered only at a character that starts one of them (the pattern opens
        # with a character set, which the engine skips to).
        self._words = re.compile(_word_start_pattern(latin)) if latin else None
        self._others = re.compile(_others_pattern(other)) if other else None
        self._lines = LineMemo(self.scan_afresh)

    def key(self, folded: str) -> str:
        """The form under which a folded phrase is looked up (separators removed)."""
        return _KEY.sub("", folded.strip())

    def scan(self, folded: str) -> list[tuple[int, int, Any]]:
        """(start, end, value) of every phrase found, left to right, longest first.

        A phrase never spans a line break (see `by_line`).
        """
        return by_line(folded, self._lines)

    def scan_afresh(self, folded: str) -> list[tuple[int, int, Any]]:
        """`scan` in two regex passes over the whole text, nothing remembered (for a finder
        that is itself remembered line by line)."""
        found = []
        if self._words is not None:  # (the last match of this pattern is the text's end)
            for match in self._words.finditer(folded):
                start, end = match.span(1)
                if start >= 0:
                    found.append((start, end, match.group(1)))
        if self._others is not None:
            others = [(m.start(), m.end(), m.group()) for m in self._others.finditer(folded)]
            if found and others:  # (the passes' phrases never share a start)
                found += others
                found.sort()
            elif others:
                found = others
        if not found:
            return found
        written = self._written
        out = []
        last_end = 0
        for start, end, words in found:
            if start < last_end:
                continue
            last_end = end
            value = written.get(words, _UNKNOWN)
            if value is _UNKNOWN:  # separators written otherwise ("high-salary")
                value = self.values.get(_KEY.sub("", words))
            if value is not None:
                out.append((start, end, value))
        return out


def _others_pattern(forms: list[str]) -> str:
    """The trie of forms that do not start a Latin word, found fast.

    Such forms (Thai, Khmer, Chinese, Korean...) can start anywhere, and those of this
    domain have a few hundred first characters, common ones among them: a flat pattern's
    engine, entered at each, reads through all its alternatives before giving up. Here the
    first character is taken by one set, and the try ends at once unless the next character
    is one that some form has second (about half the entries, in Korean or Chinese text). A
    few look-behinds then narrow the first character to a group of _GROUP, and that group's
    alternatives are keyed by the second character, which mostly ends the try at once; the
    first is checked (looking back) only where the second fits. Alternatives keep the trie's
    order for each first character: the space branch, the characters, then the end of a
    one-character form.
    """
    root = _trie(forms)
    firsts = sorted(root)  # (forms are stripped: no space and no end at the root)
    groups = [firsts[i:i + _GROUP] for i in range(0, len(firsts), _GROUP)]
    keyed = [(group[0], _second_char_pattern(root, group)) for group in groups]
    return f"(?:{_first_two(root)}(?:{_groups_behind(keyed, groups)}))"


def _first_two(root: dict[str, Any]) -> str:
    """The first character of a form, read only where the next can be a form's second.

    A first character that ends a one-character form or is followed by a space in one
    (which may match no separator at all) can be followed by anything.
    """
    def chars(keys: Iterable[str]) -> str:
        return "".join(re.escape(char) for char in sorted(keys))

    anything = [first for first, node in root.items() if "" in node or _SPACE in node]
    seconds = {second for node in root.values() for second in node} - {"", _SPACE}
    if not seconds:
        return f"[{chars(root)}]"
    ahead = f"(?=[{chars(seconds)}])"
    if anything:  # (one set, then either test: the engine still skips to the set)
        ahead = f"(?:(?<=[{chars(anything)}])|{ahead})"
    return f"[{chars(root)}]{ahead}"


def _groups_behind(keyed: list[tuple[str, str]], groups: list[list[str]]) -> str:
    """The pattern of the group of the character just read, by halving look-behinds."""
    if len(keyed) == 1:
        return keyed[0][1]
    half = len(keyed) // 2
    chars = "".join(re.escape(char) for group in groups[:half] for char in group)
    return (f"(?<=[{chars}])(?:{_groups_behind(keyed[:half], groups[:half])})"
            f"|{_groups_behind(keyed[half:], groups[half:])}")


def _second_char_pattern(root: dict[str, Any], group: list[str]) -> str:
    """Alternatives for forms starting with a character of `group`, keyed by the second."""
    spaces, tails = [], []
    by_second: dict[str, list[str]] = {}
    for first in group:
        behind = f"(?<={re.escape(first)})"
        node = root[first]
        for char, body in _keyed(node, first, _PHRASES):
            if char == _SPACE:
                spaces.append(behind + body)
            else:  # body opens with the second character; look back at both
                second = re.escape(char)
                by_second.setdefault(char, []).append(
                    f"(?<={re.escape(first)}{second}){body[len(second):]}")
        if "" in node:
            tails.append(behind + _phrase_end(first))
    seconds = [re.escape(char) + "(?:" + "|".join(bodies) + ")"
               for char, bodies in sorted(by_second.items())]
    return "|".join(spaces + seconds + tails)


def _word_start_pattern(forms: list[str]) -> str:
    """A pattern whose matches hold, as group 1, the phrases found at word starts.

    Each match runs from where the last one ended: past the words at whose start no phrase
    matches (each tried once, then skipped whole) to the next phrase, which is what the
    look-behind `(?<!word character)` before the phrases would find, for a fraction of the
    cost. Where no phrase is left the match ends at the end of the text (group 1 unset), so
    no search is ever retried from a later position.
    """
    phrases = _node_regex(_trie(forms), "", _LATIN_PHRASES) + _word_end(forms)
    word, gap = _WORD_CHARS, _NOT_WORD_CHARS
    return f"{gap}*+(?:(?!{phrases}){word}++{gap}*+)*+(?:({phrases})|\\Z)"


def snippet(text: str, start: int, end: int) -> str:
    """The words of `text` between two offsets, with runs of white space collapsed."""
    return " ".join(text[start:end].split())
