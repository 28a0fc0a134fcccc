"""Configuration from TRACKER_* variables and tracker.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from igtracker.config import DEFAULT_REGISTRY, load_settings
from igtracker.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TRACKER_DATABASE_URL", "TRACKER_REGISTRY", "TRACKER_CONTACT", "TRACKER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_embedded_sqlite_and_bundled_registry() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///tracker.db"
    assert settings.registry == DEFAULT_REGISTRY


def test_environment_wins_over_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('database_url = "sqlite:///from-toml.db"\ncontact = "ops@example.org"\n')
    assert load_settings().database_url == "sqlite:///from-toml.db"
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql://db.example.org/tracker")
    settings = load_settings()
    assert settings.database_url == "postgresql://db.example.org/tracker"
    assert settings.full_user_agent.endswith("contact: ops@example.org")


def test_invalid_setting_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_MAX_PAGE_BYTES", "lots")
    with pytest.raises(ConfigError, match="max_page_bytes"):
        load_settings()


def test_unknown_key_in_toml_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('databse_url = "sqlite:///typo.db"\n')
    with pytest.raises(ConfigError, match="databse_url"):
        load_settings()
