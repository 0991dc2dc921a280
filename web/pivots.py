"""Pivots: from a contact point to every post that carries it, and from a post to its network.

Built on `Index.search` (exact entity filters); what `Query` cannot say (several entities in
one OR, co-occurrence counts) is assembled here from a bounded number of searches.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from index.query import Query, entity_terms, parse_entity, sort_date
from web.store import Store

# Contact points: what ties one recruiter's posts together across boards and channels.
CONTACT_KINDS: tuple[str, ...] = (
    "phone", "telegram", "whatsapp", "line", "kakao", "wechat", "email", "wallet",
)
# What the entity page's network draws beside contact points.
NETWORK_KINDS: tuple[str, ...] = (*CONTACT_KINDS, "domain", "organization")
SCAN_CAP = 1000  # posts read to count what appears with an entity, newest first
SEEN_WITH_CAP = 60


def normal(kind: str, value: str) -> tuple[str, str]:
    """The entity in the document's normal form (raises `QueryError` for unknown kinds)."""
    return parse_entity(f"{kind}:{value}")


def entity_pivot(
    store: Store, kind: str, value: str, limit: int = 20, offset: int = 0, sort: str = "newest",
) -> dict[str, Any]:
    """The posts carrying one entity (a page of them), its facets, its timeline per day and
    the entities seen with it, counted over its newest `SCAN_CAP` posts."""
    kind, value = normal(kind, value)
    index = store.index()
    page = index.search(Query(entities=[(kind, value)], sort=sort, limit=limit, offset=offset))
    if offset == 0 and page.total <= len(page.hits):
        scanned = page.hits
    else:
        scanned = list(store.scan(Query(entities=[(kind, value)], sort="newest", facets=False),
                                  cap=SCAN_CAP))
    days: Counter[str] = Counter()
    seen: Counter[tuple[str, str]] = Counter()
    for doc in scanned:
        day = (sort_date(doc) or "")[:10]
        if day:
            days[day] += 1
        for term in dict.fromkeys(entity_terms(doc)):
            if term[0] in NETWORK_KINDS and term != (kind, value):
                seen[term] += 1
    ranked = sorted(seen.items(), key=lambda item: (-item[1], item[0]))[:SEEN_WITH_CAP]
    return {
        "kind": kind, "value": value, "total": page.total, "offset": offset, "limit": limit,
        "hits": page.hits, "facets": page.facets,
        "timeline": [{"date": d, "count": n} for d, n in sorted(days.items())],
        "seen_with": [{"kind": k, "value": v, "count": n} for (k, v), n in ranked],
        "scanned": len(scanned),
    }


def shared_contacts(store: Store, doc: dict[str, Any], per_contact: int = 20) -> dict[str, Any]:
    """For each contact point of `doc`, how many other posts carry it, and those posts (each
    with the contact points it shares), newest first."""
    index = store.index()
    contacts = []
    posts: dict[str, dict[str, Any]] = {}
    shared: dict[str, list[tuple[str, str]]] = {}
    terms = [t for t in dict.fromkeys(entity_terms(doc)) if t[0] in CONTACT_KINDS][:20]
    for kind, value in terms:
        found = index.search(Query(entities=[(kind, value)], sort="newest", limit=per_contact,
                                   facets=False))
        others = [d for d in found.hits if d.get("id") != doc.get("id")]
        carries_self = len(others) < len(found.hits)
        contacts.append({"kind": kind, "value": value,
                         "others": found.total - (1 if carries_self else 0)})
        for other in others:
            posts.setdefault(other["id"], other)
            shared.setdefault(other["id"], []).append((kind, value))
    ordered = sorted(posts.values(), key=lambda d: sort_date(d) or "", reverse=True)
    return {
        "contacts": contacts,
        "posts": [{"document": d, "shared": [{"kind": k, "value": v} for k, v in shared[d["id"]]]}
                  for d in ordered],
    }


def near_duplicates(store: Store, doc: dict[str, Any], limit: int = 20) -> list[dict[str, Any]]:
    """Other posts of the same near-duplicate cluster (reposts, copies on other platforms)."""
    cluster = doc.get("cluster_id")
    if not cluster:
        return []
    members = store.index().search(
        Query(cluster=cluster, sort="newest", limit=limit + 1, facets=False)).hits
    return [d for d in members if d.get("id") != doc.get("id")][:limit]
