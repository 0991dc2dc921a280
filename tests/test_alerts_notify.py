"""Watchlist evaluation and the notifiers, against a real HTTP receiver and a real SMTP server
(aiosmtpd) on 127.0.0.1, over real indexes. The scheduler end to end is in test_schedule.py;
the receivers here are shared with it."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import Env

from alerts.evaluate import alert_id, run_all
from index import open_index
from lurewatch.cli import main
from lurewatch.document import new_document, now_utc

SECRET = "s3cret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """A webhook receiver: records every POST; can answer 500 a few times first, or hold the
    first request until released (to stop the sender while it waits)."""

    def __init__(self, port: int = 0, fail_first: int = 0, hold_first: bool = False) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = fail_first
        self.held = threading.Event() if hold_first else None
        self.release = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    count = len(receiver.requests)
                if receiver.held is not None and count == 1:
                    receiver.held.set()
                    receiver.release.wait(60)
                status = 500 if count <= receiver.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def payloads(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests]

    def alert_ids(self) -> list[str]:
        with self.lock:
            return [r["headers"]["X-Lurewatch-Alert-Id"] for r in self.requests]

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """A real SMTP server (aiosmtpd) keeping what it receives; optionally STARTTLS + login."""

    def __init__(self, port: int | None = None, tls: ssl.SSLContext | None = None,
                 login: tuple[str, str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                mailbox.envelopes.append(list(envelope.rcpt_tos))
                mailbox.messages.append(message_from_bytes(envelope.original_content or
                                                           envelope.content,
                                                           policy=policy.default))
                return "250 Message accepted for delivery"

        def check(server: Any, session: Any, envelope: Any, mechanism: str,
                  data: Any) -> AuthResult:
            given = (data.login.decode(), data.password.decode())
            return AuthResult(success=given == login)

        options: dict[str, Any] = {}
        if tls is not None:
            options.update(tls_context=tls, require_starttls=True)
        if login is not None:
            options.update(authenticator=check, auth_required=True)
        self.port = port or free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def post(number: int, text: str, risk: int, first_seen: str, **fields: Any) -> dict[str, Any]:
    """A document as the pipeline indexes it (the fields alerts read)."""
    return new_document(
        id=f"test-post-{number}", platform="telegram", source="test", text=text,
        url=f"https://t.me/test_channel/{number}", lang="ko", crawled_at=first_seen,
        first_seen=first_seen, last_seen=first_seen,
        risk={"score": risk, "level": "high" if risk >= 70 else "low", "reasons": []},
        **fields,
    )


def index_posts(docs: list[dict[str, Any]]) -> None:
    with open_index() as index:
        index.init()
        report = index.upsert(docs)
        assert not report.failed
        index.refresh()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    server = Mailbox()
    yield server
    server.stop()


def use(env: Env, monkeypatch: pytest.MonkeyPatch, **more: str) -> None:
    """Point this process (run_all, open_index) at the test's own index and data."""
    for name, value in {**env.vars, **more}.items():
        monkeypatch.setenv(name, value)


