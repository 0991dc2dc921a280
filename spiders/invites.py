"""Visits the contact pages that posts link to and records what each shows: the group or account
name, its member or subscriber count, whether the invite has expired, and the posts that carry
the link. One document per page (platform telegram, whatsapp, kakao or line; meta.kind "invite").

Arguments (strings, `scrapy crawl invites -a NAME=VALUE`):
  links      comma-separated links to visit besides those found in the index (optional)
  hosts      where to fetch each host from, "t.me=http://127.0.0.1:8001/t.me,chat.whatsapp.com=
             http://127.0.0.1:8001/chat.whatsapp.com": links keep their real form in the
             documents and only the fetch goes elsewhere (for mirrors, the demo and the tests)
  from_index read the links from the indexed posts (default true)
  max_links  the most pages one crawl visits, links carried by most posts first (default 200)
  source     the `source` written into each document (default: the spider's name)

Kinds (meta.link_kind): telegram_invite (t.me/+CODE, t.me/joinchat/CODE; meta.chat_type group
or channel), telegram_channel, telegram_group, telegram_user, telegram_bot (t.me/NAME),
whatsapp_group, kakao_openchat, line_account. WhatsApp invite pages show no member count.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from index import IndexError, open_index
from lurewatch.discovery import contact_link, contact_links, iter_posts
from lurewatch.document import canonical_key, document_id
from spiders.telegram import node_text

DEFAULT_MAX_LINKS = 200
_NUMBER = re.compile(r"\d[\d  ,.]*")
# Page signatures (facts of the real pages): t.me's page for a revoked or unknown invite.
_TG_EXPIRED_TITLE = "Join group chat on Telegram"
_WA_GENERIC_TITLE = "WhatsApp Group Invite"


def parse_hosts(value: str | None) -> dict[str, str]:
    """"host=base,host=base" -> {host: base}; ValueError saying what is wrong."""
    hosts: dict[str, str] = {}
    for part in (value or "").split(","):
        if not part.strip():
            continue
        host, sep, base = part.partition("=")
        host, base = host.strip().lower(), base.strip().rstrip("/")
        if not sep or not host or not re.match(r"https?://", base):
            raise ValueError(f"hosts takes HOST=BASE_URL pairs separated by commas, e.g. "
                             f"t.me=http://127.0.0.1:8001/t.me (got {part.strip()!r})")
        hosts[host] = base
    return hosts


def fetch_url(link: str, hosts: dict[str, str]) -> str:
    """Where to fetch `link` from: its host replaced by the mapped base, path and query kept."""
    parts = urlsplit(link)
    base = hosts.get((parts.hostname or "").lower())
    if not base:
        return link
    return base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def count(text: str | None) -> int | None:
    """'1 243' / '2,318' / '12 437' -> the integer; None without digits."""
    match = _NUMBER.search(text or "")
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group())
    return int(digits) if digits else None


def _meta(response: TextResponse, prop: str) -> str | None:
    value = response.css(f'meta[property="{prop}"]::attr(content)').get()
    return value.strip() if value else None


def _text(response: TextResponse, css: str) -> str:
    """The first matching element's text, on one line ("" when there is none)."""
    found = response.css(css)
    return " ".join(node_text(found[0]).split()) if found else ""


def parse_telegram(response: Response, link: dict[str, str]) -> dict[str, Any]:
    """A t.me landing or invite page: title, counters, chat type, expired or unknown."""
    if not isinstance(response, TextResponse):
        return {"exists": False, "link_kind": link["kind"]}
    title = _text(response, ".tgme_page_title")
    extra = _text(response, ".tgme_page_extra")
    action = (response.css(".tgme_page_action a::text").get() or "").strip()
    description = _text(response, ".tgme_page_description")
    counts: dict[str, int | None] = {}
    for part in extra.split(","):
        for word in ("subscribers", "members", "online"):
            if word in part or word.rstrip("s") in part.split():
                counts[word] = count(part)
    invite = link["kind"] == "telegram_invite"
    if not title:
        expired = invite and _meta(response, "og:title") == _TG_EXPIRED_TITLE
        return {"exists": False, "expired": expired, "chat_type": None,
                "link_kind": link["kind"] if invite else "telegram_unknown"}
    if "subscribers" in counts or action == "Join Channel":
        chat_type = "channel"
    elif "members" in counts or action == "Join Group":
        chat_type = "group"
    elif link["code"].endswith("bot"):
        chat_type = "bot"
    else:
        chat_type = "user"
    return {
        "exists": True, "expired": False, "name": title, "chat_type": chat_type,
        "link_kind": "telegram_invite" if invite else f"telegram_{chat_type}",
        "members": counts.get("members") if chat_type == "group" else counts.get("subscribers"),
        "subscribers": counts.get("subscribers"), "online": counts.get("online"),
        "counter_text": extra or None, "description": description or None,
    }


def parse_whatsapp(response: Response, link: dict[str, str]) -> dict[str, Any]:
    """chat.whatsapp.com/CODE: the group name is og:title; a dead link shows the generic one."""
    name = _meta(response, "og:title") if isinstance(response, TextResponse) else None
    if not name or name == _WA_GENERIC_TITLE:
        return {"exists": False, "expired": True, "link_kind": "whatsapp_group"}
    return {"exists": True, "expired": False, "name": name, "chat_type": "group",
            "link_kind": "whatsapp_group", "members": None}


