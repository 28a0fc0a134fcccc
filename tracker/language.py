"""The one language detector (py3langid): the crawl stores its answer on the document and the coder reuses it.

py3langid is deterministic (the same text always gets the same answer) and ships its model in the package.
"""

from __future__ import annotations

import re

import py3langid

MIN_LETTERS = 20
SAMPLE_CHARS = 20000
# URLs and bracketed glosses ("[société pour l'attribution ...]") are not the text's language.
_NOT_TEXT = re.compile(r"https?://\S+|\[[^\]]*\]")
# Varieties py3langid tells apart that the coder reads as one language (Wu and Cantonese are written Chinese here).
SAME_AS = {"wuu": "zh", "yue": "zh", "cmn": "zh"}


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the main language of `text`, or None when there is too little text to tell."""
    sample = _NOT_TEXT.sub(" ", text[:SAMPLE_CHARS])
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    language, _score = py3langid.classify(sample)
    return SAME_AS.get(language, language)
