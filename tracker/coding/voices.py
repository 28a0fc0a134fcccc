"""Whose voice a sentence is: the attribution step every coder's stances go through.

A coder reads positions and marks the text's own voice as the holder "speaker". A news report is full of other
voices, and a stance in a quote belongs to whoever the report says is speaking, never to the outlet reporting it.
How newsrooms attribute quotes (read in reports on WCIT-12, network fees, Hungary's Internet tax, Uganda's
social-media tax, the IANA transition and encryption; each pattern is handled here and tested in
tests/test_coding_voices.py):

- **After the quote, in the same sentence**: '"...," Kramer said.', '"...," delegation leader Ambassador Terry
  Kramer told reporters at a press conference on Thursday.', inverted '"...," said US Ambassador Terry Kramer.' or
  '"...," said Balazs Nemes, one of the founders of the protest group.', '"...," commented Verizon.',
  '"...," he added.'
- **Before the quote**: 'Ms Ortiz said on Tuesday: "..."', 'Gulyás stated that: "..."', 'He added that users
  were "..."', and a frame inside the quote: 'Internet policy, he said, "should not be determined by ..."'.
- **A lead-in sentence or paragraph** naming the speaker, the quote below it (often a blockquote, which extraction
  keeps in quotation marks): 'The US was explicit in refusing to sign:', 'Kenya's ICT minister was blunt.',
  'Ortiz put it bluntly on Tuesday:'.
- **A sentence after the quote** naming its speaker: 'That was the verdict of the Internet Society.', 'So said
  ...'.
- **A quote running on** over several sentences or paragraphs ('"A. B," Kramer said. "C."'; each paragraph of a
  long quote opens with a quotation mark and only the last one closes): every part is the same speaker's.
- **According to**: 'according to the Uganda Communications Commission' (unless it is an outlet: "..., according
  to The East African" only says who reported it).
- **Pronouns and short names**: 'she said' and 'he added' point back to the last voice named; 'Ortiz said' and
  'the minister said' to the person introduced earlier with an affiliation ('Ana Ortiz, Kenya's ICT minister,',
  'Access Now director Jane Roe', 'Jane Roe, the head of Access Now,'), who speaks for that actor (a minister for
  the state).
- **Quotation marks**: "...", “...”, „...“, «...», and ‘...’ (British style; an apostrophe is no quote).

In the other languages the rules read, the same kinds of attribution are found by each language's words of
speech (`speech` in tracker/data/language_cues.yaml: "a déclaré", "dijo", "disse", "sagte", "заявил", "قال",
"表示", and "selon", "según", "по словам", "据"): the voice is the actor named nearest such a word (before it, or
within a few words after it and before anything said: "« ... », a déclaré le ministre russe", "قال X"); a line
ending in a colon before a quote, or a short line after it ('“……。”外交部发言人表示。'), names the quote's voice; a
frame that names nobody points back to the last actor named ("a-t-il ajouté"), unless it names someone no actor
is given for ("a déclaré un porte-parole": `unnamed`), whose words are nobody's.

A stance in such a sentence goes to the voice when it is an actor the registry or the country names recognise (a
stance for each actor it names), stays the speaker's when the voice is the speaker's own (a press release quoting
its own director), and goes to nobody when the voice cannot be named ("a spokesperson", "critics", a person with
no stated affiliation) or is a news outlet. A stance a coder gave to an actor named inside the quote ('"Brazil
wants the ITU to run the Internet," Kramer said') is kept; one given to a holder the quote does not name (a coder's
own guess at the frame or pronoun) is given to the voice instead. An outlet never holds a position.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from igtracker.coding.attribution import PERSON_NAME, SPEAKER, ActorLexicon, HolderRef, SpeakerNames, resolve_holder
from igtracker.coding.clauses import CONCESSIVE_START, find_speech_frame
from igtracker.coding.coder import SPEAKER_KEY, CodedStance
from igtracker.coding.cues import SPEECH_VERBS
from igtracker.coding.memo import memoised
from igtracker.coding.multilingual import foreign_language, load_language_cues
from igtracker.coding.sentences import Sentence, split_sentences
from igtracker.coding.tokens import tokenise

if TYPE_CHECKING:
    from igtracker.coding.coders import CodingContext

# Opening quotation mark -> the marks that close it.
QUOTE_CLOSERS = {'"': '"', "“": "”\"", "„": "“”", "«": "»", "‹": "›", "‘": "’", "‚": "‘’", "「": "」", "『": "』"}
MARKS = re.compile("[" + re.escape("".join(QUOTE_CLOSERS) + "".join(QUOTE_CLOSERS.values())) + "\n]")
VOICE_FACTOR = 0.9  # a reported position is a little less sure than the speaker's own
QUOTED = 0.5  # share of a sentence inside quotation marks that makes it a quote

_WORD = re.compile(r"\w")
APPOSITION = re.compile(r",\s*([^,;:\"]{2,100}?)\s*(?:,|[.!?]?\s*$)")
ACCORDING = re.compile(r"\baccording to (?P<who>[^,.;:\"]{2,80})", re.IGNORECASE)
# A lead-in that introduces what follows: a colon, a speech verb, or a newsroom phrase for speaking.
LEAD_IN = re.compile(rf"(?<![\w-])(?:{SPEECH_VERBS}|was blunt|were blunt|did not mince (?:\w+ )?words"
                     r"|put it|puts it|spoke|speaking|in a statement|in a post|in a letter|in an interview"
                     r"|had this to say|had a message|was clear|were clear|was explicit|were explicit)(?![\w-])",
                     re.IGNORECASE)
LEAD_SUBJECT = re.compile(r"^(?P<who>.{2,160}?)\s+(?:\w+ly\s+)?(?:was|were|is|are|has|have|had|did|does|put|puts"
                          r"|spoke|struck|sounded|took|gave|offered|went)\b", re.IGNORECASE)
FOLLOWING = re.compile(r"^\W*(?:(?:that|this|such|those|these)\s+(?:was|is|were|are)\s+(?:also\s+)?(?:the\s+)?"
                       r"(?:\w+\s+)?(?:view|verdict|words?|message|argument|position|line|assessment|warning"
                       r"|conclusion|response|reply|reaction)\s+(?:of|from)|so\s+(?:said|says))\s+"
                       r"(?P<who>[^.;!?]{2,120})", re.IGNORECASE)
ROLE = re.compile(r"(?<![\w-])(?:minister|secretary|president|prime minister|chancellor|commissioner|ambassador"
                  r"|delegate|director|head|chief|chair(?:man|woman|person)?|ceo|founder|co-founder|spokes(?:man"
                  r"|woman|person)|officer|official|adviser|advisor|executive|manager|lead|leader|counsel|envoy"
                  r"|representative|negotiator|researcher|analyst|reporter|correspondent|editor|mp|senator"
                  r"|governor|mayor|regulator|administrator)(?![\w-])", re.IGNORECASE)
HONORIFIC = re.compile(r"(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+$")
# After a name: ", Kenya's ICT minister," / ", director of Access Now, said".
ROLE_AFTER = re.compile(rf",\s+(?P<role>[^,;:\"“”()]{{3,100}}?)(?=,|\s+(?:{SPEECH_VERBS})\b|\s+(?:was|is|has|had)\b"
                        r"|[.;:]|$)")
# Before a name: "Kenya's ICT minister Ana Ortiz", "Access Now director Jane Roe", "US Ambassador Terry Kramer".
ROLE_BEFORE = re.compile(r"(?P<role>(?:[\w'’.-]+\s+){0,5}?[\w'’.-]+),?\s+$")
NOT_A_PERSON = re.compile(r"^(?:the|a|an|this|that|these|those|in|on|at|for|but|and|as|if|when|while)\b"
                          r"|\b(?:of|and|for|the)\b", re.IGNORECASE)


@dataclass(frozen=True)
class QuoteSpan:
    start: int
    end: int


def quote_spans(text: str) -> list[QuoteSpan]:
    """Stretches of `text` inside quotation marks, marks included.

    A quote still open at a line break goes on into the next paragraph when that paragraph opens with the same mark
    (the convention for a quote over several paragraphs); otherwise it ends with its paragraph.
    """
    spans: list[QuoteSpan] = []
    opener: str | None = None
    start = 0
    resume = 0  # a paragraph that goes on with the same quote: its opening mark is not a new quote
    for match in MARKS.finditer(text):
        i, char = match.start(), match.group(0)
        if i < resume:
            continue
        if opener is None:
            if char in QUOTE_CLOSERS and _opens(text, i):
                opener, start = char, i
        elif char in QUOTE_CLOSERS[opener] and _closes(text, i):
            spans.append(QuoteSpan(start, i + 1))
            opener = None
        elif char == "\n":
            j = i
            while j < len(text) and text[j].isspace():
                j += 1
            if j < len(text) and text[j] == opener:
                resume = j + 1  # the next paragraph goes on with the same quote
            else:
                spans.append(QuoteSpan(start, i))
                opener = None
    if opener is not None:
        spans.append(QuoteSpan(start, len(text)))
    return [s for s in spans if s.end - s.start >= 4]


def _opens(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if after.isspace() and text[i] not in "«‹":
        return False
    if text[i] in "\"‘‚":
        return not _WORD.match(before)  # not an apostrophe or a closing straight quote after a word
    return True


def _closes(text: str, i: int) -> bool:
    after = text[i + 1] if i + 1 < len(text) else " "
    if text[i] in "’'":
        return not _WORD.match(after)  # "don’t" is an apostrophe
    return True


def _quoted_share(sentence: Sentence, spans: Sequence[QuoteSpan]) -> float:
    inside = sum(max(0, min(s.end, sentence.end) - max(s.start, sentence.start)) for s in spans)
    return inside / max(1, sentence.end - sentence.start)


def _masked(sentence: Sentence, spans: Sequence[QuoteSpan]) -> str:
    """The sentence with each quote's words blanked out ("xxxx") and straight marks, offsets kept: a speech frame
    is looked for only in the reporter's words, never inside what is quoted."""
    chars = list(sentence.text)
    for span in spans:
        a, b = max(span.start, sentence.start) - sentence.start, min(span.end, sentence.end) - sentence.start
        if a >= b:
            continue
        for k in range(a, b):
            chars[k] = " " if chars[k] == "\n" else "x"
        if span.start >= sentence.start:
            chars[a] = '"'
        if span.end <= sentence.end:
            chars[b - 1] = '"'
    return "".join(chars)


