"""Where things are: the environment variables of CONTRACT.md, read in one place."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_ES_INDEX = "lurewatch-posts"


def data_dir(chosen: Path | str | None = None) -> Path:
    """`LUREWATCH_DATA` (default `./data`): evidence, takedown drafts, spool and state.

    `chosen` is a folder given in its place (a web app's own, a caller's `data_dir=`)."""
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("LUREWATCH_DATA") or "data").expanduser()


def index_url() -> str:
    """`LUREWATCH_INDEX`; by default the embedded SQLite file `data/lurewatch.db`.

    CONTRACT.md fixes the default as `sqlite:///data/lurewatch.db` relative to
    `LUREWATCH_DATA`'s parent, so that a data folder moved elsewhere takes its index along.
    """
    default = data_dir().parent / "data" / "lurewatch.db"
    return os.environ.get("LUREWATCH_INDEX") or f"sqlite:///{default}"


def es_index_name() -> str:
    """`LUREWATCH_ES_INDEX`: the Elasticsearch index or alias the documents go to."""
    return os.environ.get("LUREWATCH_ES_INDEX") or DEFAULT_ES_INDEX


def smtp_url() -> str | None:
    """`LUREWATCH_SMTP`: the mail server for alerts and takedown requests, or None.

    `smtp://[USER:PASSWORD@]HOST[:PORT]` (STARTTLS when the server offers it),
    `smtp+starttls://...` (STARTTLS required), `smtps://...` (TLS from the start).
    """
    return os.environ.get("LUREWATCH_SMTP") or None


def mail_from() -> str:
    """`LUREWATCH_MAIL_FROM`: the sender of alerts and takedown requests."""
    return os.environ.get("LUREWATCH_MAIL_FROM") or "lurewatch@localhost"
