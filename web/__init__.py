"""The analysts' workbench: server-rendered pages and a REST API over either index backend.

`create_app()` builds the FastAPI application; `serve()` runs it for `lurewatch serve`.
"""

from __future__ import annotations

from web.app import create_app

__all__ = ["create_app"]
