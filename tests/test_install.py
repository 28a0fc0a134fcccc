"""The built wheel, installed on its own: nothing under a generic top-level name, and the crawler's Scrapy project,
the migrations and the report templates all work from the installed package (not from this checkout)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's wheel installed (without its dependencies, which this environment has) into a folder."""
    source, wheels = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheels")
    target = tmp_path_factory.mktemp("installed")
    # Built from a copy: setuptools builds in the source tree, and a build/ left in a checkout leaks stale files.
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("tracker", "spiders", "migrations", "reports"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                   check=True, capture_output=True, timeout=600)
    [wheel] = wheels.glob("igtracker-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return target


def run(installed: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A command in a fresh process that imports the installed copy (PYTHONPATH comes before this checkout)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "SCRAPY_"))}
    environment.update(PYTHONPATH=str(installed), **env)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=300)


def test_nothing_is_installed_under_a_generic_top_level_name(installed: Path) -> None:
    top = sorted(p.name for p in installed.iterdir() if not p.name.endswith(".dist-info") and p.name != "bin")
    assert top == ["igtracker"]
    # Every package of the checkout is in the wheel, where pyproject.toml's package-dir puts it.
    for folder, target in {"tracker": "igtracker", "spiders": "igtracker/spiders",
                           "migrations": "igtracker/migrations", "reports": "igtracker/reports"}.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            assert (installed / target / init.relative_to(ROOT / folder)).is_file(), init
    assert (installed / "igtracker" / "reports" / "static" / "briefing.css").is_file()
    assert (installed / "igtracker" / "migrations" / "script.py.mako").is_file()


def test_the_installed_package_migrates_a_store_crawls_and_renders(installed: Path, tmp_path: Path) -> None:
    store = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    where = run(installed, tmp_path, "-c",
                "import igtracker, igtracker.spiders, igtracker.migrations, igtracker.reports; "
                "print(igtracker.__file__, igtracker.spiders.__file__)")
    assert where.returncode == 0, where.stderr
    assert all(path.startswith(str(installed)) for path in where.stdout.split()), where.stdout

    upgraded = run(installed, tmp_path, "-c", "from igtracker.cli import main; main()", "db", "upgrade", **store)
    assert upgraded.returncode == 0, upgraded.stderr
    synced = run(installed, tmp_path, "-c", "from igtracker.cli import main; main()", "sources", "sync", **store)
    assert synced.returncode == 0, synced.stderr
    # Scrapy's own command line on the installed spiders: every registry source is a spider.
    listed = run(installed, tmp_path, "-m", "scrapy", "list", SCRAPY_SETTINGS_MODULE="igtracker.spiders.settings",
                 **store)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.split()) >= 10
    templates = run(installed, tmp_path, "-c", "from importlib import resources; "
                    "print(resources.files('igtracker.reports').joinpath('templates/briefing.html.j2').is_file())")
    assert templates.stdout.strip() == "True", templates.stderr
