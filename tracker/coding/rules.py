"""The rule coder's reading of one sentence: targets, clauses, attitude chains, holders.

A stance is composed, not looked up. In each clause the coder finds the issue targets (codebook phrases, each
`pro` or `anti` the proposition) and the general cues around them (see `cues`). For a target:

- with an attitude of the holder before it ("we reject proposals that would restrict freedom of expression") or,
  failing that, after it ("the multi-stakeholder model remains integral"), the position is the product of the
  attitude, any negations, any harm events ("restrict" turns freedom of expression into its opposite) and the
  target's orientation;
- with no attitude, a loaded target still shows the speaker's side ("mass surveillance", "fair share"); a negated
  loaded accusation is a defensive denial ("nobody is listening to your calls" defends the programme), while a
  negated good is a complaint ("the bill does not protect privacy");
- a neutral target governed by a verb that presupposes its worth ("would undermine encryption", "protect national
  sovereignty") shows that the speaker values it;
- a neutral target with no attitude ("the battle for control of the Internet") is description, not a stance;
- the speaker disavowing an act of its own ("we don't want to break anyone's encryption") defends the policy it is
  accused of; refusing it ("we will not weaken encryption") opposes it;
- a harm, removal or purpose to counter ("restrict", "to combat") acts on its own object, under an attitude on each
  item of a list ("we back filtering to combat spam, fraud and illegal content": for removing illegal content), but
  not on a coordinated verb phrase after it; a target in another's complement ("state control over technical
  coordination") is part of that head's phrase;
- the source of a transfer loses what moves, so it counts reversed: "from X" after a verb or noun of transfer
  ("take over the management of the Internet from ICANN", "take back control from ...", "the transition of
  stewardship from ..."; see `cues.TRANSFER`), "away from X", "out of the hands of X", "instead of X", "replace X
  with ..."; the destination ("... to an intergovernmental body") keeps its own polarity, and what moves
  ("control of the Internet" in "transfer control of the Internet from ICANN to ...") shows no side by itself unless
  it is loaded;
- a party removed from a place ("remove governments from the multistakeholder process", "civil society must not be
  shut out of Internet governance") loses its place: the removal acts on the party (a codebook target when it names
  one), and the place it leaves shows no side;
- an "as" complement after the holder's verb is not its object but what the holder takes the object to be
  ("Iran rejected the proposal as interference in its sovereignty"): the attitude reaches a target in it only
  through a relation the coder reads (the target heads it, a harm or benefit, a purpose; a judgement of its own
  replaces the verb's), otherwise the target gives no stance ("rejected it as a matter of sovereignty").

Where one sentence still reads both ways for the same holder and issue, the coder keeps one (see
`coder._settle`).

Clauses (see `clauses`) are cut at semicolons, colons, contrast ("but", "however": the later clause wins),
conditionals (the antecedent of "if" is not asserted; its targets take the consequence's judgement: "if governments
take control, innovation will suffer"), embedded questions ("whether ...": no stance) and relative clauses. Rhetorical
questions ("why should governments read our messages?") reverse the attitude; open questions state nothing. Holders
come from
speech frames ("..., said the minister"), from attitude verbs with an agentive subject ("some countries, including
Brazil, ..., want"), and from passive agents; otherwise the position is the speaker's. Positions about an earlier
proposal ("rejects these proposals") take that proposal's targets.

A passive holder verb (any of the lexicon's holder verbs as a participle after "is", "were", "has not been", "was
reportedly", ...; or after a comma: "the proposal, backed by Cuba, ...") with a `by` agent who can hold a position
gives the position to the agent, not the speaker: "calls for X were rejected by the United Kingdom" (the attitude
inside the subject says what it proposes: "calls for X" is X), "they are not supported by Canada", "X is backed by
Brazil and opposed by China" (a coordinated participle shares the subject). Negations and hedges in the verb group
apply. A `by` phrase naming no agent ("supported by evidence") is no passive agent; an agent who is nobody the
coder can name ("by many governments", "by critics") holds the position, so it is nobody's recorded stance.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import igtracker.coding.cues as C
from igtracker.coding.attribution import SPEAKER, ActorLexicon, HolderRef, SpeakerNames, resolve_holder
from igtracker.coding.clauses import (
    CONCESSIVE_START,
    RELATIVE_START,
    Clause,
    find_speech_frame,
    question_mode,
    split_clauses,
)
from igtracker.coding.codebook import Codebook, CompiledCodebook, CompiledTarget
from igtracker.coding.literals import pattern_filter
from igtracker.coding.memo import memoised
from igtracker.coding.sentences import Sentence

QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
                        "\n": " ", "\r": " ", "\t": " ", "\u00a0": " "})

BASE_CONFIDENCE = {"attitude": 0.8, "loaded": 0.6, "denial": 0.5, "lament": 0.55, "anaphora": 0.65,
                   "framing": 0.5, "disavowal": 0.5, "conditional": 0.6, "agent": 0.55}
HEDGE_FACTOR = 0.8
THIRD_PARTY_FACTOR = 0.9


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class TargetHit(Hit):
    issues: tuple[str, ...]
    orientation: int
    valence: int
    anchored: bool


@dataclass(frozen=True)
class CueHit(Hit):
    spec: C.CueSpec
    effect_pre: str | None
    effect_post: str | None


@dataclass(frozen=True)
class Reading:
    """One position found in a sentence, before the holder is mapped to actors."""

    issue_id: str
    sign: int  # +1 support, -1 oppose
    confidence: float
    holder: HolderRef
    kind: str
    trace: str
    clause: int
    after_contrast: bool = False
    conceded: bool = False
    at: int = 0  # where its target (or anaphor) begins in the sentence


@dataclass
class Context:
    """What earlier sentences of the same text tell the next one."""

    last_holder: HolderRef | None = None
    last_targets: list[tuple[str, int, int]] = field(default_factory=list)  # previous sentence: issue, o, v


def normalise(text: str) -> str:
    """Same length as the input, so offsets stay valid."""
    return text.translate(QUOTES)


# --- hits -----------------------------------------------------------------------------------------------------


NOMINAL_HOLDER = re.compile(r"\b(?:advocates|supporters|proponents|defenders|champions|opponents|critics|backers"
                            r"|enemies|foes)\s+of\s+(?:the\s+|a\s+|an\s+)?$", re.IGNORECASE)


def _target_matches(text: str, compiled: CompiledCodebook) -> tuple[tuple[CompiledTarget, re.Match[str]], ...]:
    """Every match of every codebook target in `text`, in codebook order (memoised per document)."""
    def scan() -> tuple[tuple[CompiledTarget, re.Match[str]], ...]:
        wanted = pattern_filter(tuple(target.regex for target in compiled.targets)).candidates(text)
        return tuple((target, match) for target, scan in zip(compiled.targets, wanted, strict=True) if scan
                     for match in target.regex.finditer(text))

    return memoised("targets", compiled, text, scan)


def find_targets(text: str, compiled: CompiledCodebook, anchor_text: str, nearby_issues: set[str]) -> list[TargetHit]:
    hits: list[TargetHit] = []
    for target, match in _target_matches(text, compiled):
        if target.issue_id is None:
            issues = tuple(i for i in target.issues if i in nearby_issues)
            if not issues:
                continue
        else:
            issues = (target.issue_id,)
            if target.anchored and not compiled.anchored_in(target.issue_id, anchor_text):
                continue
        hits.append(TargetHit(match.start(), match.end(), match.group(0), issues, target.orientation,
                              target.valence, target.anchored))
    # "advocates of cyber sovereignty", "critics of the model": the phrase names what others hold.
    hits = [h for h in hits if not NOMINAL_HOLDER.search(text, 0, h.start)]
    # Longest match wins where targets overlap (per issue).
    hits.sort(key=lambda h: (-(h.end - h.start), h.start))
    kept: list[TargetHit] = []
    for hit in hits:
        if any(k.start < hit.end and hit.start < k.end and set(k.issues) & set(hit.issues) for k in kept):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def find_cues(text: str, targets: list[TargetHit]) -> list[CueHit]:
    cues = memoised("cues", C, text, lambda: tuple(_cue_matches(text)))
    return _narrow_cues(text, list(cues), targets)


def _cue_matches(text: str) -> list[CueHit]:
    """Every general cue in `text`, before the targets narrow them down (memoised per document)."""
    hits: list[CueHit] = []
    cues = [*C.COMPILED_ATTITUDES, *C.COMPILED_EVENTS]
    wanted = pattern_filter(tuple(regex for regex, _spec in cues)).candidates(text)
    for (regex, spec), scan in zip(cues, wanted, strict=True):
        if scan:
            for match in regex.finditer(text):
                pre, post = spec.pre, spec.post
                if spec.copular and COPULAR_NEGATION.search(match.group(0)):
                    pre, post = REVERSED.get(pre, pre), REVERSED.get(post, post)  # "is not necessary"
                hits.append(CueHit(match.start(), match.end(), match.group(0), spec, pre, post))
    for match in NEGATION.finditer(text):
        hits.append(CueHit(match.start(), match.end(), match.group(0), C.NEGATION_CUE, "neg", None))
    for match in C.TRANSFER_FROM.finditer(text):
        if _transfer_before(text, match.start()):
            hits.append(CueHit(match.start(), match.end(), match.group(0), C.TRANSFER_SOURCE_CUE, "flip", None))
    return hits


def _narrow_cues(text: str, hits: list[CueHit], targets: list[TargetHit]) -> list[CueHit]:
    # A cue inside a target phrase is part of the target ("break encryption", "greater state control").
    hits = [h for h in hits if not any(t.start <= h.start and h.end <= t.end for t in targets)]
    # "the proposed fees": a participle after a determiner is an adjective, not somebody's position.
    hits = [h for h in hits if not (h.spec.holder and h.text.lower().endswith("ed")
                                    and PARTICIPLE_DETERMINER.search(text, 0, h.start))]
    # Longest first; attitudes beat events on equal spans; a negation inside a cue ("do not work") is the cue's.
    priority = {"+": 0, "-": 0, None: 0, "flip": 1, "keep": 2, "neg": 3}
    hits.sort(key=lambda h: (-(h.end - h.start), priority.get(h.effect_pre, 0), h.start))
    kept: list[CueHit] = []
    for hit in hits:
        if any(k.start < hit.end and hit.start < k.end for k in kept):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


TRANSFER_GAP_STOP = re.compile(r"[,;:.!?\"()]|\b(?:to|into|towards?|from|that|which|who|because|if|but)\b",
                               re.IGNORECASE)
MAX_TRANSFER_GAP = 6


def _transfer_before(text: str, at: int) -> bool:
    """ "from" at `at` names the source of a transfer: a verb or noun of transfer (`cues.TRANSFER`) governs it,
    with at most a short object between ("take over the management of the Internet from ICANN") and no
    destination, clause boundary or other preposition of direction in between."""
    window = text[max(0, at - 160) : at]
    last = None
    for match in C.TRANSFER.finditer(window):
        last = match
    if last is None:
        return False
    gap = window[last.end() :]
    return len(gap.split()) <= MAX_TRANSFER_GAP and not TRANSFER_GAP_STOP.search(gap)


COPULAR_NEGATION = re.compile(r"\b(?:not|never|no longer|hardly)\b|n't", re.IGNORECASE)
REVERSED = {"+": "-", "-": "+"}
PARTICIPLE_DETERMINER = re.compile(r"\b(?:the|a|an|this|these|that|those|its|their|his|her|our)\s+$",
                                   re.IGNORECASE)
NEGATION = re.compile(
    r"(?<![\w-])(?:cannot and (?:should|must|will|shall) not|not|no|never|nobody|no one|nothing|none|neither|nor"
    r"|without|little to no|hardly|cannot"
    r"|lack of|absence of)(?![\w-])|n't\b",
    re.IGNORECASE,
)


# Auxiliaries, negations and adverbs between a subject and its verb belong to the verb ("we will not accept").
VERB_GROUP = re.compile(
    r"\b(?:will|would|shall|should|must|can|could|may|might|do|does|did|has|have|had|is|are|was|were|not|never"
    r"|no longer|continue|continues|strongly|firmly|also|still|always|cannot)\b|n't", re.IGNORECASE)
EXHORTATION = re.compile(r"\b(?:should|must|ought to|need to|needs to)\b", re.IGNORECASE)


# --- the composition ------------------------------------------------------------------------------------------


@dataclass
class Chain:
    attitude: int | None = None
    flips: int = 1
    negations: int = 0
    cues: list[str] = field(default_factory=list)
    volition_negated: bool = False
    concern: bool = False  # the last attitude was a worry ("concerns about")
    evaluative: bool = False  # a harm or benefit that presupposes its object is worth having ("undermine X")
    volition_adjacent: bool = False  # "want to <target>": the holder would do it ("want governments to" is not)
    events: int = 0


def _chain(cues: Iterable[CueHit], clause_text_has_nor: bool) -> Chain:
    chain = Chain()
    for cue in cues:
        effect = cue.effect_pre
        if effect in ("+", "-"):
            sign = 1 if effect == "+" else -1
            if cue.spec.volition and (chain.negations % 2 == 1 or sign < 0):
                chain.volition_negated = True  # "we do not want to", "we have no intention of"
            chain.attitude = sign if chain.attitude is None else chain.attitude * sign
            chain.concern = cue.spec.concern
        elif effect == "flip":
            chain.flips *= -1
            chain.events += 1
            chain.evaluative = chain.evaluative or cue.effect_post == "-"
        elif effect == "keep":
            chain.events += 1
            chain.evaluative = chain.evaluative or cue.effect_post == "+"
        elif effect == "neg":
            chain.negations += 1
        else:
            continue
        chain.cues.append(f"{cue.text}({effect})")
    if clause_text_has_nor and chain.negations > 1:
        chain.negations = 1  # negative concord: "nor X nor Y do not work"
    return chain


def _post_attitude(cues: list[CueHit]) -> tuple[int | None, int, list[str]]:
    """An evaluation of a target that precedes it: "X is a danger", "X do not work", "X need not change"."""
    negations = 0
    modal: CueHit | None = None
    flips = 1
    for cue in cues:
        if cue.spec.source:
            continue  # "X should be taken out of the hands of Y": the source is Y, X is not harmed
        if cue.effect_pre == "neg":
            negations += 1
            if modal is None and re.search(r"\b(?:should|must)\b", cue.text):
                modal = cue  # "cannot and should not"
            continue
        if modal is not None:
            # "X must be preserved" / "X should not change": the verb after the modal decides.
            if cue.effect_pre == "flip":
                flips = -1
                break
            if cue.effect_post in ("+", "-") or cue.effect_pre == "keep":
                break
            continue
        if cue.spec.modal:
            modal = cue
            continue
        if cue.effect_post == "victim":
            return 0, negations, [f"{cue.text}(victim)"]
        if cue.effect_post in ("+", "-"):
            sign = 1 if cue.effect_post == "+" else -1
            return sign * (-1) ** negations, negations, [f"{cue.text}(post{cue.effect_post})"]
    if modal is not None:
        return flips * (-1) ** negations, negations, [f"{modal.text}(post modal{'-' if flips < 0 else '+'})"]
    return None, 0, []


def _compose(target: TargetHit, chain: Chain, post: tuple[int | None, int, list[str]]) -> tuple[int, str] | None:
    """The sign of the position on the target's issue, and the kind of evidence, or None (no stance)."""
    o = target.orientation * chain.flips
    if chain.attitude is not None:
        attitude = chain.attitude
        if chain.concern and target.valence > 0 and chain.flips == 1:
            attitude = -attitude  # "concerns about privacy": caring for privacy
        sign = attitude * (-1) ** chain.negations * o
        valence_after = target.valence * chain.flips
        if chain.volition_negated and valence_after < 0 and chain.volition_adjacent:
            return target.valence * target.orientation * -1, "disavowal"
        return sign, "attitude"
    post_sign, post_negations, _trace = post
    if post_sign == 0:  # "free speech will suffer": harm to the subject, judged by what the subject is worth
        if not target.valence:
            return None
        stance = target.valence * target.orientation
        return (-stance, "denial") if post_negations % 2 else (stance, "loaded")
    if post_sign is not None:
        return post_sign * (-1) ** chain.negations * o, "attitude"
    if target.valence == 0 and chain.evaluative and not chain.negations:
        # "would undermine end-to-end encryption", "protect national sovereignty": the verb values its object.
        return target.orientation, "loaded"
    if target.valence == 0:
        return None
    if target.valence > 0 and target.orientation < 0 and chain.flips == 1 and not (
        chain.negations % 2 and chain.events
    ):
        return None  # everyone claims to protect privacy and free expression: only harm to them shows a side
    stance = target.valence * target.orientation
    if chain.negations % 2 == 0:
        return stance, "loaded"
    event_valence = target.valence * chain.flips
    return (-stance, "denial") if event_valence < 0 else (stance, "lament")


