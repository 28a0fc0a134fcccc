"""The rule coder for the languages other than English: the codebook's terms by language and general cues.

English has the full rule engine (`igtracker.coding.rules`); Arabic, Chinese, French, German, Portuguese, Russian
and Spanish are read by a smaller, general one. Each sentence is cut into clauses at semicolons and colons and before
a word of contrast; in a clause, every issue term the codebook gives for the language (`cues` of an issue entry)
takes its position from the attitude cue nearest before it (else after it) in the clause (see
`tracker/data/language_cues.yaml`), reversed by a negation at that cue (before it, or after it for a negation that
follows its verb: "ne soutenons pas"), by each harm event between the cue and the term ("rejette toute restriction
de la liberté d'expression"), and by the term's orientation. A harm on a neutral term with no attitude shows that
the speaker values it ("menace la souveraineté"); a loaded term alone shows its side. Questions state nothing.
After a word of contrast, the later clause wins.

The clause's holder is the speaker unless an actor the lexicon knows (country names in each language, registry names
and aliases, demonyms on a word for a government: "la délégation russe") is named before the attitude (in Arabic,
also just after it: "ترفض روسيا ...") and is not the speaker itself ("La Russie rejette ..."); nobody else where the
clause speaks in the first person.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from igtracker.coding.attribution import ActorLexicon, SpeakerNames
from igtracker.coding.codebook import ORIENTATION, VALENCE, Codebook
from igtracker.coding.sentences import split_sentences
from igtracker.coding.stances import POSITION, SPEAKER_KEY, CodedStance
from igtracker.coding.tokens import Phrase, Token, tokenise
from igtracker.config import PACKAGE_DATA
from igtracker.errors import TrackerError

CUES_FILE = PACKAGE_DATA / "language_cues.yaml"
CONFIDENCE = {"attitude": 0.7, "evaluative": 0.5, "loaded": 0.5}
THIRD_PARTY_FACTOR = 0.9
NEGATION_REACH = 3  # words before an attitude cue that a negation may stand at ("ne soutenons pas": after it, 1)
NEGATION_TAIL = 2  # German: words that may follow a main clause's negation before a comma ("nicht grundsätzlich ab")
KINDS = ("support", "oppose", "harm", "negation", "negation_after", "contrast", "first_person", "neutral")
ATTRIBUTION_KINDS = ("speech", "said_that", "unnamed")  # words the attribution step reads, never a position
QUESTION_MARKS = ("?", "？", "؟")
CLAUSE_MARKS = (";", "；", ":", "：")


class LanguageCueSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    support: list[str] = Field(min_length=1)
    oppose: list[str] = Field(min_length=1)
    harm: list[str] = Field(default_factory=list)
    negation: list[str] = Field(min_length=1)
    negation_after: list[str] = Field(default_factory=list)
    contrast: list[str] = Field(default_factory=list)
    first_person: list[str] = Field(default_factory=list)
    neutral: list[str] = Field(default_factory=list)
    speech: list[str] = Field(default_factory=list)  # who is speaking, for the attribution step (not a position)
    said_that: list[str] = Field(default_factory=list)  # what opens what is said ("que"), for the same step
    unnamed: list[str] = Field(default_factory=list)  # a voice nobody names ("un porte-parole"), for the same step


@dataclass(frozen=True)
class LanguageCues:
    support: tuple[Phrase, ...]
    oppose: tuple[Phrase, ...]
    harm: tuple[Phrase, ...]
    negation: tuple[Phrase, ...]
    negation_after: tuple[Phrase, ...]
    contrast: tuple[Phrase, ...]
    first_person: tuple[Phrase, ...]
    neutral: tuple[Phrase, ...]
    speech: tuple[Phrase, ...] = ()
    said_that: tuple[Phrase, ...] = ()
    unnamed: tuple[Phrase, ...] = ()

    @classmethod
    def compile(cls, spec: LanguageCueSpec, language: str) -> LanguageCues:
        return cls(*(tuple(Phrase.compile(p, language) for p in getattr(spec, name))
                     for name in (*KINDS, *ATTRIBUTION_KINDS)))


@functools.lru_cache(maxsize=4)
def load_language_cues(path: Path = CUES_FILE) -> dict[str, LanguageCues]:
    """The general cues of each language, validated; errors name the file and the language."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TrackerError(f"{path}: cannot read the language cues: {exc}") from exc
    out = {}
    for language, spec in (data or {}).items():
        try:
            out[str(language)] = LanguageCues.compile(LanguageCueSpec.model_validate(spec), str(language))
        except ValidationError as exc:
            raise TrackerError(f"{path}: language {language!r}: {exc}") from exc
    return out


