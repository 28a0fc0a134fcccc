"""`tracker train`: rebuild the stance model from the corpus's train split, reproducibly, and cross-validate it.

The same data, seed and library versions give the same model; the artefact records the SHA-256 of its training
data, so a changed corpus is visible. Cross-validation folds are cut by event (as the corpus's splits are), so a
fold never tests on a story it trained on.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from igtracker.coding.codebook import Codebook
from igtracker.coding.corpus import load_split, split_path
from igtracker.coding.evaluate import TAKEN, Score
from igtracker.coding.model import (
    FLOOR,
    MODEL_FILE,
    MODEL_VERSION,
    SEED,
    StanceModel,
    data_hash,
    fit_model,
    save_model,
    speaker_positions,
    versions,
)

FOLDS = 5


def macro_f1(gold: list[dict[str, str]], predicted: list[dict[str, str]], issues: list[str]) -> float:
    pooled = {label: Score() for label in TAKEN}
    for labels, guess in zip(gold, predicted, strict=True):
        for issue in issues:
            for label in TAKEN:
                pooled[label].add(labels.get(issue), guess.get(issue), label)
    return (pooled["support"].f1 + pooled["oppose"].f1) / 2


@dataclass
class CrossValidation:
    scores: list[float]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores)

    @property
    def stdev(self) -> float:
        return statistics.stdev(self.scores) if len(self.scores) > 1 else 0.0


def cross_validate(items: list[dict], codebook: Codebook, folds: int = FOLDS) -> CrossValidation:
    """Macro-F1 of the model alone over `folds` folds of `items`, grouped by event."""
    from sklearn.model_selection import GroupKFold

    texts = [item["text"] for item in items]
    labels = [item["labels"] for item in items]
    groups = [item.get("event") or item["id"] for item in items]
    scores = []
    for train_index, test_index in GroupKFold(n_splits=folds).split(np.zeros(len(items)), groups=groups):
        model = fit_model([texts[i] for i in train_index], [labels[i] for i in train_index], codebook)
        predicted = speaker_positions(model, [texts[i] for i in test_index], codebook)
        scores.append(macro_f1([labels[i] for i in test_index], predicted, model.issues))
    return CrossValidation(scores)


def train(codebook: Codebook, out: Path = MODEL_FILE, *,
          folds: int = FOLDS) -> tuple[StanceModel, CrossValidation, Tuning]:
    """Fit the model on the train split, cross-validate it there, tune the thresholds and the ensemble on dev,
    and write the artefact with its metadata."""
    items = load_split("train")
    validation = cross_validate(items, codebook, folds) if folds > 1 else CrossValidation([])
    model = fit_model([item["text"] for item in items], [item["labels"] for item in items], codebook)
    tuning = tune(model, codebook, load_split("dev"))
    model.meta = {
        "model_version": MODEL_VERSION,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train_file": "train.jsonl",
        "train_sha256": data_hash([split_path("train")]),
        "train_statements": len(items),
        "seed": SEED,
        "codebook_version": codebook.version,
        "versions": versions(),
        "cross_validation": {"folds": folds, "grouped_by": "event",
                             "macro_f1": [round(s, 4) for s in validation.scores]},
        "threshold": tuning.threshold,
        "calibration": tuning.calibration,
        "ensemble": tuning.policy,
        "tuned_on": {"split": "dev", "sha256": data_hash([split_path("dev")]),
                     "model_macro_f1": round(tuning.model_macro_f1, 4),
                     "ensemble_macro_f1": round(tuning.ensemble_macro_f1, 4)},
    }
    save_model(model, out)
    return model, validation, tuning


THRESHOLDS = (FLOOR, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


@dataclass
class Tuning:
    threshold: float
    model_macro_f1: float
    calibration: list[float]
    policy: dict[str, object]
    ensemble_macro_f1: float


def tune(model: StanceModel, codebook: Codebook, items: list[dict], on_conflict: str = "rules") -> Tuning:
    """Choose the model's threshold, its calibration and the ensemble's threshold on `items` (the dev split,
    never test)."""
    from igtracker.coding.coder import RuleCoder, default_lexicon, summarise
    from igtracker.coding.coders import CodingContext
    from igtracker.coding.ensemble import EnsembleCoder, EnsemblePolicy
    from igtracker.coding.evaluate import GoldStatement
    from igtracker.coding.model import ModelCoder, fit_calibration
    from igtracker.coding.stances import reads
    from igtracker.coding.voices import attribute_voices
    from igtracker.language import detect_language

    rules, lexicon = RuleCoder(), default_lexicon()
    raw = ModelCoder(model, threshold=FLOOR, calibration=[])
    statements = [GoldStatement.model_validate(item) for item in items]
    contexts = [CodingContext((s.actor,), lexicon, detect_language(s.text)) for s in statements]
    ruled_all = [rules.code(s.text, c, codebook) if reads(rules, c.language) else []
                 for s, c in zip(statements, contexts, strict=True)]
    read = [(ruled, raw.code(s.text, c, codebook), c) for s, c, ruled in zip(statements, contexts, ruled_all,
                                                                              strict=True)]
    gold = [s.labels for s in statements]
    issues = list(codebook.issue_ids)

    def score(combine) -> float:  # noqa: ANN001
        predicted = []
        for statement, (ruled, modelled, context) in zip(statements, read, strict=True):
            stances = attribute_voices(combine(ruled, modelled), statement.text, context.speaker_names, lexicon)
            predicted.append(summarise(stances, statement.speaker_keys))
        return macro_f1(gold, predicted, issues)

    def above(modelled: list, threshold: float) -> list:
        return [s for s in modelled if s.confidence >= threshold]

    by_threshold = {t: score(lambda r, m, t=t: above(m, t)) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (by_threshold[t], -t))
    # Confidence: how often a reading of that probability was right on dev, for the speaker's own position.
    readings = [(stance.confidence, statement.labels.get(stance.issue_id) == stance.position)
                for statement, (_, modelled, _) in zip(statements, read, strict=True) for stance in modelled]
    calibration = fit_calibration([p for p, _ in readings], [ok for _, ok in readings])
    low = ModelCoder(model, threshold=FLOOR, calibration=calibration)
    read = [(ruled, low.code(s.text, c, codebook), c) for s, c, ruled in zip(statements, contexts, ruled_all,
                                                                              strict=True)]
    best: tuple[float, EnsemblePolicy] | None = None
    for t in THRESHOLDS:  # the conflict rule is a design choice (see ensemble.py); only the threshold is tuned
        policy = EnsemblePolicy(t, on_conflict)
        ensemble = EnsembleCoder(rules, low, policy)
        value = score(lambda r, m, e=ensemble: e.combine(r, m, issues))
        if best is None or value > best[0] + 1e-9:
            best = (value, policy)
    assert best is not None
    return Tuning(threshold, by_threshold[threshold], calibration,
                  {"model_threshold": best[1].model_threshold, "on_conflict": best[1].on_conflict}, best[0])
