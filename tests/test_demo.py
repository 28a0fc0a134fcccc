"""`tracker demo` run as a newcomer runs it: a real subprocess, the real sample site, spiders, coder and renderers."""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from igtracker.coding.metadata import is_metadata_line
from igtracker.demo.run import MARKER_NAME, STORE_NAME, DemoError, briefing_weeks, prepare_out_dir
from igtracker.demo.site import sample_as_of, sample_documents
from tests.cli import tracker

CLI = [sys.executable, "-c", "from igtracker.cli import main; main()"]


def run_tracker(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    full_env.update({"COLUMNS": "200", **(env or {})})
    return subprocess.run([*CLI, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


@dataclass
class Demo:
    out: Path
    result: subprocess.CompletedProcess[str]

    def page(self, week: str) -> lxml_html.HtmlElement:
        return lxml_html.parse(str(self.out / "briefings" / week / "briefing.html")).getroot()


def text(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    cwd = tmp_path_factory.mktemp("newcomer")
    result = run_tracker("demo", "--out", "demo", cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    yield Demo(cwd / "demo", result)


AS_OF = datetime.combine(sample_as_of(), datetime.min.time(), tzinfo=UTC)
LAST_WEEK, PREVIOUS_WEEK = briefing_weeks(AS_OF)[-1], briefing_weeks(AS_OF)[-2]


pytestmark = pytest.mark.slow


def test_prints_where_everything_is(demo: Demo) -> None:
    out = demo.result.stdout
    assert "Traceback" not in demo.result.stderr
    store = demo.out.resolve() / STORE_NAME
    assert f"store       {store}" in out
    for week in (PREVIOUS_WEEK, LAST_WEEK):
        for name in ("briefing.html", "briefing.pdf"):
            path = demo.out.resolve() / "briefings" / week / name
            assert path.is_file() and str(path) in out
    assert f"archive     {demo.out.resolve() / 'briefings' / 'index.html'}" in out
    assert sum(line.strip().startswith("tracker query") for line in out.splitlines()) == 3


def test_every_sample_document_is_stored_and_coded(demo: Demo) -> None:
    with sqlite3.connect(demo.out / STORE_NAME) as db:
        documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        coded_actors = {row[0] for row in db.execute("SELECT DISTINCT actor FROM v_current_stances")}
        runs = db.execute("SELECT status, trigger FROM crawl_runs").fetchall()
        jobs = db.execute("SELECT job, status, trigger FROM job_runs ORDER BY id").fetchall()
    samples = sample_documents()
    assert documents == len(samples)
    assert runs == [("ok", "demo")]
    # Each step went through the job layer, like the scheduler's: `tracker status` on the demo store shows them.
    assert jobs == [("crawl", "ok", "demo"), ("code", "ok", "demo"), ("briefing", "ok", "demo"),
                    ("briefing", "ok", "demo")]
    speakers = {d.author for d in samples if d.stances}
    assert len(coded_actors & speakers) >= 0.8 * len(speakers), speakers - coded_actors


def test_briefing_shows_what_moved_in_the_sample_weeks(demo: Demo) -> None:
    page = demo.page(LAST_WEEK)
    summary = text(page.get_element_by_id("summary"))
    assert "coalitions among" in summary
    published = [d for d in sample_documents() if AS_OF - timedelta(days=7) <= d.published_at < AS_OF]
    assert f"{len(published)} new documents" in summary
    # Brazil's position changes in the sample's last week (see tracker/data/demo_site/content.yaml).
    assert "Brazil" in text(page.get_element_by_id("what-moved"))
    assert len(page.get_element_by_id("coalitions").find_class("coalition")) >= 2
    assert len(page.get_element_by_id("new-documents").find_class("document")) == min(len(published), 15)
    health = page.get_element_by_id("source-health")
    assert "All enabled sources were fetched successfully" in text(health)
    assert page.get_element_by_id("no-new-data", None) is None


def test_pdf_and_archive(demo: Demo) -> None:
    reader = PdfReader(str(demo.out / "briefings" / LAST_WEEK / "briefing.pdf"))
    first = " ".join(reader.pages[0].extract_text().split())
    assert f"Internet governance briefing {LAST_WEEK}" in first and len(reader.pages) >= 2
    index = lxml_html.parse(str(demo.out / "briefings" / "index.html")).getroot()
    assert [text(e.xpath("td")[0]) for e in index.find_class("briefing")] == [LAST_WEEK, PREVIOUS_WEEK]


def test_every_quoted_evidence_is_a_sentence_of_the_body(demo: Demo) -> None:
    """Titles, bylines ("Published by X on DATE") and datelines of the crawled pages are never a stance's evidence."""
    with sqlite3.connect(demo.out / STORE_NAME) as db:
        rows = db.execute(
            "SELECT s.evidence, d.title, d.text FROM stances s JOIN documents d ON d.id = s.document_id"
        ).fetchall()
    assert len(rows) > 50
    for evidence, title, body in rows:
        assert evidence != title and not is_metadata_line(evidence, title), evidence
        assert evidence in body
        assert not re.match(r"(?i)published by .* on \d", evidence)


def test_every_page_says_it_is_sample_data(demo: Demo) -> None:
    banner = demo.page(LAST_WEEK).get_element_by_id("sample-data")
    assert "Sample data" in text(banner) and "invented" in text(banner)
    reader = PdfReader(str(demo.out / "briefings" / LAST_WEEK / "briefing.pdf"))
    assert all("SAMPLE DATA" in page.extract_text() for page in reader.pages)


def printed_next_steps(demo: Demo) -> tuple[dict[str, str], list[str]]:
    """The "what next" lines: the environment the first one exports, and the commands after it."""
    lines = [line.strip() for line in demo.result.stdout.split("What next", 1)[1].splitlines()[1:] if line.strip()]
    export, *commands = lines[: lines.index(next(line for line in lines if line.startswith("done in")))]
    words = shlex.split(export)
    assert words[0] == "export"
    return dict(word.split("=", 1) for word in words[1:]), commands


def test_the_printed_next_steps_work_on_the_demo_store(demo: Demo) -> None:
    env, commands = printed_next_steps(demo)
    assert env == {"TRACKER_DATABASE_URL": f"sqlite:///{(demo.out / STORE_NAME).resolve()}",
                   "TRACKER_REGISTRY": str((demo.out / "registry.toml").resolve())}
    for command in commands:
        program, *args = shlex.split(command)
        assert program == "tracker"
        result = tracker(*args, cwd=demo.out, env=env)
        assert result.exit_code == 0, (command, result.stderr)
        assert not re.search(r"\b0 rows", result.stdout) and len(result.stdout.splitlines()) >= 3, command


def test_the_readmes_next_step_after_the_demo_keeps_the_sample_sources(demo: Demo) -> None:
    """`tracker sources sync` in the shell the hints set up syncs the demo's own registry: nothing deactivated."""
    env, _commands = printed_next_steps(demo)
    synced = tracker("sources", "sync", cwd=demo.out, env=env)
    assert synced.exit_code == 0, synced.stderr
    row = next(line for line in synced.stdout.splitlines() if line.strip("│ ").startswith("sources"))
    assert [cell.strip() for cell in row.split("│")[1:-1]][-1] == "0"  # deactivated
    bundled = tracker("sources", "sync", cwd=demo.out, env={"TRACKER_DATABASE_URL": env["TRACKER_DATABASE_URL"]})
    assert bundled.exit_code == 1 and "--yes" in bundled.stderr
    assert "registry.toml shares only 2 of the 20 sources in the store" in bundled.stderr
    assert "syncing it would deactivate the other 18" in bundled.stderr


def test_out_folder_holding_another_store_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / STORE_NAME).write_bytes(b"someone's data")
    with pytest.raises(DemoError, match="was not made by `tracker demo`"):
        prepare_out_dir(tmp_path)
    assert (tmp_path / STORE_NAME).read_bytes() == b"someone's data"


def test_an_earlier_demo_is_replaced(tmp_path: Path) -> None:
    prepare_out_dir(tmp_path)
    (tmp_path / STORE_NAME).write_bytes(b"old demo")
    (tmp_path / "briefings" / "2026-W01").mkdir(parents=True)
    prepare_out_dir(tmp_path)
    assert (tmp_path / MARKER_NAME).exists()
    assert not (tmp_path / STORE_NAME).exists() and not (tmp_path / "briefings").exists()
