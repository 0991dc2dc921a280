"""`lurewatch demo` runs with nothing but the set-up and says what it did."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from fixtures.jobboard.site import load_content
from fixtures.telegram.site import load_channels


def test_demo_crawls_everything_and_summarises(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}
    command = [sys.executable, "-m", "lurewatch.cli", "demo", "--no-ner"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = len(load_content()["ads"]) + sum(
        len(load_channels()[name]["posts"]) for name in ("kh_jobs_2026", "xigang_zhaopin"))
    # the embedded default index, under ./data of where it ran
    assert (tmp_path / "data" / "lurewatch.db").exists()
    assert f": {expected} documents" in done.stdout
    assert re.search(r"risk: high [1-9]\d*", done.stdout)
    assert "top hits by risk:" in done.stdout
    assert re.findall(r"(\d+) errors", done.stdout) == ["0", "0", "0"]
    # a second demo finds the same posts again: nothing new (ids do not depend on the port)
    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=600)
    assert f": {expected} documents" in again.stdout
    assert re.findall(r"(\d+) new in the index", again.stdout) == ["0", "0", "0"]
