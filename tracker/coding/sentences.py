"""Sentence splitting with character offsets, so every stance can point at its evidence in the document text.

A deliberately plain splitter: sentence-final punctuation followed by a capital, a quote or a digit ends a
sentence unless the word before it is a known abbreviation or an initial ("U.S.", "Dr.", "H. Con. Res.");
a line break always ends one: extracted text keeps one paragraph, heading or list item per line (PDF lines are
reflowed first), so a lead-in ending in a colon and the quote set below it are two sentences, and a headline is
not glued to the first sentence. Quotes closing after the full stop stay with their sentence. Chinese full stops
("。", "！", "？") always end a sentence (no space follows them); Arabic has no capitals, so an Arabic letter after
". " or "؟ " starts one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "st", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "jr", "sr", "inc", "ltd",
    "co", "corp", "plc", "llc", "no", "nos", "vol", "pp", "fig", "art", "arts", "para", "paras", "sec", "res", "con",
    "h", "e.g", "i.e", "etc", "vs", "cf", "approx", "dept", "univ", "est", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.u", "u.s.a",
})

# End of sentence: . ! ? (possibly repeated), optional closing quotes/brackets, then whitespace.
# A closing mark right after the stop, German's "“" and French's " »" included.
_BOUNDARY = re.compile(r"[.!?؟]+(?:[\"'”’»“)\]]|\s»)*(?=\s)|[。！？]+[”’」』）]*")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+(?:[\"'“‘„(\[]|«\s?)?[A-Z0-9À-ÖØ-ÞА-ЯЁ\u0600-\u06ff]")  # "« Le" too
_FULL_STOPS = "。！？"
MAX_SENTENCE = 1000  # characters; longer stretches are cut at a space
_PARAGRAPH = re.compile(r"[ \t]*\n\s*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True)
class Sentence:
    """A sentence and where it sits in the text it came from."""

    text: str
    start: int
    end: int


def _is_abbreviation(chunk: str) -> bool:
    match = _WORD_BEFORE.search(chunk)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in ABBREVIATIONS:
        return True
    # A single letter ("H.", "J.") is an initial; "A.B.C" style tokens are acronyms with dots.
    return len(word) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _PARAGRAPH.finditer(text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text`, each with start/end offsets such that text[start:end] == sentence.text."""
    sentences: list[Sentence] = []
    for para_start, para_end in _paragraphs(text):
        cursor = para_start
        for match in _BOUNDARY.finditer(text, para_start, para_end):
            end = match.end()
            if text[match.start()] in _FULL_STOPS:
                _add(sentences, text, cursor, end)
                cursor = end
                continue
            if not _NEXT_STARTS_SENTENCE.match(text, end, para_end):
                continue
            if text[match.start()] == "." and _is_abbreviation(text[cursor : match.start() + 1].rstrip(".")):
                continue
            _add(sentences, text, cursor, end)
            cursor = end
        _add(sentences, text, cursor, para_end)
    return sentences


def _add(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:
        # Text without punctuation (tables, extracted PDFs): cut at a space so the coder's work stays linear.
        cut = text.rfind(" ", start, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        sentences.append(Sentence(text[start:cut], start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        sentences.append(Sentence(text[start:end], start, end))
