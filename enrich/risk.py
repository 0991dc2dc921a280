"""Risk that a post is a recruitment lure: a 0-100 score, a level, and reasons an analyst reads.

Additive points from the indicators (weights in `data/risk_weights.yaml`), minus the
counter-indicators of an ordinary job ad, scaled down for posts that read as warnings or
news (they quote every feature of a lure), squashed to 0-100 so that one more red flag
always raises the score but never past 100. A Phnom Penh teacher's post that asks for a
degree and two years' experience stays low; "$3,000, no experience, free flight, Telegram
only" is high.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path
from typing import Any

import yaml

_W = yaml.safe_load(
    (Path(__file__).with_name("data") / "risk_weights.yaml").read_text(encoding="utf-8"))
_TABLE: dict[str, dict[str, Any]] = {**_W["indicators"], **_W["signals"], **_W["counters"]}
_SCALE = float(_W["scale"])
_HIGH = float(_W["levels"]["high"])
_MEDIUM = float(_W["levels"]["medium"])
_COUNTRIES = _W["countries"]
_EVIDENCE_CHARS = 80
_LURE_CODES = frozenset(_W["indicators"]) - {"vague_employer"}


def _order(weight: float) -> tuple[bool, float]:
    """Where a reason goes: what raised the score first, then what lowered it, strongest first."""
    return (weight < 0, -abs(weight))


# code -> (weight, factor, sort key of its reason, reason, reason with evidence remembered by
# evidence (see _reason)), read once
_Row = tuple[float, float, tuple[bool, float], str, dict[str, str]]
_ROWS: dict[str, _Row] = {
    code: (float(row["weight"]), float(row.get("factor", 1.0)), _order(float(row["weight"])),
           str(row["reason"]), {})
    for code, row in _TABLE.items()}
_COMBINATIONS = [(frozenset(c["codes"]), float(c["weight"])) for c in _W.get("combinations", ())]
_COUNTRY_CODES = frozenset(_COUNTRIES["codes"])
_COUNTRY_WEIGHT = float(_COUNTRIES["weight"])
_COUNTRY_REASON = (_order(_COUNTRY_WEIGHT), _COUNTRIES["reason"])
_FIRST = itemgetter(0)
_EXP = math.exp


def score(
    indicators: Iterable[dict[str, Any]],
    *,
    lang: str | None = None,
    locations: Iterable[dict[str, Any]] = (),
    counters: Iterable[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`{"score": 0..100, "level": "low|medium|high", "reasons": [...]}` for a post.

    `indicators` is what `indicators.detect` returned; its counter-indicators and extra
    signals (the list's `aux`) are weighed too, or pass them as `counters`. `lang` is kept
    for callers' symmetry; the weights do not depend on it.
    """
    extra = counters if counters is not None else getattr(indicators, "aux", ())
    points = 0.0
    factor = 1.0
    reasons: list[tuple[tuple[bool, float], str]] = []
    seen: set[str] = set()
    rows = _ROWS
    for items in (indicators or (), extra or ()):
        for item in items:
            if not isinstance(item, dict):
                continue
            code = item.get("code")
            row = rows.get(code) if isinstance(code, str) else None
            if row is None or code in seen:
                continue
            seen.add(code)
            weight, scale_by, order, reason, said = row
            points += weight
            factor *= scale_by
            evidence = item.get("evidence")
            if isinstance(evidence, str):  # the remembered reason, else quote it afresh
                reason = said.get(evidence) or _reason(row, evidence)
            reasons.append((order, reason))
    for codes, weight in _COMBINATIONS:
        if codes <= seen:
            points += weight
    if points > 0:
        points *= factor
    if not seen.isdisjoint(_LURE_CODES) and _in_countries(locations):
        points += _COUNTRY_WEIGHT
        reasons.append(_COUNTRY_REASON)
    value = round(100 * (1 - _EXP(-max(points, 0.0) / _SCALE)))
    level = "high" if value >= _HIGH else "medium" if value >= _MEDIUM else "low"
    if len(reasons) > 1:
        reasons.sort(key=_FIRST)  # stable: equal weights keep the order they were found in
    return {"score": value, "level": level, "reasons": [text for _, text in reasons]}


def _in_countries(locations: Iterable[dict[str, Any]]) -> bool:
    """Is one of the places in a country whose work adds weight (`countries`)?"""
    for loc in locations or ():
        if isinstance(loc, dict) and loc.get("country") in _COUNTRY_CODES:
            return True
    return False


_SAID_MAX = 4096  # reasons remembered per code


def _reason(row: _Row, evidence: str) -> str:
    """The row's reason with the evidence quoted, remembered in the row: the same words
    recur across posts (a recruiter's boilerplate, "no employer named"), so most posts need
    a lookup instead of collapsing and quoting the words again."""
    _, _, _, reason, said = row
    words = " ".join(evidence.split())
    if words:
        if len(words) > _EVIDENCE_CHARS:
            words = words[:_EVIDENCE_CHARS - 1] + "…"
        reason = f"{reason}: “{words}”"
    if len(said) >= _SAID_MAX:
        said.clear()
    said[evidence] = reason
    return reason
