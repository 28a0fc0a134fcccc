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
    """A conference-contribution table: number, title, submitter, date, links to PDF/DOCX.

    Columns are found by matching the header cells' text against these regular expressions (case-insensitive).
    Each row's document is attributed to its submitter (a member state or group), not to the hosting body.
    """

    table: str = Field(default="table", description="CSS selector of the contribution table(s)")
    number_header: str = r"^\s*(no\b|number|doc)"
    title_header: str = r"title|subject"
    submitter_header: str = r"source|submitted|submitter|origin"
    date_header: str = r"date"
    formats: list[Literal["pdf", "docx", "html", "page"]] = Field(
        default=["pdf", "docx"],
        description="File formats to fetch, in order of preference (one per row); 'page' is the row's first link, "
        "e.g. a document page where the table links no file",
    )
    next_page: str | None = Field(default=None, description="CSS selector of the link to the next page")
    submitter_kind: str = Field(default="igo", description="Kind of a new actor for a submitter that is no country")


class IcannProceedingOptions(_Options):
    """A public-comment proceeding page listing submissions, each attributed to the organisation that filed it.

    Selectors are CSS, relative to one submission; `::text` and `::attr()` pseudo-elements are allowed.
    """

    item: str = Field(default=".submission", description="CSS selector of one submission")
    organisation: str = ".organization::text, .organisation::text"
    name: str = Field(default=".name::text", description="The individual who filed it (when no organisation)")
    title: str | None = ".title::text"
    date: str | None = ".date::text"
    link: str = "a::attr(href)"
    submitter_kind: str = Field(default="ngo", description="Kind of a new actor when the name gives no better clue")


OPTIONS_BY_KIND: dict[str, type[_Options]] = {
    "feed": FeedOptions,
    "sitemap": SitemapOptions,
    "listing": ListingOptions,
    "document": DocumentOptions,
    "itu_contributions": ItuContributionsOptions,
    "icann_proceeding": IcannProceedingOptions,
}
