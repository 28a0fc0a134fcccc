"""`tracker crawl` (in process), `scrapy list` and `scrapy crawl SOURCE` (real processes) as a user runs them, on a
synced registry."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from igtracker.db import make_engine, session_factory
from igtracker.models import CrawlRun, Document
from tests.cli import Outcome
from tests.cli import tracker as run_tracker
from tests.sites import FixtureSite, build_sites

ROOT = Path(__file__).resolve().parents[1]


def registry(site: FixtureSite) -> str:
    return f"""
[[actors]]
id = "france"
name = "France"
kind = "state"
country = "FRA"

[[sources]]
id = "france-statements"
actor = "france"
kind = "listing"
url = "{site.url('/listing/page1.html')}"
allowed_domains = ["127.0.0.1"]
options = {{ item_links = "a.statement", next_page = "a.next" }}

[[sources]]
id = "france-communiques"
actor = "france"
kind = "sitemap"
url = "{site.url('/sitemap.xml')}"
allowed_domains = ["127.0.0.1"]
options = {{ url_pattern = "/pages/p[0-9]" }}
"""


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[dict[str, str], FixtureSite, str]]:
    with FixtureSite(build_sites(tmp_path / "site")) as site:
        (tmp_path / "registry.toml").write_text(registry(site))
        url = f"sqlite:///{tmp_path / 'store.db'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env.update(
            COLUMNS="200", TRACKER_DATABASE_URL=url, TRACKER_REGISTRY=str(tmp_path / "registry.toml"),
            TRACKER_ALLOW_PRIVATE_ADDRESSES="true", TRACKER_AUTOTHROTTLE="false", TRACKER_DOWNLOAD_DELAY="0",
        )
        yield env, site, url


def run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def tracker(*args: str, env: dict[str, str]) -> Outcome:
    return run_tracker(*args, env={k: v for k, v in env.items() if k.startswith("TRACKER_")})


def test_tracker_crawl_prints_a_summary(env: tuple[dict[str, str], FixtureSite, str]) -> None:
    environ, _site, url = env
    assert tracker("sources", "sync", env=environ).exit_code == 0
    result = tracker("crawl", "--source", "france-statements", env=environ)
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "france-statements" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells == ["france-statements", "ok", "7", "4", "0", "0", "0"]  # pages, new, changed, unchanged, errors
    again = tracker("crawl", env=environ)  # every enabled source
    assert again.exit_code == 0 and "france-communiques" in again.stdout
    engine = make_engine(url)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 4 + 3
        assert [r.trigger for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id))] == ["cli", "cli"]
    engine.dispose()


def test_tracker_crawl_unknown_source_is_one_clear_line(env: tuple[dict[str, str], FixtureSite, str]) -> None:
    environ, _site, _url = env
    tracker("sources", "sync", env=environ)
    result = tracker("crawl", "--source", "nope", env=environ)
    assert result.exit_code == 1 and not result.crashed
    assert "unknown source id(s): nope; valid ids: france-communiques, france-statements" in result.stderr


def test_tracker_crawl_names_each_error_with_its_url(env: tuple[dict[str, str], FixtureSite, str]) -> None:
    environ, site, _url = env
    registry_path = Path(environ["TRACKER_REGISTRY"])
    registry_path.write_text(registry_path.read_text() + f"""
[[sources]]
id = "france-gone"
actor = "france"
kind = "document"
url = "{site.url('/gone/[red]page.html')}"
allowed_domains = ["127.0.0.1"]
""")
    tracker("sources", "sync", env=environ)
    result = tracker("crawl", "--source", "france-gone", env=environ)
    assert result.exit_code == 1  # the only source failed
    [line] = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("error")]
    assert line.startswith("error france-gone: http://127.0.0.1:") and "404" in line
    assert "[red]" not in line.split("france-gone", 1)[0]  # the style is applied, not printed


def test_scrapy_list_and_crawl_inside_the_project(env: tuple[dict[str, str], FixtureSite, str]) -> None:
    environ, site, url = env
    tracker("sources", "sync", env=environ)
    scrapy = [sys.executable, "-m", "scrapy"]
    listed = run([*scrapy, "list"], environ)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["france-communiques", "france-statements"]
    crawled = run([*scrapy, "crawl", "france-communiques", "-s", "LOG_LEVEL=WARNING"], environ)
    assert crawled.returncode == 0, crawled.stderr
    engine = make_engine(url)
    with session_factory(engine)() as session:
        urls = session.scalars(select(Document.canonical_url)).all()
        assert sorted(urls) == [site.url(f"/pages/p{n}.html") for n in (1, 2, 3)]
        [run_row] = session.scalars(select(CrawlRun)).all()
        assert run_row.trigger == "scrapy" and run_row.status == "ok"
        assert run_row.sources[0].documents_new == 3
    engine.dispose()
