"""Scrapy item pipelines, in the order settings.ITEM_PIPELINES runs them:
normalize (item -> document) -> enrich -> index."""