def parse_kakao(response: Response, link: dict[str, str]) -> dict[str, Any]:
    """open.kakao.com/o/CODE: the room name (og:title) and its participant count."""
    if response.status != 200 or not isinstance(response, TextResponse):
        return {"exists": False, "expired": True, "link_kind": "kakao_openchat"}
    return {"exists": True, "expired": False, "chat_type": "open_chat",
            "name": _meta(response, "og:title") or _text(response, ".tit_openlink") or None,
            "link_kind": "kakao_openchat",
            "members": count(response.css(".num_member::text").get()),
            "counter_text": _text(response, ".txt_member") or None,
            "description": _meta(response, "og:description")}


def parse_line(response: Response, link: dict[str, str]) -> dict[str, Any]:
    """line.me/R/ti/p/@ID: the official account's name and its friends count."""
    if response.status != 200 or not isinstance(response, TextResponse):
        return {"exists": False, "expired": False, "link_kind": "line_account"}
    return {"exists": True, "expired": False, "chat_type": "account",
            "name": _meta(response, "og:title") or _text(response, ".mdMN01Ttl") or None,
            "link_kind": "line_account",
            "members": count(response.css(".mdMN01Friends .mdMN01Num::text").get()),
            "counter_text": _text(response, ".mdMN01Friends") or None}


PARSERS = {"telegram": parse_telegram, "whatsapp": parse_whatsapp, "kakao": parse_kakao,
           "line": parse_line}


def invite_item(response: Response, entry: dict[str, Any], source: str) -> dict[str, Any]:
    """The item (items.md) for one contact page: what it shows, linked to the posts."""
    page = PARSERS[entry["platform"]](response, entry)
    name = page.get("name")
    state = ("expired invite link" if page.get("expired")
             else None if page.get("exists") else "no such group or account")
    lines = [name, page.get("counter_text"), page.get("description"), state]
    return {
        "platform": entry["platform"],
        "source": source,
        "url": entry["link"],
        "key": canonical_key(entry["link"]),
        "title": name,
        "text": "\n".join(line for line in lines if line),
        "links": [entry["link"], *entry.get("found_as", [])],
        "posted_at": None,
        "author": None,
        "meta": {
            "kind": "invite",
            "link": entry["link"],
            "link_kind": page.get("link_kind") or entry["kind"],
            "code": entry["code"],
            "chat_type": page.get("chat_type"),
            "name": name,
            "members": page.get("members"),
            "subscribers": page.get("subscribers"),
            "online": page.get("online"),
            "counter_text": page.get("counter_text"),
            "description": page.get("description"),
            "expired": bool(page.get("expired")),
            "exists": bool(page.get("exists")),
            "http_status": response.status,
            "page_url": response.url,
            "linked_posts": list(entry.get("posts", [])),
        },
    }


class InvitesSpider(scrapy.Spider):
    """The `invites` spider: contact links from the index (and `links`), one request each."""

    name = "invites"
    custom_settings: ClassVar[dict[str, Any]] = {"HTTPERROR_ALLOWED_CODES": [404, 410]}

    def __init__(self, links: str | None = None, hosts: str | None = None,
                 from_index: str | bool = True, max_links: str | int = DEFAULT_MAX_LINKS,
                 source: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hosts = parse_hosts(hosts)
        self.extra_links = [u.strip() for u in (links or "").split(",") if u.strip()]
        bad = [u for u in self.extra_links if not contact_link(u)]
        if bad:
            raise ValueError("not a Telegram, WhatsApp, KakaoTalk or Line contact link: "
                             f"{bad[0]!r}")
        self.from_index = str(from_index).lower() not in ("0", "false", "no")
        self.max_links = int(max_links)
        if self.max_links < 1:
            raise ValueError(f"max_links must be 1 or more, not {max_links!r}")
        self.source = source or self.name

    def targets(self) -> list[dict[str, Any]]:
        """The links to visit, carried by most posts first (the index's, then those given, in
        order), at most max_links."""
        found: dict[str, dict[str, Any]] = {}
        if self.from_index:
            try:
                with open_index() as index:
                    found = contact_links(iter_posts(index))
            except IndexError as exc:
                self.logger.warning("invites: cannot read the index (%s); visiting only the "
                                    "links given", exc)
        for url in self.extra_links:
            link = contact_link(url)
            if link and link["link"] not in found:
                found[link["link"]] = {**link, "found_as": [url], "posts": []}
        ordered = sorted(found.values(), key=lambda e: -len(e["posts"]))  # stable: given order
        if len(ordered) > self.max_links:
            self.logger.info("invites: %d contact links found; visiting the %d carried by most "
                             "posts (max_links)", len(ordered), self.max_links)
        return ordered[: self.max_links]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for entry in self.targets():
            yield scrapy.Request(fetch_url(entry["link"], self.hosts), callback=self.parse,
                                 errback=self.failed, cb_kwargs={"entry": entry},
                                 dont_filter=True)

    def parse(self, response: Response, entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
        item = invite_item(response, entry, self.source)
        self.logger.debug("invites: %s -> %s (%s)", entry["link"], item["title"],
                          item["meta"]["link_kind"])
        yield item

    def failed(self, failure: Any) -> None:
        self.logger.warning("invites: could not read %s: %s", failure.request.url,
                            failure.getErrorMessage())


def invite_document_id(link: str) -> str:
    """The id of the document recorded for a contact link (as the pipeline computes it)."""
    entry = contact_link(link)
    if not entry:
        raise ValueError(f"not a contact link: {link!r}")
    return document_id(entry["platform"], canonical_key(entry["link"]))
