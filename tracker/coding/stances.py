"""What every coder returns: a position found in a text, with its holder and the sentence it rests on.

Its own module, below the coders, so that the rule coder, the multilingual rules, the model and the coder registry
all share it without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass

SPEAKER_KEY = "speaker"
POSITION = {1: "support", -1: "oppose"}


@dataclass(frozen=True)
class CodedStance:
    """A position found in a text: whose, on what, which way, and the sentence it rests on."""

    issue_id: str
    position: str  # support | oppose
    holder: str  # "speaker" or an actor key ("country:RUS", "actor:itu")
    holder_label: str
    confidence: float
    evidence: str
    start: int
    end: int
    kind: str
    trace: str
    coder_kind: str = "rule"  # what made it: "rule" or "model" (an ensemble keeps its part's)

    @property
    def score(self) -> float:
        return self.confidence if self.position == "support" else -self.confidence


def reads(coder: object, language: str | None) -> bool:
    """Whether a coder (anything with an optional `languages` set) reads text in `language`; a text too short
    to tell is read.
    """
    languages = getattr(coder, "languages", None)
    return language is None or languages is None or language in languages
