"""`lurewatch sources ...`: the configured sources and the candidates discovered from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def register(sub: Any, add: Callable[..., Any]) -> None:
    """Add the `sources` sub-command to the `lurewatch` parser."""
