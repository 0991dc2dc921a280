"""Elasticsearch backend: an index template with a real mapping, bulk upserts, one query model.

This is the one place where documents meet the cluster. Upserts keep `first_seen` without
server-side scripts (the minimal distribution has no painless): the batch's known ids are read
with one `mget`, merged here, and the batch is written with one `_bulk` of index actions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources
from typing import Any, TypeVar

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch import ConnectionError as EsConnectionError

from index.base import Index, IndexError, IndexMissing, IndexUnavailable, UpsertReport
from index.query import Daily, Query, SearchResult, day_window, grams, merge_seen, sort_date
from lurewatch.document import ENTITY_KINDS

T = TypeVar("T")
CHUNK = 1000

_FACET_FIELDS = {
    "platform": "platform", "lang": "lang", "risk_level": "risk.level",
    "country": "entities.locations.country", "indicator": "indicators.code",
}


def template_body() -> dict[str, Any]:
    """The shipped mapping and settings (index/mapping.json)."""
    body = json.loads(resources.files("index").joinpath("mapping.json").read_text("utf-8"))
    body.pop("_comment", None)
    return body


def derived(doc: dict[str, Any]) -> dict[str, Any]:
    """Search-only fields computed from the document (never returned to users)."""
    places = (doc.get("entities") or {}).get("locations") or []
    return {
        "grams": " ".join(grams((doc.get("title") or "") + "\n" + (doc.get("text") or ""))),
        "date": sort_date(doc),
        "geo": [
            {"lat": p["lat"], "lon": p["lon"]} for p in places
            if isinstance(p, dict) and p.get("lat") is not None and p.get("lon") is not None
        ],
    }


def entity_field(kind: str) -> str:
    name, key = ENTITY_KINDS[kind]
    return f"entities.{name}.{key}" if key else f"entities.{name}"


# Watchlists and their alert history live in indices of their own beside the documents'
# (`NAME.watchlists`, `NAME.alerts`: outside the template's `NAME-*` pattern). The record is
# kept whole in `_source`; only what is filtered or sorted on is mapped.
_WATCH_MAPPINGS: dict[str, dict[str, Any]] = {
    "watchlists": {"dynamic": False, "properties": {"name": {"type": "keyword"}}},
    "alerts": {"dynamic": False, "properties": {
        "id": {"type": "keyword"}, "watchlist": {"type": "keyword"},
        "state": {"type": "keyword"}, "created_at": {"type": "date"},
    }},
}


class ElasticIndex(Index):
    def __init__(self, url: str, name: str) -> None:
        self.url = url.rstrip("/")
        self.name = name
        self.location = f"{self.url}/{name}"
        self.client = Elasticsearch(self.url, request_timeout=60, max_retries=2,
                                    retry_on_timeout=True)

    def _call(self, what: Callable[[], T]) -> T:
        """Run one request, turning transport failures into errors that say what to do."""
        try:
            return what()
        except NotFoundError as exc:
            raise IndexMissing(
                f"Elasticsearch at {self.url} has no index {self.name!r}: run "
                "`lurewatch index init` or crawl first, or set LUREWATCH_ES_INDEX"
            ) from exc
        except (EsConnectionError, TransportError) as exc:
            raise IndexUnavailable(
                f"cannot reach Elasticsearch at {self.url} ({type(exc).__name__}): start it, "
                "or set LUREWATCH_INDEX to a reachable cluster (or sqlite:///PATH for the "
                "embedded index)"
            ) from exc
        except ApiError as exc:
            raise IndexError(f"Elasticsearch at {self.url} refused the request: {exc}") from exc

    def init(self) -> None:
        body = template_body()
        self._call(lambda: self.client.indices.put_index_template(
            name=f"{self.name}-template", index_patterns=[self.name, f"{self.name}-*"],
            template=body, priority=100,
        ))
        if not self._call(lambda: self.client.indices.exists(index=self.name)):
            self._call(lambda: self.client.indices.create(index=self.name))

    def close(self) -> None:
        self.client.close()

    def refresh(self) -> None:
        self._call(lambda: self.client.indices.refresh(index=self.name))

    def known(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(doc_ids)
        if not ids:
            return {}
        answer = self._call(lambda: self.client.mget(
            index=self.name, ids=ids, source_includes=["first_seen", "last_seen"],
        ))
        return {d["_id"]: d["_source"] for d in answer["docs"] if d.get("found")}

    def upsert(self, docs: Iterable[dict[str, Any]]) -> UpsertReport:
        """Write in chunks of CHUNK; while one chunk's `_bulk` is in flight, the next one is
        prepared (its `mget`, the merge, the search fields), so that the server and this
        process work at the same time."""
        batch = list({doc["id"]: doc for doc in docs}.values())
        report = UpsertReport()
        in_flight: tuple[list[dict[str, Any]], set[str], Future[Any]] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lurewatch-bulk") as sender:
            for start in range(0, len(batch), CHUNK):
                chunk = batch[start:start + CHUNK]
                operations, known = self._prepare(chunk)
                if in_flight:
                    self._collect(*in_flight, report)
                in_flight = (chunk, known, sender.submit(
                    self._call, lambda ops=operations: self.client.bulk(operations=ops)))
            if in_flight:
                self._collect(*in_flight, report)
        return report

    def _prepare(self, chunk: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], set[str]]:
        known = self.known(d["id"] for d in chunk)
        operations: list[dict[str, Any]] = []
        for doc in chunk:
            old = known.get(doc["id"], {})
            merge_seen(doc, old.get("first_seen"), old.get("last_seen"))
            operations.append({"index": {"_index": self.name, "_id": doc["id"]}})
            operations.append({**doc, "derived": derived(doc)})
        return operations, set(known)

    @staticmethod
    def _collect(chunk: list[dict[str, Any]], known: set[str], sent: Future[Any],
                 report: UpsertReport) -> None:
        for doc, item in zip(chunk, sent.result()["items"], strict=True):
            result = item["index"]
            if "error" in result:
                report.failed.append((doc, json.dumps(result["error"])[:500]))
            elif doc["id"] in known:
                report.updated += 1
            else:
                report.added += 1

    # -- watchlists and alerts --------------------------------------------------------

    def _side(self, kind: str, create: bool = True) -> str | None:
        """The name of the `kind` side index (created when missing), or None if absent."""
        name = f"{self.name}.{kind}"
        if not self._call(lambda: self.client.indices.exists(index=name)):
            if not create:
                return None
            try:
                self.client.indices.create(
                    index=name, mappings=_WATCH_MAPPINGS[kind],
                    settings={"number_of_shards": 1, "number_of_replicas": 0},
                )
            except ApiError as exc:  # another process created it first
                if "resource_already_exists" not in str(exc):
                    raise IndexError(f"cannot create {name} at {self.url}: {exc}") from exc
            except (EsConnectionError, TransportError) as exc:
                raise IndexUnavailable(f"cannot reach Elasticsearch at {self.url}: {exc}") \
                    from exc
        return name

    def save_watchlist(self, record: dict[str, Any], create: bool = True) -> None:
        name = self._side("watchlists")
        if create:
            self._call(lambda: self.client.index(index=name, id=record["name"], document=record,
                                                 refresh=True))
            return
        try:  # a partial update fails on a removed watchlist instead of recreating it
            self.client.update(index=name, id=record["name"], doc=record, refresh=True)
        except NotFoundError:
            return
        except (EsConnectionError, TransportError) as exc:
            raise IndexUnavailable(f"cannot reach Elasticsearch at {self.url}: {exc}") from exc

    def watchlists(self) -> list[dict[str, Any]]:
        name = self._side("watchlists", create=False)
        if name is None:
            return []
        answer = self._call(lambda: self.client.search(
            index=name, size=10_000, sort=[{"name": "asc"}], query={"match_all": {}}))
        return [h["_source"] for h in answer["hits"]["hits"]]

    def delete_watchlist(self, name: str) -> bool:
        side = self._side("watchlists", create=False)
        if side is None:
            return False
        try:
            self.client.delete(index=side, id=name, refresh=True)
        except NotFoundError:
            return False
        except (EsConnectionError, TransportError) as exc:
            raise IndexUnavailable(f"cannot reach Elasticsearch at {self.url}: {exc}") from exc
        return True

    def create_alerts(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not rows:
            return []
        name = self._side("alerts")
        operations: list[dict[str, Any]] = []
        for row in rows:
            operations += [{"create": {"_index": name, "_id": row["id"]}}, row]
        answer = self._call(lambda: self.client.bulk(operations=operations, refresh=True))
        created = []
        for row, item in zip(rows, answer["items"], strict=True):
            result = item["create"]
            if "error" not in result:
                created.append(row)
            elif result.get("status") != 409:  # 409: recorded before, as it should be
                raise IndexError(f"Elasticsearch refused an alert: {result['error']}")
        return created

    def known_alerts(self, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        name = self._side("alerts", create=False)
        if not wanted or name is None:
            return set()
        answer = self._call(lambda: self.client.mget(index=name, ids=wanted, source=False))
        return {d["_id"] for d in answer["docs"] if d.get("found")}

    def update_alert(self, row: dict[str, Any]) -> None:
        name = self._side("alerts")
        self._call(lambda: self.client.index(index=name, id=row["id"], document=row,
                                             refresh=True))

    def alert_history(self, watchlist: str | None = None, states: Iterable[str] | None = None,
                      limit: int = 100) -> list[dict[str, Any]]:
        name = self._side("alerts", create=False)
        if name is None:
            return []
        filters: list[dict[str, Any]] = []
        if watchlist is not None:
            filters.append({"term": {"watchlist": watchlist}})
        chosen = list(states or [])
        if chosen:
            filters.append({"terms": {"state": chosen}})
        answer = self._call(lambda: self.client.search(
            index=name, size=limit, query={"bool": {"filter": filters}},
            sort=[{"created_at": "desc"}, {"id": "desc"}]))
        return [h["_source"] for h in answer["hits"]["hits"]]

    def get(self, doc_id: str) -> dict[str, Any] | None:
        try:
            answer = self._call(lambda: self.client.get(
                index=self.name, id=doc_id, source_excludes=["derived"],
            ))
        except IndexMissing as exc:
            cause = exc.__cause__
            if isinstance(cause, NotFoundError) and isinstance(cause.body, dict) \
                    and cause.body.get("found") is False:
                return None  # the index is there, the document is not
            raise
        return answer["_source"]

    def _body(self, query: Query) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        for clause in query.clauses:
            if clause.words:
                must.append({"multi_match": {"query": " ".join(clause.words), "type": "phrase",
                                             "fields": ["title", "text"]}})
            if clause.grams:
                must.append({"match_phrase": {"derived.grams": " ".join(clause.grams)}})
        filters: list[dict[str, Any]] = []
        for name, value in (("platform", query.platform), ("lang", query.lang),
                            ("risk.level", query.risk_level),
                            ("entities.locations.country", query.country),
                            ("indicators.code", query.indicator),
                            ("cluster_id", query.cluster)):
            if value is not None:
                filters.append({"term": {name: value}})
        if query.min_risk is not None:
            filters.append({"range": {"risk.score": {"gte": query.min_risk}}})
        if query.since:
            filters.append({"range": {"derived.date": {"gte": query.since}}})
        seen = {op: value for op, value in (("gte", query.seen_since), ("lt", query.seen_before))
                if value}
        if seen:
            filters.append({"range": {"first_seen": seen}})
        for kind, value in query.entities:
            filters.append({"term": {entity_field(kind): value}})
        newest = {"derived.date": {"order": "desc", "missing": "_last"}}
        if query.sort == "risk":
            sort: list[Any] = [{"risk.score": "desc"}, newest]
        elif query.sort == "relevance" and query.clauses:
            sort = ["_score", newest]
        else:
            sort = [newest]
        body: dict[str, Any] = {
            "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
            "sort": [*sort, {"id": "desc"}],
            "from": query.offset, "size": query.limit, "track_total_hits": True,
            "_source": {"excludes": ["derived"]},
        }
        if query.facets:
            body["aggs"] = {
                name: {"terms": {"field": field, "size": 100}}
                for name, field in _FACET_FIELDS.items()
            }
        return body

    def search(self, query: Query) -> SearchResult:
        answer = self._call(lambda: self.client.search(index=self.name, **self._body(query)))
        hits = [h["_source"] for h in answer["hits"]["hits"]]
        facets = {
            name: {b["key"]: b["doc_count"] for b in agg["buckets"]}
            for name, agg in (answer.get("aggregations") or {}).items()
        }
        return SearchResult(answer["hits"]["total"]["value"], hits, facets)

    def daily_counts(self, days: int) -> tuple[str, str, dict[str, Daily]]:
        newest = self._call(lambda: self.client.search(
            index=self.name, size=0, aggs={"last": {"max": {"field": "first_seen"}}},
        ))["aggregations"]["last"].get("value_as_string")
        start, end = day_window(newest, days)
        high = {"high": {"filter": {"term": {"risk.level": "high"}}}}
        splits = {"platform": "platform", "country": "entities.locations.country"}
        per_day = {
            "date_histogram": {"field": "first_seen", "calendar_interval": "day",
                               "format": "yyyy-MM-dd", "min_doc_count": 1},
            "aggs": {**high, **{split: {"terms": {"field": field, "size": 100}, "aggs": high}
                                for split, field in splits.items()}},
        }
        answer = self._call(lambda: self.client.search(
            index=self.name, size=0, query={"range": {"first_seen": {"gte": start}}},
            aggs={"days": per_day},
        ))
        out: dict[str, Daily] = {"all": {}, **{split: {} for split in splits}}
        for bucket in answer["aggregations"]["days"]["buckets"]:
            when = bucket["key_as_string"]
            out["all"].setdefault("all", {})[when] = {
                "posts": bucket["doc_count"], "high": bucket["high"]["doc_count"]}
            for split in splits:
                for term in bucket[split]["buckets"]:
                    out[split].setdefault(term["key"], {})[when] = {
                        "posts": term["doc_count"], "high": term["high"]["doc_count"]}
        return start, end, out

    def stats(self) -> dict[str, Any]:
        count = self._call(lambda: self.client.count(index=self.name))["count"]
        store = self._call(lambda: self.client.indices.stats(index=self.name, metric="store"))
        size = store["_all"]["primaries"]["store"]["size_in_bytes"]
        aggs = self._call(lambda: self.client.search(
            index=self.name, size=0, aggs={"p": {"terms": {"field": "platform", "size": 100}}},
        ))["aggregations"]["p"]["buckets"]
        return {"backend": "elasticsearch", "location": self.location, "documents": count,
                "bytes": size, "platforms": {b["key"]: b["doc_count"] for b in aggs}}
