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
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
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
    "pipelines.evidence.WarcRecorder": 950,
}

# -- The pipeline: normalize -> evidence -> enrich -> index ---------------------------------------
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.evidence.EvidencePipeline": 200,
    "pipelines.enrich.EnrichPipeline": 300,
    "pipelines.index.IndexPipeline": 800,
}

# -- Incremental crawling (spiders/incremental.py) ------------------------------------------------
# Re-crawls fetch only what the index does not hold yet; False crawls everything again.
LUREWATCH_INCREMENTAL = True

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
# One WARC file per crawl (request and response records of every page fetched), relative to
# LUREWATCH_DATA; each document's `evidence` points at its page's record.
LUREWATCH_WARC_DIR = "warc"
