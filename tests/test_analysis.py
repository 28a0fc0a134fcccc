"""Coalition analysis on stores filled through the ORM: aggregation rules, agreement, coalitions, shifts, snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.analysis import analyse, pairwise_agreement, parse_as_of, save_snapshot, stance_matrix, what_moved
from igtracker.analysis.pooling import recency_weight, stance_weight
from igtracker.errors import NotFoundError, TrackerError
from igtracker.models import Coalition, CoalitionMember
from tests.cli import tracker as run_tracker
from tests.factories import StoreBuilder, build_dispute

NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)
END_OF_WEEK = datetime(2026, 11, 15, 23, 59, 59, 999999, tzinfo=UTC)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def test_analyst_coding_wins_and_supersession_follows_the_date(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    actor = b.actor("brazil", "Brazil", "state", "BRA")
    for n in range(5):
        b.stance(actor, "control", "oppose", confidence=0.99, stated_at=days_ago(n + 1), evidence=f"no {n}")
    b.stance(actor, "control", "support", coder_kind="analyst", review_status="confirmed",
             stated_at=days_ago(30), superseded_at=days_ago(3), evidence="Analyst: supports.")
    b.stance(actor, "control", "neutral", coder_kind="analyst", review_status="confirmed",
             stated_at=days_ago(3), evidence="Analyst: now neutral.")
    session.commit()

    now = stance_matrix(session, NOW).cell(actor.id, "control")
    assert now is not None and (now.position, now.basis) == ("neutral", "analyst")
    assert not now.taken
    earlier = stance_matrix(session, days_ago(10)).cell(actor.id, "control")
    assert earlier is not None and (earlier.position, earlier.basis) == ("support", "analyst")
    assert earlier.evidence[0].quote == "Analyst: supports."
    before_any_analyst = stance_matrix(session, days_ago(40))
    assert before_any_analyst.cell(actor.id, "control") is None


def test_machine_stances_pool_by_confidence_and_recency(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    old_support = b.actor("a-old", "Old support, fresh opposition")
    for _ in range(3):  # three confident statements two years ago ...
        b.stance(old_support, "control", "support", confidence=0.9, stated_at=days_ago(730))
    b.stance(old_support, "control", "oppose", confidence=0.6, stated_at=days_ago(5))  # ... lose to one today
    rejected = b.actor("b-rejected", "Rejected coding")
    b.stance(rejected, "control", "oppose", confidence=0.5, stated_at=days_ago(10))
    b.stance(rejected, "control", "support", confidence=1.0, stated_at=days_ago(1), review_status="rejected")
    confirmed = b.actor("c-confirmed", "Confirmed outweighs")
    b.stance(confirmed, "control", "support", confidence=0.5, stated_at=days_ago(10), review_status="confirmed")
    b.stance(confirmed, "control", "oppose", confidence=0.55, stated_at=days_ago(10))
    neutral = b.actor("d-neutral", "Only neutral")
    b.stance(neutral, "control", "neutral", stated_at=days_ago(2))
    mixed = b.actor("e-mixed", "Both ways")
    b.stance(mixed, "control", "support", confidence=0.8, stated_at=days_ago(3))
    b.stance(mixed, "control", "oppose", confidence=0.8, stated_at=days_ago(3))
    undated = b.actor("f-undated", "No statement date")
    b.stance(undated, "control", "support", created_at=days_ago(2))
    future = b.actor("g-future", "Said after the date")
    b.stance(future, "control", "support", stated_at=NOW + timedelta(days=1))
    session.commit()

    matrix = stance_matrix(session, NOW)
    assert matrix.position(old_support.id, "control") == "oppose"
    assert matrix.position(rejected.id, "control") == "oppose"
    assert matrix.position(confirmed.id, "control") == "support"
    assert matrix.position(neutral.id, "control") == "neutral"
    assert matrix.position(mixed.id, "control") == "mixed"
    assert matrix.position(undated.id, "control") == "support"
    assert matrix.position(future.id, "control") is None
    assert stance_matrix(session, days_ago(3)).position(undated.id, "control") is None
    assert matrix.positioned_actors() == sorted([old_support.id, rejected.id, confirmed.id, undated.id])
    assert recency_weight(180) == pytest.approx(0.5)
    assert stance_weight(0.8, 0, "confirmed") == pytest.approx(1.6) and stance_weight(0.8, 360, "pending") == 0.2


def test_cell_evidence_is_the_strongest_quotes_with_url_and_date(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    actor = b.actor("china", "China", "state", "CHN")
    doc = b.document(actor, "White paper on cyberspace sovereignty", published_at=days_ago(3))
    b.stance(actor, "control", "support", confidence=0.95, stated_at=days_ago(3), document=doc, evidence="Strong.")
    b.stance(actor, "control", "support", confidence=0.5, stated_at=days_ago(300), evidence="Weak and old.")
    b.stance(actor, "control", "support", confidence=0.9, stated_at=days_ago(4), evidence=None)  # no quote
    b.stance(actor, "control", "support", confidence=0.7, stated_at=days_ago(20), evidence="Middle.")
    b.stance(actor, "control", "support", confidence=0.6, stated_at=days_ago(200), evidence="Fourth.")
    b.stance(actor, "control", "oppose", confidence=0.3, stated_at=days_ago(50), evidence="Off-side.")
    session.commit()

    cell = stance_matrix(session, NOW).cell(actor.id, "control")
    assert cell is not None and cell.position == "support" and cell.stances == 6
    assert [e.quote for e in cell.evidence] == ["Strong.", "Middle.", "Fourth."]
    first = cell.evidence[0]
    assert first.url == doc.url and first.stated_at == days_ago(3)
    assert first.document_title == "White paper on cyberspace sovereignty"


def test_chance_corrected_agreement(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    positions = {  # control, surveillance, taxation
        "a": ("support", "support", "support"),
        "b": ("support", "support", "support"),
        "c": ("oppose", "oppose", "support"),
        "d": ("oppose", "oppose", "support"),
    }
    actors = {}
    for slug, sides in positions.items():
        actors[slug] = b.actor(slug)
        for issue, side in zip(("control", "surveillance", "taxation"), sides, strict=True):
            b.stance(actors[slug], issue, side, stated_at=days_ago(1))
    session.commit()

    pairs = {(ag.a, ag.b): ag for ag in pairwise_agreement(stance_matrix(session, NOW))}
    ab = pairs[(actors["a"].id, actors["b"].id)]
    ac = pairs[(actors["a"].id, actors["c"].id)]
    # Chance: control and surveillance split 2-2 (0.5), taxation unanimous (1.0): mean 2/3 over three issues.
    assert (ab.common, ab.agreed) == (3, 3) and ab.kappa == pytest.approx(1.0)
    assert (ac.common, ac.agreed) == (3, 1) and ac.kappa == pytest.approx((1 / 3 - 2 / 3) / (1 - 2 / 3), abs=1e-3)


def test_dispute_coalitions_labels_bridges_camps_and_blocs(session: Session) -> None:
    dispute = build_dispute(session)
    analysis = analyse(session, END_OF_WEEK)

    assert analysis.scope == "overall"
    labels = {c.key: c.label for c in analysis.coalitions}
    assert labels == {  # keys follow the lines: support on the first issue first
        "c1": "for intergovernmental control, for digital services taxes",
        "c2": "for lawful access to encrypted data, for multistakeholder governance",
        "c3": "for strong encryption, for multistakeholder governance",
    }
    assert [c.key for c in analysis.coalitions] == ["c1", "c3", "c2"]  # largest first
    members = {c.key: {m.actor.slug for m in c.members} for c in analysis.coalitions}
    assert {"united-states", "google", "icann", "kenya", "netherlands"} <= members["c3"]
    assert {"russia", "china", "brazil", "india", "cuba"} <= members["c1"]
    assert members["c2"] == {"france", "germany", "italy", "spain", "european-commission"}
    # The ITU (a side on control only) and the Tax Justice Network (on taxation only) lean into the coalition
    # whose line they match: nobody contradicts every coalition, so nobody is unaligned.
    leaning = {m.actor.slug: (c.key, m.rests_on) for c in analysis.coalitions for m in c.members if m.leaning}
    assert leaning == {"itu": ("c1", 1), "tax-justice-network": ("c1", 1)}
    assert analysis.unaligned == []
    assert all(0.8 <= c.cohesion <= 1.0 for c in analysis.coalitions)
    assert min(c.cohesion for c in analysis.coalitions) < 0.9  # Brazil and India part from their coalition's line
    assert {c.key: (c.cohesion_issues, c.statements > 0) for c in analysis.coalitions} == {
        "c1": (3, True), "c2": (3, True), "c3": (3, True)
    }
    assert {b.actor.slug for b in analysis.bridges} == members["c2"]

    control = analysis.camps["control"]
    assert len(control.support) == 12 and len(control.oppose) == 18
    assert {e.actor.slug for e in control.undeclared} == {"quiet-ngo", "tax-justice-network"}
    assert "old-forum" not in {e.actor.slug for e in control.undeclared}  # inactive and silent

    blocs = {b.slug: b for b in analysis.blocs}
    assert blocs["eu"].lines["control"].dominant == "oppose"
    assert blocs["arab-group"].cohesion == 1.0
    assert blocs["brics"].coalitions == {"c1": 8}

    again = analyse(session, END_OF_WEEK)
    assert again.to_dict() == analysis.to_dict()  # deterministic
    data = json.loads(json.dumps(analysis.to_dict()))
    first = data["coalitions"][0]
    assert {"key", "label", "cohesion", "members", "positions"} <= set(first)
    assert {"id", "slug", "name", "positions"} <= set(first["members"][0])
    assert dispute.actors["india"].id in {m["id"] for m in data["coalitions"][0]["members"]}


def test_one_issue_scope_and_unknown_issue(session: Session) -> None:
    build_dispute(session)
    control = analyse(session, END_OF_WEEK, issue="control")
    assert control.scope == "control" and list(control.matrix.issues) == ["control"]
    assert [c.label for c in control.coalitions] == [
        "for multistakeholder governance", "for intergovernmental control"
    ]
    assert [c.size for c in control.coalitions] == [18, 12]
    with pytest.raises(NotFoundError, match="known issues: control, surveillance, taxation"):
        analyse(session, END_OF_WEEK, issue="spectrum")


def test_what_moved_in_the_dispute_week(session: Session) -> None:
    build_dispute(session)
    shifts = what_moved(session, END_OF_WEEK)
    assert [(c.actor.slug, c.issue_id, c.before, c.after) for c in shifts.changed] == [
        ("brazil", "control", "oppose", "support")
    ]
    assert "Analyst" in shifts.changed[0].evidence[0].quote
    assert [a.slug for a in shifts.new_actors] == ["kenya"]
    assert {(c.actor.slug, c.issue_id) for c in shifts.new_positions} == {
        ("kenya", "control"), ("kenya", "surveillance"), ("kenya", "taxation")
    }
    quiet = what_moved(session, END_OF_WEEK + timedelta(days=7))
    assert quiet.nothing_moved


def test_a_coalition_that_splits(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    issues = ("control", "surveillance", "taxation")
    group_a = [b.actor(f"a{n}", f"A{n}") for n in range(6)]
    group_b = [b.actor(f"b{n}", f"B{n}") for n in range(6)]
    for actor in group_a:
        for issue in issues:
            b.stance(actor, issue, "support", stated_at=days_ago(60))
    for actor in group_b:
        for issue in issues:
            b.stance(actor, issue, "oppose", stated_at=days_ago(60))
    for actor in group_a[3:]:  # half of A turns on surveillance and taxation this week
        for issue in ("surveillance", "taxation"):
            b.stance(actor, issue, "oppose", coder_kind="analyst", review_status="confirmed", stated_at=days_ago(1))
    session.commit()

    before = analyse(session, NOW - timedelta(days=7))
    assert sorted(c.size for c in before.coalitions) == [6, 6]
    shifts = what_moved(session, NOW)
    assert [c.kind for c in shifts.splits] == ["split"]
    split = shifts.splits[0]
    assert split.before == ["for intergovernmental control, for lawful access to encrypted data"]
    assert len(split.after) == 2
    assert {a.slug for a in split.actors} == {a.slug for a in group_a}
    assert {(c.actor.slug, c.before, c.after) for c in shifts.changed} == {
        (f"a{n}", "support", "oppose") for n in range(3, 6)
    }


def test_snapshot_replaces_the_same_date_and_scope(session: Session) -> None:
    build_dispute(session)
    overall = analyse(session, END_OF_WEEK)
    save_snapshot(session, overall)
    session.commit()
    save_snapshot(session, overall)  # again: replaced, not duplicated
    save_snapshot(session, analyse(session, END_OF_WEEK, issue="control"))
    session.commit()

    rows = session.scalars(select(Coalition).where(Coalition.scope == "overall")).all()
    assert [r.key for r in sorted(rows, key=lambda r: r.key)] == ["c1", "c2", "c3"]
    assert all(r.as_of == END_OF_WEEK for r in rows)
    c2 = next(r for r in rows if r.key == "c2")
    assert c2.label == "for lawful access to encrypted data, for multistakeholder governance"
    assert c2.positions["control"]["dominant"] == "oppose"
    members = session.execute(
        select(CoalitionMember.actor_id, CoalitionMember.bridge, CoalitionMember.positions)
        .where(CoalitionMember.coalition_id == c2.id)
    ).all()
    assert len(members) == 5 and all(bridge for _a, bridge, _p in members)
    assert all(positions["control"] == "oppose" for _a, _b, positions in members)
    assert len(session.scalars(select(Coalition).where(Coalition.scope == "control")).all()) == 2


def test_parse_as_of() -> None:
    assert parse_as_of("2026-11-15") == END_OF_WEEK
    assert parse_as_of("2026-11-15T12:00") == datetime(2026, 11, 15, 12, tzinfo=UTC)
    assert parse_as_of("2026-11-15T12:00+02:00") == datetime(2026, 11, 15, 10, tzinfo=UTC)
    with pytest.raises(TrackerError, match="not a date"):
        parse_as_of("last week")


def test_coalitions_command_json_and_table(database_url: str, session: Session, tmp_path: Path) -> None:
    build_dispute(session)
    session.commit()

    def tracker(*args: str):  # type: ignore[no-untyped-def]
        return run_tracker(*args, cwd=tmp_path, env={"TRACKER_DATABASE_URL": database_url})

    result = tracker("coalitions", "--as-of", "2026-11-15", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["as_of"].startswith("2026-11-15T23:59:59")
    assert len(data["coalitions"]) == 3
    c3 = next(c for c in data["coalitions"] if c["key"] == "c3")
    assert c3["label"] == "for strong encryption, for multistakeholder governance" and c3["cohesion"] > 0.8
    assert c3["cohesion_issues"] == 3 and c3["statements"] > 0
    us = next(m for m in c3["members"] if m["slug"] == "united-states")
    assert us["name"] == "United States" and isinstance(us["id"], int) and us["leaning"] is False
    assert us["positions"] == {"control": "oppose", "surveillance": "oppose", "taxation": "oppose"}
    session.expire_all()
    assert len(session.scalars(select(Coalition)).all()) == 3  # saved as a snapshot

    table = tracker("coalitions", "--issue", "control", "--as-of", "2026-11-15", "--no-save")
    assert table.exit_code == 0, table.stderr
    assert "for intergovernmental control" in table.stdout and "Brazil" in table.stdout
    bad = tracker("coalitions", "--issue", "spectrum")
    assert bad.exit_code == 1 and "no issue 'spectrum'" in bad.stderr and not bad.crashed


def _profiles(b: StoreBuilder, rows: dict[str, dict[str, str]], age: float = 60) -> dict[str, object]:
    actors = {}
    for slug, positions in rows.items():
        actors[slug] = actor = b.actor(slug, slug.replace("-", " ").title())
        for issue, position in positions.items():
            b.stance(actor, issue, position, stated_at=days_ago(age))
    return actors


CAMP_A = {"control": "support", "surveillance": "support"}
CAMP_B = {"control": "oppose", "surveillance": "oppose"}


def test_partial_profiles_lean_into_the_coalition_they_do_not_contradict(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    _profiles(b, {
        **{f"a{n}": CAMP_A for n in range(4)}, **{f"b{n}": CAMP_B for n in range(4)},
        "pro-itu-state": {"control": "support"},  # one issue: cannot be compared by kappa, still placed
        "privacy-ngo": {"surveillance": "oppose"},
        "between": {"control": "support", "surveillance": "oppose"},  # contradicts both camps
    })
    session.commit()

    analysis = analyse(session, NOW)
    home = {m.actor.slug: (c.key, m.leaning, m.rests_on) for c in analysis.coalitions for m in c.members}
    a_key, b_key = home["a0"][0], home["b0"][0]
    assert a_key != b_key and len(analysis.coalitions) == 2
    assert home["pro-itu-state"] == (a_key, True, 1)
    assert home["privacy-ngo"] == (b_key, True, 1)
    assert home["a1"][1:] == (False, 2)
    assert [a.slug for a in analysis.unaligned] == ["between"]


def test_coalitions_differ_in_positions_not_in_which_issues_were_addressed(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    # Two groups that never disagree: one spoke on control and surveillance, the other on surveillance and
    # taxation. The agreement graph has no tie between them (one shared issue each), yet they are one coalition.
    _profiles(b, {
        **{f"x{n}": CAMP_B for n in range(4)},
        **{f"y{n}": {"surveillance": "oppose", "taxation": "oppose"} for n in range(4)},
        **{f"z{n}": {"control": "support", "surveillance": "support", "taxation": "support"} for n in range(3)},
    })
    session.commit()

    analysis = analyse(session, NOW)
    assert sorted(c.size for c in analysis.coalitions) == [3, 8]
    lines = [c.positions for c in analysis.coalitions]
    for i, first in enumerate(lines):
        for second in lines[i + 1:]:  # every two coalitions take opposite sides somewhere
            assert any(first.get(k) and second.get(k) and first[k] != second[k] for k in first)


def test_cohesion_can_be_low_and_says_what_it_rests_on(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    # Six actors mostly for all three, three of them each breaking ranks on a different issue; four against all.
    rows = {f"p{n}": dict.fromkeys(("control", "surveillance", "taxation"), "support") for n in range(6)}
    for n, issue in enumerate(("taxation", "surveillance", "control")):
        rows[f"p{n}"][issue] = "oppose"
    _profiles(b, {**rows, **{f"q{n}": {**CAMP_B, "taxation": "oppose"} for n in range(4)}})
    session.commit()

    coalition = next(c for c in analyse(session, NOW).coalitions if any(m.actor.slug == "p0" for m in c.members))
    assert coalition.size == 6
    assert coalition.cohesion == pytest.approx(2 / 3)  # per issue |5 - 1| over 6 sides taken
    assert (coalition.cohesion_issues, coalition.statements) == (3, 18)


def test_coalitions_keep_their_keys_across_weeks_and_moves_are_explained(session: Session) -> None:
    b = StoreBuilder(session, NOW)
    b.issues()
    actors = _profiles(b, {
        **{f"a{n}": CAMP_A for n in range(5)}, **{f"b{n}": CAMP_B for n in range(3)}, "m": CAMP_A,
    })
    session.commit()

    quiet = what_moved(session, NOW)
    assert quiet.nothing_moved and quiet.moves == []
    this_week = analyse(session, NOW)
    last_week = analyse(session, NOW - timedelta(days=7))
    assert [(c.key, c.size) for c in this_week.coalitions] == [(c.key, c.size) for c in last_week.coalitions]

    # "m" turns on both issues: it changes coalition, and what moved says which positions changed.
    for issue in ("control", "surveillance"):
        b.stance(actors["m"], issue, "oppose", coder_kind="analyst", review_status="confirmed",
                 stated_at=days_ago(1))
    session.commit()
    shifts = what_moved(session, NOW)
    camp_a = next(c.key for c in last_week.coalitions if c.size == 6)
    camp_b = next(c.key for c in last_week.coalitions if c.size == 3)
    assert [(m.actor.slug, m.before, m.after) for m in shifts.moves] == [("m", camp_a, camp_b)]
    assert {(c.issue_id, c.before, c.after) for c in shifts.moves[0].because} == {
        ("control", "support", "oppose"), ("surveillance", "support", "oppose")
    }
    # The coalitions themselves kept their keys although the larger one is now the same size as the other.
    now = analyse(session, NOW, previous=analyse(session, NOW - timedelta(days=7)))
    assert {c.key: c.size for c in now.coalitions} == {camp_a: 5, camp_b: 4}
