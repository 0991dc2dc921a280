"""The REST API over real indexes (SQLite and Elasticsearch), through a real HTTP server.

The counts asserted are the ones the corpus in web_corpus.py implies: five posts share one
phone number, two carry the Korean phrase, seven are high-risk, and so on.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from warcio.archiveiterator import ArchiveIterator
from web_corpus import (
    AUTH,
    KOREAN_PHRASE,
    SHARED_PHONE,
    TOKEN,
    XSS_TEXT,
    Answer,
    add_evidence,
    build_index,
    documents,
    fetch,
    live_server,
)

from index.query import countries, indicator_codes
from web.app import create_app
from web.serve import access_token


class Server:
    def __init__(self, base: str, docs: list[dict[str, Any]], evidence: dict[str, Any]) -> None:
        self.base, self.docs, self.evidence = base, docs, evidence

    def get(self, path: str, **params: Any) -> Answer:
        query = urlencode([(k, v) for k, vs in params.items()
                           for v in (vs if isinstance(vs, list) else [vs])])
        return fetch(self.base, path + ("?" + query if query else ""), AUTH)

    def api(self, path: str, **params: Any) -> Any:
        answer = self.get(path, **params)
        assert answer.status == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module", params=["sqlite", "elasticsearch"])
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The corpus indexed on one backend, served with a token (as on a non-loopback bind)."""
    tmp = tmp_path_factory.mktemp(f"web-api-{request.param}")
    docs = documents()
    evidence = add_evidence(docs, tmp / "data")
    if request.param == "elasticsearch":
        url = request.getfixturevalue("elasticsearch_url")
        es_index = f"lw-web-{uuid.uuid4().hex[:8]}"
    else:
        url, es_index = f"sqlite:///{tmp / 'index.db'}", None
    build_index(url, es_index, docs)
    app = create_app(url, token=TOKEN, es_index=es_index, data_dir=tmp / "data")
    with live_server(app) as base:
        yield Server(base, docs, evidence)


def ids(answer: dict[str, Any]) -> list[str]:
    return [d["id"] for d in answer["hits"]]


# -- search -----------------------------------------------------------------------------------

def test_facet_counts_are_exactly_those_of_the_corpus(server: Server) -> None:
    answer = server.api("/api/search", limit=200)
    assert answer["total"] == 12 and len(answer["hits"]) == 12
    facets = answer["facets"]
    assert facets["platform"] == {"telegram": 6, "jobboard": 5, "web": 1}
    assert facets["risk_level"] == {"high": 7, "medium": 3, "low": 2}
    assert facets["country"] == {"KH": 8, "MM": 2, "LA": 1}
    # and every facet agrees with a count made directly over the documents
    expected = {
        "platform": Counter(d["platform"] for d in server.docs),
        "lang": Counter(d["lang"] for d in server.docs),
        "risk_level": Counter(d["risk"]["level"] for d in server.docs),
        "country": Counter(c for d in server.docs for c in countries(d)),
        "indicator": Counter(c for d in server.docs for c in indicator_codes(d)),
    }
    for name, counts in expected.items():
        assert facets[name] == dict(counts), name


def test_a_korean_phrase_and_entity_terms_typed_in_the_box(server: Server) -> None:
    assert sorted(ids(server.api("/api/search", q=KOREAN_PHRASE))) == ["ko-tm-1", "ko-tm-2"]
    by_phone = server.api("/api/search", q=f"phone:{SHARED_PHONE}", sort="newest")
    assert ids(by_phone) == ["id-admin", "xss", "th-admin", "ko-tm-2", "ko-tm-1"]
    assert by_phone["query"] == {"text": "",
                                 "entities": [{"kind": "phone", "value": SHARED_PHONE}]}
    # a phone as people write it, a handle with @ and capitals: brought to the normal form
    spaced = server.api("/api/search", q='phone:"+855 96 912 0451" telegram:@KimSil_HR77')
    assert sorted(ids(spaced)) == ["ko-tm-1", "ko-tm-2"]
    both = server.api("/api/search", q=f"{KOREAN_PHRASE} phone:{SHARED_PHONE}",
                      platform="jobboard")
    assert ids(both) == ["ko-tm-2"]
    assert both["query"]["text"] == KOREAN_PHRASE


