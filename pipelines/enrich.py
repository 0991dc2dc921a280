"""Fill in every document's enrichment (enrich/ does the work; this only wires it in)."""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.crawler import Crawler

from enrich import Enricher
from enrich.dedup import Clusterer
from lurewatch import config
from lurewatch.document import new_document

logger = logging.getLogger(__name__)

# One enricher per process, shared by every crawl in it (the demo runs several at once), so
# that near-duplicate clusters span sources and the NER model is loaded once.
_SHARED: dict[bool, Enricher] = {}

# Enrichment loads its tables and models on first use (~4 s): a post that touches every step
# (language, places, pay, contacts, indicators) is enriched once while the crawl is set up, so
# that the first real post does not hold up the crawl's downloads and parsing behind it.
_WARM_UP_TEXT = ("Hiring Chinese typists for Sihanoukville, Cambodia. Salary 1500 USD per "
                 "month, free visa and flight. Contact Telegram @hr_warmup or WhatsApp "
                 "+855 12 345 678, https://t.me/warmup")


def shared_enricher(ner: bool) -> Enricher:
    """This process's enricher, loaded and warmed up on first call."""
    if ner not in _SHARED:
        began = time.perf_counter()
        enricher = Enricher(ner=ner, state_dir=config.data_dir() / "state")
        _warm_up(enricher)
        _SHARED[ner] = enricher
        logger.info("enrichment loaded in %.1f s (NER %s)", time.perf_counter() - began,
                    "on" if ner else "off")
    return _SHARED[ner]


def _warm_up(enricher: Enricher) -> None:
    """Load what enrichment loads lazily, leaving no trace: a document without an id joins no
    near-duplicate cluster, and the clusterer warmed up is a throwaway one."""
    sample = new_document(id="", platform="web", source="warm-up", text=_WARM_UP_TEXT)
    enricher.enrich(sample)
    Clusterer().assign_many([("warm-up", _WARM_UP_TEXT)])


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
