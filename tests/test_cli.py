"""The command line a newcomer meets: usage errors, expected failures, which commands may create a store, help.

Run in process (tests/cli.py) on whatever Typer is installed; CI runs this file on the oldest and the newest Typer
the package allows (.ci/run).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from igtracker import migrate
from igtracker.db import make_engine, session_scope
from igtracker.models import Source
from tests.cli import Outcome, tracker
from tests.conftest import POSTGRES_URL, sqlite_only
from tests.factories import StoreBuilder
from tests.test_registry import REGISTRY

ROOT = Path(__file__).resolve().parents[1]


def one_line_error(outcome: Outcome) -> str:
    """The single line an expected failure prints (and the checks that it is one, with exit 1, no traceback)."""
    assert outcome.exit_code == 1 and not outcome.crashed, (outcome.stdout, outcome.stderr, outcome.exception)
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), outcome.stderr
    return lines[0]


# ----------------------------------------------------------------------------------------------- usage errors

USAGE_ERRORS = [
    (["nosuchcommand"], "tracker", "No such command 'nosuchcommand'"),
    (["export"], "tracker export", "Missing option '--what'"),
    (["coalitions", "--format", "csv"], "tracker coalitions", "Invalid value for '--format'"),
    (["code", "set", "brazil"], "tracker code set", "Missing argument 'ISSUE'"),
    (["query", "--limit", "-1"], "tracker query", "Invalid value for '--limit'"),
    (["explore", "--port", "x"], "tracker explore", "Invalid value for '--port'"),
    (["code", "set", "brazil", "control", "oppose", "--evidence", "not-a-url"], "tracker code set",
     "'not-a-url' is not a URL"),
    (["eval", "gold.jsonl", "--format", "xml"], "tracker eval", "--format must be text or json"),
    (["--no-such-option"], "tracker", "No such option"),
]


@pytest.mark.parametrize(("args", "usage", "message"), USAGE_ERRORS, ids=[" ".join(a) for a, _u, _m in USAGE_ERRORS])
def test_usage_errors_print_the_usage_and_exit_2(tmp_path: Path, args: list[str], usage: str, message: str) -> None:
    result = tracker(*args, cwd=tmp_path, env={"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"})
    assert result.exit_code == 2 and not result.crashed, (result.stderr, result.exception)
    assert f"Usage: {usage} [OPTIONS]" in result.stderr and f"Try '{usage} --help' for help." in result.stderr
    assert message in result.stderr
    assert not (tmp_path / "store.db").exists()


# ------------------------------------------------------------------------------------------ expected failures

def store_env(url: str) -> dict[str, str]:
    return {"TRACKER_DATABASE_URL": url}


@pytest.mark.parametrize(("url", "expected"), [
    ("mysql://tracker@db.example/tracker", "TRACKER_DATABASE_URL names a mysql database, which igtracker does not "
                                           "support: use sqlite:///path/to/store.db or postgresql://"),
    ("not a url", "TRACKER_DATABASE_URL 'not a url' is not a database URL"),
    ("postgresql://tracker@127.0.0.1:1/tracker", "the database postgresql://tracker@127.0.0.1:1/tracker failed: "
                                                 "connection failed"),
    ("postgresql://tracker:secret@127.0.0.1:1/tracker", "check TRACKER_DATABASE_URL, that the server runs"),
])
def test_database_urls_that_cannot_work_are_one_line(tmp_path: Path, url: str, expected: str) -> None:
    for command in (["status"], ["db", "upgrade"], ["sources", "sync"]):
        line = one_line_error(tracker(*command, cwd=tmp_path, env=store_env(url)))
        assert expected in line and "secret" not in line


@pytest.mark.skipif(not POSTGRES_URL, reason="TRACKER_TEST_POSTGRES_URL is not set")
def test_a_missing_postgresql_database_is_one_line(tmp_path: Path) -> None:
    url = make_engine(POSTGRES_URL or "").url.set(database="igtracker_no_such_database")
    line = one_line_error(tracker("query", "SELECT 1", cwd=tmp_path,
                                  env=store_env(url.render_as_string(hide_password=False))))
    assert 'database "igtracker_no_such_database" does not exist' in line and "createdb" in line


def test_unusable_sqlite_paths_are_one_line(tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    line = one_line_error(tracker("db", "upgrade", cwd=tmp_path, env=store_env(f"sqlite:///{in_the_way}/store.db")))
    assert f"cannot create the store's folder {in_the_way}" in line and "writable path" in line
    folder = tmp_path / "a-folder"
    folder.mkdir()
    line = one_line_error(tracker("db", "upgrade", cwd=tmp_path, env=store_env(f"sqlite:///{folder}")))
    assert "unable to open database file" in line and "writable" in line
    line = one_line_error(tracker("status", cwd=tmp_path, env=store_env(f"sqlite:///{in_the_way}")))
    assert "file is not a database" in line


def test_missing_files_are_one_line(tmp_path: Path) -> None:
    line = one_line_error(tracker("sources", "validate", "nowhere.toml", cwd=tmp_path))
    assert "nowhere.toml" in line
    line = one_line_error(tracker("eval", "nowhere.jsonl", "--no-record", cwd=tmp_path))
    assert "nowhere.jsonl" in line
    line = one_line_error(tracker("code", "explain", "text", "--codebook", "nowhere.yaml", cwd=tmp_path))
    assert "nowhere.yaml" in line


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    env = store_env(f"sqlite:///{tmp_path / 'store.db'}")
    assert not tracker("status", cwd=tmp_path, env=env).crashed
    for debug in (tracker("--debug", "status", cwd=tmp_path, env=env),
                  tracker("status", cwd=tmp_path, env={**env, "TRACKER_DEBUG": "1"})):
        assert debug.exit_code == 1 and debug.crashed  # the exception itself reaches the top: Python prints it
        assert type(debug.exception).__name__ == "StoreMissingError"


# ------------------------------------------------------------------------------- who may create a store

NOT_CREATING = [
    ["query", "SELECT 1"], ["export", "--what", "actors"], ["explore"], ["status"], ["actors", "list"],
    ["sources", "list"], ["coalitions"], ["coalitions", "--no-save"], ["report", "--week", "2026-W40"], ["code"],
    ["code", "set", "brazil", "control", "oppose"], ["code", "review"], ["code", "explain", "--stance", "1"],
    ["eval", "GOLD"], ["crawl"], ["run"], ["schedule", "list"], ["schedule", "run", "code"], ["db", "current"],
    ["db", "check"],
]


@pytest.mark.parametrize("args", NOT_CREATING, ids=[" ".join(a) for a in NOT_CREATING])
def test_commands_other_than_the_creating_ones_refuse_a_missing_store(tmp_path: Path, args: list[str]) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "g1", "text": "We oppose taxes.", "actor": "EFF", "labels": {"taxation": "oppose"}}\n')
    store = tmp_path / "mistyped" / "store.db"
    args = [str(gold) if a == "GOLD" else a for a in args]
    line = one_line_error(tracker(*args, cwd=tmp_path, env=store_env(f"sqlite:///{store}")))
    assert f"no store at {store}" in line and "tracker db upgrade" in line and "tracker sources sync" in line
    assert not store.parent.exists()


def test_an_empty_database_is_no_store(database_url: str, tmp_path: Path) -> None:
    """A PostgreSQL database (here: schema) or SQLite file without igtracker's schema is refused, not filled."""
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).touch()
    line = one_line_error(tracker("actors", "list", cwd=tmp_path, env=store_env(database_url)))
    assert "holds no igtracker store (no schema)" in line and "tracker db upgrade" in line
    engine = make_engine(database_url)
    assert migrate.current_revision(engine) is None
    engine.dispose()


