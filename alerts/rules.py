"""Rules a post must pass beyond the watchlist's query: indicators present, a contact point
seen for the first time, a post clustered with an earlier high-risk post."""

from __future__ import annotations

from typing import Any

from index import Index, Query
from index.query import entity_terms, indicator_codes

# Contact points: what ties one recruiter's posts together (as the web UI's pivots have them).
CONTACT_KINDS = ("phone", "telegram", "whatsapp", "line", "kakao", "wechat", "email", "wallet")


def first_contact(index: Index, doc: dict[str, Any]) -> bool:
    """Whether the post carries a contact point that no post seen before it carried."""
    for kind, value in dict.fromkeys(entity_terms(doc)):
        if kind not in CONTACT_KINDS:
            continue
        earlier = Query(entities=[(kind, value)], seen_before=doc.get("first_seen"), limit=0,
                        facets=False, sort="newest")
        if index.search(earlier).total == 0:
            return True
    return False


def clustered_high(index: Index, doc: dict[str, Any]) -> bool:
    """Whether a high-risk post seen before this one is a near-duplicate of it."""
    if not doc.get("cluster_id"):
        return False
    earlier = Query(cluster=doc["cluster_id"], risk_level="high",
                    seen_before=doc.get("first_seen"), limit=0, facets=False, sort="newest")
    return index.search(earlier).total > 0


def passes(index: Index, watchlist: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether a post that matched the watchlist's query also passes its rules."""
    if not set(watchlist.get("indicators") or []) <= set(indicator_codes(doc)):
        return False
    rules = watchlist.get("rules") or []
    if "first_contact" in rules and not first_contact(index, doc):
        return False
    return not ("clustered_high" in rules and not clustered_high(index, doc))
