"""Measuring the coder against hand-labelled statements (SemEval-2016 stance F_avg), with a keyword baseline.

For every statement and every codebook issue the prediction is support, oppose or none, for the statement's
speaker (`actor`): positions the text attributes to someone else do not count. Scores: precision, recall and F1
of `support` and of `oppose` per issue and pooled over all pairs; the macro score is the mean of the pooled F1s.
Each statement's language is detected as a document's would be (`igtracker.language`); a statement in a language
the coder does not read counts as "none".
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session

from igtracker.coding.attribution import ActorLexicon
from igtracker.coding.codebook import Codebook, load_codebook
from igtracker.coding.coder import SPEAKER_KEY, default_lexicon, summarise
from igtracker.coding.coders import Coder, CodingContext, code_with, get_coder
from igtracker.coding.holder_kinds import holder_kind
from igtracker.coding.stances import reads
from igtracker.errors import TrackerError
from igtracker.language import detect_language
from igtracker.models import POSITIONS, JobRun

TAKEN = ("support", "oppose")
GROUPED_BY = ("lang", "actor_type")


class GoldStatement(BaseModel):
    """One line of a gold file."""

    model_config = ConfigDict(extra="allow")

    id: str
    text: str
    actor: str
    labels: dict[str, str]
    lang: str | None = None
    actor_type: str | None = None
    country: str | None = None

    def context(self, lexicon: ActorLexicon, language: str | None) -> CodingContext:
        """What a coder is told of the statement besides its text: its actor's name and kind."""
        return CodingContext((self.actor,), lexicon, language, speaker_kind=holder_kind(self.actor_type))

    @property
    def speaker_keys(self) -> set[str]:
        """A government speaks for its state: "Russia supports ..." in a Russian ministry's text is the speaker."""
        keys = {SPEAKER_KEY}
        if self.actor_type == "government" and self.country:
            keys.add(f"country:{self.country.upper()}")
        return keys


def load_gold(path: Path | str, codebook: Codebook | None = None) -> list[GoldStatement]:
    """The statements of a gold file; errors name the file and line. Labels must name the codebook's issues and
    a position (support, oppose or neutral): a misspelt one would silently score as "no position"."""
    path = Path(path)
    issues = (codebook or load_codebook()).issue_ids
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TrackerError(f"cannot read gold file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise TrackerError(f"{path}: not UTF-8 text (byte {exc.start}); save the gold file as UTF-8") from exc
    statements = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            statement = GoldStatement.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else exc.errors()[0]["msg"]
            raise TrackerError(f"{path}:{number}: not a gold statement ({detail}); expected "
                               '{"id", "text", "actor", "labels": {issue: position}}') from exc
        for issue, position in statement.labels.items():
            if issue not in issues:
                raise TrackerError(f"{path}:{number}: statement {statement.id!r} labels an unknown issue {issue!r}; "
                                   f"the codebook's issues are {', '.join(issues)}")
            if position not in POSITIONS:
                raise TrackerError(f"{path}:{number}: statement {statement.id!r} labels {issue} {position!r}; a "
                                   f"label is one of {', '.join(POSITIONS)}")
        statements.append(statement)
    if not statements:
        raise TrackerError(f"{path}: no statements")
    return statements


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: str | None, predicted: str | None, label: str) -> None:
        if predicted == label and gold == label:
            self.tp += 1
        elif predicted == label:
            self.fp += 1
        elif gold == label:
            self.fn += 1

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


def macro_of(scores: dict[str, Score]) -> float:
    """Macro-F1 of pooled scores: the mean F1 of support and oppose (SemEval-2016's F_avg)."""
    return (scores["support"].f1 + scores["oppose"].f1) / 2


def add_labels(scores: dict[str, Score], gold: dict[str, str], guess: dict[str, str], issues: list[str]) -> None:
    """Count one statement's positions on `issues` into pooled support and oppose scores."""
    for issue in issues:
        for label in TAKEN:
            scores[label].add(gold.get(issue), guess.get(issue), label)


