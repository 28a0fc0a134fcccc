"""Progress events for the process that launched the crawl: one JSON object per line on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any

from scrapy.crawler import Crawler


def emit(crawler: Crawler, event: str, **fields: Any) -> None:
    """Write an event if TRACKER_PROGRESS is on (the crawl launcher reads stdout; Scrapy logs go to stderr)."""
    if not crawler.settings.getbool("TRACKER_PROGRESS"):
        return
    sys.stdout.write(json.dumps({"event": event, **fields}, default=str) + "\n")
    sys.stdout.flush()
