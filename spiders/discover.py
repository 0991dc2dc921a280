"""Probes candidate Telegram channels (lurewatch.discovery) within an explicit budget and depth:
for each, the first page of its public preview, whose posts are scored (risk, no NER) but not
indexed. Channels those posts point at are the next depth. Results go to
LUREWATCH_DATA/state/discovery.json, which `lurewatch sources candidates` shows.

Arguments (strings, `scrapy crawl discover -a NAME=VALUE`):
  budget     the most preview pages this crawl requests, whatever the depth (default 20)
  depth      how many hops from the watched sources to probe: 1 = the channels indexed posts
             point at, 2 = also those the probed channels point at (default 1)
  min_risk   probe only candidates pointed at by a post scoring at least this (default 0)
  hosts      where to fetch each host from, as for the `invites` spider
             ("t.me=http://127.0.0.1:8001"); previews are requested as https://t.me/s/NAME
  sources    the sources file whose channels are not probed (default: LUREWATCH_SOURCES,
             else ./sources.yaml; a missing file configures nothing)

Channels already watched (their posts are in the index) or configured are never probed;
boards (web candidates) are listed by `sources candidates` but not probed. A redirect (t.me's
answer for a channel without a preview, a group or a user) is recorded, not followed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from index import IndexError, open_index
from lurewatch import config
from lurewatch.discovery import (
    Candidate,
    configured,
    find_candidates,
    iter_posts,
    rank,
    save_state,
    watched,
)
from lurewatch.document import now_utc
from pipelines.normalize import item_to_document
from spiders.invites import fetch_url, parse_hosts
from spiders.telegram import has_preview, parse_channel_info, parse_posts

DEFAULT_BUDGET = 20
DEFAULT_DEPTH = 1


class DiscoverSpider(scrapy.Spider):
    """The `discover` spider: bounded probing of candidate channels; yields no items."""

    name = "discover"

    def __init__(self, budget: str | int = DEFAULT_BUDGET, depth: str | int = DEFAULT_DEPTH,
                 min_risk: str | int = 0, hosts: str | None = None, sources: str | None = None,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget, self.max_depth, self.min_risk = int(budget), int(depth), int(min_risk)
        if self.budget < 1 or self.max_depth < 1:
            raise ValueError("discover needs budget and depth of 1 or more "
                             f"(got budget={budget!r}, depth={depth!r})")
        self.hosts = parse_hosts(hosts)
        self.sources_file = sources
        self.requested = 0
        self.skip: set[str] = set()  # watched, configured, or already scheduled
        self.probes: dict[str, dict[str, Any]] = {}
        self.found: dict[str, Candidate] = {}
        self._enricher: Any = None

    def _configured(self) -> set[str]:
        from lurewatch.crawl import spider_names
        from lurewatch.sources import SourcesError, load_sources, sources_path

        path = sources_path(self.sources_file)
        if not path.exists():
            return set()
        try:
            return configured(load_sources(path, spider_names()).values())
        except SourcesError as exc:
            self.logger.warning("discover: %s; probing configured channels too", exc)
            return set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        try:
            with open_index() as index:
                posts = list(iter_posts(index))
        except IndexError as exc:
            self.logger.warning("discover: cannot read the index (%s); nothing to probe", exc)
            return
        self.skip = watched(posts) | self._configured()
        for request in self._probe(rank(find_candidates(posts).values()), depth=1):
            yield request

    def _probe(self, candidates: list[Candidate], depth: int) -> Iterator[scrapy.Request]:
        for cand in candidates:
            if cand.kind != "telegram" or cand.key in self.skip:
                continue
            if max(cand.risks.values() or [0]) < self.min_risk:
                continue
            if self.requested >= self.budget:
                self.logger.info("discover: budget of %d requests spent; %s not probed",
                                 self.budget, cand.key)
                return
            self.skip.add(cand.key)
            self.requested += 1
            yield scrapy.Request(
                fetch_url(f"https://t.me/s/{cand.name}", self.hosts), callback=self.parse,
                errback=self.failed, dont_filter=True,
                meta={"dont_redirect": True, "handle_httpstatus_list": [301, 302, 404]},
                cb_kwargs={"cand": cand, "depth": depth},
            )

    def parse(self, response: Response, cand: Candidate, depth: int) -> Iterator[Any]:
        if not has_preview(response):
            self.probes[cand.key] = {"status": "no_preview", "http_status": response.status,
                                     "depth": depth, "url": cand.url}
            return
        docs = [item_to_document(item, self.name) for item in parse_posts(response, self.name)]
        scored = list(self.enricher.enrich_many(docs))
        risks = [d["risk"]["score"] for d in scored] or [0]
        info = parse_channel_info(response)
        self.probes[cand.key] = {
            "status": "preview", "http_status": response.status, "depth": depth,
            "url": cand.url, "title": info["title"], "subscribers": info["subscribers_count"],
            "posts": len(scored), "max_risk": max(risks),
            "mean_risk": round(sum(risks) / len(risks), 1),
        }
        further = find_candidates(scored, depth + 1, into={})
        for key, found in further.items():
            known = self.found.setdefault(key, Candidate(found.kind, found.name, found.depth))
            known.depth = min(known.depth, found.depth)
            known.risks.update(found.risks)
        if depth < self.max_depth:
            yield from self._probe(rank(further.values()), depth + 1)

    @property
    def enricher(self) -> Any:
        if self._enricher is None:
            from enrich import Enricher

            self._enricher = Enricher(ner=False)  # scores only: no clusters kept, no NER
        return self._enricher

    def failed(self, failure: Any) -> None:
        cand = failure.request.cb_kwargs["cand"]
        self.probes[cand.key] = {"status": "error", "error": failure.getErrorMessage(),
                                 "depth": failure.request.cb_kwargs["depth"], "url": cand.url}

    def closed(self, reason: str) -> None:
        path = save_state(config.data_dir(), {
            "probed_at": now_utc(), "budget": self.budget, "depth": self.max_depth,
            "requests": self.requested, "probes": self.probes,
            "found": {k: {"depth": c.depth, "risks": c.risks} for k, c in self.found.items()},
        })
        self.logger.info("discover: %d channels probed (%d requests of a budget of %d); "
                         "results in %s", len(self.probes), self.requested, self.budget, path)