# --- the sentence ---------------------------------------------------------------------------------------------


@dataclass
class SentenceAnalysis:
    readings: list[Reading]
    targets: list[TargetHit]
    issues: set[str]


# A passive attitude verb: an auxiliary (with negations and adverbs: "has not been", "was reportedly") before the
# participle of one of the lexicon's holder verbs ("opposed", "backed", "called for").
PASSIVE_AUXILIARY = re.compile(
    r"\b(?:(?:is|are|was|were|been|being|be|get|gets|got)(?:\s+(?:not|never|no longer|also|still|long|now|already"
    r"|\w+ly))*|(?:is|are|was|were)n't(?:\s+\w+ly)*)\s+$", re.IGNORECASE)
PARTICIPLE = re.compile(r"\w+ed\b|sought\b|fought\b", re.IGNORECASE)
BY_PHRASE = re.compile(r"\s+by\s+((?:[^,.;:]|(?<=\b[A-Z])\.|,\s*(?:and|including|such as|notably|among them)\s"
                       r"|,\s*(?=(?:the\s+)?[A-Z]))+)")  # "by Russia, China and Iran", "by the U.S."
# "backed by Brazil and opposed by China", "..., but opposed by China": a coordinated participle shares the subject.
COORDINATED_PASSIVE = re.compile(r"\b(?:and|or|but|yet|while)\s+(?:(?:not|never|also|\w+ly)\s+)*$", re.IGNORECASE)
ELLIPTIC_PASSIVE = re.compile(r"\W*(?:and|or|but|yet|while)\s+(?:(?:not|never|also|\w+ly)\s+)*", re.IGNORECASE)
# Where the agent's noun phrase ends: "opposed by Brazil at the meeting in Geneva" is Brazil's alone.
AGENT_END = re.compile(r"\s(?:at|in|during|since|because|as|when|while|after|before|last|earlier|amid|despite|who"
                       r"|which|whose|that|than|to)\b", re.IGNORECASE)


