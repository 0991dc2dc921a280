"""The configured sources (sources.yaml): what `lurewatch crawl` and the scheduler run.

    sources:
      NAME:
        spider: telegram              # a spider of spiders/
        arguments: {channel: ...}     # its arguments (CONTRACT.md, the spiders' docstrings)
        schedule: "*/30 * * * *"      # cron, for `lurewatch schedule` (optional)
        tags: [telegram, ko]          # free labels (optional)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = "sources.yaml"


class SourcesError(ValueError):
    """sources.yaml cannot be used as written; the message says where and why."""


@dataclass(frozen=True)
class Source:
    name: str
    spider: str
    arguments: dict[str, str] = field(default_factory=dict)
    schedule: str | None = None
    tags: tuple[str, ...] = ()


def sources_path(path: str | None = None) -> Path:
    """The file named on the command line, else LUREWATCH_SOURCES, else ./sources.yaml."""
    return Path(path or os.environ.get("LUREWATCH_SOURCES") or DEFAULT_PATH)


def load_sources(path: Path, spiders: set[str]) -> dict[str, Source]:
    """Every source of the file, checked against the spiders that exist."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"cannot read {path}: {exc.strerror}; give --sources PATH "
                           "or set LUREWATCH_SOURCES") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SourcesError(f"{path} is not valid YAML{where}") from exc
    entries: Any = (raw or {}).get("sources") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise SourcesError(f"{path} needs a top-level `sources:` mapping of NAME: {{spider: ...}}")
    sources = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("spider"), str):
            raise SourcesError(f"{path}: source {name!r} needs `spider: NAME`")
        if entry["spider"] not in spiders:
            raise SourcesError(f"{path}: source {name!r} names spider {entry['spider']!r}; "
                               f"known spiders: {', '.join(sorted(spiders))}")
        arguments = entry.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise SourcesError(f"{path}: `arguments` of source {name!r} must be a mapping")
        sources[str(name)] = Source(
            name=str(name), spider=entry["spider"],
            arguments={str(k): str(v) for k, v in arguments.items()},
            schedule=entry.get("schedule"), tags=tuple(entry.get("tags") or ()),
        )
    return sources