def supported_languages() -> frozenset[str]:
    return frozenset(load_language_cues())


def foreign_language(language: str | None) -> str | None:
    """`language` where its own rules read a text (a supported language other than English), else None: the
    English rules and patterns read it."""
    return language if language not in (None, "en") and language in supported_languages() else None


@dataclass(frozen=True)
class Term:
    phrase: Phrase
    issue_id: str
    orientation: int
    valence: int
    gloss: str


def terms_of(codebook: Codebook, language: str) -> tuple[Term, ...]:
    """The codebook's terms in `language` (compiled once per codebook and language, cached on the codebook)."""
    cache = codebook.__dict__.setdefault("_language_terms", {})
    if language not in cache:
        cache[language] = tuple(
            Term(Phrase.compile(text, language), issue.id, ORIENTATION[entry.orientation], VALENCE[entry.valence],
                 entry.gloss)
            for issue in codebook.issues for entry in issue.cues.get(language, []) for text in entry.terms)
    return cache[language]


@dataclass(frozen=True)
class Found:
    kind: str  # a cue kind ("support", ...) or "term"
    start: int
    end: int
    term: Term | None = None


def _longest_first(found: list[Found]) -> list[Found]:
    found.sort(key=lambda f: (-(f.end - f.start), f.kind != "term", f.start))
    kept: list[Found] = []
    for item in found:
        if not any(k.start < item.end and item.start < k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda f: f.start)


def find_all(text: str, tokens: Sequence[Token], cues: LanguageCues, terms: Sequence[Term]) -> list[Found]:
    """Terms and cues in a sentence, longest first without overlaps (a cue inside a term is the term's)."""
    found = [Found("term", s, e, term) for term in terms for s, e in term.phrase.find(text, tokens)]
    for kind in KINDS:
        for phrase in getattr(cues, kind):
            found += [Found(kind, s, e) for s, e in phrase.find(text, tokens)]
    return _longest_first(found)


@dataclass(frozen=True)
class ForeignReading:
    issue_id: str
    sign: int
    confidence: float
    holder: tuple[str, ...]  # () for the speaker, else actor keys
    kind: str
    trace: str
    clause: int
    after_contrast: bool


def _clauses(text: str, found: list[Found]) -> list[tuple[int, int, bool]]:
    """(start, end, after_contrast) stretches of a sentence."""
    cuts = [(i + 1, False) for i, ch in enumerate(text) if ch in CLAUSE_MARKS]
    cuts += [(f.start, True) for f in found if f.kind == "contrast" and f.start > 0]
    cuts.sort()
    out, start, contrast = [], 0, False
    for at, is_contrast in cuts:
        if at > start:
            out.append((start, at, contrast))
        start, contrast = at, is_contrast or contrast
    out.append((start, len(text), contrast))
    return out


# Languages whose subject often follows its verb ("ترفض روسيا ...": rejects Russia ...).
VERB_FIRST = frozenset({"ar"})
# Languages whose negation of a main clause's verb stands after its object ("wir unterstützen X nicht", "lehnen X
# nicht ab") and before the verb where the verb comes last ("nicht unterstützen", "nicht akzeptabel"): there a
# negation_after counts in the few words before an attitude cue and after it up to a comma.
VERB_SECOND = frozenset({"de"})


