"""Fill in every document's enrichment (enrich/ does the work; this only wires it in).

Enrichment is CPU work (~2 ms a post with NER off, far more with it). Done in the crawling
process it holds up Scrapy's reactor: the next page of a channel is not even requested until
every post of the page before has been enriched. So by default (LUREWATCH_ENRICH_WORKER) it runs
in one worker process per crawling process, on the machine's other core, while the reactor
goes on fetching and parsing; every crawl in the process shares that worker, so near-duplicate
clusters span sources and the NER model is loaded once. Without a worker (the setting off, or
one that cannot start or dies) the same enricher runs in the crawling process.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.reactor import is_asyncio_reactor_installed

from enrich import Enricher
from enrich.dedup import Clusterer
from lurewatch import config
from lurewatch.document import new_document

logger = logging.getLogger(__name__)

# Enrichment loads its tables and models on first use (~4 s): a post that touches every step
# (language, places, pay, contacts, indicators) is enriched once before the crawl starts, so
# that the first real post does not stall the crawl behind it.
_WARM_UP_TEXT = ("Hiring Chinese typists for Sihanoukville, Cambodia. Salary 1500 USD per "
                 "month, free visa and flight. Contact Telegram @hr_warmup or WhatsApp "
                 "+855 12 345 678, https://t.me/warmup")

# Per process (the crawling one, or the worker), by NER on/off: the enricher, and the worker.
_SHARED: dict[bool, Enricher] = {}
_WORKERS: dict[bool, ProcessPoolExecutor | None] = {}


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


# -- What the worker process runs (module-level functions: they are sent to it by name) --------

def _worker_init() -> None:
    """Ctrl-C reaches the worker too: it is for the crawl to stop gracefully, which then stops
    the worker, after the worker has saved the clusters."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_load(ner: bool) -> None:
    shared_enricher(ner)


def _worker_enrich(ner: bool, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(shared_enricher(ner).enrich_many(docs))


def _worker_save(ner: bool) -> None:
    shared_enricher(ner).save()


def shared_worker(ner: bool) -> ProcessPoolExecutor | None:
    """This process's enrichment worker, started and loaded on first call (so that the crawl
    starts with enrichment ready); None if it cannot start, and enrichment stays here."""
    if ner not in _WORKERS:
        try:
            # fork, not spawn: spawn re-runs the main script in the worker, and a script that
            # calls run_crawls without `if __name__ == "__main__"` would crawl there again.
            # The worker is forked before the reactor runs and only ever runs enrichment.
            worker = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                         initializer=_worker_init)
            worker.submit(_worker_load, ner).result()
        except (OSError, AssertionError, RuntimeError, BrokenProcessPool) as exc:  # e.g. daemon
            logger.warning("enrichment worker could not start (%s); enriching in the crawl's "
                           "process", exc)
            worker = None
        _WORKERS[ner] = worker
    return _WORKERS[ner]


class _Batches:
    """Hands documents to the worker in batches: those that reach the pipeline in one turn of
    the event loop (a page's posts) go in one message, as a message per document costs the
    crawl's process about as much as enriching the document would."""

    def __init__(self, worker: ProcessPoolExecutor, ner: bool) -> None:
        self.worker, self.ner = worker, ner
        self.pending: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]] = []

    def enrich(self, doc: dict[str, Any]) -> asyncio.Future[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        if not self.pending:
            loop.call_soon(self._send)
        done: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.pending.append((doc, done))
        return done

    def _send(self) -> None:
        batch, self.pending = self.pending, []
        sent = asyncio.wrap_future(self.worker.submit(_worker_enrich, self.ner,
                                                      [doc for doc, _ in batch]))
        sent.add_done_callback(lambda answer: _settle(batch, answer))


def _settle(batch: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]],
            answer: asyncio.Future[list[dict[str, Any]]]) -> None:
    """Each document's own result; on failure each one gets the exception."""
    error = answer.exception()
    results = answer.result() if error is None else [None] * len(batch)
    for (_, done), result in zip(batch, results, strict=True):
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)


class EnrichPipeline:
    def __init__(self, ner: bool, use_worker: bool) -> None:
        self.ner = ner
        worker = shared_worker(ner) if use_worker else None
        self.batches = _Batches(worker, ner) if worker is not None else None
        if worker is None:
            shared_enricher(ner)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EnrichPipeline:
        use_worker = (crawler.settings.getbool("LUREWATCH_ENRICH_WORKER")
                      and is_asyncio_reactor_installed())
        return cls(ner=crawler.settings.getbool("LUREWATCH_NER"), use_worker=use_worker)

    async def process_item(self, doc: dict[str, Any]) -> dict[str, Any]:
        if self.batches is not None:
            try:
                return await self.batches.enrich(doc)
            except BrokenProcessPool as exc:
                self._worker_lost(exc)
        return shared_enricher(self.ner).enrich(doc)

    async def close_spider(self) -> None:
        if self.batches is not None:
            try:
                await asyncio.wrap_future(self.batches.worker.submit(_worker_save, self.ner))
            except BrokenProcessPool as exc:
                self._worker_lost(exc)
        if self.ner in _SHARED:  # the enrichment done in this process, if any
            _SHARED[self.ner].save()

    def _worker_lost(self, exc: BaseException) -> None:
        """From now on this process enriches itself (clusters since the last save are lost)."""
        if self.batches is not None and _WORKERS.get(self.ner) is self.batches.worker:
            logger.error("the enrichment worker stopped (%s); enriching in the crawl's process "
                         "from now on", exc)
            _WORKERS[self.ner] = None
        self.batches = None
