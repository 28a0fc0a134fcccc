"""Scrapy project settings (`scrapy list`, `scrapy crawl SOURCE`), read from TRACKER_* / tracker.toml."""

from igtracker.config import get_settings
from igtracker.spiders.config import scrapy_settings

globals().update(scrapy_settings(get_settings()))
LOG_LEVEL = "INFO"
