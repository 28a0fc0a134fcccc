"""Configuration: TRACKER_* environment variables, optionally a tracker.toml, validated with pydantic-settings."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from igtracker.errors import ConfigError

PACKAGE_DATA = Path(__file__).parent / "data"
DEFAULT_REGISTRY = PACKAGE_DATA / "registry.toml"
DEFAULT_CODEBOOK = PACKAGE_DATA / "codebook.yaml"


def _config_file() -> Path:
    return Path(os.environ.get("TRACKER_CONFIG", "tracker.toml"))


class Settings(BaseSettings):
    """Everything a deployment can change. Environment variables win over tracker.toml."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="forbid")

    database_url: str = Field(
        default="sqlite:///tracker.db",
        description="SQLAlchemy URL of the store: sqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    registry: Path = Field(default=DEFAULT_REGISTRY, description="Source registry (TOML)")
    codebook: Path = Field(default=DEFAULT_CODEBOOK, description="Stance codebook (YAML)")
    reports_dir: Path = Field(default=Path("briefings"), description="Archive folder for weekly briefings")
    log_file: Path | None = Field(default=None, description="Rotating log file; none logs to stderr only")

    # Crawling
    user_agent: str = "igtracker/0.1 (+https://github.com/igtracker/igtracker)"
    contact: str = Field(default="", description="Contact (e-mail or URL) added to the User-Agent")
    allow_private_addresses: bool = Field(
        default=False, description="Allow crawling loopback/private/link-local addresses (tests, demo)"
    )
    obey_robots: bool = True
    max_page_bytes: int = 10 * 1024 * 1024
    download_timeout: float = 30.0
    retry_times: int = 2
    concurrent_per_domain: int = 2
    autothrottle: bool = True
    download_delay: float = Field(default=1.0, ge=0, description="Seconds between requests to one domain")
    crawl_time_limit: float = Field(default=3600.0, description="Seconds before a hung crawl is stopped")

    # Coding
    coder: str = Field(default="ensemble", description="The coder `tracker code` and the scheduler use "
                       "(`tracker code coders` lists them)")

    # The optional LLM coder (`--coder llm`): nothing is sent anywhere unless url and model are set.
    llm_url: str | None = Field(default=None, description="OpenAI-compatible base URL, e.g. http://localhost:11434/v1")
    llm_model: str | None = Field(default=None, description="Model name the endpoint serves")
    llm_api_key: SecretStr | None = Field(default=None, description="API key (hosted APIs; local servers need none)")
    llm_max_calls: int = Field(default=2000, ge=0, description="Requests one coding or eval run may send at most")
    llm_timeout: float = Field(default=60.0, gt=0, description="Seconds before a request to the endpoint times out")
    llm_retries: int = Field(default=3, ge=0, description="Retries (with backoff) of a failed or rate-limited request")
    llm_concurrency: int = Field(default=4, ge=1, description="Requests in flight at once")
    llm_sentences: str = Field(default="domain", pattern="^(domain|targets)$",
                               description="Sentences sent: those naming an issue's domain (anchors) or its targets")

    # Queries
    query_timeout: float = Field(default=10.0, gt=0, description="Seconds before `tracker query` stops a statement")

    # Scheduling
    briefing_cron: str = Field(
        default="0 6 * * mon", description="Weekly briefing (crontab, UTC; a sixth leading field gives seconds)"
    )
    misfire_grace_time: int = Field(default=3600, ge=1, description="Seconds a missed run may still catch up")
    crawl_interval: float = Field(default=900.0, gt=0, description="Seconds between checks for sources due a crawl")
    code_interval: float = Field(default=900.0, gt=0, description="Seconds between codings of new documents")
    log_level: str = Field(default="INFO", description="Log level of the scheduler and `tracker run`")
    log_format: str = Field(default="json", pattern="^(json|text)$", description="json lines or key=value text")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_url and self.llm_model)

    @property
    def full_user_agent(self) -> str:
        return f"{self.user_agent} contact: {self.contact}" if self.contact else self.user_agent


def load_settings(**overrides: object) -> Settings:
    """Read settings fresh from the environment and tracker.toml; errors name the setting at fault."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"invalid configuration ({problems}); check TRACKER_* variables and {_config_file()}"
        ) from exc


@cache
def get_settings() -> Settings:
    """Settings for this process (cached; tests call load_settings instead)."""
    return load_settings()