# --- people a text names with their affiliation -------------------------------------------------------------


def named_people(text: str, lexicon: ActorLexicon) -> dict[str, str]:
    """Names (full name, surname, "the <role>") -> actor key, for the people `text` introduces with an affiliation.

    "Ana Ortiz, Kenya's ICT minister, said ..." makes "Ana Ortiz", "Ortiz" and "the minister" stand for Kenya in
    the rest of the text; "Access Now director Jane Roe" makes "Jane Roe" and "Roe" Access Now. A role held by
    people of different actors ("the minister" of two states) is left out, as is anyone with no named affiliation.
    """
    people: dict[str, str] = {}
    roles: dict[str, set[str]] = {}
    for match in PERSON_NAME.finditer(text):
        name = match.group(0).strip()
        if NOT_A_PERSON.search(name) or ROLE.search(name) or lexicon.find(name):
            continue
        after = ROLE_AFTER.match(text, match.end())
        before_text = HONORIFIC.sub("", text[max(0, match.start() - 80) : match.start()])
        before = ROLE_BEFORE.search(before_text)
        for role in (after.group("role") if after else None, before.group("role") if before else None):
            role_word = ROLE.search(role) if role else None
            if role is None or role_word is None or before is not None and role == before.group("role") and \
                    not ROLE.search(role.split()[-1]):
                continue  # a role before a name ends with the role word: "Access Now director Jane Roe"
            mentions = lexicon.find(role)
            if not mentions:
                continue
            key = mentions[0].key
            people.setdefault(name, key)
            people.setdefault(name.split()[-1], key)
            roles.setdefault(f"the {role_word.group(0).lower()}", set()).add(key)
            break
    for role, keys in roles.items():
        if len(keys) == 1:
            people.setdefault(role, next(iter(keys)))
    return people


