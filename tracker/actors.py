"""The one actor resolver: names to the store's actors, for the crawl and the coder alike, and the one policy for
actors met outside the registry.

The crawl resolves a document's submitters ("Russian Federation", "Korea (Republic of), Iran (Islamic Republic
of)"), the coder the actors it finds named in text ("Russia", "la Russie"); both ask an `ActorResolver`, so a name
lands on the same actor whichever path meets it first. A name is matched to an actor's name, else an alias (any
case), else a country: an ISO code through pycountry in the forms the ITU uses, or a country name in any language
attribution knows. A state stands for its country, and a country's actor is its state, the registry's first. A
country with no state yet becomes one outside the registry (`in_registry=False`, kind "state", its ISO code, its
short English name: "Russia"); any other unknown name an organisation of a kind guessed from its name. A later
registry sync adopts either (`igtracker.registry`).

Country names and slugs come from `igtracker.coding.attribution`, imported where they are used: importing it loads
the coding package, whose coders import this module, so a top-level import would be circular when the crawl
imports this module first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.display import clip
from igtracker.models import Actor

_PARENS = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*$")
_SPLIT = re.compile(r"\s*[;,/]\s*|\s+and\s+")
_FIRM = re.compile(
    r"\b(inc|ltd|llc|plc|gmbh|corp|corporation|company|co|s\.?a|ag|limited|registry|registrar)\b\.?", re.I
)
_ACADEMIC = re.compile(r"\b(university|universit[éy]|institute of technology|college|school)\b", re.I)
_STATE = re.compile(r"^(government|ministry|republic|kingdom) of\s+(?P<country>.+)$", re.I)


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


@functools.cache
def _names_of_countries() -> dict[str, str]:
    """Country names (normalised) to ISO alpha-3 codes, in English and every language attribution names countries
    in; a name two countries share in some language is left out."""
    from igtracker.coding.country_names import COUNTRY_EXTRA_NAMES, EXTRA_NAMES_BY_LANGUAGE, country_names_in

    codes: dict[str, set[str]] = {}
    for language in ("en", *sorted(EXTRA_NAMES_BY_LANGUAGE)):
        for alpha3, names in country_names_in(language).items():
            for name in names:
                codes.setdefault(_norm(name), set()).add(alpha3)
    for alpha3, names in COUNTRY_EXTRA_NAMES.items():
        for name in names:
            codes[_norm(name)] = {alpha3}  # the short forms news text uses are meant to be unambiguous
    return {name: next(iter(found)) for name, found in codes.items() if len(found) == 1}


def country_code(name: str) -> str | None:
    """ISO alpha-3 code for a country's name: the forms the ITU uses ("Korea (Republic of)", "Government of
    Brazil") and the names attribution knows in each language ("Russia", "Fédération de Russie")."""
    name = " ".join(name.split()).strip(" .")
    candidates = [name]
    match = _PARENS.match(name)
    if match:
        outer, inner = match.group("outer"), match.group("inner")
        candidates += [f"{inner} {outer}", f"{outer}, {inner}", outer]
    state = _STATE.match(name)
    if state:
        candidates.append(state.group("country"))
    for candidate in candidates:
        try:
            return pycountry.countries.lookup(candidate).alpha_3
        except LookupError:
            code = _names_of_countries().get(_norm(candidate))
            if code is not None:
                return code
    return None


def guess_kind(name: str, default: str) -> str:
    """A best guess at an unknown organisation's kind from its name."""
    if _ACADEMIC.search(name):
        return "academic"
    if _FIRM.search(name):
        return "firm"
    return default


