"""The layout holds: no import cycles between the installed modules, and `tracker status` stays light (it reads the
store, it does not load the scheduler or APScheduler)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from igtracker.config import load_settings
from igtracker.scheduler import TrackerScheduler, stored_jobs
from igtracker.store import open_store

ROOT = Path(__file__).resolve().parents[1]

STATUS_IN_A_FRESH_PROCESS = """
import sys
from igtracker.cli import main
sys.argv = ["tracker", "status", "--json"]
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print("LOADED", sorted({m.split(".")[0] if m.startswith("apscheduler") else m for m in sys.modules
                       if m.startswith("apscheduler") or m == "igtracker.scheduler"}))
sys.exit(code)
"""
INSTALLED_AS = {"tracker": "igtracker", "spiders": "igtracker/spiders", "migrations": "igtracker/migrations",
                "reports": "igtracker/reports"}  # repository folder -> where pyproject.toml installs it

GRAPH_SCRIPT = """
import json, sys
import grimp

graph = grimp.build_graph(sys.argv[1], exclude_type_checking_imports=True, cache_dir=None)
print(json.dumps([[m, sorted(graph.find_modules_directly_imported_by(m))] for m in sorted(graph.modules)]))
"""


def import_graph(root: Path, package: str, workdir: Path) -> nx.DiGraph:
    """The import graph of `package` under `root` as grimp reads it in a fresh process (runtime and deferred
    imports, not those for type checkers only)."""
    done = subprocess.run([sys.executable, "-c", GRAPH_SCRIPT, package], cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert done.returncode == 0, done.stderr
    graph = nx.DiGraph()
    for module, imported in json.loads(done.stdout):
        graph.add_node(module)
        graph.add_edges_from((module, other) for other in imported)
    return graph


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> nx.DiGraph:
    """The package laid out as it is installed (igtracker.spiders, ...), its Python files copied from this checkout."""
    layout = tmp_path_factory.mktemp("layout")
    for folder, target in INSTALLED_AS.items():
        shutil.copytree(ROOT / folder, layout / target, dirs_exist_ok=True,
                        ignore=lambda _dir, names: [n for n in names if n in ("data", "__pycache__", "static",
                                                                                 "templates")])
    return import_graph(layout, "igtracker", tmp_path_factory.mktemp("cwd"))


def test_no_module_imports_itself_through_others(modules: nx.DiGraph) -> None:
    assert {"igtracker.spiders.runner", "igtracker.migrations.env", "igtracker.demo.server"} <= set(modules)
    cycles = sorted(nx.simple_cycles(modules), key=len)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join([*c, c[0]]) for c in cycles)


STAGES = ("igtracker.spiders", "igtracker.crawl", "igtracker.coding", "igtracker.analysis", "igtracker.briefing",
          "igtracker.queries")
RUNNERS = ("igtracker.jobs", "igtracker.scheduler", "igtracker.status", "igtracker.cli", "igtracker.demo")


def within(graph: nx.DiGraph, name: str) -> set[str]:
    return {m for m in graph if m == name or m.startswith(name + ".")}


def test_the_pipeline_stages_know_nothing_of_what_runs_them(modules: nx.DiGraph) -> None:
    """Jobs, the scheduler, the CLI and the demo call the stages; a stage never imports them (not even lazily)."""
    upward = [(stage, runner) for stage in STAGES for runner in RUNNERS
              if any(nx.has_path(modules, a, b) for a in within(modules, stage) for b in within(modules, runner))]
    assert not upward, "stages importing what runs them: " + ", ".join(f"{a} -> {b}" for a, b in upward)


CRAWL = ("igtracker.spiders", "igtracker.crawl", "igtracker.crawl_runs", "igtracker.documents", "igtracker.extract",
         "igtracker.urls")


def test_the_crawl_and_the_coder_share_one_actor_resolver_and_not_each_other(modules: nx.DiGraph) -> None:
    """Both resolve names to actors through igtracker.actors; the coder never imports the crawl, and the crawl
    reaches the coding package only for the country names (igtracker.coding.country_names, which attribution reads
    too) and attribution's slug."""
    crawl = set().union(*(within(modules, name) for name in CRAWL))
    coder = within(modules, "igtracker.coding")
    users = set(modules.predecessors("igtracker.actors"))
    assert users & crawl and users & coder
    assert not {m for c in coder for m in nx.descendants(modules, c)} & crawl
    names = {"igtracker.coding.attribution", *nx.descendants(modules, "igtracker.coding.attribution")}
    assert {m for c in crawl for m in nx.descendants(modules, c)} & coder <= names


def test_the_checker_finds_a_cycle(tmp_path: Path) -> None:
    package = tmp_path / "looped"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from looped import b\n")
    (package / "b.py").write_text("from looped.a import f\n")
    graph = import_graph(tmp_path, "looped", tmp_path)
    assert [set(cycle) for cycle in nx.simple_cycles(graph)] == [{"looped.a", "looped.b"}]


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
