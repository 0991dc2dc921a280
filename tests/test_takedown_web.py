"""Takedowns in the workbench, in a real browser: draft from the post page, record a status,
check removal after the fixture board takes the ad down, see it listed; POSTs from another
site are refused."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import Env
from playwright.sync_api import Page, expect
from test_web_ui import browser, page, shot  # noqa: F401 - pytest fixtures shared with the UI tests
from web_corpus import live_server

from fixtures.server import serve_site
from takedown.bundle import verify
from web.app import create_app


def _post(url: str, data: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_draft_status_and_removal_check_from_the_browser(
    sqlite_env: Env, page: tuple[Page, Any],  # noqa: F811 - the fixture imported above
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = sqlite_env
    board = serve_site("jobboard")
    try:
        env.crawl("jobboard", start_url=f"{board.url}/jobs?page=4", max_pages="1")
        doc = next(d for d in env.search("", "--platform", "jobboard")["hits"]
                   if "/jobs/30410" in d["url"])
        for name, value in env.vars.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("LUREWATCH_CHROMIUM", raising=False)  # drafting renders, off the loop
        data = Path(env.vars["LUREWATCH_DATA"])
        app = create_app(env.vars["LUREWATCH_INDEX"], data_dir=data)
        browser_page, _watch = page
        with live_server(app) as base:
            browser_page.goto(f"{base}/posts/{doc['id']}")
            expect(browser_page.locator("#takedown .empty")).to_contain_text("No takedown")
            browser_page.click("#draft-takedown")
            expect(browser_page.locator("#request-status")).to_have_text("draft")
            expect(browser_page.locator("#request-recipient")).to_contain_text(
                "abuse@asiajoblink.example")
            expect(browser_page.locator("#request-files a")).to_have_count(5)
            expect(browser_page.locator("#request-files")).to_contain_text("request.pdf")
            request_id = browser_page.url.rsplit("/", 1)[1]
            shot(browser_page, "takedown-request")

            zipped = browser_page.request.get(f"{base}/takedowns/{request_id}/files/evidence.zip")
            assert zipped.status == 200
            (tmp_path / "evidence.zip").write_bytes(zipped.body())
            assert verify(tmp_path / "evidence.zip") == []

            letter = browser_page.request.get(f"{base}/takedowns/{request_id}/files/request.html")
            assert "script-src" not in letter.headers["content-security-policy"]
            assert "AsiaJobLink" in letter.text()

            browser_page.select_option("#status-form select", "acknowledged")
            browser_page.fill("#status-form input[name=note]", "ticket <b>#4411</b>")
            browser_page.click("#status-form button")
            expect(browser_page.locator("#request-status")).to_have_text("acknowledged")
            expect(browser_page.locator("#history")).to_contain_text("ticket <b>#4411</b>")

            board.app.take_down(30410)
            browser_page.click("#check-form button")
            expect(browser_page.locator("#request-status")).to_have_text("removed")
            expect(browser_page.locator("#checks")).to_contain_text("HTTP 410")

            browser_page.goto(f"{base}/takedowns")
            expect(browser_page.locator(f"#takedowns tr[data-id='{request_id}']")).to_contain_text(
                "removed")
            browser_page.goto(f"{base}/posts/{doc['id']}")
            expect(browser_page.locator(".takedown-requests")).to_contain_text("removed")
            shot(browser_page, "takedown-post-panel")

            listed = json.loads(urllib.request.urlopen(f"{base}/api/takedowns").read())
            assert [r["status"] for r in listed] == ["removed"]
            refused = _post(f"{base}/takedowns/{request_id}/status", b"status=draft",
                            {"Origin": "http://evil.example",
                             "Content-Type": "application/x-www-form-urlencoded"})
            assert refused == 403
            refused = _post(f"{base}/api/takedowns", json.dumps({"doc_id": doc["id"]}).encode(),
                            {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"})
            assert refused == 403
            created = _post(f"{base}/api/takedowns", json.dumps({"doc_id": doc["id"],
                                                                 "lang": "ko"}).encode(),
                            {"Content-Type": "application/json"})
            assert created == 201
    finally:
        board.stop()