def _holder(text: str, at: int, clause_start: int, found: list[Found], speaker: SpeakerNames,
            lexicon: ActorLexicon | None, language: str, target: Found) -> tuple[str, ...]:
    """Actors named before the attitude in its clause (in a verb-first language, else between it and the term);
    not the speaker itself, and nobody where the clause speaks in the first person."""
    if lexicon is None or any(f.kind == "first_person" and clause_start <= f.start < at for f in found):
        return ()
    stretches = [text[clause_start:at]]
    if language in VERB_FIRST and at < target.start:
        stretches.append(text[at:target.start])
    for stretch in stretches:
        mentions = [m for m in lexicon.find(stretch) if not speaker.search(m.text)]
        if mentions:
            return tuple(dict.fromkeys(m.key for m in mentions))
    return ()


def read_sentence(text: str, language: str, codebook: Codebook, speaker: SpeakerNames,
                  lexicon: ActorLexicon | None) -> list[ForeignReading]:
    cues = load_language_cues().get(language)
    if cues is None or text.rstrip().endswith(QUESTION_MARKS):
        return []
    tokens = tokenise(text, language)
    found = find_all(text, tokens, cues, terms_of(codebook, language))
    readings: list[ForeignReading] = []
    for index, (start, end, after_contrast) in enumerate(_clauses(text, found)):
        inside = [f for f in found if start <= f.start < end]
        for target in (f for f in inside if f.kind == "term"):
            reading = _read_term(text, target, inside, tokens, language)
            if reading is None:
                continue
            sign, kind, at, trace = reading
            holder = _holder(text, at, start, found, speaker, lexicon, language, target) if kind == "attitude" else ()
            confidence = CONFIDENCE[kind] * (THIRD_PARTY_FACTOR if holder else 1.0)
            readings.append(ForeignReading(target.term.issue_id, sign, round(confidence, 3), holder, kind,
                                           f"{language}: {trace}", index, after_contrast))
    later = {(r.holder, r.issue_id) for r in readings if r.after_contrast}
    return [r for r in readings if r.after_contrast or (r.holder, r.issue_id) not in later]


def _negations_before(text: str, cue: Found, inside: list[Found], tokens: Sequence[Token], language: str) -> int:
    """Negations in the few words before an attitude cue ("не поддерживаем", "不支持"), and the word after it for
    a negation that follows its verb ("ne soutenons pas"); in a verb-second language, a negation_after before the
    cue too ("nicht akzeptabel") and among the last words of its stretch before a comma ("unterstützen X nicht")."""
    starts = [t.start for t in tokens]
    position = next((i for i, s in enumerate(starts) if s >= cue.start), len(starts))
    low = starts[max(0, position - NEGATION_REACH)] if starts else 0
    after = next((t.end for t in tokens if t.start >= cue.end), cue.end)
    count = sum(1 for f in inside if f.kind == "negation" and low <= f.start < cue.start
                or f.kind == "negation_after" and cue.end <= f.start < after and f.end <= after)
    if language in VERB_SECOND:
        count += sum(1 for f in inside if f.kind == "negation_after" and (
            low <= f.start < cue.start
            or after <= f.start and "," not in text[cue.end:f.start] and _ends_its_stretch(text, f, tokens)))
    return count


def _next_comma(text: str, start: int) -> int:
    """Where the stretch from `start` ends: at the next comma, else at the end of the sentence."""
    comma = text.find(",", start)
    return comma if comma >= 0 else len(text)


def _ends_its_stretch(text: str, found: Found, tokens: Sequence[Token]) -> bool:
    """A negation among the last words before a comma or the end of the sentence ("unterstützen X nicht", "lehnen X
    nicht grundsätzlich ab"), where a main clause's negation stands, and followed by no noun (capitalised in German);
    not one on a phrase further on ("für nicht bewilligte Angebote")."""
    end = _next_comma(text, found.end)
    tail = [text[t.start:t.end] for t in tokens if found.end <= t.start < end]
    return len(tail) <= NEGATION_TAIL and not any(word[:1].isupper() for word in tail)


def _harms_at_the_end(text: str, cue: Found, target: Found, inside: list[Found], language: str) -> list[Found]:
    """In a verb-second language, a subordinate clause after the attitude puts its verb last: a harm after the term,
    before the next comma, where a comma stands between the attitude and the term ("lehnen jedes Gesetz ab, das die
    Verschlüsselung schwächt"; "lehnen es ab, die Verschlüsselung zu schwächen")."""
    if language not in VERB_SECOND or cue.end > target.start or "," not in text[cue.end:target.start]:
        return []
    end = _next_comma(text, target.end)
    return [f for f in inside if f.kind == "harm" and target.end <= f.start < end]


