"""Maintainer script: render the demo's PDF documents from the sample site's content file with WeasyPrint.

    python scripts/build_demo_pdfs.py

Run it after editing `tracker/data/demo_site/content.yaml`; the PDFs are committed package data under
`tracker/data/demo_site/static/` (tests/test_demo_site.py fails while they disagree with the content file).
"""

from __future__ import annotations

from pathlib import Path

from igtracker.demo.site import STATIC_DIR, environment, sample_documents


def build_pdfs(out_dir: Path = STATIC_DIR) -> list[Path]:
    """Render the PDF documents of the content file with WeasyPrint into out_dir (committed package data)."""
    from weasyprint import HTML  # imported here: slow to import

    template = environment().get_template("pdf.html.j2")
    written = []
    for doc in sample_documents():
        if doc.format != "pdf":
            continue
        target = out_dir / doc.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        HTML(string=template.render(page=doc)).write_pdf(target)
        written.append(target)
    return written




if __name__ == "__main__":
    for written in build_pdfs():
        print(written, written.stat().st_size, "bytes")
