"""The evidence a post points at (WARC record, screenshot), served only from LUREWATCH_DATA.

A document's evidence paths come from the crawl, but the server must never become a way to
read any file on the machine: a path is served only when it resolves inside the data folder.
"""

from __future__ import annotations

from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".webp": "image/webp"}


def evidence_file(data_dir: Path, value: str | None) -> Path | None:
    """The file that an evidence path names, if it exists inside `data_dir`."""
    if not value or "\x00" in value:
        return None
    root = data_dir.resolve()
    given = Path(value)
    candidates = [given] if given.is_absolute() else [root / given, Path.cwd() / given]
    for candidate in candidates:
        path = candidate.resolve()
        if path.is_relative_to(root) and path.is_file():
            return path
    return None


def warc_record(path: Path, record_id: str) -> bytes | None:
    """The raw bytes of one WARC record (a complete gzip member when the file is
    compressed), found by its WARC-Record-ID, or None."""
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_headers.get_header("WARC-Record-ID") != record_id:
                continue
            offset, length = records.get_record_offset(), records.get_record_length()
            stream.seek(offset)
            raw = stream.read(length)
            return raw if raw[:2] == b"\x1f\x8b" else raw + b"\r\n\r\n"
    return None
