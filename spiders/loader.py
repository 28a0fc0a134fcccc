"""Spiders are the registry's sources: `scrapy list` names them and `scrapy crawl SOURCE` crawls one.

No per-site code: each source gets the spider class of its kind, configured from the store.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.settings import BaseSettings
from sqlalchemy import inspect, make_url, select
from sqlalchemy.exc import SQLAlchemyError

from igtracker.db import is_sqlite, make_engine, session_scope
from igtracker.models import Source
from igtracker.spiders.base import SourceSpec, SourceSpider
from igtracker.spiders.document import DocumentSpider
from igtracker.spiders.feed import FeedSpider
from igtracker.spiders.icann import IcannProceedingSpider
from igtracker.spiders.itu import ItuContributionsSpider
from igtracker.spiders.listing import ListingSpider
from igtracker.spiders.sitemap import SitemapSpider

log = logging.getLogger(__name__)

SPIDERS_BY_KIND: dict[str, type[SourceSpider]] = {
    cls.kind: cls
    for cls in (FeedSpider, SitemapSpider, ListingSpider, DocumentSpider, ItuContributionsSpider, IcannProceedingSpider)
}


def spider_class(spec: SourceSpec) -> type[SourceSpider]:
    """A spider class bound to one source, so Scrapy can build it with no arguments (`scrapy crawl SOURCE`)."""
    base = SPIDERS_BY_KIND[spec.kind]

    def __init__(self: SourceSpider, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("spec", spec)
        base.__init__(self, *args, **kwargs)

    return type(f"{base.__name__}_{spec.slug.replace('-', '_')}", (base,), {"name": spec.slug, "__init__": __init__})


def load_specs(database_url: str, slugs: list[str] | None = None) -> list[SourceSpec]:
    """Active sources from the store (all, or the named ones); none when the store is not set up yet."""
    if is_sqlite(database_url):
        path = make_url(database_url).database
        if path and path != ":memory:" and not Path(path).exists():
            return []  # `scrapy list` must not leave an empty database behind
    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table("sources"):
            return []
        query = select(Source).where(Source.active.is_(True)).order_by(Source.slug)
        if slugs is not None:
            query = select(Source).where(Source.slug.in_(slugs))
        with session_scope(engine) as session:
            return [SourceSpec.from_source(s) for s in session.scalars(query)]
    except SQLAlchemyError as exc:
        log.warning("cannot read sources from the store: %s", exc)
        return []
    finally:
        engine.dispose()


class SourceSpiderLoader:
    def __init__(self, settings: BaseSettings) -> None:
        self._specs = {spec.slug: spec for spec in load_specs(settings.get("TRACKER_DATABASE_URL"))}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> SourceSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        if spider_name not in self._specs:
            known = ", ".join(sorted(self._specs)) or "none: run `tracker sources sync` first"
            raise KeyError(f"Spider not found: {spider_name} (sources in the store: {known})")
        return spider_class(self._specs[spider_name])

    def list(self) -> list[str]:
        return sorted(self._specs)

    def find_by_request(self, request: Request) -> list[str]:
        return [slug for slug, spec in self._specs.items() if request.url.startswith(spec.url)]
