"""Showing scraped text in a terminal without letting it drive the terminal."""

from __future__ import annotations

import re

# C0/C1 controls (escape sequences start with ESC or CSI) and bidi overrides that can make a
# line read differently from what it holds.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: object, width: int | None = None) -> str:
    """Text with control characters shown as escapes, on one line, cut to `width`."""
    out = _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text or ""))
    out = " ".join(out.split())
    if width and len(out) > width:
        out = out[: width - 1] + "…"
    return out


def safe_block(text: str) -> str:
    """Like `safe`, but keeps line breaks and tabs: for showing whole documents."""
    return "\n".join(_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", line)
                     for line in text.replace("\r\n", "\n").split("\n"))
