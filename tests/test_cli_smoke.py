"""The installed `tracker` command, run for real (a process, the console script pip made), on whatever Typer is
installed: CI runs this file again on the oldest Typer the package allows (.ci/run). Everything else about the
command line is tested in process (tests/test_cli.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import requires, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

TRACKER = Path(sys.executable).parent / "tracker"

pytestmark = pytest.mark.skipif(not TRACKER.exists(), reason=f"no installed console script at {TRACKER}")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    environment.update({"COLUMNS": "100", "TRACKER_DATABASE_URL": f"sqlite:///{cwd / 'store.db'}", **(env or {})})
    return subprocess.run([str(TRACKER), *args], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=120)


def test_the_installed_typer_is_one_the_package_allows() -> None:
    [typer] = [Requirement(r) for r in requires("igtracker") or [] if Requirement(r).name == "typer"]
    assert typer.specifier.contains(version("typer")), (version("typer"), str(typer.specifier))
    assert list(typer.specifier.filter(["0.30.0", "1.0.0"])) == [], "pin an upper bound you have tested"


def test_help_and_a_usage_error(tmp_path: Path) -> None:
    helped = run("--help", cwd=tmp_path)
    assert helped.returncode == 0 and "Usage: tracker [OPTIONS] COMMAND [ARGS]..." in helped.stdout
    assert "demo" in helped.stdout and "<bool>" not in helped.stdout
    wrong = run("nosuchcommand", cwd=tmp_path)
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert "Usage: tracker [OPTIONS] COMMAND [ARGS]..." in wrong.stderr
    assert "No such command 'nosuchcommand'" in wrong.stderr and "Traceback" not in wrong.stderr
    missing = run("export", cwd=tmp_path)
    assert missing.returncode == 2 and "Missing option '--what'" in missing.stderr


def test_shell_completion_offers_commands_and_subcommands(tmp_path: Path) -> None:
    """What bash asks the command for on TAB (the script `tracker --install-completion bash` installs does this)."""
    helped = run("--help", cwd=tmp_path)
    assert "--install-completion" in helped.stdout and "--show-completion" in helped.stdout
    # The script `--show-completion` prints for bash (asked for by name: with shellingham installed Typer would
    # otherwise detect the calling shell, which a test run in the background may not have).
    script = run(cwd=tmp_path, env={"_TRACKER_COMPLETE": "source_bash"})
    assert script.returncode == 0 and "_TRACKER_COMPLETE=complete_bash" in script.stdout
    asked = {"_TRACKER_COMPLETE": "complete_bash", "COMP_WORDS": "tracker co", "COMP_CWORD": "1"}
    assert run(cwd=tmp_path, env=asked).stdout.split() == ["coalitions", "code"]
    asked = {"_TRACKER_COMPLETE": "complete_bash", "COMP_WORDS": "tracker code ex", "COMP_CWORD": "2"}
    assert run(cwd=tmp_path, env=asked).stdout.split() == ["explain"]


def test_an_expected_failure_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    failed = run("query", "SELECT 1", cwd=tmp_path)
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.startswith(f"Error: no store at {tmp_path / 'store.db'}") and failed.stderr.count("\n") == 1
    assert not (tmp_path / "store.db").exists()
    debug = run("query", "SELECT 1", cwd=tmp_path, env={"TRACKER_DEBUG": "1"})  # --debug: tests/test_cli.py
    assert debug.returncode == 1
    assert "Traceback (most recent call last):" in debug.stderr  # after the debug log lines
    assert "igtracker.store.StoreMissingError: no store at" in debug.stderr


def test_a_store_made_by_db_upgrade_answers_a_query(tmp_path: Path) -> None:
    assert run("db", "upgrade", cwd=tmp_path).returncode == 0
    answered = run("query", "SELECT COUNT(*) AS n FROM actors", "--format", "csv", cwd=tmp_path)
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.splitlines() == ["n", "0"]
