"""`tracker eval`: scoring against a gold file, the keyword baseline, the CI bar and the recorded job run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from igtracker.coding import evaluate, load_codebook, record_eval_run
from igtracker.coding.evaluate import (
    Score,
    load_gold,
    publish_measurement,
    published_measurement,
    published_measurements,
)
from igtracker.db import make_engine, session_scope
from igtracker.errors import TrackerError
from igtracker.models import JobRun, Stance
from tests.cli import Outcome, tracker
from tests.conftest import SHARED
from tests.factories import StoreBuilder

GOLD = [
    {"id": "a", "text": "We reject any proposal to give the ITU control over the Internet.", "actor": "Example NGO",
     "labels": {"control": "oppose"}},
    {"id": "b", "text": "A fair share contribution from large platforms to network costs is necessary.",
     "actor": "Example Telco", "labels": {"taxation": "support"}},
    {"id": "c", "text": "The ministry is reviewing the court's decision.", "actor": "Example Ministry",
     "labels": {"taxation": "neutral"}},
    {"id": "d", "text": "Nous rejetons toute proposition visant à confier le contrôle d'Internet à l'UIT.",
     "actor": "Exemple", "labels": {"control": "oppose"}},
    {"id": "e", "text": "Several governments want the ITU to run the Internet.", "actor": "Example Analyst",
     "labels": {}},
    {"id": "f", "text": "Wij wijzen elke overdracht van de controle over het internet aan de ITU resoluut af.",
     "actor": "Voorbeeld", "labels": {"control": "oppose"}},
]


def _write_gold(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


def test_score_arithmetic() -> None:
    score = Score(tp=3, fp=1, fn=2)
    assert score.precision == 0.75 and score.recall == 0.6
    assert abs(score.f1 - 2 * 0.75 * 0.6 / 1.35) < 1e-9
    assert Score().f1 == 0.0


def test_evaluate_counts_per_issue_and_pooled(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "gold.jsonl", GOLD)
    result = evaluate(gold, load_codebook(), coder="rules")
    data = result.as_dict()
    assert data["n"] == 6
    assert set(data["issues"]) == {"taxation", "surveillance", "control"}
    # English and French read; Dutch detected and left uncoded (no coder has its cues): a miss.
    assert data["issues"]["control"]["oppose"] == {"precision": 1.0, "recall": 0.6667, "f1": 0.8, "tp": 2,
                                                   "fp": 0, "fn": 1}
    assert data["issues"]["taxation"]["support"]["tp"] == 1
    assert result.uncoded == ["f"]
    pooled = data["pooled"]
    assert pooled["support"]["f1"] == 1.0
    assert data["macro_f1"] == round((1.0 + 0.8) / 2, 4)


def test_baseline_is_scored_on_the_same_file(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "gold.jsonl", GOLD)
    result = evaluate(gold, load_codebook(), baseline=True)
    assert result.coder == "keyword-baseline" and result.n == 6
    assert 0.0 <= result.macro_f1 <= 1.0


def test_bad_gold_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(GOLD[0]) + "\n{not json\n")
    with pytest.raises(TrackerError, match=r"gold.jsonl:2: not a gold statement"):
        load_gold(path)


@pytest.mark.parametrize(("labels", "message"), [
    ({"control": "against"}, r"gold.jsonl:2: statement 'g2' labels control 'against'; a label is one of support, "
                             r"oppose, neutral"),
    ({"spectrum": "support"}, r"gold.jsonl:2: statement 'g2' labels an unknown issue 'spectrum'; the codebook's "
                              r"issues are taxation, surveillance, control"),
])
def test_gold_labels_must_come_from_the_codebook(tmp_path: Path, labels: dict[str, str], message: str) -> None:
    rows = [GOLD[0], {**GOLD[1], "id": "g2", "labels": labels}, *GOLD[2:]]
    gold = _write_gold(tmp_path / "gold.jsonl", rows)
    with pytest.raises(TrackerError, match=message):
        evaluate(gold, load_codebook())
    shown = _tracker("eval", str(gold), "--no-record", cwd=tmp_path)
    assert shown.exit_code == 1 and not shown.crashed
    assert "gold.jsonl:2: statement 'g2'" in shown.stderr and "0.000" not in shown.stdout


def test_record_eval_run(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gold = _write_gold(tmp_path / "gold.jsonl", GOLD)
    result = evaluate(gold, load_codebook())
    with session_scope(engine) as session:
        record_eval_run(session, result, gold)
    with session_scope(engine) as session:
        run = session.scalars(select(JobRun).where(JobRun.job == "eval")).one()
        assert run.status == "ok"
        assert run.details["macro_f1"] == round(result.macro_f1, 4)
        assert run.details["gold_file"] == "gold.jsonl"
        assert run.details["codebook_version"] == load_codebook().version


def test_published_scores_are_kept_per_coder(tmp_path: Path) -> None:
    """Publishing one coder's held-out score keeps the others'; a package's older single score still reads."""
    shipped = tmp_path / "measured.json"
    shipped.write_text(json.dumps({"coder": "ensemble", "split": "test", "n": 9, "macro_f1": 0.5}), encoding="utf-8")
    assert published_measurement("ensemble", shipped)["macro_f1"] == 0.5
    gold = _write_gold(tmp_path / "gold.jsonl", GOLD)
    for coder in ("rules", "ensemble"):
        result = evaluate(gold, load_codebook(), coder=coder)
        result.split = "test"  # as `tracker eval --split test` sets it
        publish_measurement(result, gold, shipped)
    found = {m["coder"]: m for m in published_measurements(shipped)}
    assert set(found) == {"rules", "ensemble"} and found["ensemble"]["n"] == len(GOLD)
    assert published_measurement("model", shipped) is None
    with pytest.raises(TrackerError, match="held-out test split"):
        publish_measurement(evaluate(gold, load_codebook()), gold, shipped)


