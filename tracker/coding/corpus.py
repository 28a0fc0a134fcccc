"""The bundled stance corpus: restated real positions in train, dev and a held-out test split (docs/corpus.md).

Besides loading the splits, this module measures what `docs/corpus.md` reports and the tests check: coverage
(labels per issue and side, statements with no position, actor kinds, countries, languages, years) and the
agreement of the two independent annotators on the doubly labelled statements (Cohen's kappa per issue).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from igtracker.config import PACKAGE_DATA
from igtracker.errors import TrackerError

CORPUS_DIR = PACKAGE_DATA / "corpus"
SPLITS = ("train", "dev", "test")
ANNOTATIONS = CORPUS_DIR / "annotations.jsonl"
TAKEN = ("support", "oppose")


def split_path(split: str) -> Path:
    if split not in SPLITS:
        raise TrackerError(f"no corpus split {split!r}; use one of {', '.join(SPLITS)}")
    return CORPUS_DIR / f"{split}.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_split(split: str) -> list[dict]:
    return read_jsonl(split_path(split))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Coverage:
    """What a set of statements covers."""

    statements: int = 0
    sides: Counter[tuple[str, str]] = field(default_factory=Counter)  # (issue, support|oppose|neutral)
    no_position: int = 0
    actor_types: Counter[str] = field(default_factory=Counter)
    countries: set[str] = field(default_factory=set)
    languages: Counter[str] = field(default_factory=Counter)
    years: Counter[int] = field(default_factory=Counter)
    events: set[str] = field(default_factory=set)


def coverage(items: list[dict]) -> Coverage:
    found = Coverage(statements=len(items))
    for item in items:
        labels = item.get("labels") or {}
        found.sides.update(labels.items())
        if not any(position in TAKEN for position in labels.values()):
            found.no_position += 1
        found.actor_types[item.get("actor_type") or "unknown"] += 1
        if item.get("country"):
            found.countries.add(item["country"])
        found.languages[item.get("lang") or "unknown"] += 1
        if item.get("date"):
            found.years[int(str(item["date"])[:4])] += 1
        if item.get("event"):
            found.events.add(item["event"])
    return found


def cohen_kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa of two annotators' categorical labels over the same items."""
    from sklearn.metrics import cohen_kappa_score

    if first == second:
        return 1.0
    return float(cohen_kappa_score(first, second))


def agreement(annotations: list[dict], issues: list[str]) -> dict[str, dict[str, float | int]]:
    """Per issue: kappa over four categories (support, oppose, neutral, absent), over stance (support, oppose,
    none), the items and the disagreements, from the annotators "A" and "B" of each doubly labelled statement."""
    by_id: dict[str, dict[str, dict[str, str]]] = {}
    for row in annotations:
        by_id.setdefault(row["id"], {})[row["annotator"]] = row["labels"]
    pairs = [(v["A"], v["B"]) for v in by_id.values() if "A" in v and "B" in v]
    out: dict[str, dict[str, float | int]] = {}
    for issue in issues:
        a = [first.get(issue, "absent") for first, _ in pairs]
        b = [second.get(issue, "absent") for _, second in pairs]
        stance_a = [x if x in TAKEN else "none" for x in a]
        stance_b = [x if x in TAKEN else "none" for x in b]
        out[issue] = {"items": len(pairs), "kappa": round(cohen_kappa(a, b), 3),
                      "kappa_stance": round(cohen_kappa(stance_a, stance_b), 3),
                      "disagreements": sum(x != y for x, y in zip(a, b, strict=True))}
    return out


# --- the tables docs/corpus.md shows (kept in step with the files by scripts/corpus_report.py and a test) -------

ISSUES = ("taxation", "surveillance", "control")
LANGUAGE_NAMES = {"en": "English", "ar": "Arabic", "zh": "Chinese", "fr": "French", "ru": "Russian",
                  "es": "Spanish", "pt": "Portuguese", "de": "German"}


def coverage_markdown() -> str:
    """The coverage table: per split and in all, labels per issue and side, no-position statements, kinds,
    countries, languages and years."""
    data = {split: load_split(split) for split in SPLITS}
    columns = {**{split: coverage(items) for split, items in data.items()},
               "all": coverage([item for items in data.values() for item in items])}
    rows = [("statements", {k: c.statements for k, c in columns.items()}),
            ("events", {k: len(c.events) for k, c in columns.items()})]
    for issue in ISSUES:
        for side in ("support", "oppose", "neutral"):
            rows.append((f"{issue}: {side}", {k: c.sides[(issue, side)] for k, c in columns.items()}))
    rows.append(("no position on any issue", {k: c.no_position for k, c in columns.items()}))
    kinds = sorted(columns["all"].actor_types)
    rows += [(f"actor kind: {kind}", {k: c.actor_types[kind] for k, c in columns.items()}) for kind in kinds]
    rows.append(("countries", {k: len(c.countries) for k, c in columns.items()}))
    rows += [(f"language: {LANGUAGE_NAMES.get(lang, lang)}", {k: c.languages[lang] for k, c in columns.items()})
             for lang in LANGUAGE_NAMES]
    rows.append(("years", {k: f"{min(c.years)}-{max(c.years)}" if c.years else "" for k, c in columns.items()}))
    header = "| | " + " | ".join(columns) + " |\n|---|" + "---:|" * len(columns) + "\n"
    return header + "".join(f"| {name} | " + " | ".join(str(v[k]) for k in columns) + " |\n" for name, v in rows)


def agreement_markdown() -> str:
    """The agreement table: per issue, Cohen's kappa of the two independent annotators."""
    table = agreement(read_jsonl(ANNOTATIONS), list(ISSUES))
    lines = ["| issue | statements | kappa (support/oppose/neutral/absent) | kappa (support/oppose/none) "
             "| disagreements |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {issue} | {row['items']} | {row['kappa']:.3f} | {row['kappa_stance']:.3f} | {row['disagreements']} |"
              for issue, row in table.items()]
    return "\n".join(lines) + "\n"


def hashes_markdown() -> str:
    lines = ["| file | SHA-256 |", "|---|---|"]
    lines += [f"| `{split}.jsonl` | `{sha256_of(split_path(split))}` |" for split in SPLITS]
    lines.append(f"| `annotations.jsonl` | `{sha256_of(ANNOTATIONS)}` |")
    return "\n".join(lines) + "\n"


BLOCKS = {"coverage": coverage_markdown, "agreement": agreement_markdown, "hashes": hashes_markdown}


def block(text: str, name: str) -> str | None:
    """The generated block `name` of a document (between its start and end markers)."""
    start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0]


def refresh_blocks(text: str) -> str:
    for name, make in BLOCKS.items():
        old = block(text, name)
        if old is not None:
            text = text.replace(f"<!-- {name}:start -->\n{old}", f"<!-- {name}:start -->\n{make()}")
    return text
