"""The `invites` spider: contact pages found in crawled posts, read back with their names and
member counts and linked to the posts that carry them, on both index backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixtures.invites.site import HERE as INVITES_DIR
from fixtures.invites.site import HOSTS, host_map, load_pages
from fixtures.server import FixtureServer, serve_site
from fixtures.telegram.site import load_channels
from lurewatch.document import canonical_key, document_id
from tests.conftest import Env

PAGES = load_pages()


@pytest.fixture
def invites_site() -> Iterator[FixtureServer]:
    server = serve_site("invites")
    yield server
    server.stop()


def posts_carrying(needle: str) -> set[str]:
    """Ids of the fixture posts (both fixture sites) whose text carries `needle`."""
    ids = set()
    for channels in (load_channels(), load_channels(INVITES_DIR)):
        for channel in channels.values():
            for post in channel["posts"]:
                if needle in (post.get("text") or ""):
                    ids.add(document_id("telegram", post["key"]))
    return ids


def crawl_channels(env: Env, telegram_site: FixtureServer, invites_site: FixtureServer) -> None:
    """The two telegram fixture channels and the invites site's hub, in one `lurewatch crawl`."""
    sources = Path(env.vars["LUREWATCH_DATA"]).parent / "sources.yaml"
    channels = {"kh": f"{telegram_site.url}/s/kh_jobs_2026",
                "xg": f"{telegram_site.url}/s/xigang_zhaopin",
                "hub": f"{invites_site.url}/s/invite_hub"}
    sources.write_text(yaml.safe_dump({"sources": {
        name: {"spider": "telegram", "arguments": {"channel": url}}
        for name, url in channels.items()
    }}), "utf-8")
    env.vars["LUREWATCH_SOURCES"] = str(sources)
    done = env.lurewatch("crawl", "--all", "--no-ner")
    assert done.returncode == 0, done.stderr[-3000:]


def invite_docs(env: Env) -> dict[str, dict[str, Any]]:
    hits = env.search("")["hits"]
    return {d["url"]: d for d in hits if d["meta"].get("kind") == "invite"}


def test_invite_pages_named_counted_and_linked(env: Env, telegram_site: FixtureServer,
                                               invites_site: FixtureServer) -> None:
    crawl_channels(env, telegram_site, invites_site)
    before = len(invites_site.requests)
    env.crawl("invites", hosts=host_map(invites_site.url))
    docs = invite_docs(env)

    # Telegram invite links: group and channel names and counts as the pages show them.
    for code, truth in PAGES["telegram"]["invites"].items():
        link = next(u for u in docs if u.endswith(code))
        meta = docs[link]["meta"]
        assert docs[link]["platform"] == "telegram"
        assert meta["link_kind"] == "telegram_invite"
        assert meta["expired"] is bool(truth.get("expired"))
        if truth.get("expired"):
            assert meta["name"] is None and meta["exists"] is False
            continue
        assert meta["name"] == docs[link]["title"] == truth["title"]
        assert meta["chat_type"] == truth["type"]
        assert meta["members"] == truth.get("members", truth.get("subscribers"))
        assert meta["online"] == truth.get("online")
    assert docs["https://t.me/joinchat/Qm7TnB3vKx2LpW9e"]["meta"]["members"] == 356

    # t.me/NAME: channel, group and user pages; the Line ID Telegram linked as t.me/poipetjob
    # names nobody on Telegram.
    channel = docs["https://t.me/kh_jobs_2026"]["meta"]
    assert (channel["link_kind"], channel["subscribers"]) == ("telegram_channel", 12437)
    group = docs["https://t.me/bavet_hr_team"]["meta"]
    assert (group["link_kind"], group["members"], group["online"]) == ("telegram_group", 642, 31)
    user = docs["https://t.me/kimsil_hr77"]["meta"]
    assert (user["link_kind"], user["name"]) == ("telegram_user", "김실장 HR")
    assert docs["https://t.me/poipetjob"]["meta"]["exists"] is False

    # WhatsApp (no member count on its pages), KakaoTalk open chats, Line accounts.
    for code, truth in PAGES["whatsapp"].items():
        doc = docs[f"https://chat.whatsapp.com/{code}"]
        assert doc["platform"] == "whatsapp"
        assert doc["meta"]["expired"] is bool(truth.get("expired"))
        assert doc["meta"]["name"] == truth.get("name")
    for code, truth in PAGES["kakao"].items():
        doc = docs[f"https://open.kakao.com/o/{code}"]
        assert (doc["platform"], doc["meta"]["name"], doc["meta"]["members"]) == (
            "kakao", truth["name"], truth["members"])
    line = docs["https://line.me/R/ti/p/@poipetjob"]
    assert (line["platform"], line["meta"]["name"], line["meta"]["members"]) == (
        "line", "Poipet Job Center", 2318)

    # Each page links the posts that carry its link, and one `--entity url:` finds them all.
    link = "https://t.me/+Xk9pLmQ2rT4wYzA1"
    carriers = posts_carrying("t.me/+Xk9pLmQ2rT4wYzA1")
    assert len(carriers) == 3  # kh_jobs_2026 317, 370; xigang_zhaopin 61
    assert set(docs[link]["meta"]["linked_posts"]) == carriers
    found = {d["id"] for d in env.search("", "--entity", f"url:{link}")["hits"]}
    assert found == carriers | {docs[link]["id"]}
    assert docs[link]["id"] == document_id("telegram", canonical_key(link))
    wa = "https://chat.whatsapp.com/Fq8LmN2pXs4TvB7wKc1dRe"
    assert set(docs[wa]["meta"]["linked_posts"]) == posts_carrying(wa)
    kimsil = set(docs["https://t.me/kimsil_hr77"]["meta"]["linked_posts"])
    assert kimsil >= posts_carrying("t.me/kimsil_hr77") | posts_carrying("@kimsil_hr77")

    # One request a page, each through the host map; evidence kept like any document.
    visited = [p for p in invites_site.requests[before:] if p != "/robots.txt"]
    assert len(visited) == len(set(visited)) == len(docs)
    assert all(p.split("/")[1] in HOSTS for p in visited)
    assert all(d["evidence"]["sha256"] for d in docs.values())


def test_invite_links_given_and_max_links(sqlite_env: Env, invites_site: FixtureServer) -> None:
    links = ["https://t.me/+Hc4ZrY8uNp1sVd6k", "t.me/joinchat/Qm7TnB3vKx2LpW9e",
             "https://open.kakao.com/o/gHk29PzQ", "https://line.me/R/ti/p/@poipetjob"]
    sqlite_env.crawl("invites", hosts=host_map(invites_site.url), links=",".join(links),
                     from_index="false", max_links="2")
    visited = [p for p in invites_site.requests if p != "/robots.txt"]
    assert len(visited) == 2
    docs = invite_docs(sqlite_env)
    assert len(docs) == 2
    assert all(d["meta"]["linked_posts"] == [] for d in docs.values())
    assert {d["meta"]["name"] for d in docs.values()} == {  # the first two given
        PAGES["telegram"]["invites"]["Hc4ZrY8uNp1sVd6k"]["title"],
        PAGES["telegram"]["invites"]["Qm7TnB3vKx2LpW9e"]["title"],
    }