@dataclass(frozen=True)
class PassiveAgent:
    """ "X is opposed by Canada": the holder verb in the passive, and who its agent is."""

    cue: CueHit
    holder: HolderRef
    end: int  # where the agent phrase ends


def _passive_agents(
    text: str, clause: Clause, body_start: int, cues: list[CueHit], speaker: SpeakerNames,
    lexicon: ActorLexicon | None,
) -> list[PassiveAgent]:
    """Holder verbs in the passive with a `by` agent who can hold a position, in clause order.

    The agent is somebody (a named actor, "us", "critics", "many governments"): "supported by evidence" or
    "backed by fees" are no agents. A participle after a comma is passive too: "the proposal, backed by Cuba, ...".
    """
    agents: list[PassiveAgent] = []
    for cue in cues:
        if not (clause.start <= cue.start < clause.end) or not cue.spec.holder or not PARTICIPLE.match(cue.text):
            continue
        by = BY_PHRASE.match(text, cue.end, clause.end)
        if not by:
            continue
        if not (PASSIVE_AUXILIARY.search(text, body_start, cue.start) or re.search(r",\s*$", text[: cue.start])
                or ELLIPTIC_PASSIVE.fullmatch(text, clause.start, cue.start)
                or agents and COORDINATED_PASSIVE.search(text, agents[-1].end, cue.start)):
            continue
        end = by.end(1)
        # The agent ends before another verb of position ("supported by Russia and opposed by ...") or an adjunct.
        end = min([c.start for c in cues if by.start(1) < c.start < end] + [end])
        stop = AGENT_END.search(text, by.start(1), end)
        end = stop.start() if stop else end
        phrase = re.sub(r"(?:\s*,)?(?:\s+(?:and|or|but|yet|while))?\s*$", "", text[by.start(1) : end])
        end = by.start(1) + len(phrase)
        holder = resolve_holder(phrase, speaker, lexicon)
        if holder.kind == "nonagent":
            continue
        agents.append(PassiveAgent(cue, holder, end))
    return agents


