"""Scrapy settings derived from tracker's configuration, so `tracker crawl` and `scrapy crawl` behave alike."""

from __future__ import annotations

from typing import Any

from igtracker.config import Settings


def scrapy_settings(settings: Settings) -> dict[str, Any]:
    """Politeness, limits and the project's components, wired by Scrapy settings."""
    return {
        "BOT_NAME": "igtracker",
        "SPIDER_LOADER_CLASS": "igtracker.spiders.loader.SourceSpiderLoader",
        "USER_AGENT": settings.full_user_agent,
        "ROBOTSTXT_OBEY": settings.obey_robots,
        "AUTOTHROTTLE_ENABLED": settings.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(settings.download_delay, 1.0),
        "DOWNLOAD_DELAY": settings.download_delay,
        "CONCURRENT_REQUESTS": 16,
        # Pipelines write synchronously, one document at a time, so Scrapy's default of 100 parallel item
        # workers per response only costs task overhead.
        "CONCURRENT_ITEMS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrent_per_domain,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "DOWNLOAD_MAXSIZE": settings.max_page_bytes,
        "DOWNLOAD_WARNSIZE": settings.max_page_bytes,
        "RETRY_TIMES": settings.retry_times,
        "REDIRECT_MAX_TIMES": 10,
        "CLOSESPIDER_TIMEOUT": settings.crawl_time_limit,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "TWISTED_DNS_RESOLVER": "igtracker.spiders.resolver.PublicAddressResolver",
        "DOWNLOADER_MIDDLEWARES": {
            "igtracker.spiders.middlewares.AddressGuardMiddleware": 50,
            "igtracker.spiders.middlewares.ConditionalRequestMiddleware": 560,
            "igtracker.spiders.middlewares.RedirectLoopMiddleware": 650,
        },
        "ITEM_PIPELINES": {
            "igtracker.spiders.pipelines.ExtractPipeline": 300,
            "igtracker.spiders.pipelines.StorePipeline": 800,
        },
        "EXTENSIONS": {"igtracker.spiders.extensions.CrawlProgress": 500},
        "TRACKER_DATABASE_URL": settings.database_url,
        "TRACKER_ALLOW_PRIVATE_ADDRESSES": settings.allow_private_addresses,
        "TRACKER_RUN_ID": None,
        "TRACKER_PROGRESS": False,
    }
