"""Whose voice a sentence is: the attribution step every coder's stances go through.

A coder reads positions; it marks the text's own voice as the holder "speaker". But a news report is full of
other voices: a quote in its own sentence or paragraph belongs to the speaker named in the sentence that
introduces it ("The minister was blunt on Tuesday:" / "Ms Ortiz told reporters:") or that follows it ("That was
the verdict of ..."), and a sentence with a speech frame of its own (", he added") to the person it points at.
Such stances go to that speaker when the lexicon or the speaker's own names recognise them, and to nobody when the
voice is a person the tracker cannot name (so an outlet or a publisher never holds what it only reports).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from tracker.coding.attribution import ActorLexicon, HolderRef, SpeakerNames, resolve_holder
from tracker.coding.coder import SPEAKER_KEY, CodedStance
from tracker.coding.cues import SPEECH_VERBS
from tracker.coding.sentences import Sentence, split_sentences

# Quotation marks of the languages the tracker reads, opening -> closing.
QUOTE_PAIRS = {'"': '"', "“": "”", "„": "“", "«": "»", "「": "」", "『": "』", "‘": "’"}
_QUOTED = re.compile("|".join(
    rf"{re.escape(o)}[^{re.escape(o)}{re.escape(c)}]{{12,}}?{re.escape(c)}" for o, c in QUOTE_PAIRS.items()
))
# "... told reporters:" / "... put it bluntly:" / "She said:": an introduction before a colon or at the end.
_SPEECH = rf"(?:{SPEECH_VERBS}|put it|was blunt|were blunt|spoke|speaking|wrote|in a statement|in a post)"
_FRAME_BEFORE = re.compile(rf"^(?P<who>.{{2,120}}?)\s+(?:\w+\s+){{0,3}}?(?:{_SPEECH})\b[^.!?\"“”«»]{{0,80}}[:,.]?\s*$",
                           re.IGNORECASE)
_FRAME_INLINE = re.compile(rf"[,”\"»]\s*(?P<who>[^,.;:\"“”]{{2,80}}?)\s+(?:{SPEECH_VERBS})\b"
                           rf"|[,”\"»]\s*(?:{SPEECH_VERBS})\s+(?P<who2>[^,.;:\"“”]{{2,80}})", re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording to (?P<who>[^,.;:]{2,80})", re.IGNORECASE)
_FOLLOWING = re.compile(r"^(?:that|this|so|such)\s+(?:was|is)\s+(?:the\s+)?(?:view|verdict|word|message|argument|"
                        r"position|line)\s+of\s+(?P<who>.{2,80}?)[.!]?$", re.IGNORECASE)


def _quoted_share(sentence: Sentence, text: str) -> float:
    """How much of a sentence lies inside quotation marks (0-1)."""
    inside = 0
    for match in _QUOTED.finditer(text, max(0, sentence.start - 2000), min(len(text), sentence.end + 2000)):
        inside += max(0, min(match.end(), sentence.end) - max(match.start(), sentence.start))
    return inside / max(1, sentence.end - sentence.start)


def _who(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    return next((g for g in (match.groupdict().get("who"), match.groupdict().get("who2")) if g), None)


def _unquoted(text: str) -> str:
    return _QUOTED.sub(" ", text).strip()


def _frame_of(sentence: Sentence, text: str, quoted: bool) -> str | None:
    """The holder phrase a sentence's own speech frame names, if any."""
    outside = _unquoted(sentence.text) if quoted else sentence.text
    who = _who(_FRAME_INLINE.search(sentence.text)) or _who(_ACCORDING.search(outside))
    if who is None and quoted and outside:
        who = _who(_FRAME_BEFORE.match(outside)) or _who(re.match(rf"^(?P<who>.{{2,80}}?)\s+(?:{SPEECH_VERBS})\b",
                                                                     outside, re.IGNORECASE))
    return who


def _introduction(previous: Sentence | None) -> str | None:
    """A lead-in that names whoever the next sentence quotes: 'The minister told reporters:'."""
    if previous is None:
        return None
    body = previous.text.strip()
    if body.endswith(":"):
        match = _FRAME_BEFORE.match(body) or re.match(r"^(?P<who>.{2,120}?)\s+\w+", body)
        return _who(match)
    return None


def _voice(phrase: str, speaker: SpeakerNames, lexicon: ActorLexicon | None,
           last_named: HolderRef | None) -> HolderRef:
    holder = resolve_holder(phrase, speaker, lexicon)
    if holder.kind == "pronoun" and last_named is not None:
        return last_named
    return holder


def sentence_voices(text: str, speaker: SpeakerNames, lexicon: ActorLexicon | None) -> dict[int, HolderRef]:
    """Sentence start offset -> the voice of each sentence that quotes or reports someone (others are the text's)."""
    sentences = split_sentences(text)
    voices: dict[int, HolderRef] = {}
    last_named: HolderRef | None = None
    for i, sentence in enumerate(sentences):
        quoted = _quoted_share(sentence, text) >= 0.5
        phrase = _frame_of(sentence, text, quoted)
        if phrase is None and quoted:
            phrase = _introduction(sentences[i - 1] if i else None)
            if phrase is None and i + 1 < len(sentences):
                phrase = _who(_FOLLOWING.match(sentences[i + 1].text.strip()))
            if phrase is None and last_named is not None and i and _quoted_share(sentences[i - 1], text) >= 0.5:
                voices[sentence.start] = last_named  # a quote running on over several sentences
                continue
        if phrase is None:
            continue
        holder = _voice(phrase, speaker, lexicon, last_named)
        if holder.kind in ("speaker", "actors", "unknown"):
            voices[sentence.start] = holder
            if holder.kind != "unknown":
                last_named = holder
    return voices


def attribute_voices(stances: Sequence[CodedStance], text: str, speaker_names: Sequence[str],
                     lexicon: ActorLexicon | None) -> list[CodedStance]:
    """The text's-own-voice stances of quoted or reported sentences, given to whoever speaks them.

    A stance whose sentence is someone else's voice goes to that actor (several: one stance each); to nobody when
    that someone cannot be named. Stances a coder already gave to a named holder are kept as they are.
    """
    if not any(s.holder == SPEAKER_KEY for s in stances):
        return list(stances)
    speaker = SpeakerNames.from_names(list(speaker_names))
    voices = sentence_voices(text, speaker, lexicon)
    out: list[CodedStance] = []
    for stance in stances:
        voice = voices.get(stance.start) if stance.holder == SPEAKER_KEY else None
        if voice is None or voice.kind == "speaker":
            out.append(stance)
        elif voice.kind == "actors":
            labels = lexicon.labels if lexicon is not None else {}
            out.extend(dataclasses.replace(stance, holder=key, holder_label=labels.get(key, key),
                                           confidence=round(stance.confidence * 0.9, 3),
                                           trace=f"{stance.trace}; voice of {voice.text}")
                       for key in voice.keys)
        # an unknown voice ("a spokesperson", a person not in the registry): nobody's stance
    return out
