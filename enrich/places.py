"""Places named in a post, from the gazetteer in `data/gazetteer.yaml`.

Lures name where the work is (Sihanoukville, Myawaddy, the Golden Triangle) in the language
of the people they recruit, so every place carries its English, Korean, Chinese, Thai, Khmer,
Burmese, Lao, Vietnamese and Japanese forms, and all of them are found in one scan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from enrich.scan import PhraseScanner, clean, fold, snippet

_DATA = Path(__file__).with_name("data") / "gazetteer.yaml"


def _load() -> tuple[list[dict[str, Any]], set[str], PhraseScanner]:
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    places: list[dict[str, Any]] = []
    hotspots: set[str] = set()
    pairs: list[tuple[str, Any]] = []
    for index, entry in enumerate(data["places"]):
        places.append({
            "name": entry["name"],
            "country": entry["country"],
            "lat": float(entry["lat"]),
            "lon": float(entry["lon"]),
        })
        if entry.get("hotspot"):
            hotspots.add(entry["name"])
        pairs.append((entry["name"], index))
        pairs.extend((form, index) for form in entry.get("names", ()))
    pairs.extend((form, None) for form in data.get("stop", ()))
    return places, hotspots, PhraseScanner(pairs)


_PLACES, _HOTSPOTS, _SCANNER = _load()


def find(text: str) -> list[dict[str, Any]]:
    """Places named in `text`, de-duplicated, in order of first appearance.

    Each is `{"name", "country", "lat", "lon"}` (a fresh dict, safe to keep in a document).
    """
    return [dict(_PLACES[index]) for index, _ in _mentions(clean(text))]


def mentions(text: str) -> list[tuple[dict[str, Any], str]]:
    """Each place found with the words that named it (the first time), for evidence."""
    return [(dict(_PLACES[index]), written) for index, written in _mentions(clean(text))]


def _mentions(text: str) -> list[tuple[int, str]]:
    """(gazetteer index, words as written) of each place, once."""
    seen: set[int] = set()
    found: list[tuple[int, str]] = []
    for start, end, index in _SCANNER.scan(fold(text)):
        if index not in seen:
            seen.add(index)
            found.append((index, snippet(text, start, end)))
    return found


def countries(locations: list[dict[str, Any]]) -> list[str]:
    """The distinct country codes of `locations`, in order."""
    out: list[str] = []
    for location in locations or ():
        code = location.get("country") if isinstance(location, dict) else None
        if code and code not in out:
            out.append(code)
    return out


def is_hotspot(location: dict[str, Any]) -> bool:
    """True for a known scam-compound area or its gateway (flagged in the gazetteer)."""
    return isinstance(location, dict) and location.get("name") in _HOTSPOTS


def is_name(text: str) -> bool:
    """True when `text` is, as a whole, one of the gazetteer's forms of a place."""
    key = _SCANNER.key(fold(clean(text)))
    return _SCANNER.values.get(key) is not None
