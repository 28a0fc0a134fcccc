"""Benchmark: statements coded directly, and the same statements reported in news items, attribution style by style.

Each English statement of a gold file (default ../shared/corpus/dev.jsonl) is coded as its speaker's own text, then
set in a news item published by an outlet, with the speaker named the way newsrooms do ("X said on Tuesday:" and
the quote below it, a lead-in "X did not mince words.", '"...," X told reporters.', "That was the verdict of X.",
"she said" after "Jane Roe, a spokesperson for X, spoke after the meeting."). The speaker is recognised by its
names, as a registry actor would be; the outlet is the document's speaker and a reporter, so it holds nothing. The
issue's aim: every style within 10% of the direct score, and no stance for the outlet.

Statements in Arabic, Chinese, French, German, Portuguese, Russian and Spanish are reported the same way in their
own language's newsroom styles ("X a déclaré mardi :" and the quote below it, "« ... », a déclaré X.", "Selon X,
« ... »", "Jane Roe, porte-parole de X, ... « ... », a-t-elle dit."), each language with its own quotation marks.

    python benchmarks/reported_speech.py [GOLD.jsonl ...] [--coder rules]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from igtracker.coding import load_codebook
from igtracker.coding.attribution import ActorLexicon, name_variants
from igtracker.coding.codebook import Codebook
from igtracker.coding.coder import summarise
from igtracker.coding.coders import Coder, CodingContext, code_with, get_coder
from igtracker.coding.evaluate import TAKEN, GoldStatement, Score, load_gold
from igtracker.coding.holder_kinds import holder_kind
from igtracker.language import detect_language

OUTLET, OUTLET_KEY, SPEAKER_KEY = "The Example Times", "actor:example-times", "actor:quoted-speaker"
Style = Callable[[str, str], str]
STYLES: dict[str, Style] = {
    "colon": lambda who, quote: f"{who} said on Tuesday:\n“{quote}”",
    "lead-in": lambda who, quote: f"{who} did not mince words.\n“{quote}”",
    "after": lambda who, quote: f"“{quote.rstrip('.')},” {who} told reporters.",
    "verdict": lambda who, quote: f"“{quote}” That was the verdict of {who}.",
    "pronoun": lambda who, quote: f"Jane Roe, a spokesperson for {who}, spoke after the meeting.\n“{quote}” she said.",
}
# In each other language: the quote after a colon, the attribution after the quote, "according to", and a pronoun
# pointing back to a spokesperson introduced in the sentence before; the language's own quotation marks.
FOREIGN_STYLES: dict[str, dict[str, Style]] = {
    "fr": {"colon": lambda w, q: f"{w} a déclaré mardi :\n« {q} »", "after": lambda w, q: f"« {q} », a déclaré {w}.",
           "according": lambda w, q: f"Selon {w}, « {q} »",
           "pronoun": lambda w, q: f"Jane Roe, porte-parole de {w}, s'est exprimée après la réunion.\n« {q} », "
                                   "a-t-elle dit."},
    "es": {"colon": lambda w, q: f"{w} dijo el martes:\n«{q}»", "after": lambda w, q: f"«{q}», dijo {w}.",
           "according": lambda w, q: f"Según {w}, «{q}»",
           "pronoun": lambda w, q: f"Jane Roe, portavoz de {w}, habló tras la reunión.\n«{q}», dijo."},
    "pt": {"colon": lambda w, q: f"{w} disse na terça-feira:\n“{q}”", "after": lambda w, q: f"“{q}”, disse {w}.",
           "according": lambda w, q: f"Segundo {w}, “{q}”",
           "pronoun": lambda w, q: f"Jane Roe, porta-voz de {w}, falou após a reunião.\n“{q}”, disse ela."},
    "de": {"colon": lambda w, q: f"{w} sagte am Dienstag:\n„{q}“", "after": lambda w, q: f"„{q}“, sagte {w}.",
           "according": lambda w, q: f"„{q}“, erklärte {w} am Dienstag.",
           "pronoun": lambda w, q: f"Jane Roe, Sprecherin von {w}, äußerte sich nach dem Treffen.\n„{q}“, sagte sie."},
    "ru": {"colon": lambda w, q: f"{w} заявил во вторник:\n«{q}»", "after": lambda w, q: f"«{q}», — заявил {w}.",
           "according": lambda w, q: f"По словам {w}, «{q}»",
           "pronoun": lambda w, q: f"Джейн Роу, пресс-секретарь {w}, выступила после встречи.\n«{q}», — сказала она."},
    "ar": {"colon": lambda w, q: f"وقال {w} يوم الثلاثاء:\n«{q}»", "after": lambda w, q: f"«{q}»، قال {w}.",
           "according": lambda w, q: f"وبحسب {w}، «{q}»",
           "pronoun": lambda w, q: f"وتحدثت جين رو، المتحدثة باسم {w}، بعد الاجتماع.\n«{q}»، قالت."},
    "zh": {"colon": lambda w, q: f"{w}周二表示：\n“{q}”", "after": lambda w, q: f"“{q}”{w}表示。",
           "according": lambda w, q: f"据{w}称，“{q}”",
           "pronoun": lambda w, q: f"{w}发言人简·罗在会后发表讲话。\n她说：“{q}”"},
}
# The marks each language's styles quote with, and the ones a statement's own quotes become inside them.
INNER_MARKS = {"fr": ("«»", "“”"), "es": ("«»", "“”"), "ru": ("«»", "„“"), "ar": ("«»", "“”"), "pt": ("“”", "‘’"),
               "zh": ("“”", "‘’"), "de": ("„“", "‚‘")}


def newsroom_name(actor: str) -> str:
    """How a report names a speaker given as "Doreen Bogdan-Martin (U.S. candidate ...)" or "Dean Heller, US
    Senator": the first part."""
    return re.split(r"\s*[(/;,]", actor)[0].strip()