def _clause_holder(
    text: str, clause: Clause, cues: list[CueHit], targets: list[TargetHit], default: HolderRef,
    speaker: SpeakerNames, lexicon: ActorLexicon | None,
) -> tuple[HolderRef, int, CueHit | None, list[PassiveAgent]]:
    """The clause's holder, where its own subject begins to count, the holder verb, and its passive agents (the
    holder's and any coordinated after it: "supported by Russia and opposed by the United States").

    A passive with an agent ("calls for X were rejected by the United Kingdom") names the holder, unless an earlier
    holder verb has an agentive subject of its own ("we oppose proposals that are backed by Russia").
    """
    body_start = clause.start
    lead = re.match(r"\W*(?:(?:and|but|however|yet|because|so|which|who|while|although|though|when|then|that)\b)?\W*",
                    text[clause.start : clause.end], re.IGNORECASE)
    if lead:
        body_start += lead.end()
    agents = _passive_agents(text, clause, body_start, cues, speaker, lexicon)
    fallback: tuple[HolderRef, int, CueHit | None, list[PassiveAgent]] | None = None
    for cue in cues:
        if not (clause.start <= cue.start < clause.end) or not cue.spec.holder:
            continue
        if agents and agents[0].cue is cue:
            return agents[0].holder, cue.start, cue, agents
        if fallback is not None:
            continue
        subject = text[body_start : cue.start]
        exhortation = EXHORTATION.search(subject)
        if exhortation and default.kind in ("speaker", "nonagent"):
            return default, body_start + exhortation.start(), cue, []  # "Congress should reject X": a prescription
        if any(body_start <= t.start < cue.start for t in targets):
            fallback = default, clause.start, None, []  # "the model would favour big business": not an attitude
        elif not subject.strip() or re.fullmatch(r"\W*(?:to|and to|also|not|to not)\W*", subject.strip()):
            fallback = default, clause.start, cue, []  # "calls for X" (a noun phrase: a passive may follow)
        else:
            holder = resolve_holder(re.sub(r"\b(?:will|would|shall|should|must|can|could|may|might|do|does|did|has"
                                           r"|have|had|is|are|was|were|continue to|continues to|not|also|even|still"
                                           r"|strongly|firmly|vigorously|always|never)\b", " ", subject),
                                    speaker, lexicon)
            if holder.kind == "nonagent":
                fallback = default, clause.start, None, []
            else:
                verb_group = VERB_GROUP.search(subject)
                return holder, body_start + verb_group.start() if verb_group else cue.start, cue, []
    return fallback or (default, clause.start, None, [])


