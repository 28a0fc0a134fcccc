"""The crawler process `igtracker.crawl.run_crawl` starts: `python -m igtracker.spiders.runner`, configured on stdin.

Scrapy's reactor cannot restart inside one process, so every crawl gets a fresh process; the launcher reads
progress events from our stdout and settles the run when we exit.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from twisted.internet import task

from igtracker import crawl_runs
from igtracker.config import Settings
from igtracker.db import make_engine, session_scope
from igtracker.spiders.config import scrapy_settings
from igtracker.spiders.loader import load_specs, spider_class

log = logging.getLogger(__name__)

PARENT_CHECK_SECONDS = 2.0


def crawl(config: dict[str, Any]) -> None:
    settings = Settings(**config["settings"])
    run_id = int(config["run_id"])
    values = scrapy_settings(settings)
    values.update(TRACKER_RUN_ID=run_id, TRACKER_PROGRESS=True, LOG_LEVEL=config.get("log_level", "WARNING"))
    values.update(config.get("scrapy_settings", {}))
    process = CrawlerProcess(ScrapySettings(values))
    specs = load_specs(settings.database_url, config["sources"])
    for spec in specs:
        deferred = process.crawl(spider_class(spec))
        deferred.addErrback(_could_not_crawl, settings.database_url, run_id, spec.id)
    parent = config.get("parent_pid")
    if parent:
        task.LoopingCall(_stop_if_orphaned, process, int(parent)).start(PARENT_CHECK_SECONDS, now=False)
    process.start()


def _stop_if_orphaned(process: CrawlerProcess, parent_pid: int) -> None:
    """The launcher is gone (killed): stop cleanly rather than crawl on, unwatched, beside the next crawl."""
    if os.getppid() != parent_pid:
        log.warning("the crawl launcher (pid %d) is gone; stopping", parent_pid)
        process.stop()


def _could_not_crawl(failure: Any, database_url: str, run_id: int, source_id: int) -> None:
    """A source whose spider could not start or crashed: record it, let the others go on."""
    log.error("source %s failed: %s", source_id, failure.getTraceback())
    with session_scope(make_engine(database_url)) as session:
        crawl_runs.record_error(session, run_id, source_id, None, f"crawler failed: {failure.value!r}")
        crawl_runs.save_counts(session, run_id, source_id, {"errors_count": 1})


def main() -> None:
    config = json.load(sys.stdin)
    crawl(config)


if __name__ == "__main__":
    main()