def _tracker(*args: str, cwd: Path) -> Outcome:
    return tracker(*args, cwd=cwd, env={"TRACKER_DATABASE_URL": f"sqlite:///{cwd / 'store.db'}"})


def _store(cwd: Path) -> None:
    assert _tracker("db", "upgrade", cwd=cwd).exit_code == 0


def test_cli_eval_json_and_ci_bar(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "gold.jsonl", GOLD)
    no_store = _tracker("eval", str(gold), cwd=tmp_path)  # the score is kept in the store: there must be one
    assert no_store.exit_code == 1 and "no store at" in no_store.stderr and not (tmp_path / "store.db").exists()
    _store(tmp_path)
    result = _tracker("eval", str(gold), "--format", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"macro_f1", "issues", "n"} and data["n"] == 6
    failing = _tracker("eval", str(gold), "--min-macro-f1", "0.99", cwd=tmp_path)
    assert failing.exit_code == 1 and "below the required" in failing.stdout
    text = _tracker("eval", str(gold), "--baseline", cwd=tmp_path)
    assert text.exit_code == 0 and "keyword-baseline coder" in text.stdout and "pooled" in text.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with session_scope(engine) as session:
        assert sorted(session.scalars(select(JobRun.job))) == ["eval", "eval", "eval-baseline"]
    engine.dispose()


