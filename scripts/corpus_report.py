"""Maintainer script: refresh the generated tables (coverage, agreement, hashes) in docs/corpus.md.

    python scripts/corpus_report.py

A test fails when the document and the corpus files disagree, so run this after any change to the corpus, and
change the test split only with a reason written in docs/corpus.md.
"""

from pathlib import Path

from igtracker.coding.corpus import refresh_blocks

DOC = Path(__file__).resolve().parent.parent / "docs" / "corpus.md"

if __name__ == "__main__":
    DOC.write_text(refresh_blocks(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"refreshed {DOC}")
