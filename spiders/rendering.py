"""Scrapy settings for spiders that render pages in Debian's Chromium through scrapy-playwright.

A spider opts in with `custom_settings = browser_settings()`, so that only it starts a browser;
its requests render only when they carry `meta={"playwright": True}` (robots.txt and other
plain requests still go through Scrapy's own downloader). Playwright cannot download a browser
here: it drives /usr/bin/chromium. Chromium refuses to run as root with its sandbox on, hence
--no-sandbox; the other switches keep it from calling home.
"""

from __future__ import annotations

from typing import Any

from scrapy_playwright.page import PageMethod

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--mute-audio"]
VIEWPORT = {"width": 1280, "height": 900}
# The browser context is made on the first rendered request (no startup contexts: Scrapy makes
# one handler for http and one for https, and each would launch a browser of its own).
CONTEXT = "rendering"
CONTEXT_KWARGS = {"viewport": VIEWPORT, "locale": "en-GB", "service_workers": "block"}
HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
NAVIGATION_TIMEOUT_MS = 30_000


def browser_settings(navigation_timeout_ms: int = NAVIGATION_TIMEOUT_MS) -> dict[str, Any]:
    """The settings a rendering spider puts in its `custom_settings`."""
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        # scrapy-playwright needs the asyncio reactor (Scrapy's default since 2.7; stated here
        # so that a project setting cannot take it away from this spider).
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS,
            "timeout": navigation_timeout_ms,
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": navigation_timeout_ms,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
        # One rendered page at a time per site: a browser page costs far more than a fetch.
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }


def render_meta(*methods: PageMethod, events: dict[str, str] | None = None) -> dict[str, Any]:
    """Request.meta that renders a request in the browser and runs `methods` on its page;
    `events` maps page events ("response", ...) to the names of spider methods handling them."""
    return {"playwright": True, "playwright_context": CONTEXT,
            "playwright_context_kwargs": CONTEXT_KWARGS, "playwright_page_methods": list(methods),
            "playwright_page_event_handlers": dict(events or {})}
