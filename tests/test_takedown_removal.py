"""Removal checks against the fixture sites: posts taken down are marked removed at the next
`lurewatch takedown check`, with the site's answer archived; posts still up stay open; a post
marked removed that is still (or again) up is flagged and reopened."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import Env

from fixtures.server import serve_site
from pipelines.evidence import read_record


def _requests(env: Env) -> dict[str, dict[str, Any]]:
    done = env.lurewatch("takedown", "list", "--json")
    assert done.returncode == 0, done.stderr
    return {r["doc_id"]: r for r in json.loads(done.stdout)}


def test_taken_down_posts_are_marked_removed_and_posts_still_up_stay_open(
    sqlite_env: Env, tmp_path: Path,
) -> None:
    env = sqlite_env
    env.vars["LUREWATCH_CHROMIUM"] = "/nonexistent/chromium"  # screenshots are not the point
    board, channel = serve_site("jobboard"), serve_site("telegram")
    try:
        # The oldest listing page (30401-30410) and its "Hot jobs" box (30410, 30420, 30440).
        env.crawl("jobboard", start_url=f"{board.url}/jobs?page=4", max_pages="1")
        env.crawl("telegram", channel=f"{channel.url}/s/xigang_zhaopin")
        hits = env.search("")["hits"]
        by_url = {d["url"].split("//", 1)[1].split("/", 1)[1]: d for d in hits}
        chosen = {
            "board_gone": by_url["jobs/30440-online-marketing-poipet"],
            "board_up": next(d for k, d in by_url.items() if k.startswith("jobs/30409")),
            "tg_gone": by_url["xigang_zhaopin/57"],
            "tg_up": by_url["xigang_zhaopin/61"],
        }
        for name, doc in chosen.items():
            done = env.lurewatch("takedown", doc["id"], "--out", str(tmp_path / name))
            assert done.returncode == 0, done.stderr
        manifest = json.loads((tmp_path / "tg_gone" / "request.json").read_text())
        assert "Failed to launch" in manifest["evidence_notes"][0]["screenshot_error"]

        board.app.take_down(30440)
        channel.app.remove("xigang_zhaopin/57")
        done = env.lurewatch("takedown", "check")
        assert done.returncode == 0, done.stderr
        assert "checked 4 requests" in done.stdout

        requests = _requests(env)
        status = {name: requests[doc["id"]]["status"] for name, doc in chosen.items()}
        assert status == {"board_gone": "removed", "board_up": "draft", "tg_gone": "removed",
                          "tg_up": "draft"}

        gone = json.loads(env.lurewatch("takedown", "status", str(
            requests[chosen["board_gone"]["id"]]["id"]), "--json").stdout)
        check = gone["checks"][-1]
        assert check["verdict"] == "removed" and check["http_status"] == 410
        head, body = read_record(check["warc"], check["record_id"])
        assert head.startswith("HTTP/1.1 410") and b"This ad has been removed" in body
        assert gone["events"][-1]["status"] == "removed"

        tg = json.loads(env.lurewatch("takedown", "status", str(
            requests[chosen["tg_gone"]["id"]]["id"]), "--json").stdout)
        assert "missing from the channel preview" in tg["checks"][-1]["reason"]
        assert "?before=58" in tg["checks"][-1]["url"]

        # The analyst marks the Telegram post that is still up as removed: the next check
        # sees it and flags it, back among the open requests.
        up_id = requests[chosen["tg_up"]["id"]]["id"]
        assert env.lurewatch("takedown", "status", str(up_id), "sent").returncode == 0
        assert env.lurewatch("takedown", "status", str(up_id), "removed").returncode == 0
        done = env.lurewatch("takedown", "check", str(up_id))
        assert done.returncode == 0 and "came back" in done.stdout
        again = _requests(env)[chosen["tg_up"]["id"]]
        assert again["status"] == "sent" and again["flag"].startswith("came back")
        listing = env.lurewatch("takedown", "list").stdout
        assert "FLAG came back" in listing

        # A second check changes nothing for the posts already removed.
        assert env.lurewatch("takedown", "check").returncode == 0
        assert _requests(env)[chosen["board_gone"]["id"]]["status"] == "removed"
    finally:
        board.stop()
        channel.stop()
