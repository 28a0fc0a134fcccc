"""Who holds a position: recognising actors named in text and resolving a holder phrase to actors.

Actors are recognised by the registry's names and aliases and, for states, by country names (pycountry, plus the
short forms news text uses: "Russia", "the US") and by demonyms before a word for a government ("the Russian
delegation"; in the other languages, `igtracker.coding.demonyms`: "la délégation russe"). A holder phrase ("some
countries, including Brazil, China, India and Russia") resolves to every actor it names, to the speaker ("we", the
speaker's own name), to a pronoun to be resolved from context, to an unknown third party ("critics", "some
governments": no stance is recorded for them), or to a non-agent ("the proposal"), in which case the evaluation is
the speaker's own.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from igtracker.coding.country_names import country_common_name, country_names_in, english_country_names
from igtracker.coding.cues import FIRST_PERSON, HUMAN_NOUNS, PRONOUN
from igtracker.coding.demonyms import Demonyms, load_demonyms, russian_word_forms
from igtracker.coding.memo import memoised

HolderKind = Literal["speaker", "actors", "pronoun", "unknown", "nonagent"]

DEMONYMS: dict[str, str] = {
    "American": "USA", "US": "USA", "U.S.": "USA", "British": "GBR", "UK": "GBR", "Russian": "RUS",
    "Chinese": "CHN", "Brazilian": "BRA", "Indian": "IND", "French": "FRA", "German": "DEU", "Italian": "ITA",
    "Spanish": "ESP", "Japanese": "JPN", "Korean": "KOR", "South Korean": "KOR", "Canadian": "CAN",
    "Australian": "AUS", "Mexican": "MEX", "Argentine": "ARG", "Argentinian": "ARG", "Saudi": "SAU",
    "Emirati": "ARE", "Egyptian": "EGY", "Iranian": "IRN", "Turkish": "TUR", "Indonesian": "IDN",
    "South African": "ZAF", "Nigerian": "NGA", "Kenyan": "KEN", "Ugandan": "UGA", "Ghanaian": "GHA",
    "Swedish": "SWE", "Dutch": "NLD", "Swiss": "CHE", "Polish": "POL", "Hungarian": "HUN", "Estonian": "EST",
    "Ukrainian": "UKR", "Israeli": "ISR", "Pakistani": "PAK", "Vietnamese": "VNM", "Cuban": "CUB",
    "Venezuelan": "VEN", "Algerian": "DZA", "Moroccan": "MAR", "Tunisian": "TUN", "Sudanese": "SDN",
    "Qatari": "QAT", "Bahraini": "BHR", "Omani": "OMN", "Kuwaiti": "KWT", "Jordanian": "JOR", "Iraqi": "IRQ",
    "Syrian": "SYR", "Lebanese": "LBN", "Belarusian": "BLR", "Kazakh": "KAZ", "Uzbek": "UZB", "Irish": "IRL",
    "Danish": "DNK", "Finnish": "FIN", "Norwegian": "NOR", "Austrian": "AUT", "Belgian": "BEL",
    "Portuguese": "PRT", "Greek": "GRC", "Czech": "CZE", "Romanian": "ROU", "Cypriot": "CYP", "Thai": "THA",
    "Malaysian": "MYS", "Singaporean": "SGP", "Filipino": "PHL", "Chilean": "CHL", "Colombian": "COL",
    "Peruvian": "PER", "Rwandan": "RWA", "Ethiopian": "ETH", "Tanzanian": "TZA", "Zimbabwean": "ZWE",
}
# The organs of a state (docs/codebook.md, "Whose position"): its government, ministers and agencies, its
# diplomats, its parliament acting as a body ("lawmakers" as newsrooms name it), its courts and its police.
GOVERNMENT_HEADS = (
    r"government|delegation|delegates|authorities|administration|officials|ministry|minister|president|side"
    r"|regulators?|parliament|lawmakers|legislators|legislature|congress|senate|state|embassy|mission"
    r"|foreign ministry|leadership|proposal|courts?|judges?|judiciary|police|prosecutors?|agenc(?:y|ies)"
)
# "US tech firms", "Brazil's telecom operators", "US Senator Jane Roe": a country's name on a noun for someone
# other than the state's organs names no state position (a single legislator speaks for himself, not the state).
# "Deputy" is left out: "Russia's deputy foreign minister" is the state.
NOT_THE_STATE_AFTER = re.compile(
    rf"(?:['’]s)?\s+(?:(?!(?:{GOVERNMENT_HEADS}|and|or)\b)[\w-]+\s+){{0,3}}?"  # up to three words, no organ of state
    r"(?:firms?|compan(?:y|ies)|operators?|carriers?|telcos?|providers?|industry|businesses|startups?|platforms?"
    r"|users?|citizens|consumers?|subscribers?|netizens|activists?|campaigners?|journalists?|media|newspapers?"
    r"|press|outlets?|broadcasters?|opposition|senator|congress(?:man|woman)|MP"
    r"|lawmaker|legislator|academics?|scholars?|experts?|researchers?|universit(?:y|ies)|civil society|NGOs?"
    r"|rights groups?|unions?|lobby|lobbies|diaspora)(?![\w-])"
    # ... as the head of its phrase, not a modifier of an organ: "Kenya's industry minister", "media regulator".
    rf"(?!(?:\s+[\w-]+){{0,2}}\s+(?:{GOVERNMENT_HEADS}|secretary|office|commission|council|watchdog)\b)",
    re.IGNORECASE,
)
# "ITU member states", "EU countries": the actor is a modifier, not the holder.
NOT_THE_ACTOR_AFTER = re.compile(
    r"\s*(?:member states|members|member countries|countries|nations|states|member governments)\b", re.IGNORECASE
)
PERSON_NAME = re.compile(r"\b[A-Z][a-zà-ÿ'’-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-zà-ÿ'’-]+){1,3}\b")
DETERMINERS = re.compile(r"^(?:the|a|an|some|and|but|because|so|then|also|while|whereas|that)\s+", re.IGNORECASE)


CJK = re.compile(r"[\u3400-\u9fff]")
# A name's edges: no letter, digit or hyphen of a word it would be part of; Chinese characters are no such word
# (Chinese has no spaces: "Meta表示" names Meta).
NOT_IN_A_WORD_BEFORE = r"(?<!-)(?<![^\W\u3400-\u9fff])"
NOT_IN_A_WORD_AFTER = r"(?!-)(?![^\W\u3400-\u9fff])"
ARABIC = re.compile(r"[\u0600-\u06ff]")
# Written attached to the word they precede: a conjunction, then a preposition ("وبروسيا", "لروسيا"); after "ل" the
# article's alif is dropped ("وفقاً للاتحاد", according to the Union).
ARABIC_CLITICS = "(?:[وف]?[بكل]?)"
ARABIC_LAM_ARTICLE = "(?:[وف]?لل)"


@functools.lru_cache(maxsize=8192)  # the same names are compiled for every document of a speaker
def _name_pattern(name: str, declined: bool = True) -> re.Pattern[str]:
    """Word-bounded; short all-caps aliases ("US", "ITU") are case-sensitive so "us" stays a pronoun. Chinese has
    no spaces between words, so a Chinese name is found anywhere, and a name in another script next to Chinese
    characters too; an Arabic one also after an attached conjunction or preposition ("وروسيا", "للاتحاد"). A
    Russian name is found in each of its cases ("по словам Максута Шадаева") where `declined` (not for a state's
    name, which the demonyms table declines where it names a holder)."""
    forms = russian_word_forms(name) if declined else None
    if forms is not None:
        escaped = r"\s+".join("(?:" + "|".join(map(re.escape, word)) + ")" for word in forms)
    else:
        escaped = re.escape(name).replace(r"\ ", r"\s+").replace("'", "['’]")
    if CJK.search(name):
        return re.compile(escaped)
    flags = 0 if (name.isupper() or len(name) <= 3) else re.IGNORECASE
    if ARABIC.search(name):
        escaped = _with_arabic_clitics(name, escaped)
    return re.compile(rf"{NOT_IN_A_WORD_BEFORE}{escaped}{NOT_IN_A_WORD_AFTER}", flags)


def _with_arabic_clitics(name: str, escaped: str) -> str:
    if name.startswith("ال"):
        return rf"(?:{ARABIC_CLITICS}ال|{ARABIC_LAM_ARTICLE}){escaped[2:]}"
    return ARABIC_CLITICS + escaped


SLUG_CHARS = 90


def slugify(name: str) -> str:
    """The one slug of a name, for actors made by the crawl and by the coder alike."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:SLUG_CHARS] or "actor"