def _read_term(text: str, target: Found, inside: list[Found], tokens: Sequence[Token],
               language: str) -> tuple[int, str, int, str] | None:
    """(sign, kind, where the attitude stands, trace) for a term in its clause, or None."""
    term = target.term
    assert term is not None
    attitudes = [f for f in inside if f.kind in ("support", "oppose")]
    before = [f for f in attitudes if f.end <= target.start]
    after = [f for f in attitudes if f.start >= target.end]
    # The nearest attitude before the term, else after it ("X, c'est regrettable"); one, not a product: a
    # judgement word between ("反对滥用...监控": against abusive surveillance) is the nearer and decides.
    chain = before[-1:] or after[:1]
    if chain:
        first = chain[0]
        harms = [f for f in inside if f.kind == "harm" and min(first.end, target.end) <= f.start
                 < max(first.start, target.start)]
        harms += _harms_at_the_end(text, first, target, inside, language)
        sign = term.orientation * (-1) ** len(harms)
        words = []
        for cue in chain:
            negations = _negations_before(text, cue, inside, tokens, language)
            sign *= (1 if cue.kind == "support" else -1) * (-1) ** negations
            words.append(f"{text[cue.start:cue.end]}({'+' if cue.kind == 'support' else '-'}{' neg' * negations})")
        trace = (" ".join(words) + "".join(f" {text[h.start:h.end]}(flip)" for h in harms)
                 + f" [{text[target.start:target.end]}: {term.gloss}]")
        return sign, "attitude", first.start, trace
    harm = [f for f in inside if f.kind == "harm" and f.end <= target.start]
    if harm and not term.valence:
        return term.orientation, "evaluative", harm[-1].start, (
            f"{text[harm[-1].start:harm[-1].end]}(harm) [{text[target.start:target.end]}: {term.gloss}]")
    if term.valence:
        return term.valence * term.orientation, "loaded", target.start, (
            f"loaded [{text[target.start:target.end]}: {term.gloss}]")
    return None


def code_foreign(text: str, language: str, speaker_names: Sequence[str], codebook: Codebook,
                 lexicon: ActorLexicon) -> list[CodedStance]:
    """The positions in `text`, in `language`, as the rule coder's stances (holder "speaker" or actor keys)."""
    speaker = SpeakerNames.from_names(list(speaker_names))
    lexicon = lexicon.for_language(language)
    out: list[CodedStance] = []
    for sentence in split_sentences(text):
        seen: set[tuple[str, str, int]] = set()
        for reading in read_sentence(sentence.text, language, codebook, speaker, lexicon):
            for key in reading.holder or (SPEAKER_KEY,):
                if (key, reading.issue_id, reading.sign) in seen:
                    continue
                seen.add((key, reading.issue_id, reading.sign))
                label = "speaker" if key == SPEAKER_KEY else lexicon.labels.get(key, key)
                out.append(CodedStance(reading.issue_id, POSITION[reading.sign], key, label, reading.confidence,
                                       sentence.text, sentence.start, sentence.end, reading.kind, reading.trace))
    return out


def find_terms(text: str, language: str, codebook: Codebook) -> list[Found]:
    """The codebook's terms in `text`, in `language`, longest first without overlaps, in text order."""
    tokens = tokenise(text, language)
    return _longest_first([Found("term", s, e, term) for term in terms_of(codebook, language)
                           for s, e in term.phrase.find(text, tokens)])


def glosses(text: str, language: str | None, codebook: Codebook) -> list[tuple[str, str]]:
    """The codebook's terms found in `text` with their English gloss: (original words, gloss), in text order."""
    if not language or language not in supported_languages():
        return []
    seen: dict[str, str] = {}
    for item in find_terms(text, language, codebook):
        assert item.term is not None
        seen.setdefault(text[item.start:item.end], item.term.gloss)
    return list(seen.items())
