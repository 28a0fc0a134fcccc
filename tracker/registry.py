"""The source registry: a declarative TOML file of actors, blocs and sources, validated before anything is written.

`load_registry` turns the file into validated pydantic models (errors name the file, the entry, its line and the
field); `sync_registry` upserts it into the store by natural key. Renames (`renamed_from`) keep an entry's row and
so its documents and stances; entries removed from the file are deactivated, never deleted.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pycountry
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.errors import RegistryError
from igtracker.models import ACTOR_KINDS, SOURCE_KINDS, Actor, Bloc, Source
from igtracker.source_options import OPTIONS_BY_KIND

SLUG = r"^[a-z0-9][a-z0-9-]*$"
MAX_FREQUENCY_HOURS = 366 * 24


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=SLUG, max_length=100)
    renamed_from: list[str] = Field(default_factory=list, description="earlier ids of this entry")


class BlocEntry(_Entry):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    description: str | None = None


class ActorEntry(_Entry):
    name: str = Field(min_length=1)
    kind: str
    country: str | None = None
    aliases: list[str] = Field(default_factory=list)
    blocs: list[str] = Field(default_factory=list)
    homepage: str | None = None
    description: str | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in ACTOR_KINDS:
            raise ValueError(f"unknown kind {value!r}; use one of {', '.join(ACTOR_KINDS)}")
        return value

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        if pycountry.countries.get(alpha_3=value) is None:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 country code (e.g. 'BRA', 'USA')")
        return value


class SourceEntry(_Entry):
    actor: str = Field(pattern=SLUG)
    kind: str
    url: str
    allowed_domains: list[str] = Field(default_factory=list)
    frequency_hours: float = Field(
        default=24.0, gt=0, le=MAX_FREQUENCY_HOURS, allow_inf_nan=False,
        description="hours between crawls: more than 0, at most a year",
    )
    enabled: bool = True
    verified: bool = False
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in SOURCE_KINDS:
            raise ValueError(f"unknown kind {value!r}; use one of {', '.join(SOURCE_KINDS)}")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("options")
    @classmethod
    def _options_for_kind(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        model = OPTIONS_BY_KIND.get(info.data.get("kind", ""))
        if model is None:
            return value
        try:
            return model.model_validate(value).model_dump(exclude_defaults=True)
        except ValidationError as exc:
            raise ValueError(
                "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg'].removeprefix('Value error, ')}"
                          for e in exc.errors())
            ) from None

    @model_validator(mode="after")
    def _default_domains(self) -> SourceEntry:
        if not self.allowed_domains:
            self.allowed_domains = [urlsplit(self.url).hostname or ""]
        return self


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    blocs: list[BlocEntry] = Field(default_factory=list)
    actors: list[ActorEntry] = Field(default_factory=list)
    sources: list[SourceEntry] = Field(default_factory=list)

    def reference_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Duplicate ids and references to unknown entries, each with its location (section, index, field)."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for section in ("blocs", "actors", "sources"):
            seen: Counter[str] = Counter()
            for index, entry in enumerate(getattr(self, section)):
                seen[entry.id] += 1
                if seen[entry.id] == 2:
                    problems.append(((section, index, "id"), f"duplicate {section} id(s): {entry.id}"))
        bloc_ids = {b.id for b in self.blocs}
        actor_ids = {a.id for a in self.actors}
        for index, actor in enumerate(self.actors):
            unknown = [b for b in actor.blocs if b not in bloc_ids]
            if unknown:
                problems.append((("actors", index, "blocs"),
                                 f"actor {actor.id!r} names unknown bloc(s) {', '.join(unknown)}"))
        for index, source in enumerate(self.sources):
            if source.actor not in actor_ids:
                problems.append((("sources", index, "actor"),
                                 f"source {source.id!r} names unknown actor {source.actor!r}"))
        return problems

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Registry:
        if (info.context or {}).get("references") is False:
            return self  # load_registry reports them itself, each with its line
        problems = self.reference_problems()
        if problems:
            raise ValueError("; ".join(message for _loc, message in problems))
        return self


def _entry_line(text: str, section: str, index: int) -> int | None:
    """Line (1-based) of the index-th `[[section]]` header, for error messages."""
    headers = [m.start() for m in re.finditer(rf"(?m)^[ \t]*\[\[[ \t]*{section}[ \t]*\]\]", text)]
    return text.count("\n", 0, headers[index]) + 1 if index < len(headers) else None


def _describe_error(path: Path, text: str, raw: dict[str, Any], err: Any) -> str:
    loc = list(err["loc"])
    where = str(path)
    if len(loc) >= 2 and isinstance(loc[1], int) and loc[0] in ("blocs", "actors", "sources"):
        section, index = loc[0], loc[1]
        entry = raw.get(section, [])[index] if index < len(raw.get(section, [])) else {}
        ident = entry.get("id") if isinstance(entry, dict) else None
        line = _entry_line(text, section, index)
        where += f", line {line}" if line else ""
        where += f": {section}[{index}]" + (f" (id = {ident!r})" if ident else "")
        loc = loc[2:]
    fields = ".".join(str(p) for p in loc)
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}{', field ' + repr(fields) if fields else ''}: {message}"


def load_registry(path: Path | str) -> Registry:
    """Read and validate a registry file; a bad file raises RegistryError naming file, entry, line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read registry {path}: {exc.strerror}; check TRACKER_REGISTRY") from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text (byte {exc.start}); save the registry as UTF-8") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc
    try:
        registry = Registry.model_validate(raw, context={"references": False})
    except ValidationError as exc:
        problems = [_describe_error(path, text, raw, err) for err in exc.errors()]
        raise RegistryError("invalid registry, nothing was written:\n  " + "\n  ".join(problems)) from exc
    references = registry.reference_problems()
    if references:
        problems = [_describe_error(path, text, raw, {"loc": loc, "msg": message}) for loc, message in references]
        raise RegistryError("invalid registry, nothing was written:\n  " + "\n  ".join(problems))
    return registry


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed: int = 0
    deactivated: int = 0


