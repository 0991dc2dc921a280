"""Drafting a request: the letter (.eml, .html), its JSON record and the evidence bundle, for
one post or a cluster of near-duplicates; and sending a draft when the analyst says so.

Both take the data folder as `data_dir` (default LUREWATCH_DATA): the evidence paths relative
to it, the tracking database, the RDAP cache and the default draft folders are all in it.
"""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from index import Query, open_index
from lurewatch import config
from lurewatch.document import now_utc
from lurewatch.mail import MailError, send
from pipelines.evidence import read_record
from takedown import bundle, letters, store
from takedown.check import target_for
from takedown.errors import TakedownError
from takedown.recipients import recipient_for
from takedown.screenshot import Chromium, ScreenshotError

FILES = ("request.eml", "request.html", "request.json", "evidence.zip")
OPTIONAL_FILES = ("request.pdf",)  # when Chromium can print the letter
CLUSTER_LIMIT = 50


def load_documents(doc: dict[str, Any] | str, cluster: bool) -> list[dict[str, Any]]:
    """The post (from the index when given by id) and, with `cluster`, its near-duplicates."""
    with open_index() as index:
        if isinstance(doc, str):
            found = index.get(doc)
            if found is None:
                raise TakedownError(f"no document {doc!r} in the index; find ids with "
                                    "`lurewatch search`")
            doc = found
        docs = [doc]
        if cluster and doc.get("cluster_id"):
            members = index.search(Query(cluster=doc["cluster_id"], sort="newest",
                                         limit=CLUSTER_LIMIT, facets=False)).hits
            docs += [d for d in members if d.get("id") != doc.get("id")]
    return docs


def _local_file(value: str | None, data_dir: Path) -> Path | None:
    """An evidence path as documents hold it: absolute, or relative to the data folder."""
    if not value:
        return None
    path = Path(value)
    for candidate in ([path] if path.is_absolute() else [data_dir / path, path]):
        if candidate.is_file():
            return candidate
    return None


def _evidence_files(doc: dict[str, Any], notes: list[dict[str, Any]], browser: Chromium,
                    data_dir: Path) -> dict[str, bytes]:
    """The archived exchange, the document and a screenshot of one post, for the bundle."""
    folder = f"posts/{doc['id']}"
    files = {f"{folder}/document.json": json.dumps(doc, ensure_ascii=False, indent=2).encode()}
    evidence = doc.get("evidence") or {}
    note: dict[str, Any] = {"document": doc["id"], "warc": None, "screenshot": None}
    head, body = "", b""
    if evidence.get("warc") and evidence.get("record_id"):
        warc = _local_file(evidence["warc"], data_dir) or evidence["warc"]
        try:
            files[f"{folder}/response.warc.gz"] = bundle.warc_records(warc, evidence["record_id"])
            head, body = read_record(warc, evidence["record_id"])
            note["warc"] = f"{folder}/response.warc.gz"
            note["body_sha256_matches"] = bundle.sha256(body) == evidence.get("sha256")
        except (OSError, KeyError) as exc:
            note["warc_error"] = f"cannot read the archived response: {exc}"
    else:
        note["warc_error"] = "the document points at no archived response"
    shot = _local_file(evidence.get("screenshot"), data_dir)
    if shot is not None:
        files[f"{folder}/screenshot{shot.suffix or '.png'}"] = shot.read_bytes()
        note["screenshot"] = f"{folder}/screenshot{shot.suffix or '.png'}"
        note["screenshot_kind"] = "taken by the crawler when the page was fetched"
    elif body:
        page_url = (doc.get("meta") or {}).get("page_url") or doc.get("url") or ""
        meta = doc.get("meta") or {}
        focus = (f'[data-post="{meta["channel"]}/{meta["post_id"]}"]'
                 if meta.get("channel") and meta.get("post_id") else None)
        try:
            shots = browser.render_archived(page_url, head, body, focus)
            name = f"{folder}/rendering-of-archived-response.png"
            files[name] = shots["page"]
            note["screenshot"] = name
            note["screenshot_kind"] = ("rendering of the archived response in headless "
                                       "Chromium, JavaScript off, no network")
            if "post" in shots:
                files[f"{folder}/rendering-of-archived-response-post.png"] = shots["post"]
                note["screenshot_post"] = f"{folder}/rendering-of-archived-response-post.png"
        except ScreenshotError as exc:
            note["screenshot_error"] = str(exc)
    else:
        note["screenshot_error"] = "no screenshot and no archived response to render"
    notes.append(note)
    return files


def _existing_draft(doc_ids: list[str], data_dir: Path) -> dict[str, Any] | None:
    for request in store.find(status="draft", doc_id=doc_ids[0], data_dir=data_dir):
        if request["doc_ids"] == doc_ids:
            return request
    return None