@pytest.mark.parametrize("args", [["db", "upgrade"], ["sources", "sync"]])
def test_the_creating_commands_create_the_store(tmp_path: Path, args: list[str]) -> None:
    store = tmp_path / "new" / "store.db"
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY)
    result = tracker(*args, cwd=tmp_path, env={**store_env(f"sqlite:///{store}"), "TRACKER_REGISTRY": str(registry)})
    assert result.exit_code == 0, result.stderr
    assert "(up to date)" in tracker("db", "current", cwd=tmp_path, env=store_env(f"sqlite:///{store}")).stdout


@sqlite_only
def test_read_only_commands_never_migrate(empty_engine: Engine, database_url: str, tmp_path: Path) -> None:
    head, older = migrate.head_revision(), _previous_revision()
    migrate.upgrade(empty_engine, older)
    env = store_env(database_url)
    for args in (["query", "SELECT 1"], ["status"], ["actors", "list"], ["sources", "list"], ["schedule", "list"],
                 ["export", "--what", "actors"], ["coalitions", "--no-save"]):
        line = one_line_error(tracker(*args, cwd=tmp_path, env=env))
        assert f"has schema {older} and this igtracker reads {head}: run `tracker db upgrade` first" in line, args
        assert migrate.current_revision(empty_engine) == older
    assert f"current: {older}" in tracker("db", "current", cwd=tmp_path, env=env).stdout
    assert tracker("coalitions", cwd=tmp_path, env=env).exit_code == 0  # a command that writes migrates first
    assert migrate.current_revision(empty_engine) == head


