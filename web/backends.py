"""What the workbench needs that the index's `Query` cannot express yet, per backend.

Near-duplicates (a `cluster_id` filter) and the overview's per-day counts need a filter and an
aggregation that `index/` does not offer; until it does, they are answered here with read-only
access to the same store (the SQLite file, the Elasticsearch index). They belong in `index/`.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from index import Index, IndexError

Daily = dict[str, dict[str, dict[str, int]]]  # split key -> day -> {"posts": n, "high": m}


def _sqlite(index: Index) -> sqlite3.Connection:
    path = index.path  # type: ignore[attr-defined]
    try:
        return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise IndexError(f"cannot read the SQLite index {path}: {exc}") from exc


def _kind(index: Index) -> str:
    name = type(index).__name__
    if name == "SqliteIndex":
        return "sqlite"
    if name == "ElasticIndex":
        return "elasticsearch"
    raise IndexError(f"the web UI does not know the index backend {name}")


def cluster_members(index: Index, cluster_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """Posts of one near-duplicate cluster, newest first."""
    if _kind(index) == "sqlite":
        db = _sqlite(index)
        try:
            rows = db.execute(
                "SELECT doc FROM docs WHERE json_extract(doc, '$.cluster_id') = ? "
                "ORDER BY date DESC, rid DESC LIMIT ?", (cluster_id, limit),
            ).fetchall()
        except sqlite3.Error as exc:
            raise IndexError(f"the SQLite index could not list a cluster: {exc}") from exc
        finally:
            db.close()
        return [json.loads(r[0]) for r in rows]
    answer = _es_search(
        index, query={"term": {"cluster_id": cluster_id}}, size=limit,
        sort=[{"derived.date": {"order": "desc", "missing": "_last"}}, {"id": "desc"}],
        source_excludes=["derived"],
    )
    return [h["_source"] for h in answer["hits"]["hits"]]


def _es_search(index: Index, **body: Any) -> dict[str, Any]:
    from elasticsearch import ApiError, TransportError

    try:
        answer = index.client.search(index=index.name, **body)  # type: ignore[attr-defined]
    except (ApiError, TransportError) as exc:
        raise IndexError(f"Elasticsearch at {index.location} could not answer: {exc}") from exc
    return dict(answer)


def _window(last: str | None, days: int) -> tuple[str, str]:
    end = date.fromisoformat(last[:10]) if last else date.today()
    return (end - timedelta(days=days - 1)).isoformat(), end.isoformat()


def daily_counts(index: Index, days: int) -> tuple[str, str, dict[str, Daily]]:
    """New posts (by first seen) and high-risk ones per day over the `days` up to the newest,
    in all and split by platform and by destination country:
    (first day, last day, {"all" | "platform" | "country": {key: {day: counts}}})."""
    if _kind(index) == "sqlite":
        return _daily_sqlite(index, days)
    return _daily_elastic(index, days)


def _daily_sqlite(index: Index, days: int) -> tuple[str, str, dict[str, Daily]]:
    db = _sqlite(index)
    try:
        last = db.execute("SELECT max(first_seen) FROM docs").fetchone()[0]
        start, end = _window(last, days)
        out: dict[str, Daily] = {}
        queries = {
            "all": "SELECT substr(first_seen, 1, 10) AS day, 'all', count(*), "
                   "sum(risk_level = 'high') FROM docs WHERE first_seen >= ? GROUP BY 1",
            "platform": "SELECT substr(first_seen, 1, 10) AS day, coalesce(platform, '?'), "
                        "count(*), sum(risk_level = 'high') FROM docs WHERE first_seen >= ? "
                        "GROUP BY 1, 2",
            "country": "SELECT substr(d.first_seen, 1, 10), t.value, count(*), "
                       "sum(d.risk_level = 'high') FROM docs d JOIN terms t ON t.rid = d.rid "
                       "AND t.kind = 'country' WHERE d.first_seen >= ? GROUP BY 1, 2",
        }
        for split, sql in queries.items():
            counts: Daily = defaultdict(dict)
            for day, key, posts, high in db.execute(sql, (start,)):
                counts[key][day] = {"posts": posts, "high": high or 0}
            out[split] = dict(counts)
    except sqlite3.Error as exc:
        raise IndexError(f"the SQLite index could not count posts per day: {exc}") from exc
    finally:
        db.close()
    return start, end, out


def _daily_elastic(index: Index, days: int) -> tuple[str, str, dict[str, Daily]]:
    last = _es_search(
        index, size=0, aggs={"last": {"max": {"field": "first_seen"}}},
    )["aggregations"]["last"].get("value_as_string")
    start, end = _window(last, days)
    fields = {"platform": "platform", "country": "entities.locations.country"}
    aggs = {
        "days": {
            "date_histogram": {"field": "first_seen", "calendar_interval": "day",
                               "format": "yyyy-MM-dd", "min_doc_count": 1},
            "aggs": {
                split: {"terms": {"field": field, "size": 100},
                        "aggs": {"high": {"filter": {"term": {"risk.level": "high"}}}}}
                for split, field in fields.items()
            },
        }
    }
    aggs["days"]["aggs"]["high"] = {"filter": {"term": {"risk.level": "high"}}}
    answer = _es_search(
        index, size=0, query={"range": {"first_seen": {"gte": start}}}, aggs=aggs,
    )
    out: dict[str, Daily] = {split: defaultdict(dict) for split in (*fields, "all")}
    for bucket in answer["aggregations"]["days"]["buckets"]:
        out["all"]["all"][bucket["key_as_string"]] = {
            "posts": bucket["doc_count"], "high": bucket["high"]["doc_count"],
        }
        for split in fields:
            for term in bucket[split]["buckets"]:
                out[split][term["key"]][bucket["key_as_string"]] = {
                    "posts": term["doc_count"], "high": term["high"]["doc_count"],
                }
    return start, end, {k: dict(v) for k, v in out.items()}