def draft(doc: dict[str, Any] | str, out_dir: str | Path | None = None, *,
          cluster: bool = False, lang: str | None = None, send_now: bool = False,
          smtp_url: str | None = None,
          members: list[dict[str, Any]] | None = None,
          data_dir: Path | None = None) -> dict[str, Any]:
    """Draft (or redraft) the request about `doc` into `out_dir` and track it.

    Returns {"request_id", "reference", "out_dir", "files": {name: path}, "recipient",
    "language", "status"}. `out_dir` defaults to DATA/takedown/requests/ID-DOCID, DATA being
    `data_dir` (default LUREWATCH_DATA). With `send_now`, the letter is also sent (see
    `send_request`). `members`: near-duplicates already read by the caller (the web UI reads
    its own index), instead of `cluster`.
    """
    data_dir = config.data_dir(data_dir)
    if isinstance(doc, dict) and members is not None:
        docs = [doc, *(m for m in members if m.get("id") != doc.get("id"))]
    else:
        docs = load_documents(doc, cluster)
    primary = docs[0]
    doc_ids = [d["id"] for d in docs]
    recipient = recipient_for(primary, data_dir=data_dir)
    try:
        language = letters.choose_language(recipient, primary.get("lang"), lang)
    except ValueError as exc:
        raise TakedownError(str(exc)) from None
    existing = _existing_draft(doc_ids, data_dir)
    request_id = existing["id"] if existing else store.create(
        doc_ids, primary.get("url"), primary.get("platform"), recipient, language,
        Path(out_dir or "."), [target_for(d) for d in docs], data_dir=data_dir)
    folder = Path(out_dir) if out_dir else (
        data_dir / "takedown" / "requests" / f"{request_id:05d}-{primary['id']}")
    folder.mkdir(parents=True, exist_ok=True)
    store.update_draft(request_id, recipient, language, folder.resolve(), data_dir=data_dir)
    reference = f"LW-TD-{request_id}-{primary['id'][:8]}"

    notes: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    letter = letters.render(docs, recipient, language, reference)
    pdf_error = None
    with Chromium() as browser:
        for d in docs:
            files.update(_evidence_files(d, notes, browser, data_dir))
        try:
            (folder / "request.pdf").write_bytes(browser.pdf(letter["html"]))
        except ScreenshotError as exc:
            pdf_error = str(exc)
            (folder / "request.pdf").unlink(missing_ok=True)
    zip_path = folder / "evidence.zip"
    manifest = bundle.build(zip_path, files, docs, {"request": reference, "posts": notes})

    message = letters.email_message(letter, recipient, zip_path, reference)
    (folder / "request.eml").write_bytes(message.as_bytes(policy=policy.SMTP))
    (folder / "request.html").write_text(letter["html"], encoding="utf-8")
    record = {
        "request_id": request_id, "reference": reference, "status": "draft",
        "created_at": now_utc(), "tool": bundle.tool_version(),
        "recipient": recipient, "language": language, "subject": letter["subject"],
        "document": {"id": primary["id"], "url": primary.get("url"),
                     "platform": primary.get("platform")},
        "documents": [{"id": d["id"], "url": d.get("url"), "platform": d.get("platform"),
                       "first_seen": d.get("first_seen"), "last_seen": d.get("last_seen")}
                      for d in docs],
        "evidence": [{"file": name, **entry} for name, entry in manifest["files"].items()],
        "evidence_notes": notes,
        "bundle": {"file": "evidence.zip", "sha256": bundle.sha256(zip_path.read_bytes())},
        "letter_pdf": "request.pdf" if pdf_error is None else None,
        "letter_pdf_error": pdf_error,
    }
    (folder / "request.json").write_text(json.dumps(record, ensure_ascii=False, indent=2),
                                         encoding="utf-8")
    result = {"request_id": request_id, "reference": reference, "out_dir": str(folder),
              "files": {name: str(folder / name) for name in FILES + OPTIONAL_FILES
                        if (folder / name).is_file()}, "recipient": recipient,
              "language": language, "status": "draft"}
    if send_now:
        result["status"] = "sent"
        result["server_answer"] = send_request(request_id, smtp_url, data_dir=data_dir)
    return result


def send_request(request_id: int, smtp_url: str | None = None, *,
                 data_dir: Path | None = None) -> str:
    """Send a drafted request (tracked in `data_dir`, default LUREWATCH_DATA) through
    LUREWATCH_SMTP, keep the message sent, mark it sent."""
    request = store.get(request_id, data_dir=data_dir)
    if request is None:
        raise TakedownError(f"no takedown request {request_id}; see `lurewatch takedown list`")
    folder = Path(request["out_dir"])
    try:
        message = message_from_bytes((folder / "request.eml").read_bytes(), policy=policy.SMTP)
    except OSError as exc:
        raise TakedownError(f"cannot read the draft {folder / 'request.eml'}: "
                            f"{exc.strerror}") from None
    assert isinstance(message, EmailMessage)
    if not message.get("To"):
        form = request["recipient"].get("form") or "its own report channel"
        raise TakedownError(f"{request['recipient'].get('name')} takes no e-mail: submit "
                            f"{folder / 'request.html'} through {form}")
    try:
        answer = send(message, smtp_url)
    except MailError as exc:
        raise TakedownError(str(exc)) from None
    kept = folder / "sent" / f"{now_utc().replace(':', '')}.eml"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(message.as_bytes(policy=policy.SMTP))
    store.add_sent(request_id, kept, answer, data_dir=data_dir)
    store.set_status(request_id, "sent", f"sent to {message['To']}: {answer}", data_dir=data_dir)
    return answer