def test_entity_parameters_repeat_and_all_must_match(server: Server) -> None:
    two = server.api("/api/search", entity=[f"phone:{SHARED_PHONE}", "telegram:kimsil_hr77"])
    assert sorted(ids(two)) == ["ko-tm-1", "ko-tm-2"]
    one = server.api("/api/search", entity=[f"phone:{SHARED_PHONE}", "kakao:kimsil77"])
    assert ids(one) == ["ko-tm-2"]
    wallet = server.api("/api/search", entity="wallet:TQ7n1d3k9ZpXw5YvFh2s8LbCm4RaEj6UoT")
    assert ids(wallet) == ["zh-xg"]


def test_filters_sorts_and_paging(server: Server) -> None:
    risky = server.api("/api/search", min_risk=80, sort="risk")
    assert ids(risky) == ["ko-tm-1", "ko-tm-2", "zh-xg", "th-admin"]
    assert sorted(ids(server.api("/api/search", since="2026-11-01"))) == \
        ["id-admin", "la-gt", "my-mw"]
    assert sorted(ids(server.api("/api/search", country="mm"))) == ["en-mm", "my-mw"]
    assert server.api("/api/search", lang="ko")["total"] == 3
    assert server.api("/api/search", risk_level="low")["total"] == 2
    assert sorted(ids(server.api("/api/search", indicator="travel_paid"))) == \
        ["en-mm", "id-admin", "ko-tm-1", "la-gt"]
    newest = ids(server.api("/api/search", sort="newest", limit=12))
    pages = [ids(server.api("/api/search", sort="newest", limit=5, offset=o)) for o in (0, 5, 10)]
    assert [len(p) for p in pages] == [5, 5, 2]
    assert [i for p in pages for i in p] == newest and len(set(newest)) == 12
    dates = [d["posted_at"] for d in server.api("/api/search", sort="newest", limit=12)["hits"]]
    assert dates == sorted(dates, reverse=True)


def test_bad_queries_get_a_readable_400(server: Server) -> None:
    cases = {
        (("q", '"고객상담 직원'),): "quote",
        (("since", "last tuesday"),): "date",
        (("entity", "colour:red"),): "KIND one of: phone, email",
        (("entity", "phone"),): "KIND:VALUE",
        (("limit", "many"),): "limit",
        (("min_risk", "101"),): "min_risk",
        (("offset", "9990"), ("limit", "20")): "10,000",
        (("sort", "random"),): "sort",
    }
    for params, words in cases.items():
        answer = fetch(server.base, "/api/search?" + urlencode(params), AUTH)
        assert answer.status == 400, (params, answer.text)
        assert words in answer.json()["detail"], (params, answer.json())
    answer = fetch(server.base, "/api/entities/planet/mars", AUTH)
    assert answer.status == 400 and "kind" in answer.json()["detail"]


# -- posts and pivots -------------------------------------------------------------------------

def test_a_post_by_id(server: Server) -> None:
    doc = server.api("/api/posts/xss")
    original = next(d for d in server.docs if d["id"] == "xss")
    assert doc["text"] == XSS_TEXT
    assert {k: doc[k] for k in ("title", "platform", "entities", "risk")} == \
        {k: original[k] for k in ("title", "platform", "entities", "risk")}
    missing = server.get("/api/posts/no-such-post")
    assert missing.status == 404 and "no-such-post" in missing.json()["detail"]


def test_entity_pivot_lists_the_posts_and_what_appears_with_them(server: Server) -> None:
    pivot = server.api(f"/api/entities/phone/{quote(SHARED_PHONE, safe='')}")
    assert pivot["total"] == 5
    assert ids(pivot) == ["id-admin", "xss", "th-admin", "ko-tm-2", "ko-tm-1"]
    assert pivot["facets"]["platform"] == {"jobboard": 2, "telegram": 2, "web": 1}
    assert [d["date"] for d in pivot["timeline"]] == \
        ["2026-09-02", "2026-09-05", "2026-10-03", "2026-10-10", "2026-11-02"]
    seen = {(s["kind"], s["value"]): s["count"] for s in pivot["seen_with"]}
    assert seen == {("telegram", "kimsil_hr77"): 2, ("kakao", "kimsil77"): 1,
                    ("whatsapp", SHARED_PHONE): 1, ("domain", "loker-kamboja.example"): 1}
    handle = server.api("/api/entities/telegram/@MM_jobs_HR", limit=1)
    assert (handle["value"], handle["total"], len(handle["hits"])) == ("mm_jobs_hr", 2, 1)
    assert {(s["kind"], s["value"]) for s in handle["seen_with"]} == \
        {("email", "hr.mmjobs@gmail.com"), ("domain", "gmail.com")}
    url = server.api("/api/entities/url/" + quote("https://loker-kamboja.example/apply?id=7",
                                                  safe=""))
    assert ids(url) == ["id-admin"]
    nobody = server.api("/api/entities/email/nobody@example.org")
    assert (nobody["total"], nobody["hits"], nobody["seen_with"]) == (0, [], [])


