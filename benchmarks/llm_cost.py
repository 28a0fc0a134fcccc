"""Benchmark: what the LLM coder would send for 1,000 documents like the corpus's dev split (nothing is sent).

Counts, per dev statement the coder reads (English), the sentences the issue detector marks as relevant (each is
one request), and estimates the tokens of each request from its characters (about 4 characters a token for
English with the BPE tokenisers of current models; a real server's own counts are in `tracker status`). The
answer of a sentence with no position is ~10 tokens, one with a stance ~60: `--completion` sets the mean.

    python benchmarks/llm_cost.py [--split dev] [--completion 40] [--price-in 0.15] [--price-out 0.60]

Prices are US dollars per million tokens (the defaults are a small hosted model's, late 2026; local: 0).
"""

from __future__ import annotations

import argparse
import statistics

from igtracker.coding.codebook import load_codebook
from igtracker.coding.corpus import load_split
from igtracker.coding.llm import DETECTOR_LANGUAGES, SCOPES, relevant_sentences
from igtracker.coding.llm_prompt import system_prompt, user_message
from igtracker.language import detect_language

CHARS_PER_TOKEN = 4.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev", choices=["train", "dev"])
    parser.add_argument("--completion", type=float, default=40.0, help="mean completion tokens per request")
    parser.add_argument("--price-in", type=float, default=0.15, help="$ per million prompt tokens")
    parser.add_argument("--price-out", type=float, default=0.60, help="$ per million completion tokens")
    args = parser.parse_args()

    codebook = load_codebook()
    system_tokens = len(system_prompt(codebook)) / CHARS_PER_TOKEN
    rows = load_split(args.split)
    read = [r for r in rows if detect_language(r["text"]) in DETECTOR_LANGUAGES]
    print(f"split {args.split}: {len(rows)} statements, {len(read)} the coder reads ({', '.join(DETECTOR_LANGUAGES)})")
    print(f"prompt per request: system {system_tokens:.0f} tokens (estimated at {CHARS_PER_TOKEN:g} chars/token)")
    for scope in SCOPES:
        report(scope, [relevant_sentences(r["text"], codebook, scope) for r in read], system_tokens, args)


def report(scope: str, per_doc: list, system_tokens: float, args: argparse.Namespace) -> None:
    counts = [len(s) for s in per_doc]
    sentence_tokens = [len(user_message(s.text)) / CHARS_PER_TOKEN for doc in per_doc for s in doc]
    requests = sum(counts)
    prompt_tokens = requests * system_tokens + sum(sentence_tokens)
    completion_tokens = requests * args.completion
    per_1000 = 1000 / max(1, len(per_doc))
    cost = (prompt_tokens * args.price_in + completion_tokens * args.price_out) / 1e6 * per_1000
    print(f"TRACKER_LLM_SENTENCES={scope}: relevant sentences per document: mean {statistics.mean(counts):.2f}, "
          f"max {max(counts)}; documents with none: {sum(1 for c in counts if not c)} of {len(counts)}; "
          f"sentence {statistics.mean(sentence_tokens or [0]):.0f} tokens")
    print(f"  per 1,000 documents: {requests * per_1000:,.0f} requests, {prompt_tokens * per_1000 / 1e6:.2f} M prompt "
          f"tokens, {completion_tokens * per_1000 / 1e6:.3f} M completion tokens; at ${args.price_in:g} / "
          f"${args.price_out:g} per M tokens (in / out): ${cost:.2f}")

if __name__ == "__main__":
    main()
