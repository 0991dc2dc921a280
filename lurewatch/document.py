"""The document of CONTRACT.md: one crawled post or ad, as every part passes it along.

This module is the one place that knows the document's shape: its fields, the entity kinds
that `--entity KIND:VALUE` names, and how a post's stable id is made.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

ENTITY_FIELDS: tuple[str, ...] = (
    "phones", "emails", "urls", "domains", "telegram", "whatsapp", "line", "kakao", "wechat",
    "wallets", "organizations", "persons", "locations",
)

# `--entity KIND:VALUE` kind -> (field of `entities`, key inside each item or None for strings)
ENTITY_KINDS: dict[str, tuple[str, str | None]] = {
    "phone": ("phones", None),
    "email": ("emails", None),
    "url": ("urls", None),
    "domain": ("domains", None),
    "telegram": ("telegram", None),
    "whatsapp": ("whatsapp", None),
    "line": ("line", None),
    "kakao": ("kakao", None),
    "wechat": ("wechat", None),
    "wallet": ("wallets", "address"),
    "organization": ("organizations", None),
    "person": ("persons", None),
    "location": ("locations", "name"),
}

RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high")

def _empty() -> dict[str, Any]:
    """A document with every field at its "unknown" value (fresh lists and dicts each time)."""
    return {
        "id": None,
        "platform": None,
        "source": None,
        "url": None,
        "title": None,
        "text": "",
        "lang": "und",
        "lang_confidence": 0.0,
        "posted_at": None,
        "crawled_at": None,
        "first_seen": None,
        "last_seen": None,
        "author": None,
        "entities": {name: [] for name in ENTITY_FIELDS},
        "salary": None,
        "indicators": [],
        "risk": {"score": 0, "level": "low", "reasons": []},
        "cluster_id": None,
        "evidence": {"warc": None, "record_id": None, "sha256": None, "screenshot": None},
        # Facts a source shows beyond the fixed fields (views, employer as written, job
        # location as written, ...): kept so that nothing a page carried is thrown away.
        "meta": {},
    }


FIELDS: tuple[str, ...] = tuple(_empty())


def new_document(**fields: Any) -> dict[str, Any]:
    """Return a complete document: every field present, the given ones filled in."""
    doc = _empty()
    unknown = set(fields) - set(doc)
    if unknown:
        raise ValueError(f"not document fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if name in ("entities", "evidence", "risk") and value is not None:
            doc[name].update(value)
        else:
            doc[name] = value
    return doc


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """Fill in whatever fields a (possibly partial) document lacks, keeping the rest."""
    known = {k: v for k, v in doc.items() if k in FIELDS}
    return new_document(**known)


def now_utc() -> str:
    """The current time as ISO 8601 UTC with a trailing Z, seconds precision."""
    return utc_iso(datetime.now(UTC))


def utc_iso(moment: datetime) -> str:
    """ISO 8601 UTC (`2026-11-22T10:00:00Z`); naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def to_utc(value: Any) -> str | None:
    """ISO 8601 UTC for a timestamp as pages give it (ISO with offset, date, epoch); else None."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float):
            return utc_iso(datetime.fromtimestamp(float(value), UTC))
        text = str(value).strip()
        if re.fullmatch(r"\d{9,11}", text):
            return utc_iso(datetime.fromtimestamp(int(text), UTC))
        return utc_iso(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError, OSError):
        return None


_TRACKING = ("utm_", "fbclid", "gclid", "ref", "ref_src")


def canonical_key(url: str) -> str:
    """The part of a URL that names a post wherever the site is served from.

    Scheme, port, `www.` and tracking parameters are dropped, so that the same board served
    on another port (as the fixture sites are) or linked with campaign tags keeps its ids.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    ]
    path = parts.path.rstrip("/") or "/"
    return host + path + ("?" + urlencode(sorted(query)) if query else "")


def document_id(platform: str, key: str) -> str:
    """Stable id: the same post crawled twice (or from another port) gets the same id."""
    digest = hashlib.sha256(f"{platform}\x1f{key}".encode()).hexdigest()
    return digest[:24]
