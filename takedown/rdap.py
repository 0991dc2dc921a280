"""RDAP (RFC 9082/9083) lookups: who registered a domain and who hosts an address, with the
abuse contacts they publish, so that a request about a site no recipient file knows can go to
someone able to act on it.

The server for a name or address comes from IANA's bootstrap files (RFC 9224): a shipped
subset in takedown/data/rdap/, or the folder LUREWATCH_RDAP_BOOTSTRAP names; LUREWATCH_RDAP_URL
sends every lookup to one server instead (a local mirror, or the tests' fixture server).
Answers are cached for a week in DATA/takedown/rdap-cache.json, DATA being the data folder
`lookup` is given (default LUREWATCH_DATA); failures are not cached.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lurewatch import config
from lurewatch.document import now_utc

BOOTSTRAP_DIR = Path(__file__).resolve().parent / "data" / "rdap"
CACHE_SECONDS = 7 * 24 * 3600
DEFAULT_TIMEOUT = 10.0
# RDAP data comes from elsewhere: only plain addresses may reach an e-mail header.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


class RdapError(Exception):
    """A lookup that could not be answered; the text says why in one line."""


def _timeout() -> float:
    try:
        return float(os.environ.get("LUREWATCH_RDAP_TIMEOUT") or DEFAULT_TIMEOUT)
    except ValueError:
        return DEFAULT_TIMEOUT


def _bootstrap(kind: str) -> dict[str, Any]:
    folder = Path(os.environ.get("LUREWATCH_RDAP_BOOTSTRAP") or BOOTSTRAP_DIR)
    path = folder / f"{kind}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RdapError(f"cannot read the RDAP bootstrap file {path}: {exc}") from exc


def server_for_domain(domain: str) -> str:
    """The RDAP base URL for `domain`: the longest matching label suffix in dns.json."""
    if os.environ.get("LUREWATCH_RDAP_URL"):
        return os.environ["LUREWATCH_RDAP_URL"]
    labels = domain.lower().strip(".").split(".")
    best: tuple[int, str] | None = None
    for entries, urls in _bootstrap("dns").get("services", []):
        for entry in entries:
            size = len(entry.split("."))
            if labels[-size:] == entry.lower().split(".") and (best is None or size > best[0]):
                best = (size, _prefer_https(urls))
    if best is None:
        raise RdapError(f"no RDAP server is known for .{labels[-1]} (add it to the bootstrap "
                        "file, or set LUREWATCH_RDAP_URL)")
    return best[1]


def server_for_ip(address: str) -> str:
    """The RDAP base URL for an IPv4 address: the most specific block in ipv4.json."""
    if os.environ.get("LUREWATCH_RDAP_URL"):
        return os.environ["LUREWATCH_RDAP_URL"]
    ip = ipaddress.ip_address(address)
    best: tuple[int, str] | None = None
    for entries, urls in _bootstrap("ipv4").get("services", []):
        for entry in entries:
            network = ipaddress.ip_network(entry, strict=False)
            if ip.version == network.version and ip in network and (
                    best is None or network.prefixlen > best[0]):
                best = (network.prefixlen, _prefer_https(urls))
    if best is None:
        raise RdapError(f"no RDAP server is known for {address} (set LUREWATCH_RDAP_URL)")
    return best[1]


def _prefer_https(urls: list[str]) -> str:
    return next((u for u in urls if u.startswith("https://")), urls[0])


def fetch(base: str, kind: str, name: str) -> dict[str, Any]:
    """GET BASE/KIND/NAME as RDAP JSON; RdapError for timeouts, errors and non-RDAP answers."""
    url = base.rstrip("/") + f"/{kind}/{quote(name, safe='')}"
    request = urllib.request.Request(url, headers={"Accept": "application/rdap+json"})
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as response:
            body = response.read(2_000_000)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise RdapError(f"{url}: the RDAP server has no record of {name}") from None
        raise RdapError(f"{url}: HTTP {exc.code}") from None
    except TimeoutError:
        raise RdapError(f"{url}: no answer within {_timeout():g} s") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise RdapError(f"{url}: no answer within {_timeout():g} s") from None
        raise RdapError(f"{url}: {reason}") from None
    try:
        data = json.loads(body)
    except ValueError:
        raise RdapError(f"{url}: the answer is not RDAP JSON") from None
    if not isinstance(data, dict) or "objectClassName" not in data:
        raise RdapError(f"{url}: the answer is not an RDAP object")
    return data


# -- reading RFC 9083 objects -------------------------------------------------------------------

def vcard(entity: dict[str, Any]) -> dict[str, list[str]]:
    """jCard (RFC 7095) properties of an entity as {name: [values]}: fn, email, tel, ..."""
    out: dict[str, list[str]] = {}
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return out
    for prop in card[1]:
        if isinstance(prop, list) and len(prop) >= 4:
            value = prop[3]
            if isinstance(value, list):
                value = " ".join(str(v) for v in value if v)
            out.setdefault(str(prop[0]).lower(), []).append(str(value))
    return out


def _entities(obj: dict[str, Any], parents: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                          dict[str, Any]]]:
    """Every entity, nested ones included, with the roles of the entities above it."""
    found = []
    for entity in obj.get("entities") or []:
        if isinstance(entity, dict):
            roles = tuple(str(r).lower() for r in entity.get("roles") or [])
            found.append((parents, entity))
            found += _entities(entity, parents + roles)
    return found


def _email(values: list[str]) -> str | None:
    for value in values:
        match = _EMAIL.fullmatch(value.strip().removeprefix("mailto:"))
        if match:
            return match.group(0).lower()
    return None


def summarise(kind: str, name: str, data: dict[str, Any], server: str) -> dict[str, Any]:
    """What a takedown needs from an RDAP answer: the registrar or network, its abuse contact."""
    registrar = network = None
    abuse: dict[str, Any] | None = None
    for parents, entity in _entities(data):
        roles = [str(r).lower() for r in entity.get("roles") or []]
        card = vcard(entity)
        if "registrar" in roles and registrar is None:
            registrar = (card.get("fn") or [entity.get("handle") or ""])[0] or None
        if "abuse" in roles and abuse is None:
            abuse = {"email": _email(card.get("email", [])),
                     "phone": (card.get("tel") or [None])[0], "under": list(parents)}
    if kind == "ip":
        network = data.get("name") or data.get("handle")
        owner = next((vcard(e).get("fn", [None])[0] for _, e in _entities(data)
                      if "registrant" in (e.get("roles") or [])), None)
        registrar = owner or network
    return {
        "query": f"{kind}:{name}", "server": server, "organisation": registrar,
        "network": network, "abuse_email": (abuse or {}).get("email"),
        "abuse_phone": (abuse or {}).get("phone"),
        "links": [link.get("href") for link in data.get("links") or []
                  if isinstance(link, dict) and link.get("href")][:3],
        "fetched_at": now_utc(), "error": None,
    }


# -- cached lookups -------------------------------------------------------------------------------

def _cache_path(data_dir: Path | None = None) -> Path:
    return config.data_dir(data_dir) / "takedown" / "rdap-cache.json"


def _cache(data_dir: Path | None = None) -> dict[str, Any]:
    try:
        return json.loads(_cache_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remember(key: str, answer: dict[str, Any], data_dir: Path | None) -> None:
    cache = _cache(data_dir)
    cache[key] = {**answer, "cached": time.time()}
    path = _cache_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cache, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def lookup(kind: str, name: str, *, data_dir: Path | None = None) -> dict[str, Any]:
    """The summary of `kind` ("domain" or "ip") `name`, from the cache in `data_dir` when fresh.

    Never raises for a failed lookup: the answer carries `error` instead, so that a draft is
    still made (addressed to no one, saying why) when a registry is down.
    """
    key = f"{kind}:{name.lower()}"
    hit = _cache(data_dir).get(key)
    if hit and time.time() - hit.get("cached", 0) < CACHE_SECONDS:
        return {k: v for k, v in hit.items() if k != "cached"} | {"from_cache": True}
    try:
        server = server_for_domain(name) if kind == "domain" else server_for_ip(name)
        answer = summarise(kind, name, fetch(server, kind, name), server)
    except (RdapError, ValueError) as exc:
        return {"query": key, "server": None, "organisation": None, "network": None,
                "abuse_email": None, "abuse_phone": None, "links": [],
                "fetched_at": now_utc(), "error": str(exc)}
    _remember(key, answer, data_dir)
    return answer | {"from_cache": False}