def analyse_sentence(
    sentence: Sentence,
    codebook: Codebook,
    speaker: SpeakerNames,
    lexicon: ActorLexicon | None,
    context: Context,
    anchor_text: str,
    nearby_issues: set[str],
) -> SentenceAnalysis:
    text = normalise(sentence.text)
    compiled = codebook.compiled()
    parties = parties_of(compiled.parties)
    targets = find_targets(text, compiled, anchor_text, nearby_issues)
    frame = find_speech_frame(text, speaker, lexicon)
    if frame is not None:
        targets = [t for t in targets if not (frame.np_start <= t.start < frame.np_end)]
    issues = {i for t in targets for i in t.issues}
    cues = find_cues(text, targets)
    if frame is not None:
        cues = [c for c in cues if not (frame.np_start <= c.start < frame.np_end)]
        default = frame.holder
        if default.kind == "pronoun":
            default = context.last_holder or SPEAKER
    else:
        default = SPEAKER
    question = question_mode(text)
    clauses = split_clauses(text)
    frame_clause = None
    if frame is not None:
        frame_clause = next((c for c in clauses if c.start <= frame.np_start < c.end), None)
        if frame_clause is not None and not CONCESSIVE_START.match(text, frame_clause.start, frame_clause.end):
            frame_clause = None  # the frame covers the whole sentence
    hedged_sentence = bool(C.HEDGES.search(text))
    readings: list[Reading] = []
    previous_targets = list(context.last_targets)
    same_sentence = False
    previous_holder: HolderRef | None = None
    pending_antecedent: list[TargetHit] = []
    for index, clause in enumerate(clauses):
        body = text[clause.start : clause.end]
        c_targets = [t for t in targets if clause.start <= t.start < clause.end]
        c_cues = [c for c in cues if clause.start <= c.start < clause.end]
        if clause.kind == "whether":
            continue
        if clause.kind == "antecedent":
            pending_antecedent = c_targets
            continue
        clause_default = default
        if frame_clause is not None and clause is not frame_clause:
            clause_default = SPEAKER  # "Although the government says X, Y": Y is the speaker's
        if previous_holder is not None and RELATIVE_START.match(body):
            tail = text[clauses[index - 1].start : clauses[index - 1].end][-60:]
            if previous_holder.kind in ("actors", "unknown") and previous_holder.text and \
                    previous_holder.text[-20:] in tail:
                clause_default = previous_holder  # "..., opposed by the United States, which favours ..."
            elif lexicon is not None and (mentions := lexicon.find(tail)) and \
                    tail.rstrip(" ,").endswith(mentions[-1].text):
                clause_default = HolderRef("actors", mentions[-1].text, (mentions[-1].key,))
        holder, scope_start, holder_cue, agents = _clause_holder(
            text, clause, c_cues, c_targets, clause_default, speaker, lexicon)
        passive = bool(agents)
        if holder.kind == "pronoun":
            holder = context.last_holder or default
        has_nor = bool(re.search(r"\b(?:nor|neither)\b", body, re.IGNORECASE))
        hedge = HEDGE_FACTOR if (C.HEDGES.search(body) or hedged_sentence and clause.kind != "main") else 1.0
        produced = False
        heads = _heads(text, c_targets)
        moved = _moved(text, heads, c_cues) | _left(text, heads, parties)
        disavowed_end: int | None = None
        for target in heads:
            if target.start in moved:
                continue
            by_agents = [a for a in agents if target.end <= a.cue.start]  # "X is opposed by Canada"
            if by_agents:
                pre = [c for c in c_cues if c.start < target.start]
                post_cues = []
            else:
                pre = [c for c in c_cues if scope_start <= c.start < target.start] if holder_cue and \
                    holder_cue.start < target.start else [c for c in c_cues if c.start < target.start]
                nxt = min([t.start for t in heads if t.start > target.end] + [_post_limit(text, target.end,
                                                                                           clause.end)])
                post_cues = [c for c in c_cues if target.end <= c.start < nxt]
            pre = _reset_at_coordination(text, pre)
            pre = [c for c in pre if not (c.effect_pre == "flip" or c.spec.local) or _flip_reaches(
                text, c, target, c_targets, parties, c_cues,
                lists=any(a.effect_pre in ("+", "-") for a in pre if a.end <= c.start))]
            pre = _within_reach(text, pre, target)
            if holder_cue is not None and not by_agents:
                reason = _as_reason(text, holder_cue, target, pre)
                if reason is None:
                    continue
                pre = reason
            chain = _chain(pre, has_nor)
            volitions = [c for c in pre if c.spec.volition]
            chain.volition_adjacent = bool(volitions) and bool(
                re.fullmatch(r"\s*(?:to\s+|of\s+)?(?:(?:a|an|the|any)\s+)?", text[volitions[-1].end : target.start])
                or disavowed_end is not None and COORDINATED.fullmatch(text, disavowed_end, target.start))
            post: tuple[int | None, int, list[str]] = (None, 0, [])
            outcomes: list[tuple[HolderRef, Chain, tuple[int, str] | None]] = []
            if by_agents:
                start = target.end
                for agent in by_agents:
                    agent_chain = _by_agent(chain, text, start, agent.cue, c_cues)
                    agent_holder = agent.holder
                    if agent_holder.kind == "pronoun":
                        agent_holder = context.last_holder or default
                    outcomes.append((agent_holder, agent_chain, _compose(target, agent_chain, post)))
                    start = agent.end
            else:
                if chain.attitude is None and chain.negations % 2 and any(
                    c.spec.modal for c in c_cues if c.start < target.start
                ):
                    chain.attitude = 1  # "we should ... not push X": a normative negation, not a denial
                    chain.cues.append("(normative)")
                _apply_outcome(text, target.end, clause.end, chain)
                # A judgement after the target is about it when it is the subject (no target before it in the
                # clause).
                is_subject = not any(t.end <= target.start and "," not in text[t.end : target.start]
                                     for t in heads if t is not target) and not OF_COMPLEMENT.search(
                                         text, 0, target.start)
                governed = chain.flips != 1 or any(c.effect_pre == "flip" for c in pre)
                if chain.attitude is None and is_subject and not governed:
                    post = _post_attitude(post_cues[:4])
                result = _compose(target, chain, post)
                if result is None and not chain.negations and holder_cue is None:
                    own = _own_action(text, clause, target, speaker, lexicon)
                    if own is not None:
                        outcomes.append((own, chain, (target.orientation, "agent")))
                else:
                    outcomes.append((holder, chain, result))
            for reader, reader_chain, result in outcomes:
                if result is None:
                    continue
                sign, kind = result
                disavowed_end = target.end if kind == "disavowal" else None
                if question == "drop":
                    continue
                if question == "flip" and kind != "loaded":
                    sign = -sign  # loaded words keep their side even in a rhetorical question
                trace = " ".join(reader_chain.cues + post[2] + [f"[{target.text}]"])
                confidence = BASE_CONFIDENCE[kind] * hedge
                for issue in target.issues:
                    readings.extend(_attribute(issue, sign, confidence, reader, kind, trace, index,
                                               clause, target, narrated=frame is None))
                produced = True
        if clause.kind == "main" and pending_antecedent:
            readings.extend(_conditional(text, clause, index, c_cues, holder, pending_antecedent, hedge, question))
            pending_antecedent = []
        if not produced and not c_targets:
            readings.extend(_inherited(text, clause, index, c_cues, holder, holder_cue, passive, previous_targets,
                                       same_sentence, has_nor, hedge, question))
        if c_targets:
            previous_targets = [(i, t.orientation, t.valence) for t in c_targets for i in t.issues]
            same_sentence = True
        previous_holder = holder
        pending_antecedent = [] if clause.kind == "main" else pending_antecedent
        if holder.kind == "actors" or (holder.kind == "speaker" and frame is not None):
            context.last_holder = holder
    if frame is not None and frame.holder.kind != "pronoun":
        context.last_holder = frame.holder
    context.last_targets = [(i, t.orientation, t.valence) for t in targets for i in t.issues]
    return SentenceAnalysis(_resolve_contrast(readings), targets, issues)


COORDINATED = re.compile(r"\s*,?\s*(?:or|and|nor)\s+(?:[\w'-]+\s+){0,2}", re.IGNORECASE)
POST_STOP = re.compile(r"\b(?:in case|if|unless|when|because|since|while|whereas|that|which|who)\b|[;:(]"
                       r"|,(?!\s+without\b)",
                       re.IGNORECASE)
POST_WORDS = 10


def _post_limit(text: str, start: int, end: int) -> int:
    """A judgement after a target is about it only in the same short stretch: "X ... is a danger"."""
    stop = POST_STOP.search(text, start, end)
    limit = stop.start() if stop else end
    words = list(re.finditer(r"\S+", text[start:limit]))
    if len(words) > POST_WORDS:
        limit = start + words[POST_WORDS].start()
    return limit


OF_COMPLEMENT = re.compile(r"\bof\s+(?:the\s+|this\s+|that\s+)?$", re.IGNORECASE)
COPULA = re.compile(r"\s+(?:is|are|was|were|remains?)\s+(?:also\s+|simply\s+|just\s+)?", re.IGNORECASE)
COORDINATED_ADJECTIVES = re.compile(r"\s*(?:,|,?\s*and|,?\s*or)?\s*")
PP_MODIFIER = re.compile(r"\s+(?:(?:in|of|on|for|into|to|against|over)\s+(?:the\s+|all\s+|any\s+)?"
                         r"|(?:that|which|who)\s+(?:[\w-]+\s+){1,2}(?:the\s+|all\s+|any\s+)?)", re.IGNORECASE)

POSSESSIVE = re.compile(r"'s?\s+", re.IGNORECASE)
PP_COMPLEMENT_END = re.compile(r"\s(?:in|of|on|for|to|over)\s+(?:the\s+|its\s+|their\s+)?[\w-]+$", re.IGNORECASE)


