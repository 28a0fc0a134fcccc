"""Crawled text made fit to show: clipped where it is displayed (the store keeps it whole), and stripped of control
characters before it reaches a terminal.

A crawled title, name or quote can be 100,000 characters without a space, or carry ANSI escapes; shown as is it
overflows the page, stalls the PDF renderer's line breaking or rewrites the operator's terminal.
"""

from __future__ import annotations

import re

NAME_CHARS = 120  # actor and bloc names
TITLE_CHARS = 200  # document titles, link texts
MESSAGE_CHARS = 300  # error reasons, source messages
ELLIPSIS = "\u2026"

# C0 and C1 controls (ESC starts every ANSI sequence) and the bidirectional overrides that reorder what follows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clip(text: object, limit: int = TITLE_CHARS) -> str:
    """At most `limit` characters, the cut marked with an ellipsis (words may be cut: a long token has none)."""
    value = "" if text is None else str(text)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + ELLIPSIS


def printable(text: object, limit: int | None = None) -> str:
    """Text safe for a terminal: control characters and bidi overrides removed (tabs and newlines become spaces),
    then clipped to `limit` when given."""
    value = _CONTROL.sub("", ("" if text is None else str(text)).replace("\t", " ").replace("\n", " "))
    return clip(value, limit) if limit else value
