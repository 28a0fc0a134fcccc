"""`tracker query`, `tracker export` and `tracker explore` as a user runs them (in process, and Datasette as a real
server in a real subprocess)."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from igtracker.config import load_settings
from igtracker.queries.explore import ExploreError, check_explorable
from igtracker.queries.readonly import run_query
from tests.cli import Outcome
from tests.cli import tracker as run_tracker
from tests.conftest import sqlite_only
from tests.test_queries import fill_store

CLI = [sys.executable, "-c", "from igtracker.cli import main; main()"]


def environment(engine: Engine) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"COLUMNS": "200", "TRACKER_DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    return env


def tracker(engine: Engine, *args: str, cwd: Path, stdin: str | None = None) -> Outcome:
    url = engine.url.render_as_string(hide_password=False)
    return run_tracker(*args, cwd=cwd, env={"TRACKER_DATABASE_URL": url}, input=stdin)


@pytest.fixture
def filled(engine: Engine, session: Session) -> Engine:
    fill_store(session, datetime.now(UTC))
    return engine


def test_query_named_and_ad_hoc(filled: Engine, tmp_path: Path) -> None:
    listed = tracker(filled, "query", "--list", cwd=tmp_path)
    assert listed.exit_code == 0 and "stance-matrix" in listed.stdout and "failing-sources" in listed.stdout

    sql = "-- from a file\nSELECT actor, position FROM v_current_stances WHERE issue_id = :issue ORDER BY actor;\n"
    adhoc = tracker(filled, "query", "-", "--param", "issue=control", "--format", "csv", cwd=tmp_path, stdin=sql)
    assert adhoc.exit_code == 0, adhoc.stderr
    assert adhoc.stdout.splitlines() == [
        "actor,position", "brazil,support", "google,oppose", "russia,support", "united-states,oppose",
    ]

    named = tracker(filled, "query", "--named", "issue-positions", "-p", "issue=control", "-p", "position=oppose",
                    "--format", "json", cwd=tmp_path)
    assert named.exit_code == 0, named.stderr
    assert [row["actor"] for row in json.loads(named.stdout)] == ["united-states", "google"]

    table = tracker(filled, "query", "--named", "stance-matrix", "--limit", "2", cwd=tmp_path)
    assert table.exit_code == 0 and "control" in table.stdout and "google" in table.stdout
    assert "only the first 2 rows" in table.stderr


def test_query_errors_are_one_clear_line(filled: Engine, tmp_path: Path) -> None:
    before = run_query(filled, "SELECT COUNT(*) FROM stances").rows
    refused = tracker(filled, "query", "DELETE FROM stances", cwd=tmp_path)
    assert refused.exit_code == 1 and not refused.crashed
    assert "DELETE is refused: queries are read-only" in refused.stderr
    sneaky = tracker(filled, "query", "WITH x AS (SELECT 1) SELECT 1; DELETE FROM stances", cwd=tmp_path)
    assert sneaky.exit_code == 1 and "one statement at a time" in sneaky.stderr
    assert run_query(filled, "SELECT COUNT(*) FROM stances").rows == before
    missing = tracker(filled, "query", "--named", "actor-history", cwd=tmp_path)
    assert missing.exit_code == 1 and "parameter actor is required" in missing.stderr
    unknown = tracker(filled, "query", "--named", "nonsense", cwd=tmp_path)
    assert unknown.exit_code == 1 and "no named query 'nonsense'" in unknown.stderr


def test_export_to_a_file(filled: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out" / "stances.csv"
    done = tracker(filled, "export", "--what", "stances", "--format", "csv", "--out", str(out), cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert f"wrote 14 stances to {out}" in done.stdout
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 14 and {"actor", "issue_id", "position", "status", "evidence"} <= set(rows[0])
    printed = tracker(filled, "export", "--what", "actors", "--format", "json", cwd=tmp_path)
    assert [a["actor"] for a in json.loads(printed.stdout)][:3] == ["brazil", "eff", "germany"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@sqlite_only
@pytest.mark.skipif(find_spec("datasette") is None, reason="Datasette (extra igtracker[explore]) is not installed")
def test_explore_answers_a_canned_query(filled: Engine, tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen([*CLI, "explore", "--port", str(port)], cwd=tmp_path, env=environment(filled),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/tracker"  # Datasette names the database after the file (tracker.db)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, rows = get_json(f"{base}/issue-positions.json?issue=control&position=support&_shape=array")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"tracker explore did not start: {server.communicate(timeout=5)[0]}")
                time.sleep(0.2)
        assert status == 200
        assert [row["actor"] for row in rows] == ["brazil", "russia"]  # type: ignore[union-attr]
        status, rows = get_json(f"{base}/failing-sources.json?days=&_shape=array")  # blank: the default, 7 days
        assert status == 200 and {row["source"] for row in rows} == {"russia-news", "brazil-news"}  # type: ignore[union-attr]
        status, rows = get_json(f"{base}/search-documents.json?term=digital+sovereignty&_shape=array")
        assert status == 200 and {row["actor"] for row in rows} == {"russia", "brazil"}  # type: ignore[union-attr]
        status, rows = get_json(f"{base}/documents.json?_search=journalists&_shape=array")  # Datasette finds FTS
        assert status == 200 and [row["title"] for row in rows] == ["Encryption matters"]  # type: ignore[index]
        status, _ = get_json(f"{base}.json?sql=DELETE+FROM+stances")
        assert status == 400
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert run_query(filled, "SELECT COUNT(*) FROM stances").rows == [(14,)]


def test_explore_explains_what_it_cannot_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ExploreError, match="SQLite stores only and this store is PostgreSQL"):
        check_explorable(load_settings(database_url="postgresql://tracker@db.example/tracker"))
    monkeypatch.setitem(sys.modules, "datasette", None)  # as if the extra were not installed
    without_extra = run_tracker("explore", cwd=tmp_path, env={"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    assert without_extra.exit_code == 1 and not without_extra.crashed
    assert "Datasette is not installed: pip install 'igtracker[explore]'" in without_extra.stderr
