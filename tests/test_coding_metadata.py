"""Titles, bylines, datelines and navigation are metadata: never the quoted evidence of a stance."""

from __future__ import annotations

import pytest

from igtracker.coding.codebook import load_codebook
from igtracker.coding.coder import RuleCoder, default_lexicon
from igtracker.coding.coders import CodingContext, code_with
from igtracker.coding.metadata import is_metadata_line

TITLE = "Europe must reject network fees"


@pytest.mark.parametrize("line", [
    "Published by Internet Corporation for Assigned Names and Numbers on 18 November 2026.",
    "Posted on 3 May 2025",
    "Updated: 2026-01-02",
    "By Jane Doe, Reuters",
    "Geneva, 12 March 2025",
    "Home > News > Statements",
    TITLE,
])
def test_metadata_lines(line: str) -> None:
    assert is_metadata_line(line, TITLE)


@pytest.mark.parametrize("line", [
    "By doing so, governments would take control of the Internet, which we oppose.",
    "Published reports show that operators want content providers to pay network fees, and we oppose that.",
    "We oppose surveillance of users and/or their traffic.",
    "Europe must reject network fees, as we have said since 2022.",
])
def test_statements_are_not_metadata(line: str) -> None:
    assert not is_metadata_line(line, TITLE)


def stances(text: str, title: str | None) -> list:
    context = CodingContext(("Access Now",), default_lexicon(), "en", title)
    return code_with(RuleCoder(), text, context, load_codebook())


def test_a_headline_is_never_the_evidence() -> None:
    body = "We oppose the proposal to make content providers pay network fees to operators."
    text = f"{TITLE}\nPublished by Access Now on 20 November 2026.\n{body}"
    found = stances(text, TITLE)
    assert found and {s.evidence for s in found} == {body}
    assert stances(f"{TITLE}\nPublished by Access Now on 20 November 2026.", TITLE) == []  # headline alone: none
    assert stances(body, body)  # a one-line item whose title repeats its text is its own body
