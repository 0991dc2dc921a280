"""The workbench in a real browser (Debian's chromium through Playwright) over a real index.

The analyst's path: a Korean phrase, a facet, a post, its phone number, the posts that share
it, a CSV export. Screenshots of every page land in tests/out/web/. No page may run scraped
text: a dialog (alert) fails the test, and so does any console error (CSP violations included).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from web_corpus import (
    KOREAN_PHRASE,
    SHARED_PHONE,
    TOKEN,
    XSS_TEXT,
    XSS_TITLE,
    add_evidence,
    build_index,
    documents,
    live_server,
)

from web.app import create_app

OUT = Path(__file__).resolve().parent / "out" / "web"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("web-ui")
    docs = documents()
    add_evidence(docs, tmp / "data")
    url = f"sqlite:///{tmp / 'index.db'}"
    build_index(url, docs=docs)
    with live_server(create_app(url, data_dir=tmp / "data")) as base:
        yield base


class Watch:
    """What a page did that it must not: open dialogs, log errors, throw."""

    def __init__(self, page: Page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.http_errors_expected = False
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: Any) -> None:
        refused = message.text.startswith("Failed to load resource: the server responded")
        if message.type == "error" and not (refused and self.http_errors_expected):
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  accept_downloads=True, locale="en-US")
    page = context.new_page()
    watch = Watch(page)
    yield page, watch
    context.close()
    assert watch.dialogs == [], f"a page ran script from scraped text: {watch.dialogs}"
    assert watch.errors == [], f"console errors: {watch.errors}"


def shot(page: Page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def hit_ids(page: Page) -> list[str]:
    return page.locator("article.hit").evaluate_all("els => els.map(e => e.dataset.id)")


def test_phrase_facet_post_pivot_and_export(site: str, page: tuple[Page, Watch]) -> None:
    tab, _ = page
    tab.goto(site + "/")
    expect(tab.locator("#total")).to_have_text("12")
    tab.fill("#q", KOREAN_PHRASE)
    tab.press("#q", "Enter")
    expect(tab.locator("#total")).to_have_text("2")
    assert sorted(hit_ids(tab)) == ["ko-tm-1", "ko-tm-2"]
    expect(tab.locator(".snippet mark").first).to_have_text("고객상담")
    shot(tab, "1-search-korean-phrase")

    facet = tab.locator('.facet[data-facet="platform"] a[data-value="jobboard"]')
    expect(facet.locator(".count")).to_have_text("1")
    facet.click()
    expect(tab.locator("#total")).to_have_text("1")
    assert hit_ids(tab) == ["ko-tm-2"]
    assert "platform=jobboard" in tab.url
    shot(tab, "2-search-facet-jobboard")

    tab.locator("article.hit a.title").first.click()
    expect(tab.locator("#post-title")).to_contain_text("고객상담 직원 모집")
    marked = tab.locator('#post-text mark.ind[data-code="high_pay_low_skill"]')
    expect(marked).to_have_text("월 500만원")
    expect(tab.locator("#duplicates article.hit")).to_have_count(1)
    expect(tab.locator("#sharing .contact-counts")).to_contain_text("4 other posts")
    shot(tab, "3-post")

    tab.locator(".entities a.kind-phone").click()
    expect(tab.locator("#entity-value")).to_have_text(SHARED_PHONE)
    expect(tab.locator("#total")).to_have_text("5")
    assert hit_ids(tab) == ["id-admin", "xss", "th-admin", "ko-tm-2", "ko-tm-1"]
    entity = tab.locator("#entity")
    expect(entity).to_have_attribute("data-timeline-ready", "yes")
    expect(entity).to_have_attribute("data-graph-nodes", "5")
    expect(entity).to_have_attribute("data-graph-edges", "4")
    # expanding the Telegram handle draws its tie to the KakaoTalk ID (both in ko-tm-2)
    tab.locator('button.expand[data-value="kimsil_hr77"]').click()
    expect(entity).to_have_attribute("data-graph-edges", "5")
    expect(tab.locator(".posts")).to_contain_text(XSS_TITLE)  # as text, in the pivot list
    shot(tab, "4-entity-phone")

    with tab.expect_download() as download:
        tab.locator("#export-csv").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(Path(path).read_text("utf-8-sig"))))
    assert [row["id"] for row in table] == ["id-admin", "xss", "th-admin", "ko-tm-2", "ko-tm-1"]
    assert all(SHARED_PHONE in row["phones"] for row in table)


def test_a_hostile_post_shows_as_text_and_runs_nothing(site: str,
                                                       page: tuple[Page, Watch]) -> None:
    tab, _ = page
    tab.goto(site + "/posts/xss")
    expect(tab.locator("#post-text")).to_have_text(XSS_TEXT)
    expect(tab.locator("#post-title")).to_have_text(XSS_TITLE)
    assert tab.locator("#post-text img, #post-text script, #post-title b").count() == 0
    assert tab.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    assert tab.evaluate("[...document.querySelectorAll('*')].filter(e => [...e.attributes]"
                        ".some(a => a.name.startsWith('on'))).length") == 0
    # the evidence paths it names point outside the data folder: not offered
    assert tab.locator("#download-warc, .screenshot img").count() == 0
    tab.locator("#post-text").hover()
    shot(tab, "5-post-hostile")
    tab.goto(site + "/?q=alert")
    expect(tab.locator("#total")).to_have_text("1")
    expect(tab.locator("article.hit .title")).to_have_text(XSS_TITLE)
    expect(tab.locator("article.hit .snippet mark")).to_have_count(2)  # alert(1), alert(2)
    tab.locator("article.hit .title").hover()


def test_evidence_and_overview(site: str, page: tuple[Page, Watch]) -> None:
    tab, _ = page
    tab.goto(site + "/posts/ko-tm-1")
    screenshot = tab.locator(".screenshot img")
    expect(screenshot).to_be_visible()
    assert screenshot.evaluate("img => img.complete && img.naturalWidth") == 2
    expect(tab.locator("#download-warc")).to_be_visible()
    tab.goto(site + "/overview")
    overview = tab.locator("#overview")
    expect(overview).to_have_attribute("data-charts-ready", "yes")
    expect(tab.locator("#overview-summary")).to_have_text(
        "12 posts indexed. From 2026-08-15 to 2026-11-12: 12 new, 7 of them high-risk.")
    assert tab.locator("canvas").count() == 4
    shot(tab, "6-overview")


def test_bad_syntax_gets_a_readable_message(site: str, page: tuple[Page, Watch]) -> None:
    tab, watch = page
    watch.http_errors_expected = True  # the page itself answers 400
    response = tab.goto(site + "/?q=%22%EA%B3%A0%EA%B0%9D%EC%83%81%EB%8B%B4")
    assert response is not None and response.status == 400
    expect(tab.locator(".error")).to_contain_text("unbalanced quote")
    expect(tab.locator("#q")).to_have_value('"고객상담')
    shot(tab, "7-search-bad-syntax")


def test_with_a_token_the_browser_logs_in_first(browser: Browser, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    build_index(url)
    with live_server(create_app(url, token=TOKEN)) as base:
        context = browser.new_context()
        tab = context.new_page()
        response = tab.goto(base + "/posts/ko-tm-1")
        assert response is not None and response.status == 401
        expect(tab.locator("body")).not_to_contain_text("시아누크빌")
        tab.fill('input[name="token"]', "wrong")
        tab.click("button[type=submit]")
        expect(tab.locator(".error")).to_contain_text("not right")
        tab.fill('input[name="token"]', TOKEN)
        tab.click("button[type=submit]")
        expect(tab.locator("#post-title")).to_contain_text("시아누크빌")
        assert tab.url == base + "/posts/ko-tm-1"
        context.close()
