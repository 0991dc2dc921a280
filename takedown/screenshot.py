"""Pictures made in headless Chromium (Debian's, through Playwright) from what we hold only:
renderings of archived responses, and the letter as PDF.

JavaScript is off and every network request is aborted, except the one for the page's own
address, which is answered with the archived bytes: nothing is fetched, nothing the page
carries can run. One browser serves a whole draft (`Chromium` is a context manager).
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 20_000


class ScreenshotError(Exception):
    """Chromium could not start or render; the text says why."""


def chromium_path() -> str:
    """LUREWATCH_CHROMIUM, else Debian's chromium (Playwright cannot download its own here)."""
    return os.environ.get("LUREWATCH_CHROMIUM") or DEFAULT_CHROMIUM


def _content_type(head: str) -> str:
    for line in head.splitlines()[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            return value.strip()
    return "text/html"


class Chromium:
    """A browser started on first use and closed on exit; failures become ScreenshotError."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None
        self.error: str | None = None

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    def _context(self) -> Any:
        from playwright.sync_api import Error, sync_playwright

        if self.error:
            raise ScreenshotError(self.error)
        try:
            if self._browser is None:
                self._playwright = sync_playwright().start()
                self._browser = self._playwright.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
            return self._browser.new_context(java_script_enabled=False,
                                             viewport={"width": 1024, "height": 768},
                                             service_workers="block")
        except Error as exc:
            self.error = f"Chromium could not start: {str(exc).splitlines()[0]}"
            raise ScreenshotError(self.error) from None

    def render_archived(self, url: str, head: str, body: bytes,
                        focus: str | None = None) -> dict[str, bytes]:
        """PNGs of an archived response (`head`: status line and headers): {"page": full
        page}, plus {"post": ...} of the element matching the CSS selector `focus` when the
        page has it (one message in a channel preview of twenty)."""
        from playwright.sync_api import Error, Route

        content_type = _content_type(head)

        def answer(route: Route) -> Any:
            request = route.request
            if request.resource_type == "document" and \
                    request.url.split("#")[0] == url.split("#")[0]:
                return route.fulfill(status=200, body=body,
                                     headers={"content-type": content_type})
            return route.abort()

        context = self._context()
        try:
            page = context.new_page()
            page.route("**/*", answer)
            page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
            shots = {"page": page.screenshot(full_page=True, type="png", timeout=TIMEOUT_MS)}
            element = page.query_selector(focus) if focus else None
            if element is not None:
                shots["post"] = element.screenshot(type="png", timeout=TIMEOUT_MS)
            return shots
        except Error as exc:
            raise ScreenshotError(f"Chromium could not render {url}: "
                                  f"{str(exc).splitlines()[0]}") from None
        finally:
            context.close()

    def pdf(self, html: str) -> bytes:
        """The letter (our own HTML, scraped text escaped in it) as an A4 PDF."""
        from playwright.sync_api import Error

        context = self._context()
        try:
            page = context.new_page()
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load", timeout=TIMEOUT_MS)
            return page.pdf(format="A4", print_background=True,
                            margin={"top": "18mm", "bottom": "18mm", "left": "16mm",
                                    "right": "16mm"})
        except Error as exc:
            raise ScreenshotError(f"Chromium could not print the letter: "
                                  f"{str(exc).splitlines()[0]}") from None
        finally:
            context.close()
