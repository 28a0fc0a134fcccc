"""The weekly briefing rendered for real from a realistic store: HTML parsed with lxml, PDF read back with pypdf."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import LineBox

from igtracker.briefing import BriefingError, last_complete_week, methods_note, parse_week, render_briefing
from igtracker.coding.evaluate import published_measurement
from igtracker.db import make_engine, session_factory
from igtracker.display import NAME_CHARS
from igtracker.models import Actor, Briefing, Coalition, Document, Source
from tests.conftest import BACKENDS, fresh_database, migrated, sqlite_only
from tests.factories import HOSTILE_QUOTE, LONG_TOKEN, StoreBuilder, add_hostile_text, build_dispute

WEEK = "2026-W46"
TEST_OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LATER = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)  # W46's briefing, written when the weekly job runs
SECTIONS = ["summary", "what-moved", "coalitions", "stance-matrix", "camps", "new-documents", "source-health",
            "methods"]


def text(node: lxml_html.HtmlElement) -> str:
    return " ".join(node.text_content().split())


def render_dispute(engine: Engine, folder: Path) -> tuple[object, Path, Engine]:
    with session_factory(engine)() as session:
        build_dispute(session)
    result = render_briefing(engine, WEEK, out_dir=folder / "briefings", now=LATER)
    return result, folder / "briefings", engine


@pytest.fixture
def rendered(engine: Engine, tmp_path: Path) -> tuple[object, Path, Engine]:
    """The dispute's W46 briefing in a store of this test's own, free to change."""
    return render_dispute(engine, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def briefed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            migrated_sqlite: Path) -> Iterator[tuple[object, Path, Engine]]:
    """The same briefing rendered once per backend, for the tests that only read it (a PDF takes seconds)."""
    folder = tmp_path_factory.mktemp("briefed")
    with fresh_database(request.param, folder) as url:
        engine = migrated(make_engine(url), migrated_sqlite)
        yield render_dispute(engine, folder)
        engine.dispose()


def test_html_sections_counts_and_links(briefed: tuple) -> None:
    result, out, _engine = briefed
    assert result.html_path == out / WEEK / "briefing.html"
    doc = lxml_html.parse(str(result.html_path)).getroot()
    assert [s.get("id") for s in doc.iter("section")] == SECTIONS
    assert doc.find(".//title").text == f"Internet governance briefing {WEEK}"

    summary = text(doc.get_element_by_id("summary"))
    assert "3 coalitions among 31 actors taking sides" in summary
    assert (
        "1 actor switched sides: Brazil moved from “for multistakeholder governance” "
        "to “for intergovernmental control”."
    ) in summary
    assert "New to the dispute: Kenya." in summary
    assert "4 new documents and 6 new coded statements this week" in summary
    assert doc.get_element_by_id("no-new-data", None) is None

    moved = doc.get_element_by_id("what-moved")
    changes = moved.find_class("change")
    assert len(changes) == 1 and "Brazil" in text(changes[0]) and "for intergovernmental control" in text(changes[0])
    assert "Kenya" in text(moved.find_class("new-actors")[0])

    coalitions = doc.get_element_by_id("coalitions")
    assert len(coalitions.find_class("coalition")) == 3
    [svg] = coalitions.xpath(".//svg")
    assert len(svg.xpath(".//circle")) == 31 + 3  # actors + 3 coalitions (the ITU and the TJN lean: no unaligned)
    assert len(svg.xpath(".//g[@class='nodes']/circle[@fill='#fff']")) == 2  # leaning members are hollow
    legend = text(coalitions.find_class("legend")[0])
    assert all(word in legend for word in ("Colour", "leaning member", "bridge actor", "Band"))
    assert doc.get_element_by_id("sample-data", None) is None  # no source of this store is flagged as sample
    assert len(svg.xpath(".//g[@class='nodes']/circle[@stroke='#111']")) == 5  # bridges are outlined
    assert "Kenya" in [t.text for t in svg.xpath(".//text")]
    assert "Spain" in text(coalitions.xpath(".//ul[@class='bridges']")[0])
    assert len(coalitions.find_class("bloc")) == 3

    heat = doc.get_element_by_id("stance-matrix")
    assert len(heat.find_class("actor-row")) == 31
    assert len(heat.find_class("analyst")) == 2  # Brazil and India are analyst-coded

    camps = doc.get_element_by_id("camps")
    assert len(camps.find_class("issue-camps")) == 3
    control = doc.get_element_by_id("issue-control")
    assert "12 for intergovernmental control · 18 for multistakeholder governance · 2 undeclared" in text(control)
    links = [a.get("href") for a in control.iter("a")]
    assert links and all(h.startswith("https://") for h in links)

    documents = doc.get_element_by_id("new-documents")
    assert len(documents.find_class("document")) == 4

    health = doc.get_element_by_id("source-health")
    assert [len(t.find_class("source")) for t in health.iter("table")] == [1, 1, 1]
    assert "belarus-news" in text(health.find_class("failed")[0]) and "HTTP 503" in text(health)
    assert "egypt-news" in text(health.find_class("suspicious")[0])
    assert "japan-news" in text(health.find_class("stale")[0])

    methods = text(doc.get_element_by_id("methods"))
    assert "codebook version 2026.3" in methods and "macro-F1 0.81" in methods
    assert "ensemble coder" in methods and "held-out test split of 120 statements" in methods


def test_untrusted_text_is_escaped(briefed: tuple) -> None:
    result, _out, _engine = briefed
    raw = result.html_path.read_text()
    doc = lxml_html.fromstring(raw)
    assert not doc.xpath("//script") and not doc.xpath("//@onerror") and not doc.xpath("//img")
    assert not doc.xpath("//*[@src]")  # self-contained: nothing is loaded from elsewhere
    camps = text(doc.get_element_by_id("camps"))
    assert '<script>alert("x")</script>' in camps and "<img src=x onerror=alert(1)>" in camps
    assert HOSTILE_QUOTE[:20] in camps
    assert "&lt;script&gt;" in raw and "<script>alert" not in raw
    hrefs = doc.xpath("//a/@href")
    assert hrefs and all(h.startswith("https://") for h in hrefs)  # no javascript: links from crawled URLs
    documents = doc.get_element_by_id("new-documents")
    assert not documents.xpath(".//b") and "Cuba <b>statement</b> on ITU oversight" in text(documents)


def test_hostile_long_text_is_clipped_where_shown_and_kept_whole(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine)() as session:
        hostile = add_hostile_text(session, build_dispute(session))
    result = render_briefing(engine, WEEK, out_dir=tmp_path, now=LATER)
    raw = result.html_path.read_text()
    assert LONG_TOKEN[:1000] not in raw and hostile["quote"][:1000] not in raw and hostile["message"][:1000] not in raw
    assert hostile["name"][:NAME_CHARS - 1] + "…" in raw and hostile["name"][:200] not in raw
    assert len(raw) < 600_000
    reader = PdfReader(str(result.pdf_path))
    assert len(reader.pages) <= 20
    # Laid out by the same renderer: no line of text reaches past the page's right edge.
    for page in HTML(filename=str(result.html_path)).render().pages:
        lines = [box for box in page._page_box.descendants() if isinstance(box, LineBox)]
        assert lines and all(box.position_x + box.width <= page.width + 1 for box in lines)
    with session_factory(engine)() as session:  # the store keeps the text whole
        assert session.scalar(select(Actor.name).where(Actor.slug == "long-name")) == hostile["name"]
        assert LONG_TOKEN in session.scalars(select(Document.title)).all()


def test_pdf_headline_pages_and_footer(briefed: tuple) -> None:
    result, _out, _engine = briefed
    reader = PdfReader(str(result.pdf_path))
    pages = len(reader.pages)
    assert 4 <= pages <= 20
    first = " ".join(reader.pages[0].extract_text().split())  # line breaks follow the layout, not the text
    assert "Internet governance: who stands with whom" in first
    assert "3 coalitions among 31 actors taking sides" in first
    assert f"Internet governance briefing {WEEK}" in first and f"Page 1 of {pages}" in first
    last = reader.pages[-1].extract_text()
    assert f"Page {pages} of {pages}" in last and "15 Nov 2026" in last
    assert "Methods" in "".join(p.extract_text() for p in reader.pages[-2:])


def test_archive_index_and_records(rendered: tuple) -> None:
    result, out, engine = rendered
    with session_factory(engine)() as session:
        render_briefing(session, "2026-W45", formats=["html"], out_dir=out, now=LATER)
        session.commit()
        rows = {b.week: b for b in session.scalars(select(Briefing))}
        snapshot = session.scalars(select(Coalition).where(Coalition.scope == "overall")).all()
    assert set(rows) == {WEEK, "2026-W45"}
    assert rows[WEEK].pdf_path == str(out / WEEK / "briefing.pdf") and rows["2026-W45"].pdf_path is None
    assert rows[WEEK].summary["position_changes"] == 1 and rows[WEEK].summary["new_documents"] == 4
    assert snapshot == []  # rendering only reads the analysis: snapshots are the analyse job's
    assert not (out / "2026-W45" / "briefing.pdf").exists()

    index = lxml_html.parse(str(out / "index.html")).getroot()
    entries = index.find_class("briefing")
    assert [text(e.xpath("td")[0]) for e in entries] == [WEEK, "2026-W45"]
    assert [a.get("href") for a in entries[0].iter("a")] == [f"{WEEK}/briefing.html", f"{WEEK}/briefing.pdf"]
    assert "3 coalitions among 31 actors" in text(entries[0])
    # Rendering a week again replaces its record and files.
    again = render_briefing(engine, WEEK, formats=("html",), out_dir=out, now=LATER)
    assert again.pdf_path is None
    with session_factory(engine)() as session:
        assert session.scalar(select(Briefing).where(Briefing.week == WEEK)).pdf_path is None
    pdf_only = render_briefing(engine, "2026-W44", formats=["pdf"], out_dir=out, now=LATER)
    assert pdf_only.html_path is None and pdf_only.pdf_path.exists()
    assert not (out / "2026-W44" / "briefing.html").exists()
    index = lxml_html.parse(str(out / "index.html")).getroot()
    last = index.find_class("briefing")[-1]
    assert text(last.xpath("td")[0]) == "2026-W44"
    assert [a.get("href") for a in last.iter("a")] == ["2026-W44/briefing.pdf"]


def test_the_methods_note_quotes_the_score_of_the_coder_it_counts(session: Session) -> None:
    """Another coder's score, measured later, is never quoted for the coder whose stances the briefing counts."""
    b = StoreBuilder(session)
    b.eval_run(0.812, b.now - timedelta(days=20))
    b.eval_run(0.301, b.now - timedelta(days=1), coder="rules")
    assert methods_note(session, "ensemble")["macro_f1"] == 0.812
    assert methods_note(session, "rules")["macro_f1"] == 0.301
    shipped = methods_note(session, "encoder")  # none in the store: the one shipped with the package
    assert shipped["score"]["coder"] == "encoder" and shipped["score"]["split"] == "test"
    unmeasured = methods_note(session, "my-plugin-coder")
    assert unmeasured["score"] is None and unmeasured["coder"] == "my-plugin-coder"


