"""Takedown drafts for posts crawled from the fixture sites, their evidence bundles, hostile
text in letters, and sending through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import gzip
import json
import socket
import zipfile
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from conftest import Env

from fixtures.server import FixtureServer
from takedown.bundle import verify


def _doc(hits: list[dict[str, Any]], url_part: str) -> dict[str, Any]:
    found = [d for d in hits if url_part in (d.get("url") or "")]
    assert found, f"no post with {url_part} among {len(hits)} crawled"
    return found[0]


def _draft(env: Env, doc_id: str, out: Path, *options: str) -> dict[str, Any]:
    done = env.lurewatch("takedown", doc_id, "--out", str(out), *options)
    assert done.returncode == 0, done.stderr
    written = {p.name for p in out.iterdir() if p.is_file()}
    assert {"evidence.zip", "request.eml", "request.html", "request.json"} <= written
    assert written <= {"evidence.zip", "request.eml", "request.html", "request.json",
                       "request.pdf"}
    return json.loads((out / "request.json").read_text(encoding="utf-8"))


def _verify(env: Env, path: Path) -> int:
    return env.lurewatch("takedown", "verify-bundle", str(path)).returncode


def _tamper(source: Path, target: Path, name: str) -> None:
    """Copy the bundle, changing one byte of `name` and keeping the manifest as it was."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == name:
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.writestr(item, data)


