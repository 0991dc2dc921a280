"""A crawl killed with SIGTERM half-way resumes from its JOBDIR and ends with every post once.

`lurewatch crawl SOURCE` keeps the crawl's state in LUREWATCH_DATA/jobs/SOURCE/SPIDER-HASH. The
fixture board answers each job page late (`delay`), so that the kill lands after some job pages
and before the last, whatever the machine's speed. Two crawls of one source in one run (the
demo's two Telegram channels) each keep their own state, and both fetch their pages.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from fixtures.jobboard.site import load_content
from fixtures.server import serve_site
from tests.conftest import ROOT

ADS = load_content()["ads"]

TWO_CRAWLS_OF_ONE_SOURCE = """
import json, sys
from lurewatch.crawl import run_crawls
base = sys.argv[1]
crawls = [("telegram", {"channel": base + "/s/kh_jobs_2026", "source": "shared"}),
          ("telegram", {"channel": base + "/s/xigang_zhaopin", "source": "shared"})]
stats = run_crawls(crawls, LUREWATCH_NER=False, LOG_LEVEL="INFO")
print(json.dumps([{k: v for k, v in s.items() if isinstance(v, int)} for s in stats]))
"""


def job_requests(requests: list[str]) -> list[str]:
    return [p for p in requests if p.startswith("/jobs/")]


def test_killed_crawl_resumes_without_duplicates_or_gaps(sqlite_env, tmp_path: Path) -> None:
    server = serve_site("jobboard", delay=0.1)
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  slow_board:\n    spider: jobboard\n    arguments:\n"
                       f"      start_url: {server.url}/jobs\n", encoding="utf-8")
    env = sqlite_env
    environ = {**env.environ(), "LUREWATCH_SOURCES": str(sources)}
    command = [sys.executable, "-m", "lurewatch.cli", "crawl", "slow_board", "--no-ner",
               "--log-level", "INFO"]
    source_dir = Path(env.vars["LUREWATCH_DATA"]) / "jobs" / "slow_board"
    try:
        first = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while len(job_requests(server.requests)) < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGTERM)
        _, log = first.communicate(timeout=120)
        before = len(job_requests(server.requests))
        assert "Closing spider (shutdown)" in log
        kept = list(source_dir.iterdir())  # the pending requests wait on disk
        assert [d.name.split("-")[0] for d in kept] == ["jobboard"]
        assert (kept[0] / "requests.queue").is_dir()
        indexed = env.search("")["total"]
        assert 0 < indexed < len(ADS)

        second = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True,
                                timeout=300)
        assert second.returncode == 0, second.stderr[-3000:]
    finally:
        server.stop()
    assert "Resuming crawl" in second.stderr
    assert not kept[0].exists()  # finished: the next crawl starts afresh
    # resumed, not restarted: the listing is not read again, and no job page twice
    fetched = job_requests(server.requests)
    assert server.requests.count("/jobs") == 1
    assert len(fetched) == len(set(fetched)) == len(ADS)
    assert before < len(ADS)
    docs = env.search("")["hits"]
    assert len(docs) == len({d["id"] for d in docs}) == len(ADS)
    assert {d["title"] for d in docs} == {ad["title"] for ad in ADS}


def test_two_crawls_of_one_source_in_one_run_keep_apart(sqlite_env) -> None:
    """The demo crawls both Telegram channels as source "demo-telegram" in one process."""
    server = serve_site("telegram")
    try:
        done = subprocess.run([sys.executable, "-c", TWO_CRAWLS_OF_ONE_SOURCE, server.url],
                              cwd=ROOT, env=sqlite_env.environ(), capture_output=True,
                              text=True, timeout=300)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr[-3000:]
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    for crawl in stats:
        assert crawl.get("downloader/response_count", 0) > 1
        assert crawl.get("item_scraped_count", 0) > 0
    # each channel was read page after page, each page once
    pages = [p for p in server.requests if p.startswith("/s/")]
    assert {p.split("?")[0] for p in pages} == {"/s/kh_jobs_2026", "/s/xigang_zhaopin"}
    assert len(pages) == len(set(pages)) == sum(c["downloader/response_count"] - 1
                                                for c in stats)  # less each one's robots.txt
    hits = sqlite_env.search("")["hits"]
    assert len(hits) == sum(c["item_scraped_count"] for c in stats)
    assert {h["url"].split("/")[3] for h in hits} == {"kh_jobs_2026", "xigang_zhaopin"}
    jobs = Path(sqlite_env.vars["LUREWATCH_DATA"]) / "jobs" / "shared"
    assert not jobs.exists() or not list(jobs.iterdir())  # both finished: nothing to resume


def test_each_crawl_of_a_source_has_its_own_lasting_jobdir(monkeypatch, tmp_path: Path) -> None:
    """Apart for two channels of one source; the same on the next run, so that it resumes."""
    from lurewatch.crawl import job_dir, project_settings

    monkeypatch.setenv("LUREWATCH_DATA", str(tmp_path))
    settings = project_settings()
    first = {"channel": "http://127.0.0.1:1/s/kh_jobs_2026", "source": "demo-telegram"}
    second = {"channel": "http://127.0.0.1:1/s/xigang_zhaopin", "source": "demo-telegram"}
    one, other = job_dir("telegram", first, settings), job_dir("telegram", second, settings)
    assert one != other
    assert one.parent == other.parent == tmp_path / "jobs" / "demo-telegram"
    assert job_dir("telegram", dict(reversed(first.items())), settings) == one
    assert job_dir("reddit", first, settings) != one