def test_a_week_without_new_data_says_so(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine)() as session:
        build_dispute(session)
    result = render_briefing(engine, "2026-W47", out_dir=tmp_path, now=LATER + timedelta(days=10))
    doc = lxml_html.parse(str(result.html_path)).getroot()
    assert "No new data this week" in text(doc.get_element_by_id("no-new-data"))
    assert "No new documents or statements this week" in text(doc.get_element_by_id("summary"))
    assert "Nothing moved" in text(doc.get_element_by_id("what-moved"))
    assert "No documents published this week were collected." in text(doc.get_element_by_id("new-documents"))
    assert len(doc.get_element_by_id("coalitions").find_class("coalition")) == 3  # the picture carries over
    assert result.summary["has_new_data"] is False
    assert "No new data this week" in PdfReader(str(result.pdf_path)).pages[0].extract_text()


def test_new_documents_go_by_publication_date(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine)() as session:
        dispute = build_dispute(session)
        b = StoreBuilder(session, dispute.now)
        google = dispute.actors["google"]
        # A back catalogue crawled for the first time this week is not news ...
        b.document(google, "Google blog from 2019", published_at=datetime(2019, 5, 1, tzinfo=UTC),
                   first_seen_at=dispute.week_start + timedelta(days=2))
        # ... a document published this week and first collected after it is.
        b.document(google, "Google blog collected late", published_at=dispute.week_start + timedelta(days=5),
                   first_seen_at=dispute.week_start + timedelta(days=9))
        session.commit()
    result = render_briefing(engine, WEEK, formats=["html"], out_dir=tmp_path, now=LATER + timedelta(days=3))
    documents = text(lxml_html.parse(str(result.html_path)).getroot().get_element_by_id("new-documents"))
    assert "Google blog collected late" in documents and "from 2019" not in documents
    assert result.summary["new_documents"] == len(dispute.new_documents) + 1


