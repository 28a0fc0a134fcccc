"""The attribution step (`igtracker.coding.voices`) through `code_with`: quotes go to whoever the report says speaks.

Each case is a newsroom's way of attributing a quote (see the module's docstring), read by the rule coder with the
outlet "Example News" as the document's speaker.
"""

from __future__ import annotations

import pytest

from igtracker.coding import load_codebook
from igtracker.coding.attribution import ActorLexicon, SpeakerNames
from igtracker.coding.codebook import Codebook
from igtracker.coding.coders import CodingContext, code_with, get_coder
from igtracker.coding.voices import named_people, quote_spans, sentence_voices

OUTLET = "Example News"


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return load_codebook()


@pytest.fixture(scope="module")
def lexicon() -> ActorLexicon:
    """Country names and a few registry actors; the outlet is a reporter."""
    lexicon = ActorLexicon.countries()
    for key, name in [("actor:access-now", "Access Now"), ("actor:meta", "Meta"), ("actor:isoc", "Internet Society"),
                      ("actor:example-news", OUTLET), ("actor:mincifry", "Максут Шадаев"),
                      ("actor:rkn", "Роскомнадзор")]:
        lexicon.add(key, name)
    lexicon.reporters.add("actor:example-news")
    return lexicon.finalise()


def positions(text: str, codebook: Codebook, lexicon: ActorLexicon,
              speaker: tuple[str, ...] = (OUTLET,)) -> set[tuple[str, str, str]]:
    stances = code_with(get_coder("rules"), text, CodingContext(speaker, lexicon, "en"), codebook)
    return {(s.holder, s.issue_id, s.position) for s in stances}


KENYA_AGAINST_FEES = {("country:KEN", "taxation", "oppose")}
ACCESS_NOW_FOR_ENCRYPTION = {("actor:access-now", "surveillance", "oppose")}

PATTERNS = [
    ("lead-in with a colon, blockquote below",
     "Kenya's ICT minister, Ana Ortiz, was blunt on Tuesday:\n“Network fees are a dangerous idea.”",
     KENYA_AGAINST_FEES),
    ("lead-in without a colon, blockquote below",
     "Kenya's ICT minister did not mince her words.\n“Network fees are a dangerous idea.”",
     KENYA_AGAINST_FEES),
    ("quote, then the speaker with an apposition",
     "“Network fees are a dangerous idea,” Ana Ortiz, Kenya's ICT minister, told reporters on Tuesday.",
     KENYA_AGAINST_FEES),
    ("quote, then said and the speaker",
     "“Network fees are a dangerous idea,” said Kenya's ICT minister.",
     KENYA_AGAINST_FEES),
    ("quote, then a pronoun pointing back to a person introduced earlier",
     "Ana Ortiz, Kenya's ICT minister, spoke after the meeting. “Network fees are a dangerous idea,” she said.",
     KENYA_AGAINST_FEES),
    ("surname after an introduction, and a quote running on",
     "Kenya's ICT minister Ana Ortiz spoke in Geneva. “The talks were long,” Ortiz said. "
     "“Network fees are a dangerous idea.”",
     KENYA_AGAINST_FEES),
    ("a quote over two paragraphs, attributed at the end of the first",
     "“The talks were long and difficult,” Ana Ortiz, Kenya's ICT minister, said.\n"
     "“Network fees are a dangerous idea, and we will say so again in Geneva.",
     KENYA_AGAINST_FEES),
    ("a quote of two sentences, attributed after the second",
     "“We listened to every delegation. Network fees are a dangerous idea,” said Kenya's ICT minister.",
     KENYA_AGAINST_FEES),
    ("the speaker named in the sentence after the quote",
     "“Network fees are a dangerous idea.” That was the verdict of Access Now.",
     {("actor:access-now", "taxation", "oppose")}),
    ("according to",
     "According to Access Now, network fees are a dangerous idea.",
     {("actor:access-now", "taxation", "oppose")}),
    ("the speaker, a role and an organisation, added that",
     "Jane Roe, director of Access Now, added that end-to-end encryption must be protected.",
     ACCESS_NOW_FOR_ENCRYPTION),
    ("the speaker, the role, added that (introduced earlier)",
     "Access Now director Jane Roe spoke in Brussels. Roe, the director, added that end-to-end encryption must "
     "be protected.",
     ACCESS_NOW_FOR_ENCRYPTION),
    ("said on a day, then a colon and a quote of several sentences",
     "Access Now director Jane Roe said on Tuesday: “End-to-end encryption must be protected. It keeps "
     "journalists safe.”",
     ACCESS_NOW_FOR_ENCRYPTION),
    ("British single quotation marks",
     "‘End-to-end encryption must be protected,’ said Jane Roe, director of Access Now.",
     ACCESS_NOW_FOR_ENCRYPTION),
    ("German quotation marks",
     "„End-to-end encryption must be protected“, said Jane Roe, director of Access Now.",
     ACCESS_NOW_FOR_ENCRYPTION),
    ("a firm's statement, with the outlet it was reported by",
     "“Encryption backdoors are a terrible idea,” Meta said in a statement, according to Example News.",
     {("actor:meta", "surveillance", "oppose")}),
    ("a firm's lead-in, then two quoted paragraphs",
     "Meta was explicit in its submission:\n“We oppose network fees.”\n“They would harm consumers.”",
     {("actor:meta", "taxation", "oppose")}),
    ("a third party named inside the quote keeps its own position",
     "“Brazil wants to give the ITU control over the Internet. We reject this proposal,” said Kenya's ICT "
     "minister.",
     {("country:BRA", "control", "support"), ("country:KEN", "control", "oppose")}),
    ("the United States in capitals before a title (not the pronoun 'us')",
     "US Ambassador Jane Roe said on Tuesday: “Network fees are a dangerous idea.”",
     {("country:USA", "taxation", "oppose")}),
    ("the United States in capitals after the quote",
     "“Network fees are a dangerous idea,” US officials told reporters.",
     {("country:USA", "taxation", "oppose")}),
    ("a court, named by its country's demonym",
     "A Kenyan court said on Tuesday: “Network fees are a dangerous idea.”",
     KENYA_AGAINST_FEES),
    ("lawmakers: the parliament acting",
     "“Network fees are a dangerous idea,” Kenyan lawmakers said in a report.",
     KENYA_AGAINST_FEES),
    ("the speaker's own press release quoting its director",
     "“We oppose network fees,” said Jane Roe, director of Digital Rights Watch.",
     {("speaker", "taxation", "oppose")}),
]

