"""The shipped word vectors: words in every language, texts about the same thing near each other, a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from igtracker.coding.word_vectors import WordVectors, load_vectors, save_vectors, words
from igtracker.errors import TrackerError


def test_words_are_case_folded_and_chinese_is_segmented() -> None:
    assert words("The ITU's Plenipotentiary, 2022") == ["the", "itu", "s", "plenipotentiary", "2022"]
    assert words("反对互联网税 and VAT") == ["反对", "互联网", "税", "and", "vat"]


def _similarity(vectors: WordVectors, a: str, b: str) -> float:
    first, second = vectors.embed([a, b])
    return float(first @ second)


@pytest.mark.parametrize(("text", "near", "far"), [
    ("Governments want to read encrypted messages.", "Le gouvernement veut lire les messages chiffrés.",
     "Le gouvernement veut taxer les plateformes de streaming."),
    ("A new levy on streaming platforms.", "Un nuevo impuesto a las plataformas de streaming.",
     "Una nueva ley sobre el cifrado de los mensajes."),
    ("The ITU should run the Internet's names and addresses.",
     "Управление доменными именами интернета следует передать МСЭ.",
     "Налог на интернет-трафик ударит по пользователям."),
    ("The police monitor what citizens post online.", "警方监控公民在网上发布的内容。", "对流媒体平台征收新税。"),
])
def test_texts_about_the_same_thing_are_nearer_across_languages(text: str, near: str, far: str) -> None:
    vectors = load_vectors()
    assert _similarity(vectors, text, near) > _similarity(vectors, text, far)


def test_embeddings_are_unit_length_and_zero_where_no_word_is_known() -> None:
    vectors = load_vectors()
    rows = vectors.embed(["Mass surveillance of citizens", "zqxw vvkj", ""])
    assert rows.shape == (3, vectors.dimensions)
    assert np.linalg.norm(rows[0]) == pytest.approx(1.0, abs=1e-5)
    assert not rows[1].any() and not rows[2].any()


def test_saved_vectors_round_trip_and_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "v.npz"
    rng = np.random.default_rng(1)
    raw = rng.normal(size=(3, 8)).astype(np.float32)
    save_vectors(["tax", "levy", "encryption"], raw, np.asarray([1.0, 0.5, 1.0]), path)
    loaded = load_vectors(path)
    assert loaded.index == {"tax": 0, "levy": 1, "encryption": 2} and loaded.dimensions == 8
    weights = np.asarray([1.0, 0.5, 1.0])[:, None]
    assert np.allclose(loaded.codes * loaded.factors[:, None], raw * weights, atol=np.abs(raw).max() / 100)
    expected = raw[0] + 0.5 * raw[1]
    assert np.allclose(loaded.embed(["Tax, levy!"])[0], expected / np.linalg.norm(expected), atol=0.02)
    assert len(loaded.sha256) == 64
    with pytest.raises(TrackerError, match=r"missing\.npz.*distil_word_vectors"):
        load_vectors(tmp_path / "missing.npz")