def test_related_posts_of_a_post(server: Server) -> None:
    related = server.api("/api/posts/ko-tm-1/related")
    assert [d["id"] for d in related["near_duplicates"]] == ["ko-tm-2"]
    assert {(c["kind"], c["value"], c["others"]) for c in related["contacts"]} == \
        {("phone", SHARED_PHONE, 4), ("telegram", "kimsil_hr77", 1)}
    sharing = {s["document"]["id"]: {(e["kind"], e["value"]) for e in s["shared"]}
               for s in related["sharing"]}
    assert sharing == {
        "ko-tm-2": {("phone", SHARED_PHONE), ("telegram", "kimsil_hr77")},
        "th-admin": {("phone", SHARED_PHONE)}, "xss": {("phone", SHARED_PHONE)},
        "id-admin": {("phone", SHARED_PHONE)},
    }


def test_overview_counts_per_day_platform_and_country(server: Server) -> None:
    view = server.api("/api/overview", days=90)
    assert (view["first_day"], view["last_day"]) == ("2026-08-15", "2026-11-12")
    assert len(view["days"]) == 90 and view["total"] == 12
    assert (sum(view["all"]["posts"]), sum(view["all"]["high"])) == (12, 7)
    per_platform = {k: sum(v["posts"]) for k, v in view["by_platform"].items()}
    assert per_platform == {"jobboard": 5, "telegram": 6, "web": 1}
    per_country = {k: (sum(v["posts"]), sum(v["high"])) for k, v in view["by_country"].items()}
    assert per_country == {"KH": (8, 5), "LA": (1, 1), "MM": (2, 1)}
    day = view["days"].index("2026-09-02")
    assert view["all"]["posts"][day] == 1 and view["by_platform"]["telegram"]["high"][day] == 1
    short = server.api("/api/overview", days=7)
    assert short["days"][0] == "2026-11-06" and sum(short["all"]["posts"]) == 1


# -- evidence ---------------------------------------------------------------------------------

def test_evidence_is_served_from_the_data_folder_only(server: Server) -> None:
    doc = next(d for d in server.docs if d["id"] == "ko-tm-1")
    answer = server.get("/api/posts/ko-tm-1/evidence/warc")
    assert answer.status == 200 and "attachment" in answer.headers["Content-Disposition"]
    records = list(ArchiveIterator(io.BytesIO(answer.body)))
    assert len(records) == 1
    record = records[0]
    assert record.rec_headers.get_header("WARC-Target-URI") == doc["url"]
    assert record.rec_headers.get_header("WARC-Record-ID") == doc["evidence"]["record_id"]
    shot = server.get("/api/posts/ko-tm-1/evidence/screenshot")
    assert shot.status == 200 and shot.headers["Content-Type"] == "image/png"
    assert shot.body.startswith(b"\x89PNG")
    # the XSS post names /etc/passwd and a path climbing out of the data folder
    assert server.get("/api/posts/xss/evidence/warc").status == 404
    assert server.get("/api/posts/xss/evidence/screenshot").status == 404


# -- access -----------------------------------------------------------------------------------

def test_without_the_token_everything_but_static_files_is_refused(server: Server) -> None:
    for path in ("/api/search?q=x", "/api/posts/ko-tm-1", "/openapi.json",
                 f"/api/entities/phone/{quote(SHARED_PHONE)}", "/api/export?format=csv"):
        answer = fetch(server.base, path)
        assert answer.status == 401, path
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert "token" in answer.json()["detail"]
        wrong = fetch(server.base, path, {"Authorization": "Bearer not-the-token"})
        assert wrong.status == 401, path
    page = fetch(server.base, "/posts/ko-tm-1")
    assert page.status == 401 and 'name="token"' in page.text and "시아누크빌" not in page.text
    assert fetch(server.base, "/static/app.css").status == 200


def test_the_browser_logs_in_with_a_form_or_a_token_link(server: Server) -> None:
    wrong = fetch(server.base, "/login", data=urlencode({"token": "nope", "next": "/"}).encode())
    assert wrong.status == 401
    login = fetch(server.base, "/login",
                  data=urlencode({"token": TOKEN, "next": "//evil.example/"}).encode())
    assert login.status == 303 and login.headers["Location"] == "/"  # never off-site
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    session = {"Cookie": cookie.split(";")[0]}
    assert fetch(server.base, "/?q=%EC%8B%9C%EC%95%84%EB%88%84%ED%81%AC", session).status == 200
    assert fetch(server.base, "/api/search", session).status == 200
    link = fetch(server.base, f"/posts/ko-tm-1?token={TOKEN}&x=1")
    assert link.status == 303 and link.headers["Location"] == "/posts/ko-tm-1?x=1"
    assert link.headers["Set-Cookie"].split(";")[0] == session["Cookie"]


