"""Discovery: candidate sources pointed at by crawled posts, ranked by the risk of those posts,
marked when configured, and probed only within the budget and depth asked for."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from fixtures.server import FixtureServer
from index import open_index
from lurewatch.cli import main
from lurewatch.discovery import save_state
from lurewatch.document import document_id, new_document
from tests.conftest import Env
from tests.test_invites import crawl_channels, invites_site  # noqa: F401 - a fixture

DEPTH_1 = "poipet_jobs_daily"  # forwarded by invite_hub 17; has a preview
DEPTH_2 = "vip_casino_hr_kh"  # mentioned by poipet_jobs_daily 86; has a preview
DEPTH_3 = "golden_tri_jobs"  # mentioned by vip_casino_hr_kh 5


def candidates(env: Env, *options: str) -> dict[str, Any]:
    done = env.lurewatch("sources", "candidates", "--json", *options)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def probed(server: FixtureServer, start: int) -> list[str]:
    """Channel names whose previews were requested since request number `start`."""
    return [p.rsplit("/", 1)[1] for p in server.requests[start:] if p.startswith("/t.me/s/")]


def test_candidates_ranked_and_marked(
    env: Env, telegram_site: FixtureServer, invites_site: FixtureServer,  # noqa: F811
) -> None:
    crawl_channels(env, telegram_site, invites_site)  # kh_jobs_2026, xigang_zhaopin, invite_hub
    report = candidates(env)
    ranked = report["candidates"]
    by_name = {c["name"]: c for c in ranked}
    assert report["total"] == len(ranked) and report["posts_scanned"] == 62 + 12 + 9

    # Ranked by the risk of the posts pointing at them: highest, then mean, then how many.
    keys = [(-c["max_risk"], -c["mean_risk"], -c["posts"]) for c in ranked]
    assert keys == sorted(keys)
    kimsil, admin = by_name["kimsil_hr77"], by_name["kh_jobs_admin"]  # recruiter vs channel admin
    assert kimsil["posts"] >= 10 and kimsil["max_risk"] >= 70
    assert ranked.index(kimsil) < ranked.index(admin)
    assert kimsil["url"] == "https://t.me/s/kimsil_hr77"

    # Forwards, and whether a candidate is configured already (sources.yaml names all three).
    xigang = by_name["xigang_zhaopin"]  # forwarded by kh_jobs_2026 342
    assert "forward" in xigang["via"] and xigang["configured"] and xigang["watched"]
    assert document_id("telegram", "kh_jobs_2026/342") in xigang["examples"]
    news = by_name["sihanouk_kr_news"]  # forwarded by kh_jobs_2026 314, not watched
    assert news["via"] == ["forward"] and not news["configured"] and not news["watched"]
    assert news["posts"] == 1 and news["examples"] == [document_id("telegram", "kh_jobs_2026/314")]
    assert by_name[DEPTH_1]["via"] == ["forward"] and by_name[DEPTH_1]["depth"] == 1
    assert DEPTH_2 not in by_name and DEPTH_3 not in by_name
    boards = {c["name"] for c in ranked if c["kind"] == "web"}
    assert "worldjob.or.kr" in boards  # a link to another job board
    # Contact links (invites, WhatsApp, KakaoTalk, Line) are not sources.
    assert not any(c["name"].startswith("+") or "whatsapp" in c["name"] for c in ranked)
    assert [c["name"] for c in candidates(env, "--limit", "4")["candidates"]] == [
        c["name"] for c in ranked[:4]]
    new = candidates(env, "--new")["candidates"]
    assert "xigang_zhaopin" not in {c["name"] for c in new} and "kimsil_hr77" in {
        c["name"] for c in new}



def test_probes_keep_to_budget_and_depth(sqlite_env: Env,
                                         invites_site: FixtureServer) -> None:  # noqa: F811
    env = sqlite_env
    env.vars["LUREWATCH_SOURCES"] = str(Path(env.vars["LUREWATCH_DATA"]).parent / "none.yaml")
    env.crawl("telegram", channel=f"{invites_site.url}/s/invite_hub")
    report = candidates(env)
    new = [c for c in report["candidates"] if not c["watched"] and not c["configured"]]
    assert {DEPTH_1, "kh_jobs_admin"} <= {c["name"] for c in new}
    assert DEPTH_2 not in {c["name"] for c in new}

    # Probing: depth 1 with a budget of 3 requests exactly the 3 best unwatched channels.
    expected = [c["name"] for c in new if c["kind"] == "telegram"][:3]
    hosts = f"t.me={invites_site.url}/t.me"
    start = len(invites_site.requests)
    env.crawl("discover", hosts=hosts, depth="1", budget="3")
    assert probed(invites_site, start) and sorted(probed(invites_site, start)) == sorted(expected)

    # Depth 2 follows the probed channel's mentions one hop, never two; nothing is indexed.
    start = len(invites_site.requests)
    env.crawl("discover", hosts=hosts, depth="2", budget="60")
    seen = probed(invites_site, start)
    assert DEPTH_1 in seen and DEPTH_2 in seen and DEPTH_3 not in seen
    assert len(seen) == len(set(seen)) <= 60
    assert "invite_hub" not in seen
    state = json.loads((Path(env.vars["LUREWATCH_DATA"]) / "state" / "discovery.json")
                       .read_text("utf-8"))
    assert state["requests"] == len(seen) and state["depth"] == 2
    after = candidates(env)
    by_name = {c["name"]: c for c in after["candidates"]}
    assert after["posts_scanned"] == report["posts_scanned"]
    probe = by_name[DEPTH_2]["probe"]
    assert (probe["status"], probe["title"], probe["subscribers"], probe["depth"]) == (
        "preview", "VIP Casino HR Cambodia", 932, 2)
    assert by_name[DEPTH_3]["depth"] == 3 and by_name[DEPTH_3]["probe"] is None
    assert by_name["kh_jobs_admin"]["probe"]["status"] == "no_preview"


def test_candidates_text_is_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("LUREWATCH_DATA", str(data))
    monkeypatch.setenv("LUREWATCH_INDEX", f"sqlite:///{data / 'lw.db'}")
    monkeypatch.setenv("LUREWATCH_SOURCES", str(tmp_path / "none.yaml"))
    post = new_document(id="p1", platform="telegram", text="see @evil_chan",
                        url="https://t.me/watched/1", risk={"score": 80, "level": "high"},
                        meta={"channel": "watched", "links": ["https://t.me/evil_chan"]})
    with open_index() as index:
        index.init()
        index.upsert([post])
        index.refresh()
    save_state(data, {"probes": {"telegram:evil_chan": {
        "status": "preview", "title": "\x1b[2J\x1b]0;pwned\x07Jobs\u202e", "subscribers": 5}}})
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["sources", "candidates"]) == 0
    text = out.getvalue()
    assert "evil_chan" in text and "probed: preview" in text
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[2J" in text
    assert main(["sources", "candidates", "--limit", "0"]) == 2
