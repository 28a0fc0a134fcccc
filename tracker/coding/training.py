"""`tracker train`: rebuild the stance model from the corpus's train split, reproducibly, and cross-validate it.

The same data, seed and library versions give the same model; the artefact records the SHA-256 of its training
data, so a changed corpus is visible. Cross-validation folds are cut by event (as the corpus's splits are), so a
fold never tests on a story it trained on.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from igtracker.coding.attribution import HolderRef
from igtracker.coding.codebook import Codebook
from igtracker.coding.coder import RuleCoder, default_lexicon, summarise
from igtracker.coding.coders import CodingContext
from igtracker.coding.corpus import load_split, split_path
from igtracker.coding.ensemble import EnsemblePolicy, VoiceOf, combine
from igtracker.coding.evaluate import TAKEN, GoldStatement, Score, add_labels, macro_of
from igtracker.coding.holder_kinds import holder_kind
from igtracker.coding.model import (
    FLOOR,
    MODEL_FILE,
    MODEL_VERSION,
    SEED,
    ModelCoder,
    StanceModel,
    calibrate,
    data_hash,
    encoder_meta,
    fit_calibration,
    fit_model,
    save_model,
    speaker_positions,
    versions,
)
from igtracker.coding.sentence_encoder import SentenceEncoder
from igtracker.coding.stances import CodedStance, reads
from igtracker.coding.voices import (
    attribute_voices_each,
    held_by_the_voice_as_speaker,
    unique_stances,
    voice_key,
    voices_of,
)
from igtracker.language import detect_language

FOLDS = 5


def macro_f1(gold: list[dict[str, str]], predicted: list[dict[str, str]], issues: list[str]) -> float:
    pooled = {label: Score() for label in TAKEN}
    for labels, guess in zip(gold, predicted, strict=True):
        add_labels(pooled, labels, guess, issues)
    return macro_of(pooled)


@dataclass
class CrossValidation:
    scores: list[float]
    out_of_fold: list[list[CodedStance]] = field(default_factory=list)  # per train item: its fold's model reading

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores)

    @property
    def stdev(self) -> float:
        return statistics.stdev(self.scores) if len(self.scores) > 1 else 0.0


Combiner = Callable[[list[CodedStance], list[CodedStance], str | None, VoiceOf], list[CodedStance]]


@dataclass
class Readings:
    """What the rules and the (uncalibrated) model read in gold statements, for tuning the ensemble."""

    statements: list[GoldStatement]
    contexts: list[CodingContext]
    ruled: list[list[CodedStance]]
    modelled: list[list[CodedStance]]
    voices: list[dict[int, HolderRef]]  # per statement, whose voice each sentence is (`voices_of`)

    @classmethod
    def of(cls, items: list[dict], codebook: Codebook, model: Callable[[int, str, CodingContext], list[CodedStance]],
           ) -> Readings:
        rules, lexicon = RuleCoder(), default_lexicon()
        statements = [GoldStatement.model_validate(item) for item in items]
        contexts = [s.context(lexicon, detect_language(s.text)) for s in statements]
        voices = [voices_of(s.text, c.speaker_names, c.lexicon, c.language)
                  for s, c in zip(statements, contexts, strict=True)]
        ruled = [held_by_the_voice_as_speaker(rules.code(s.text, c, codebook), v) if reads(rules, c.language) else []
                 for s, c, v in zip(statements, contexts, voices, strict=True)]
        modelled = [model(i, s.text, c) for i, (s, c) in enumerate(zip(statements, contexts, strict=True))]
        return cls(statements, contexts, ruled, modelled, voices)

    def calibrated(self, calibration: list[float]) -> Readings:
        modelled = [[dataclasses.replace(m, confidence=round(calibrate(m.confidence, calibration), 3)) for m in ms]
                    for ms in self.modelled]
        return Readings(self.statements, self.contexts, self.ruled, modelled, self.voices)

    def pooled(self, combiner: Combiner, issues: list[str]) -> dict[str, Score]:
        """Support and oppose scores, pooled over statements and issues, of what `combiner` makes of the readings
        (given each statement's language and whose voice each reading's sentence is)."""
        pooled = {label: Score() for label in TAKEN}
        for index, (statement, context, ruled, modelled, voices) in enumerate(zip(
                self.statements, self.contexts, self.ruled, self.modelled, self.voices, strict=True)):
            voiced = self._voiced(index)
            combined = combiner(ruled, modelled, context.language, lambda s, v=voices: voice_key(v.get(s.start)))
            stances = unique_stances([s for stance in combined for s in voiced[_identity(stance)]])
            add_labels(pooled, statement.labels, summarise(stances, statement.speaker_keys), issues)
        return pooled

    def _voiced(self, index: int) -> dict[tuple, list[CodedStance]]:
        """Each reading of a statement as the attribution step gives it (`attribute_voices` takes each stance on
        its own, then drops repeats), worked out once for all the policies tried."""
        cache = self.__dict__.setdefault("_voiced_cache", {})
        if index not in cache:
            statement, context = self.statements[index], self.contexts[index]
            readings = self.ruled[index] + self.modelled[index]
            names, lexicon = context.speaker_names, context.lexicon
            voices = attribute_voices_each(readings, statement.text, names, lexicon, context.language)
            cache[index] = {_identity(r): v for r, v in zip(readings, voices, strict=True)}
        return cache[index]


def _identity(stance: CodedStance) -> tuple:
    """A reading whatever notes a combination adds to its trace."""
    return (stance.issue_id, stance.position, stance.holder, stance.confidence, stance.start, stance.end,
            stance.coder_kind)


def pooled_f1(*scores: dict[str, Score]) -> float:
    """Macro-F1 of several pooled scores added together."""
    total = {label: Score(sum(s[label].tp for s in scores), sum(s[label].fp for s in scores),
                          sum(s[label].fn for s in scores)) for label in TAKEN}
    return macro_of(total)


def cross_validate(items: list[dict], codebook: Codebook, folds: int = FOLDS,
                   encoder: SentenceEncoder | None = None) -> CrossValidation:
    """Macro-F1 of the model alone over `folds` folds of `items`, grouped by event, and each item's reading by the
    model of the fold that held it out (uncalibrated, down to FLOOR), for tuning the ensemble out of fold."""
    from sklearn.model_selection import GroupKFold

    texts = [item["text"] for item in items]
    labels = [item["labels"] for item in items]
    groups = [item.get("event") or item["id"] for item in items]
    kinds = holder_kinds(items)
    languages = [detect_language(text) for text in texts]
    lexicon = default_lexicon()
    scores = []
    out_of_fold: list[list[CodedStance]] = [[] for _ in items]
    for train_index, test_index in GroupKFold(n_splits=folds).split(np.zeros(len(items)), groups=groups):
        model = fit_model([texts[i] for i in train_index], [labels[i] for i in train_index], codebook,
                          encoder=encoder, kinds=[kinds[i] for i in train_index])
        predicted = speaker_positions(model, [texts[i] for i in test_index], codebook,
                                      kinds=[kinds[i] for i in test_index])
        scores.append(macro_f1([labels[i] for i in test_index], predicted, model.issues))
        coder = ModelCoder(model, threshold=FLOOR, calibration=[])
        for i in test_index:
            context = CodingContext((items[i]["actor"],), lexicon, languages[i], speaker_kind=kinds[i])
            out_of_fold[i] = coder.code(texts[i], context, codebook)
    return CrossValidation(scores, out_of_fold)


def holder_kinds(items: list[dict]) -> list[str | None]:
    """Each corpus item's holder kind, in the store's words."""
    return [holder_kind(item.get("actor_type")) for item in items]


def train(codebook: Codebook, out: Path = MODEL_FILE, *, folds: int = FOLDS,
          encoder: bool = False) -> tuple[StanceModel, CrossValidation, Tuning]:
    """Fit the model on the train split, cross-validate it there, tune the thresholds on dev and the ensemble on
    the out-of-fold readings of train and on dev, and write the artefact with its metadata. With `encoder`, the
    model reads the sentence encoder's vectors too (the `encoder` coder's model)."""
    items = load_split("train")
    reader = SentenceEncoder(cache_size=200_000) if encoder else None  # every passage of train, read once
    validation = cross_validate(items, codebook, folds, reader) if folds > 1 else CrossValidation([])
    model = fit_model([item["text"] for item in items], [item["labels"] for item in items], codebook,
                      encoder=reader, kinds=holder_kinds(items))
    out_of_fold = (Readings.of(items, codebook, lambda i, _text, _context: validation.out_of_fold[i])
                   if validation.out_of_fold else None)
    tuning = tune(model, codebook, load_split("dev"), out_of_fold)
    model.meta = {
        "model_version": MODEL_VERSION,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train_file": "train.jsonl",
        "train_sha256": data_hash([split_path("train")]),
        "train_statements": len(items),
        "seed": SEED,
        "word_vectors_sha256": model.vectors.sha256,
        **({"sentence_encoder": encoder_meta()} if encoder else {}),
        "codebook_version": codebook.version,
        "versions": versions(),
        "cross_validation": {"folds": folds, "grouped_by": "event",
                             "macro_f1": [round(s, 4) for s in validation.scores]},
        "threshold": tuning.threshold,
        "calibration": tuning.calibration,
        "ensemble": tuning.policy,
        "tuned_on": {"split": "dev", "sha256": data_hash([split_path("dev")]),
                     "ensemble_also_on": "train, out of fold" if out_of_fold else None,
                     "model_macro_f1": round(tuning.model_macro_f1, 4),
                     "ensemble_macro_f1": round(tuning.ensemble_macro_f1, 4)},
    }
    save_model(model, out)
    return model, validation, tuning


THRESHOLDS = (FLOOR, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
# Who decides a conflict: the rules (at or above a confidence), the model, or the more confident of the two.
CONFLICT_CHOICES = (("rules", 0.0), ("rules", 0.5), ("rules", 0.6), ("rules", 0.7), ("rules", 0.8),
                    ("model", 0.0), ("confident", 0.0))
TIE = 0.005  # macro-F1: closer than this, two policies are alike on the tuning statements


@dataclass
class Tuning:
    threshold: float
    model_macro_f1: float
    calibration: list[float]
    policy: dict[str, object]
    ensemble_macro_f1: float


def choose_policy(readings: list[Readings], issues: list[str], default: EnsemblePolicy) -> EnsemblePolicy:
    """The ensemble's policy, one for every language: the model's threshold where the rules are silent and who
    decides a conflict that score best on all the statements in `readings` (pooled support and oppose F1), among
    policies where the rules keep a say in conflicts (they decide at least where they are the surer): on real
    statements quoted verbatim their sure readings are right more often than the model's, which learnt from
    restatements (`docs/codebook.md`).

    One policy, not one per language: a language's own choice rests on its 10-35 dev statements and a few hundred
    out of fold, and did not carry to new real statements (on the choosing half of verbatim set D, 0.48 against
    0.51 for the one policy; `docs/codebook.md`). A policy for a language can still be set by hand (`by_language`).

    Policies within `TIE` of the best are alike on these statements; of those, the one whose threshold is nearest
    `default`'s wins (then the higher score), so that noise does not carry the threshold to an extreme: a low one
    adds doubtful readings in long documents, a high one misses positions in real statements, which read less sure
    to the model than the corpus's restatements (`docs/codebook.md`)."""
    candidates = [EnsemblePolicy(t, conflict, level) for t in THRESHOLDS for conflict, level in CONFLICT_CHOICES
                  if conflict != "model"]
    scored = [(pooled_f1(*(r.pooled(lambda ruled, modelled, _lang, voice_of, p=p: combine(p, ruled, modelled, issues,
                                                                         voice_of=voice_of), issues)
                           for r in readings)), rank, p) for rank, p in enumerate([default, *candidates])]
    top = max(score for score, _rank, _p in scored)
    alike = [(abs(p.model_threshold - default.model_threshold), -score, rank, p)
             for score, rank, p in scored if score >= top - TIE]
    return min(alike, key=lambda entry: entry[:3])[3]


