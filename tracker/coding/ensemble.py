"""The default coder: the rules and the learned model, each where it is strong.

The rules are precise but miss most positions worded unlike their cues (and read only English and the seven
languages they have cues for); the model reads every language and more wordings, less precisely. Per issue, for the
text's own voice, the ensemble keeps the rules' reading where they have one, and the model's where they have none
and the model is sure enough (`model_threshold`); where the two disagree, `on_conflict` decides ("rules", at or
above `rules_confidence`, "model", or the more "confident"). A policy may be set by hand for a language
(`by_language`). Positions the rules give to others named in the text are kept as the rules read them; a model
reading on a sentence the rules attribute to someone else on the same issue is dropped (it is that someone's, not
the speaker's). `tracker train` chooses one policy for every language
(`igtracker.coding.training.choose_policy`) and records it with the model.

The rules keep a say in conflicts: `choose_policy` picks among policies where they decide at least where they are
the surer of the two. Letting the model decide every conflict scored about the same out of fold on train and on
the corpus's dev split (restatements), but lower on real statements quoted verbatim, where the rules' sure
readings are right more often than a model trained on restatements (`docs/codebook.md` has the figures).
`EncoderEnsembleCoder` is the same over the model that also reads a sentence encoder (the optional `encoder` coder).

Every stance says in its trace which part made it and what the other thought.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from igtracker.coding.codebook import Codebook
from igtracker.coding.coder import SPEAKER_KEY, CodedStance, RuleCoder, summarise
from igtracker.coding.memo import in_document_scope
from igtracker.coding.model import ENCODER_MODEL_FILE, FLOOR, ModelCoder, load_model
from igtracker.coding.stances import reads
from igtracker.coding.voices import held_by_the_voice_as_speaker, voice_key, voices_of

CONFLICT_RULES = ("rules", "model", "confident")
VoiceOf = Callable[[CodedStance], Hashable]


@dataclass(frozen=True)
class EnsemblePolicy:
    """How the ensemble combines the two readings, by default and for the languages listed in `by_language`.

    `model_threshold`: the calibrated confidence the model needs where the rules are silent. `on_conflict`: who
    decides where the two disagree; with "rules", the rules only where their confidence is at least
    `rules_confidence` (0: always), else the model."""

    model_threshold: float = 0.5
    on_conflict: str = "rules"  # one of CONFLICT_RULES
    rules_confidence: float = 0.0
    by_language: tuple[tuple[str, EnsemblePolicy], ...] = ()

    def __post_init__(self) -> None:
        if self.on_conflict not in CONFLICT_RULES:
            raise ValueError(f"on_conflict must be one of {', '.join(CONFLICT_RULES)}, not {self.on_conflict!r}")

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> EnsemblePolicy:
        """The policy `tracker train` recorded with the model (its `ensemble` entry)."""
        return cls.from_dict(meta.get("ensemble") or {})

    @classmethod
    def from_dict(cls, found: dict[str, Any]) -> EnsemblePolicy:
        languages = found.get("by_language") or {}
        return cls(float(found.get("model_threshold", cls.model_threshold)),
                   str(found.get("on_conflict", cls.on_conflict)),
                   float(found.get("rules_confidence", cls.rules_confidence)),
                   tuple((str(code), cls.from_dict(entry)) for code, entry in sorted(languages.items())))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model_threshold": self.model_threshold, "on_conflict": self.on_conflict,
                               "rules_confidence": self.rules_confidence}
        if self.by_language:
            out["by_language"] = {code: policy.as_dict() for code, policy in self.by_language}
        return out

    def for_language(self, language: str | None) -> EnsemblePolicy:
        """The policy for a text in `language` (the default where the language has none of its own)."""
        return next((policy for code, policy in self.by_language if code == language), self)

    def rules_win(self, rule_conf: float, model_conf: float) -> bool:
        if self.on_conflict == "confident":
            return rule_conf >= model_conf
        return self.on_conflict == "rules" and rule_conf >= self.rules_confidence

    @property
    def label(self) -> str:
        """Short and stable, for the coder's version: a change of policy recodes. The policies by language are a
        digest: spelled out, seven languages' would outgrow the stored version (100 characters)."""
        own = f"{self.model_threshold:g}-{self.on_conflict}"
        if self.rules_confidence:
            own += f">{self.rules_confidence:g}"
        if not self.by_language:
            return own
        spelled = json.dumps(self.as_dict()["by_language"], sort_keys=True)
        return f"{own},by-language-{hashlib.sha256(spelled.encode()).hexdigest()[:8]}"

    def why(self, language: str | None) -> str:
        """Which policy applies, for the trace."""
        return f"policy for {language}" if any(code == language for code, _ in self.by_language) else \
            "default policy"


def _side(stances: list[CodedStance], issue: str) -> tuple[str | None, float]:
    mine = [s for s in stances if s.issue_id == issue]
    side = summarise(mine).get(issue)
    return side, max((s.confidence for s in mine if s.position == side), default=0.0)


