"""The bundled stance corpus: format, coverage minimums, no leaks across splits, and a test split that stays put."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from igtracker.coding import load_codebook
from igtracker.coding.corpus import (
    ANNOTATIONS,
    BLOCKS,
    SPLITS,
    block,
    coverage,
    load_split,
    read_jsonl,
    sha256_of,
    split_path,
)
from igtracker.coding.evaluate import load_gold

DOC = Path(__file__).resolve().parent.parent / "docs" / "corpus.md"
FIELDS = {"id", "text", "actor", "actor_type", "country", "date", "url", "lang", "labels", "notes", "event", "form"}
ACTOR_TYPES = {"government", "igo", "firm", "ngo", "technical-community", "academic", "media", "individual"}
NON_ENGLISH = ("ar", "zh", "fr", "ru", "es", "pt")
DATE = re.compile(r"^(?:19|20)\d\d(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {split: load_split(split) for split in SPLITS}


@pytest.fixture(scope="module")
def everything(splits: dict[str, list[dict]]) -> list[dict]:
    return [item for items in splits.values() for item in items]


def test_every_item_is_a_well_formed_gold_statement(everything: list[dict]) -> None:
    issues = set(load_codebook().issue_ids)
    for item in everything:
        assert set(item) == FIELDS, item["id"]
        assert item["text"].strip() and item["actor"].strip(), item["id"]
        assert item["actor_type"] in ACTOR_TYPES, item["id"]
        assert item["country"] is None or re.fullmatch(r"[A-Z]{3}", item["country"]), item["id"]
        assert DATE.match(item["date"]), (item["id"], item["date"])
        assert re.match(r"^https?://\S+$", item["url"]), (item["id"], item["url"])
        assert set(item["labels"]) <= issues and set(item["labels"].values()) <= {"support", "oppose", "neutral"}
        assert item["event"] and re.fullmatch(r"[a-z0-9][a-z0-9-]*", item["event"]), item["id"]
    for split in SPLITS:  # and `tracker eval` reads each split
        assert len(load_gold(split_path(split))) > 0


def test_no_item_or_event_sits_in_two_splits(splits: dict[str, list[dict]], everything: list[dict]) -> None:
    ids = Counter(item["id"] for item in everything)
    assert [i for i, n in ids.items() if n > 1] == []
    texts = Counter(" ".join(item["text"].lower().split()) for item in everything)
    assert [t[:60] for t, n in texts.items() if n > 1] == []
    events = {split: {item["event"] for item in items} for split, items in splits.items()}
    assert events["train"].isdisjoint(events["test"])
    assert events["dev"].isdisjoint(events["test"])
    assert events["train"].isdisjoint(events["dev"])


def test_coverage_minimums(splits: dict[str, list[dict]], everything: list[dict]) -> None:
    found = coverage(everything)
    assert found.statements >= 600
    for issue in ("taxation", "surveillance", "control"):
        assert found.sides[(issue, "support")] >= 60 and found.sides[(issue, "oppose")] >= 60, issue
    assert found.no_position >= 120
    assert set(found.actor_types) == ACTOR_TYPES
    assert len(found.countries) >= 40
    assert min(found.years) <= 2003 and max(found.years) >= 2026
    test = coverage(splits["test"])
    for language in NON_ENGLISH:
        assert found.languages[language] >= 15 and test.languages[language] >= 15, language


def test_annotations_pair_two_annotators_on_corpus_items(everything: list[dict]) -> None:
    ids = {item["id"] for item in everything}
    rows = read_jsonl(ANNOTATIONS)
    by_id: dict[str, set[str]] = {}
    for row in rows:
        assert row["id"] in ids
        by_id.setdefault(row["id"], set()).add(row["annotator"])
    assert len(by_id) >= 150 and all(found == {"A", "B"} for found in by_id.values())


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_docs_tables_and_hashes_match_the_files(name: str) -> None:
    """docs/corpus.md shows what the files hold; a changed test split must come with a changed recorded hash."""
    text = DOC.read_text(encoding="utf-8")
    assert block(text, name) == BLOCKS[name](), f"run python scripts/corpus_report.py ({name} is stale)"


def test_recorded_test_hash_is_the_file(tmp_path: Path) -> None:
    recorded = re.search(r"`test\.jsonl` \| `([0-9a-f]{64})`", DOC.read_text(encoding="utf-8"))
    assert recorded and recorded.group(1) == sha256_of(split_path("test"))
