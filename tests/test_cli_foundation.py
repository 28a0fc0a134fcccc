"""The `tracker` command for the store and the registry, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_registry import REGISTRY


def tracker(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    full_env.update({"COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-c", "from tracker.cli import main; main()", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120,
    )


def test_db_upgrade_current_check(tmp_path: Path) -> None:
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    assert "needs `tracker db upgrade`" in tracker("db", "current", cwd=tmp_path, env=env).stdout
    assert tracker("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = tracker("db", "check", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "in sync" in result.stdout


def test_sources_validate_sync_list(tmp_path: Path) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY)
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "TRACKER_REGISTRY": str(registry)}
    validated = tracker("sources", "validate", cwd=tmp_path, env=env)
    assert "valid: 2 actors, 1 blocs, 2 sources" in validated.stdout
    synced = tracker("sources", "sync", cwd=tmp_path, env=env)
    assert synced.returncode == 0, synced.stderr
    listed = tracker("sources", "list", cwd=tmp_path, env=env)
    assert "eff-updates" in listed.stdout and "itamaraty-news" in listed.stdout and "never" in listed.stdout
    actors = tracker("actors", "list", "--kind", "state", cwd=tmp_path, env=env)
    assert "brazil" in actors.stdout and "eff" not in actors.stdout.replace("brazil", "")


def test_bad_registry_is_one_clear_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(REGISTRY.replace('kind = "feed"', 'kind = "podcast"'))
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    result = tracker("sources", "sync", str(bad), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bad.toml, line 19: sources[0] (id = 'eff-updates'), field 'kind'" in result.stderr
    listed = tracker("actors", "list", cwd=tmp_path, env=env)
    assert "no actors" in listed.stdout


def test_a_command_that_reports_failure_exits_non_zero(tmp_path: Path) -> None:
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    result = tracker("db", "check", cwd=tmp_path, env=env)  # an empty store is not at head
    assert result.returncode == 1
    assert "tracker db upgrade" in result.stdout


def test_error_text_is_shown_as_written_not_as_markup(tmp_path: Path) -> None:
    bad = tmp_path / "[bold]registry[red].toml"
    bad.write_text("this is = not [valid\n")
    result = tracker("sources", "validate", str(bad), cwd=tmp_path, env={})
    assert result.returncode == 1
    assert "[bold]registry[red].toml" in result.stderr
    assert "Traceback" not in result.stderr