def test_drafts_for_jobboard_and_telegram_posts_carry_recipient_language_and_evidence(
    sqlite_env: Env, jobboard_site: FixtureServer, telegram_site: FixtureServer, tmp_path: Path,
) -> None:
    env = sqlite_env
    # The oldest listing page (30401-30410) with its "Hot jobs" box (30410, 30420, 30440), and
    # a whole small channel.
    env.crawl("jobboard", start_url=f"{jobboard_site.url}/jobs?page=4", max_pages="1")
    env.crawl("telegram", channel=f"{telegram_site.url}/s/xigang_zhaopin")
    hits = env.search("")["hits"]

    # A Korean lure on the job board: the board's abuse desk reads Korean, so the letter is Korean.
    korean = _doc(hits, "/jobs/30440")
    request = _draft(env, korean["id"], tmp_path / "ko")
    assert request["recipient"]["email"] == "abuse@asiajoblink.example"
    assert request["language"] == "ko"
    assert request["document"] == {"id": korean["id"], "url": korean["url"],
                                   "platform": "jobboard"}
    listed = {e["file"] for e in request["evidence"]}
    folder = f"posts/{korean['id']}"
    assert {f"{folder}/response.warc.gz", f"{folder}/document.json",
            f"{folder}/rendering-of-archived-response.png"} <= listed
    assert any(a["key"] == "telegram" and a["accounts"] == ["poipet_mkt"]
               for a in request["recipient"]["also"])
    letter = (tmp_path / "ko" / "request.html").read_text(encoding="utf-8")
    assert "게시물 삭제 요청" in letter and korean["url"] in letter
    assert korean["evidence"]["sha256"] in letter
    assert (tmp_path / "ko" / "request.pdf").read_bytes().startswith(b"%PDF-")
    assert request["letter_pdf"] == "request.pdf"

    bundle = tmp_path / "ko" / "evidence.zip"
    with zipfile.ZipFile(bundle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        png = archive.read(f"{folder}/rendering-of-archived-response.png")
        warc = archive.read(f"{folder}/response.warc.gz")
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert korean["evidence"]["record_id"].encode() in gzip.decompress(warc)
    assert manifest["tool"].startswith("lurewatch ")
    assert manifest["documents"][0]["first_seen"] == korean["first_seen"]
    assert manifest["documents"][0]["indicators"] == korean["indicators"]
    assert manifest["posts"][0]["body_sha256_matches"] is True
    assert _verify(env, bundle) == 0
    tampered = tmp_path / "tampered.zip"
    _tamper(bundle, tampered, f"{folder}/response.warc.gz")
    assert _verify(env, tampered) == 1
    _tamper(bundle, tampered, "manifest.json")
    assert verify(tampered) != []

    # A Telegram post is rendered from the archived channel preview, and cut out of it.
    original = _doc(hits, "/xigang_zhaopin/57")
    request = _draft(env, original["id"], tmp_path / "tg-single")
    shots = {e["file"].rsplit("/", 1)[1] for e in request["evidence"]}
    assert {"rendering-of-archived-response.png", "rendering-of-archived-response-post.png"} \
        <= shots
    assert request["evidence_notes"][0]["screenshot_post"].endswith("-post.png")

    # The rendering is tested above; the other drafts go faster without Chromium, and the
    # bundle must then say why it has no screenshot.
    env.vars["LUREWATCH_CHROMIUM"] = "/nonexistent/chromium"

    # A Khmer lure: a Khmer letter.
    khmer = _doc(hits, "/jobs/30402")
    request = _draft(env, khmer["id"], tmp_path / "km")
    assert request["language"] == "km"
    assert "Failed to launch" in request["evidence_notes"][0]["screenshot_error"]
    assert "Chromium could not start" in request["letter_pdf_error"]
    assert not (tmp_path / "km" / "request.pdf").exists()
    assert "សំណើសុំលុបប្រកាស" in (tmp_path / "km" / "request.html").read_text(encoding="utf-8")
    assert verify(tmp_path / "km" / "evidence.zip") == []

    # A Telegram channel post and its repost (same cluster_id) in one request to Telegram's
    # abuse desk, which reads English; the analyst asks for Korean.
    repost, original = _doc(hits, "/xigang_zhaopin/66"), _doc(hits, "/xigang_zhaopin/57")
    assert repost["cluster_id"] == original["cluster_id"]
    request = _draft(env, repost["id"], tmp_path / "tg", "--cluster")
    assert request["recipient"]["key"] == "telegram"
    assert request["recipient"]["email"] == "abuse@telegram.org"
    assert request["language"] == "en"
    assert request["document"]["url"] == "https://t.me/xigang_zhaopin/66"
    assert [d["id"] for d in request["documents"]] == [repost["id"], original["id"]]
    assert {f"posts/{d}/response.warc.gz" for d in (repost["id"], original["id"])} <= {
        e["file"] for e in request["evidence"]}
    letter = (tmp_path / "tg" / "request.html").read_text(encoding="utf-8")
    assert repost["url"] in letter and original["url"] in letter
    assert verify(tmp_path / "tg" / "evidence.zip") == []
    request = _draft(env, repost["id"], tmp_path / "tg-ko", "--cluster", "--lang", "ko")
    assert request["language"] == "ko" and request["subject"].startswith("게시물 삭제 요청")

    listing = json.loads(env.lurewatch("takedown", "list", "--json").stdout)
    assert [r["status"] for r in listing] == ["draft"] * 4  # redrafting in Korean reused one
    assert {r["doc_id"] for r in listing} == {korean["id"], original["id"], khmer["id"],
                                              repost["id"]}


def test_draft_reads_the_post_from_elasticsearch(
    elasticsearch_url: str, jobboard_site: FixtureServer, tmp_path: Path,
) -> None:
    env = Env("elasticsearch", tmp_path, elasticsearch_url)
    env.vars["LUREWATCH_CHROMIUM"] = "/nonexistent/chromium"  # rendering: tested above
    env.crawl("jobboard", start_url=f"{jobboard_site.url}/jobs?page=4", max_pages="1")
    post = _doc(env.search("")["hits"], "/jobs/30409")
    request = _draft(env, post["id"], tmp_path / "es")
    assert request["recipient"]["key"] == "asiajoblink" and request["language"] == "ko"
    assert request["documents"][0]["first_seen"] == post["first_seen"]
    assert {a["key"] for a in request["recipient"]["also"]} == {"whatsapp", "kakao"}
    assert _verify(env, tmp_path / "es" / "evidence.zip") == 0


HOSTILE_TITLE = "Easy job\r\nBcc: victim@elsewhere.example\r\nX-Evil: 1"
HOSTILE_TEXT = ("Call now</blockquote><script>alert('x')</script><img src=x onerror=alert(1)>"
                "\r\nBcc: second@elsewhere.example\n.\nDATA")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)


