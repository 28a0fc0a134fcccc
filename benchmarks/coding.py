"""Benchmark: how fast each coder reads text, and `tracker code` over many stored documents in bounded memory.

Documents are built from the bundled corpus's train statements (a few statements per document, with a headline),
so the text is the debate's language, not lorem ipsum. Aims (issue 16): at least 50,000 characters of text per
second per core for the default coder; `tracker code` over 10,000 stored documents under 500 MB peak memory.

    python benchmarks/coding.py [--documents 10000] [--coders rules,model,ensemble] [--sample 300]
                                [--rounds 5] [--store-coder encoder] [--unknown-language]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def documents(count: int, seed: int = 11) -> list[str]:
    from igtracker.coding.corpus import load_split

    texts = [item["text"] for item in load_split("train")]
    rng = random.Random(seed)
    out = []
    for n in range(count):
        body = "\n\n".join(rng.sample(texts, 4))
        out.append(f"Statement {n} on the Internet-governance talks\n\n{body}")
    return out


def speed(coder_names: list[str], sample: int, rounds: int) -> None:
    """Characters per CPU second of each coder, `rounds` times over `sample` documents not read before (a coder
    that remembers passages, as the encoder does, would otherwise be timed on its memory): a shared machine's
    figure varies from run to run by a tenth or more, so the median and the range are printed. Each document is
    read in the language detected for it, as `tracker code` reads a stored one."""
    from igtracker.coding import CodingContext, code_with, get_coder, load_codebook
    from igtracker.language import detect_language

    codebook = load_codebook()
    batches = [[(text, detect_language(text)) for text in documents(sample, seed=11 + n)] for n in range(rounds)]
    for name in coder_names:
        coder = get_coder(name)
        for text in documents(40, seed=7):  # load it and each language's rules
            code_with(coder, text, CodingContext(("Example",), language=detect_language(text)), codebook)
        rates = []
        for batch in batches:
            started = time.process_time()
            for text, language in batch:
                code_with(coder, text, CodingContext(("Example NGO",), language=language, speaker_kind="ngo"),
                          codebook)
            rates.append(sum(len(text) for text, _ in batch) / (time.process_time() - started))
        characters = sum(len(text) for batch in batches for text, _ in batch)
        print(f"{name:<9} {statistics.median(rates):>10,.0f} characters/s per core, median of {rounds} rounds "
              f"({min(rates):,.0f}-{max(rates):,.0f}; {sample} documents each, {characters:,} characters in all)")


# Linux counts in a child's peak memory (ru_maxrss) the peak of the process it was forked from, which it shared
# until it ran its program: this benchmark's own, with the coders and 10,000 documents loaded. So `tracker code` is
# started by a small launcher, which reads its child's peak and writes it to the file named first.
LAUNCHER = """
import resource, subprocess, sys
returncode = subprocess.run(sys.argv[2:], check=False).returncode
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(returncode)
"""


def store_run(count: int, coder: str | None = None, unknown_language: bool = False) -> None:
    """Fill a fresh SQLite store with `count` documents, then run `tracker code [--coder CODER]` on it in a child
    process.

    Documents are stored as the crawl stores them, with the language their extraction detected, so the coding
    process never loads the language identifier. With `unknown_language`, they are stored without one, the worst
    case: the coding process detects every document's language itself (py3langid's model adds about 70 MB).
    """
    from igtracker import migrate
    from igtracker.db import make_engine, session_scope
    from igtracker.extract import TEXT, extract
    from igtracker.models import Actor, Document

    folder = Path(tempfile.mkdtemp(prefix="igtracker-coding-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with session_scope(engine) as session:
        actor = Actor(slug="example-ngo", name="Example NGO", kind="ngo", aliases=[])
        session.add(actor)
        session.flush()
        for n, text in enumerate(documents(count)):
            url_n = f"https://example.org/{n}"
            language = None if unknown_language else extract(text.encode(), TEXT, url_n).language
            session.add(Document(canonical_url=url_n, url=url_n, actor_id=actor.id, title=text.splitlines()[0],
                                 published_at=now, fetched_at=now, text=text, meta={}, language=language,
                                 content_hash=hashlib.sha256(text.encode()).hexdigest()))
    engine.dispose()
    started = time.monotonic()
    tracker = Path(sys.executable).parent / "tracker"  # the installed command, in this interpreter's environment
    peak_file = folder / "peak-kb"
    command = [sys.executable, "-c", LAUNCHER, str(peak_file), str(tracker), "code",
               *(["--coder", coder] if coder else [])]
    child = subprocess.run(command, capture_output=True, text=True,
                           env={"TRACKER_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, check=False)
    seconds = time.monotonic() - started
    peak = int(peak_file.read_text()) / 1024
    print(child.stdout.strip() or child.stderr.strip()[-500:])
    stored = "without a language" if unknown_language else "with their detected language"
    print(f"tracker code over {count:,} documents stored {stored}: {seconds:.0f} s, peak memory {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument("--coders", default="rules,model,ensemble")
    parser.add_argument("--sample", type=int, default=300, help="documents for the speed figures")
    parser.add_argument("--rounds", type=int, default=5, help="times each coder reads them")
    parser.add_argument("--store-coder", help="the coder `tracker code` runs over the stored documents "
                        "(default: the default coder)")
    parser.add_argument("--unknown-language", action="store_true", help="store the documents without a language, "
                        "so that `tracker code` detects each one's (the worst case for memory)")
    args = parser.parse_args()
    speed(args.coders.split(","), args.sample, args.rounds)
    if args.documents:
        store_run(args.documents, args.store_coder, args.unknown_language)


if __name__ == "__main__":
    main()
