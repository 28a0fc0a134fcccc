"""The store's actors as the coder sees them: names to recognise, and rows to attach stances to.

States named in text but absent from the registry ("Brazil" in a think-tank paper) are created on first use, as
the crawl creates a submitting state (`igtracker.submitters.create_state`: `in_registry=False`, kind "state", the
ISO country code, the short English name), so their stances are kept; they are matched by country, never by
slug.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.coding.attribution import ActorLexicon, country_common_name
from igtracker.models import Actor

# News media report others' positions: their own voice is not coded as a stance (their editorials are the
# exception a person can record with `tracker code set`), and they never hold a position they report.
REPORTING_KINDS = frozenset({"media"})


class StoreActors:
    """Recognises registry actors (names, aliases) and countries; resolves lexicon keys to Actor rows."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.created: list[str] = []
        self.lexicon = ActorLexicon.countries()
        self._by_slug: dict[str, Actor] = {}
        self._by_country: dict[str, Actor] = {}
        for actor in session.scalars(select(Actor).order_by(Actor.id)):
            self._by_slug[actor.slug] = actor
            if actor.kind == "state" and actor.country and actor.country not in self._by_country:
                self._by_country[actor.country] = actor  # states are also recognised by country names
            for name in [actor.name, *(actor.aliases or [])]:
                self.lexicon.add(f"actor:{actor.slug}", name, actor.name)
            if actor.kind in REPORTING_KINDS:
                self.lexicon.reporters.add(f"actor:{actor.slug}")
        self.lexicon.finalise()

    def names_of(self, actor: Actor) -> list[str]:
        names = [actor.name, *(actor.aliases or [])]
        if actor.kind == "state" and actor.country:
            names.append(country_common_name(actor.country))
        return names

    def resolve(self, key: str) -> Actor | None:
        kind, _, value = key.partition(":")
        if kind == "actor":
            return self._by_slug.get(value)
        if kind == "country":
            return self._by_country.get(value) or self._create_state(value)
        return None

    def _create_state(self, alpha3: str) -> Actor:
        from igtracker.submitters import create_state

        actor = create_state(self.session, alpha3)
        self._by_slug[actor.slug] = actor
        self._by_country[alpha3] = actor
        self.created.append(actor.slug)
        return actor