def test_source_health_is_as_of_writing(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine)() as session:
        build_dispute(session)
    # Written ten days after the week, when no source has been crawled for over a week: all stale but the failed
    # and the suspicious one, whose last outcomes still stand.
    result = render_briefing(engine, WEEK, formats=["html"], out_dir=tmp_path, now=LATER + timedelta(days=10))
    health = lxml_html.parse(str(result.html_path)).getroot().get_element_by_id("source-health")
    assert [len(t.find_class("source")) for t in health.iter("table")] == [1, 1, 29]
    stale = text(health.find_class("stale")[0])
    assert "japan-news" in stale and "google-news" in stale


def test_an_empty_store_renders(engine: Engine, tmp_path: Path) -> None:
    result = render_briefing(engine, "2026-W46", out_dir=tmp_path, now=LATER)
    doc = lxml_html.parse(str(result.html_path)).getroot()
    assert "No coalitions yet" in text(doc.get_element_by_id("summary"))
    assert "no map" in text(doc.get_element_by_id("coalitions"))
    # No evaluation in the store: the held-out score shipped with the package, named as what it is.
    published = published_measurement("ensemble")
    assert published is not None
    methods = text(doc.get_element_by_id("methods"))
    assert f"macro-F1 {published['macro_f1']:.2f}" in methods
    assert f"held-out test split of {published['n']} statements" in methods and "not measured" not in methods
    assert len(PdfReader(str(result.pdf_path)).pages) >= 1