@dataclass
class SyncReport:
    blocs: SyncCounts = field(default_factory=SyncCounts)
    actors: SyncCounts = field(default_factory=SyncCounts)
    sources: SyncCounts = field(default_factory=SyncCounts)


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set attributes that differ; True when anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _find(session: Session, model: type, entry: _Entry, counts: SyncCounts) -> Any:
    """The row for an entry: by id, else by an earlier id (a rename), else None."""
    row = session.scalar(select(model).where(model.slug == entry.id))
    if row is None and entry.renamed_from:
        row = session.scalar(select(model).where(model.slug.in_(entry.renamed_from)))
        if row is not None:
            row.slug = entry.id
            counts.renamed += 1
    return row


def _find_actor(session: Session, entry: ActorEntry, counts: SyncCounts) -> Actor | None:
    row = _find(session, Actor, entry, counts)
    if row is None and entry.kind == "state" and entry.country:
        # A state first met in text (attributed speech) becomes the registry's entry.
        row = session.scalar(
            select(Actor).where(Actor.kind == "state", Actor.country == entry.country, Actor.in_registry.is_(False))
        )
        if row is not None:
            row.slug = entry.id
            counts.renamed += 1
    return row


def _upsert(session: Session, model: type, row: Any, values: dict[str, Any], counts: SyncCounts) -> Any:
    if row is None:
        row = model(**values)
        session.add(row)
        counts.created += 1
    elif _apply(row, values):
        counts.updated += 1
    else:
        counts.unchanged += 1
    return row


def _deactivate_missing(session: Session, model: type, keep: set[str], counts: SyncCounts, **extra: Any) -> None:
    query = select(model).where(model.active.is_(True), model.slug.not_in(keep))
    if model is Actor:
        query = query.where(Actor.in_registry.is_(True))
    for row in session.scalars(query):
        _apply(row, {"active": False, **extra})
        counts.deactivated += 1


def sync_registry(session: Session, registry: Registry) -> SyncReport:
    """Upsert the registry into the store (caller commits). Documents of renamed or removed entries are kept."""
    report = SyncReport()
    blocs: dict[str, Bloc] = {}
    for entry in registry.blocs:
        values = {"slug": entry.id, "name": entry.name, "aliases": entry.aliases, "description": entry.description}
        blocs[entry.id] = _upsert(session, Bloc, _find(session, Bloc, entry, report.blocs), values, report.blocs)
    for gone in session.scalars(select(Bloc).where(Bloc.slug.not_in(set(blocs)))):
        session.delete(gone)  # a bloc owns no data; its memberships go with it
        report.blocs.deactivated += 1
    session.flush()

    actors: dict[str, Actor] = {}
    for a in registry.actors:
        values = {
            "slug": a.id, "name": a.name, "kind": a.kind, "country": a.country, "aliases": a.aliases,
            "homepage": a.homepage, "description": a.description, "active": True, "in_registry": True,
        }
        row = _upsert(session, Actor, _find_actor(session, a, report.actors), values, report.actors)
        wanted = [blocs[b] for b in a.blocs]
        if {b.slug for b in row.blocs} != set(a.blocs):
            row.blocs = wanted
        actors[a.id] = row
    _deactivate_missing(session, Actor, set(actors), report.actors)
    session.flush()

    for s in registry.sources:
        values = {
            "slug": s.id, "actor_id": actors[s.actor].id, "kind": s.kind, "url": s.url,
            "allowed_domains": s.allowed_domains, "options": s.options, "frequency_hours": s.frequency_hours,
            "enabled": s.enabled, "verified": s.verified, "active": True,
        }
        _upsert(session, Source, _find(session, Source, s, report.sources), values, report.sources)
    _deactivate_missing(session, Source, {s.id for s in registry.sources}, report.sources, enabled=False)
    session.flush()
    return report
