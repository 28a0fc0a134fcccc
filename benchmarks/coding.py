"""Benchmark: how fast each coder reads text, and `tracker code` over many stored documents in bounded memory.

Documents are built from the bundled corpus's train statements (a few statements per document, with a headline),
so the text is the debate's language, not lorem ipsum. Aims (issue 16): at least 50,000 characters of text per
second per core for the default coder; `tracker code` over 10,000 stored documents under 500 MB peak memory.

    python benchmarks/coding.py [--documents 10000] [--coders rules,model,ensemble] [--sample 300]
                                [--rounds 5] [--store-coder encoder]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
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
    """Characters per CPU second of each coder over `sample` documents, read `rounds` times: a shared machine's
    figure varies from run to run by a tenth or more, so the median and the range are printed."""
    from igtracker.coding import CodingContext, code_with, get_coder, load_codebook

    codebook = load_codebook()
    texts = documents(sample)
    characters = sum(len(t) for t in texts)
    for name in coder_names:
        coder = get_coder(name)
        coder.code(texts[0], CodingContext(("Example",)), codebook)  # load and warm up
        rates = []
        for _ in range(rounds):
            started = time.process_time()
            for text in texts:
                code_with(coder, text, CodingContext(("Example NGO",), language="en", speaker_kind="ngo"), codebook)
            rates.append(characters / (time.process_time() - started))
        print(f"{name:<9} {statistics.median(rates):>10,.0f} characters/s per core, median of {rounds} rounds "
              f"({min(rates):,.0f}-{max(rates):,.0f}; {sample} documents, {characters:,} characters)")


def store_run(count: int, coder: str | None = None) -> None:
    """Fill a fresh SQLite store with `count` documents, then run `tracker code [--coder CODER]` on it in a child
    process."""
    from igtracker import migrate
    from igtracker.db import make_engine, session_scope
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
            session.add(Document(canonical_url=url_n, url=url_n, actor_id=actor.id, title=text.splitlines()[0],
                                 published_at=now, fetched_at=now, text=text, meta={},
                                 content_hash=hashlib.sha256(text.encode()).hexdigest()))
    engine.dispose()
    started = time.monotonic()
    tracker = Path(sys.executable).parent / "tracker"  # the installed command, in this interpreter's environment
    command = [str(tracker), "code", *(["--coder", coder] if coder else [])]
    child = subprocess.run(command, capture_output=True, text=True,
                           env={"TRACKER_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, check=False)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(child.stdout.strip() or child.stderr.strip()[-500:])
    print(f"tracker code over {count:,} documents: {seconds:.0f} s, peak memory {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument("--coders", default="rules,model,ensemble")
    parser.add_argument("--sample", type=int, default=300, help="documents for the speed figures")
    parser.add_argument("--rounds", type=int, default=5, help="times each coder reads them")
    parser.add_argument("--store-coder", help="the coder `tracker code` runs over the stored documents "
                        "(default: the default coder)")
    args = parser.parse_args()
    speed(args.coders.split(","), args.sample, args.rounds)
    if args.documents:
        store_run(args.documents, args.store_coder)


if __name__ == "__main__":
    main()