def with_named_people(text: str, context: CodingContext) -> CodingContext:
    """The coding context with the people the text introduces added to its lexicon (see `named_people`)."""
    if context.lexicon is None:
        return context
    people = named_people(text, context.lexicon)
    if not people:
        return context
    return dataclasses.replace(context, lexicon=context.lexicon.extended(people))


# --- voices ---------------------------------------------------------------------------------------------------


def _resolve(phrase: str, speaker: SpeakerNames, lexicon: ActorLexicon | None) -> HolderRef | None:
    holder = resolve_holder(phrase, speaker, lexicon)
    if holder.kind == "nonagent":
        return None
    if holder.kind == "actors" and lexicon is not None and set(holder.keys) <= lexicon.reporters:
        return HolderRef("unknown", holder.text)  # an outlet only says who reported it
    if holder.kind == "actors" and lexicon is not None and lexicon.reporters & set(holder.keys):
        return HolderRef("actors", holder.text, tuple(k for k in holder.keys if k not in lexicon.reporters))
    return holder


def _own_frame(masked: str, speaker: SpeakerNames, lexicon: ActorLexicon | None) -> HolderRef | None:
    """Who a sentence's own words say is speaking: a speech frame, or "according to X"."""
    frame = find_speech_frame(masked, speaker, lexicon)
    conceded = CONCESSIVE_START.match(masked)
    if frame is not None and conceded and "," in masked[frame.np_end :]:
        frame = None  # "Although the government says X, Y": only the conceded clause is the government's
    if frame is not None:
        phrase = masked[frame.np_start : frame.np_end]
        apposition = APPOSITION.match(masked, frame.np_end)
        if apposition is not None:
            phrase += ", " + apposition.group(1)  # '"...," said Jane Roe, director of Access Now.'
        holder = _resolve(phrase, speaker, lexicon)
        if holder is not None:
            return holder
    according = ACCORDING.search(masked)
    if according is not None:
        return _resolve(according.group("who"), speaker, lexicon)
    return None


