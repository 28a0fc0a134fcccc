"""Validation against history: do the coalitions of December 2012 split the states as WCIT-12 did?

At the World Conference on International Telecommunications (Dubai, 3-14 December 2012) 89 states signed the
revised International Telecommunication Regulations and 55 did not, largely along the line of the dispute over
intergovernmental control of the Internet. ``load_wcit12`` fills a store with the states concerned
(``data/wcit12/registry.toml``) and the corpus's government statements dated 2012 (train and dev splits only: the
held-out test split stays closed), coded either by the shipped coder or, as analyst codings, by the corpus's gold
labels. ``separation`` then scores an analysis as of 14 December 2012: the share of named signers and non-signers
placed in a coalition whose named states are mostly on their own side. docs/validation.md reports the figures.
"""

from __future__ import annotations

import argparse
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.config import PACKAGE_DATA
from igtracker.documents import FetchedDocument, store_document
from igtracker.extract import Extracted
from igtracker.models import Actor, Document

WCIT12_DIR = PACKAGE_DATA / "wcit12"
REGISTRY = WCIT12_DIR / "registry.toml"
SIGNATURES = WCIT12_DIR / "signatures.toml"
AS_OF = "2012-12-14"
SPLITS = ("train", "dev")  # never the held-out test split
ANALYST = "corpus gold labels"
TAKEN = ("support", "oppose")


def signatures() -> dict[str, bool]:
    """ISO alpha-3 code -> whether the state signed the 2012 ITRs."""
    data = tomllib.loads(SIGNATURES.read_text("utf-8"))
    return {**{c: True for c in data["signed"]}, **{c: False for c in data["did_not_sign"]}}


def _date(value: str) -> datetime:
    """A corpus date (YYYY-MM-DD, YYYY-MM or YYYY) as a UTC datetime, at its earliest."""
    parts = [int(p) for p in value.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2], 12, tzinfo=UTC)


def statements_2012(countries: set[str]) -> list[dict[str, Any]]:
    """The corpus's government statements dated 2012 by the given states (train and dev)."""
    from igtracker.coding.corpus import load_split

    return [
        item for split in SPLITS for item in load_split(split)
        if str(item.get("date", "")).startswith("2012") and item.get("actor_type") == "government"
        and item.get("country") in countries
    ]


def _sync_states(session: Session) -> dict[str, Actor]:
    from igtracker.registry import load_registry, sync_registry

    sync_registry(session, load_registry(REGISTRY))
    return {a.country: a for a in session.scalars(select(Actor).where(Actor.kind == "state")) if a.country}


def _store_statements(session: Session, states: dict[str, Actor], items: list[dict[str, Any]]) -> None:
    for item in items:
        when = _date(item["date"])
        extracted = Extracted(text=item["text"], media_type="text/plain", published_at=when, language=item["lang"])
        url = f"{item['url']}#corpus-{item['id']}"  # one document per statement, even where a page holds several
        store_document(session, FetchedDocument(url, url, None, states[item["country"]].id, extracted,
                                                fetched_at=when, meta={"corpus_id": item["id"]}))


def _gold_codings(session: Session, states: dict[str, Actor], items: list[dict[str, Any]]) -> None:
    """One analyst coding per state and issue: the side most of its statements' gold labels take (ties: none),
    dated by the earliest statement taking that side (the position was held from then on)."""
    from igtracker.coding.analyst import set_analyst_stance
    from igtracker.coding.codebook import load_codebook, sync_issues

    sync_issues(session, load_codebook())
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    first: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in items:
        for issue_id, position in item["labels"].items():
            if position in TAKEN:
                votes[(item["country"], issue_id)][position] += 1
                key = (item["country"], issue_id, position)
                if key not in first or _date(item["date"]) < _date(first[key]["date"]):
                    first[key] = item
    for (country, issue_id), counts in sorted(votes.items()):
        (side, top), *rest = counts.most_common()
        if rest and rest[0][1] == top:
            continue
        item = first[(country, issue_id, side)]
        set_analyst_stance(session, states[country].slug, issue_id, side, evidence_url=item["url"],
                           note=f"gold label of {sum(counts.values())} corpus statement(s), e.g. {item['id']}",
                           analyst=ANALYST, stated_at=_date(item["date"]))


def load_wcit12(session: Session, *, gold: bool = False) -> int:
    """Fill a migrated store with the validation's states and statements, coded by the default coder or (``gold``)
    by the corpus's labels as analyst codings. Returns the number of statements loaded. The caller commits."""
    states = _sync_states(session)
    items = statements_2012(set(signatures()))
    _store_statements(session, states, items)
    if gold:
        _gold_codings(session, states, items)
    else:
        from igtracker.coding.store_coding import code_documents

        code_documents(session)
    session.flush()
    return len(items)


@dataclass
class Separation:
    """How an analysis places the named states: per state its coalition key ("" unaligned), and the score."""

    placed: dict[str, str]  # ISO code -> coalition key, for states taking a side
    signed: dict[str, bool]
    correct: list[str]

    @property
    def share(self) -> float:
        return len(self.correct) / len(self.placed) if self.placed else 0.0

    @property
    def wrong(self) -> list[str]:
        return sorted(set(self.placed) - set(self.correct))


def separation(analysis: dict[str, Any], countries: dict[str, str] | None = None) -> Separation:
    """Score `tracker coalitions --format json` output: a state taking a side counts as correctly placed when it is
    in a coalition whose named states are mostly on its side of the signature line (unaligned: not placed).

    ``countries`` maps actor slugs to ISO codes (default: the validation's registry).
    """
    signed = signatures()
    if countries is None:
        registry = tomllib.loads(REGISTRY.read_text("utf-8"))
        countries = {a["id"]: a["country"] for a in registry["actors"]}
    placed: dict[str, str] = {}
    for coalition in analysis["coalitions"]:
        for member in coalition["members"]:
            if member["slug"] in countries:
                placed[countries[member["slug"]]] = coalition["key"]
    for actor in analysis["unaligned"]:
        if actor["slug"] in countries:
            placed[countries[actor["slug"]]] = ""
    majority: dict[str, bool] = {}
    for key in set(placed.values()) - {""}:
        sides = Counter(signed[c] for c, k in placed.items() if k == key)
        if sides[True] != sides[False]:
            majority[key] = sides[True] > sides[False]
    correct = sorted(c for c, key in placed.items() if key in majority and majority[key] == signed[c])
    return Separation(placed, {c: signed[c] for c in placed}, correct)


def main() -> None:
    """`python -m igtracker.validation`: fill the store named by TRACKER_DATABASE_URL (migrated first)."""
    from igtracker.db import session_scope
    from igtracker.store import open_store

    parser = argparse.ArgumentParser(description="Load the WCIT-12 validation's states and 2012 statements.")
    parser.add_argument("--gold", action="store_true", help="code by the corpus's gold labels (analyst codings)")
    args = parser.parse_args()
    with session_scope(open_store()) as session:
        count = load_wcit12(session, gold=args.gold)
        documents = session.scalar(select(Document.id).order_by(Document.id.desc()).limit(1))
    print(f"loaded {count} statements (last document id {documents}); now run: tracker coalitions --as-of {AS_OF}")


if __name__ == "__main__":
    main()
