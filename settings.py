"""Scrapy settings for lurewatch, and lurewatch's own settings with their defaults.

Every setting lurewatch reads is defined and documented here, in one place (as Scrapy's own
default_settings module does). Override any of them with `-s NAME=VALUE` or in a source's
configuration; the index location comes from the environment (CONTRACT.md), not from here.
"""

BOT_NAME = "lurewatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# -- Politeness -------------------------------------------------------------------------------
# A browser-like User-Agent that names the tool and where to read about it.
LUREWATCH_CONTACT_URL = "https://github.com/lurewatch/lurewatch#contact"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/126.0 Safari/537.36 lurewatch/0.1 (+{LUREWATCH_CONTACT_URL})"
)
# robots.txt is obeyed. A source may opt out only with a reason, given as spider arguments
# (`-a robots=ignore -a robots_reason="..."`, or in sources.yaml); the reason is logged and kept
# in the crawl's stats. Without a reason the opt-out is refused (spiders/middlewares.py).
ROBOTSTXT_OBEY = True
# At most 16 requests in flight, 4 per domain; AutoThrottle adapts the delay to the server's
# latency, aiming at 4 requests in parallel per domain, between 0.5 s and 30 s apart.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
# Retries (spiders.middlewares.PoliteRetry in place of Scrapy's RetryMiddleware): each waits
# first, for a 429/503's Retry-After (seconds or HTTP date, at most LUREWATCH_RETRY_AFTER_MAX
# seconds), else LUREWATCH_RETRY_BACKOFF_BASE seconds doubled per attempt, at most
# LUREWATCH_RETRY_BACKOFF_MAX.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
LUREWATCH_RETRY_BACKOFF_BASE = 1.0
LUREWATCH_RETRY_BACKOFF_MAX = 60.0
LUREWATCH_RETRY_AFTER_MAX = 300.0
# A server that never answers costs at most this many seconds per attempt.
DOWNLOAD_TIMEOUT = 30
# Huge responses are cut, not crawled: 16 MB is far more than any ad page needs.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# -- Evidence: every response is archived (WARC) before it is decompressed or parsed ------------
DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.RobotsOptOut": 90,  # before Scrapy's RobotsTxtMiddleware (100)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.PoliteRetry": 550,
    "spiders.middlewares.RedirectLoopGuard": 610,  # sees a 3xx before RedirectMiddleware (600)
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
    "spiders.httpcache.RevalidatingCache": 900,  # Scrapy's place for its cache
    "pipelines.evidence.WarcRecorder": 950,  # nearer the downloader: sees the real 304s
}

# -- HTTP cache (spiders/httpcache.py): saves bandwidth, never freshness --------------------------
# Every cached page is revalidated on every crawl (If-None-Match / If-Modified-Since): a 304
# serves the cached page, anything else is the page now; a watch crawl must never miss a change
# because a page looked fresh. Only pages with an ETag or Last-Modified are kept (the others are
# fetched again anyway), never no-store ones, nor pages rendered in a browser. A 304 is archived
# as a WARC revisit record, and the page's documents point at the record that holds its body.
# Off with `-s HTTPCACHE_ENABLED=False`.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "spiders.httpcache.AlwaysRevalidate"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
# The cache lives in LUREWATCH_DATA/LUREWATCH_HTTPCACHE_DIR (the add-on below makes Scrapy's
# HTTPCACHE_DIR that absolute path; `-s HTTPCACHE_DIR=PATH` overrides it).
LUREWATCH_HTTPCACHE_DIR = "httpcache"
ADDONS = {"spiders.httpcache.CacheInDataDir": 0}
# Errors and throttling say nothing about the page: never stored (nor served, see above).
HTTPCACHE_IGNORE_HTTP_CODES = [408, 429, *range(500, 600)]
# Bodies are stored gzipped: a watch crawler keeps every page it watches.
HTTPCACHE_GZIP = True

# -- The pipeline: normalize -> evidence -> enrich -> index ---------------------------------------
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.evidence.EvidencePipeline": 200,
    "pipelines.enrich.EnrichPipeline": 300,
    "pipelines.index.IndexPipeline": 800,
}

# -- Incremental crawling (spiders/incremental.py) ------------------------------------------------
# Re-crawls fetch only what the index does not hold yet; False crawls everything again.
# Telegram stops paging back at the first preview page whose posts are all indexed. Job boards
# skip a job page already indexed unless the sitemap's <lastmod> or the feed's date for it is
# newer than when it was fetched (a listing page gives no date: its known job pages are skipped,
# and paging stops at a listing page whose job links are all known). What was fetched, per URL,
# is kept in LUREWATCH_DATA/LUREWATCH_STATE_DIR/pages.sqlite3.
LUREWATCH_INCREMENTAL = True
LUREWATCH_STATE_DIR = "state"
# `lurewatch crawl SOURCE` keeps Scrapy's JOBDIR (pending requests, seen fingerprints) in
# LUREWATCH_DATA/LUREWATCH_JOBS_DIR/SOURCE/SPIDER-HASH (one per spider and arguments, see
# lurewatch/crawl.py): a crawl stopped half-way (SIGTERM, Ctrl-C) resumes there when started
# again; a crawl that finishes removes it, so the next one starts afresh.
# `scrapy crawl` takes `-s JOBDIR=PATH` directly.
LUREWATCH_JOBS_DIR = "jobs"

# -- After a crawl: the watchlists are evaluated against what it indexed (alerts/) -----------------
EXTENSIONS = {
    "alerts.extension.AlertsAfterCrawl": 500,
}
# Evaluate the watchlists when a crawl closes (the scheduler and `lurewatch alerts run` do too).
LUREWATCH_ALERTS = True

# -- lurewatch's own settings ---------------------------------------------------------------------
# Run spaCy's named-entity recognition for organisations and persons (slower; off for speed).
LUREWATCH_NER = True
# Documents written to the index per batch (one `_bulk` or one SQLite transaction).
LUREWATCH_INDEX_BATCH = 200
# Documents that could not be indexed (index down, rejected batch) wait here as JSON Lines,
# relative to LUREWATCH_DATA, and are indexed at the start of the next crawl.
LUREWATCH_SPOOL_DIR = "spool"
# One WARC file per crawl (request and response records of every page fetched; a revisit
# record for each page the server said was not modified), relative to LUREWATCH_DATA; each
# document's `evidence` points at the response record that holds its page's body.
LUREWATCH_WARC_DIR = "warc"
# Full-page screenshots of pages rendered in Chromium, relative to LUREWATCH_DATA, one folder per
# crawl; each document of a rendered page names its screenshot in `evidence.screenshot`.
LUREWATCH_SCREENSHOT_DIR = "screenshots"
