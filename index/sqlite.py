"""The embedded default: one SQLite file with an FTS5 table, needing no server."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index.base import Index, IndexError, IndexMissing, UpsertReport
from index.query import (
    Clause,
    Daily,
    Query,
    SearchResult,
    countries,
    day_window,
    entity_terms,
    grams,
    indicator_codes,
    merge_seen,
    sort_date,
)

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    platform TEXT, lang TEXT, risk INTEGER NOT NULL DEFAULT 0, risk_level TEXT,
    date TEXT, first_seen TEXT, last_seen TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_date ON docs(date DESC, rid);
CREATE INDEX IF NOT EXISTS docs_risk ON docs(risk DESC, date DESC);
CREATE INDEX IF NOT EXISTS docs_platform ON docs(platform);
-- entity values, destination countries and indicator codes, one row each, for exact filters
CREATE TABLE IF NOT EXISTS terms (rid INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS terms_kind_value ON terms(kind, value, rid);
CREATE INDEX IF NOT EXISTS terms_rid ON terms(rid);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, text, grams, tokenize = 'unicode61 remove_diacritics 0'
);
"""


# Watchlists and their alert history (alerts/), in the same file as the documents.
_WATCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS watchlists (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, watchlist TEXT NOT NULL, state TEXT NOT NULL,
    created_at TEXT NOT NULL, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_watchlist ON alerts(watchlist, created_at);
CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created_at);
"""


def _path(url: str) -> Path:
    path = url.removeprefix("sqlite://")
    # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them
    path = path[1:] if path.startswith("/") else path
    if not path:
        raise IndexError(
            "LUREWATCH_INDEX=sqlite:/// needs a file path, e.g. sqlite:///data/lurewatch.db"
        )
    return Path(path)


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fts_match(clauses: list[Clause]) -> str:
    parts = []
    for clause in clauses:
        if clause.words:
            parts.append("{title text} : " + _phrase(" ".join(clause.words)))
        if clause.grams:
            parts.append("grams : " + _phrase(" ".join(clause.grams)))
    return " AND ".join(parts)


class SqliteIndex(Index):
    def __init__(self, url: str) -> None:
        self.path = _path(url)
        self.location = f"sqlite:///{self.path}"
        self._db: sqlite3.Connection | None = None
        self._watch_ready = False

    # -- connection --------------------------------------------------------------------

    def _connect(self, create: bool) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        if not self.path.exists():
            if not create:
                raise IndexMissing(
                    f"no index at {self.path}: run `lurewatch index init` or crawl first, "
                    "or set LUREWATCH_INDEX to the index you meant"
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if create:
                db.executescript(_SCHEMA)
                db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
                )
            elif db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'docs'"
            ).fetchone() is None:
                raise IndexMissing(
                    f"{self.path} holds no lurewatch index: run `lurewatch index init`"
                )
        except sqlite3.DatabaseError as exc:
            raise IndexError(f"cannot open the SQLite index {self.path}: {exc}") from exc
        self._db = db
        return db

    def init(self) -> None:
        self._connect(create=True)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            self._watch_ready = False

    # -- writing -----------------------------------------------------------------------

    def known(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        db = self._connect(create=True)
        ids = list(doc_ids)
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = db.execute(
                f"SELECT id, rid, first_seen, last_seen FROM docs "
                f"WHERE id IN ({','.join('?' * len(chunk))})", chunk,
            )
            for doc_id, rid, first, last in rows:
                out[doc_id] = {"rid": rid, "first_seen": first, "last_seen": last}
        return out

    def upsert(self, docs: Iterable[dict[str, Any]]) -> UpsertReport:
        batch = {doc["id"]: doc for doc in docs}  # the last copy of a post in a batch wins
        report = UpsertReport()
        if not batch:
            return report
        db = self._connect(create=True)
        known = self.known(batch)
        with db:
            db.execute("BEGIN IMMEDIATE")
            for doc_id, doc in batch.items():
                old = known.get(doc_id)
                try:
                    if old:
                        merge_seen(doc, old["first_seen"], old["last_seen"])
                        rid = old["rid"]
                        db.execute("DELETE FROM terms WHERE rid = ?", (rid,))
                        db.execute("DELETE FROM fts WHERE rowid = ?", (rid,))
                        db.execute(
                            "UPDATE docs SET platform=?, lang=?, risk=?, risk_level=?, date=?, "
                            "first_seen=?, last_seen=?, doc=? WHERE rid=?",
                            (*self._columns(doc), rid),
                        )
                        report.updated += 1
                    else:
                        merge_seen(doc, None, None)
                        rid = db.execute(
                            "INSERT INTO docs (platform, lang, risk, risk_level, date, "
                            "first_seen, last_seen, doc, id) VALUES (?,?,?,?,?,?,?,?,?)",
                            (*self._columns(doc), doc_id),
                        ).lastrowid
                        report.added += 1
                    self._write_search_rows(db, rid, doc)
                except (sqlite3.Error, TypeError, ValueError) as exc:
                    report.failed.append((doc, str(exc)))
        return report

    @staticmethod
    def _columns(doc: dict[str, Any]) -> tuple[Any, ...]:
        risk = doc.get("risk") or {}
        return (
            doc.get("platform"), doc.get("lang"), int(risk.get("score") or 0), risk.get("level"),
            sort_date(doc), doc.get("first_seen"), doc.get("last_seen"),
            json.dumps(doc, ensure_ascii=False),
        )

    @staticmethod
    def _write_search_rows(db: sqlite3.Connection, rid: int, doc: dict[str, Any]) -> None:
        terms = entity_terms(doc)
        terms += [("country", c) for c in countries(doc)]
        terms += [("indicator", c) for c in indicator_codes(doc)]
        if doc.get("cluster_id"):
            terms.append(("cluster", doc["cluster_id"]))
        db.executemany(
            "INSERT INTO terms (rid, kind, value) VALUES (?, ?, ?)",
            [(rid, kind, value) for kind, value in dict.fromkeys(terms)],
        )
        text = doc.get("text") or ""
        title = doc.get("title") or ""
        db.execute(
            "INSERT INTO fts (rowid, title, text, grams) VALUES (?, ?, ?, ?)",
            (rid, title, text, " ".join(grams(title + "\n" + text))),
        )

    # -- watchlists and alerts --------------------------------------------------------

    def _watch_db(self) -> sqlite3.Connection:
        db = self._connect(create=True)
        if not self._watch_ready:
            db.executescript(_WATCH_SCHEMA)
            self._watch_ready = True
        return db

    def save_watchlist(self, record: dict[str, Any], create: bool = True) -> None:
        values = (json.dumps(record, ensure_ascii=False), record["name"])
        self._watch_db().execute(
            "INSERT OR REPLACE INTO watchlists (record, name) VALUES (?, ?)" if create
            else "UPDATE watchlists SET record = ? WHERE name = ?", values,
        )

    def watchlists(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        rows = self._watch_db().execute("SELECT record FROM watchlists ORDER BY name")
        return [json.loads(r[0]) for r in rows]

    def delete_watchlist(self, name: str) -> bool:
        done = self._watch_db().execute("DELETE FROM watchlists WHERE name = ?", (name,))
        return done.rowcount > 0

    def create_alerts(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        db = self._watch_db()
        created = []
        with db:
            db.execute("BEGIN IMMEDIATE")
            for row in rows:
                done = db.execute(
                    "INSERT OR IGNORE INTO alerts (id, watchlist, state, created_at, record) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (row["id"], row["watchlist"], row["state"], row["created_at"],
                     json.dumps(row, ensure_ascii=False)),
                )
                if done.rowcount:
                    created.append(row)
        return created

    def known_alerts(self, ids: Iterable[str]) -> set[str]:
        db = self._watch_db()
        wanted = list(ids)
        out: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = db.execute(
                f"SELECT id FROM alerts WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update(r[0] for r in rows)
        return out

    def update_alert(self, row: dict[str, Any]) -> None:
        self._watch_db().execute(
            "UPDATE alerts SET state = ?, record = ? WHERE id = ?",
            (row["state"], json.dumps(row, ensure_ascii=False), row["id"]),
        )

    def alert_history(self, watchlist: str | None = None, states: Iterable[str] | None = None,
                      limit: int = 100) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        where, params = [], []
        if watchlist is not None:
            where.append("watchlist = ?")
            params.append(watchlist)
        chosen = list(states or [])
        if chosen:
            where.append(f"state IN ({','.join('?' * len(chosen))})")
            params.extend(chosen)
        rows = self._watch_db().execute(
            "SELECT record FROM alerts" + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY created_at DESC, rowid DESC LIMIT ?", [*params, limit],
        )
        return [json.loads(r[0]) for r in rows]

    # -- reading -----------------------------------------------------------------------

    def get(self, doc_id: str) -> dict[str, Any] | None:
        row = self._connect(create=False).execute(
            "SELECT doc FROM docs WHERE id = ?", (doc_id,)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def search(self, query: Query) -> SearchResult:
        db = self._connect(create=False)
        source = "docs d"
        where: list[str] = []
        params: list[Any] = []
        if query.clauses:
            source = (
                "docs d JOIN (SELECT rowid AS rid, bm25(fts) AS rank FROM fts "
                "WHERE fts MATCH ?) f ON f.rid = d.rid"
            )
            params.append(_fts_match(query.clauses))
        for column, value in (
            ("platform", query.platform), ("lang", query.lang), ("risk_level", query.risk_level),
        ):
            if value is not None:
                where.append(f"d.{column} = ?")
                params.append(value)
        if query.min_risk is not None:
            where.append("d.risk >= ?")
            params.append(query.min_risk)
        if query.since:
            where.append("d.date >= ?")
            params.append(query.since)
        if query.seen_since:
            where.append("d.first_seen >= ?")
            params.append(query.seen_since)
        if query.seen_before:
            where.append("d.first_seen < ?")
            params.append(query.seen_before)
        exact = list(query.entities)
        if query.country:
            exact.append(("country", query.country))
        if query.indicator:
            exact.append(("indicator", query.indicator))
        if query.cluster:
            exact.append(("cluster", query.cluster))
        for kind, value in exact:
            where.append("d.rid IN (SELECT rid FROM terms WHERE kind = ? AND value = ?)")
            params.extend((kind, value))
        matched = f"SELECT d.rid FROM {source}" + (" WHERE " + " AND ".join(where) if where else "")

        if query.sort == "risk":
            order = "d.risk DESC, d.date DESC, d.rid DESC"
        elif query.sort == "relevance" and query.clauses:
            order = "f.rank, d.date DESC, d.rid DESC"
        else:
            order = "d.date DESC, d.rid DESC"
        try:
            total = db.execute(f"SELECT count(*) FROM ({matched})", params).fetchone()[0]
            rows = db.execute(
                f"SELECT d.doc FROM {source}"
                + (" WHERE " + " AND ".join(where) if where else "")
                + f" ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, query.limit, query.offset],
            ).fetchall()
            facets = self._facets(db, matched, params) if query.facets else {}
        except sqlite3.OperationalError as exc:
            raise IndexError(f"the SQLite index could not run this query: {exc}") from exc
        return SearchResult(total, [json.loads(r[0]) for r in rows], facets)

    @staticmethod
    def _facets(
        db: sqlite3.Connection, matched: str, params: list[Any],
    ) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for name in ("platform", "lang", "risk_level"):
            rows = db.execute(
                f"SELECT {name}, count(*) AS n FROM docs WHERE rid IN ({matched}) "
                f"AND {name} IS NOT NULL GROUP BY {name} ORDER BY n DESC, {name}", params,
            )
            facets[name] = dict(rows.fetchall())
        for name in ("country", "indicator"):
            rows = db.execute(
                f"SELECT value, count(DISTINCT rid) AS n FROM terms WHERE kind = ? "
                f"AND rid IN ({matched}) GROUP BY value ORDER BY n DESC, value", [name, *params],
            )
            facets[name] = dict(rows.fetchall())
        return facets

    def daily_counts(self, days: int) -> tuple[str, str, dict[str, Daily]]:
        db = self._connect(create=False)
        last = db.execute("SELECT max(first_seen) FROM docs").fetchone()[0]
        start, end = day_window(last, days)
        day, high = "substr(d.first_seen, 1, 10)", "sum(d.risk_level = 'high')"
        queries = {
            "all": f"SELECT {day}, 'all', count(*), {high} FROM docs d "
                   "WHERE d.first_seen >= ? GROUP BY 1",
            "platform": f"SELECT {day}, coalesce(d.platform, '?'), count(*), {high} FROM docs d "
                        "WHERE d.first_seen >= ? GROUP BY 1, 2",
            "country": f"SELECT {day}, t.value, count(*), {high} FROM docs d JOIN terms t "
                       "ON t.rid = d.rid AND t.kind = 'country' WHERE d.first_seen >= ? "
                       "GROUP BY 1, 2",
        }
        out: dict[str, Daily] = {}
        for split, sql in queries.items():
            counts: Daily = {}
            for when, key, posts, high_count in db.execute(sql, (start,)):
                counts.setdefault(key, {})[when] = {"posts": posts, "high": high_count or 0}
            out[split] = counts
        return start, end, out

    def stats(self) -> dict[str, Any]:
        db = self._connect(create=False)
        count = db.execute("SELECT count(*) FROM docs").fetchone()[0]
        platforms = dict(db.execute(
            "SELECT platform, count(*) FROM docs GROUP BY platform ORDER BY platform"
        ).fetchall())
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))
        return {"backend": "sqlite", "location": self.location, "documents": count,
                "bytes": size, "platforms": platforms}