def tune(model: StanceModel, codebook: Codebook, items: list[dict],
         out_of_fold: Readings | None = None) -> Tuning:
    """Choose the model's threshold and its calibration on `items` (the dev split, never test), and the ensemble's
    policy on the out-of-fold readings of train with those of `items`."""
    issues = list(codebook.issue_ids)
    raw = ModelCoder(model, threshold=FLOOR, calibration=[])
    dev = Readings.of(items, codebook, lambda _i, text, context: raw.code(text, context, codebook))

    def model_alone(threshold: float) -> float:
        pooled = dev.pooled(lambda _r, m, _lang, _voice_of: [s for s in m if s.confidence >= threshold], issues)
        return pooled_f1(pooled)

    by_threshold = {t: model_alone(t) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (by_threshold[t], -t))
    # Confidence: how often a reading of that probability was right on dev, for the speaker's own position.
    readings = [(stance.confidence, statement.labels.get(stance.issue_id) == stance.position)
                for statement, modelled in zip(dev.statements, dev.modelled, strict=True) for stance in modelled]
    calibration = fit_calibration([p for p, _ in readings], [ok for _, ok in readings])
    tuned_on = [dev.calibrated(calibration)] + ([out_of_fold.calibrated(calibration)] if out_of_fold else [])
    policy = choose_policy(tuned_on, issues, EnsemblePolicy(0.3, "rules"))
    score = pooled_f1(tuned_on[0].pooled(lambda r, m, lang, voice_of: combine(policy, r, m, issues, lang, voice_of),
                                         issues))
    return Tuning(threshold, by_threshold[threshold], calibration, policy.as_dict(), score)
