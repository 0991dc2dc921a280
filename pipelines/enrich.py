"""Fill in every document's enrichment (enrich/ does the work; this only wires it in)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from enrich import Enricher
from lurewatch import config

# One enricher per process, shared by every crawl in it (the demo runs several at once), so
# that near-duplicate clusters span sources and the NER model is loaded once.
_SHARED: dict[bool, Enricher] = {}


def shared_enricher(ner: bool) -> Enricher:
    if ner not in _SHARED:
        _SHARED[ner] = Enricher(ner=ner, state_dir=config.data_dir() / "state")
    return _SHARED[ner]


class EnrichPipeline:
    def __init__(self, ner: bool) -> None:
        self.enricher = shared_enricher(ner)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EnrichPipeline:
        return cls(ner=crawler.settings.getbool("LUREWATCH_NER"))

    def process_item(self, doc: dict[str, Any]) -> dict[str, Any]:
        return self.enricher.enrich(doc)

    def close_spider(self) -> None:
        self.enricher.save()