@dataclass(frozen=True)
class Mention:
    key: str  # "country:RUS" or "actor:<slug>"
    start: int
    end: int
    text: str


@dataclass
class ActorLexicon:
    """Names by which actors are recognised in text."""

    entries: list[tuple[str, re.Pattern[str], int]] = field(default_factory=list)  # key, pattern, name length
    labels: dict[str, str] = field(default_factory=dict)
    reporters: set[str] = field(default_factory=set)  # keys of news media: they report positions, never hold them
    people: set[str] = field(default_factory=set)  # names of people a text introduced with their affiliation
    demonyms: Demonyms | None = None  # a language's "la délégation russe" (English: `_demonym`)
    # Actor key -> the store's kind of actor ("ngo", "firm"); shared, not copied, by the lexicon's extended copies
    # (one per document that introduces people): replace it to change it in one of them.
    kinds: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, name: str, label: str | None = None) -> None:
        name = name.strip()
        if len(name) < 2:
            return
        self.entries.append((key, _name_pattern(name, declined=not key.startswith("country:")), len(name)))
        self.labels.setdefault(key, label or name)

    @classmethod
    def countries(cls) -> ActorLexicon:
        lexicon = cls()
        for alpha3, names in english_country_names().items():
            for name in sorted(names, key=len, reverse=True):
                lexicon.add(f"country:{alpha3}", name, country_common_name(alpha3))
        demonyms = "|".join(re.escape(d) for d in sorted(DEMONYMS, key=len, reverse=True))
        lexicon._demonym = re.compile(rf"(?<![\w-])({demonyms})\s+(?:{GOVERNMENT_HEADS})\b")  # type: ignore[attr-defined]
        return lexicon

    def extended(self, names: dict[str, str], *, people: bool = True) -> ActorLexicon:
        """A copy that also knows `names` (name -> actor key): the people a text names with their affiliation, or
        (`people=False`) more names of actors."""
        copy = ActorLexicon(list(self.entries), dict(self.labels), set(self.reporters),
                            self.people | set(names) if people else set(self.people), self.demonyms, self.kinds)
        if hasattr(self, "_demonym"):
            copy._demonym = self._demonym  # type: ignore[attr-defined]
        for name, key in names.items():
            copy.add(key, name, self.labels.get(key, key))
        return copy.finalise()

    def for_language(self, language: str) -> ActorLexicon:
        """This lexicon with the country names and demonyms of `language`, for text in that language (built once)."""
        cache: dict[str, ActorLexicon] = self.__dict__.setdefault("_by_language", {})
        if language not in cache:
            copy = ActorLexicon(list(self.entries), dict(self.labels), set(self.reporters), set(self.people),
                                load_demonyms().get(language), self.kinds)
            for alpha3, names in country_names_in(language).items():
                for name in names:
                    copy.add(f"country:{alpha3}", name, country_common_name(alpha3))
            cache[language] = copy.finalise()
        return cache[language]

    def finalise(self) -> ActorLexicon:
        self.entries.sort(key=lambda entry: entry[2], reverse=True)
        return self

    def find(self, text: str) -> list[Mention]:
        """Actors named in `text`, longest names first, without overlaps, in text order."""
        # Memoised per document (the rules and the model read the same phrases); a lexicon that grows is another.
        return list(memoised(f"mentions:{len(self.entries)}", self, text, lambda: tuple(self._find(text))))

    def _find(self, text: str) -> list[Mention]:
        taken: list[tuple[int, int]] = []
        found: list[Mention] = []
        if self.demonyms is not None:  # "la délégation russe" before "Russie"-like names inside it
            for alpha3, start, end in self.demonyms.find(text):
                taken.append((start, end))
                found.append(Mention(f"country:{alpha3}", start, end, text[start:end]))
        for key, pattern, _length in self.entries:
            for match in pattern.finditer(text):
                span = (match.start(), match.end())
                if any(s < span[1] and span[0] < e for s, e in taken):
                    continue
                if NOT_THE_ACTOR_AFTER.match(text, match.end()) or self._not_a_holder(key, match, text):
                    taken.append(span)
                    continue
                taken.append(span)
                found.append(Mention(key, span[0], span[1], match.group(0)))
        demonym = getattr(self, "_demonym", None)
        if demonym is not None:
            for match in demonym.finditer(text):
                span = (match.start(1), match.end(1))
                if not any(s < span[1] and span[0] < e for s, e in taken):
                    taken.append(span)
                    found.append(Mention(f"country:{DEMONYMS[match.group(1)]}", span[0], span[1], match.group(1)))
        return sorted(found, key=lambda m: m.start)

    def _not_a_holder(self, key: str, match: re.Match[str], text: str) -> bool:
        """A country name's match that is an ordinary word ("la prensa china", "того") or modifies the noun after
        it ("中国企业": Chinese firms, in a language with demonym data; "US tech firms" in English)."""
        if not key.startswith("country:"):
            return False
        if self.demonyms is None:
            return bool(NOT_THE_STATE_AFTER.match(text, match.end()))
        return self.demonyms.is_a_word(match.group(0)) or self.demonyms.modifies_after(text, match.end())


