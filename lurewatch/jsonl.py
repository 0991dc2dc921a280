"""Reading JSON Lines that may be broken: bad lines are reported with their number, not fatal."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any


def read_objects(
    stream: IO[bytes], on_error: Callable[[int, str], None],
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every line that holds a JSON object; blank lines are skipped.

    Invalid UTF-8 is replaced rather than refused: scraped text is often mis-encoded, and
    what can be read is worth keeping.
    """
    for number, raw in enumerate(stream, start=1):
        line = raw.decode("utf-8", "replace").strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            on_error(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            on_error(number, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield number, obj


class SkippedLines:
    """The `on_error` of `read_objects` for a command: one line on stderr per skipped line."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.count = 0

    def __call__(self, number: int, why: str) -> None:
        self.count += 1
        print(f"lurewatch {self.command}: line {number}: {why}; skipped", file=sys.stderr)
