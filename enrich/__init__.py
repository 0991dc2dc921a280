"""Enrichment: what turns crawled text into leads. Plain Python, no Scrapy.

`Enricher.enrich(doc)` fills in a document's language, contact points, places, pay,
organisations and persons, lure indicators, risk and near-duplicate cluster, in that order
(each step uses what the earlier ones found: phones are read in the country that the places
point to; indicators use pay, places and contacts; risk weighs the indicators).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from enrich.scan import clean
from lurewatch.document import complete

logger = logging.getLogger(__name__)

# NER reads at most this much of a post: spaCy's cost grows with length, and a lure's
# employer and recruiter are named near the top.
NER_MAX_CHARS = 20_000
# Posts enriched together: spaCy reads the English posts of a batch in one `nlp.pipe` call,
# and its cost per post falls by a tenth or more from 64 posts a batch (about 8 English ones)
# to 256.
BATCH_SIZE = 256


def _safe_text(value: Any) -> str:
    """Any input as a str that every step can take: no lone surrogates, no NULs."""
    return clean(value).replace("\x00", "")


class Enricher:
    """Holds what enrichment keeps between documents: the NER model and the clusters."""

    def __init__(self, ner: bool = True, state_dir: Path | None = None) -> None:
        from enrich.dedup import Clusterer

        self.ner_enabled = ner
        self._recognizer: Any = None
        self.state_path = state_dir / "clusters.json" if state_dir else None
        self.clusterer = Clusterer()
        if self.state_path and self.state_path.exists():
            try:
                self.clusterer.load(json.loads(self.state_path.read_text("utf-8")))
            except (OSError, ValueError) as exc:
                logger.warning("cluster state %s unreadable (%s); starting afresh",
                               self.state_path, exc)

    @property
    def recognizer(self) -> Any:
        if self._recognizer is None:
            from enrich.ner import Recognizer

            self._recognizer = Recognizer(model=self.ner_enabled)
        return self._recognizer

    def enrich(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The document with every enrichment field filled in (never raises on bad text)."""
        return next(self.enrich_many([doc]))

    def enrich_many(
        self, docs: Iterable[dict[str, Any]], batch_size: int = BATCH_SIZE,
    ) -> Iterator[dict[str, Any]]:
        """Enrich a stream of documents, batching NER for throughput; order is kept."""
        batch: list[dict[str, Any]] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._enrich_batch(batch)
                batch = []
        if batch:
            yield from self._enrich_batch(batch)

    def _enrich_batch(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from enrich import contacts, indicators, language, pay, places, risk

        prepared = []
        for raw in docs:
            doc = complete(raw)
            doc["text"] = _safe_text(doc.get("text"))
            doc["title"] = _safe_text(doc["title"]) or None if doc.get("title") else None
            body = (doc["title"] + "\n" if doc["title"] else "") + doc["text"]
            prepared.append((doc, body))

        names = self.recognizer.pipe((body[:NER_MAX_CHARS] for _, body in prepared),
                                     batch_size=len(prepared))
        clusters = iter(self.clusterer.assign_many(
            (doc["id"], body) for doc, body in prepared if doc["id"]))
        languages = language.detect_many(body for _, body in prepared)
        out = []
        for (doc, body), (organizations, persons), (lang, confidence) in zip(
                prepared, names, languages, strict=True):
            mentions = places.mentions(body)
            locations = [location for location, _ in mentions]
            country = next(iter(places.countries(locations)), None)
            links = [_safe_text(u) for u in (doc.get("meta") or {}).get("links") or []]
            found = contacts.extract(body, links, country=country, lang=lang)
            salary, pay_words = pay.parse_with_evidence(body, lang=lang, country=country) or (
                None, None)
            entities = {**doc["entities"], **found, "organizations": organizations,
                        "persons": persons, "locations": locations}
            signals = indicators.detect(
                body, lang=lang, salary=salary, pay_words=pay_words, locations=locations,
                place_words=mentions, entities=entities, organizations=organizations)
            doc.update(
                lang=lang, lang_confidence=round(float(confidence), 4), entities=entities,
                salary=salary, indicators=signals,
                risk=risk.score(signals, lang=lang, locations=locations),
                cluster_id=next(clusters) if doc["id"] else None,
            )
            out.append(doc)
        return out

    def save(self) -> None:
        """Keep the clusters for the next crawl (written whole, then renamed into place)."""
        if not self.state_path:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".part")
        tmp.write_text(json.dumps(self.clusterer.state()), "utf-8")
        tmp.replace(self.state_path)
