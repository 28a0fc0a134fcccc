"""The layout holds: no import cycles between the installed modules, and `tracker status` stays light (it reads the
store, it does not load the scheduler or APScheduler)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

from tracker.config import load_settings
from tracker.scheduler import TrackerScheduler, stored_jobs
from tracker.store import open_store

PACKAGES = ("tracker", "spiders", "reports", "migrations")

STATUS_IN_A_FRESH_PROCESS = """
import sys
from tracker.cli import main
sys.argv = ["tracker", "status", "--json"]
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print("LOADED", sorted({m.split(".")[0] if m.startswith("apscheduler") else m for m in sys.modules
                       if m.startswith("apscheduler") or m == "tracker.scheduler"}))
sys.exit(code)
"""


def import_cycles() -> list[list[str]]:
    """Every cycle of module imports, counting imports inside functions (a deferred import is still a dependency)
    but not those made for type checkers only."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    imports = nx.DiGraph()
    for module in graph.modules:
        imports.add_node(module)
        imports.add_edges_from((module, imported) for imported in graph.find_modules_directly_imported_by(module))
    return sorted(nx.simple_cycles(imports), key=len)


def test_no_module_imports_itself_through_others() -> None:
    cycles = import_cycles()
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join([*c, c[0]]) for c in cycles)


STAGES = ("spiders", "tracker.crawl", "tracker.coding", "tracker.analysis", "tracker.briefing", "tracker.queries")
RUNNERS = ("tracker.jobs", "tracker.scheduler", "tracker.status", "tracker.cli", "tracker.demo")


def test_the_pipeline_stages_know_nothing_of_what_runs_them() -> None:
    """Jobs, the scheduler, the CLI and the demo call the stages; a stage never imports them (not even lazily)."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    upward = [(stage, runner) for stage in STAGES for runner in RUNNERS
              if graph.chain_exists(importer=stage, imported=runner, as_packages=True)]
    assert not upward, "stages importing what runs them: " + ", ".join(f"{a} -> {b}" for a, b in upward)


def test_the_checker_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "looped"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from looped import b\n")
    (package / "b.py").write_text("from looped.a import f\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", ("looped",))
    assert [set(cycle) for cycle in import_cycles()] == [{"looped.a", "looped.b"}]


def test_status_reads_the_stored_briefing_time_without_loading_apscheduler(database_url: str,
                                                                             tmp_path: Path) -> None:
    settings = load_settings(database_url=database_url, log_file=None, briefing_cron="0 6 * * mon")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_DATABASE_URL=database_url, TRACKER_LOG_FILE="")
    open_store(settings).dispose()

    def status() -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-c", STATUS_IN_A_FRESH_PROCESS], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        report, loaded = done.stdout.rsplit("LOADED", 1)
        return report, loaded.strip()

    report, loaded = status()
    assert loaded == "[]" and '"next_briefing_scheduled": false' in report

    scheduler = TrackerScheduler(settings)  # a real scheduler stores its jobs (paused: nothing runs)
    scheduler.scheduler.start(paused=True)
    scheduler.sync_jobs()
    scheduler.shutdown()
    engine = open_store(settings)
    try:
        briefing = stored_jobs(engine)["briefing"].next_run_time  # read back through APScheduler's job store
    finally:
        engine.dispose()
    assert briefing.weekday() == 0 and (briefing.hour, briefing.minute) == (6, 0)

    report, loaded = status()
    assert loaded == "[]" and '"next_briefing_scheduled": true' in report
    assert briefing.isoformat(sep=" ") in report or briefing.isoformat() in report