def _previous_revision() -> str:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    down = scripts.get_revision(migrate.head_revision()).down_revision
    assert isinstance(down, str)
    return down


# ------------------------------------------------------------------------------------------ sources sync

OTHER_REGISTRY = """
[[actors]]
id = "france"
name = "France"
kind = "state"
country = "FRA"

[[sources]]
id = "france-diplomatie"
actor = "france"
kind = "feed"
url = "https://www.diplomatie.gouv.fr/rss.xml"
"""


def test_sync_of_a_registry_sharing_no_source_asks_for_yes(tmp_path: Path) -> None:
    (tmp_path / "registry.toml").write_text(REGISTRY)
    (tmp_path / "other.toml").write_text(OTHER_REGISTRY)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    env = {**store_env(url), "TRACKER_REGISTRY": str(tmp_path / "registry.toml")}
    assert tracker("sources", "sync", cwd=tmp_path, env=env).exit_code == 0
    assert tracker("sources", "sync", cwd=tmp_path, env=env).exit_code == 0  # the same registry again: no question

    line = one_line_error(tracker("sources", "sync", "other.toml", cwd=tmp_path, env=env))
    assert "other.toml shares none of the 2 sources in the store at sqlite:///" in line
    assert "syncing it would deactivate them all" in line and "--yes" in line
    engine = make_engine(url)
    with session_scope(engine) as session:
        assert set(session.scalars(select(Source.slug).where(Source.active))) == {"eff-updates", "itamaraty-news"}

    assert tracker("sources", "sync", "other.toml", "--yes", cwd=tmp_path, env=env).exit_code == 0
    with session_scope(engine) as session:
        assert set(session.scalars(select(Source.slug).where(Source.active))) == {"france-diplomatie"}
    engine.dispose()


def test_sync_that_drops_a_few_sources_asks_nothing(tmp_path: Path) -> None:
    (tmp_path / "registry.toml").write_text(REGISTRY)
    env = {**store_env(f"sqlite:///{tmp_path / 'store.db'}"), "TRACKER_REGISTRY": str(tmp_path / "registry.toml")}
    assert tracker("sources", "sync", cwd=tmp_path, env=env).exit_code == 0
    pruned = REGISTRY[: REGISTRY.index("[[sources]]", REGISTRY.index("eff-updates"))]  # keeps 1 of the 2 sources
    (tmp_path / "registry.toml").write_text(pruned)
    result = tracker("sources", "sync", cwd=tmp_path, env=env)
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.strip("│ ").startswith("sources"))
    assert [cell.strip() for cell in row.split("│")[1:-1]][-1] == "1"  # deactivated


# ------------------------------------------------------------------------------------------- smaller points

def test_report_refuses_a_week_before_anything_in_the_store(engine: Engine, session: Session, database_url: str,
                                                            tmp_path: Path) -> None:
    builder = StoreBuilder(session)
    builder.document(builder.actor("eff", "EFF"), "Encryption matters")
    session.commit()
    env = {**store_env(database_url), "TRACKER_REPORTS_DIR": str(tmp_path / "briefings")}
    line = one_line_error(tracker("report", "--week", "1999-W01", "--format", "html", cwd=tmp_path, env=env))
    assert "nothing dated before the end of week 1999-W01" in line and "pick a later week" in line
    assert not (tmp_path / "briefings").exists()


