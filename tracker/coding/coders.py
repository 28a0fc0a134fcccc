"""The coder seam: a stance coder is an object with a name, a version and one `code` method.

Coders are registered by name, in the manner of simonw/llm's `register_models` hook: the built-in coders and any
plugin's go through the same `register(name, factory, description)` call. A plugin package declares an entry point
in the group `igtracker.coders` naming a function `register_coders(register)`. A coder gets the text, what is known
of who speaks it (`CodingContext`) and the codebook, and returns candidate stances; whose they are in the store,
storage and review stay outside it (`igtracker.coding.store_coding`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from igtracker.coding.attribution import ActorLexicon
from igtracker.coding.codebook import Codebook
from igtracker.coding.coder import CodedStance
from igtracker.errors import TrackerError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "igtracker.coders"
DEFAULT_CODER = "ensemble"


@dataclass(frozen=True)
class CodingContext:
    """What a coder is told besides the text: the speaker's names, the actors it may name, the text's language,
    and what kind of actor the speaker is (`holder_kinds`: "state", "ngo", ...; None where unknown)."""

    speaker_names: tuple[str, ...] = ()
    lexicon: ActorLexicon | None = None
    language: str | None = None
    title: str | None = None  # the document's title: its line in the text is metadata, never evidence
    speaker_kind: str | None = None


@runtime_checkable
class Coder(Protocol):
    """A stance coder. `kind` is what `stances.coder_kind` records for its stances: "rule" or "model"."""

    name: str
    version: str
    kind: str
    languages: frozenset[str] | None  # ISO 639-1 codes it reads; None: any

    def code(self, text: str, context: CodingContext, codebook: Codebook) -> list[CodedStance]:
        """Candidate stances in `text`: holder "speaker" for the text's own voice, actor keys for others named."""
        ...


CoderFactory = Callable[[], Coder]


@dataclass(frozen=True)
class RegisteredCoder:
    name: str
    factory: CoderFactory
    description: str


class CoderRegistry:
    """Coders by name; built from the built-ins and the `igtracker.coders` entry points on first use."""

    def __init__(self) -> None:
        self._coders: dict[str, RegisteredCoder] = {}
        self._instances: dict[str, Coder] = {}
        self._loaded = False

    def register(self, name: str, factory: CoderFactory, description: str = "") -> None:
        if name in self._coders:
            raise TrackerError(f"a coder named {name!r} is already registered")
        self._coders[name] = RegisteredCoder(name, factory, description)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        from igtracker.coding.builtin_coders import register_coders

        register_coders(self.register)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            try:
                entry.load()(self.register)
            except Exception as exc:  # a broken plugin must not take the built-in coders with it
                log.warning("coder plugin %s could not be loaded: %s", entry.name, exc)

    def available(self) -> list[RegisteredCoder]:
        self._load()
        return sorted(self._coders.values(), key=lambda c: c.name)

    def get(self, name: str | None = None) -> Coder:
        """The coder called `name` (default: the ensemble); one instance per process, as models load slowly."""
        self._load()
        name = name or DEFAULT_CODER
        if name not in self._coders:
            known = ", ".join(c.name for c in self.available())
            raise TrackerError(f"no coder named {name!r}; the coders are: {known}")
        if name not in self._instances:
            self._instances[name] = self._coders[name].factory()
        return self._instances[name]


REGISTRY = CoderRegistry()


def get_coder(name: str | None = None) -> Coder:
    return REGISTRY.get(name)


def available_coders() -> Sequence[RegisteredCoder]:
    return REGISTRY.available()


def code_with(coder: Coder, text: str, context: CodingContext, codebook: Codebook) -> list[CodedStance]:
    """A coder's stances after the steps every coder shares: readings resting on the title, a byline, a dateline or
    navigation are dropped (see ``metadata``), and quoted and reported voices go to their owner."""
    from igtracker.coding.memo import document_scope
    from igtracker.coding.metadata import in_metadata, metadata_spans
    from igtracker.coding.voices import attribute_voices, with_named_people

    context = with_named_people(text, context)  # "Ana Ortiz, Kenya's minister, ...": later "Ortiz said" is Kenya
    spans = metadata_spans(text, context.title)
    with document_scope():  # the coder and the attribution step share what they scan
        stances = [s for s in coder.code(text, context, codebook) if not in_metadata(s.start, s.end, spans)]
        return attribute_voices(stances, text, context.speaker_names, context.lexicon, context.language)