def _foreign_frame(masked: str, language: str, speaker: SpeakerNames, lexicon: ActorLexicon | None,
                   quoting: bool) -> HolderRef | None:
    """Who a sentence in one of the other languages says is speaking, where it has a word of speech of its
    language (`speech` in tracker/data/language_cues.yaml: "a déclaré", "según", "по словам", "表示"): the actor
    named nearest that word, or the speaker where it names itself or speaks in the first person; nobody where the
    voice is someone no actor is named for ("a déclaré un porte-parole", `unnamed`); in a sentence that quotes
    someone without naming them ("a-t-il ajouté", "dijo"), whoever spoke last. Actors are those the lexicon knows
    (registry names and aliases, countries and their organs in each language)."""
    cues = load_language_cues().get(language)
    if cues is None or not cues.speech:
        return None
    tokens = tokenise(masked, language)
    said = [span for phrase in cues.speech for span in phrase.find(masked, tokens)]
    if not said:
        return None
    opens = sorted(start for phrase in cues.said_that for start, _ in phrase.find(masked, tokens))
    named: list[tuple[int, int, HolderRef | None]] = [(start, end, SPEAKER) for start, end in speaker.spans(masked)]
    named += [(m.start, m.end, _resolve(m.text, speaker, lexicon)) for m in (lexicon.find(masked) if lexicon else [])]
    candidates = [(distance, holder) for start, end, holder in named if holder is not None
                  and (distance := _from_speech(masked, said, opens, start, end)) is not None]
    if candidates:
        return min(candidates, key=lambda item: item[0])[1]
    nobody = [(start, end) for phrase in cues.unnamed for start, end in phrase.find(masked, tokens)]
    if any(_from_speech(masked, said, opens, start, end) is not None for start, end in nobody):
        return HolderRef("unknown", masked)  # "a déclaré un porte-parole": nobody's position
    if any(phrase.find(masked, tokens) for phrase in cues.first_person):
        return SPEAKER
    return HolderRef("pronoun") if quoting else None