def _heads(text: str, targets: list[TargetHit]) -> list[TargetHit]:
    """Drop targets that only modify the one before ("backdoors in encryption" is about backdoors).

    The head nearest the verb is what the verb is about; a target in its complement only says what the head acts
    on: "intergovernmental control over technical coordination", and with the complement's possessor already in
    the head, "state control over the Internet's technical coordination".
    """
    heads: list[TargetHit] = []
    for target in targets:
        if heads and (PP_MODIFIER.fullmatch(text, heads[-1].end, target.start) or (
                POSSESSIVE.fullmatch(text, heads[-1].end, target.start)
                and PP_COMPLEMENT_END.search(text, heads[-1].start, heads[-1].end))):
            heads[-1] = dataclasses.replace(heads[-1], end=target.end)  # judgements after the whole phrase
            continue
        last = heads[-1] if heads else None
        if last and COPULA.fullmatch(text, last.end, target.start) and last.issues == target.issues and \
                last.orientation == target.orientation:
            heads[-1] = dataclasses.replace(last, end=target.end)
            continue  # "the tax on calls is a tax on the poor": the predicate restates the subject
        if last and COORDINATED_ADJECTIVES.fullmatch(text, last.end, target.start) and \
                last.issues == target.issues and last.orientation == target.orientation:
            heads[-1] = dataclasses.replace(last, end=target.end, text=text[last.start : target.end],
                                            valence=last.valence or target.valence)
            continue  # "the bottom-up, multistakeholder approach": one phrase
        heads.append(target)
    return heads


# "as" introducing what the holder takes its object to be: "rejected the proposal as interference in ...". Not
# a comparison, a conjunction ("as we said") or a fixed phrase ("as well as", "such as", "as part of").
AS_COMPLEMENT = re.compile(
    r"(?<![\w-])(?<!such )(?<!well )(?<!same )(?<!just )(?<!so )as\s+(?!(?:well|such|long|soon|far|much|many|of|to"
    r"|for|regards|part|a result|opposed|if|though|usual|follows|we|i|you|they|he|she|it)\b"
    r"|(?:\w+ed|set|laid|written|drawn) (?:up |out |down )?(?:by|in|under|at|above|below|earlier|before)\b)",
    re.IGNORECASE)  # "as set out in ...", "as proposed by ...": a reduced clause
FINITE = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|do|does|did|can|could|shall|should|must|may"
                    r"|might)\b|n't", re.IGNORECASE)
REASON_RELATION = re.compile(r"\b(?:in|on|with|to|into|upon|against|of|from|by|over|about|at|under|within|between"
                             r"|than)\b", re.IGNORECASE)
PURPOSE_TO = re.compile(r"\b(?:attempts?|efforts?|bids?|moves?|plans?|plots?|ploys?|schemes?|push|drive|campaign"
                        r"|ways?|means|tools?|excuses?|pretexts?|steps?|ambitions?|designs?)\s+to\s+$", re.IGNORECASE)


def _as_reason(text: str, verb: CueHit, target: TargetHit, pre: list[CueHit]) -> list[CueHit] | None:
    """The cues that judge a target in an "as" complement after the holder's verb, or None: no stance from it.

    "The plan was denounced by Iran as interference in its cyber sovereignty": the complement is not what is
    denounced but what the holder takes it to be, and the attitude carries to what it says only where the coder
    can read how it relates to the target: the target heads it ("welcomed the forum as a multistakeholder body"), a
    harm or benefit links them ("rejected it as an attack on the multistakeholder model" values the model; "as
    interference in its cyber sovereignty" values sovereignty), or a purpose ("as a space for free speech", "as an
    attempt to take control of ..."). A judgement of its own in the complement is the judgement ("rejected it as
    a pretext for mass surveillance": against surveillance, not the verb's attitude times the complement's).
    Another relation ("as a matter of national sovereignty", "as a model of ...") is left uncoded.
    """
    complement = None
    for match in AS_COMPLEMENT.finditer(text, verb.end, target.start):
        complement = match
    if complement is None:
        return pre
    between = text[complement.end() : target.start]
    if FINITE.search(between):
        return pre  # "as the ITU has said ...": a clause of its own, not a complement
    own = [c for c in pre if complement.end() <= c.start]
    if any(c.effect_pre in ("+", "-") for c in own):
        return own
    if any(c.effect_pre in ("flip", "keep") for c in own):
        return pre
    if PURPOSE_TO.search(between):
        return pre
    return None if REASON_RELATION.search(between) else pre


# What a transfer moves ends at its source, after at most two more words of its own ("the domain name system",
# "the IANA functions over"): not past a destination, a conjunction or a relative.
MOVED_GAP = re.compile(r"\s+(?:(?!(?:to|into|towards?|and|or|but|by|with|that|which|who)\b)[\w'-]+\s+){0,2}",
                       re.IGNORECASE)


def _moved(text: str, heads: list[TargetHit], cues: list[CueHit]) -> set[int]:
    """Where the targets that are what a transfer moves begin: "control of the Internet" in "transfer control of
    the Internet from ICANN to the ITU" shows no side by itself; where it moves from and to does. A loaded phrase
    keeps its side ("take control of the Internet away from ...")."""
    sources = [c for c in cues if c.spec.source]
    return {t.start for t in heads if not t.valence and any(MOVED_GAP.fullmatch(text, t.end, c.start)
                                                           for c in sources)}


def _left(text: str, heads: list[TargetHit], parties: Parties) -> set[int]:
    """Where the targets that a party is removed from begin: "remove governments from the multistakeholder process"
    is about governments' place (a codebook target when it names one), not for or against the process."""
    return {t.start for t in heads
            if not t.valence and parties.place_left.search(text, max(0, t.start - 160), t.start)}


def _reset_at_coordination(text: str, pre: list[CueHit]) -> list[CueHit]:
    """ "We oppose backdoors and support encryption": a new attitude verb after "and" starts a new chain."""
    start = 0
    for i, cue in enumerate(pre):
        if i and cue.effect_pre in ("+", "-") and cue.spec.holder:
            gap = text[pre[i - 1].end : cue.start]
            if re.search(r"(?:\band|\bor|,)\s*(?:to\s+|will\s+|we\s+|also\s+|continue to\s+)*$", gap):
                start = i
    return pre[start:]


NEW_FINITE_CLAUSE = re.compile(
    r"\b(?:either|or|we|i|they|he|she|you)\s+(?:\w+ly\s+)?(?:can|could|will|would|may|might|must|should|do|did"
    r"|have|has|are|is|was|were|am)\b", re.IGNORECASE)
MAX_REACH_WORDS = 15


