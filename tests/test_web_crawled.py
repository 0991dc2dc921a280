"""The analyst's path in a real browser over an index filled by crawling the fixture sites:
a Korean word, a facet, a post, its phone number, the posts that share it, a CSV export.
Every count on screen is checked against the command line's answer over the same index.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import expect
from test_web_ui import browser, page, shot  # noqa: F401 - pytest fixtures shared with the UI tests
from web_corpus import live_server

from web.app import create_app


def test_search_facet_post_pivot_export_over_a_crawled_index(
    sqlite_env, jobboard_site, telegram_site, page,  # noqa: F811 - the fixture imported above
):
    sqlite_env.crawl("jobboard", start_url=jobboard_site.url + "/jobs")
    sqlite_env.crawl("telegram", channel=telegram_site.url + "/s/kh_jobs_2026")
    word = "고수익"
    expected = sqlite_env.search(word)
    assert expected["total"] >= 3
    app = create_app(sqlite_env.vars["LUREWATCH_INDEX"],
                     data_dir=Path(sqlite_env.vars["LUREWATCH_DATA"]))
    tab, _ = page
    with live_server(app) as base:
        tab.goto(base + "/")
        tab.fill("#q", word)
        tab.press("#q", "Enter")
        expect(tab.locator("#total")).to_have_text(str(expected["total"]))
        shot(tab, "crawled-1-search")

        telegram = expected["facets"]["platform"]["telegram"]
        facet = tab.locator('.facet[data-facet="platform"] a[data-value="telegram"]')
        expect(facet.locator(".count")).to_have_text(str(telegram))
        facet.click()
        expect(tab.locator("#total")).to_have_text(str(telegram))
        shot(tab, "crawled-2-facet")

        # open the first post that carries a phone number
        with_phone = [d for d in sqlite_env.search(word, "--platform", "telegram",
                                                   "--sort", "relevance")["hits"]
                      if d["entities"]["phones"]]
        assert with_phone
        tab.goto(f"{base}/posts/{with_phone[0]['id']}")
        expect(tab.locator("#post-text")).to_contain_text(with_phone[0]["text"].split("\n")[0])
        shot(tab, "crawled-3-post")

        tab.locator(".entities a.kind-phone").first.click()
        phone = tab.locator("#entity-value").inner_text()
        sharing = sqlite_env.search("", "--entity", f"phone:{phone}")
        assert sharing["total"] >= 2
        expect(tab.locator("#total")).to_have_text(str(sharing["total"]))
        shot(tab, "crawled-4-entity")

        with tab.expect_download() as download:
            tab.locator("#export-csv").click()
        table = list(csv.DictReader(io.StringIO(
            Path(download.value.path()).read_text("utf-8-sig"))))
        assert {row["id"] for row in table} == {d["id"] for d in sharing["hits"]}
        assert all(phone in row["phones"] for row in table)
