"""sources.yaml: sources and site profiles are checked when loaded, and a mistake is one line
that names the file, the source or profile, and the field."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from lurewatch.crawl import spider_names
from lurewatch.sources import SourcesError, load_profiles, load_sources, read_date

ROOT = Path(__file__).resolve().parents[1]
SPIDERS = {"telegram", "jobboard", "profile"}
GOOD_PROFILE: dict[str, Any] = {
    "start": {"listing": "https://board.example.org/jobs"},
    "listing": {"items": "css:a.job::attr(href)", "next": "xpath://a[@rel='next']/@href"},
    "fields": {
        "title": "css:h1::text",
        "text": "css:div.body",
        "posted_at": {"select": "css:.date::text", "format": "%d/%m/%Y %H:%M",
                      "timezone": "Asia/Phnom_Penh"},
    },
}


def write(tmp_path: Path, profile: dict[str, Any] | None = None,
          sources: dict[str, Any] | None = None) -> Path:
    path = tmp_path / "sources.yaml"
    data = {"sources": sources or {"board": {"spider": "profile",
                                             "arguments": {"profile": "board"}}},
            "profiles": {"board": profile if profile is not None else GOOD_PROFILE}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def with_field(**fields: Any) -> dict[str, Any]:
    return {**GOOD_PROFILE, "fields": {**GOOD_PROFILE["fields"], **fields}}


def test_shipped_file_loads_with_the_real_spiders() -> None:
    sources = load_sources(ROOT / "sources.yaml", spider_names())
    profiles = load_profiles(ROOT / "sources.yaml")
    assert {"classifieds", "asiajoblink"} <= set(profiles)
    assert sources["example_channel"].schedule == "*/30 * * * *"
    assert sources["example_channel"].tags == ("telegram", "ko")
    board = sources["example_classifieds"]
    assert board.spider == "profile" and board.arguments["profile"] == "classifieds"
    # the spider reads its profile from the same file wherever it runs
    assert board.arguments["sources"] == str((ROOT / "sources.yaml").resolve())


def test_good_profile_loads(tmp_path: Path) -> None:
    profile = load_profiles(write(tmp_path))["board"]
    assert profile.start == (("listing", "https://board.example.org/jobs"),)
    assert str(profile.items) == "css:a.job::attr(href)"
    assert profile.next_page is not None and profile.next_page.language == "xpath"
    assert profile.politeness.obey_robots is True
    reading = read_date("09/10/2026 23:45", profile.fields["posted_at"])
    assert reading is not None
    assert reading.moment == datetime.fromisoformat("2026-10-09T23:45:00+07:00")
    assert read_date("yesterday", profile.fields["posted_at"]) is None


@pytest.mark.parametrize(("profile", "words"), [
    (with_field(title="css:h1[class="), ["'board'", "fields.title", "does not parse"]),
    (with_field(text="xpath://div[@class='body'"), ["fields.text", "does not parse"]),
    (with_field(title="h1::text"), ["fields.title", "css: or xpath:"]),
    (with_field(salary="css:p:nonsense"), ["fields.salary", "does not parse"]),
    (with_field(wage="css:.pay"), ["fields.wage", "unknown field"]),
    ({**GOOD_PROFILE, "fields": {"title": "css:h1"}}, ["fields.text", "required"]),
    (with_field(posted_at={"select": "css:.d", "format": "dd/mm/yyyy"}),
     ["fields.posted_at", "strptime"]),
    (with_field(posted_at={"select": "css:.d", "timezone": "Phnom Penh"}),
     ["fields.posted_at", "timezone"]),
    (with_field(title={"select": "css:h1", "pattern": "(unclosed"}),
     ["fields.title", "regular expression"]),
    ({**GOOD_PROFILE, "listing": {"next": "css:a.next"}}, ["listing.items", "required"]),
    ({**GOOD_PROFILE, "start": {"listing": "board.example.org/jobs"}},
     ["start.listing", "not an http(s) URL"]),
    ({**GOOD_PROFILE, "start": {"forum": "https://board.example.org/"}},
     ["start.forum", "unknown kind"]),
    ({**GOOD_PROFILE, "politeness": {"obey_robots": False}},
     ["politeness.obey_robots", "reason"]),
    ({**GOOD_PROFILE, "politeness": {"download_delay": "slow"}},
     ["politeness.download_delay", "seconds"]),
    ({**GOOD_PROFILE, "max_pages": 0}, ["max_pages", "at least 1"]),
    ({**GOOD_PROFILE, "job_url": "/ad/(\\d+"}, ["job_url", "regular expression"]),
    ({**GOOD_PROFILE, "discover": ["feeds", "forums"]}, ["discover", "feeds, sitemaps"]),
    ({**GOOD_PROFILE, "selectors": {}}, ["selectors", "unknown key"]),
])
def test_bad_profile_is_one_line_naming_profile_and_field(
    tmp_path: Path, profile: dict[str, Any], words: list[str],
) -> None:
    path = write(tmp_path, profile)
    with pytest.raises(SourcesError) as caught:
        load_sources(path, SPIDERS)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: profile 'board'")
    for word in words:
        assert word in message, message


def test_robots_opt_out_with_a_reason_is_accepted(tmp_path: Path) -> None:
    politeness = {"obey_robots": False, "reason": "the board's own abuse team asked us to",
                  "download_delay": 2, "concurrency": 1}
    profile = load_profiles(write(tmp_path, {**GOOD_PROFILE, "politeness": politeness}))["board"]
    assert profile.politeness.obey_robots is False
    assert profile.politeness.reason == "the board's own abuse team asked us to"
    assert profile.politeness.download_delay == 2.0 and profile.politeness.concurrency == 1


def test_source_naming_a_missing_profile_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, sources={"x": {"spider": "profile", "arguments": {"profile": "nope"}}})
    with pytest.raises(SourcesError, match=r"source 'x' needs .*profile.* \(board\)"):
        load_sources(path, SPIDERS)


def test_crawl_command_refuses_a_bad_profile_in_one_line(sqlite_env, tmp_path: Path) -> None:
    path = write(tmp_path, with_field(title="css:h1[class="))
    done = sqlite_env.lurewatch("crawl", "--sources", str(path), "board")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "fields.title" in lines[0] and "does not parse" in lines[0]
    assert "Traceback" not in done.stderr


def test_crawl_command_refuses_an_unknown_source(sqlite_env) -> None:
    done = sqlite_env.lurewatch("crawl", "--sources", str(ROOT / "sources.yaml"), "nope")
    assert done.returncode == 2 and "no source nope" in done.stderr
