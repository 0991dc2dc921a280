"""`lurewatch serve`: the workbench on one host and port, with a token unless on loopback."""

from __future__ import annotations

import os
import sys

from index import IndexError, open_index
from web.auth import is_loopback, new_token


def access_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """The token a server on `host` requires, and whether it was generated just now: the one
    given, else LUREWATCH_TOKEN, else a fresh one unless `host` is loopback (then none)."""
    token = token or os.environ.get("LUREWATCH_TOKEN") or None
    if token is None and not is_loopback(host):
        return new_token(), True
    return token, False


def serve(host: str, port: int, token: str | None) -> int:
    """Serve until interrupted. The token is `token`, else LUREWATCH_TOKEN; a server bound to
    anything but loopback gets a fresh one, printed here, when neither is set."""
    import uvicorn

    from web.app import create_app

    token, generated = access_token(host, token)
    where = os.environ.get("LUREWATCH_INDEX") or "the default index"
    try:
        with open_index() as index:
            where = index.location
            index.stats()
    except IndexError as exc:
        print(f"lurewatch serve: warning: {exc}", file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    print(f"lurewatch serve: index {where}", flush=True)
    if token is None:
        print(f"lurewatch serve: http://{shown}:{port}/ (loopback only, no token)", flush=True)
    else:
        if generated:
            print("lurewatch serve: generated a token (set LUREWATCH_TOKEN to choose one)",
                  flush=True)
        elif len(token) < 16:
            print("lurewatch serve: warning: the token is short; anyone who can reach this "
                  "port may guess it", file=sys.stderr)
        print(f"lurewatch serve: http://{shown}:{port}/?token={token}", flush=True)
        print(f"lurewatch serve: API: Authorization: Bearer {token}", flush=True)
    app = create_app(token=token)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False,
                    server_header=False)
    except (OSError, SystemExit):  # uvicorn logs why it could not listen, then exits
        print(f"lurewatch serve: cannot listen on {host}:{port}; choose another --port or "
              "--host", file=sys.stderr)
        return 1
    return 0
