"""PDF rendering with hostile crawled text against a normal briefing (issue 11: one 100,000-character title once
took the PDF from 3 s to 3 minutes).

    python benchmarks/briefing_pdf.py [--repeat 3]

Builds two SQLite stores with the test suite's realistic dispute (tests/factories.py), one of them with a
100,000-character title, a 300-character actor name, a 50,000-character quote and a 100,000-character error
message (no spaces in any), and prints the seconds WeasyPrint takes to print each briefing to PDF (best of
--repeat), the ratio, and the page counts. The target: hostile within 2x of normal.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader  # noqa: E402

from igtracker import migrate  # noqa: E402
from igtracker.briefing import build_context, render_html, render_pdf  # noqa: E402
from igtracker.db import make_engine, session_factory  # noqa: E402
from tests.factories import add_hostile_text, build_dispute  # noqa: E402

WEEK = "2026-W46"
NOW = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)


def pdf_seconds(folder: Path, hostile: bool, repeat: int) -> tuple[float, int]:
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        dispute = build_dispute(session)
        if hostile:
            add_hostile_text(session, dispute)
        html = render_html(build_context(session, WEEK, now=NOW), for_print=True)
    engine.dispose()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        render_pdf(html, folder / "briefing.pdf")
        best = min(best, time.perf_counter() - started)
    return best, len(PdfReader(str(folder / "briefing.pdf")).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as normal_dir, tempfile.TemporaryDirectory() as hostile_dir:
        normal, normal_pages = pdf_seconds(Path(normal_dir), False, args.repeat)
        hostile, hostile_pages = pdf_seconds(Path(hostile_dir), True, args.repeat)
    print(f"normal briefing:  {normal:6.2f} s  ({normal_pages} pages)")
    print(f"hostile briefing: {hostile:6.2f} s  ({hostile_pages} pages)")
    print(f"ratio:            {hostile / normal:6.2f}x  (target: at most 2x)")


if __name__ == "__main__":
    main()
