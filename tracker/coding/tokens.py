"""Words with their offsets in the coder's languages, and matching of cue phrases against them.

Chinese is segmented by jieba (the `rjieba` binding, whose dictionary ships inside the package: nothing is
downloaded at run time); other scripts are cut at non-word characters. Arabic is normalised (short vowels and
tatweel dropped, alef, ya and ta marbuta forms unified) and each word is also read without its attached
conjunction, preposition or article ("والحكومات" is also "حكومات"). Words are compared by their Snowball stem.

A cue phrase is words separated by spaces; a word ending in `*` matches any word it begins. A phrase matches
its words in order with at most `MAX_GAP` other words between two of them ("taxe* internet" matches "taxe sur
l'Internet"). In Chinese a phrase matches where its characters stand (segmentation varies with context), a one-character
phrase only where it is a word of its own.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import rjieba
import snowballstemmer

from igtracker.coding.memo import memoised

STEMMERS = {"fr": "french", "es": "spanish", "pt": "portuguese", "ru": "russian", "ar": "arabic", "de": "german",
            "en": "english"}
SEGMENTED = frozenset({"zh"})  # written without spaces between words
MAX_GAP = 2
WORD = re.compile(r"[^\W_]+")
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640\u0670]")
ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
ARABIC_CLITICS = ("وال", "فال", "بال", "كال", "لل", "ال", "و", "ف", "ب", "ل")


@dataclass(frozen=True)
class Token:
    form: str  # normalised: case-folded, Arabic letters unified
    bare: str  # without an attached Arabic clitic (else the form)
    stem: str
    start: int
    end: int


class Tokens(list[Token]):
    """A text's tokens. `vocabulary` (their forms, bare forms and stems) lets a phrase whose first word is absent
    skip the scan: most of the codebook's phrases are absent from any one sentence."""

    @functools.cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(word for token in self for word in (token.form, token.bare, token.stem))


def normalise_word(word: str, language: str) -> str:
    word = unicodedata.normalize("NFC", word).casefold().replace("ё", "е")
    if language == "ar":
        word = ARABIC_MARKS.sub("", word).translate(ARABIC_LETTERS)
    return word


def _bare(form: str, language: str) -> str:
    if language != "ar":
        return form
    for clitic in ARABIC_CLITICS:
        if form.startswith(clitic) and len(form) - len(clitic) >= 3:
            return form[len(clitic):]
    return form


@functools.lru_cache(maxsize=16)
def _stemmer(language: str) -> snowballstemmer.stemmer | None:
    name = STEMMERS.get(language)
    return snowballstemmer.stemmer(name) if name else None


@functools.lru_cache(maxsize=65536)  # the same words recur in every text; the stemmers are pure Python
def stem(form: str, language: str) -> str:
    stemmer = _stemmer(language)
    return stemmer.stemWord(form) if stemmer is not None else form


def tokenise(text: str, language: str) -> Tokens:
    """The words of `text` with their offsets in it (once per text within a document's coding; not to be changed)."""
    return memoised(f"tokens:{language}", _TOKENISER, text, lambda: _tokenise(text, language))


_TOKENISER = object()  # the memo's owner for tokenisations


def _tokenise(text: str, language: str) -> Tokens:
    if language in SEGMENTED:
        spans = [(s, e) for _w, s, e in rjieba.tokenize(text) if text[s:e].strip()]
    else:
        spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
    tokens = Tokens()
    for start, end in spans:
        form = normalise_word(text[start:end], language)
        bare = _bare(form, language)
        tokens.append(Token(form, bare, stem(bare, language), start, end))
    return tokens


@dataclass(frozen=True)
class CueWord:
    text: str
    prefix: bool
    stem: str

    def matches(self, token: Token) -> bool:
        if self.prefix:
            return token.form.startswith(self.text) or token.bare.startswith(self.text)
        return self.text in (token.form, token.bare) or token.stem == self.stem


@dataclass(frozen=True)
class Phrase:
    """A cue phrase compiled for one language."""

    text: str
    language: str
    words: tuple[CueWord, ...]

    @classmethod
    def compile(cls, phrase: str, language: str) -> Phrase:
        words = []
        if language not in SEGMENTED:
            for raw in phrase.split():
                prefix = raw.endswith("*")
                for part in WORD.findall(raw):
                    form = normalise_word(part, language)
                    words.append(CueWord(form, False, stem(_bare(form, language), language)))
                if prefix and words:
                    words[-1] = CueWord(words[-1].text, True, words[-1].stem)
        return cls(phrase, language, tuple(words))

    def find(self, text: str, tokens: Sequence[Token]) -> list[tuple[int, int]]:
        """Character spans in `text` (whose `tokens` these are) where the phrase stands."""
        if self.language in SEGMENTED:
            return self._find_segmented(text, tokens)
        if not self.words or self._absent_from(tokens):
            return []
        spans = []
        for i, token in enumerate(tokens):
            if not self.words[0].matches(token):
                continue
            end = self._rest(tokens, i + 1, 1)
            if end is not None:
                spans.append((token.start, end))
        return spans

    def _absent_from(self, tokens: Sequence[Token]) -> bool:
        first = self.words[0]
        return (isinstance(tokens, Tokens) and not first.prefix
                and first.text not in tokens.vocabulary and first.stem not in tokens.vocabulary)

    def _rest(self, tokens: Sequence[Token], at: int, word: int) -> int | None:
        if word == len(self.words):
            return tokens[at - 1].end
        for j in range(at, min(len(tokens), at + MAX_GAP + 1)):
            if self.words[word].matches(tokens[j]):
                return self._rest(tokens, j + 1, word + 1)
        return None

    def _find_segmented(self, text: str, tokens: Sequence[Token]) -> list[tuple[int, int]]:
        needle = self.text.replace("*", "")
        starts = {t.start for t in tokens}
        ends = {t.end for t in tokens}
        spans = []
        for match in re.finditer(re.escape(needle), text):
            if len(needle) == 1 and (match.start() not in starts or match.end() not in ends):
                continue  # a one-character cue ("不") is a word of its own, not part of another ("不断")
            spans.append((match.start(), match.end()))
        return spans
