"""Sub-commands of `lurewatch` (registered by lurewatch.cli.build_parser)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def register(sub: Any, add: Callable[..., Any]) -> None:
    """Add this package's sub-commands to the `lurewatch` parser."""