def _tags(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _hostile_document(env: Env) -> str:
    doc = {"id": "hostile0000000000000001", "platform": "jobboard",
           "url": "https://asiajoblink.example/jobs/1", "title": HOSTILE_TITLE,
           "text": HOSTILE_TEXT, "lang": "en"}
    done = env.lurewatch("index", "load", stdin=json.dumps(doc) + "\n")
    assert done.returncode == 0, done.stderr
    return doc["id"]


def _smtp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def test_hostile_text_changes_neither_headers_nor_markup_and_send_is_explicit(
    sqlite_env: Env, tmp_path: Path,
) -> None:
    env = sqlite_env
    env.vars["LUREWATCH_CHROMIUM"] = "/nonexistent/chromium"  # no archived page to render
    doc_id = _hostile_document(env)
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_smtp_port())
    controller.start()
    try:
        env.vars["LUREWATCH_SMTP"] = f"smtp://127.0.0.1:{controller.port}"
        request = _draft(env, doc_id, tmp_path / "req")
        assert inbox.envelopes == []  # drafting never sends

        raw = (tmp_path / "req" / "request.eml").read_bytes()
        message = email.message_from_bytes(raw, policy=policy.SMTP)
        assert isinstance(message, EmailMessage)
        expected = ["Subject", "From", "To", "Date", "Message-ID", "X-Lurewatch-Reference",
                    "MIME-Version", "Content-Type"]
        assert sorted(message.keys()) == sorted(expected)
        head = raw.split(b"\r\n\r\n")[0].decode("ascii")
        starts = [line.split(":")[0] for line in head.split("\r\n") if line[:1] not in " \t"]
        assert sorted(starts) == sorted(expected)  # the scraped "Bcc:" stayed inside Subject
        assert "\n" not in str(message["Subject"]) and "Bcc: victim" in message["Subject"]
        assert message["To"] == "AsiaJobLink trust & safety <abuse@asiajoblink.example>"
        html = message.get_body(("html",)).get_content()
        for letter in (html, (tmp_path / "req" / "request.html").read_text(encoding="utf-8")):
            assert "script" not in _tags(letter) and "img" not in _tags(letter)
            assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in letter
            assert _tags(letter).count("blockquote") == 1
        text = message.get_body(("plain",)).get_content()
        assert "<script>alert('x')</script>" in text  # quoted verbatim in the plain text

        done = env.lurewatch("takedown", "send", str(request["request_id"]))
        assert done.returncode == 0, done.stderr
        assert len(inbox.envelopes) == 1
        envelope = inbox.envelopes[0]
        assert envelope.rcpt_tos == ["abuse@asiajoblink.example"]
        received = email.message_from_bytes(envelope.content, policy=policy.SMTP)
        assert "Bcc" not in received and received["X-Lurewatch-Reference"] == \
            request["reference"]
        attached = next(received.iter_attachments())
        assert attached.get_filename() == "evidence.zip"
        assert attached.get_content() == (tmp_path / "req" / "evidence.zip").read_bytes()
        kept = list((tmp_path / "req" / "sent").glob("*.eml"))
        assert len(kept) == 1 and b"abuse@asiajoblink.example" in kept[0].read_bytes()
        status = json.loads(env.lurewatch("takedown", "status", str(request["request_id"]),
                                          "--json").stdout)
        assert status["status"] == "sent" and status["sent"][0]["path"] == str(kept[0])

        done = env.lurewatch("takedown", "0123456789abcdef01234567")
        assert done.returncode == 2 and "no document" in done.stderr
        done = env.lurewatch("takedown", doc_id, "--lang", "xx")
        assert done.returncode == 2 and "no letter template in 'xx'" in done.stderr

        # --send at drafting time sends once more, and only then.
        done = env.lurewatch("takedown", doc_id, "--out", str(tmp_path / "again"), "--send")
        assert done.returncode == 0, done.stderr
        assert len(inbox.envelopes) == 2
    finally:
        controller.stop()

    env.vars["LUREWATCH_SMTP"] = f"smtp://127.0.0.1:{_smtp_port()}"  # nobody listens there
    done = env.lurewatch("takedown", "send", str(request["request_id"]))
    assert done.returncode == 1 and "not sent" in done.stderr


def test_takedown_help_and_bad_usage(sqlite_env: Env) -> None:
    done = sqlite_env.lurewatch("takedown", "--help")
    assert done.returncode == 0
    for form in ("verify-bundle FILE", "takedown list", "status ID", "check", "--cluster"):
        assert form in done.stdout
    assert sqlite_env.lurewatch("takedown", "status", "12", "--help").returncode == 0
    done = sqlite_env.lurewatch("takedown", "status", "nope")
    assert done.returncode == 2 and "not a request id" in done.stderr
    done = sqlite_env.lurewatch("takedown", "status", "7", "removed")
    assert done.returncode == 2 and "no takedown request 7" in done.stderr
    done = sqlite_env.lurewatch("takedown", "verify-bundle", "/nonexistent.zip")
    assert done.returncode == 1
