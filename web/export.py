"""Result sets for partners: CSV for spreadsheets, JSON Lines for tools, STIX 2.1 for CTI.

Each writer takes documents (an iterator, so that a large export streams) and yields text.
Scraped text is hostile here too: a CSV cell that a spreadsheet would run as a formula is
neutralised, and STIX carries the text only as string values.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from index.query import countries, indicator_codes

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "stix": ("application/stix+json;version=2.1", "stix.json"),
}

# -- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS: tuple[str, ...] = (
    "id", "url", "platform", "source", "title", "text", "lang", "posted_at", "first_seen",
    "last_seen", "risk_score", "risk_level", "risk_reasons", "indicators", "countries",
    "phones", "telegram", "whatsapp", "line", "kakao", "wechat", "emails", "domains", "wallets",
    "organizations", "cluster_id", "sha256", "warc", "record_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_JOIN = "; "


def cell(value: Any) -> str:
    """A CSV cell that spreadsheets show as text: cells they would evaluate as a formula
    (OWASP's "CSV injection": =, +, -, @, tab, CR first) get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(doc: dict[str, Any]) -> list[str]:
    entities = doc.get("entities") or {}
    risk = doc.get("risk") or {}
    evidence = doc.get("evidence") or {}
    wallets = [f"{w.get('chain') or '?'}:{w.get('address')}"
               for w in entities.get("wallets") or [] if isinstance(w, dict)]
    values: dict[str, Any] = {
        name: doc.get(name) for name in
        ("id", "url", "platform", "source", "title", "text", "lang", "posted_at", "first_seen",
         "last_seen", "cluster_id")
    }
    values.update(
        risk_score=risk.get("score"), risk_level=risk.get("level"),
        risk_reasons=_JOIN.join(risk.get("reasons") or []),
        indicators=_JOIN.join(indicator_codes(doc)), countries=_JOIN.join(countries(doc)),
        wallets=_JOIN.join(wallets), sha256=evidence.get("sha256"), warc=evidence.get("warc"),
        record_id=evidence.get("record_id"),
    )
    for name in ("phones", "telegram", "whatsapp", "line", "kakao", "wechat", "emails",
                 "domains", "organizations"):
        values[name] = _JOIN.join(str(v) for v in entities.get(name) or [])
    return [cell(values[name]) for name in CSV_COLUMNS]


def to_csv(docs: Iterable[dict[str, Any]], bom: bool = True) -> Iterator[str]:
    """RFC 4180 CSV, one row per post; a byte-order mark first so that spreadsheet programs
    read Korean, Thai or Khmer as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    for doc in docs:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(csv_row(doc))
        yield buffer.getvalue()


# -- JSON Lines -------------------------------------------------------------------------------

def to_jsonl(docs: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One document (CONTRACT.md) per line, exactly as indexed."""
    for doc in docs:
        yield json.dumps(doc, ensure_ascii=False) + "\n"


# -- STIX 2.1 ---------------------------------------------------------------------------------

# STIX 2.1 (section 2.9): deterministic ids of cyber-observables are UUIDv5 in this namespace
# over the canonical JSON of their id-contributing properties.
STIX_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
# lurewatch's own namespace for the ids of its reports, notes and definitions: the same post
# exported twice keeps its report id (a later export is a newer version of the same report).
LUREWATCH_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:lurewatch:stix")
IDENTITY_ID = f"identity--{uuid.uuid5(LUREWATCH_NAMESPACE, 'identity')}"
EXTENSION_ID = f"extension-definition--{uuid.uuid5(LUREWATCH_NAMESPACE, 'observables-1')}"
_DEFINED = "2026-01-01T00:00:00.000Z"

# The TLP 1.0 marking definitions that STIX 2.1 (section 7.2.1.4) fixes, ids and all.
TLP = {
    "white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

MESSENGERS = ("telegram", "whatsapp", "line", "kakao", "wechat")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sco(kind: str, **properties: Any) -> dict[str, Any]:
    """A STIX cyber-observable with its deterministic id; `phone-number` and
    `cryptocurrency-wallet` are new SCO types defined by lurewatch's extension definition."""
    contributing = {
        "email-addr": ("value",), "domain-name": ("value",), "url": ("value",),
        "user-account": ("account_type", "user_id", "account_login"),
        "phone-number": ("number",), "cryptocurrency-wallet": ("address",),
    }[kind]
    key = {k: properties[k] for k in contributing if properties.get(k) is not None}
    obj = {"type": kind, "spec_version": "2.1",
           "id": f"{kind}--{uuid.uuid5(STIX_SCO_NAMESPACE, _canonical(key))}", **properties}
    if kind in ("phone-number", "cryptocurrency-wallet"):
        obj["extensions"] = {EXTENSION_ID: {"extension_type": "new-sco"}}
    return obj


def observables(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The contact points of one post as STIX cyber-observables (the post's own URL first)."""
    entities = doc.get("entities") or {}
    out = []
    if doc.get("url"):
        out.append(sco("url", value=doc["url"]))
    out += [sco("url", value=u) for u in entities.get("urls") or [] if u != doc.get("url")]
    out += [sco("phone-number", number=p) for p in entities.get("phones") or []]
    out += [sco("email-addr", value=e) for e in entities.get("emails") or []]
    out += [sco("domain-name", value=d) for d in entities.get("domains") or []]
    for kind in MESSENGERS:
        out += [sco("user-account", account_type=kind, account_login=h, user_id=h)
                for h in entities.get(kind) or []]
    for wallet in entities.get("wallets") or []:
        if isinstance(wallet, dict) and wallet.get("address"):
            extra = {"chain": wallet["chain"]} if wallet.get("chain") else {}
            out.append(sco("cryptocurrency-wallet", address=wallet["address"], **extra))
    return list({o["id"]: o for o in out}.values())


def _stamp(value: str | None, fallback: str) -> str:
    """A STIX timestamp (UTC, Z, millisecond precision) from an ISO 8601 string."""
    if not value:
        return fallback
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def post_objects(doc: dict[str, Any], now: str, marking: str | None) -> list[dict[str, Any]]:
    """One post as a STIX `report` over its observables, and a `note` with its risk."""
    found = observables(doc)
    created = _stamp(doc.get("first_seen") or doc.get("crawled_at"), now)
    modified = max(created, _stamp(doc.get("last_seen"), created))
    report_id = f"report--{uuid.uuid5(LUREWATCH_NAMESPACE, 'post:' + str(doc['id']))}"
    note_id = f"note--{uuid.uuid5(LUREWATCH_NAMESPACE, 'risk:' + str(doc['id']))}"
    common: dict[str, Any] = {"spec_version": "2.1", "created_by_ref": IDENTITY_ID,
                              "created": created, "modified": modified}
    if marking:
        common["object_marking_refs"] = [marking]
    risk = doc.get("risk") or {}
    text = doc.get("text") or ""
    title = doc.get("title") or " ".join(text.split())[:120] or f"post {doc['id']}"
    references: list[dict[str, Any]] = [{"source_name": "lurewatch", "external_id": doc["id"]}]
    if doc.get("url"):
        references.append({"source_name": doc.get("platform") or "web", "url": doc["url"]})
    report: dict[str, Any] = {
        "type": "report", "id": report_id, **common, "name": title, "description": text,
        "published": _stamp(doc.get("posted_at"), created),
        "report_types": ["threat-report"],
        "labels": [f"risk-{risk.get('level') or 'low'}", *indicator_codes(doc)],
        "object_refs": [o["id"] for o in found] + [note_id],
        "external_references": references,
    }
    if doc.get("lang") and doc["lang"] != "und":
        report["lang"] = doc["lang"]
    lines = [f"Risk {risk.get('score', 0)}/100 ({risk.get('level') or 'low'})."]
    lines += [f"- {reason}" for reason in risk.get("reasons") or []]
    lines += [f"Indicator {i.get('code')}: \"{i.get('evidence') or ''}\""
              for i in doc.get("indicators") or [] if isinstance(i, dict)]
    note = {
        "type": "note", "id": note_id, **common,
        "abstract": f"lurewatch risk {risk.get('score', 0)} ({risk.get('level') or 'low'})",
        "content": "\n".join(lines), "authors": ["lurewatch"], "object_refs": [report_id],
    }
    return [*found, note, report]


def preamble(now: str, tlp: str | None) -> list[dict[str, Any]]:
    """The objects every bundle starts with: who made it, the extension, the marking."""
    out: list[dict[str, Any]] = [
        {"type": "identity", "spec_version": "2.1", "id": IDENTITY_ID, "created": _DEFINED,
         "modified": _DEFINED, "name": "lurewatch", "identity_class": "system",
         "description": "Open-source OSINT for fake job ads that recruit into scam compounds"},
        {"type": "extension-definition", "spec_version": "2.1", "id": EXTENSION_ID,
         "created_by_ref": IDENTITY_ID, "created": _DEFINED, "modified": _DEFINED,
         "name": "lurewatch contact observables", "version": "1.0.0",
         "extension_types": ["new-sco"],
         "description": "Cyber-observables for the contact points of recruitment lures.",
         "schema": "Two new SCO types. phone-number: property `number` (string, E.164, "
                   "required; the id-contributing property). cryptocurrency-wallet: "
                   "properties `address` (string, required; the id-contributing property) "
                   "and `chain` (string: tron, bitcoin, ethereum, ...). Ids are derived as "
                   "for other SCOs (STIX 2.1 section 2.9)."},
    ]
    if tlp:
        out.append({"type": "marking-definition", "spec_version": "2.1", "id": TLP[tlp],
                    "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                    "name": f"TLP:{tlp.upper()}", "definition": {"tlp": tlp}})
    return out


def to_stix(docs: Iterable[dict[str, Any]], tlp: str | None = "amber",
            now: datetime | None = None) -> Iterator[str]:
    """A STIX 2.1 bundle, streamed: each observable once, one report and note per post."""
    stamp = _stamp((now or datetime.now(UTC)).isoformat(), "")
    marking = TLP[tlp] if tlp else None
    yield f'{{"type": "bundle", "id": "bundle--{uuid.uuid4()}", "objects": [\n'
    first = True
    seen: set[str] = set()
    objects = iter(preamble(stamp, tlp))
    for group in (objects, (o for d in docs for o in post_objects(d, stamp, marking))):
        for obj in group:
            if obj["id"] in seen:
                continue
            seen.add(obj["id"])
            yield ("" if first else ",\n") + json.dumps(obj, ensure_ascii=False)
            first = False
    yield "\n]}\n"


def write(fmt: str, docs: Iterable[dict[str, Any]], **options: Any) -> Iterator[str]:
    """The export in format `fmt` (`csv`, `jsonl` or `stix`)."""
    if fmt == "csv":
        return to_csv(docs)
    if fmt == "jsonl":
        return to_jsonl(docs)
    if fmt == "stix":
        return to_stix(docs, **options)
    raise ValueError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
