"""Per-kind options of a registry source (selectors and spider settings), validated with pydantic.

The registry validates `[sources.options]` with the model for the source's kind; the spiders read the same
models, so a registry that validates is one the spiders can crawl.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_pages: int = Field(default=200, ge=1, description="Stop after this many pages for this source")


class FeedOptions(_Options):
    """RSS/Atom feed: each entry's link is fetched as a document."""


class SitemapOptions(_Options):
    url_pattern: str | None = Field(default=None, description="Regex a URL must match to be fetched")


class ListingOptions(_Options):
    item_links: str = Field(description="Selector of links to documents on a listing page")
    next_page: str | None = Field(default=None, description="Selector of the link to the next listing page")
    selector_type: Literal["css", "xpath"] = "css"


class DocumentOptions(_Options):
    """A single HTML, PDF or DOCX document."""


class ItuContributionsOptions(_Options):
    """A conference-contribution table: number, title, submitter, date, links to PDF/DOCX."""


class IcannProceedingOptions(_Options):
    """A public-comment proceeding page listing submissions by organisation."""


OPTIONS_BY_KIND: dict[str, type[_Options]] = {
    "feed": FeedOptions,
    "sitemap": SitemapOptions,
    "listing": ListingOptions,
    "document": DocumentOptions,
    "itu_contributions": ItuContributionsOptions,
    "icann_proceeding": IcannProceedingOptions,
}
