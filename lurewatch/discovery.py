"""Links in indexed posts: the contact links the `invites` spider visits, and the candidate
sources (channels and boards not yet watched) that `lurewatch sources candidates` proposes.

Recruiters move between channels and forward each other's ads, so the posts already watched
point at the next places to watch: a Telegram forward, a t.me link or @mention, a link to
another board. Candidates are ranked by the risk of the posts that point at them (a channel
forwarded by three high-risk lures comes before one mentioned by an ordinary post). Probing a
candidate (spiders/discover.py) is bounded by depth and budget; its results are kept in
LUREWATCH_DATA/state/discovery.json and shown here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from index import Query
from index.base import Index
from lurewatch.sources import Source

_CFG = yaml.safe_load((Path(__file__).with_suffix(".yaml")).read_text(encoding="utf-8"))
_CONTACT_HOSTS: dict[str, str] = {
    host: platform for platform, hosts in _CFG["contact_hosts"].items() for host in hosts
}
_NOT_BOARDS = frozenset(_CFG["not_boards"])
_VIA_ORDER: list[str] = _CFG["via_order"]
_EXAMPLES = int(_CFG["examples"])
_RESERVED = frozenset(
    yaml.safe_load((Path(__file__).parents[1] / "enrich" / "data" / "contact_patterns.yaml")
                   .read_text(encoding="utf-8"))["telegram_reserved"]
)
_TG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_INVITE_CODE = re.compile(r"[A-Za-z0-9_\-]{6,64}")
_KAKAO_CODE = re.compile(r"[A-Za-z0-9]{4,40}")
_LINE_ID = re.compile(r"[@~]?[A-Za-z0-9._\-]{3,40}")

STATE_FILE = "discovery.json"
MAX_POSTS = 10_000  # Elasticsearch's default result window: the most one scan reads
PAGE_SIZE = 500


def _host_path(url: str) -> tuple[str, list[str]] | None:
    """(host without www., decoded path segments) of an http(s) or scheme-less URL."""
    value = url.strip()
    if not re.match(r"https?://", value, re.I):
        if "://" in value[:12] or value.startswith(("mailto:", "tel:", "tg:")):
            return None
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:
        return None
    if not host:
        return None
    return host, [unquote(p) for p in parts.path.split("/") if p]


# -- contact links ----------------------------------------------------------------------------

def contact_link(url: str) -> dict[str, str] | None:
    """What a contact link names, with its one canonical https URL; None for other links.

    kind: telegram_invite (t.me/+CODE, t.me/joinchat/CODE), telegram_name (t.me/NAME),
    whatsapp_group, kakao_openchat or line_account. Telegram names are case-insensitive and
    come back lower case; invite codes keep their case.
    """
    found = _host_path(url)
    if not found:
        return None
    host, path = found
    platform = _CONTACT_HOSTS.get(host)
    if platform == "telegram" and path:
        first = path[0]
        if first.startswith("+") and _INVITE_CODE.fullmatch(first[1:]) and not first[1:].isdigit():
            return _link(platform, "telegram_invite", f"https://t.me/+{first[1:]}", first[1:])
        if first.lower() == "joinchat" and len(path) >= 2 and _INVITE_CODE.fullmatch(path[1]):
            return _link(platform, "telegram_invite", f"https://t.me/joinchat/{path[1]}", path[1])
        name = telegram_name(url)
        if name and (len(path) == 1 or first.lower() == "s"):
            return _link(platform, "telegram_name", f"https://t.me/{name}", name)
    elif platform == "whatsapp" and len(path) >= 1:
        code = path[-1] if path[0] == "invite" else path[0]
        if _INVITE_CODE.fullmatch(code):
            return _link(platform, "whatsapp_group", f"https://chat.whatsapp.com/{code}", code)
    elif platform == "kakao" and len(path) >= 2 and path[0] == "o" and _KAKAO_CODE.fullmatch(
        path[1]
    ):
        return _link(platform, "kakao_openchat", f"https://open.kakao.com/o/{path[1]}", path[1])
    elif platform == "line":
        lowered = [p.lower() for p in path]
        if "p" in lowered:
            i = lowered.index("p")
            if lowered[i - 1:i] == ["ti"] and i + 1 < len(path) and _LINE_ID.fullmatch(path[i + 1]):
                account = path[i + 1]
                if account[0] not in "@~":
                    account = "@" + account
                return _link(platform, "line_account", f"https://line.me/R/ti/p/{account}",
                             account.lower())
    return None


def _link(platform: str, kind: str, link: str, code: str) -> dict[str, str]:
    return {"platform": platform, "kind": kind, "link": link, "code": code}


def telegram_name(url: str) -> str | None:
    """The channel, group or user a t.me link names (t.me/NAME, /s/NAME, /NAME/123), lower case;
    None for invite links, Telegram's own paths and other hosts."""
    found = _host_path(url)
    if not found or _CONTACT_HOSTS.get(found[0]) != "telegram" or not found[1]:
        return None
    path = found[1]
    first = path[0]
    if first.lower() == "s" and len(path) >= 2:
        first = path[1]
    elif first.lower() in _RESERVED:
        return None
    first = first.lstrip("@")
    return first.lower() if _TG_NAME.fullmatch(first) else None


