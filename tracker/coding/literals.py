"""Words a regular expression cannot match without: a cheap, exact pre-check before scanning a text with it.

The coder scans every sentence with each of the codebook's targets and each general cue, and most sentences
contain the words of only a few of them. Python's `re` tries a pattern at every position of the text (a leading
look-behind such as `(?<![\\w-])` defeats its own literal-prefix search), so skipping the patterns whose
required words are absent saves most of the scanning. `required_words` reads the pattern's parse tree: a match
must contain at least one of the returned words. Case-insensitive matching of an ASCII literal is plain
lower-casing in any text but one holding the four characters outside ASCII that `re` folds onto ASCII letters
(Python's `re` documentation, IGNORECASE); such text is always scanned.
"""

from __future__ import annotations

import functools
import re
from typing import Any

try:  # the parser `re` itself uses (Python 3.11+); without it, no pattern is pre-checked
    from re import _constants as _c
    from re import _parser
except ImportError:  # pragma: no cover - a Python whose `re` is laid out differently
    _parser = None

MIN_WORD = 3  # shorter literals would let almost every text through
# The only characters outside ASCII that match an ASCII letter case-insensitively or lower-case into one: "İ", "ı",
# "ſ" and the Kelvin sign (checked over every code point).
FOLDS_ONTO_ASCII = frozenset("\u0130\u0131\u017f\u212a")


@functools.lru_cache(maxsize=4096)
def required_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case ASCII strings of which every match of `pattern` contains at least one; None if unknown."""
    if _parser is None:
        return None
    try:
        found = _sequence(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # an unknown construct: scan as usual
        return None
    return frozenset(found) if found else None


class PatternFilter:
    """Which of a fixed list of patterns may match a text: each distinct required word is looked for once."""

    def __init__(self, patterns: tuple[re.Pattern[str], ...]) -> None:
        self.required = [required_words(pattern) for pattern in patterns]
        self.vocabulary = sorted(set().union(*(words for words in self.required if words)))

    def candidates(self, text: str) -> list[bool]:
        """Per pattern, False only where it certainly finds nothing in `text` (text with a character that folds
        onto ASCII: all True)."""
        if not text.isascii() and not FOLDS_ONTO_ASCII.isdisjoint(text):
            return [True] * len(self.required)
        lowered = text.lower()
        present = {word for word in self.vocabulary if word in lowered}
        return [words is None or not words.isdisjoint(present) for words in self.required]


@functools.lru_cache(maxsize=16)
def pattern_filter(patterns: tuple[re.Pattern[str], ...]) -> PatternFilter:
    return PatternFilter(patterns)


def _best(candidates: list[set[str]]) -> set[str] | None:
    """Of several sets each of which a match must hit, the most selective (longest shortest word)."""
    usable = [c for c in candidates if c and min(map(len, c)) >= MIN_WORD]
    return max(usable, key=lambda c: (min(map(len, c)), -len(c))) if usable else None


def _sequence(items: Any) -> set[str] | None:
    """Items matched one after another: each run of literals is required, and so is each required part."""
    candidates: list[set[str]] = []
    run: list[str] = []
    for op, value in items:
        char = chr(value).lower() if op is _c.LITERAL else None
        if char is not None and char.isascii():
            run.append(char)
            continue
        if run:
            candidates.append({"".join(run)})
            run = []
        part = _item(op, value)
        if part:
            candidates.append(part)
    if run:
        candidates.append({"".join(run)})
    return _best(candidates)


def _item(op: Any, value: Any) -> set[str] | None:
    if op is _c.SUBPATTERN:
        return _sequence(value[-1])
    if op is _c.BRANCH:
        words: set[str] = set()
        for branch in value[1]:
            found = _sequence(branch)
            if not found:
                return None  # a branch without a required word: nothing is required
            words |= found
        return words
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and value[0] >= 1:
        return _sequence(value[2])
    if op is _c.ATOMIC_GROUP:
        return _sequence(value)
    return None  # classes, any character, anchors, look-arounds, optional parts: nothing required