def speaks(text: str, language: str | None) -> bool:
    """Whether a sentence says that someone speaks ("said", "was blunt", "a déclaré", "表示"): in English by the
    lead-in words above, in another language the rules read by its words of speech."""
    return bool(speech_spans(text, language))


def speech_spans(text: str, language: str | None) -> list[tuple[int, int]]:
    """Where a sentence's words of speech are (see `speaks`), as (start, end) offsets."""
    foreign = foreign_language(language)
    if foreign is None:
        return [match.span() for match in LEAD_IN.finditer(text)]
    tokens = tokenise(text, foreign)
    return [span for phrase in load_language_cues()[foreign].speech for span in phrase.find(text, tokens)]


WORDS_TO_THE_SUBJECT = 5  # words a subject after its verb of speech may stand from it: "dijo el ministro de X"
CLOSING_LINE = 80  # characters: a line after a quote that only names its speaker is short


def closing_line(masked: str, language: str) -> bool:
    """Whether a sentence right after a quote, in another language, may only say who spoke it: short, quoting
    nothing and opening nothing said ('“……。”外交部发言人表示。'); its frame (`_foreign_frame`) says who."""
    if len(masked.strip()) > CLOSING_LINE or any(mark in masked for mark in ":：\"«»“”„"):
        return False
    return not reports_what_is_said(masked, language)


def reports_what_is_said(text: str, language: str) -> bool:
    """Whether a sentence in another language opens what someone said ("a déclaré que ...", "заявил, что ...")."""
    tokens = tokenise(text, language)
    return any(phrase.find(text, tokens) for phrase in load_language_cues()[language].said_that)


def _from_speech(masked: str, said: Sequence[tuple[int, int]], opens: Sequence[int], start: int,
                 end: int) -> int | None:
    """How far a name at start..end stands from the nearest word of speech it can be the subject of, or None: a
    name after the word counts only within a few words of it ("a déclaré le ministre russe", "قال X") and before
    any comma, colon or word that opens what is said; a name after those is what is spoken of ("dijo un portavoz
    sobre la decisión de México", "قال X ، إن ...")."""
    best = None
    for a, b in said:
        if start >= b:
            between = masked[b:start]
            if (any(mark in between for mark in ",:;،，：") or any(b <= at < start for at in opens)
                    or len(between.split()) > WORDS_TO_THE_SUBJECT):
                continue
            gap = start - b
        else:
            gap = max(a - end, 0)
        best = gap if best is None else min(best, gap)
    return best


def _lead_in(sentence: Sentence, masked: str, speaker: SpeakerNames,
             lexicon: ActorLexicon | None, language: str | None = None) -> HolderRef | None:
    """The speaker a lead-in names ("The minister was blunt on Tuesday:"), in the sentence before a quote."""
    body = masked.strip()
    if language is not None and body.endswith((":", "：")):
        found = _foreign_frame(body, language, speaker, lexicon, quoting=False)
        return found if found is not None else _resolve(body.rstrip(":："), speaker, lexicon)
    if language is not None:
        return _foreign_frame(body, language, speaker, lexicon, quoting=False)
    if not (body.endswith(":") or LEAD_IN.search(body)):
        return None
    own = _own_frame(body, speaker, lexicon)
    if own is not None:
        return own
    subject = LEAD_SUBJECT.match(body)
    return _resolve(subject.group("who") if subject else body.rstrip(":."), speaker, lexicon)


