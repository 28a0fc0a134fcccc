"""Who submitted a document: submitter names (member states, groups, organisations) matched to actors.

A contribution to an ITU meeting speaks for the state or group that submitted it, not for the ITU; a comment
in an ICANN proceeding speaks for the organisation that filed it. Names are matched to actors by name or alias,
then (for countries) by ISO code via pycountry; an unknown submitter becomes an actor outside the registry
(in_registry=False) that a later registry sync can adopt.
"""

from __future__ import annotations

import re

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from igtracker.coding.attribution import country_common_name, slugify
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


def country_code(name: str) -> str | None:
    """ISO alpha-3 code for a country name in the forms the ITU and others use ("Korea (Republic of)")."""
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
            continue
    return None


def guess_kind(name: str, default: str) -> str:
    """A best guess at an unknown organisation's kind from its name."""
    if _ACADEMIC.search(name):
        return "academic"
    if _FIRM.search(name):
        return "firm"
    return default


class SubmitterResolver:
    """Resolves submitter names to actors within one session (one document's transaction), creating unknown ones."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def resolve(self, name: str, *, default_kind: str) -> list[Actor]:
        """The actors behind a submitter cell: one, or several for joint submissions ("Brazil, Russian Federation")."""
        name = " ".join(name.split())
        if not name:
            return []
        if self._recognised(name):
            return [self._match(name) or self._create(name, default_kind)]
        parts = [p for p in _SPLIT.split(name) if p]
        if len(parts) > 1 and any(self._recognised(p) for p in parts):
            return [self._match(p) or self._create(p, default_kind) for p in parts]
        return [self._create(name, default_kind)]

    def _recognised(self, name: str) -> bool:
        """A known actor, or a country (which becomes a state actor if not known yet)."""
        return self._match(name) is not None or country_code(name) is not None

    def _match(self, name: str) -> Actor | None:
        key = _norm(name)
        by_name = self.session.scalars(select(Actor).where(func.lower(Actor.name) == key)).first()
        if by_name is not None:
            return by_name
        for actor in self._with_alias(key):
            return actor
        code = country_code(name)
        if code is not None:
            return self.session.scalars(
                select(Actor).where(Actor.kind == "state", Actor.country == code).order_by(Actor.in_registry.desc())
            ).first()
        return None

    def _with_alias(self, key: str) -> list[Actor]:
        # Aliases are a JSON list; few actors have many, so filtering in Python keeps this portable.
        rows = self.session.scalars(select(Actor).where(Actor.aliases.is_not(None))).all()
        return [a for a in rows if any(_norm(alias) == key for alias in a.aliases or [])]

    def _create(self, name: str, default_kind: str) -> Actor:
        code = country_code(name)
        if code is not None:
            return create_state(self.session, code, aliases=[name])
        # A crawled name longer than the column (300) would fail the document's transaction on PostgreSQL.
        stored = clip(name, Actor.__table__.c.name.type.length or len(name))
        actor = Actor(slug=free_slug(self.session, name), name=stored, kind=guess_kind(name, default_kind), aliases=[],
                      in_registry=False)
        self.session.add(actor)
        self.session.flush()
        return actor


def free_slug(session: Session, name: str) -> str:
    """The name's slug, numbered where an actor has it already ("russia", "russia-2")."""
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Actor.id).where(Actor.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_state(session: Session, alpha3: str, aliases: list[str] | None = None) -> Actor:
    """The one way a state outside the registry is made, by the crawl (a submitter) and the coder (a country named
    in text) alike: its short English name ("Russia"), kind "state", its ISO code, `in_registry=False`."""
    name = country_common_name(alpha3)
    actor = Actor(slug=free_slug(session, name), name=name, kind="state", country=alpha3,
                  aliases=[a for a in aliases or [] if a != name], in_registry=False)
    session.add(actor)
    session.flush()
    return actor