@dataclass
class SpeakerNames:
    """How the speaker (the document's actor, or a gold statement's author) is named in text."""

    patterns: list[re.Pattern[str]] = field(default_factory=list)

    @classmethod
    def from_names(cls, names: list[str]) -> SpeakerNames:
        speaker = cls()
        seen: set[str] = set()
        for raw in names:
            for name in name_variants(raw):
                if name.lower() not in seen and len(name) >= 2:
                    seen.add(name.lower())
                    speaker.patterns.append(_name_pattern(name))
        return speaker

    def search(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the speaker is named in `text`."""
        return [match.span() for p in self.patterns for match in p.finditer(text)]


ORG_WORDS = re.compile(
    r"\b(?:of|and|the|for|union|association|organi[sz]ation|coalition|society|foundation|government|ministry"
    r"|commission|council|office|board|agency|department|committee|company|group|party|network|institute"
    r"|centre|center|international|without|borders|states|nations|federation|corporation|delegation)\b",
    re.IGNORECASE,
)


def name_variants(raw: str) -> list[str]:
    """Names, acronyms, surnames and role titles from a free-text actor description.

    "Ryan Heath (spokesperson for ...)" -> "Ryan Heath", "Heath"; "European Data Protection Board" -> "EDPB";
    "Yoweri Museveni (President of Uganda)" -> ..., "the President".
    """
    variants: list[str] = []
    outer = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", raw)
    inner = re.findall(r"\(([^)]*)\)", raw)
    parts = [p for p in re.split(r"\s*(?:/|;|,| et al\.?| and its )\s*", outer) if p.strip()]
    for group in inner:
        parts.extend(p for p in re.split(r"\s*[;,]\s*", group) if p.strip())
    for part in parts:
        part = part.strip(" .\"'“”")
        if not part or len(part) > 80:
            continue
        for quoted in re.findall(r"[\"“]([^\"”]+)[\"”]", part):
            variants.append(quoted)
        part = re.sub(r"[\"“][^\"”]*[\"”]", "", part).strip()
        part = re.sub(r"^(?:a|an|the)\s+", "", part, flags=re.IGNORECASE)
        if not part:
            continue
        variants.append(part)
        for sub in re.split(r"\s+and\s+", part):
            words = [w for w in re.findall(r"[A-Z][\w'’-]*", sub) if w.lower() not in ("of", "and", "the", "for")]
            if len(words) >= 2 and all(w[0].isupper() for w in words):
                acronym = "".join(w[0] for w in words)
                if len(acronym) >= 2:
                    variants.append(acronym)
            if PERSON_NAME.fullmatch(sub.strip()) and not ORG_WORDS.search(sub):
                variants.append(sub.split()[-1])
            elif len(sub.split()) >= 3:
                # "UK Home Office" is also "the Home Office".
                tail = sub.split()[1:]
                if tail[0][:1].isupper() and len(tail) >= 2:
                    variants.append(" ".join(tail))
        head = ORG_HEAD.search(part)
        if head:
            variants.append(head.group(1))  # "the Ministry", "the government"
        title = re.match(r"(?:[A-Z][a-z]+\s+){0,2}?(President|Prime Minister|Minister|Secretary|Commissioner"
                         r"|Chancellor|Director|Chair|Chairman|Spokesperson|Ambassador|Senator|Representative)\b",
                         part)
        if title:
            variants.append(title.group(1))
    return [v.strip() for v in variants if v.strip()]


ORG_HEAD = re.compile(r"(?:^|\s)(government|ministry|commission|council|parliament|delegation|office|department"
                      r"|agency|board|secretariat|administration|court)(?:\s+of\b|$)", re.IGNORECASE)


@dataclass(frozen=True)
class HolderRef:
    """Who a clause's position belongs to."""

    kind: HolderKind
    text: str = ""
    keys: tuple[str, ...] = ()

    @property
    def is_speaker(self) -> bool:
        return self.kind in ("speaker", "nonagent")


SPEAKER = HolderRef("speaker")


def resolve_holder(phrase: str, speaker: SpeakerNames, lexicon: ActorLexicon | None) -> HolderRef:
    """Classify a subject or attribution phrase."""
    text = phrase.strip(" ,;:\"'“”‘’—–-\t\n")
    while True:
        stripped = DETERMINERS.sub("", text)
        if stripped == text:
            break
        text = stripped
    if not text:
        return HolderRef("nonagent")
    if FIRST_PERSON.match(text):
        return HolderRef("speaker", text)
    # Named actors first: "the government of China" is China even when the speaker is "the government".
    if lexicon is not None:
        mentions = lexicon.find(text)
        if mentions:
            keys = tuple(dict.fromkeys(m.key for m in mentions))
            return HolderRef("actors", text, keys)
    if speaker.search(text):
        return HolderRef("speaker", text)
    if PRONOUN.match(text) and len(text.split()) <= 2:
        return HolderRef("pronoun", text)
    if HUMAN_NOUNS.search(text) or PERSON_NAME.search(text):
        return HolderRef("unknown", text)
    return HolderRef("nonagent", text)
