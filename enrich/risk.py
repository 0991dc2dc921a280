"""Risk that a post is a recruitment lure: a 0-100 score, a level, and reasons an analyst reads.

Additive points from the indicators (weights in `data/risk_weights.yaml`), minus the
counter-indicators of an ordinary job ad, squashed to 0-100 so that one more red flag
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
    reasons: list[tuple[float, str]] = []
    seen: set[str] = set()
    for item in items:
        code = item.get("code")
        row = _TABLE.get(code) if isinstance(code, str) else None
        if row is None or code in seen:
            continue
        seen.add(code)
        weight = float(row["weight"])
        points += weight
        reasons.append((weight, _reason(row["reason"], item.get("evidence"))))
    for combo in _W.get("combinations", ()):
        if all(code in seen for code in combo["codes"]):
            points += float(combo["weight"])
    for code in seen:
        factor = _TABLE[code].get("factor")
        if factor is not None and points > 0:
            points *= float(factor)
    countries = {loc.get("country") for loc in locations or () if isinstance(loc, dict)}
    hit = [c for c in _COUNTRIES["codes"] if c in countries]
    if hit and seen & _LURE_CODES:
        weight = float(_COUNTRIES["weight"])
        points += weight
        reasons.append((weight, _COUNTRIES["reason"]))
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
