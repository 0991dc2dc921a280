"""Benchmark: documents per second indexed into Elasticsearch through lurewatch's index layer,
against a raw `_bulk` of the same documents on the same server in the same run.

    .venv/bin/python bench/index_throughput.py [--docs 20000] [--rounds 3] [--es-url URL]

The raw baseline serialises the stored documents (search fields included, computed beforehand
and not timed) as NDJSON and posts them straight to `_bulk` over HTTP. The layer does all a
crawl does: reads `first_seen` of known ids (`mget`), merges, computes the search fields,
serialises and bulks. Both write into fresh indices with the same template, in alternating
order after one uncounted warm-up round, and the medians are compared.
Target (DESIGN.md): ratio >= 0.8.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.elastic import ElasticIndex, derived  # noqa: E402
from lurewatch.document import new_document  # noqa: E402

CHUNK = 1000


def corpus(count: int) -> list[dict]:
    """`count` documents made from the labelled posts in tests/data (deterministic)."""
    lines = (ROOT / "tests" / "data" / "eval_posts.jsonl").read_text("utf-8").splitlines()
    posts = [json.loads(line) for line in lines if line.strip()]
    docs = []
    for n in range(count):
        post = posts[n % len(posts)]
        day = 1 + n % 28
        when = f"2026-10-{day:02d}T{n % 24:02d}:00:00Z"
        gold = post.get("entities") or {}
        docs.append(new_document(
            id=f"bench-{n:07d}", platform=("telegram", "jobboard")[n % 2], source="bench",
            url=f"https://example.org/post/{n}", text=post["text"], lang=post.get("lang"),
            posted_at=when, crawled_at=when, first_seen=when, last_seen=when,
            entities={k: v for k, v in gold.items() if k != "wallets"},
            risk={"score": n % 101, "level": ("low", "medium", "high")[n % 3], "reasons": []},
        ))
    return docs


def raw_bulk(url: str, name: str, docs: list[dict]) -> float:
    """The baseline: the stored documents (search fields computed beforehand, untimed) turned
    into NDJSON and posted to `_bulk` over plain HTTP, one request per chunk."""
    stored = [{**doc, "derived": derived(doc)} for doc in docs]
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    began = time.perf_counter()
    for start in range(0, len(stored), CHUNK):
        lines = []
        for doc in stored[start:start + CHUNK]:
            lines.append(json.dumps({"index": {"_index": name, "_id": doc["id"]}}))
            lines.append(json.dumps(doc, ensure_ascii=False))
        body = ("\n".join(lines) + "\n").encode()
        conn.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
        answer = json.loads(conn.getresponse().read())
        if answer.get("errors"):
            raise SystemExit("raw _bulk reported errors")
    elapsed = time.perf_counter() - began
    conn.close()
    return len(docs) / elapsed


def layer(url: str, name: str, docs: list[dict]) -> float:
    index = ElasticIndex(url, name)
    index.init()
    fresh = [dict(d) for d in docs]
    began = time.perf_counter()
    report = index.upsert(fresh)  # as `lurewatch index load` and the spool do: one call
    if report.failed or report.added != len(docs):
        raise SystemExit(f"layer refused documents: {report.failed[:1]}")
    elapsed = time.perf_counter() - began
    index.close()
    return len(docs) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--es-url", help="an Elasticsearch to use (default: start one)")
    args = parser.parse_args()
    script = ROOT / "scripts" / "elasticsearch.sh"
    script_env = {**os.environ,
                  "ES_RUN_DIR": str(ROOT / ".cache" / "elasticsearch" / f"run-bench-{os.getpid()}")}
    url = args.es_url or subprocess.run(
        ["bash", str(script), "start"], check=True, capture_output=True, text=True,
        env=script_env,
    ).stdout.split()[-1]
    docs = corpus(args.docs)
    setup = ElasticIndex(url, "bench-setup")
    setup.init()  # installs nothing for bench-* names: create indices from the same template
    raw_rates, layer_rates = [], []
    try:
        # round 0 warms the JVM and the caches on both sides and is not counted
        for n in range(args.rounds + 1):
            for which in (("raw", "layer") if n % 2 == 0 else ("layer", "raw")):
                name = f"bench-{which}-{n}"
                setup.client.options(ignore_status=404).indices.delete(index=name)
                if which == "raw":
                    ElasticIndex(url, name).init()
                    rate = raw_bulk(url, name, docs)
                else:
                    rate = layer(url, name, docs)
                if n:
                    (raw_rates if which == "raw" else layer_rates).append(rate)
                setup.client.indices.delete(index=name)
    finally:
        setup.client.options(ignore_status=404).indices.delete(index="bench-setup")
        if not args.es_url:
            subprocess.run(["bash", str(script), "stop"], check=False, env=script_env)
    raw, ours = statistics.median(raw_rates), statistics.median(layer_rates)
    print(f"documents: {args.docs}, rounds: {args.rounds}, chunk: {CHUNK}")
    for label, median, rates in (("raw _bulk", raw, raw_rates), ("lurewatch", ours, layer_rates)):
        each = ", ".join(f"{r:.0f}" for r in rates)
        print(f"{label:<10} {median:8.0f} docs/s  (rounds: {each})")
    print(f"ratio: {ours / raw:.2f}  (target >= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