def _within_reach(text: str, pre: list[CueHit], target: TargetHit) -> list[CueHit]:
    """An attitude reaches a target in its own verb phrase: not one beyond a new subject and verb, nor far away."""
    kept = []
    for cue in pre:
        if cue.effect_pre in ("+", "-") and not cue.spec.holder or cue.effect_pre == "neg":
            between = text[cue.end : target.start]
            if NEW_FINITE_CLAUSE.search(between) or len(between.split()) > MAX_REACH_WORDS:
                continue
            if cue.spec.adjective and len(between.split()) > 2:
                continue  # "authoritarian governments ... censor": the adjective is about the governments
        kept.append(cue)
    return kept


OWN_ACTION = re.compile(
    r"^\W*(?P<np>[^,;:\"]{1,60}?)\s+(?:\w+ly\s+)?(?:will|shall|is going to|are going to|must|has|have|had|can|is|are"
    r"|continues to|continue to)(?:\s+\w+ly)?(?:\s+(?:continue|continues|be able) to)?\s+$", re.IGNORECASE)


def _by_agent(chain: Chain, text: str, start: int, verb: CueHit, cues: list[CueHit]) -> Chain:
    """ "Calls for X were not backed by Y": the agent's attitude on what the subject proposes, with the negations
    of its verb group ("is not supported by"). An attitude inside the subject says what it proposes ("calls for X"
    is X, "opposition to X" is against X)."""
    negations = [c for c in cues if c.effect_pre == "neg" and start <= c.start < verb.start]
    sign = 1 if verb.effect_pre == "+" else -1
    return dataclasses.replace(
        chain, attitude=sign if chain.attitude is None else chain.attitude * sign,
        negations=chain.negations + len(negations),
        cues=chain.cues + [f"{c.text}(neg)" for c in negations] + [f"<{verb.text} by>"])


def _own_action(
    text: str, clause: Clause, target: TargetHit, speaker: SpeakerNames, lexicon: ActorLexicon | None
) -> HolderRef | None:
    """ "China will continue to crack down on illegal content": a named actor doing the thing supports it."""
    match = OWN_ACTION.match(text, clause.start, target.start)
    if not match:
        return None
    holder = resolve_holder(match.group("np"), speaker, lexicon)
    return holder if holder.kind in ("speaker", "actors") else None


def _apply_outcome(text: str, start: int, end: int, chain: Chain) -> None:
    """ "We were pleased that this attempt did not succeed": the outcome of the proposal joins the chain."""
    if chain.attitude is None:
        return
    match = C.OUTCOME.match(text, start, end)
    if not match:
        return
    sign = 1 if match.group("good") else -1
    if re.search(r"\b(?:not|never)\b|n't", match.group(0), re.IGNORECASE):
        sign = -sign
        chain.negations -= 0  # the negation is part of the outcome, counted here
    chain.flips *= sign
    chain.cues.append(f"<{match.group(0).strip()}>")


def _flip_reaches(
    text: str, cue: CueHit, target: TargetHit, targets: list[TargetHit], parties: Parties,
    cues: Iterable[CueHit] = (),
    *, lists: bool = False,
) -> bool:
    """A harm or removal (or a local attitude: "free from", "refrain from") acts on its own object: not past a
    comma, a coordination or another target.

    Under a holder's attitude (`lists`), its object may be a list: "we back monitoring to counter terrorism, fraud
    and harmful content", "we oppose restrictions on free speech and privacy". The stretch between is a list when
    it is short items joined by commas and "and"/"or" ("such as", "including"), with no verb of its own: no cue
    ("... free from X and to preserve Y" starts a new verb phrase), auxiliary, pronoun or relative. A bare harm
    ("the tax is an attack on the poor and on ...") judges only its nearest object.
    """
    inner = [t for t in targets if t is not target and cue.end <= t.start and t.end <= target.start]
    between = text[cue.end : target.start]
    if cue.spec.source and DESTINATION.search(between):
        return False  # "away from X to Y": Y is where it goes, with its own polarity
    if not cue.spec.source and EXPULSION.fullmatch(cue.text) and parties.from_.match(between):
        return False  # "remove governments from the process": the party loses its place, the process nothing
    if ALTERNATIVE.fullmatch(cue.text):
        between = ALTERNATIVE_PREPOSITION.sub("", between)  # "managed by governments instead of by ICANN"
    if not inner and not re.search(r"[,;]|\b(?:and|or|with|by)\b", between) and len(between.split()) <= 6:
        return True
    if not lists or any(cue.end <= c.start < target.start for c in cues if c is not cue):
        return False
    for t in sorted(inner, key=lambda t: t.start, reverse=True):  # each listed target is one item
        offset = t.start - cue.end
        between = between[:offset] + "X" + between[offset + t.end - t.start :]
    items = LIST_SEPARATOR.split(between)
    return (len(items) > 1 and len(between.split()) <= MAX_LIST_WORDS
            and all(len(item.split()) <= MAX_ITEM_WORDS and not NOT_A_LIST_ITEM.search(item) for item in items))


ALTERNATIVE = re.compile(r"instead of|rather than", re.IGNORECASE)
# Removing a party from where it takes part: the flip acts on the party, not on the body or process it leaves.
EXPULSION = re.compile(r"(?:remov|exclud|expel|eject|oust|sidelin|bar|ban|kick|shut|push|lock|keep|kept)\w*(?: out)?",
                       re.IGNORECASE)
# General words for the parties that take part in a process; the codebook adds the domain's bodies by name
# (`parties`: "ICANN", "the ITU").
PARTY_NOUNS = (r"countr(?:y|ies)|states?|governments?|nations?|nation-states|delegations?|members?|authorities"
               r"|regulators?|companies|firms?|corporations|businesses|operators?|industry|stakeholders?|users|society"
               r"|sector|community|communities|actors?|players?|experts?|engineers|organi[sz]ations?|bodies")


@dataclass(frozen=True)
class Parties:
    """Where a party is removed from a place: "remove governments from X" (`from_`, after the removal verb) and the
    place it leaves ("remove governments from X", "governments should be kept out of X": `place_left`)."""

    from_: re.Pattern[str]
    place_left: re.Pattern[str]


@functools.lru_cache(maxsize=8)
def parties_of(names: tuple[str, ...]) -> Parties:
    party = "(?:" + "|".join((PARTY_NOUNS, *names)) + ")"
    party_from = rf"\s*(?:[\w'-]+\s+){{0,3}}?{party}(?:\s+out)?\s+(?:from|out of)\s"
    place_left = re.compile(
        rf"(?:(?<![\w-])(?:{EXPULSION.pattern}){party_from}|(?<![\w-]){party}\s+(?:[\w'-]+\s+){{0,4}}?"
        r"(?:excluded|removed|expelled|ejected|ousted|sidelined|barred|banned|kicked|shut|pushed|locked|kept)"
        r"(?:\s+out)?\s+(?:from|out of|in)\s)\s*(?:[\w'-]+\s+){0,2}$", re.IGNORECASE)
    return Parties(re.compile(party_from, re.IGNORECASE), place_left)


