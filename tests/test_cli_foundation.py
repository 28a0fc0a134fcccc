"""The `tracker` command for the store and the registry, run as a user runs it (in process: tests/cli.py)."""

from __future__ import annotations

from pathlib import Path

from tests.cli import tracker
from tests.test_registry import REGISTRY


def test_db_upgrade_current_check(tmp_path: Path) -> None:
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    missing = tracker("db", "current", cwd=tmp_path, env=env)
    assert missing.exit_code == 1 and "no store at" in missing.stderr and "tracker db upgrade" in missing.stderr
    assert not (tmp_path / "store.db").exists()
    assert tracker("db", "upgrade", cwd=tmp_path, env=env).exit_code == 0
    assert "(up to date)" in tracker("db", "current", cwd=tmp_path, env=env).stdout
    result = tracker("db", "check", cwd=tmp_path, env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "in sync" in result.stdout


def test_sources_validate_sync_list(tmp_path: Path) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY)
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "TRACKER_REGISTRY": str(registry)}
    validated = tracker("sources", "validate", cwd=tmp_path, env=env)
    assert "valid: 2 actors, 1 blocs, 2 sources" in validated.stdout
    synced = tracker("sources", "sync", cwd=tmp_path, env=env)
    assert synced.exit_code == 0, synced.stderr
    listed = tracker("sources", "list", cwd=tmp_path, env=env)
    assert "eff-updates" in listed.stdout and "itamaraty-news" in listed.stdout and "never" in listed.stdout
    actors = tracker("actors", "list", "--kind", "state", cwd=tmp_path, env=env)
    assert "brazil" in actors.stdout and "eff" not in actors.stdout.replace("brazil", "")


def test_bad_registry_is_one_clear_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(REGISTRY.replace('kind = "feed"', 'kind = "podcast"'))
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    result = tracker("sources", "sync", str(bad), cwd=tmp_path, env=env)
    assert result.exit_code == 1 and not result.crashed
    assert "bad.toml, line 19: sources[0] (id = 'eff-updates'), field 'kind'" in result.stderr
    assert not (tmp_path / "store.db").exists()  # the registry is read before the store is made


def test_a_command_that_reports_failure_exits_non_zero(tmp_path: Path) -> None:
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    assert tracker("db", "upgrade", "base", cwd=tmp_path, env=env).exit_code == 0  # a store with no schema yet
    result = tracker("db", "check", cwd=tmp_path, env=env)
    assert result.exit_code == 1
    assert "tracker db upgrade" in result.stdout + result.stderr


def test_error_text_is_shown_as_written_not_as_markup(tmp_path: Path) -> None:
    bad = tmp_path / "[bold]registry[red].toml"
    bad.write_text("this is = not [valid\n")
    result = tracker("sources", "validate", str(bad), cwd=tmp_path, env={})
    assert result.exit_code == 1 and not result.crashed
    assert "[bold]registry[red].toml" in result.stderr
