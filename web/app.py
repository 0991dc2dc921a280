"""The application: routes, access control, security headers, error answers.

Pages are rendered on the server with autoescaped Jinja2; the only scripts are static files
(charts, the network graph), so the Content-Security-Policy forbids inline scripts and styles
and anything loaded from elsewhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from index import IndexError, IndexMissing, IndexUnavailable, QueryError
from lurewatch import config
from web import api, auth, pages, takedown_pages, watch_pages
from web.store import Store
from web.views import render

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
# Files of the npm packages (web/package.json) served under /static/vendor/.
VENDOR = {
    "chart.umd.min.js": NODE_MODULES / "chart.js" / "dist" / "chart.umd.min.js",
    "cytoscape.min.js": NODE_MODULES / "cytoscape" / "dist" / "cytoscape.min.js",
}

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

Next = Callable[[Request], Awaitable[Response]]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/openapi.json"))


def _problem(request: Request, status: int, message: str, title: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render("error.html", status, title=title, message=message,
                  location=request.app.state.store.url or "", login=False,
                  path=request.url.path)


def create_app(index_url: str | None = None, token: str | None = None,
               es_index: str | None = None, data_dir: Path | None = None) -> FastAPI:
    """The workbench over the index at `index_url` (default: LUREWATCH_INDEX).

    With `token`, every request must carry it (see web/auth.py); without, the server answers
    only requests addressed to a loopback name. `data_dir` (default: LUREWATCH_DATA) is where
    evidence files may be served from and where takedown requests are kept.
    """
    store = Store(index_url, es_index)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="lurewatch", version="0.1.0", docs_url=None, redoc_url=None,
        openapi_url="/openapi.json",
        description="Search, pivot and export fake job ads that recruit into scam compounds. "
                    "With a token configured, send `Authorization: Bearer TOKEN`.",
    )
    app.state.store = store
    app.state.token = token or None
    app.state.data_dir = config.data_dir(data_dir)

    @app.middleware("http")
    async def guard(request: Request, call_next: Next) -> Response:
        response = await _guarded(request, call_next)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def _guarded(request: Request, call_next: Next) -> Response:
        secret = app.state.token
        if secret is None:
            if not auth.loopback_host_header(request.headers.get("host")):
                return _problem(request, 400, "this server answers on localhost only; set a "
                                "token (LUREWATCH_TOKEN) to serve other hosts", "Wrong host")
            return await call_next(request)
        if request.url.path.startswith(auth.OPEN_PATHS):
            return await call_next(request)
        given = request.query_params.get("token")
        if request.method == "GET" and not _wants_json(request) and auth.same(given, secret):
            # a `?token=` link (as `lurewatch serve` prints it): swap it for a session cookie
            # and drop it from the address, so it stays out of history and logs
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response = RedirectResponse(target, 303)
            response.set_cookie(auth.COOKIE, auth.session_value(secret), httponly=True,
                                samesite="strict", path="/")
            return response
        if auth.authorised(secret, request.headers.get("authorization"),
                           request.cookies.get(auth.COOKIE)):
            return await call_next(request)
        if _wants_json(request):
            return JSONResponse({"detail": "a token is required: send Authorization: Bearer "
                                 "TOKEN (the token lurewatch serve printed, or LUREWATCH_TOKEN)"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = auth.safe_next(request.url.path + (f"?{request.url.query}"
                                                    if request.url.query else ""))
        return render("login.html", 401, next=target, error=None,
                      location="", login=True, path=request.url.path)

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, exc: QueryError) -> Response:
        return _problem(request, 400, str(exc), "Cannot run this query")

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ())[1:]]
            where = ".".join(loc) or "request"
            hint = api.HINTS.get((loc[0], error.get("type", ""))) if loc else None
            parts.append(hint or f"{where}: {error.get('msg', 'invalid')}")
        return _problem(request, 400, "; ".join(parts), "Cannot run this query")

    @app.exception_handler(IndexError)
    async def index_trouble(request: Request, exc: IndexError) -> Response:
        title = "No index yet" if isinstance(exc, IndexMissing) else "Index unavailable" \
            if isinstance(exc, IndexUnavailable) else "Index error"
        return _problem(request, 503, str(exc), title)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        response = _problem(request, exc.status_code, message, "Not found"
                            if exc.status_code == 404 else "Request refused")
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.get("/static/vendor/{name}", include_in_schema=False)
    def vendor(name: str) -> Response:
        path = VENDOR.get(name)
        if path is None or not path.is_file():
            raise HTTPException(404, f"{name} is not installed: run `npm ci --prefix web`")
        return FileResponse(path, media_type="text/javascript")

    def openapi() -> dict[str, Any]:
        """FastAPI's description, without the 422 answers it lists but this app never gives
        (parameter errors are 400s with a readable `detail`, like every other bad query)."""
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes,
                                 description=app.description)
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    for module in (watch_pages, takedown_pages):
        app.include_router(module.api)
        app.include_router(module.router)
    return app
