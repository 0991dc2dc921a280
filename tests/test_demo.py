"""`lurewatch demo` runs with nothing but the set-up and says what it did."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from fixtures.classifieds.site import load_content as classifieds_ads
from fixtures.invites.site import HERE as INVITES_DIR
from fixtures.jobboard.site import load_content as jobboard_ads
from fixtures.mastodon.site import load_content as mastodon_statuses
from fixtures.reddit.site import load_content as reddit_posts
from fixtures.server import SITES
from fixtures.socialgroup.site import load_group
from fixtures.telegram.site import load_channels


def expected_posts() -> dict[str, int]:
    """The posts of every fixture site, by platform, from the sites' own ground truth."""
    channels = load_channels()
    statuses = mastodon_statuses()["statuses"]
    return {
        "jobboard": len(jobboard_ads()["ads"]) + len(classifieds_ads()["ads"]),
        "telegram": len(channels["kh_jobs_2026"]["posts"])
        + len(channels["xigang_zhaopin"]["posts"])
        + len(load_channels(INVITES_DIR)["invite_hub"]["posts"]),
        "reddit": len(reddit_posts()["posts"]),
        "mastodon": len([s for s in statuses if not s.get("reblog")]),  # a boost is its status
        "facebook": len(load_group()["posts"]),
    }


def run_demo(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}
    done = subprocess.run([sys.executable, "-m", "lurewatch.cli", "demo", "--no-ner"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_demo_crawls_everything_alerts_drafts_and_summarises(tmp_path: Path) -> None:
    done = run_demo(tmp_path)
    out = done.stdout
    crawls = sum(len(importlib.import_module(f"fixtures.{s}.site").ENTRY_POINTS) for s in SITES)
    # every entry point of every fixture site, then the invite pages the posts link to
    assert re.findall(r"(\d+) errors", out) == ["0"] * (crawls + 1)
    invites = re.search(r"invites \(the links in the posts\): \d+ pages fetched, (\d+) posts", out)
    assert invites and int(invites.group(1)) >= 8  # every page of fixtures/invites/invites.yaml
    posts = expected_posts()
    total = sum(posts.values()) + int(invites.group(1))
    # the embedded default index, under ./data of where it ran
    assert (tmp_path / "data" / "lurewatch.db").exists()
    assert f": {total} documents (" in out
    listed = dict(re.findall(r"(\w+) (\d+)", re.search(r"documents \((.*)\)", out).group(1)))
    assert int(listed["reddit"]) == posts["reddit"] and int(listed["facebook"]) == posts["facebook"]
    assert int(listed["mastodon"]) == posts["mastodon"]
    assert {"whatsapp", "kakao", "line"} <= set(listed)  # invite pages of the messaging apps
    assert re.search(r"risk: high [1-9]\d*", out)
    assert "top hits by risk:" in out

    # the watchlist alerted into its file, one line per alert
    sent = int(re.search(r"watchlist 'high risk Cambodia': (\d+) alerts sent now", out).group(1))
    alerts = (tmp_path / "data" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert sent > 0 and len(alerts) == sent
    first = json.loads(alerts[0])
    assert first["watchlist"] == "high risk Cambodia"
    assert first["document"]["risk"]["score"] >= 70
    assert any(loc["country"] == "KH" for loc in first["document"]["entities"]["locations"])

    # a takedown request for the top hit, with a bundle that verifies
    folder = tmp_path / re.search(r"takedown request in (\S+)", out).group(1)
    top_id = re.search(r"top hits by risk:\n.*\n\s+id (\w+)", out).group(1)
    request = json.loads((folder / "request.json").read_text(encoding="utf-8"))
    assert request["document"]["id"] == top_id
    verify = subprocess.run(
        [sys.executable, "-m", "lurewatch.cli", "takedown", "verify-bundle",
         str(folder / "evidence.zip")], capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # a second demo finds the same posts again: nothing new (ids do not depend on the port),
    # and nothing alerts twice
    again = run_demo(tmp_path).stdout
    assert f": {total} documents (" in again
    assert re.findall(r"(\d+) new in the index", again) == ["0"] * (crawls + 1)
    assert f"0 alerts sent now, {sent} in all" in again
    assert len((tmp_path / "data" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()) \
        == sent