ALTERNATIVE_PREPOSITION = re.compile(r"^\s*(?:by|with|through|via|under)\s+", re.IGNORECASE)
DESTINATION = re.compile(r"\b(?:to|into|towards?|onto|in favou?r of)\b", re.IGNORECASE)
LIST_SEPARATOR = re.compile(r"\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or|as well as|such as|including|in particular"
                            r"|notably|especially)\s+", re.IGNORECASE)
NOT_A_LIST_ITEM = re.compile(r"[;:()\"]|\b(?:is|are|was|were|be|been|being|will|would|shall|should|must|can|could"
                             r"|may|might|do|does|did|has|have|had|we|i|they|he|she|it|you|which|that|who|whose"
                             r"|whom|when|where|while|if|not|no|never|by|with|but)\b|n't", re.IGNORECASE)
MAX_LIST_WORDS = 14
MAX_ITEM_WORDS = 4


def _attribute(
    issue: str, sign: int, confidence: float, holder: HolderRef, kind: str, trace: str, index: int,
    clause: Clause, target: TargetHit, *, narrated: bool,
) -> list[Reading]:
    """The reading for its holder, and the writer's own side where the writer's words betray it."""
    out: list[Reading] = []
    if holder.kind in ("speaker", "nonagent", "actors"):
        factor = THIRD_PARTY_FACTOR if holder.kind == "actors" else 1.0
        out.append(Reading(issue, sign, round(confidence * factor, 3), holder, kind, trace, index,
                           clause.after_contrast, clause.conceded, target.start))
    if holder.kind in ("actors", "unknown") and target.valence and kind == "attitude" and narrated:
        # Loaded words the holder would not use for its own cause are the writer's framing:
        # "some states tabled proposals that would mean the end of the open Internet". Not inside reported speech,
        # where the loaded words are the speaker's own.
        framed = target.valence * target.orientation
        if framed != sign:
            out.append(Reading(issue, framed, BASE_CONFIDENCE["framing"], SPEAKER, "framing", trace, index,
                               clause.after_contrast, clause.conceded, target.start))
    return out


def _inherited(
    text: str, clause: Clause, index: int, cues: list[CueHit], holder: HolderRef, holder_cue: CueHit | None,
    passive: bool, previous: list[tuple[str, int, int]], same_sentence: bool,
    has_nor: bool, hedge: float, question: str,
) -> list[Reading]:
    """A judgement with no target of its own applies to what it refers back to ("we reject these proposals")."""
    if question == "drop":
        return []
    anaphor = C.ANAPHOR.search(text, clause.start, clause.end)
    if anaphor is not None and BARE_PRONOUN.fullmatch(anaphor.group(0)) and not same_sentence:
        # "it", "they" refer back to a proposal only when a verb of position governs them ("reject it",
        # "they are opposed by"); otherwise they usually mean something else.
        governed = passive and anaphor.start() - clause.start < 12 or any(
            c.spec.holder and 0 <= anaphor.start() - c.end <= 12 for c in cues)
        if not governed:
            anaphor = None
    if anaphor is None:
        chain = _chain(cues, has_nor)
        post_cues = cues
    else:
        chain = _chain([c for c in cues if c.start < anaphor.end()], has_nor)
        post_cues = [c for c in cues if c.start >= anaphor.end()]
    elliptic = passive and holder_cue is not None and anaphor is None and same_sentence and bool(
        ELLIPTIC_PASSIVE.fullmatch(text, clause.start, holder_cue.start))  # "X is backed by A, but opposed by B"
    if elliptic and holder_cue is not None:
        chain = _by_agent(Chain(), text, clause.start, holder_cue, cues)
    elif passive and holder_cue is not None and anaphor is not None and anaphor.end() <= holder_cue.start:
        chain = _by_agent(chain, text, anaphor.end(), holder_cue, cues)  # "they are (not) opposed by X"
    elif anaphor is not None and chain.attitude is not None:
        _apply_outcome(text, anaphor.end(), clause.end, chain)
    if chain.attitude is None:
        post, _n, trace = _post_attitude(post_cues)
        if post is None:
            return []
        chain.attitude, chain.cues = post, trace
    readings: list[Reading] = []
    flip = -1 if question == "flip" else 1
    if not previous or anaphor is None and not elliptic:
        return []
    at = anaphor.start() if anaphor is not None else holder_cue.start if holder_cue is not None else clause.start
    if holder.kind not in ("speaker", "nonagent", "actors"):
        return []
    seen: set[str] = set()
    for issue, orientation, _valence in reversed(previous):  # the nearest proposal first
        if issue in seen:
            continue
        seen.add(issue)
        sign = chain.attitude * chain.flips * (-1) ** chain.negations * orientation * flip
        readings.append(Reading(issue, sign, BASE_CONFIDENCE["anaphora"] * hedge, holder, "anaphora",
                                " ".join(chain.cues) + " <refers back>", index, clause.after_contrast,
                                clause.conceded, at))
    return readings


BARE_PRONOUN = re.compile(r"(?:it|they|them|this|these)", re.IGNORECASE)


def _conditional(
    text: str, clause: Clause, index: int, cues: list[CueHit], holder: HolderRef, antecedent: list[TargetHit],
    hedge: float, question: str,
) -> list[Reading]:
    """ "If governments take control, innovation will suffer": the condition takes the consequence's judgement."""
    if question == "drop" or holder.kind not in ("speaker", "nonagent", "actors"):
        return []
    valuation: int | None = None
    negations = 0
    for cue in cues:
        if cue.effect_pre == "neg":
            negations += 1
        elif cue.effect_post == "victim":
            valuation = -1
        elif cue.effect_pre in ("+", "-") or cue.effect_post in ("+", "-"):
            effect = cue.effect_pre if cue.effect_pre in ("+", "-") else cue.effect_post
            valuation = 1 if effect == "+" else -1
        else:
            continue
        break
    if valuation is None:
        return []
    valuation *= (-1) ** negations * (-1 if question == "flip" else 1)
    readings = []
    for target in antecedent:
        for issue in target.issues:
            readings.append(Reading(issue, valuation * target.orientation, BASE_CONFIDENCE["conditional"] * hedge,
                                    holder, "conditional", f"if [{target.text}] then ({valuation:+d})", index,
                                    clause.after_contrast, clause.conceded, target.start))
    return readings


def _resolve_contrast(readings: list[Reading]) -> list[Reading]:
    """After "but", the later clause's position wins over the conceded one for the same holder and issue."""
    later = {(r.holder.keys or (r.holder.kind,), r.issue_id) for r in readings if r.after_contrast}
    return [r for r in readings if not (r.conceded and (r.holder.keys or (r.holder.kind,), r.issue_id) in later)]
