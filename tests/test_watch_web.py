"""Watchlists and the alert history in the workbench: a real browser (Debian's chromium through
Playwright) and plain HTTP against a real server over a real SQLite index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Env
from playwright.sync_api import Page, expect, sync_playwright
from test_alerts_notify import index_posts, post, use
from web_corpus import fetch, live_server

from alerts.evaluate import run_all
from lurewatch.document import now_utc
from web.app import create_app

HOSTILE = '<img src=x onerror="document.title=\'pwned\'">Recruiter'


@pytest.fixture
def server(sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    use(sqlite_env, monkeypatch)
    index_posts([post(1, "old", 90, "2026-01-01T00:00:00Z")])
    with live_server(create_app(sqlite_env.vars["LUREWATCH_INDEX"])) as base:
        yield base


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        yield browser.new_page()
        browser.close()


def test_add_watchlist_in_the_browser_then_see_its_alerts(
    server: str, page: Page, tmp_path: Path,
) -> None:
    lines = tmp_path / "alerts.jsonl"
    page.goto(server + "/watchlists")
    page.fill("input[name=name]", "kh web")
    page.fill("input[name=min_risk]", "50")
    page.fill("textarea[name=notify]", f"file:{lines}")
    page.fill("input[name=digest]", "0 25 * * *")  # hour 25: refused, with the reason
    page.click("form.watch-add button[type=submit]")
    expect(page.locator("p.error")).to_contain_text("is not valid")
    expect(page.locator("input[name=name]")).to_have_value("kh web")  # the form is kept
    page.fill("input[name=digest]", "")
    page.click("form.watch-add button[type=submit]")
    row = page.locator("tr[data-watchlist='kh web']")
    expect(row).to_contain_text("risk >= 50")

    index_posts([post(2, "new lure", 80, now_utc(), title=HOSTILE)])
    assert [r["doc_id"] for r in run_all().sent] == ["test-post-2"]
    row.locator("a").first.click()
    alert = page.locator("tr.state-sent")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text(HOSTILE)  # shown as text, never as markup
    expect(alert).to_contain_text("appended 1 line")
    assert page.title() != "pwned" and page.locator("img[src=x]").count() == 0

    page.goto(server + "/watchlists")
    page.locator("tr[data-watchlist='kh web'] button.remove").click()
    expect(page.locator("tr[data-watchlist]")).to_have_count(0)


def test_forms_from_elsewhere_are_refused_and_the_api_works(server: str) -> None:
    form = b"name=evil&notify=file%3A%2Ftmp%2Fevil.jsonl"
    assert fetch(server, "/watchlists", data=form).status == 403  # no Origin: refused
    elsewhere = {"Origin": "http://evil.example", "Content-Type":
                 "application/x-www-form-urlencoded"}
    assert fetch(server, "/watchlists", elsewhere, data=form).status == 403
    assert fetch(server, "/api/watchlists").json() == []

    as_json = {"Content-Type": "application/json"}
    bad = fetch(server, "/api/watchlists", as_json,
                data=json.dumps({"name": "q", "query": '"open', "notify": ["file:/tmp/x"]})
                .encode())
    assert bad.status == 400 and "unbalanced quote" in bad.json()["detail"]
    made = fetch(server, "/api/watchlists", as_json, data=json.dumps(
        {"name": "api", "entity": ["telegram:@KimSil_HR77"], "rules": ["first_contact"],
         "notify": ["file:/tmp/x.jsonl"]}).encode())
    assert made.status == 201, made.text
    assert made.json()["entities"] == ["telegram:kimsil_hr77"]
    assert [w["name"] for w in fetch(server, "/api/watchlists").json()] == ["api"]
    assert fetch(server, "/api/alerts").json() == []