def free_slug(session: Session, name: str) -> str:
    """The name's slug, numbered where an actor has it already ("russia", "russia-2")."""
    from igtracker.coding.attribution import slugify

    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Actor.id).where(Actor.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_state(session: Session, alpha3: str, aliases: list[str] | None = None) -> Actor:
    """A state outside the registry: its short English name ("Russia"), kind "state", its ISO code,
    `in_registry=False`. Callers go through `ActorResolver.state`, which first looks for the country's state."""
    from igtracker.coding.country_names import country_common_name

    name = country_common_name(alpha3)
    actor = Actor(slug=free_slug(session, name), name=name, kind="state", country=alpha3,
                  aliases=[a for a in aliases or [] if a != name], in_registry=False)
    session.add(actor)
    session.flush()
    return actor


class ActorResolver:
    """The store's actors by slug, name, alias or country within one session; makes the actor a name or a country
    has none for yet.

    The actors are read once and kept as this resolver makes more; a name or country it does not know sends it to
    the store again for actors added since (by another resolver, or a crawl or coding run beside this one) before
    it makes one, so a state is not made twice.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.created: list[str] = []  # slugs of the actors this resolver made, in order
        self._by_slug: dict[str, Actor] = {}
        self._by_name: dict[str, Actor] = {}
        self._by_alias: dict[str, Actor] = {}
        self._by_country: dict[str, Actor] = {}
        self._last_id = 0
        self._read_new()

    @property
    def actors(self) -> list[Actor]:
        """Every actor this resolver knows: the store's when it was made, then those added since."""
        return list(self._by_slug.values())

    def by_slug(self, slug: str) -> Actor | None:
        return self._known(lambda: self._by_slug.get(slug))

    def named(self, name: str) -> Actor | None:
        """The actor `name` stands for, if the store has it: by name, else alias (any case), else country."""
        key = _norm(name)
        code = country_code(name)

        def lookup() -> Actor | None:
            found = self._by_name.get(key) or self._by_alias.get(key)
            return found or (self._by_country.get(code) if code is not None else None)

        return self._country_state(self._known(lookup))

    def resolve(self, name: str, *, default_kind: str) -> Actor:
        """The actor `name` stands for, made if there is none: a country's state, else an organisation whose kind
        is guessed from its name (`default_kind` when nothing in it tells)."""
        found = self.named(name)
        if found is not None:
            return found
        code = country_code(name)
        if code is not None:
            return self.state(code, named=name)
        # A crawled name longer than the column (300) would fail the document's transaction on PostgreSQL.
        stored = clip(name, Actor.__table__.c.name.type.length or len(name))
        actor = Actor(slug=free_slug(self.session, name), name=stored, kind=guess_kind(name, default_kind),
                      aliases=[], in_registry=False)
        self.session.add(actor)
        self.session.flush()
        return self._made(actor)

    def state(self, alpha3: str, *, named: str | None = None) -> Actor:
        """A country's state: the registry's, else one met before, else a new one outside the registry (keeping
        the name it was met by, `named`, as an alias where that is not its short name)."""
        found = self._known(lambda: self._by_country.get(alpha3))
        if found is not None:
            return found
        return self._made(create_state(self.session, alpha3, aliases=[named] if named else None))

    def resolve_key(self, key: str) -> Actor | None:
        """A coder's holder key: "actor:<slug>", or "country:<alpha-3>" (its state, made if new)."""
        kind, _, value = key.partition(":")
        if kind == "actor":
            return self._country_state(self.by_slug(value))
        if kind == "country":
            return self.state(value)
        return None

    def resolve_submitters(self, cell: str, *, default_kind: str) -> list[Actor]:
        """The actors behind a submitter cell: one, or several for a joint submission ("Brazil, Russian
        Federation"); a cell none of whose parts is known stays one organisation ("Ministry of Posts and
        Telecommunications")."""
        cell = " ".join(cell.split())
        if not cell:
            return []
        if self._recognised(cell):
            return [self.resolve(cell, default_kind=default_kind)]
        parts = [p for p in _SPLIT.split(cell) if p]
        if len(parts) > 1 and any(self._recognised(p) for p in parts):
            return [self.resolve(p, default_kind=default_kind) for p in parts]
        return [self.resolve(cell, default_kind=default_kind)]

    def _recognised(self, name: str) -> bool:
        """A known actor, or a country (whose state is made if the store has none yet)."""
        return country_code(name) is not None or self.named(name) is not None

    def _known(self, lookup: Callable[[], Actor | None]) -> Actor | None:
        """`lookup` in what this resolver knows, again after reading the actors added since if it finds nothing."""
        found = lookup()
        if found is None and self._read_new():
            found = lookup()
        return found

    def _country_state(self, actor: Actor | None) -> Actor | None:
        """A state stands for its country: where the store has two (one made from a name before the registry
        listed the country under another id), every name of either is the registry's."""
        if actor is not None and actor.kind == "state" and actor.country:
            return self._by_country.get(actor.country, actor)
        return actor

    def _read_new(self) -> bool:
        """Read the actors added to the store since this resolver last looked; whether there were any."""
        new = list(self.session.scalars(select(Actor).where(Actor.id > self._last_id).order_by(Actor.id)))
        for actor in new:
            self._remember(actor)
        return bool(new)

    def _made(self, actor: Actor) -> Actor:
        self.created.append(actor.slug)
        self._remember(actor)
        return actor

    def _remember(self, actor: Actor) -> None:
        self._last_id = max(self._last_id, actor.id)
        self._by_slug[actor.slug] = actor
        self._by_name.setdefault(_norm(actor.name), actor)
        for alias in actor.aliases or []:
            self._by_alias.setdefault(_norm(alias), actor)
        if actor.kind == "state" and actor.country:
            known = self._by_country.get(actor.country)
            if known is None or (actor.in_registry and not known.in_registry):
                self._by_country[actor.country] = actor  # the registry's state first, else the first met