class Cli:
    """`lurewatch ...` run in this process (the same parser and handlers, without paying
    for a new interpreter each time): exit code, standard output, standard error."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys)


def verify(request: dict[str, Any], secret: str) -> bool:
    """What a receiver does with the signature header (see alerts/notify.py)."""
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Lurewatch-Signature"])


def test_webhook_500_twice_then_200_delivers_once_signed(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, cli: Cli,
) -> None:
    env = sqlite_env
    flaky = Receiver(fail_first=2)
    try:
        use(env, monkeypatch, LUREWATCH_WEBHOOK_SECRET=SECRET)
        index_posts([post(1, "old post 캄보디아 고수익", 90, "2026-01-01T00:00:00Z")])
        added = cli("watch", "add", "kh high", "캄보디아", "--min-risk", "50",
                              "--notify", f"webhook:{flaky.url}")
        assert added.returncode == 0, added.stderr
        index_posts([post(2, "캄보디아 고수익 TM 모집", 95, now_utc()),
                     post(3, "캄보디아 여행 후기", 10, now_utc())])

        report = run_all()

        assert [r["doc_id"] for r in report.sent] == ["test-post-2"]  # not old, not low risk
        assert len(flaky.requests) == 3  # 500, 500, 200
        assert set(flaky.alert_ids()) == {alert_id("kh high", "test-post-2")}
        assert all(verify(r, SECRET) for r in flaky.requests)
        assert not verify(flaky.requests[-1], "another secret")
        payload = flaky.payloads()[-1]
        assert payload["watchlist"] == "kh high"
        assert payload["document"]["id"] == "test-post-2"
        history = cli("alerts", "list", "--json")
        rows = [json.loads(line) for line in history.stdout.splitlines()]
        assert [(r["doc_id"], r["state"]) for r in rows] == [("test-post-2", "sent")]
        assert rows[0]["answers"][f"webhook:{flaky.url}"]["answer"] == "200 OK"

        # re-crawled (upserted again) and evaluated again: never a second alert
        index_posts([post(2, "캄보디아 고수익 TM 모집", 95, now_utc())])
        assert run_all().sent == []
        assert len(flaky.requests) == 3
    finally:
        flaky.stop()


def test_email_alert_once_with_scraped_text_kept_out_of_headers(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, mailbox: Mailbox, tmp_path: Path, cli: Cli,
) -> None:
    use(sqlite_env, monkeypatch, LUREWATCH_SMTP=f"smtp://127.0.0.1:{mailbox.port}")
    lines = tmp_path / "alerts.jsonl"
    assert cli("watch", "add", "phone", "--entity", "phone:+855 96 123 4567",
                                "--notify", "email:analyst@example.org",
                                "--notify", f"file:{lines}").returncode == 0
    hostile = "Jobs\r\nBcc: victim@example.org\r\nSubject: pwned"
    index_posts([post(4, "call +855961234567", 80, now_utc(), title=hostile,
                      entities={"phones": ["+855961234567"]}),
                 post(5, "another number", 80, now_utc(), entities={"phones": ["+85510000000"]})])

    report = run_all()
    run_all()

    assert [r["doc_id"] for r in report.sent] == ["test-post-4"]
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert mailbox.envelopes == [["analyst@example.org"]]
    assert "Bcc" not in message and "\n" not in message["Subject"]
    assert message["Subject"].startswith("[lurewatch] phone: risk 80")
    assert "call +855961234567" in message.get_content()
    written = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [(w["watchlist"], w["document"]["id"]) for w in written] == [("phone", "test-post-4")]
    assert set(written[0]) == {"watchlist", "document", "alerted_at"}


def test_starttls_and_login_with_a_private_ca(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cli: Cli,
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = Mailbox(tls=context, login=("alerts", "p@ss"))
    try:
        use(sqlite_env, monkeypatch, LUREWATCH_SMTP=f"smtp+starttls://alerts:p%40ss@127.0.0.1:"
                                                    f"{server.port}?cafile={cert}")
        assert cli("watch", "add", "all", "--notify",
                                    "email:desk@example.org").returncode == 0
        index_posts([post(6, "new post", 50, now_utc())])
        assert [r["doc_id"] for r in run_all().sent] == ["test-post-6"]
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_unreachable_webhook_and_smtp_are_retried_reported_then_delivered(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, cli: Cli,
) -> None:
    hook_port, smtp_port = free_port(), free_port()
    use(sqlite_env, monkeypatch, LUREWATCH_SMTP=f"smtp://127.0.0.1:{smtp_port}")
    url = f"http://127.0.0.1:{hook_port}/hook"
    assert cli("watch", "add", "all", "--webhook-secret", SECRET,
                                "--notify", f"webhook:{url}",
                                "--notify", "email:desk@example.org").returncode == 0
    index_posts([post(7, "new post", 50, now_utc()), post(17, "another", 50, now_utc())])

    down = cli("alerts", "run")
    assert down.returncode == 1
    assert "0 sent, 2 failed" in down.stdout
    assert f"webhook {url} unreachable" in down.stdout and "not sent via 127.0.0.1" in down.stdout
    listed = cli("alerts", "list", "--state", "failed")
    assert "test-post-7" in listed.stdout and "ERR" in listed.stdout
    # a notifier that failed after its retries is not tried again in the same run
    answers = [r["answers"][f"webhook:{url}"]["answer"] for r in map(
        json.loads, cli("alerts", "list", "--json").stdout.splitlines())]
    assert sum(a.startswith("not tried in this run") for a in answers) == 1

    hook, mail = Receiver(port=hook_port), Mailbox(port=smtp_port)
    try:
        up = cli("alerts", "run")
        assert up.returncode == 0, up.stdout
        assert "2 sent, 0 failed" in up.stdout
        assert len(hook.requests) == 2 and len(mail.messages) == 2
        assert cli("alerts", "run").stdout.strip().endswith("0 sent, 0 failed")
    finally:
        hook.stop()
        mail.stop()


def test_digest_sends_one_message_per_period(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, receiver: Receiver, cli: Cli,
) -> None:
    use(sqlite_env, monkeypatch, LUREWATCH_WEBHOOK_SECRET=SECRET)
    assert cli("watch", "add", "daily", "--digest", "0 8 * * *",
                                "--notify", f"webhook:{receiver.url}").returncode == 0
    index_posts([post(n, f"post {n}", 60, now_utc()) for n in (8, 9, 10)])

    held = run_all()  # before 08:00 comes: recorded, held for the digest
    assert len(held.recorded) == 3 and held.sent == [] and receiver.requests == []
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    report = run_all(now=tomorrow.replace(hour=8, minute=0, second=30))

    assert len(report.sent) == 3 and len(receiver.requests) == 1
    payload = receiver.payloads()[0]
    assert payload["digest"] is True
    assert sorted(a["document"]["id"] for a in payload["alerts"]) == \
        ["test-post-10", "test-post-8", "test-post-9"]
    assert verify(receiver.requests[0], SECRET)


def test_rules_first_contact_clustered_with_high_risk_and_indicators(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cli: Cli,
) -> None:
    use(sqlite_env, monkeypatch)
    lines = tmp_path / "alerts.jsonl"
    index_posts([post(11, "old lure", 90, "2026-01-01T00:00:00Z", cluster_id="c-1",
                      entities={"telegram": ["kimsil_hr77"]})])
    for name, rule in (("new contact", "--first-contact"), ("copies", "--clustered-high")):
        assert cli("watch", "add", name, rule,
                                    "--notify", f"file:{lines}").returncode == 0
    assert cli("watch", "add", "hotspot", "--indicator", "destination_hotspot",
                                "--indicator", "travel_paid",
                                "--notify", f"file:{lines}").returncode == 0
    both = [{"code": "destination_hotspot", "evidence": "시아누크빌"},
            {"code": "travel_paid", "evidence": "항공권"}]
    index_posts([
        post(12, "known handle, copy of a lure", 40, now_utc(), cluster_id="c-1",
             entities={"telegram": ["kimsil_hr77"]}, indicators=both),
        post(13, "new handle", 40, now_utc(), entities={"telegram": ["fresh_recruiter"]},
             indicators=both[:1]),
    ])

    run_all()

    written = sorted((w["watchlist"], w["document"]["id"])
                     for w in map(json.loads, lines.read_text().splitlines()))
    assert written == [("copies", "test-post-12"), ("hotspot", "test-post-12"),
                       ("new contact", "test-post-13")]


def test_watch_add_refuses_bad_input_with_the_reason(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, cli: Cli,
) -> None:
    use(sqlite_env, monkeypatch)
    bad = {
        "unbalanced quote": ["q", '"캄보디아', "--notify", "file:/tmp/x.jsonl"],
        "is not valid": ["c", "--digest", "0 25 * * *", "--notify", "file:/tmp/x.jsonl"],
        "has 3 fields": ["c", "--digest", "* * *", "--notify", "file:/tmp/x.jsonl"],
        "unknown entity kind": ["e", "--entity", "fax:123", "--notify", "file:/tmp/x.jsonl"],
        "unknown indicator": ["i", "--indicator", "nope", "--notify", "file:/tmp/x.jsonl"],
        "--notify takes": ["n", "--notify", "sms:+85512"],
        "not an e-mail address": ["m", "--notify", "email:someone\nBcc: x@example.org"],
        "webhooks are signed": ["w", "--notify", "webhook:http://127.0.0.1:9/x"],
        "say where alerts go": ["none", "캄보디아"],
    }
    for reason, args in bad.items():
        done = cli("watch", "add", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert reason in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr

    assert cli("watch", "list", "--json").stdout.strip() == "[]"


def test_watchlists_and_history_are_stored_with_the_index(
    env: Env, monkeypatch: pytest.MonkeyPatch, cli: Cli, tmp_path: Path,
) -> None:
    use(env, monkeypatch)
    lines = tmp_path / "alerts.jsonl"
    ok = cli("watch", "add", "kh", "캄보디아 phone:\"+855 96 123 4567\"", "--country", "kh",
             "--webhook-secret", SECRET, "--notify", f"file:{lines}")
    assert ok.returncode == 0, ok.stderr
    again = cli("watch", "add", "kh", "--notify", "file:/tmp/x.jsonl")
    assert again.returncode == 2 and "exists" in again.stderr
    listed = json.loads(cli("watch", "list", "--json").stdout)
    assert [(w["name"], w["country"], w["signed"]) for w in listed] == [("kh", "KH", True)]
    assert "webhook_secret" not in listed[0] and SECRET not in json.dumps(listed)

    sihanoukville = [{"name": "Sihanoukville", "country": "KH", "lat": 10.6, "lon": 103.5}]
    index_posts([post(n, "캄보디아 TM 모집", 90, now_utc(), entities={
        "phones": ["+855961234567"], "locations": sihanoukville if n < 22 else []})
        for n in (20, 21, 22)])  # 22 names no place in Cambodia
    assert sorted(r["doc_id"] for r in run_all().sent) == ["test-post-20", "test-post-21"]
    index_posts([post(20, "캄보디아 TM 모집 (edited)", 90, now_utc(), entities={
        "phones": ["+855961234567"], "locations": sihanoukville})])
    assert run_all().recorded == []
    history = [json.loads(line) for line in cli("alerts", "list", "--json").stdout.splitlines()]
    assert sorted((r["doc_id"], r["state"]) for r in history) == \
        [("test-post-20", "sent"), ("test-post-21", "sent")]
    assert len(lines.read_text().splitlines()) == 2

    assert cli("watch", "remove", "kh").returncode == 0
    missing = cli("watch", "remove", "kh")
    assert missing.returncode == 2 and "no watchlist 'kh'" in missing.stderr
    assert json.loads(cli("watch", "list", "--json").stdout) == []


def test_a_post_indexed_late_or_while_alerts_were_down_still_alerts_once(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, cli: Cli, tmp_path: Path,
) -> None:
    use(sqlite_env, monkeypatch)
    lines = tmp_path / "alerts.jsonl"
    assert cli("watch", "add", "all", "--backfill", "--notify", f"file:{lines}").returncode == 0
    index_posts([post(30, "before the first run", 40, "2026-01-01T00:00:00Z")])
    assert [r["doc_id"] for r in run_all().sent] == ["test-post-30"]  # --backfill
    first_run = datetime.now(UTC)
    # fetched ten minutes before that run but indexed only after it (a long crawl, or a spool
    # replayed once the index was back): inside the overlap window (1 hour), so not missed;
    # and one crawled while no alerts ran at all
    late = (first_run - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    index_posts([post(31, "indexed late", 40, late), post(32, "while down", 40, now_utc())])
    assert sorted(r["doc_id"] for r in run_all().sent) == ["test-post-31", "test-post-32"]
    assert run_all().recorded == [] and len(lines.read_text().splitlines()) == 3


def test_a_new_watchlist_skips_posts_indexed_before_it_in_the_same_second(
    sqlite_env: Env, monkeypatch: pytest.MonkeyPatch, cli: Cli, tmp_path: Path,
) -> None:
    # stamps are whole seconds: the tail of a crawl that ended just before `watch add` can carry
    # the watchlist's own second (here a later one, so that the test does not race the clock)
    # and must not alert; a post indexed after the watchlist with the same stamp must
    use(sqlite_env, monkeypatch)
    stamp = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    index_posts([post(40, "the tail of the last crawl", 40, stamp)])
    lines = tmp_path / "alerts.jsonl"
    assert cli("watch", "add", "all", "--notify", f"file:{lines}").returncode == 0
    index_posts([post(41, "indexed after the watchlist", 40, stamp)])
    assert [r["doc_id"] for r in run_all().sent] == ["test-post-41"]
    assert "earlier" not in json.loads(cli("watch", "list", "--json").stdout)[0]
