"""Scrapy project settings (`scrapy list`, `scrapy crawl SOURCE`), read from TRACKER_* / tracker.toml."""

from tracker.spiders.config import scrapy_settings

from tracker.config import get_settings

globals().update(scrapy_settings(get_settings()))
LOG_LEVEL = "INFO"