def test_schedule_list_names_every_column(engine: Engine, database_url: str, tmp_path: Path) -> None:
    result = tracker("schedule", "list", cwd=tmp_path, env=store_env(database_url))
    assert result.exit_code == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "job" in line and "trigger" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == ["job", "trigger", "next run (UTC)", "note"]


def test_sources_list_keeps_ids_whole_at_80_columns(engine: Engine, session: Session, database_url: str,
                                                    tmp_path: Path) -> None:
    builder = StoreBuilder(session)
    actor = builder.actor("internet-society-foundation", "Internet Society Foundation")
    long_id = "internet-society-foundation-policy-briefs"
    builder.source(actor, long_id)
    session.commit()
    result = tracker("sources", "list", cwd=tmp_path, env=store_env(database_url), width=80)
    assert result.exit_code == 0, result.stderr
    assert long_id in result.stdout and max(len(line) for line in result.stdout.splitlines()) <= 80


@pytest.mark.parametrize("args", [[], ["eval"], ["code", "set"], ["code", "explain"], ["query"], ["run"],
                                  ["schedule", "run"], ["sources", "sync"], ["db", "upgrade"], ["coalitions"]])
def test_help_shows_names_not_placeholders(args: list[str]) -> None:
    result = tracker(*args, "--help")
    assert result.exit_code == 0, result.stderr
    assert "<bool>" not in result.stdout and "{" not in result.stdout.splitlines()[0]
    usage = result.stdout.splitlines()[0]
    assert usage.startswith("Usage: tracker") and usage == usage.replace("gold", "GOLD")


def test_help_and_command_modules_import_nothing_heavy() -> None:
    """`tracker --help` stays fast: SQLAlchemy, Alembic, Scrapy, the coder and the renderers load only in the
    commands that use them (benchmarks/cli_startup.py prints the time)."""
    probe = ("import sys\nfrom igtracker.cli import main\nsys.argv = ['tracker', '--help']\ntry:\n    main()\n"
             "except SystemExit:\n    pass\n"
             "heavy = ('sqlalchemy', 'alembic', 'scrapy', 'twisted', 'networkx', 'weasyprint', 'jinja2', 'pydantic',"
             " 'trafilatura', 'apscheduler', 'psycopg', 'markdown_it', 'igtracker.models', 'igtracker.coding')\n"
             "print(sorted({m for m in sys.modules if m.startswith(heavy)}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_tracker_run_keeps_log_records_off_the_terminal(tmp_path: Path) -> None:
    import io
    import logging

    from igtracker.config import load_settings
    from igtracker.logs import configure_logging

    terminal = io.StringIO()
    settings = load_settings(log_file=tmp_path / "tracker.log", log_format="json")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging(settings, stream=terminal, for_humans=True)
        logging.getLogger("igtracker.jobs").info("job finished")
        logging.getLogger("igtracker.jobs").warning("source failed")
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
    assert terminal.getvalue() == "WARNING: source failed\n"
    logged = [json.loads(line)["msg"] for line in (tmp_path / "tracker.log").read_text().splitlines()]
    assert logged == ["job finished", "source failed"]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git work tree")
def test_the_demo_folder_of_the_readme_is_ignored_by_git() -> None:
    paths = ["demo/tracker.db", "demo/briefings/index.html", "igtracker-demo/registry.toml"]
    checked = subprocess.run(["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert checked.stdout.split() == paths, checked.stderr


def test_the_cli_copies_of_the_library_vocabularies_agree() -> None:
    """The help texts and choices use copies, so that `tracker --help` need not import the models and queries."""
    from igtracker.cli import actors, code, query, schedule
    from igtracker.jobs import JOB_NAMES
    from igtracker.models import ACTOR_KINDS, POSITIONS
    from igtracker.queries.export import EXPORTS

    assert actors.ACTOR_KINDS == ACTOR_KINDS and code.POSITIONS == POSITIONS and schedule.JOB_NAMES == JOB_NAMES
    assert tuple(EXPORTS) == query.EXPORT_NAMES
