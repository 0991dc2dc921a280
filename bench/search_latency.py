"""Benchmark: an analyst's search latency, facets included, over a large synthetic index,
on Elasticsearch and on the embedded SQLite index.

    .venv/bin/python bench/search_latency.py [--posts 1000000] [--runs 200] [--backend both]

The posts are made deterministically from the labelled posts in tests/data/eval_posts.jsonl
(post i joins labelled posts i mod n and 31 i + 7 mod n), with phones from a pool of 5,000 so
that entity pivots hit hundreds of posts, ten platforms, 90 days, and risk spread over 0-100.
They are written through the index layer, then a mix of analysts' queries (a Korean word, an
English phrase with filters, a phone pivot, a destination with a minimum risk, everything
newest first), each with facet counts, is run `--runs` times in a fixed order; the script
prints p50 and p95 per backend. Target (DESIGN.md): p95 under 100 ms on Elasticsearch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Index, Query, open_index  # noqa: E402
from lurewatch.document import new_document  # noqa: E402

PLATFORMS = ("telegram", "jobboard", "facebook", "reddit", "mastodon", "web", "line",
             "kakao", "classifieds", "x")
COUNTRIES = (("Sihanoukville", "KH", 10.63, 103.5), ("Phnom Penh", "KH", 11.56, 104.92),
             ("Myawaddy", "MM", 16.69, 98.51), ("Bangkok", "TH", 13.75, 100.5),
             ("Manila", "PH", 14.6, 120.98), ("Bokeo", "LA", 20.29, 100.41))
CHUNK = 5000


def posts(count: int) -> Iterator[dict]:
    lines = (ROOT / "tests" / "data" / "eval_posts.jsonl").read_text("utf-8").splitlines()
    labelled = [json.loads(line) for line in lines if line.strip()]
    n = len(labelled)
    for i in range(count):
        a, b = labelled[i % n], labelled[(31 * i + 7) % n]
        when = f"2026-{8 + (i % 90) // 30:02d}-{1 + (i % 30):02d}T{i % 24:02d}:00:00Z"
        place = COUNTRIES[i % len(COUNTRIES)]
        score = (i * 37) % 101
        yield new_document(
            id=f"syn-{i:08d}", platform=PLATFORMS[i % len(PLATFORMS)], source="bench",
            url=f"https://example.org/p/{i}", text=a["text"] + "\n" + b["text"],
            lang=a["lang"], posted_at=when, crawled_at=when, first_seen=when, last_seen=when,
            entities={"phones": [f"+85596{i % 5000:07d}"],
                      "telegram": [f"recruiter_{i % 20000}"],
                      "locations": [{"name": place[0], "country": place[1],
                                     "lat": place[2], "lon": place[3]}]},
            risk={"score": score, "level": "high" if score >= 70 else
                  "medium" if score >= 40 else "low", "reasons": []},
            indicators=[{"code": "no_experience", "evidence": "x"}] if score > 50 else [],
            cluster_id=f"c{i % 50000}",
        )


def fill(index: Index, count: int) -> float:
    index.init()
    began = time.perf_counter()
    batch: list[dict] = []
    for doc in posts(count):
        batch.append(doc)
        if len(batch) >= CHUNK:
            index.upsert(batch)
            batch = []
    index.upsert(batch)
    index.refresh()
    return time.perf_counter() - began


QUERIES = (
    Query(text="캄보디아", limit=20),
    Query(text='"customer service"', country="KH", min_risk=50, limit=20),
    Query(entities=[("phone", "+855960001234")], sort="newest", limit=20),
    Query(country="MM", min_risk=70, sort="risk", limit=20),
    Query(sort="newest", limit=20),
    Query(text="Telegram", lang="en", since="2026-09-15", limit=20),
)


def latencies(index: Index, runs: int) -> list[float]:
    for query in QUERIES:  # warm caches as an analyst's session would
        index.search(query)
    out = []
    for n in range(runs):
        began = time.perf_counter()
        result = index.search(QUERIES[n % len(QUERIES)])
        out.append((time.perf_counter() - began) * 1000)
        assert result.facets, "facets are part of every analyst's query"
    return out


def report(name: str, values: list[float], seconds: float, count: int) -> None:
    q = statistics.quantiles(values, n=100)
    print(f"{name:<14} filled {count} posts in {seconds:6.0f} s; search with facets over "
          f"{len(values)} queries: p50 {q[49]:6.1f} ms, p95 {q[94]:6.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--backend", choices=("both", "elasticsearch", "sqlite"), default="both")
    args = parser.parse_args()
    if args.backend in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            index = open_index(f"sqlite:///{tmp}/bench.db")
            seconds = fill(index, args.posts)
            report("sqlite", latencies(index, args.runs), seconds, args.posts)
            index.close()
    if args.backend in ("both", "elasticsearch"):
        script = ROOT / "scripts" / "elasticsearch.sh"
        run_dir = ROOT / ".cache" / "elasticsearch" / f"run-bench-{os.getpid()}"
        env = {**os.environ, "ES_RUN_DIR": str(run_dir), "ES_HEAP": os.environ.get("ES_HEAP", "2g")}
        url = subprocess.run(["bash", str(script), "start"], check=True, capture_output=True,
                             text=True, env=env).stdout.split()[-1]
        try:
            index = open_index(url, es_index="bench-search")
            seconds = fill(index, args.posts)
            report("elasticsearch", latencies(index, args.runs), seconds, args.posts)
            index.close()
        finally:
            subprocess.run(["bash", str(script), "stop"], check=False, env=env)
    print("target: p95 < 100 ms on Elasticsearch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
