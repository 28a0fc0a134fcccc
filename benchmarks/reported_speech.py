"""Benchmark: statements coded directly, and the same statements reported in news items, attribution style by style.

Each English statement of a gold file (default ../shared/corpus/dev.jsonl) is coded as its speaker's own text, then
set in a news item published by an outlet, with the speaker named the way newsrooms do ("X said on Tuesday:" and
the quote below it, a lead-in "X did not mince words.", '"...," X told reporters.', "That was the verdict of X.",
"she said" after "Jane Roe, a spokesperson for X, spoke after the meeting."). The speaker is recognised by its
names, as a registry actor would be; the outlet is the document's speaker and a reporter, so it holds nothing. The
issue's aim: every style within 10% of the direct score, and no stance for the outlet.

    python benchmarks/reported_speech.py [GOLD.jsonl] [--coder rules]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from igtracker.coding import load_codebook
from igtracker.coding.attribution import ActorLexicon, name_variants
from igtracker.coding.coder import summarise
from igtracker.coding.coders import CodingContext, code_with, get_coder
from igtracker.coding.evaluate import TAKEN, Score, load_gold
from igtracker.language import detect_language

OUTLET, OUTLET_KEY, SPEAKER_KEY = "The Example Times", "actor:example-times", "actor:quoted-speaker"
STYLES: dict[str, Callable[[str, str], str]] = {
    "colon": lambda who, quote: f"{who} said on Tuesday:\n“{quote}”",
    "lead-in": lambda who, quote: f"{who} did not mince words.\n“{quote}”",
    "after": lambda who, quote: f"“{quote.rstrip('.')},” {who} told reporters.",
    "verdict": lambda who, quote: f"“{quote}” That was the verdict of {who}.",
    "pronoun": lambda who, quote: f"Jane Roe, a spokesperson for {who}, spoke after the meeting.\n“{quote}” she said.",
}


def newsroom_name(actor: str) -> str:
    """How a report names a speaker given as "Doreen Bogdan-Martin (U.S. candidate ...)" or "Dean Heller, US
    Senator": the first part."""
    return re.split(r"\s*[(/;,]", actor)[0].strip()


def nested(text: str) -> str:
    """A statement's own quotation marks, nested inside the report's quote as single ones; a statement of several
    paragraphs quoted as newsrooms do, each paragraph opening with a quotation mark and only the last one closed."""
    text = text.replace("“", "‘").replace("”", "’")
    text = re.sub(r'"(.*?)"', r"‘\1’", text)
    return re.sub(r"\n+\s*", "\n“", text.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", default=str(Path(__file__).parents[1] / ".." / "shared" / "corpus"
                                                       / "dev.jsonl"))
    parser.add_argument("--coder", default="rules")
    args = parser.parse_args()
    if not Path(args.gold).exists():
        print(f"{args.gold}: no gold file; give one as the first argument")
        return 1
    codebook, coder = load_codebook(), get_coder(args.coder)
    countries = ActorLexicon.countries().finalise()
    statements = [s for s in load_gold(args.gold) if detect_language(s.text) in ("en", None)]
    scores = {style: {label: Score() for label in TAKEN} for style in ["direct", *STYLES]}
    outlet_stances = 0
    for statement in statements:
        direct = summarise(code_with(coder, statement.text, CodingContext((statement.actor,), countries, "en"),
                                     codebook), statement.speaker_keys)
        guesses = {"direct": direct}
        who = newsroom_name(statement.actor)
        aliases = {name: SPEAKER_KEY for name in [who, *name_variants(statement.actor)] if len(name) > 2}
        lexicon = countries.extended({**aliases, OUTLET: OUTLET_KEY}, people=False)  # as a registry's names
        lexicon.reporters.add(OUTLET_KEY)
        keys = (statement.speaker_keys - {"speaker"}) | {SPEAKER_KEY}
        for style, report in STYLES.items():
            stances = code_with(coder, report(who, nested(statement.text)), CodingContext((OUTLET,), lexicon, "en"),
                                codebook)
            outlet_stances += sum(1 for s in stances if s.holder == OUTLET_KEY)
            guesses[style] = summarise(stances, keys)
        for style, guess in guesses.items():
            for issue in codebook.issue_ids:
                for label in TAKEN:
                    scores[style][label].add(statement.labels.get(issue), guess.get(issue), label)
    print(f"{args.coder} coder, {len(statements)} English statements of {Path(args.gold).name}")
    base = (scores["direct"]["support"].f1 + scores["direct"]["oppose"].f1) / 2
    for style, pooled in scores.items():
        macro = (pooled["support"].f1 + pooled["oppose"].f1) / 2
        print(f"{style:<9} macro-F1 {macro:.3f}  ({macro / base:.0%} of direct)" if base else f"{style:<9} {macro:.3f}")
    print(f"stances held by the outlet: {outlet_stances}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