@dataclass
class EvalResult:
    n: int
    coder: str
    codebook_version: str
    issues: dict[str, dict[str, Score]] = field(default_factory=dict)
    pooled: dict[str, Score] = field(default_factory=lambda: {label: Score() for label in TAKEN})
    uncoded: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Pooled scores by a statement's attribute ("lang", "actor_type") and its value.
    groups: dict[str, dict[str, dict[str, Score]]] = field(default_factory=dict)
    sizes: dict[str, Counter[str]] = field(default_factory=lambda: {a: Counter() for a in GROUPED_BY})
    split: str | None = None

    def count(self, statement: GoldStatement) -> None:
        for attribute in GROUPED_BY:
            self.sizes[attribute][getattr(statement, attribute, None) or "unknown"] += 1

    def add(self, statement: GoldStatement, issue: str, gold: str | None, guess: str | None) -> None:
        for label in TAKEN:
            self.issues[issue][label].add(gold, guess, label)
            self.pooled[label].add(gold, guess, label)
            for attribute in GROUPED_BY:
                value = getattr(statement, attribute, None) or "unknown"
                scores = self.groups.setdefault(attribute, {}).setdefault(value, {t: Score() for t in TAKEN})
                scores[label].add(gold, guess, label)

    @property
    def macro_f1(self) -> float:
        return macro_of(self.pooled)

    def as_dict(self) -> dict[str, Any]:
        return {
            "macro_f1": round(self.macro_f1, 4),
            "issues": {
                issue: {
                    **{label: s.as_dict() for label, s in scores.items()},
                    "macro_f1": round(macro_of(scores), 4),
                }
                for issue, scores in self.issues.items()
            },
            "pooled": {label: s.as_dict() for label, s in self.pooled.items()},
            "groups": {
                attribute: {value: {"macro_f1": round(macro_of(scores), 4),
                                    "statements": self.sizes[attribute][value],
                                    "positions": sum(scores[t].tp + scores[t].fn for t in TAKEN)}
                            for value, scores in sorted(values.items())}
                for attribute, values in self.groups.items()
            },
            "n": self.n,
            "coder": self.coder,
            "codebook_version": self.codebook_version,
            "split": self.split,
            "uncoded": self.uncoded,
        }


# --- the keyword baseline -------------------------------------------------------------------------------------

BASELINE_SUPPORT = re.compile(r"\b(?:support\w*|welcome\w*|favou?r\w*|want\w*|need\w*|must|should|necessary|benefit\w*"
                              r"|important|call\w* for|back\w*)\b", re.IGNORECASE)
BASELINE_OPPOSE = re.compile(r"\b(?:oppos\w*|reject\w*|against|concern\w*|danger\w*|threat\w*|terrible|not|never"
                             r"|no|risk\w*|restrict\w*|undermin\w*)\b", re.IGNORECASE)


def baseline_positions(text: str, codebook: Codebook) -> dict[str, str]:
    """A plain keyword coder for comparison: an issue word plus more support than opposition words."""
    compiled = codebook.compiled()
    found: dict[str, int] = {}
    for target in compiled.targets:
        if target.issue_id and target.regex.search(text):
            found.setdefault(target.issue_id, target.orientation)
    balance = len(BASELINE_SUPPORT.findall(text)) - len(BASELINE_OPPOSE.findall(text))
    if not balance:
        return {}
    return {issue: ("support" if balance * orientation > 0 else "oppose") for issue, orientation in found.items()}


# --- evaluation -----------------------------------------------------------------------------------------------


def evaluate(gold_path: Path | str, codebook: Codebook | None = None, baseline: bool = False,
             coder: Coder | str | None = None) -> EvalResult:
    """Score a coder (default: the ensemble), or the keyword baseline, on a gold file."""
    codebook = codebook or load_codebook()
    statements = load_gold(gold_path, codebook)
    coder = None if baseline else (coder if coder is not None and not isinstance(coder, str) else get_coder(coder))
    result = EvalResult(len(statements), "keyword-baseline" if coder is None else coder.name, codebook.version)
    result.issues = {issue: {label: Score() for label in TAKEN} for issue in codebook.issue_ids}
    for statement in statements:
        result.count(statement)
        language = detect_language(statement.text)
        if coder is not None and not reads(coder, language):
            result.uncoded.append(statement.id)
            predicted: dict[str, str] = {}
        elif coder is None:
            predicted = baseline_positions(statement.text, codebook) if language in ("en", None) else {}
        else:
            context = statement.context(default_lexicon(), language)
            predicted = summarise(code_with(coder, statement.text, context, codebook), statement.speaker_keys)
        for issue in codebook.issue_ids:
            gold = statement.labels.get(issue)
            guess = predicted.get(issue)
            result.add(statement, issue, gold, guess)
            if (gold if gold in TAKEN else None) != guess:
                result.errors.append({"id": statement.id, "issue": issue, "gold": gold, "predicted": guess})
    return result