def _same_sentence_lead(masked: str, speaker: SpeakerNames, lexicon: ActorLexicon | None) -> HolderRef | None:
    """ 'X was blunt: "..."': a lead-in before a colon in the quote's own sentence."""
    match = re.match(r'^(?P<lead>[^"]{2,160}?):\s*"', masked)
    if match is None:
        return None
    lead = match.group("lead")
    subject = LEAD_SUBJECT.match(lead)
    return _resolve(subject.group("who") if subject else lead, speaker, lexicon)


PERSONAL = re.compile(r"^\W*(?:she|he|her|him|his)\b", re.IGNORECASE)


def _is_person(phrase: str, lexicon: ActorLexicon | None) -> bool:
    """ "Ana Ortiz", "the minister", "Kenya's ICT minister": a phrase that "she" or "he" can point back to (not
    "the United States" or "the Internet Society", whose capitals look like a name)."""
    if ROLE.search(phrase) or PERSONAL.match(phrase):
        return True
    if lexicon is not None and any(re.search(rf"\b{re.escape(name)}\b", phrase) for name in lexicon.people):
        return True
    return bool(PERSON_NAME.search(phrase)) and not (lexicon is not None and lexicon.find(phrase))


def _subject(masked: str, speaker: SpeakerNames, lexicon: ActorLexicon | None) -> HolderRef | None:
    """Who a sentence with no voice of its own is about, when it names somebody first: the antecedent of a later
    "she said" ("Ana Ortiz, Kenya's ICT minister, spoke after the meeting. '...,' she said.")."""
    subject = LEAD_SUBJECT.match(masked.strip())
    if subject is None:
        return None
    holder = _resolve(subject.group("who"), speaker, lexicon)
    if holder is None or holder.kind == "pronoun" or holder.kind == "unknown" and not PERSON_NAME.search(holder.text):
        return None
    return holder


def _first_named(masked: str, speaker: SpeakerNames, lexicon: ActorLexicon | None) -> HolderRef | None:
    """In another language, the first actor a sentence with no voice of its own names: who a later "a-t-il
    ajouté" or "dijo" points back to ("Le gouvernement français a défendu la loi. « ... », a-t-il ajouté.")."""
    mentions = lexicon.find(masked) if lexicon is not None else []
    return next((holder for m in mentions if (holder := _resolve(m.text, speaker, lexicon)) is not None), None)


def _overlaps(sentences: Sequence[Sentence], spans: Sequence[QuoteSpan]) -> list[list[QuoteSpan]]:
    """The quotes each sentence overlaps (both lists are in text order; quotes do not overlap each other)."""
    out: list[list[QuoteSpan]] = []
    first = 0
    for sentence in sentences:
        while first < len(spans) and spans[first].end <= sentence.start:
            first += 1
        found = []
        for span in spans[first:]:
            if span.start >= sentence.end:
                break
            found.append(span)
        out.append(found)
    return out


