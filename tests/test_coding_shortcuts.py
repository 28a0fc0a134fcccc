"""The coder's shortcuts change nothing it finds: the required-word pre-check never hides a match, the per-document
memo gives what scanning afresh gives, and the model's one product for all issues equals scikit-learn's own."""

from __future__ import annotations

import re

import numpy as np
import pytest

from igtracker.coding import CodingContext, attribution, code_with, get_coder, load_codebook, rules
from igtracker.coding import cues as C
from igtracker.coding.corpus import load_split
from igtracker.coding.literals import pattern_filter, required_words
from igtracker.coding.model import CLASSES, load_model
from igtracker.coding.rules import normalise
from igtracker.coding.sentences import split_sentences


def corpus_sentences() -> list[str]:
    return [normalise(s.text) for item in load_split("dev") for s in split_sentences(item["text"])]


def test_required_words_are_read_from_the_pattern() -> None:
    assert required_words(re.compile(r"(?<![\w-])(?:sending[- ]party[- ](?:network[- ])?pays)")) == {"sending"}
    assert required_words(re.compile(r"(?:taxing|levying) (?:of )?data", re.I)) == {"taxing", "levying"}
    assert required_words(re.compile(r"(?:tax|levy)?\s*\w+")) is None  # nothing is required


def test_the_pre_check_never_skips_a_pattern_that_matches() -> None:
    patterns = (*(t.regex for t in load_codebook().compiled().targets),
                *(regex for regex, _spec in (*C.COMPILED_ATTITUDES, *C.COMPILED_EVENTS)))
    check = pattern_filter(patterns)
    sentences = corpus_sentences() + ["WE STRONGLY SUPPORT A FAIR SHARE FROM BIG TECH.", "Nous soutenons la taxe."]
    # Text outside ASCII is pre-checked too: accents, dashes, other scripts, and ASCII words among them.
    sentences += ["We back the “fair share” levy — it’s overdue, says the ministère.", "Wir lehnen die Datenmaut ab.",
                  "我们反对对 Internet traffic 征税。", "Мы против налога на интернет-трафик и за encryption."]
    sentences += [normalise(s.text) for item in load_split("train")[::40] for s in split_sentences(item["text"])]
    skipped = 0
    for sentence in sentences:
        for pattern, scan in zip(patterns, check.candidates(sentence), strict=True):
            if not scan:
                skipped += 1
                assert pattern.search(sentence) is None, (pattern.pattern[:80], sentence)
    assert skipped > len(sentences) * len(patterns) / 2  # and it does skip most of them


def test_text_with_a_letter_that_folds_onto_ascii_is_always_scanned() -> None:
    # Case-insensitively, "ſ" matches "s" and the Kelvin sign "k": the words "support", "kill" are not in the text.
    pattern = re.compile(r"(?<![\w-])support\w*|kill[- ]switch", re.IGNORECASE)
    check = pattern_filter((pattern,))
    for text in ("We ſupport it.", "A \u212aill-switch for the Internet."):
        assert pattern.search(text) and check.candidates(text) == [True]
    assert check.candidates("Nous soutenons la taxe numérique.") == [False]


def test_a_document_reads_the_same_with_and_without_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    codebook = load_codebook()
    text = "\n\n".join([*(item["text"] for item in load_split("dev")[:8]),
                         "We firmly oppose any tax on Internet traffic. We support strong encryption."])
    context = CodingContext(("Example",), language="en")
    memoised = code_with(get_coder("ensemble"), text, context, codebook)
    assert len({s.coder_kind for s in memoised}) == 2  # both the rules and the model read something here
    for module in (rules, attribution):
        monkeypatch.setattr(module, "memoised", lambda _kind, _owner, _text, compute: compute())
    assert code_with(get_coder("ensemble"), text, context, codebook) == memoised


def test_one_product_for_all_issues_equals_each_classifiers_predict_proba() -> None:
    model = load_model()
    matrix = model.features([item["text"] for item in load_split("dev")], load_codebook())
    fast = model.predict(matrix)
    for issue, classifier in model.classifiers.items():
        expected = classifier.predict_proba(matrix)
        got = np.stack([fast[issue][:, CLASSES.index(label)] for label in classifier.classes_], axis=1)
        assert np.array_equal(got, expected), issue
