"""`tracker eval`: scoring against a gold file, the keyword baseline, the CI bar and the recorded job run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import SHARED
from tracker.coding import evaluate, load_codebook, record_eval_run
from tracker.coding.evaluate import Score, load_gold
from tracker.db import make_engine, session_scope
from tracker.errors import TrackerError
from tracker.models import JobRun

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
    assert data["n"] == 5
    assert set(data["issues"]) == {"taxation", "surveillance", "control"}
    assert data["issues"]["control"]["oppose"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "tp": 1,
                                                   "fp": 0, "fn": 1}
    assert data["issues"]["taxation"]["support"]["tp"] == 1
    assert result.uncoded == ["d"]  # French: detected and left uncoded by the English rules
    pooled = data["pooled"]
    assert pooled["support"]["f1"] == 1.0
    assert data["macro_f1"] == round((1.0 + 2 / 3) / 2, 4)


def test_baseline_is_scored_on_the_same_file(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "gold.jsonl", GOLD)
    result = evaluate(gold, load_codebook(), baseline=True)
    assert result.coder == "keyword-baseline" and result.n == 5
    assert 0.0 <= result.macro_f1 <= 1.0


def test_bad_gold_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(GOLD[0]) + "\n{not json\n")
    with pytest.raises(TrackerError, match=r"gold.jsonl:2: not a gold statement"):
        load_gold(path)


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


def _tracker(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"COLUMNS": "200", "TRACKER_DATABASE_URL": f"sqlite:///{cwd / 'store.db'}"})
    return subprocess.run([sys.executable, "-c", "from tracker.cli import main; main()", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_eval_json_and_ci_bar(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "gold.jsonl", GOLD)
    result = _tracker("eval", str(gold), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"macro_f1", "issues", "n"} and data["n"] == 5
    failing = _tracker("eval", str(gold), "--min-macro-f1", "0.99", cwd=tmp_path)
    assert failing.returncode == 1 and "below the required" in failing.stdout
    text = _tracker("eval", str(gold), "--baseline", cwd=tmp_path)
    assert text.returncode == 0 and "keyword-baseline coder" in text.stdout and "pooled" in text.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with session_scope(engine) as session:
        assert sorted(session.scalars(select(JobRun.job))) == ["eval", "eval", "eval-baseline"]
    engine.dispose()


def test_cli_code_set_and_review(tmp_path: Path) -> None:
    assert _tracker("code", cwd=tmp_path).returncode == 0  # empty store: creates the issues, codes nothing
    registry_free_actor = _tracker("code", "set", "nobody", "control", "oppose", cwd=tmp_path)
    assert registry_free_actor.returncode == 1 and "no actor 'nobody'" in registry_free_actor.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with session_scope(engine) as session:
        from tracker.models import Actor

        session.add(Actor(slug="brazil", name="Brazil", kind="state", country="BRA", aliases=[]))
    engine.dispose()
    done = _tracker("code", "set", "brazil", "control", "support", "--evidence", "https://gov.example/s",
                    "--note", "WCIT vote", "--analyst", "ana", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "brazil support on control (analyst ana)" in done.stdout
    assert "nothing to review" in _tracker("code", "review", cwd=tmp_path).stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with session_scope(engine) as session:
        run = session.scalars(select(JobRun).where(JobRun.job == "code")).one()
        assert run.status == "ok" and run.details["documents_coded"] == 0
    engine.dispose()


def test_cli_explain_shows_holder_and_cues(tmp_path: Path) -> None:
    shown = _tracker("code", "explain", "We reject any proposal to give the ITU control over the Internet.",
                     "--speaker", "Example NGO", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "speaker" in shown.stdout and "control" in shown.stdout and "oppose" in shown.stdout
    assert "reject(-)" in shown.stdout and "[ITU control over the Internet]" in shown.stdout


@pytest.mark.skipif(not (SHARED / "corpus" / "dev.jsonl").exists(), reason="../shared corpus is absent")
def test_dev_set_meets_the_ci_bar() -> None:
    result = evaluate(SHARED / "corpus" / "dev.jsonl", load_codebook())
    assert result.macro_f1 >= 0.70
    assert result.macro_f1 > evaluate(SHARED / "corpus" / "dev.jsonl", load_codebook(), baseline=True).macro_f1


def test_scores_by_language_and_actor_kind_and_the_default_coder_reads_french(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "gold.jsonl", [{**row, "lang": "fr" if row["id"] == "d" else "en",
                                                  "actor_type": "ngo"} for row in GOLD])
    rules = evaluate(gold, load_codebook(), coder="rules").as_dict()
    assert rules["groups"]["lang"]["fr"] == {"macro_f1": 0.0, "statements": 1, "positions": 1}
    assert rules["groups"]["lang"]["en"]["statements"] == 4 and rules["groups"]["actor_type"]["ngo"]["statements"] == 5
    default = evaluate(gold, load_codebook())
    assert default.coder == "ensemble" and default.uncoded == []  # the ensemble's model reads any language


def test_cli_eval_split_of_the_bundled_corpus(tmp_path: Path) -> None:
    shown = _tracker("eval", "--split", "dev", "--coder", "rules", "--no-record", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "rules coder" in shown.stdout and "(split dev)" in shown.stdout
    assert "by lang: ar " in shown.stdout and "by actor_type: academic " in shown.stdout
    both = _tracker("eval", "gold.jsonl", "--split", "dev", cwd=tmp_path)
    assert both.returncode == 2 and "not both" in both.stderr
    unknown = _tracker("eval", "--split", "validation", "--no-record", cwd=tmp_path)
    assert unknown.returncode == 1 and "no corpus split 'validation'" in (unknown.stdout + unknown.stderr)
