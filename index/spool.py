"""Documents that could not be indexed wait here, as JSON Lines on disk, until they can be.

A crawl never loses what it fetched because the index was down or refused a batch: the batch
goes to the spool and the next writer (the next crawl, or `lurewatch index flush`) retries it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index.base import Index, IndexError


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, docs: Iterable[dict[str, Any]]) -> Path | None:
        docs = list(docs)
        if not docs:
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{time.time_ns()}-{os.getpid()}.jsonl"
        tmp = path.with_suffix(".part")
        with tmp.open("w", encoding="utf-8") as out:
            for doc in docs:
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        tmp.replace(path)  # a file either is whole in the spool or is not there
        return path

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.jsonl")) if self.directory.is_dir() else []

    def pending(self) -> int:
        return sum(1 for f in self.files() for line in f.open(encoding="utf-8") if line.strip())

    def drain(self, index: Index) -> int:
        """Index every spooled document; a file leaves the spool only once all of it is in.

        Returns the number of documents indexed; raises IndexError if the index is still
        unreachable (the files stay).
        """
        done = 0
        for path in self.files():
            docs = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
            report = index.upsert(docs)
            if report.failed:
                raise IndexError(
                    f"{len(report.failed)} spooled documents in {path} were refused again: "
                    f"{report.failed[0][1]}"
                )
            path.unlink()
            done += len(docs)
        return done
