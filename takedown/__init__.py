"""Takedown requests: recipients, drafts, evidence bundles, tracking and removal checks.

For other parts (the demo, the web UI): `takedown.draft(doc_or_id, out_dir)` drafts a request
and returns its paths (see takedown/drafting.py); `takedown.check_all()` re-checks open requests.
Both keep their files in the data folder given as `data_dir` (default LUREWATCH_DATA).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draft(doc: Any, out_dir: Any = None, **options: Any) -> dict[str, Any]:
    """Draft a takedown request for one document (or its id); see takedown.drafting.draft."""
    from takedown.drafting import draft as _draft

    return _draft(doc, out_dir, **options)


def check_all(request_ids: Any = None, *, data_dir: Path | None = None) -> list[dict[str, Any]]:
    """Re-fetch every open request's post and record whether it is gone; see takedown.check."""
    from takedown.check import check_requests

    return check_requests(request_ids, data_dir=data_dir)
