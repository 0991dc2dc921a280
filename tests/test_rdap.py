"""RDAP against a local RDAP server (fixtures/rdap) answering RFC 9083 JSON: registrar and
hosting abuse contacts, a domain without one, hostile data, a registry that does not answer,
the bootstrap files, the cache, and a takedown addressed through it end to end."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Env

from fixtures.rdap.server import serve_rdap
from fixtures.server import FixtureServer
from takedown import rdap
from takedown.recipients import recipient_for


@pytest.fixture
def rdap_server() -> Iterator[FixtureServer]:
    server = serve_rdap(hang_seconds=8)
    yield server
    server.stop()


@pytest.fixture
def local_rdap(rdap_server: FixtureServer, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> FixtureServer:
    monkeypatch.setenv("LUREWATCH_RDAP_URL", rdap_server.url)
    monkeypatch.setenv("LUREWATCH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("LUREWATCH_RDAP_TIMEOUT", "1.5")
    return rdap_server


def test_registrar_abuse_contact_and_the_cache(local_rdap: FixtureServer) -> None:
    answer = rdap.lookup("domain", "kh-highpay-jobs.example")
    assert answer["error"] is None
    assert answer["organisation"] == "Mekong Names Registrar Co., Ltd."
    assert answer["abuse_email"] == "abuse@mekongnames.example"
    assert answer["abuse_phone"] == "tel:+855.23999000"
    assert answer["from_cache"] is False
    served = len(local_rdap.requests)
    again = rdap.lookup("domain", "KH-HIGHPAY-JOBS.example")
    assert again["from_cache"] is True and again["abuse_email"] == "abuse@mekongnames.example"
    assert len(local_rdap.requests) == served  # answered from the cache, no request


def test_hosting_network_abuse_contact(local_rdap: FixtureServer) -> None:
    answer = rdap.lookup("ip", "203.0.113.10")
    assert answer["abuse_email"] == "abuse@cheaphost.example"
    assert answer["network"] == "CHEAPHOST-KH"
    assert rdap.lookup("ip", "198.51.100.7")["error"].endswith("has no record of 198.51.100.7")


def test_domain_without_abuse_contact(local_rdap: FixtureServer) -> None:
    answer = rdap.lookup("domain", "no-abuse-contact.example")
    assert answer["error"] is None and answer["abuse_email"] is None
    assert answer["organisation"] == "Quiet Registrar Ltd."
    recipient = recipient_for({"url": "https://jobs.no-abuse-contact.example/kh/1",
                               "platform": "web", "entities": {}})
    assert recipient["email"] is None and recipient["source"] == "rdap"
    assert any("publishes no abuse e-mail" in note for note in recipient["notes"])
    assert any(note.startswith("no e-mail address") for note in recipient["notes"])


def test_hostile_rdap_data_never_becomes_an_address(local_rdap: FixtureServer) -> None:
    answer = rdap.lookup("domain", "header-injection.example")
    assert answer["abuse_email"] is None
    assert answer["organisation"] == "Evil <b>Registrar</b>"  # kept as text, escaped where shown


def test_registry_that_does_not_answer(local_rdap: FixtureServer) -> None:
    started = time.monotonic()
    answer = rdap.lookup("domain", "slow-registry.example")
    assert time.monotonic() - started < 5
    assert "no answer within 1.5 s" in answer["error"]
    recipient = recipient_for({"url": "https://slow-registry.example/job", "platform": "web",
                               "entities": {}})
    assert recipient["email"] is None
    assert any("registrar lookup failed" in note for note in recipient["notes"])
    assert "domain:slow-registry.example" not in json.dumps(rdap._cache())  # failures uncached


def test_whole_server_timing_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = serve_rdap(delay=4)
    try:
        monkeypatch.setenv("LUREWATCH_RDAP_URL", server.url)
        monkeypatch.setenv("LUREWATCH_DATA", str(tmp_path / "data"))
        monkeypatch.setenv("LUREWATCH_RDAP_TIMEOUT", "1")
        answer = rdap.lookup("domain", "kh-highpay-jobs.example")
        assert answer["abuse_email"] is None and "no answer within 1 s" in answer["error"]
    finally:
        server.stop()


def test_bootstrap_files_choose_the_server(rdap_server: FixtureServer, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "bootstrap"
    folder.mkdir()
    (folder / "dns.json").write_text(json.dumps({"version": "1.0", "services": [
        [["com"], ["https://rdap.verisign.com/com/v1/"]],
        [["example"], [f"{rdap_server.url}/"]]]}))
    (folder / "ipv4.json").write_text(json.dumps({"version": "1.0", "services": [
        [["203.0.0.0/8"], ["https://rdap.apnic.net/"]],
        [["203.0.113.0/24"], [f"{rdap_server.url}/"]]]}))
    monkeypatch.delenv("LUREWATCH_RDAP_URL", raising=False)
    monkeypatch.setenv("LUREWATCH_RDAP_BOOTSTRAP", str(folder))
    monkeypatch.setenv("LUREWATCH_DATA", str(tmp_path / "data"))
    assert rdap.server_for_domain("a.kh-highpay-jobs.example") == f"{rdap_server.url}/"
    assert rdap.server_for_domain("x.com") == "https://rdap.verisign.com/com/v1/"
    assert rdap.server_for_ip("203.0.113.9") == f"{rdap_server.url}/"  # the longer prefix
    assert rdap.server_for_ip("203.0.0.1") == "https://rdap.apnic.net/"
    assert rdap.lookup("domain", "kh-highpay-jobs.example")["abuse_email"] == \
        "abuse@mekongnames.example"
    assert "no RDAP server is known for .invalid" in rdap.lookup("domain", "a.invalid")["error"]
    monkeypatch.delenv("LUREWATCH_RDAP_BOOTSTRAP")  # the shipped subset of IANA's files
    assert rdap.server_for_ip("1.1.1.1") == "https://rdap.apnic.net/"
    assert rdap.server_for_domain("lure.com") == "https://rdap.verisign.com/com/v1/"


def test_takedown_for_an_unknown_site_goes_to_its_registrar(
    sqlite_env: Env, rdap_server: FixtureServer, tmp_path: Path,
) -> None:
    env = sqlite_env
    env.vars["LUREWATCH_RDAP_URL"] = rdap_server.url
    doc = {"id": "rdapsite0000000000000001", "platform": "web", "lang": "ko",
           "url": "https://www.kh-highpay-jobs.example/jobs/77",
           "title": "캄보디아 고수익 상담원 모집",
           "text": "월 500만원, 숙식 제공, 텔레 @kh_tm_boss"}
    assert env.lurewatch("index", "load", stdin=json.dumps(doc) + "\n").returncode == 0
    done = env.lurewatch("takedown", doc["id"], "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "Mekong Names Registrar" in done.stdout
    request = json.loads((tmp_path / "out" / "request.json").read_text(encoding="utf-8"))
    recipient = request["recipient"]
    assert recipient["email"] == "abuse@mekongnames.example"
    assert recipient["key"] == "rdap:registrar" and request["language"] == "en"
    assert recipient["rdap"]["registrar"]["server"] == rdap_server.url
    assert any("does not resolve to a public address" in n for n in recipient["notes"])
    assert "no archived response" in request["evidence_notes"][0]["warc_error"]
    assert env.lurewatch("takedown", "verify-bundle",
                         str(tmp_path / "out" / "evidence.zip")).returncode == 0
