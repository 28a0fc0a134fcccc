"""Maintainer script: assemble the stance corpus from annotated batches and cut it into train/dev/test by event.

    python scripts/corpus_split.py BATCH.jsonl ... --annotations B.labels.jsonl ... --adjudications ADJ.jsonl

The split is by source event (`event`), never at random, so that one conference's, bill's or story's statements
never sit on both sides of a split. Events are taken in the order of a keyed SHA-256 of their slug (reproducible,
and chosen by nobody): the test split takes events until it holds at least `TEST_PER_LANGUAGE` statements in each
non-English language, `TEST_PER_SIDE` supports and opposes on each issue and `TEST_SHARE` of the corpus; the dev
split takes further events, in the same order, until it holds its own (smaller) quotas; the rest is train. An
event holding more than `LARGEST_TEST_EVENT` of the corpus stays in train (one event must not be most of a test).
Batches written later for training only (`--train-only`, by writers told which stories are held out) join train;
an item of theirs whose event is in dev or test is dropped, never added to a held-out split. The script prints only
counts, so whoever runs it need not read the held-out statements.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tracker" / "data" / "corpus"
FIELDS = ("id", "text", "actor", "actor_type", "country", "date", "url", "lang", "labels", "notes", "event", "form")
ISSUES = ("taxation", "surveillance", "control")
LANGUAGES = ("ar", "zh", "fr", "ru", "es", "pt")
TEST_PER_LANGUAGE = {"ar": 17, "zh": 17, "fr": 17, "ru": 17, "es": 17, "pt": 8}
TEST_PER_SIDE = 15
TEST_SHARE = 0.22
DEV_SHARE = 0.13
DEV_PER_LANGUAGE = {lang: 5 for lang in LANGUAGES}
DEV_PER_SIDE = 8
LARGEST_TEST_EVENT = 0.05
KEY = "igtracker-corpus-split-2026-12"


def _order(event: str) -> str:
    return hashlib.sha256(f"{KEY}:{event}".encode()).hexdigest()


def _read(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return rows


def _needs(rows: list[dict], total: int, per_language: dict[str, int], per_side: int, share: float) -> set[str]:
    """What a split still lacks."""
    lacking = set()
    languages = Counter(item["lang"] for item in rows)
    lacking |= {f"lang:{lang}" for lang, need in per_language.items() if languages[lang] < need}
    sides = Counter((issue, pos) for item in rows for issue, pos in item["labels"].items())
    lacking |= {f"{issue}:{side}" for issue in ISSUES for side in ("support", "oppose")
                if sides[(issue, side)] < per_side}
    if len(rows) < share * total:
        lacking.add("size")
    return lacking


def _offers(items: list[dict]) -> set[str]:
    offered = {f"lang:{item['lang']}" for item in items}
    offered |= {f"{issue}:{pos}" for item in items for issue, pos in item["labels"].items()}
    return offered | {"size"}


def split(items: list[dict]) -> dict[str, list[dict]]:
    by_event: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_event[item["event"]].append(item)
    total = len(items)
    order = sorted(by_event, key=_order)
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    taken: set[str] = set()
    quotas = {"test": (TEST_PER_LANGUAGE, TEST_PER_SIDE, TEST_SHARE),
              "dev": (DEV_PER_LANGUAGE, DEV_PER_SIDE, DEV_SHARE)}
    for name, (per_language, per_side, share) in quotas.items():
        for event in order:
            lacking = _needs(splits[name], total, per_language, per_side, share)
            if not lacking:
                break
            members = by_event[event]
            if event in taken or len(members) > LARGEST_TEST_EVENT * total or not (lacking & _offers(members)):
                continue
            splits[name].extend(members)
            taken.add(event)
    splits["train"] = [item for event in order if event not in taken for item in by_event[event]]
    return splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batches", nargs="+", type=Path)
    parser.add_argument("--annotations", nargs="*", type=Path, default=[],
                        help="second annotators' labels: {id, labels, notes} per line")
    parser.add_argument("--adjudications", nargs="*", type=Path, default=[],
                        help="adjudicated labels where the two annotators differed: {id, labels, reason}")
    parser.add_argument("--train-only", nargs="*", type=Path, default=[],
                        help="batches written for training only: their items join train")
    parser.add_argument("--out", type=Path, default=OUT, help="where the split files go")
    args = parser.parse_args()
    items = _read(args.batches)
    ids = Counter(item["id"] for item in items)
    if duplicated := [i for i, n in ids.items() if n > 1]:
        raise SystemExit(f"duplicate ids: {duplicated}")
    second = {row["id"]: row for row in _read(args.annotations)}
    adjudicated = {row["id"]: row for row in _read(args.adjudications)}
    for item in items:
        item["event"] = item["event"].strip().lower()
    splits = split(items)  # on the first annotator's labels, so that adjudication never moves an event
    held_out = {item["event"] for name in ("dev", "test") for item in splits[name]}
    later = _read(args.train_only)
    for item in later:
        item["event"] = item["event"].strip().lower()
    kept = [item for item in later if item["event"] not in held_out]
    print(f"train-only batches: {len(kept)} statements join train, {len(later) - len(kept)} dropped (held-out event)")
    splits["train"].extend(kept)
    items += kept
    if duplicated := [i for i, n in Counter(item["id"] for item in items).items() if n > 1]:
        raise SystemExit(f"duplicate ids: {duplicated}")
    annotations = []
    for item in items:
        if item["id"] in second:
            annotations.append({"id": item["id"], "annotator": "A", "labels": item["labels"]})
            annotations.append({"id": item["id"], "annotator": "B", "labels": second[item["id"]]["labels"]})
        if item["id"] in adjudicated:
            item["labels"] = adjudicated[item["id"]]["labels"]
            item["notes"] = f"{item['notes']} Adjudicated: {adjudicated[item['id']]['reason']}"
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        rows.sort(key=lambda item: item["id"])
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for item in rows:
                fh.write(json.dumps({k: item.get(k) for k in FIELDS}, ensure_ascii=False) + "\n")
        languages = Counter(item["lang"] for item in rows)
        events = len({item["event"] for item in rows})
        print(f"{name}: {len(rows)} statements, {events} events, languages {dict(sorted(languages.items()))}")
    with (out / "annotations.jsonl").open("w", encoding="utf-8") as fh:
        for row in sorted(annotations, key=lambda r: (r["id"], r["annotator"])):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"annotations: {len(annotations) // 2} statements labelled twice")


if __name__ == "__main__":
    main()
