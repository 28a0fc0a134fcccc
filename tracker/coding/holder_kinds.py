"""What kind of actor holds a passage's position: a state, an IGO, a firm, an NGO, ...

The learned model reads it beside the words. The same words weigh differently in different mouths: a government
calling a shutdown "a measure national security requires" defends it, a rights group quoting the phrase does not.
Without it the model read the words only, and most of its flips on the corpus's dev split were governments
defending their own measures in the language of rights (`docs/codebook.md`).

The kinds are the store's (`igtracker.models.ACTOR_KINDS`); gold files and the corpus name two of them otherwise
("government", "technical-community"). A passage's kind is its voice's: the document's author for its own voice
(`CodingContext.speaker_kind`), the state for a state's or its official's words, the store's kind for an actor it
knows; unknown (None) for a voice nobody names or an actor the store does not know.
"""

from __future__ import annotations

from collections.abc import Sequence

from igtracker.coding.attribution import ActorLexicon, HolderRef
from igtracker.models import ACTOR_KINDS

KINDS = ACTOR_KINDS
# In a model stance's trace where the holder's kind tipped it: read as if the kind were unknown, the same words give
# another reading. `tracker code review` lists such stances: a speaker going against the grain of its kind is read
# the kind's usual way.
KIND_DECIDES = "rests on the holder's kind"
GOLD_NAMES = {"government": "state", "technical-community": "technical"}  # the corpus's names for two kinds


def holder_kind(value: str | None) -> str | None:
    """A kind in the store's words, from the store's or a gold file's ("government" is "state"); None if unknown."""
    if not value:
        return None
    kind = GOLD_NAMES.get(value.strip().lower(), value.strip().lower())
    return kind if kind in KINDS else None


def key_kind(key: str, lexicon: ActorLexicon | None) -> str | None:
    """The kind of the actor behind a holder key: a country is its state; an actor the lexicon knows, its kind."""
    if key.startswith("country:"):
        return "state"
    return lexicon.kinds.get(key) if lexicon is not None else None


def voice_kind(voice: HolderRef | None, speaker_kind: str | None, lexicon: ActorLexicon | None) -> str | None:
    """The kind of whoever speaks in a passage of `voice` (None: the text's own voice, the speaker's)."""
    if voice is None or voice.is_speaker:
        return speaker_kind
    if voice.kind != "actors" or not voice.keys:
        return None  # a pronoun or a voice nobody names
    kinds = {key_kind(key, lexicon) for key in voice.keys}
    return kinds.pop() if len(kinds) == 1 else None


def one_hot(kinds: Sequence[str | None], columns: Sequence[str] = KINDS, weight: float = 1.0) -> list[list[float]]:
    """One row per passage, a column per kind (all zero where the kind is unknown)."""
    return [[weight if kind == column else 0.0 for column in columns] for kind in kinds]