NOBODY = [
    ("an unnamed spokesperson", "“Network fees are a dangerous idea,” a spokesperson said."),
    ("a spokesperson, then a pronoun", "A spokesperson spoke after the meeting. “Network fees are a dangerous idea,”"
                                       " she said."),
    ("a person with no stated affiliation", "“Network fees are a dangerous idea,” Ana Ortiz said."),
    ("critics", "Critics say network fees are a dangerous idea."),
    ("one legislator, named with the country", "US Senator Jane Roe said: “Network fees are a dangerous idea.”"),
    ("a country's firms", "“Network fees are a dangerous idea,” US tech firms said."),
    ("according to the outlet", "According to Example News, network fees are a dangerous idea."),
    ("an outlet's reporter", "Jane Doe, a reporter at Example News, wrote: “Network fees are a dangerous idea.”"),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), PATTERNS, ids=[p[0] for p in PATTERNS])
def test_a_quote_goes_to_its_speaker(pattern: str, text: str, expected: set[tuple[str, str, str]],
                                     codebook: Codebook, lexicon: ActorLexicon) -> None:
    speaker = ("Digital Rights Watch",) if "press release" in pattern else (OUTLET,)
    assert positions(text, codebook, lexicon, speaker) == expected


@pytest.mark.parametrize(("pattern", "text"), NOBODY, ids=[n[0] for n in NOBODY])
def test_a_voice_nobody_can_name_holds_nothing(pattern: str, text: str, codebook: Codebook,
                                               lexicon: ActorLexicon) -> None:
    assert {h for h, _i, _p in positions(text, codebook, lexicon)} <= {"speaker"}  # the outlet's own voice at most
    assert "actor:example-news" not in {h for h, _i, _p in positions(text, codebook, lexicon, ("Access Now",))}


def test_the_outlet_never_holds_a_position_even_when_named(codebook: Codebook, lexicon: ActorLexicon) -> None:
    text = "Example News opposes network fees. “Network fees are a dangerous idea,” Example News reported."
    assert not any(h == "actor:example-news" for h, _i, _p in positions(text, codebook, lexicon, ("Meta",)))


def test_she_points_to_a_person_not_to_a_state_named_before() -> None:
    codebook, lexicon = load_codebook(), ActorLexicon.countries().finalise()
    text = ("The United States has put forward Jane Roe for the post. She believes that the multistakeholder model "
            "must be preserved.")
    assert positions(text, codebook, lexicon, ("Jane Roe",)) == {("speaker", "control", "oppose")}


def test_people_introduced_with_an_affiliation(lexicon: ActorLexicon) -> None:
    people = named_people("Ana Ortiz, Kenya's ICT minister, spoke. Access Now director Jane Roe agreed. "
                          "Jim Poe, a student, did not.", lexicon)
    assert people == {"Ana Ortiz": "country:KEN", "Ortiz": "country:KEN", "the minister": "country:KEN",
                      "Jane Roe": "actor:access-now", "Roe": "actor:access-now", "the director": "actor:access-now"}


