"""The lines of a document's text that are about the document, not statements in it: its title, bylines and
datelines, navigation. Extracted text keeps one heading or paragraph per line, so these are whole lines.

They are never the evidence of a stance: `coders.code_with` drops the readings resting on them. A title may still
inform the coder's reading of the sentences around it, but a position stated only in a headline is not quoted as
the actor's statement; where the body states it too, the body's sentence is the evidence.
"""

from __future__ import annotations

import re

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DATE = rf"(?:\d{{1,2}}\s+(?:{_MONTHS})\.?\s+\d{{4}}|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
# "Published by X on 5 November 2026.", "Posted on 3 May 2025", "Updated: 2026-01-02": a publication verb, then
# by/on/at, and a date or no more than a few words (a sentence that merely starts so goes on longer).
_PUBLICATION = re.compile(
    r"^(?:published|posted|updated|last\s+(?:updated|modified)|written|released|issued|filed)\s*(?:by|on|at|:)\s",
    re.IGNORECASE,
)
_HAS_DATE = re.compile(_DATE, re.IGNORECASE)
# "By Jane Doe", "By Jane Doe, Reuters": capitalised name words only.
_BY = re.compile(r"^By\s+(?:[A-Z][\w.'-]*\s*){1,5}(?:,\s*(?:[A-Z][\w.'-]*\s*){1,5})?$")
# A line that is only a date, optionally with a place: "5 November 2026", "Geneva, 12 March 2025", "2026-11-05".
_DATELINE = re.compile(rf"^(?:[A-Z][\w .'-]{{0,40}},\s*)?{_DATE}\.?$", re.IGNORECASE)
BYLINE_WORDS = 12
# Breadcrumbs and menus: short items joined by separators ("Home > News > Statements", "About | Press | Contact").
_NAVIGATION = re.compile(r"^(?:[^.!?|>»›/]{1,40}\s*(?:\||>|»|›|/)\s*){2,}[^.!?|>»›/]{1,40}$")


def _normal(text: str) -> str:
    return " ".join(text.split()).strip(" .:").casefold()


def is_metadata_line(line: str, title: str | None = None) -> bool:
    """Whether a line of extracted text is the document's title, a byline or dateline, or navigation."""
    stripped = line.strip()
    if not stripped:
        return False
    if title and _normal(stripped) == _normal(title):
        return True
    if _PUBLICATION.match(stripped) and (_HAS_DATE.search(stripped) or len(stripped.split()) <= BYLINE_WORDS):
        return True
    return bool(_BY.match(stripped) or _DATELINE.match(stripped) or _NAVIGATION.match(stripped))


def metadata_spans(text: str, title: str | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the metadata lines of `text`. A text that is one line only is its own body, even
    where the title repeats it (a short item whose title is its text)."""
    lines = text.splitlines(keepends=True)
    if sum(1 for line in lines if line.strip()) <= 1:
        title = None
    spans = []
    offset = 0
    for line in lines:
        if is_metadata_line(line, title):
            spans.append((offset, offset + len(line.rstrip("\r\n"))))
        offset += len(line)
    return spans


def in_metadata(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether the text from start to end lies within one metadata line."""
    return any(s <= start and end <= e for s, e in spans)
