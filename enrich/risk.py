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
# code -> (weight, reason, factor), read once
_ROWS: dict[str, tuple[float, str, float]] = {
    code: (float(row["weight"]), str(row["reason"]), float(row.get("factor", 1.0)))
    for code, row in _TABLE.items()}
_COMBINATIONS = [(frozenset(c["codes"]), float(c["weight"])) for c in _W.get("combinations", ())]
_COUNTRY_CODES = frozenset(_COUNTRIES["codes"])
_COUNTRY_WEIGHT = float(_COUNTRIES["weight"])


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
    items = [i for i in indicators or () if isinstance(i, dict)]
    extra = counters if counters is not None else getattr(indicators, "aux", ())
    items += [i for i in extra or () if isinstance(i, dict)]
    points = 0.0
    factor = 1.0
    reasons: list[tuple[float, str]] = []
    seen: set[str] = set()
    for item in items:
        code = item.get("code")
        row = _ROWS.get(code) if isinstance(code, str) else None
        if row is None or code in seen:
            continue
        seen.add(code)
        weight, reason, scale_by = row
        points += weight
        factor *= scale_by
        reasons.append((weight, _reason(reason, item.get("evidence"))))
    for codes, weight in _COMBINATIONS:
        if codes <= seen:
            points += weight
    if points > 0:
        points *= factor
    if seen & _LURE_CODES and any(
            isinstance(loc, dict) and loc.get("country") in _COUNTRY_CODES
            for loc in locations or ()):
        points += _COUNTRY_WEIGHT
        reasons.append((_COUNTRY_WEIGHT, _COUNTRIES["reason"]))
    value = round(100 * (1 - math.exp(-max(points, 0.0) / _SCALE)))
    level = "high" if value >= _HIGH else "medium" if value >= _MEDIUM else "low"
    # strongest first: what raised the score, then what lowered it
    reasons.sort(key=lambda r: (r[0] < 0, -abs(r[0])))
    return {"score": value, "level": level, "reasons": [text for _, text in reasons]}


def _reason(reason: str, evidence: Any) -> str:
    if not isinstance(evidence, str) or not evidence.strip():
        return reason
    words = " ".join(evidence.split())
    if len(words) > _EVIDENCE_CHARS:
        words = words[:_EVIDENCE_CHARS - 1] + "…"
    return f"{reason}: “{words}”"
