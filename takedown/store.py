"""Tracking: every request, its status history, its removal checks and the mail sent, in one
SQLite file (DATA/takedown/requests.db) that the CLI and the web UI share.

DATA is the data folder each function takes as `data_dir`: None means LUREWATCH_DATA, as the CLI
uses; the web UI passes its app's own (create_app's `data_dir`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lurewatch import config
from lurewatch.document import now_utc

STATUSES = ("draft", "sent", "acknowledged", "removed", "refused")
OPEN = ("draft", "sent", "acknowledged")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    doc_ids TEXT NOT NULL,
    url TEXT,
    platform TEXT,
    recipient TEXT NOT NULL,
    targets TEXT NOT NULL DEFAULT '[]',
    lang TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_check TEXT,
    flag TEXT
);
CREATE TABLE IF NOT EXISTS events (
    request_id INTEGER NOT NULL REFERENCES requests(id),
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT
);
CREATE TABLE IF NOT EXISTS checks (
    request_id INTEGER NOT NULL REFERENCES requests(id),
    at TEXT NOT NULL,
    url TEXT NOT NULL,
    http_status INTEGER,
    verdict TEXT NOT NULL,
    reason TEXT,
    warc TEXT,
    record_id TEXT,
    sha256 TEXT
);
CREATE TABLE IF NOT EXISTS sent (
    request_id INTEGER NOT NULL REFERENCES requests(id),
    at TEXT NOT NULL,
    path TEXT NOT NULL,
    server_answer TEXT
);
"""


def db_path(data_dir: Path | None = None) -> Path:
    return config.data_dir(data_dir) / "takedown" / "requests.db"


@contextmanager
def connect(data_dir: Path | None = None) -> Iterator[sqlite3.Connection]:
    path = db_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        db.executescript(_SCHEMA)
        with db:
            yield db
    finally:
        db.close()


def _request(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["doc_ids"] = json.loads(out["doc_ids"])
    out["recipient"] = json.loads(out["recipient"])
    out["targets"] = json.loads(out["targets"])
    return out


def create(doc_ids: list[str], url: str | None, platform: str | None,
           recipient: dict[str, Any], lang: str, out_dir: Path,
           targets: list[dict[str, Any]], *, data_dir: Path | None = None) -> int:
    now = now_utc()
    with connect(data_dir) as db:
        cursor = db.execute(
            "INSERT INTO requests (doc_id, doc_ids, url, platform, recipient, targets, lang, "
            "out_dir, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)",
            (doc_ids[0], json.dumps(doc_ids), url, platform, json.dumps(recipient),
             json.dumps(targets), lang, str(out_dir), now, now))
        request_id = int(cursor.lastrowid or 0)
        db.execute("INSERT INTO events VALUES (?, ?, 'draft', 'drafted')", (request_id, now))
    return request_id


def update_draft(request_id: int, recipient: dict[str, Any], lang: str, out_dir: Path, *,
                 data_dir: Path | None = None) -> None:
    with connect(data_dir) as db:
        db.execute("UPDATE requests SET recipient = ?, lang = ?, out_dir = ?, updated_at = ? "
                   "WHERE id = ?", (json.dumps(recipient), lang, str(out_dir), now_utc(),
                                    request_id))


def get(request_id: int, *, data_dir: Path | None = None) -> dict[str, Any] | None:
    with connect(data_dir) as db:
        row = db.execute("SELECT * FROM requests WHERE id = ?", (request_id,)).fetchone()
        if row is None:
            return None
        out = _request(row)
        out["events"] = [dict(r) for r in db.execute(
            "SELECT at, status, note FROM events WHERE request_id = ? ORDER BY rowid",
            (request_id,))]
        out["checks"] = [dict(r) for r in db.execute(
            "SELECT * FROM checks WHERE request_id = ? ORDER BY rowid", (request_id,))]
        out["sent"] = [dict(r) for r in db.execute(
            "SELECT at, path, server_answer FROM sent WHERE request_id = ? ORDER BY rowid",
            (request_id,))]
    return out


def find(status: str | None = None, doc_id: str | None = None,
         statuses: tuple[str, ...] | None = None, *,
         data_dir: Path | None = None) -> list[dict[str, Any]]:
    """Requests, newest first, filtered by status (or several) and by the post they are about."""
    sql, args = "SELECT * FROM requests WHERE 1 = 1", []
    if status:
        sql += " AND status = ?"
        args.append(status)
    if statuses:
        sql += f" AND status IN ({', '.join('?' * len(statuses))})"
        args += list(statuses)
    if doc_id:
        sql += " AND EXISTS (SELECT 1 FROM json_each(requests.doc_ids) WHERE value = ?)"
        args.append(doc_id)
    with connect(data_dir) as db:
        return [_request(r) for r in db.execute(sql + " ORDER BY id DESC", args)]


def set_status(request_id: int, status: str, note: str | None = None,
               at: str | None = None, *, data_dir: Path | None = None) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    at = at or now_utc()
    with connect(data_dir) as db:
        db.execute("UPDATE requests SET status = ?, updated_at = ? WHERE id = ?",
                   (status, at, request_id))
        db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (request_id, at, status, note))


def set_flag(request_id: int, flag: str | None, *, data_dir: Path | None = None) -> None:
    with connect(data_dir) as db:
        db.execute("UPDATE requests SET flag = ? WHERE id = ?", (flag, request_id))


def add_check(request_id: int, check: dict[str, Any], *,
              data_dir: Path | None = None) -> None:
    with connect(data_dir) as db:
        db.execute("INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (
            request_id, check["at"], check["url"], check.get("http_status"), check["verdict"],
            check.get("reason"), check.get("warc"), check.get("record_id"), check.get("sha256")))
        db.execute("UPDATE requests SET last_check = ? WHERE id = ?", (check["at"], request_id))


def add_sent(request_id: int, path: Path, answer: str, *,
             data_dir: Path | None = None) -> None:
    with connect(data_dir) as db:
        db.execute("INSERT INTO sent VALUES (?, ?, ?, ?)",
                   (request_id, now_utc(), str(path), answer))
