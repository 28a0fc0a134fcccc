"""The store's actors as the coder reads them: the names to recognise in text, and who never holds a stance.

Which actor a name or a country stands for, and making a state first named in text ("Brazil" in a think-tank
paper) so its stances are kept, is the one resolver's work (`igtracker.actors.ActorResolver`), shared with the
crawl.
"""

from __future__ import annotations

from collections.abc import Iterable

from igtracker.coding.attribution import ActorLexicon
from igtracker.coding.country_names import country_common_name
from igtracker.models import Actor

# News media report others' positions: their own voice is not coded as a stance (their editorials are the
# exception a person can record with `tracker code set`), and they never hold a position they report.
REPORTING_KINDS = frozenset({"media"})


def store_lexicon(actors: Iterable[Actor]) -> ActorLexicon:
    """Country names, and each actor's name and aliases (keys "actor:<slug>") and kind, news media marked as
    reporters."""
    lexicon = ActorLexicon.countries()
    for actor in actors:
        lexicon.kinds[f"actor:{actor.slug}"] = actor.kind
        for name in [actor.name, *(actor.aliases or [])]:
            lexicon.add(f"actor:{actor.slug}", name, actor.name)
        if actor.kind in REPORTING_KINDS:
            lexicon.reporters.add(f"actor:{actor.slug}")
    return lexicon.finalise()


def names_of(actor: Actor) -> list[str]:
    """How an author may name itself in its own text: its name, aliases and, for a state, its country's name."""
    names = [actor.name, *(actor.aliases or [])]
    if actor.kind == "state" and actor.country:
        names.append(country_common_name(actor.country))
    return names