def test_quote_spans_skip_apostrophes_and_run_over_paragraphs() -> None:
    text = "She said: “We don’t accept it.\n“Nor will we.” ‘Quite so,’ he said. It’s late."
    spans = [text[s.start : s.end] for s in quote_spans(text)]
    assert spans == ["“We don’t accept it.\n“Nor will we.”", "‘Quite so,’"]


ACCESS_NOW_AGAINST_SURVEILLANCE = {("actor:access-now", "surveillance", "oppose")}
# The same ways of attributing a quote in the other languages the rules read, each with its own words of speech
# (`speech` in tracker/data/language_cues.yaml) and quotation marks.
FOREIGN_PATTERNS = [
    ("fr", "quote, then a déclaré and the speaker",
     "« Nous rejetons la surveillance de masse. », a déclaré Access Now.", ACCESS_NOW_AGAINST_SURVEILLANCE),
    ("fr", "lead-in with a colon, the quote below",
     "Access Now a réagi mardi :\n« Nous rejetons la surveillance de masse. »", ACCESS_NOW_AGAINST_SURVEILLANCE),
    ("fr", "selon", "Selon Access Now, « la surveillance de masse est inacceptable ».",
     ACCESS_NOW_AGAINST_SURVEILLANCE),
    ("fr", "a-t-il ajouté, pointing back to a state named before",
     "Le gouvernement français a présenté le texte mercredi. « Nous soutenons le blocage des sites terroristes », "
     "a-t-il ajouté.", {("country:FRA", "surveillance", "support")}),
    ("es", "según a state", "Según el Gobierno de México, «la vigilancia de las comunicaciones es necesaria».",
     {("country:MEX", "surveillance", "support")}),
    ("pt", "quote, then disse", "“Rejeitamos a censura na internet”, disse Access Now.",
     ACCESS_NOW_AGAINST_SURVEILLANCE),
    ("de", "quote, then sagte", "„Wir lehnen die Vorratsdatenspeicherung ab“, sagte Access Now.",
     ACCESS_NOW_AGAINST_SURVEILLANCE),
    ("ru", "quote, then — заявил", "«Мы выступаем против цензуры в интернете», — заявил Access Now.",
     ACCESS_NOW_AGAINST_SURVEILLANCE),
    ("ru", "по словам and a declined name", "По словам Максута Шадаева, «мы поддерживаем блокировку VPN-сервисов».",
     {("actor:mincifry", "surveillance", "support")}),
    ("ru", "a declined agency after the quote", "«Мы поддерживаем блокировку VPN-сервисов», — сообщили в "
     "Роскомнадзоре.", {("actor:rkn", "surveillance", "support")}),
    ("ar", "verb first, then the quote", "وقالت Access Now: «نرفض الرقابة على الإنترنت».",
     ACCESS_NOW_AGAINST_SURVEILLANCE),
    ("zh", "a closing line after the quote", "“我们反对网络审查。”Access Now表示。", ACCESS_NOW_AGAINST_SURVEILLANCE),
    ("zh", "reported without quotation marks", "中国外交部发言人表示，中方支持网络主权。",
     {("country:CHN", "control", "support")}),
]


@pytest.mark.parametrize(("language", "pattern", "text", "expected"), FOREIGN_PATTERNS,
                         ids=[f"{p[0]}: {p[1]}" for p in FOREIGN_PATTERNS])
def test_a_quote_goes_to_its_speaker_in_every_language(language: str, pattern: str, text: str,
                                                       expected: set[tuple[str, str, str]], codebook: Codebook,
                                                       lexicon: ActorLexicon) -> None:
    stances = code_with(get_coder("rules"), text, CodingContext((OUTLET,), lexicon, language), codebook)
    assert {(s.holder, s.issue_id, s.position) for s in stances} == expected


@pytest.mark.parametrize(("language", "text", "speaker"), [
    ("fr", "Selon Access Now, la France doit renoncer à la surveillance de masse.", "Access Now"),
    ("fr", "Access Now a déclaré mardi que la France doit renoncer à la surveillance.", "Access Now"),
    ("ar", "قالت Access Now في بيان، إن قطع الإنترنت في السودان يخنق حرية التعبير.", "Access Now"),
    ("es", "«Es inaceptable», dijo un portavoz sobre la decisión de México.", None),
    ("fr", "Access Now a réagi.\n« Ce texte est une menace », a déclaré un porte-parole.", "Access Now"),
])
def test_what_is_said_of_an_actor_is_not_its_voice(language: str, text: str, speaker: str | None,
                                                   lexicon: ActorLexicon) -> None:
    # The actor named after "que", "إن" or a comma is spoken of; a spokesperson nobody names is nobody a stance can
    # go to, not whoever spoke before.
    voices = sentence_voices(text, SpeakerNames.from_names([OUTLET]), lexicon, language)
    assert [v.text for v in voices.values() if v.kind == "actors"] == ([speaker] if speaker else [])
    assert list(voices.values())[-1].kind == ("unknown" if "port" in text else "actors")