def nested(text: str, language: str = "en") -> str:
    """A statement's own quotation marks, nested inside the report's quote as inner ones; a statement of several
    paragraphs quoted as newsrooms do, each paragraph opening with a quotation mark and only the last one closed."""
    outer, inner = INNER_MARKS.get(language, ("“”", "‘’"))
    for mark, replacement in zip(outer, inner, strict=True):
        text = text.replace(mark, replacement)
    if outer != "“”":
        text = text.replace("“", inner[0]).replace("”", inner[1])
    text = re.sub(r'"(.*?)"', rf"{inner[0]}\1{inner[1]}", text)
    opener = outer[0] + (" " if language == "fr" else "")
    return re.sub(r"\n+\s*", "\n" + opener, text.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="*", default=[str(Path(__file__).parents[1] / ".." / "shared" / "corpus"
                                                        / "dev.jsonl")])
    parser.add_argument("--coder", default="rules")
    args = parser.parse_args()
    missing = [path for path in args.gold if not Path(path).exists()]
    if missing:
        print(f"{missing[0]}: no gold file; give one as the first argument")
        return 1
    codebook, coder = load_codebook(), get_coder(args.coder)
    countries = ActorLexicon.countries().finalise()
    by_language: dict[str, list[GoldStatement]] = {}
    for path in args.gold:
        for statement in load_gold(path):
            by_language.setdefault(detect_language(statement.text) or "en", []).append(statement)
    outlet_stances = 0
    print(f"{args.coder} coder, {', '.join(Path(p).name for p in args.gold)}")
    for language, styles in [("en", STYLES), *FOREIGN_STYLES.items()]:
        statements = by_language.get(language, [])
        if not statements:
            continue
        scores, held = _score(statements, styles, language, codebook, coder, countries)
        outlet_stances += held
        base = scores["direct"]
        print(f"{language}: {len(statements)} statements")
        for style, macro in scores.items():
            print(f"  {style:<9} macro-F1 {macro:.3f}  ({macro / base:.0%} of direct)" if base
                  else f"  {style:<9} {macro:.3f}")
    print(f"stances held by the outlet: {outlet_stances}")
    return 0


def _score(statements: list[GoldStatement], styles: dict[str, Style], language: str, codebook: Codebook,
           coder: Coder, countries: ActorLexicon) -> tuple[dict[str, float], int]:
    """Macro-F1 of the statements coded directly and reported in each style, and the stances an outlet held."""
    scores = {style: {label: Score() for label in TAKEN} for style in ["direct", *styles]}
    outlet_stances = 0
    for statement in statements:
        direct = summarise(code_with(coder, statement.text, statement.context(countries, language), codebook),
                           statement.speaker_keys)
        guesses = {"direct": direct}
        who = newsroom_name(statement.actor)
        aliases = {name: SPEAKER_KEY for name in [who, *name_variants(statement.actor)] if len(name) > 2}
        lexicon = countries.extended({**aliases, OUTLET: OUTLET_KEY}, people=False)  # as a registry's names
        lexicon.reporters.add(OUTLET_KEY)
        kind = holder_kind(statement.actor_type)  # a registry's actors have their kind, the quoted one too
        lexicon.kinds = {OUTLET_KEY: "media", **({SPEAKER_KEY: kind} if kind else {})}
        keys = (statement.speaker_keys - {"speaker"}) | {SPEAKER_KEY}
        for style, report in styles.items():
            stances = code_with(coder, report(who, nested(statement.text, language)),
                                CodingContext((OUTLET,), lexicon, language, speaker_kind="media"), codebook)
            outlet_stances += sum(1 for s in stances if s.holder == OUTLET_KEY)
            guesses[style] = summarise(stances, keys)
        for style, guess in guesses.items():
            for issue in codebook.issue_ids:
                for label in TAKEN:
                    scores[style][label].add(statement.labels.get(issue), guess.get(issue), label)
    return {style: (pooled["support"].f1 + pooled["oppose"].f1) / 2 for style, pooled in scores.items()}, outlet_stances


if __name__ == "__main__":
    sys.exit(main())