def _noted(stances: list[CodedStance], note: str) -> list[CodedStance]:
    return [dataclasses.replace(s, trace=f"{s.trace}; {note}") for s in stances]


class EnsembleCoder:
    """Rules and model combined by an `EnsemblePolicy`."""

    name = "ensemble"
    kind = "model"
    languages: frozenset[str] | None = None

    def __init__(self, rules: RuleCoder | None = None, model: ModelCoder | None = None,
                 policy: EnsemblePolicy | None = None) -> None:
        self.rules = rules or RuleCoder()
        self.model = model or ModelCoder(threshold=FLOOR)
        self.policy = policy or EnsemblePolicy.from_meta(self.model.model.meta)
        self.version = f"{self.rules.version}+{self.model.version}@{self.policy.label}"

    @in_document_scope  # the rules and the model scan the same sentences
    def code(self, text: str, context: Any, codebook: Codebook) -> list[CodedStance]:
        language = getattr(context, "language", None)
        ruled = self.rules.code(text, context, codebook) if reads(self.rules, language) else []
        voices = voices_of(text, context.speaker_names, context.lexicon, language)
        return self.combine(held_by_the_voice_as_speaker(ruled, voices), self.model.code(text, context, codebook),
                            codebook.issue_ids, language, lambda stance: voice_key(voices.get(stance.start)))

    def combine(self, ruled: list[CodedStance], modelled: list[CodedStance], issues: list[str],
                language: str | None = None, voice_of: VoiceOf | None = None) -> list[CodedStance]:
        """The ensemble's stances from what the rules and the model read in the same text (in `language`)."""
        return combine(self.policy, ruled, modelled, issues, language, voice_of)


class EncoderEnsembleCoder(EnsembleCoder):
    """The ensemble over the model that also reads a sentence encoder (`tracker train --encoder`, the `encoder`
    extra): higher in cross-validation, on dev and on the held-out split, about forty times slower
    (`docs/codebook.md`)."""

    name = "encoder"

    def __init__(self, rules: RuleCoder | None = None, model: ModelCoder | None = None,
                 policy: EnsemblePolicy | None = None) -> None:
        super().__init__(rules, model or ModelCoder(load_model(ENCODER_MODEL_FILE), threshold=FLOOR), policy)


def combine(policy: EnsemblePolicy, ruled: list[CodedStance], modelled: list[CodedStance],
            issues: list[str], language: str | None = None, voice_of: VoiceOf | None = None) -> list[CodedStance]:
    """What `policy` makes of the rules' and the model's readings of one text in `language`.

    The speaker's readings are weighed voice by voice (`voice_of`: whose voice a reading's sentence is, None for
    the text's own): in a report, a quote's reading by the rules meets the model's reading of that quote, not of
    the rest of the report."""
    others = [s for s in ruled if s.holder != SPEAKER_KEY]
    taken = {(s.start, s.issue_id) for s in others}
    own_rules = [s for s in ruled if s.holder == SPEAKER_KEY]
    own_model = [s for s in modelled if (s.start, s.issue_id) not in taken]
    why = policy.why(language)
    policy = policy.for_language(language)
    voice_of = voice_of or _one_voice
    out = list(others)
    for voice in dict.fromkeys(voice_of(s) for s in own_rules + own_model):
        rules_here = [s for s in own_rules if voice_of(s) == voice]
        model_here = [s for s in own_model if voice_of(s) == voice]
        for issue in issues:
            out += _combine(issue, rules_here, model_here, policy, why)
    return out


def _one_voice(_stance: CodedStance) -> None:
    return None


def _combine(issue: str, own_rules: list[CodedStance], own_model: list[CodedStance],
             policy: EnsemblePolicy, why: str) -> list[CodedStance]:
    rule_side, rule_conf = _side(own_rules, issue)
    model_side, model_conf = _side(own_model, issue)
    rules_here = [s for s in own_rules if s.issue_id == issue]
    model_here = [s for s in own_model if s.issue_id == issue and s.position == model_side]
    if rule_side and (model_side in (None, rule_side)):
        note = "model agrees" if model_side else "model silent"
        return _noted(rules_here, note)
    if rule_side:  # they disagree
        if policy.rules_win(rule_conf, model_conf):
            return _noted(rules_here, f"model read {model_side} ({model_conf:.2f}); rules decide ({why}: "
                                      f"{_conflict_rule(policy)})")
        return _noted(model_here, f"rules read {rule_side} ({rule_conf:.2f}); model decides ({why}: "
                                  f"{_conflict_rule(policy)})")
    if model_side and model_conf >= policy.model_threshold:
        return _noted(model_here, f"rules silent; model confidence {model_conf:.2f} >= "
                                  f"{policy.model_threshold:g} ({why})")
    return []


def _conflict_rule(policy: EnsemblePolicy) -> str:
    if policy.on_conflict == "confident":
        return "the more confident wins"
    if policy.on_conflict == "model":
        return "the model wins conflicts"
    if policy.rules_confidence:
        return f"the rules win conflicts at confidence >= {policy.rules_confidence:g}"
    return "the rules win conflicts"