def sentence_voices(text: str, speaker: SpeakerNames, lexicon: ActorLexicon | None,
                    language: str | None = None) -> dict[int, HolderRef]:
    """Sentence start offset -> whose voice the sentence is, for each sentence that quotes or reports someone.

    English frames are read by the English patterns above; a text in another language the rules read, by that
    language's words of speech (`_foreign_frame`)."""
    foreign = foreign_language(language)
    if foreign is not None and lexicon is not None:
        lexicon = lexicon.for_language(foreign)  # "le gouvernement français", "Rusia"
    sentences = split_sentences(text)
    spans = quote_spans(text)
    overlapping = _overlaps(sentences, spans)
    masked = [_masked(s, overlapping[i]) for i, s in enumerate(sentences)]
    quoted = [_quoted_share(s, overlapping[i]) >= QUOTED for i, s in enumerate(sentences)]
    touches = [bool(found) for found in overlapping]
    own = [_own_frame(m, speaker, lexicon) if foreign is None else
           _foreign_frame(m, foreign, speaker, lexicon, quoting=touches[i]) for i, m in enumerate(masked)]
    starts = [s.start for s in sentences]
    # A quote's speaker is named by the frame of the sentence where it ends ('"A. B," X said.'), or where it
    # begins, or by an attribution in the sentence after it ('"A. B." That was the verdict of X.').
    span_voice: dict[QuoteSpan, HolderRef] = {}
    for span in spans:
        at_end = bisect.bisect_right(starts, span.end - 1) - 1
        at_start = bisect.bisect_right(starts, span.start) - 1
        after = bisect.bisect_left(starts, span.end)
        voice = own[at_end] if at_end >= 0 else None
        if voice is None and at_start >= 0:
            voice = own[at_start]
        if voice is None and after < len(sentences) and not touches[after]:
            if foreign is None:
                following = FOLLOWING.match(sentences[after].text)
                voice = _resolve(following.group("who"), speaker, lexicon) if following else None
            elif closing_line(masked[after], foreign):
                voice = own[after]  # '“……。”外交部发言人表示。'
        if voice is not None:
            span_voice[span] = voice
    voices: dict[int, HolderRef] = {}
    last: HolderRef | None = None  # the last voice or subject named, for "they" and "it"
    last_person: HolderRef | None = None  # the last person named, for "she" and "he"
    previous: HolderRef | None = None  # the voice of the sentence before, if it quoted someone
    for i, sentence in enumerate(sentences):
        voice = own[i]
        if voice is None and quoted[i]:
            voice = next((span_voice[q] for q in overlapping[i] if q in span_voice), None)
            if voice is None:
                voice = _same_sentence_lead(masked[i], speaker, lexicon)
            if voice is None and i and not quoted[i - 1]:
                voice = _lead_in(sentences[i - 1], masked[i - 1], speaker, lexicon, foreign)
            if voice is None and i + 1 < len(sentences):
                following = FOLLOWING.match(sentences[i + 1].text)
                voice = _resolve(following.group("who"), speaker, lexicon) if following else None
            if voice is None:
                voice = previous  # a quote running on
        if voice is not None and voice.kind == "pronoun":
            antecedent = last_person if PERSONAL.match(voice.text) else last
            voice = antecedent or HolderRef("speaker", voice.text)
        named = voice if voice is not None else (_subject(masked[i], speaker, lexicon) if foreign is None
                                                 else _first_named(masked[i], speaker, lexicon))
        if named is not None:
            last = named
            if _is_person(named.text, lexicon):
                last_person = named
        if voice is not None:
            voices[sentence.start] = voice
        previous = voice if touches[i] else None
    return voices


def _in_quotes(key: str, sentence_start: int, sentence_end: int, text: str, spans: Sequence[QuoteSpan],
               lexicon: ActorLexicon | None) -> bool:
    """Whether actor `key` is named inside a quote of the sentence (a third party the quoted speaker talks of)."""
    if lexicon is None:
        return False
    for span in spans:
        a, b = max(span.start, sentence_start), min(span.end, sentence_end)
        if a < b and any(m.key == key for m in lexicon.find(text[a:b])):
            return True
    return False


def attribute_voices(stances: Sequence[CodedStance], text: str, speaker_names: Sequence[str],
                     lexicon: ActorLexicon | None, language: str | None = None) -> list[CodedStance]:
    """Stances given to whoever speaks the sentence they rest on, and none to a news outlet.

    The speaker's stances in a quoted or reported sentence go to its voice (one stance per actor it names), or to
    nobody when the voice cannot be named. Stances a coder gave to an actor stay, unless the sentence is someone's
    voice and the actor is not named inside its quotes (the coder's guess at the frame). No stance is held by an
    outlet (`ActorLexicon.reporters`).
    """
    return unique_stances([s for each in attribute_voices_each(stances, text, speaker_names, lexicon, language)
                           for s in each])


