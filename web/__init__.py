"""The analysts' workbench: server-rendered pages and a REST API over either index backend.

`create_app()` builds the FastAPI application; `serve()` runs it for `lurewatch serve`. The
application is imported on first use, so that the plain helpers of this package (web.querytext,
used by the watchlists) do not load FastAPI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from web.app import create_app

        return create_app
    raise AttributeError(f"module 'web' has no attribute {name!r}")
