"""The `lurewatch` command as a user meets it: exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line error, got:\n{text}"
    assert "Traceback" not in text
    return lines[0]


def test_every_command_answers_help(sqlite_env):
    for command in (["--help"], ["demo", "--help"], ["enrich", "--help"], ["search", "--help"],
                    ["index", "--help"], ["index", "init", "--help"], ["index", "stats", "--help"]):
        done = sqlite_env.lurewatch(*command)
        assert done.returncode == 0, command
        assert "usage: lurewatch" in done.stdout


def test_unreachable_elasticsearch_says_where_it_tried_and_what_to_set(sqlite_env):
    sqlite_env.vars["LUREWATCH_INDEX"] = "http://127.0.0.1:9"
    done = sqlite_env.lurewatch("search", "캄보디아")
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "http://127.0.0.1:9" in line and "LUREWATCH_INDEX" in line


def test_missing_index_says_to_create_it(sqlite_env):
    done = sqlite_env.lurewatch("search", "")
    assert done.returncode == 1
    assert "lurewatch index init" in one_line(done.stderr)
    done = sqlite_env.lurewatch("index", "stats")
    assert done.returncode == 1 and "lurewatch index init" in one_line(done.stderr)


def test_index_init_then_stats_on_an_empty_index(sqlite_env):
    assert sqlite_env.lurewatch("index", "init").returncode == 0
    done = sqlite_env.lurewatch("index", "stats", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["documents"] == 0
    assert sqlite_env.search("")["total"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--entity", "fax:123"], "unknown entity kind"),
        (["search", "x", "--entity", "phone"], "KIND:VALUE"),
        (["search", '"open phrase'], "unbalanced quote"),
        (["search", "x", "--since", "yesterday"], "--since"),
        (["search", "x", "--min-risk", "400"], "0 to 100"),
    ],
)
def test_bad_usage_exits_2_with_a_reason(sqlite_env, args, message):
    sqlite_env.lurewatch("index", "init")
    done = sqlite_env.lurewatch(*args)
    assert done.returncode == 2
    assert message in one_line(done.stderr)


def test_enrich_skips_a_malformed_line_by_number_and_keeps_the_rest(sqlite_env):
    lines = [
        json.dumps({"text": "캄보디아 고수익 알바 텔레 @kh_boss 010-1234-5678"}),
        '{"text": "broken',
        json.dumps({"title": "no text here"}),
        json.dumps({"text": "Teacher wanted in Phnom Penh, degree and 2 years experience",
                    "url": "https://jobs.example.org/1", "platform": "jobboard",
                    "posted_at": "2026-11-01T10:00:00+07:00"}),
    ]
    done = sqlite_env.lurewatch("enrich", "--no-ner", stdin="\n".join(lines) + "\n")
    assert done.returncode == 1
    assert "line 2" in done.stderr and "line 3" in done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [d["text"][:4] for d in out] == ["캄보디아", "Teac"]
    assert out[0]["entities"]["telegram"] == ["kh_boss"]
    assert out[0]["lang"] == "ko"
    assert out[1]["platform"] == "jobboard" and out[1]["url"] == "https://jobs.example.org/1"
    assert out[1]["posted_at"] == "2026-11-01T03:00:00Z"  # UTC, as the contract says
    # the same input gets the same id every time
    again = sqlite_env.lurewatch("enrich", "--no-ner", stdin=lines[3] + "\n")
    assert json.loads(again.stdout)["id"] == out[1]["id"]


def test_enrich_then_index_load_without_a_crawl(sqlite_env):
    posts = [
        {"text": "시아누크빌 고객상담 월 600만원 경험무관 텔레 @kh_boss", "url": "https://x.example/1"},
        {"text": "Teacher wanted in Phnom Penh, degree required", "url": "https://x.example/2"},
    ]
    enriched = sqlite_env.lurewatch(
        "enrich", "--no-ner", stdin="".join(json.dumps(p) + "\n" for p in posts))
    assert enriched.returncode == 0, enriched.stderr
    loaded = sqlite_env.lurewatch("index", "load", stdin=enriched.stdout + "not json\n")
    assert loaded.returncode == 1  # the bad line is reported, the rest is indexed
    assert "line 3" in loaded.stderr
    assert "indexed 2 new" in loaded.stdout
    found = sqlite_env.search("", "--entity", "telegram:@KH_Boss")
    assert [d["url"] for d in found["hits"]] == ["https://x.example/1"]


def test_crawl_configured_sources(sqlite_env, jobboard_site, telegram_site, tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  board:\n    spider: jobboard\n"
        f"    arguments: {{start_url: '{jobboard_site.url}/jobs'}}\n"
        f"  channel:\n    spider: telegram\n"
        f"    arguments: {{channel: '{telegram_site.url}/s/xigang_zhaopin'}}\n",
        encoding="utf-8")
    done = sqlite_env.lurewatch("crawl", "--sources", str(sources), "--no-ner", "channel")
    assert done.returncode == 0, done.stderr
    assert "telegram channel:" in done.stdout and "12 posts" in done.stdout
    result = sqlite_env.search("")
    assert result["total"] == 12
    assert {d["source"] for d in result["hits"]} == {"channel"}
    done = sqlite_env.lurewatch("crawl", "--sources", str(sources), "--no-ner", "--all")
    assert done.returncode == 0, done.stderr
    assert sqlite_env.search("")["facets"]["platform"] == {"jobboard": 40, "telegram": 12}


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("sources:\n  a: {spider: telegram}\n", ["nope"], "no source nope"),
        ("sources:\n  a: {spider: myspace}\n", ["a"], "known spiders"),
        ("sources: [\n", ["a"], "not valid YAML at line"),
        ("sources:\n  a: {spider: telegram}\n", [], "or --all"),
        ("sources:\n  a: {spider: facebook}\n", ["a"],
         "source a (facebook): the facebook spider needs -a start_url=URL"),
    ],
)
def test_crawl_refuses_bad_sources_with_a_reason(sqlite_env, tmp_path, content, args, message):
    sources = tmp_path / "sources.yaml"
    sources.write_text(content, encoding="utf-8")
    done = sqlite_env.lurewatch("crawl", "--sources", str(sources), *args)
    assert done.returncode == 2
    assert message in one_line(done.stderr)
