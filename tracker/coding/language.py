"""Language detection, seeded so the same text always gets the same answer."""

from __future__ import annotations

import re

from langdetect import DetectorFactory, LangDetectException, detect_langs

DetectorFactory.seed = 0  # langdetect is random by default; coding must be reproducible
MIN_LETTERS = 20
ENGLISH_SHARE = 0.5


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the main language of `text`, or None when there is too little text to tell.

    Texts mixing languages (an English report quoting Arabic) count as English when English is at least half.
    """
    # Bracketed glosses ("[société pour l'attribution ...]") are not the text's language.
    sample = re.sub(r"https?://\S+|\[[^\]]*\]", " ", text)[:20000]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    try:
        candidates = detect_langs(sample)
    except LangDetectException:
        return None
    for candidate in candidates:
        if candidate.lang == "en" and candidate.prob >= ENGLISH_SHARE:
            return "en"
    return candidates[0].lang if candidates else None