def test_bad_requests_are_clear_errors(session: Session, tmp_path: Path) -> None:
    with pytest.raises(BriefingError, match="not an ISO week; write it like 2026-W48"):
        render_briefing(session, "2026-48", out_dir=tmp_path)
    with pytest.raises(BriefingError, match="not an ISO week"):
        parse_week("2026-W60")
    with pytest.raises(BriefingError, match="unknown format"):
        render_briefing(session, WEEK, formats=["docx"], out_dir=tmp_path)
    with pytest.raises(BriefingError, match="has not started yet"):
        render_briefing(session, "2030-W01", out_dir=tmp_path, now=LATER)
    assert parse_week("2026-W01")[0] == datetime(2025, 12, 29, tzinfo=UTC)
    assert last_complete_week(datetime(2026, 11, 23, 6, 0, tzinfo=UTC)) == "2026-W47"  # Monday's job


def test_report_command(database_url: str, session: Session, tmp_path: Path) -> None:
    build_dispute(session)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_DATABASE_URL=database_url, TRACKER_REPORTS_DIR=str(tmp_path / "archive"), COLUMNS="200")
    result = subprocess.run(
        [sys.executable, "-c", "from igtracker.cli import main; main()", "report", "--week", WEEK, "--format", "html"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"briefing {WEEK}: 3 coalitions" in result.stdout
    assert (tmp_path / "archive" / WEEK / "briefing.html").exists()
    assert not (tmp_path / "archive" / WEEK / "briefing.pdf").exists()
    assert (tmp_path / "archive" / "index.html").exists()


@sqlite_only
@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)")
def test_briefing_in_headless_chromium(briefed: tuple, tmp_path: Path) -> None:
    """A real browser loads the file offline, runs no script, and draws it; the screenshot is kept for a look."""
    from PIL import Image

    result, _out, _engine = briefed
    TEST_OUTPUT.mkdir(exist_ok=True)
    shot = TEST_OUTPUT / "briefing-chromium.png"
    shot.unlink(missing_ok=True)
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'chr'}",
             "--hide-scrollbars"]
    url = result.html_path.as_uri()
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    loaded = lxml_html.fromstring(dom.stdout)
    assert not loaded.xpath("//script") and not loaded.xpath("//@onerror")
    assert "Internet governance: who stands with whom" in text(loaded.xpath("//h1")[0])
    assert '<script>alert("x")</script>' in text(loaded.get_element_by_id("camps"))
    shot_run = subprocess.run([*flags, "--window-size=1280,2400", f"--screenshot={shot}", url],
                              capture_output=True, text=True, timeout=120)
    assert shot_run.returncode == 0 and shot.exists(), shot_run.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1280, 2400)
        colours = image.convert("RGB").resize((64, 120)).getcolors(64 * 120)
        assert colours is not None and len(colours) > 20  # drawn, not a blank page


@sqlite_only
def test_documents_from_sample_sources_mark_every_page(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine)() as session:
        dispute = build_dispute(session)
        source = session.get(Source, dispute.sources["kenya-news"].id)
        documents = session.scalar(select(func.count()).select_from(Document).where(Document.source_id == source.id))
        assert documents
        source.options = {**source.options, "sample": True}  # what the demo's registry says of its sources
        session.commit()
    result = render_briefing(engine, WEEK, out_dir=tmp_path / "briefings", now=LATER)
    page = lxml_html.parse(str(result.html_path)).getroot()
    banner = text(page.get_element_by_id("sample-data"))
    assert f"{documents} invented document" in banner and "1 source flagged as sample" in banner
    reader = PdfReader(str(result.pdf_path))
    assert len(reader.pages) > 1 and all("SAMPLE DATA" in p.extract_text() for p in reader.pages)
