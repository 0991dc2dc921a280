"""A workbench made with `create_app(data_dir=X)` keeps its takedown requests in X, whatever
LUREWATCH_DATA says: the tracking database, the drafts and the evidence they read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web_corpus import add_evidence, build_index, documents, fetch, live_server

from web.app import create_app

JSON = {"Content-Type": "application/json"}


def test_takedowns_drafted_through_the_web_live_in_the_apps_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, elsewhere = tmp_path / "app-data", tmp_path / "env-data"
    elsewhere.mkdir()
    monkeypatch.setenv("LUREWATCH_DATA", str(elsewhere))
    docs = documents()
    add_evidence(docs, data)  # ko-tm-1's WARC path is relative to `data`, as a crawl's may be
    url = f"sqlite:///{tmp_path / 'index.db'}"
    build_index(url, docs=docs)

    with live_server(create_app(url, data_dir=data)) as base:
        drafted = fetch(base, "/posts/ko-tm-1/takedown", data=b"lang=en", headers={
            "Origin": base, "Content-Type": "application/x-www-form-urlencoded"})
        assert drafted.status == 303, drafted.text
        request_id = int(drafted.headers["Location"].rsplit("/", 1)[1])

        changed = fetch(base, f"/api/takedowns/{request_id}/status", headers=JSON,
                        data=json.dumps({"status": "sent", "note": "by hand"}).encode())
        assert changed.status == 200, changed.text
        listed = fetch(base, "/api/takedowns").json()
        assert [(r["id"], r["status"]) for r in listed] == [(request_id, "sent")]
        assert fetch(base, f"/takedowns/{request_id}").status == 200
        assert f"/takedowns/{request_id}" in fetch(base, "/posts/ko-tm-1").text
        record = fetch(base, f"/takedowns/{request_id}/files/request.json")
        assert record.status == 200

    assert (data / "takedown" / "requests.db").is_file()
    folder = Path(listed[0]["out_dir"])
    assert folder.is_relative_to(data.resolve() / "takedown" / "requests")
    assert {"request.eml", "request.html", "request.json", "evidence.zip"} <= {
        p.name for p in folder.iterdir()}
    evidence = {e["file"] for e in record.json()["evidence"]}
    assert "posts/ko-tm-1/response.warc.gz" in evidence  # read from `data`, not the cwd
    assert list(elsewhere.rglob("*")) == []