def attribute_voices_each(stances: Sequence[CodedStance], text: str, speaker_names: Sequence[str],
                          lexicon: ActorLexicon | None, language: str | None = None) -> list[list[CodedStance]]:
    """What `attribute_voices` makes of each stance on its own (before repeats are dropped)."""
    reporters = lexicon.reporters if lexicon is not None else set()
    voices = voices_of(text, speaker_names, lexicon, language)
    spans = quote_spans(text) if voices else []
    labels = lexicon.labels if lexicon is not None else {}
    out: list[list[CodedStance]] = []
    for stance in stances:
        voice = voices.get(stance.start)
        if stance.holder in reporters:
            out.append([])
            continue
        if voice is None or voice.kind == "speaker" and stance.holder == SPEAKER_KEY:
            out.append([stance])
            continue
        quoting = any(q.start < stance.end and stance.start < q.end for q in spans)
        if stance.holder != SPEAKER_KEY and (not quoting or stance.holder in voice.keys or _in_quotes(
                stance.holder, stance.start, stance.end, text, spans, lexicon)):
            out.append([stance])
            continue
        if voice.kind == "speaker":
            out.append([dataclasses.replace(stance, holder=SPEAKER_KEY, holder_label="speaker",
                                            trace=f"{stance.trace}; voice of the speaker")])
        elif voice.kind == "actors":
            factor = VOICE_FACTOR if stance.holder == SPEAKER_KEY else 1.0
            out.append([dataclasses.replace(stance, holder=key, holder_label=labels.get(key, key),
                                            confidence=round(stance.confidence * factor, 3),
                                            trace=f"{stance.trace}; voice of {voice.text}")
                        for key in voice.keys if key not in reporters])
        else:  # an unknown voice ("a spokesperson", a person not in the registry, an outlet): nobody's stance
            out.append([])
    return out


def voices_of(text: str, speaker_names: Sequence[str], lexicon: ActorLexicon | None,
              language: str | None) -> dict[int, HolderRef]:
    """`sentence_voices` for a text, its speaker's names, the actors it may name and its language, once per
    document scope (the ensemble and the attribution step both ask)."""
    names = tuple(speaker_names)
    return memoised(f"voices:{language}:{names}", lexicon or _NO_LEXICON, text,
                    lambda: sentence_voices(text, SpeakerNames.from_names(list(names)), lexicon, language))


_NO_LEXICON = object()  # the memo's owner where a context has no lexicon


def voice_key(voice: HolderRef | None) -> tuple[str, tuple[str, ...]] | None:
    """Whose voice, for grouping: None for the text's own (the speaker), else the kind and actors of the voice."""
    if voice is None or voice.kind == "speaker":
        return None
    return voice.kind, voice.keys


def held_by_the_voice_as_speaker(stances: Sequence[CodedStance], voices: dict[int, HolderRef],
                                 ) -> list[CodedStance]:
    """Stances a coder gave to the very actor whose voice their sentence is ('« ... », a déclaré X', read by the
    rules of its language as X's), given to the text's speaker instead: there they meet the other readings of the
    same voice (the ensemble weighs rules against model for the speaker's readings, voice by voice), and the
    attribution step gives them to X again."""
    out = []
    for stance in stances:
        voice = voices.get(stance.start)
        if voice is not None and voice.kind == "actors" and voice.keys == (stance.holder,):
            stance = dataclasses.replace(stance, holder=SPEAKER_KEY, holder_label="speaker")
        out.append(stance)
    return out


def unique_stances(stances: list[CodedStance]) -> list[CodedStance]:
    """One stance per holder, issue, position and sentence (the first)."""
    seen: set[tuple[str, str, str, int]] = set()
    out = []
    for stance in stances:
        key = (stance.holder, stance.issue_id, stance.position, stance.start)
        if key not in seen:
            seen.add(key)
            out.append(stance)
    return out