def test_without_a_token_only_loopback_host_names_are_answered(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    build_index(url)
    with live_server(create_app(url)) as base:
        assert fetch(base, "/api/search").status == 200
        assert fetch(base, "/api/search", {"Host": "localhost:8000"}).status == 200
        rebound = fetch(base, "/api/search", {"Host": "attacker.example"})
        assert rebound.status == 400 and "LUREWATCH_TOKEN" in rebound.json()["detail"]


# -- pages are safe to render -----------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open_tags.append(tag)
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.inline_scripts += 1
        self.handlers += [f"{tag} {n}" for n in names if n.lower().startswith("on")]
        if tag == "img":
            self.handlers += [f"img {names.get('src')}"] if names.get("src") == "x" else []


def test_pages_carry_no_inline_script_and_a_strict_policy(server: Server) -> None:
    for path in ("/", "/?q=alert", "/posts/xss", f"/entities/phone/{quote(SHARED_PHONE)}",
                 "/posts/ko-tm-1", "/overview", "/entities/telegram/kimsil_hr77"):
        answer = server.get(path)
        assert answer.status == 200, path
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        tags = _Tags()
        tags.feed(answer.text)
        assert tags.inline_scripts == 0, path
        assert tags.handlers == [], (path, tags.handlers)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in server.get("/posts/xss").text


# -- the OpenAPI description ------------------------------------------------------------------

@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("web-schema")
    docs = documents()
    add_evidence(docs, tmp / "data")
    url = f"sqlite:///{tmp / 'index.db'}"
    build_index(url, docs=docs)
    # (the takedown requests' store is in the app's data folder: this test's own, not ./data)
    with live_server(create_app(url, token=TOKEN, data_dir=tmp / "data")) as base:
        # reads: the writes (watchlists, takedown drafts) have tests of their own
        schema = schemathesis.openapi.from_url(base + "/openapi.json", headers=AUTH)
        yield schema.include(method="GET")


def test_every_answer_matches_the_openapi_description(api_schema: Any) -> None:
    """Schemathesis generates valid and invalid requests for every operation from
    /openapi.json; every answer must be one the description allows (status, headers, body
    schema) and never a server error, and invalid requests must be refused."""
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @given(case=api_schema.as_strategy(mode))
        @settings(max_examples=100, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            case.call_and_validate(headers=AUTH)

        check()


# -- lurewatch serve --------------------------------------------------------------------------

def test_serve_requires_a_token_except_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUREWATCH_TOKEN", raising=False)
    assert access_token("127.0.0.1", None) == (None, False)
    assert access_token("localhost", None) == (None, False)
    assert access_token("::1", None) == (None, False)
    for host in ("0.0.0.0", "::", "192.0.2.10"):
        token, generated = access_token(host, None)
        assert generated and token and len(token) >= 24
    assert access_token("0.0.0.0", "chosen") == ("chosen", False)
    monkeypatch.setenv("LUREWATCH_TOKEN", "from-env")
    assert access_token("0.0.0.0", None) == ("from-env", False)
    assert access_token("127.0.0.1", None) == ("from-env", False)


def test_serve_runs_the_workbench_with_the_token_it_prints(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    build_index(url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LUREWATCH_INDEX": url, "LUREWATCH_TOKEN": TOKEN,
           "LUREWATCH_DATA": str(tmp_path), "PYTHONPATH": str(Path(__file__).parents[1])}
    process = subprocess.Popen(
        [sys.executable, "-c", f"from web.serve import serve; serve('127.0.0.1', {port}, None)"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printed = [process.stdout.readline() for _ in range(3)]  # type: ignore[union-attr]
        assert f"http://127.0.0.1:{port}/?token={TOKEN}" in "".join(printed)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = fetch(base, "/api/search")
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        assert answer.status == 401
        assert fetch(base, "/api/search", AUTH).json()["total"] == 12
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_missing_index_is_reported_with_what_to_do(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'nothing-here.db'}")
    with live_server(app) as base:
        answer = fetch(base, "/api/search?q=x")
        assert answer.status == 503 and "lurewatch index init" in answer.json()["detail"]
        page = fetch(base, "/")
        assert page.status == 503 and "lurewatch index init" in page.text
