"""Who a takedown request goes to: a platform from takedown/data/recipients.yaml, else the
hosting provider and the registrar of the post's site, found through RDAP."""

from __future__ import annotations

import ipaddress
import socket
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tldextract
import yaml

from takedown import rdap

DATA_FILE = Path(__file__).resolve().parent / "data" / "recipients.yaml"
# tldextract with its bundled suffix list only: nothing is fetched at run time.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                 fallback_to_snapshot=True)


@cache
def load_recipients(path: Path = DATA_FILE) -> tuple[dict[str, Any], ...]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["recipients"]
    for entry in entries:
        if not entry.get("key") or not entry.get("languages"):
            raise ValueError(f"{path}: every recipient needs a key and languages: {entry}")
    return tuple(entries)


def host_of(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower().rstrip(".").removeprefix("www.")


def _fill(entry: dict[str, Any], host: str) -> dict[str, Any]:
    """The recipient as a request records it, `{host}` placeholders filled in."""
    out = {k: entry.get(k) for k in ("key", "name", "email", "form", "languages", "rules")}
    for field in ("name", "form"):
        if isinstance(out[field], str):
            out[field] = out[field].replace("{host}", host or "?")
    out["cc"] = []
    out["source"] = "recipients.yaml"
    return out


def _domain_matches(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def match_known(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The recipients.yaml entry for a post: by host, then site name, then platform."""
    host = host_of(doc.get("url"))
    site = str((doc.get("meta") or {}).get("site_name") or "").strip().lower()
    platform = str(doc.get("platform") or "").lower()
    entries = load_recipients()
    for entry in entries:
        if host and _domain_matches(host, entry.get("domains") or []):
            return _fill(entry, host)
    for entry in entries:
        if site and site in [s.lower() for s in entry.get("site_names") or []]:
            return _fill(entry, host)
    for entry in entries:
        if platform and platform in (entry.get("platforms") or []):
            return _fill(entry, host)
    return None


def also_report(doc: dict[str, Any], primary: str | None) -> list[dict[str, Any]]:
    """Messaging platforms whose accounts the post advertises (its Telegram, WhatsApp, Line,
    Kakao contacts): the recruiter's account can be reported there too."""
    entities = doc.get("entities") or {}
    out = []
    for entry in load_recipients():
        if entry["key"] == primary:
            continue
        handles = [h for kind in entry.get("contact_kinds") or [] for h in entities.get(kind) or []]
        if handles:
            out.append({**_fill(entry, ""), "accounts": handles})
    return out


def registrable_domain(host: str) -> str:
    """The name a registrar holds: `a.b.example.com` -> `example.com`; "" for an address.
    Names under a suffix the bundled list does not know (`.example`) keep their last two labels.
    """
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
        return ""
    except ValueError:
        pass
    return _EXTRACT(host).top_domain_under_public_suffix or ".".join(host.split(".")[-2:])


def _address_of(host: str) -> str | None:
    """The host's public IPv4 address, or None (unresolvable, loopback or private)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, socket.AF_INET)
        except OSError:
            return None
        if not infos:
            return None
        ip = ipaddress.ip_address(infos[0][4][0])
    return str(ip) if ip.version == 4 and ip.is_global else None


def from_rdap(host: str, *, data_dir: Path | None = None) -> dict[str, Any]:
    """The hosting network's abuse contact as recipient, the registrar's in copy (or the other
    way round when the host has none); the RDAP answers are kept for the record (and cached in
    `data_dir`, see takedown/rdap.py)."""
    domain = registrable_domain(host)
    registrar = rdap.lookup("domain", domain, data_dir=data_dir) if domain else None
    address = _address_of(host) if host else None
    hosting = rdap.lookup("ip", address, data_dir=data_dir) if address else None
    contacts = [(label, answer) for label, answer in (("hosting", hosting),
                                                      ("registrar", registrar)) if answer]
    with_mail = [(label, a) for label, a in contacts if a.get("abuse_email")]
    notes = []
    for label, answer in contacts:
        if answer.get("error"):
            notes.append(f"{label} lookup failed: {answer['error']}")
        elif not answer.get("abuse_email"):
            notes.append(f"the {label} ({answer.get('organisation') or answer['query']}) "
                         "publishes no abuse e-mail in RDAP")
    if not domain and not address:
        notes.append(f"no domain or public address to look up for {host or 'this post'}")
    elif not address:
        notes.append(f"{host} does not resolve to a public address: no hosting lookup")
    first = with_mail[0] if with_mail else (contacts[0] if contacts else ("registrar", {}))
    label, answer = first
    organisation = answer.get("organisation") or host or "unknown"
    return {
        "key": f"rdap:{label}", "name": f"{organisation} ({label} of {host or '?'})",
        "email": answer.get("abuse_email"), "form": (answer.get("links") or [None])[0],
        "languages": ["en"], "rules": None,
        "cc": [a["abuse_email"] for lab, a in with_mail[1:] if a["abuse_email"]],
        "source": "rdap", "rdap": {lab: a for lab, a in contacts}, "notes": notes,
    }


def recipient_for(doc: dict[str, Any], *, data_dir: Path | None = None) -> dict[str, Any]:
    """Where the request about `doc` goes, with the accounts to report elsewhere as `also`;
    `data_dir` holds the RDAP cache (default LUREWATCH_DATA)."""
    recipient = match_known(doc) or from_rdap(host_of(doc.get("url")), data_dir=data_dir)
    recipient["also"] = also_report(doc, recipient["key"])
    recipient.setdefault("notes", [])
    if not recipient.get("email"):
        recipient["notes"].append(
            "no e-mail address: submit the letter through "
            + (recipient["form"] or "the site's own report channel"))
    return recipient
