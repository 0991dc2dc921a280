"""The evidence bundle: a zip a recipient (or a court) can check without trusting us.

It holds each post's archived HTTP exchange copied byte for byte out of the crawl's WARC file,
a screenshot, the document as indexed (times first and last seen, indicators, entities), and
`manifest.json` with the SHA-256 of every other file and the tool's version. `verify` recomputes
every hash; a file changed, missing or added makes it fail.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from lurewatch.document import now_utc

MANIFEST = "manifest.json"


def tool_version() -> str:
    try:
        return f"lurewatch {metadata.version('lurewatch')}"
    except metadata.PackageNotFoundError:
        return "lurewatch (version unknown)"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def warc_records(warc: str | Path, record_id: str) -> bytes:
    """The response record `record_id` and the request record concurrent to it, as the raw
    (gzip member) bytes they have in the crawl's WARC file, so their digests still hold."""
    wanted: list[tuple[int, int]] = []
    with Path(warc).open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            headers = record.rec_headers
            own = headers.get_header("WARC-Record-ID")
            if own == record_id or headers.get_header("WARC-Concurrent-To") == record_id:
                records.read_to_end(record)
                wanted.append((records.get_record_offset(), records.get_record_length()))
        if not wanted:
            raise KeyError(f"record {record_id} is not in {warc}")
        out = io.BytesIO()
        for offset, length in wanted:
            stream.seek(offset)
            out.write(stream.read(length))
    return out.getvalue()


def build(path: Path, files: dict[str, bytes], documents: list[dict[str, Any]],
          notes: dict[str, Any]) -> dict[str, Any]:
    """Write the zip at `path` with `files` and a manifest; return the manifest."""
    manifest = {
        "tool": tool_version(), "created_at": now_utc(), "hash": "sha256",
        "files": {name: {"sha256": sha256(data), "bytes": len(data)}
                  for name, data in sorted(files.items())},
        "documents": [{
            "id": d.get("id"), "url": d.get("url"), "platform": d.get("platform"),
            "posted_at": d.get("posted_at"), "first_seen": d.get("first_seen"),
            "last_seen": d.get("last_seen"), "crawled_at": d.get("crawled_at"),
            "indicators": d.get("indicators") or [], "entities": d.get("entities") or {},
            "risk": d.get("risk"), "evidence": d.get("evidence"),
        } for d in documents],
        **notes,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def verify(path: Path) -> list[str]:
    """Problems found in the bundle at `path`; an empty list when every hash matches."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"{path} is not a readable zip: {exc}"]
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            return [f"{path} has no {MANIFEST}"]
        try:
            manifest = json.loads(archive.read(MANIFEST))
            listed = manifest["files"]
        except (ValueError, KeyError, TypeError):
            return [f"{MANIFEST} is not a bundle manifest"]
        problems = []
        for name, entry in sorted(listed.items()):
            if name not in names:
                problems.append(f"{name}: listed in the manifest but missing")
                continue
            try:
                data = archive.read(name)
            except (zipfile.BadZipFile, OSError) as exc:
                problems.append(f"{name}: unreadable ({exc})")
                continue
            if sha256(data) != entry.get("sha256"):
                problems.append(f"{name}: SHA-256 {sha256(data)} does not match the manifest's "
                                f"{entry.get('sha256')}")
        for name in sorted(names - set(listed) - {MANIFEST}):
            problems.append(f"{name}: not listed in the manifest")
    return problems
