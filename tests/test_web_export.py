"""Exports for partners: CSV a spreadsheet opens safely, JSON Lines as indexed, STIX 2.1."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from web_corpus import (
    AUTH,
    FORMULA_TITLE,
    SHARED_PHONE,
    TOKEN,
    XSS_TEXT,
    build_index,
    documents,
    fetch,
    live_server,
)

from web import export
from web.app import create_app

STIX_ID = re.compile(r"^([a-z0-9-]+)--([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})$")
STIX_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def bundle(docs: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return json.loads("".join(export.to_stix(docs, now=NOW, **options)))


# -- CSV --------------------------------------------------------------------------------------

def test_csv_has_one_row_per_post_with_text_intact() -> None:
    docs = documents()
    text = "".join(export.to_csv(docs))
    assert text.startswith("\ufeffid,url,platform")
    table = rows(text)
    assert [r["id"] for r in table] == [d["id"] for d in docs]
    first = table[0]
    assert first["text"] == docs[0]["text"]  # Korean, emoji and line breaks survive
    assert first["phones"] == "'" + SHARED_PHONE  # starts with "+": shown as text
    assert first["telegram"] == "kimsil_hr77" and first["countries"] == "KH"
    assert first["indicators"].split("; ")[:2] == ["high_pay_low_skill", "no_experience"]
    assert first["risk_score"] == "92" and first["risk_level"] == "high"
    zh = next(r for r in table if r["id"] == "zh-xg")
    assert zh["wallets"] == "tron:TQ7n1d3k9ZpXw5YvFh2s8LbCm4RaEj6UoT"
    assert next(r for r in table if r["id"] == "xss")["text"] == XSS_TEXT


def test_csv_cells_a_spreadsheet_would_run_are_neutralised() -> None:
    table = rows("".join(export.to_csv(documents())))
    hostile = next(r for r in table if r["id"] == "id-admin")
    assert hostile["title"] == "'" + FORMULA_TITLE
    for value in ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert export.cell(value) == "'" + value
    assert export.cell("Phnom Penh") == "Phnom Penh" and export.cell(None) == ""
    for row in table:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), (row["id"], value)


# -- JSON Lines -------------------------------------------------------------------------------

def test_json_lines_are_the_documents_as_indexed() -> None:
    docs = documents()
    lines = "".join(export.to_jsonl(docs)).splitlines()
    assert [json.loads(line) for line in lines] == docs


# -- STIX 2.1 ---------------------------------------------------------------------------------

def test_stix_bundle_is_well_formed_and_every_reference_resolves() -> None:
    docs = documents()
    data = bundle(docs)
    assert data["type"] == "bundle" and STIX_ID.match(data["id"])
    objects = {o["id"]: o for o in data["objects"]}
    assert len(objects) == len(data["objects"])  # each object once
    for obj in data["objects"]:
        kind, _ = STIX_ID.match(obj["id"]).groups()
        assert kind == obj["type"] and obj["spec_version"] == "2.1"
        for key in ("created", "modified", "published"):
            if key in obj:
                assert STIX_TIME.match(obj[key]), (obj["id"], key, obj[key])
        refs = [obj.get("created_by_ref"), *obj.get("object_refs", []),
                *obj.get("object_marking_refs", []), *obj.get("extensions", {})]
        for ref in filter(None, refs):
            assert ref in objects, (obj["id"], ref)
        if obj["type"] in ("report", "note"):
            assert obj["object_refs"] and obj["modified"] >= obj["created"]
    reports = [o for o in data["objects"] if o["type"] == "report"]
    assert len(reports) == len(docs) == 12
    assert all(o["object_marking_refs"] == [export.TLP["amber"]] for o in reports)


def test_stix_reports_link_each_post_to_its_contact_points() -> None:
    data = bundle(documents())
    objects = {o["id"]: o for o in data["objects"]}
    by_post = {next(r["external_id"] for r in o["external_references"]
                    if r["source_name"] == "lurewatch"): o
               for o in data["objects"] if o["type"] == "report"}

    def observed(post: str) -> set[tuple[str, str]]:
        out = set()
        for ref in by_post[post]["object_refs"]:
            obj = objects[ref]
            value = obj.get("value") or obj.get("number") or obj.get("address") or \
                f"{obj.get('account_type')}:{obj.get('account_login')}"
            if obj["type"] != "note":
                out.add((obj["type"], value))
        return out

    assert observed("ko-tm-2") == {
        ("url", "https://jobboard.example/posts/ko-tm-2"), ("phone-number", SHARED_PHONE),
        ("user-account", "telegram:kimsil_hr77"), ("user-account", "kakao:kimsil77")}
    assert ("cryptocurrency-wallet", "TQ7n1d3k9ZpXw5YvFh2s8LbCm4RaEj6UoT") in observed("zh-xg")
    assert ("email-addr", "hr.mmjobs@gmail.com") in observed("en-mm")
    assert ("domain-name", "loker-kamboja.example") in observed("id-admin")
    # five posts carry the shared phone: one observable, referenced by five reports
    phones = [o for o in data["objects"] if o.get("number") == SHARED_PHONE]
    assert len(phones) == 1
    assert sum(phones[0]["id"] in r["object_refs"] for r in by_post.values()) == 5
    assert by_post["xss"]["description"] == XSS_TEXT
    note = objects[next(r for r in by_post["ko-tm-1"]["object_refs"] if r.startswith("note--"))]
    assert note["object_refs"] == [by_post["ko-tm-1"]["id"]]
    assert "Risk 92/100 (high)" in note["content"] and "월 500만원" in note["content"]


def test_stix_ids_are_deterministic_where_the_spec_says_so() -> None:
    first, second = bundle(documents()), bundle(documents(), tlp=None)
    assert first["id"] != second["id"]  # a bundle is a new envelope each time
    same = {o["id"] for o in first["objects"] if o["type"] != "marking-definition"}
    assert same == {o["id"] for o in second["objects"]}
    phone = export.sco("phone-number", number=SHARED_PHONE)
    assert uuid.UUID(phone["id"].split("--")[1]).version == 5
    assert phone["id"] == export.sco("phone-number", number=SHARED_PHONE)["id"]
    assert phone["id"] != export.sco("phone-number", number="+855969120452")["id"]
    # STIX 2.1 section 2.9: UUIDv5 over the canonical JSON of the id-contributing properties
    expected = uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"),
                          '{"value":"hr@school.edu.kh"}')
    assert export.sco("email-addr", value="hr@school.edu.kh")["id"] == f"email-addr--{expected}"
    assert not any(o["type"] == "marking-definition" for o in second["objects"])


# -- over HTTP --------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["sqlite", "elasticsearch"])
def base(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp(f"web-export-{request.param}")
    if request.param == "elasticsearch":
        url = request.getfixturevalue("elasticsearch_url")
        es_index = f"lw-web-{uuid.uuid4().hex[:8]}"
    else:
        url, es_index = f"sqlite:///{tmp / 'index.db'}", None
    build_index(url, es_index)
    with live_server(create_app(url, token=TOKEN, es_index=es_index, data_dir=tmp)) as served:
        yield served


def test_export_over_http_streams_the_whole_result_set(base: str) -> None:
    query = urlencode([("entity", f"phone:{SHARED_PHONE}"), ("sort", "newest"), ("limit", "2")])
    answer = fetch(base, f"/api/export?{query}&format=csv", AUTH)
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert re.match(r'attachment; filename="lurewatch-\d{8}T\d{6}Z\.csv"',
                    answer.headers["Content-Disposition"])
    assert answer.headers["X-Result-Total"] == "5"
    table = rows(answer.text)
    assert [r["id"] for r in table] == ["id-admin", "xss", "th-admin", "ko-tm-2", "ko-tm-1"]
    lines = fetch(base, "/api/export?" + urlencode({"q": '"고객상담 직원"', "format": "jsonl"}),
                  AUTH)
    assert lines.headers["Content-Type"].startswith("application/x-ndjson")
    assert sorted(json.loads(line)["id"] for line in lines.text.splitlines()) == \
        ["ko-tm-1", "ko-tm-2"]
    stix = fetch(base, "/api/export?format=stix&tlp=red", AUTH)
    assert stix.headers["Content-Type"].startswith("application/stix+json")
    objects = json.loads(stix.body)["objects"]
    assert sum(o["type"] == "report" for o in objects) == 12
    assert {o["id"] for o in objects if o["type"] == "marking-definition"} == \
        {export.TLP["red"]}
    refused = fetch(base, "/api/export?format=xlsx", AUTH)
    assert refused.status == 400 and "format" in refused.json()["detail"]
    assert fetch(base, "/api/export?format=csv").status == 401