def post_links(doc: dict[str, Any]) -> list[str]:
    """Every link a post carries: the hrefs the spider kept and the URLs enrichment found."""
    meta = doc.get("meta") or {}
    links = list(meta.get("links") or []) + list((doc.get("entities") or {}).get("urls") or [])
    return [link for link in dict.fromkeys(links) if isinstance(link, str)]


def is_post(doc: dict[str, Any]) -> bool:
    """Posts and ads, not the contact pages the `invites` spider records."""
    return (doc.get("meta") or {}).get("kind") != "invite"


def iter_posts(index: Index, limit: int = MAX_POSTS) -> Iterator[dict[str, Any]]:
    """Every post in the index (newest first), up to `limit`; contact-page documents skipped."""
    seen: set[str] = set()
    offset = 0
    while offset < limit:
        size = min(PAGE_SIZE, limit - offset)
        result = index.search(Query(text="", sort="newest", limit=size, offset=offset,
                                    facets=False))
        for doc in result.hits:
            if doc.get("id") not in seen and is_post(doc):
                seen.add(doc["id"])
                yield doc
        offset += size
        if len(result.hits) < size or offset >= result.total:
            return


def contact_links(posts: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Canonical link -> {platform, kind, link, code, found_as: [...], posts: [ids]}."""
    out: dict[str, dict[str, Any]] = {}
    for doc in posts:
        for url in post_links(doc):
            link = contact_link(url)
            if not link:
                continue
            entry = out.setdefault(link["link"], {**link, "found_as": [], "posts": []})
            if url not in entry["found_as"]:
                entry["found_as"].append(url)
            if doc.get("id") and doc["id"] not in entry["posts"]:
                entry["posts"].append(doc["id"])
    return out


# -- candidate sources ------------------------------------------------------------------------

@dataclass
class Candidate:
    """A channel or board that watched posts point at."""

    kind: str  # telegram | web
    name: str  # channel name (lower case) or host
    depth: int = 1
    risks: dict[str, int] = field(default_factory=dict)  # pointing post id -> its risk score
    via: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def url(self) -> str:
        return f"https://t.me/s/{self.name}" if self.kind == "telegram" else f"https://{self.name}/"

    def sort_key(self) -> tuple[int, float, int, str]:
        scores = list(self.risks.values()) or [0]
        return (-max(scores), -sum(scores) / len(scores), -len(scores), self.key)


def pointers(doc: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(kind, name, via) for every channel or board a post points at, itself excluded."""
    meta = doc.get("meta") or {}
    own_channel = (meta.get("channel") or "").lower()
    own = _host_path(doc.get("url") or "")
    own_host = own[0] if own else ""
    text = ((doc.get("title") or "") + "\n" + (doc.get("text") or "")).lower()
    forwarded = meta.get("forwarded_from") or {}
    found: list[tuple[str, str, str]] = []
    name = telegram_name(forwarded.get("url") or "") if isinstance(forwarded, dict) else None
    if name:
        found.append(("telegram", name, "forward"))
    for url in post_links(doc):
        name = telegram_name(url)
        if name:
            found.append(("telegram", name, "mention" if f"@{name}" in text else "link"))
            continue
        host_path = _host_path(url)
        if host_path and not contact_link(url) and _is_board(host_path[0], own_host):
            found.append(("web", host_path[0], "link"))
    for handle in (doc.get("entities") or {}).get("telegram") or []:
        if isinstance(handle, str) and _TG_NAME.fullmatch(handle):
            found.append(("telegram", handle.lower(), "handle"))
    for kind, name, via in found:
        if not (kind == "telegram" and name == own_channel):
            yield kind, name, via


def _is_board(host: str, own_host: str) -> bool:
    if host == own_host or host in _NOT_BOARDS or "." not in host:
        return False
    return not any(host.endswith("." + other) for other in _NOT_BOARDS)


def find_candidates(posts: Iterable[dict[str, Any]], depth: int = 1,
                    into: dict[str, Candidate] | None = None) -> dict[str, Candidate]:
    """Candidates pointed at by `posts` (found at `depth` hops from the watched sources)."""
    out = into if into is not None else {}
    for doc in posts:
        risk = int(((doc.get("risk") or {}).get("score")) or 0)
        for kind, name, via in pointers(doc):
            cand = out.get(f"{kind}:{name}")
            if cand is None:
                cand = out[f"{kind}:{name}"] = Candidate(kind, name, depth)
            cand.depth = min(cand.depth, depth)
            cand.via.add(via)
            if doc.get("id"):
                cand.risks[doc["id"]] = risk
    return out


def watched(posts: Iterable[dict[str, Any]]) -> set[str]:
    """Keys of the channels and boards whose own posts are in the index."""
    keys = set()
    for doc in posts:
        channel = (doc.get("meta") or {}).get("channel")
        if doc.get("platform") == "telegram" and channel:
            keys.add(f"telegram:{channel.lower()}")
        elif doc.get("platform") != "telegram":
            found = _host_path(doc.get("url") or "")
            if found:
                keys.add(f"web:{found[0]}")
    return keys


def configured(sources: Iterable[Source]) -> set[str]:
    """Keys of the channels and boards that sources.yaml names (in any argument)."""
    keys = set()
    for source in sources:
        for argument, value in source.arguments.items():
            name = telegram_name(value)
            if source.spider == "telegram" and argument == "channel":
                name = _channel_name(value)
            if name:
                keys.add(f"telegram:{name}")
            elif re.match(r"https?://", value, re.I):
                found = _host_path(value)
                if found:
                    keys.add(f"web:{found[0]}")
    return keys


def _channel_name(value: str) -> str | None:
    """The channel a `telegram` source reads: a name, or a preview URL on any host (/s/NAME)."""
    found = _host_path(value) if "/" in value else None
    if found is None:
        name = value.strip().lstrip("@")
    else:
        path = found[1]
        name = path[path.index("s") + 1] if "s" in path[:-1] else (path[-1] if path else "")
    return name.lower() if _TG_NAME.fullmatch(name) else None


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Highest risk of the pointing posts first, then their mean, then how many point."""
    return sorted(candidates, key=Candidate.sort_key)


def candidate_json(cand: Candidate, configured_keys: set[str], watched_keys: set[str],
                   probe: dict[str, Any] | None) -> dict[str, Any]:
    scores = list(cand.risks.values()) or [0]
    examples = sorted(cand.risks, key=lambda i: (-cand.risks[i], i))[:_EXAMPLES]
    return {
        "name": cand.name, "kind": cand.kind, "url": cand.url, "depth": cand.depth,
        "posts": len(cand.risks), "max_risk": max(scores),
        "mean_risk": round(sum(scores) / len(scores), 1), "examples": examples,
        "via": [v for v in _VIA_ORDER if v in cand.via],
        "configured": cand.key in configured_keys, "watched": cand.key in watched_keys,
        "probe": probe,
    }


# -- probe state ------------------------------------------------------------------------------

def state_path(data_dir: Path) -> Path:
    return data_dir / "state" / STATE_FILE


def load_state(data_dir: Path) -> dict[str, Any]:
    """The last probe's results ({} when none was run or the file is unreadable)."""
    try:
        state = json.loads(state_path(data_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def save_state(data_dir: Path, state: dict[str, Any]) -> Path:
    """Write the probe's results whole, then rename into place (never half a file)."""
    path = state_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), "utf-8")
    tmp.replace(path)
    return path


def merge_probes(candidates: dict[str, Candidate], state: dict[str, Any]) -> None:
    """Add what probing found further out (posts of probed channels) to the candidates."""
    for key, entry in (state.get("found") or {}).items():
        kind, _, name = key.partition(":")
        cand = candidates.get(key)
        if cand is None:
            cand = candidates[key] = Candidate(kind, name, int(entry.get("depth") or 2))
        for post_id, risk in (entry.get("risks") or {}).items():
            cand.risks.setdefault(post_id, int(risk))
        cand.via.add("probe")


def candidates_report(index: Index, sources: Iterable[Source], data_dir: Path,
                      limit: int | None = None, new_only: bool = False) -> dict[str, Any]:
    """The ranked candidates as `lurewatch sources candidates --json` prints them."""
    posts = list(iter_posts(index))
    found = find_candidates(posts)
    state = load_state(data_dir)
    merge_probes(found, state)
    watched_keys = watched(posts)
    configured_keys = configured(sources)
    probes = state.get("probes") or {}
    ranked = [
        candidate_json(c, configured_keys, watched_keys, probes.get(c.key))
        for c in rank(found.values())
    ]
    if new_only:
        ranked = [c for c in ranked if not c["configured"] and not c["watched"]]
    total = len(ranked)
    return {"total": total, "posts_scanned": len(posts),
            "probed_at": state.get("probed_at"),
            "candidates": ranked[:limit] if limit is not None else ranked}
