"""Scrapy spiders, one module per source family; each yields the plain-dict items of items.md."""
