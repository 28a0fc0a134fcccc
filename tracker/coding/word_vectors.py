"""Word vectors distilled from a multilingual sentence encoder: what a text is about, in any of the coder's languages.

A TF-IDF model only knows the words it was trained on: "sovereignty" teaches it nothing about "souveraineté" or
"soberanía", nor "censorship" about "censura". A multilingual sentence encoder places them together, but reads about
1,600 characters a second per core here, thirty times slower than the coder's aim. So the encoder
(multilingual-e5-small) is run once, when the vectors are built (`scripts/distil_word_vectors.py`), over each word
of a multilingual vocabulary on its own, as Model2Vec distils static embeddings; at run time a text is the weighted
mean of its known words' vectors: look-ups and a sum, nothing downloaded and no neural network run. Words read
alone keep mostly what their form says (inflections, cognates across languages, compounds: "chiffrement" is near
"шифрование", "multistakeholder" near "multipartite"), less of what context gives a word ("draconian" is near
"dragon").

The file ships in the package beside the stance model (`word-vectors.npz`): words, int8 vectors with a scale per
word, and a weight per word (frequent words weigh less, as in SIF). The model records the file's hash, so a model
is never read with vectors it was not trained with.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rjieba

from igtracker.coding.tokens import WORD
from igtracker.config import PACKAGE_DATA
from igtracker.errors import TrackerError

VECTORS_FILE = PACKAGE_DATA / "model" / "word-vectors.npz"
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # written without spaces: segmented by jieba


def words(text: str) -> list[str]:
    """The case-folded words of `text`; runs of Chinese characters are segmented into words."""
    found = WORD.findall(text.casefold())
    if not HAN.search(text):
        return found
    out: list[str] = []
    for word in found:
        if HAN.search(word):
            out += [w for w in rjieba.cut(word) if w.strip()]
        else:
            out.append(word)
    return out


@dataclass(frozen=True)
class WordVectors:
    """A vocabulary, one vector per word (int8, as stored: a quarter of float32's memory) and one factor per word
    (the vector's scale times the word's weight)."""

    index: dict[str, int]
    codes: np.ndarray  # words x dimensions, int8
    factors: np.ndarray  # words, float32
    sha256: str

    @property
    def dimensions(self) -> int:
        return int(self.codes.shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the weighted mean of its known words' vectors, L2-normalised (zeros where none is known)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            known = [i for w in words(text) if (i := self.index.get(w)) is not None]
            if known:
                out[row] = self.factors[known] @ self.codes[known]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)


def save_vectors(words_: Sequence[str], vectors: np.ndarray, weights: np.ndarray, path: Path = VECTORS_FILE) -> None:
    """Int8 vectors with a scale per word, a quarter of float32's size (the model is trained on these, as loaded)."""
    scale = np.abs(vectors).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    quantised = np.round(vectors / scale).astype(np.int8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        np.savez_compressed(out, words=np.asarray("\n".join(words_)), vectors=quantised,
                            scale=scale.astype(np.float32).ravel(), weights=weights.astype(np.float32))


@functools.lru_cache(maxsize=4)
def load_vectors(path: Path = VECTORS_FILE) -> WordVectors:
    """The shipped word vectors; a clear error where the file is missing."""
    if not path.exists():
        raise TrackerError(f"{path}: no word vectors; build them with `python scripts/distil_word_vectors.py`")
    raw = path.read_bytes()
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:  # the bytes just hashed: the file is read once
        vocabulary = str(data["words"]).split("\n")
        codes = data["vectors"]
        factors = (data["scale"] * data["weights"]).astype(np.float32)
    return WordVectors({w: i for i, w in enumerate(vocabulary)}, codes, factors, hashlib.sha256(raw).hexdigest())