def record_eval_run(session: Session, result: EvalResult, gold_path: Path | str) -> JobRun:
    """Keep the measured score as a `job_runs` row, for the briefing's methods note."""
    now = datetime.now(UTC)
    job = "eval-baseline" if result.coder == "keyword-baseline" else "eval"
    run = JobRun(
        job=job, started_at=now, finished_at=now, status="ok", trigger="cli",
        message=f"macro-F1 {result.macro_f1:.3f} on {result.n} statements ({Path(gold_path).name})",
        details={**result.as_dict(), **measurement(result, gold_path)},
    )
    session.add(run)
    session.flush()
    return run


MEASURED_FILE = Path(__file__).resolve().parent.parent / "data" / "model" / "measured.json"


def measurement(result: EvalResult, gold_path: Path | str) -> dict[str, Any]:
    """What the briefing's methods note quotes of an evaluation."""
    return {"coder": result.coder, "split": result.split, "gold_file": Path(gold_path).name, "n": result.n,
            "macro_f1": round(result.macro_f1, 4), "codebook_version": result.codebook_version,
            "measured_at": datetime.now(UTC).date().isoformat()}


def publish_measurement(result: EvalResult, gold_path: Path | str, path: Path = MEASURED_FILE) -> Path:
    """Ship a coder's held-out score with the package (beside the other coders'), for briefings made before any
    evaluation in their store."""
    if result.split != "test":
        raise TrackerError("only a score on the held-out test split is published (use --split test)")
    others = [m for m in published_measurements(path) if m.get("coder") != result.coder]
    entries = sorted([*others, measurement(result, gold_path)], key=lambda m: str(m.get("coder")))
    path.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    return path


def published_measurements(path: Path = MEASURED_FILE) -> list[dict[str, Any]]:
    """The held-out scores shipped with the package, one per coder (a single object in older packages)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    entries = found if isinstance(found, list) else [found]
    return [m for m in entries if isinstance(m, dict)]


def published_measurement(coder: str, path: Path = MEASURED_FILE) -> dict[str, Any] | None:
    """The held-out score shipped for `coder`, if any."""
    return next((m for m in published_measurements(path) if m.get("coder") == coder), None)


def format_text(result: EvalResult) -> str:
    """A table of P/R/F1 per issue and pooled, as `tracker eval` prints it."""
    lines = [f"{result.coder} coder, codebook {result.codebook_version}, {result.n} statements"
             + (f" (split {result.split})" if result.split else "")
             + (f" ({len(result.uncoded)} in languages the coder does not read, uncoded)" if result.uncoded else "")]
    header = f"{'issue':<14}{'label':<9}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}"
    lines.append(header)
    rows = [*result.issues.items(), ("pooled", result.pooled)]
    for issue, scores in rows:
        for label in TAKEN:
            s = scores[label]
            lines.append(f"{issue:<14}{label:<9}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}"
                         f"{s.tp:>5}{s.fp:>5}{s.fn:>5}")
        lines.append(f"{issue:<14}{'macro':<9}{'':>14}{macro_of(scores):>7.3f}")
    for attribute, values in result.groups.items():
        parts = [f"{value} {macro_of(scores):.3f} ({result.sizes[attribute][value]})"
                 for value, scores in sorted(values.items())]
        lines.append(f"by {attribute}: " + ", ".join(parts))
    lines.append(f"macro-F1 (F_avg, pooled): {result.macro_f1:.3f}")
    return "\n".join(lines)
