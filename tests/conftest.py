"""Shared fixtures: the fixture sites on loopback, a real Elasticsearch node, crawl helpers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.server import FixtureServer, serve_site

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "elasticsearch.sh"


@pytest.fixture(scope="session")
def elasticsearch_url() -> Iterator[str]:
    """A real Elasticsearch node, started once per test session by the project's own script.

    LUREWATCH_TEST_ES=URL uses a node already running (one started by
    `scripts/elasticsearch.sh start`), for developers who run many sessions side by side.
    """
    if os.environ.get("LUREWATCH_TEST_ES"):
        yield os.environ["LUREWATCH_TEST_ES"]
        return
    # A node of this session's own, so that concurrent sessions never stop each other's.
    run_dir = ROOT / ".cache" / "elasticsearch" / f"run-tests-{os.getpid()}"
    script_env = {**os.environ, "ES_RUN_DIR": str(run_dir)}
    started = subprocess.run(
        ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=1200,
        env=script_env,
    )
    if started.returncode != 0:
        pytest.fail(f"scripts/elasticsearch.sh start failed:\n{started.stderr[-3000:]}")
    yield started.stdout.strip().splitlines()[-1]
    subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, timeout=120,
                   env=script_env)


@pytest.fixture(scope="session")
def jobboard_site() -> Iterator[FixtureServer]:
    server = serve_site("jobboard")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def telegram_site() -> Iterator[FixtureServer]:
    server = serve_site("telegram")
    yield server
    server.stop()


class Env:
    """Where one test's crawls, commands and index live (an isolated LUREWATCH_* setup)."""

    def __init__(self, backend: str, tmp: Path, es_url: str | None = None) -> None:
        self.backend = backend
        self.vars = {
            "LUREWATCH_DATA": str(tmp / "data"),
            "LUREWATCH_INDEX": es_url if es_url else f"sqlite:///{tmp / 'data' / 'lurewatch.db'}",
            "LUREWATCH_ES_INDEX": f"lw-test-{uuid.uuid4().hex[:10]}",
        }

    def environ(self) -> dict[str, str]:
        return {**os.environ, **self.vars, "PYTHONPATH": str(ROOT)}

    def crawl(self, spider: str, **arguments: str) -> subprocess.CompletedProcess[str]:
        """`scrapy crawl SPIDER -a ...` as a user runs it, NER off for speed."""
        command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", "LUREWATCH_NER=False"]
        for name, value in arguments.items():
            command += ["-a", f"{name}={value}"]
        done = subprocess.run(command, cwd=ROOT, env=self.environ(), capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-4000:]
        return done

    def lurewatch(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lurewatch.cli", *args], cwd=ROOT, env=self.environ(),
            capture_output=True, text=True, input=stdin, timeout=600,
        )

    def search(self, query: str = "", *options: str) -> dict[str, Any]:
        done = self.lurewatch("search", query, "--json", "--facets", "--limit", "1000", *options)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Env:
    """A fresh, empty index on each backend in turn."""
    if request.param == "elasticsearch":
        return Env("elasticsearch", tmp_path, request.getfixturevalue("elasticsearch_url"))
    return Env("sqlite", tmp_path)


@pytest.fixture
def sqlite_env(tmp_path: Path) -> Env:
    """A fresh environment on the embedded index only (for what needs no server)."""
    return Env("sqlite", tmp_path)
