"""Per-kind options of a registry source (selectors and spider settings), validated with pydantic.

The registry validates `[sources.options]` with the model for the source's kind; the spiders read the same
models, so a registry that validates is one the spiders can crawl.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from lxml import etree
from parsel.csstranslator import HTMLTranslator
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc}): {value!r}") from None
    return value


def _css(value: str) -> str:
    try:
        HTMLTranslator().css_to_xpath(value)
    except Exception as exc:  # cssselect raises SelectorSyntaxError, ExpressionError and others
        raise ValueError(f"not a valid CSS selector ({exc}): {value!r}") from None
    return value


def _xpath(value: str) -> str:
    try:
        etree.XPath(value)
    except etree.XPathSyntaxError as exc:
        raise ValueError(f"not a valid XPath expression ({exc}): {value!r}") from None
    return value


# Compiled when the registry is validated, so a typo fails `tracker sources sync`, not every crawl.
Regex = Annotated[str, AfterValidator(_regex)]
Css = Annotated[str, AfterValidator(_css)]


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_pages: int = Field(default=200, ge=1, description="Stop after this many pages for this source")
    sample: bool = Field(default=False, description="Sample data, not real publications (the demo's site): "
                                                    "briefings built on its documents say so on every page")


class FeedOptions(_Options):
    """RSS/Atom feed: each entry's link is fetched as a document."""


class SitemapOptions(_Options):
    url_pattern: Regex | None = Field(default=None, description="Regex a URL must match to be fetched")


class ListingOptions(_Options):
    item_links: str = Field(description="Selector of links to documents on a listing page")
    next_page: str | None = Field(default=None, description="Selector of the link to the next listing page")
    selector_type: Literal["css", "xpath"] = "css"

    @model_validator(mode="after")
    def _selectors_compile(self) -> ListingOptions:
        check = _xpath if self.selector_type == "xpath" else _css
        check(self.item_links)
        if self.next_page is not None:
            check(self.next_page)
        return self


class DocumentOptions(_Options):
    """A single HTML, PDF or DOCX document."""


class ItuContributionsOptions(_Options):
    """A conference-contribution table: number, title, submitter, date, links to PDF/DOCX.

    Columns are found by matching the header cells' text against these regular expressions (case-insensitive).
    Each row's document is attributed to its submitter (a member state or group), not to the hosting body.
    """

    table: Css = Field(default="table", description="CSS selector of the contribution table(s)")
    number_header: Regex = r"^\s*(no\b|number|doc)"
    title_header: Regex = r"title|subject"
    submitter_header: Regex = r"source|submitted|submitter|origin"
    date_header: Regex = r"date"
    formats: list[Literal["pdf", "docx", "html", "page"]] = Field(
        default=["pdf", "docx"],
        description="File formats to fetch, in order of preference (one per row); 'page' is the row's first link, "
        "e.g. a document page where the table links no file",
    )
    next_page: Css | None = Field(default=None, description="CSS selector of the link to the next page")
    submitter_kind: str = Field(default="igo", description="Kind of a new actor for a submitter that is no country")


class IcannProceedingOptions(_Options):
    """A public-comment proceeding page listing submissions, each attributed to the organisation that filed it.

    Selectors are CSS, relative to one submission; `::text` and `::attr()` pseudo-elements are allowed.
    """

    item: Css = Field(default=".submission", description="CSS selector of one submission")
    organisation: Css = ".organization::text, .organisation::text"
    name: Css = Field(default=".name::text", description="The individual who filed it (when no organisation)")
    title: Css | None = ".title::text"
    date: Css | None = ".date::text"
    link: Css = "a::attr(href)"
    submitter_kind: str = Field(default="ngo", description="Kind of a new actor when the name gives no better clue")


OPTIONS_BY_KIND: dict[str, type[_Options]] = {
    "feed": FeedOptions,
    "sitemap": SitemapOptions,
    "listing": ListingOptions,
    "document": DocumentOptions,
    "itu_contributions": ItuContributionsOptions,
    "icann_proceeding": IcannProceedingOptions,
}
