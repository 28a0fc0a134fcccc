"""Validation against history: the coalitions of 14 December 2012, from the corpus's 2012 statements coded by the
shipped coder, split the states that signed the WCIT-12 treaty from those that did not (docs/validation.md)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from igtracker.models import Stance
from igtracker.validation import AS_OF, load_wcit12, separation, signatures, statements_2012
from tests.cli import tracker as run_tracker
from tests.conftest import sqlite_only

MIN_SEPARATED = 0.9


@sqlite_only
def test_wcit12_signers_and_non_signers_fall_in_different_coalitions(database_url: str, session: Session,
                                                                     tmp_path: Path) -> None:
    loaded = load_wcit12(session)  # the default coder, not the corpus's labels
    session.commit()
    assert loaded == len(statements_2012(set(signatures()))) > 100
    assert session.query(Stance).filter(Stance.coder_kind == "analyst").count() == 0

    result = run_tracker("coalitions", "--as-of", AS_OF, "--format", "json", "--no-save", cwd=tmp_path,
                         env={"TRACKER_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.stderr
    analysis = json.loads(result.stdout)
    score = separation(analysis)

    assert len(score.placed) >= 25  # named states with coded statements taking a side
    assert sum(score.signed.values()) >= 8 and sum(not s for s in score.signed.values()) >= 15
    assert score.share >= MIN_SEPARATED, f"misplaced: {score.wrong}"
    assert score.placed["RUS"] != score.placed["USA"] and score.placed["RUS"] and score.placed["USA"]
    assert score.placed["SAU"] == score.placed["RUS"]  # a partial profile (control only) joins its camp


def test_separation_scores_a_misplaced_state() -> None:
    analysis = {
        "coalitions": [
            {"key": "c1", "members": [{"slug": s} for s in ("russia", "china", "united-states")]},
            {"key": "c2", "members": [{"slug": s} for s in ("sweden", "canada")]},
        ],
        "unaligned": [{"slug": "iran"}],
    }
    score = separation(analysis)
    assert score.correct == ["CAN", "CHN", "RUS", "SWE"]
    assert score.wrong == ["IRN", "USA"]  # on the signers' side; unaligned
    assert score.share == 4 / 6