def test_cli_code_set_and_review(tmp_path: Path) -> None:
    assert _tracker("code", cwd=tmp_path).exit_code == 1  # no store: `tracker code` does not make one
    assert not (tmp_path / "store.db").exists()
    _store(tmp_path)
    assert _tracker("code", cwd=tmp_path).exit_code == 0  # empty store: creates the issues, codes nothing
    registry_free_actor = _tracker("code", "set", "nobody", "control", "oppose", cwd=tmp_path)
    assert registry_free_actor.exit_code == 1 and "no actor 'nobody'" in registry_free_actor.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with session_scope(engine) as session:
        from igtracker.models import Actor

        session.add(Actor(slug="brazil", name="Brazil", kind="state", country="BRA", aliases=[]))
        session.add(Actor(slug="russia", name="Russian Federation", kind="state", country="RUS", aliases=[]))
    engine.dispose()
    done = _tracker("code", "set", "brazil", "control", "support", "--evidence", "https://gov.example/s",
                    "--note", "WCIT vote", "--analyst", "ana", cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert "brazil support on control (analyst ana)" in done.stdout
    # As `tracker query --named actor-history` does, an actor is found by id, ISO code or name; the id is echoed.
    for ref in ("RUS", "Russian Federation", "russian federation"):
        by_ref = _tracker("code", "set", ref, "control", "support", "--analyst", "ana", cwd=tmp_path)
        assert by_ref.exit_code == 0, by_ref.stderr
        assert "russia support on control (analyst ana)" in by_ref.stdout
    not_a_url = _tracker("code", "set", "brazil", "control", "oppose", "--evidence", "not-a-url", cwd=tmp_path)
    assert not_a_url.exit_code == 2 and "'not-a-url' is not a URL" in not_a_url.stderr
    assert "Usage: tracker code set" in not_a_url.stderr
    assert "nothing to review" in _tracker("code", "review", cwd=tmp_path).stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with session_scope(engine) as session:
        run = session.scalars(select(JobRun).where(JobRun.job == "code")).one()
        assert run.status == "ok" and run.details["documents_coded"] == 0
    engine.dispose()


def test_cli_explain_shows_holder_and_cues(tmp_path: Path) -> None:
    shown = _tracker("code", "explain", "We reject any proposal to give the ITU control over the Internet.",
                     "--speaker", "Example NGO", cwd=tmp_path)
    assert shown.exit_code == 0, shown.stderr
    assert "speaker" in shown.stdout and "control" in shown.stdout and "oppose" in shown.stdout
    assert "reject(-)" in shown.stdout and "[ITU control over the Internet]" in shown.stdout


def test_cli_explains_a_stored_stance_in_its_document(tmp_path: Path) -> None:
    _store(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with session_scope(engine) as session:
        builder = StoreBuilder(session)
        ngo = builder.actor("access-now", "Access Now")
        builder.document(ngo, "Network fees", "Telecom operators want a network fee from content providers. "
                         "It would undermine net neutrality and raise costs for users.")
    assert _tracker("code", cwd=tmp_path).exit_code == 0
    with session_scope(engine) as session:
        stance = session.scalars(select(Stance).where(Stance.evidence.startswith("It would undermine"))).one()
        stance_id, evidence = stance.id, stance.evidence
    engine.dispose()
    # The sentence alone: to the rules "it" is nobody yet; the ensemble's model reads the consequence itself.
    alone = _tracker("code", "explain", evidence, "--coder", "rules", cwd=tmp_path)
    assert alone.exit_code == 0 and "no stance found" in alone.stdout and "--stance ID" in alone.stdout
    modelled = _tracker("code", "explain", evidence, cwd=tmp_path)
    assert modelled.exit_code == 0 and "taxation" in modelled.stdout and "rules silent" in modelled.stdout
    shown = _tracker("code", "explain", "--stance", str(stance_id), cwd=tmp_path)
    assert shown.exit_code == 0, shown.stderr
    assert f"stance {stance_id}: access-now oppose on taxation" in shown.stdout
    assert "taxation" in shown.stdout and "It would undermine net neutrality" in shown.stdout
    neither = _tracker("code", "explain", cwd=tmp_path)
    assert neither.exit_code == 2 and "give either a TEXT to read or --stance ID" in neither.stderr


@pytest.mark.skipif(not (SHARED / "corpus" / "dev.jsonl").exists(), reason="../shared corpus is absent")
def test_dev_set_meets_the_ci_bar() -> None:
    result = evaluate(SHARED / "corpus" / "dev.jsonl", load_codebook())
    assert result.macro_f1 >= 0.70
    assert result.macro_f1 > evaluate(SHARED / "corpus" / "dev.jsonl", load_codebook(), baseline=True).macro_f1


def test_scores_by_language_and_actor_kind_and_the_default_coder_reads_french(tmp_path: Path) -> None:
    languages = {"d": "fr", "f": "nl"}
    gold = _write_gold(tmp_path / "gold.jsonl", [{**row, "lang": languages.get(row["id"], "en"),
                                                  "actor_type": "ngo"} for row in GOLD])
    rules = evaluate(gold, load_codebook(), coder="rules").as_dict()
    # The French statement's one position is read right (no support position to score: macro 0.5); Dutch is not.
    assert rules["groups"]["lang"]["fr"] == {"macro_f1": 0.5, "statements": 1, "positions": 1}
    assert rules["groups"]["lang"]["nl"] == {"macro_f1": 0.0, "statements": 1, "positions": 1}
    assert rules["groups"]["lang"]["en"]["statements"] == 4 and rules["groups"]["actor_type"]["ngo"]["statements"] == 6
    default = evaluate(gold, load_codebook())
    assert default.coder == "ensemble" and default.uncoded == []  # the ensemble's model reads any language


def test_cli_eval_split_of_the_bundled_corpus(tmp_path: Path) -> None:
    shown = _tracker("eval", "--split", "dev", "--coder", "rules", "--no-record", cwd=tmp_path)
    assert shown.exit_code == 0, shown.stderr
    assert "rules coder" in shown.stdout and "(split dev)" in shown.stdout
    assert "by lang: ar " in shown.stdout and "by actor_type: academic " in shown.stdout
    both = _tracker("eval", "gold.jsonl", "--split", "dev", cwd=tmp_path)
    assert both.exit_code == 2 and "not both" in both.stderr
    unknown = _tracker("eval", "--split", "validation", "--no-record", cwd=tmp_path)
    assert unknown.exit_code == 1 and "no corpus split 'validation'" in (unknown.stdout + unknown.stderr)
