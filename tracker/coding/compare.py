"""How far two coders agree on the same statements: Cohen's kappa per issue and pooled, and the disagreements.

Each coder reads every statement of a gold file (or corpus split) as `tracker eval` does, giving per issue support,
oppose or none for the statement's speaker; the two readings are compared pair by pair (statement x issue). Kappa
corrects the raw agreement for what two coders with the same label frequencies would reach by chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from igtracker.coding.codebook import Codebook, load_codebook
from igtracker.coding.coder import default_lexicon, summarise
from igtracker.coding.coders import Coder, code_with, get_coder
from igtracker.coding.evaluate import TAKEN, GoldStatement, load_gold
from igtracker.coding.stances import reads
from igtracker.errors import TrackerError
from igtracker.language import detect_language

NONE = "none"


def predict(statement: GoldStatement, coder: Coder, codebook: Codebook) -> dict[str, str] | None:
    """The coder's position per issue for the statement's speaker (None: a language the coder does not read)."""
    language = detect_language(statement.text)
    if not reads(coder, language):
        return None
    context = statement.context(default_lexicon(), language)
    return summarise(code_with(coder, statement.text, context, codebook), statement.speaker_keys)


@dataclass
class Disagreement:
    id: str
    issue: str
    first: str
    second: str
    gold: str
    text: str


@dataclass
class Comparison:
    coders: tuple[str, str]
    n: int
    pairs: int = 0
    agreed: int = 0
    kappa: float | None = None
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)  # statements one of the coders does not read (not compared)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return self.agreed / self.pairs if self.pairs else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"coders": list(self.coders), "statements": self.n, "pairs": self.pairs,
                "agreement": round(self.agreement, 4), "kappa": _round(self.kappa), "issues": self.issues,
                "unread": self.unread, "disagreements": [d.__dict__ for d in self.disagreements]}


def kappa(first: list[str], second: list[str]) -> float | None:
    """Cohen's kappa (scikit-learn); None where it is undefined (no pairs, or both coders always say the same)."""
    from sklearn.metrics import cohen_kappa_score

    if not first or len(set(first) | set(second)) < 2:
        return None
    return float(cohen_kappa_score(first, second, labels=[NONE, *TAKEN]))


def compare(gold_path: Path | str, first: Coder | str, second: Coder | str,
            codebook: Codebook | None = None) -> Comparison:
    """Both coders on every statement of `gold_path`; kappa per issue and over all pairs, and each disagreement."""
    codebook = codebook or load_codebook()
    coders = [c if not isinstance(c, str) else get_coder(c) for c in (first, second)]
    if coders[0].name == coders[1].name:
        raise TrackerError(f"compare two different coders, not {coders[0].name!r} with itself")
    statements = load_gold(gold_path, codebook)
    result = Comparison((coders[0].name, coders[1].name), len(statements))
    labels: dict[str, tuple[list[str], list[str]]] = {issue: ([], []) for issue in codebook.issue_ids}
    for statement in statements:
        a, b = (predict(statement, c, codebook) for c in coders)
        if a is None or b is None:
            result.unread.append(statement.id)
            continue
        for issue in codebook.issue_ids:
            pa, pb = a.get(issue, NONE), b.get(issue, NONE)
            labels[issue][0].append(pa)
            labels[issue][1].append(pb)
            if pa != pb:
                gold = statement.labels.get(issue) or NONE
                result.disagreements.append(Disagreement(statement.id, issue, pa, pb, gold, statement.text))
    all_a = [x for issue in labels for x in labels[issue][0]]
    all_b = [x for issue in labels for x in labels[issue][1]]
    result.pairs, result.agreed = len(all_a), sum(x == y for x, y in zip(all_a, all_b, strict=True))
    result.kappa = kappa(all_a, all_b)
    for issue, (xs, ys) in labels.items():
        agreed = sum(x == y for x, y in zip(xs, ys, strict=True))
        result.issues[issue] = {"pairs": len(xs), "agreement": round(agreed / len(xs), 4) if xs else None,
                                "kappa": _round(kappa(xs, ys))}
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def format_text(result: Comparison, limit: int = 20) -> str:
    a, b = result.coders
    lines = [f"{a} against {b}: {result.n} statements, {result.pairs} statement-issue pairs"
             + (f" ({len(result.unread)} statements in a language one of them does not read, left out)"
                if result.unread else "")]
    for issue, scores in result.issues.items():
        lines.append(f"  {issue:<14} agreement {_pct(scores['agreement'])}  kappa {_k(scores['kappa'])}")
    lines.append(f"  {'all':<14} agreement {_pct(result.agreement)}  kappa {_k(result.kappa)}")
    shown = result.disagreements[:limit]
    lines.append(f"{len(result.disagreements)} disagreements" + (f" (first {len(shown)})" if shown else ""))
    for d in shown:
        excerpt = " ".join(d.text.split())[:140]
        lines.append(f"  {d.id}  {d.issue}: {a} {d.first}, {b} {d.second}, gold {d.gold}  {excerpt}")
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _k(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
