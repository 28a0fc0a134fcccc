"""The rule coder's reading of sentences: each linguistic case, on sentences written for these tests."""

from __future__ import annotations

import pytest

from igtracker.coding import code_text, coder, load_codebook
from igtracker.coding.attribution import HolderRef
from igtracker.coding.coder import summarise
from igtracker.coding.rules import Reading
from igtracker.language import detect_language

SPEAKER = ["Example Alliance"]


@pytest.fixture(scope="module")
def codebook():  # type: ignore[no-untyped-def]
    return load_codebook()


def positions(text: str, codebook, speaker: list[str] | str = SPEAKER) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return summarise(code_text(text, speaker, codebook))


CASES = {
    "plain support": ("We support a greater role for the ITU in Internet governance.", {"control": "support"}),
    "plain opposition": ("Our government firmly opposes any transfer of Internet governance to an intergovernmental "
                         "body.", {"control": "oppose"}),
    "modal on a subject": ("The multi-stakeholder model must be preserved.", {"control": "oppose"}),
    "praise of the status quo": ("The multistakeholder model has served the world well.", {"control": "oppose"}),
    # Negation
    "negated acceptance of a replacement": ("We will not accept a proposal that replaces the multi-stakeholder "
                                            "model.", {"control": "oppose"}),
    "negated support": ("We do not support intergovernmental control of the Internet.", {"control": "oppose"}),
    "negated past endorsement": ("We never endorsed the idea of a tax on Internet traffic.", {"taxation": "oppose"}),
    "denial of a takeover": ("This resolution is not about taking over the Internet.", {"control": "support"}),
    # Contrast
    "but: the later clause wins": ("The ITU has a useful role in development, but it should not gain authority "
                                   "over the Internet.", {"control": "oppose"}),
    "however after a concession": ("Some call it a tax on innovation; however, a fair contribution from large "
                                   "platforms is necessary.", {"taxation": "support"}),
    # Conditionals
    "warning conditional": ("If governments take control of the Internet, innovation will suffer.",
                            {"control": "oppose"}),
    "condition without a target": ("If the treaty passes, we would consider supporting it.", {}),
    # Hedges still count, with less confidence
    "hedged warning": ("Proposals at the conference could lead to censorship of online content.",
                       {"surveillance": "oppose"}),
    # Questions
    "rhetorical why-question": ("Why should governments be allowed to read our private messages?",
                                {"surveillance": "oppose"}),
    "open question": ("Should the ITU run the Internet?", {}),
    # Opposing an opponent's proposal
    "rejecting a proposal for control": ("Our delegation rejects proposals that would give governments control "
                                         "over the Internet.", {"control": "oppose"}),
    "rejecting weaker encryption": ("We reject any proposal that would weaken end-to-end encryption.",
                                    {"surveillance": "oppose"}),
    # Keyword traps
    "ITU vision is not a control position": ("The company strongly supports the ITU's vision of connecting the "
                                             "unconnected.", {}),
    "welcoming the ITU": ("Our country welcomes the ITU Secretary-General to Geneva.", {}),
    "topic without position": ("Control of the Internet was discussed at length in Dubai.", {}),
    "description of ICANN": ("The report describes how ICANN coordinates domain names.", {}),
    "arms control is not Internet control": ("We support stronger state control of nuclear exports.", {}),
    # Loaded language
    "loaded pejorative": ("Mass surveillance has no place in a democratic society.", {"surveillance": "oppose"}),
    "modifier is not the subject": ("Backdoors in encryption put every user at risk.", {"surveillance": "oppose"}),
    "threat to a good": ("Network fees on content providers are a threat to the open Internet.",
                         {"taxation": "oppose"}),
    "proponents' frame": ("Large content providers should pay their fair share for network investment.",
                          {"taxation": "support"}),
    # Denials and complaints
    "defensive denial": ("The new law does not restrict freedom of expression.", {"surveillance": "support"}),
    "complaint of absence": ("The bill does not protect the privacy of users online.", {"surveillance": "oppose"}),
    "disavowal of one's own act": ("We don't want to censor the Internet.", {"surveillance": "support"}),
    "not wanting others to act": ("We don't want governments to censor the Internet.", {"surveillance": "oppose"}),
    # Harm and benefit events
    "harm to a good": ("This law will curtail freedom of speech online.", {"surveillance": "oppose"}),
    "benefit to a good": ("Strong encryption protects the privacy of millions of users.", {"surveillance": "oppose"}),
    "harm to public safety": ("End-to-end encryption undermines public safety and helps criminals hide.",
                              {"surveillance": "support"}),
    "worry for a good": ("We are deeply concerned about the privacy of users online.", {"surveillance": "oppose"}),
    "worry about a measure": ("We are concerned about mass surveillance of online users.",
                              {"surveillance": "oppose"}),
    # Description of others is not the speaker's stance
    "unnamed countries": ("Several countries want to give the ITU authority over the Internet.", {}),
    "reported critics": ("Critics say the multi-stakeholder model favours rich countries.", {}),
    "embedded question": ("The conference will discuss whether states should gain new powers over the Internet.", {}),
    "usage tax by name": ("The social media tax is a blatant attack on freedom of expression online.",
                          {"taxation": "oppose", "surveillance": "oppose"}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_linguistic_case(name: str, codebook) -> None:  # type: ignore[no-untyped-def]
    text, expected = CASES[name]
    assert positions(text, codebook) == expected


def test_hedge_lowers_confidence(codebook) -> None:  # type: ignore[no-untyped-def]
    plain = code_text("The proposals will lead to censorship of online content.", SPEAKER, codebook)
    hedged = code_text("The proposals might lead to censorship of online content.", SPEAKER, codebook)
    assert plain and hedged
    assert max(s.confidence for s in hedged) < max(s.confidence for s in plain)


def test_group_subject_gives_one_stance_per_named_country(codebook) -> None:  # type: ignore[no-untyped-def]
    text = ("Several governments, including Iran, Saudi Arabia and Cuba, want to hand the ITU authority over the "
            "Internet. They are opposed by Canada.")
    stances = code_text(text, ["Example Institute"], codebook)
    found = {(s.holder, s.issue_id, s.position) for s in stances}
    assert found == {
        ("country:IRN", "control", "support"),
        ("country:SAU", "control", "support"),
        ("country:CUB", "control", "support"),
        ("country:CAN", "control", "oppose"),
    }
    canada = next(s for s in stances if s.holder == "country:CAN")
    assert canada.evidence == "They are opposed by Canada."
    assert text[canada.start : canada.end] == canada.evidence


def test_reported_speech_is_attributed_to_the_named_actor(codebook) -> None:  # type: ignore[no-untyped-def]
    text = ('"Governments must have the sovereign right to manage their national segment of the Internet," '
            "the Russian delegation said.")
    stances = code_text(text, ["Example News"], codebook)
    assert {(s.holder, s.position) for s in stances if s.issue_id == "control"} == {("country:RUS", "support")}


def test_speaker_named_in_third_person_is_the_speaker(codebook) -> None:  # type: ignore[no-untyped-def]
    text = ("Jane Roe, the coalition's director, said that giving the ITU authority over the Internet would end "
            "the open Internet as we know it.")
    assert positions(text, codebook, "Jane Roe (director, Example Coalition)") == {"control": "oppose"}
    # The same words reported by someone else are Jane Roe's stance, not the reporter's.
    assert positions(text, codebook, "Example News") == {}


def test_pronoun_refers_to_the_last_named_speaker(codebook) -> None:  # type: ignore[no-untyped-def]
    text = ("Minister Ana Souza spoke after the vote. She said the tax on social media use would help pay for "
            "rural broadband.")
    assert positions(text, codebook, "Ana Souza (Minister of Communications)") == {"taxation": "support"}


def test_descriptive_paragraph_is_no_stance_for_the_publisher(codebook) -> None:  # type: ignore[no-untyped-def]
    text = ("The talks in Geneva will cover three questions: new powers to tax Internet traffic, whether states "
            "should monitor users, and who should manage the domain name system. Delegations are divided.")
    assert code_text(text, ["Example Think Tank"], codebook) == []


def test_non_english_text_is_detected() -> None:
    assert detect_language("Wir lehnen jede staatliche Kontrolle des Internets entschieden ab, sagte die "
                           "Ministerin am Montag in Berlin.") == "de"
    assert detect_language("We reject any state control of the Internet, the minister said in Berlin.") == "en"
    assert detect_language("ok") is None


NEWS_REPORT = """Delegates gather for contentious telecom treaty talks

Representatives of 150 countries opened a two-week conference on Monday to revise a treaty last updated in 1988.

The talks have drawn unusual attention. Belarus and Venezuela have proposed giving governments a greater say over how
the Internet is run.

"We are not here to take over the Internet," the conference chair, Maria Example, told reporters. She said the
meeting would focus on roaming charges.

Civil society groups warn that some of the proposals could legitimise censorship and surveillance.

Analysts expect the final text to be adopted by a vote next week.
"""


def test_news_report_gives_the_named_actors_positions_and_the_reporter_none(codebook) -> None:  # type: ignore[no-untyped-def]
    stances = code_text(NEWS_REPORT, ["Example Wire Service"], codebook)
    assert {(s.holder, s.issue_id, s.position) for s in stances} == {
        ("country:BLR", "control", "support"),
        ("country:VEN", "control", "support"),
    }


def test_campaign_statement_in_the_first_person(codebook) -> None:  # type: ignore[no-untyped-def]
    text = ("We, the undersigned organisations, are deeply concerned that proposals at the conference would extend "
            "the ITU's mandate to Internet governance. These proposals would threaten the multistakeholder model. "
            "We urge member states to reject any provision that legitimises content filtering. Governments must "
            "not use the treaty to introduce new charges on Internet traffic.")
    assert positions(text, codebook, ["Example Coalition"]) == {
        "control": "oppose", "surveillance": "oppose", "taxation": "oppose"}


def test_participle_names_its_backers_not_the_reporter(codebook) -> None:  # type: ignore[no-untyped-def]
    text = "The proposal, backed by Cuba and Bolivia, would give the ITU a role in assigning Internet addresses."
    stances = code_text(text, ["Example News"], codebook)
    assert {(s.holder, s.position) for s in stances} == {("country:CUB", "support"), ("country:BOL", "support")}


def test_a_named_actor_doing_the_thing_supports_it(codebook) -> None:  # type: ignore[no-untyped-def]
    stances = code_text("Iran will continue to crack down on illegal content online.", ["Example News"], codebook)
    assert {(s.holder, s.issue_id, s.position) for s in stances} == {("country:IRN", "surveillance", "support")}
    # An unnamed government doing it is only reported.
    assert code_text("The government will continue to crack down on illegal content online.", ["Example News"],
                     codebook) == []


def test_advocates_of_a_frame_hold_it_not_the_writer(codebook) -> None:  # type: ignore[no-untyped-def]
    text = "The debate pits advocates of cyber sovereignty against defenders of the multistakeholder model."
    assert code_text(text, ["Example Think Tank"], codebook) == []


# One sentence, one position per holder and issue: the rules themselves read these one way (checked with the
# settling of contradictions in coder._settle switched off), and the coder returns that one position.
ONE_POSITION_CASES = {
    # A purpose clause with a counter-verb: countering bad content is content control, not support for the content.
    "fighting a list of harms": ("Our ministry backs the filtering of online content by the state to fight "
                                 "extremism, scams and illegal content.", {"surveillance": "support"}),
    "combating in order to": ("We favour real-name registration for internet users in order to combat fraud, hate "
                              "speech and extremist content.", {"surveillance": "support"}),
    "curbing one harm": ("We support content filtering to curb harmful content.", {"surveillance": "support"}),
    "opposing the measure despite its purpose": ("We oppose monitoring of internet users to combat harmful "
                                                 "content.", {"surveillance": "oppose"}),
    # The head of "X control over Y" is what the verb is about; Y only says what the control would be over.
    "control over a possessed complement": ("We reject plans to expand governmental control over the Internet's "
                                            "technical management.", {"control": "oppose"}),
    "control over a complement": ("We oppose attempts to impose state control over technical coordination of the "
                                  "Internet.", {"control": "oppose"}),
    "support and rejection of control over": ("We back the multistakeholder model and reject efforts to extend "
                                              "intergovernmental oversight over the Internet's technical "
                                              "management.", {"control": "oppose"}),
    # "Free from X", "refrain from X" act on their own object, not on a coordinated verb phrase after it.
    "free from, and to preserve": ("Our goal is to keep the Internet free from government control and to preserve "
                                   "the multistakeholder model.", {"control": "oppose"}),
    "refrain from, and respect": ("States should refrain from blocking websites and respect the privacy of users "
                                  "online.", {"surveillance": "oppose"}),
    # A harm under an attitude reaches every item of its object list.
    "harm to listed rights": ("The proposals raise concerns about their effect on human rights such as freedom of "
                              "expression and privacy online.", {"surveillance": "oppose"}),
    "restrictions on two goods": ("We oppose restrictions on free expression and privacy online.",
                                  {"surveillance": "oppose"}),
}


def _positions_by_holder(stances) -> dict[tuple[str, str], set[str]]:  # type: ignore[no-untyped-def]
    found: dict[tuple[str, str], set[str]] = {}
    for stance in stances:
        found.setdefault((stance.holder, stance.issue_id), set()).add(stance.position)
    return found


@pytest.mark.parametrize("name", list(ONE_POSITION_CASES))
def test_one_position_per_holder_and_issue(name: str, codebook, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text, expected = ONE_POSITION_CASES[name]
    wanted = {("speaker", issue): {position} for issue, position in expected.items()}
    assert _positions_by_holder(code_text(text, SPEAKER, codebook)) == wanted
    monkeypatch.setattr(coder, "_settle", lambda pairs: pairs)  # the rules alone, before any settling
    assert _positions_by_holder(code_text(text, SPEAKER, codebook)) == wanted


def test_a_bare_harm_judges_only_its_nearest_object(codebook) -> None:  # type: ignore[no-untyped-def]
    text = "This levy on internet data is a blow to small traders and to freedom of expression online."
    assert positions(text, codebook) == {"taxation": "oppose"}


def test_contradictory_readings_of_one_sentence_are_settled(codebook, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A direct attitude outweighs a guessed back-reference ("it" is the Internet here, not the model).
    anaphora = ("We back the multistakeholder model, which has let the Internet flourish, and we reject applying "
                "the treaty to it.")
    # Equal evidence: the object of the main verb, first in the sentence, outweighs the adjunct after it.
    adjunct = ("We endorse a multistakeholder stewardship of the root zone, with a larger advisory role for "
               "governments.")
    settled = {text: code_text(text, SPEAKER, codebook) for text in (anaphora, adjunct)}
    monkeypatch.setattr(coder, "_settle", lambda pairs: pairs)
    for text, stances in settled.items():
        assert _positions_by_holder(code_text(text, SPEAKER, codebook)) == {("speaker", "control"):
                                                                              {"support", "oppose"}}
        assert [(s.issue_id, s.position) for s in stances] == [("control", "oppose")]
        raw = max(s.confidence for s in code_text(text, SPEAKER, codebook) if s.position == "oppose")
        assert stances[0].confidence < raw  # a contested sentence is less sure


def test_settling_keeps_other_holders_and_issues_apart() -> None:
    speaker = HolderRef("speaker", "we")
    others = HolderRef("actors", "Freedonia", ("country:FRE",))

    def reading(issue: str, sign: int, confidence: float, at: int, holder: HolderRef = speaker) -> Reading:
        return Reading(issue, sign, confidence, holder, "attitude", "", 0, at=at)

    pairs = [("speaker", reading("control", -1, 0.8, 30)), ("speaker", reading("control", 1, 0.8, 3)),
             ("speaker", reading("surveillance", -1, 0.6, 10)), ("speaker", reading("taxation", 1, 0.65, 0)),
             ("speaker", reading("taxation", -1, 0.8, 40)), ("country:FRE", reading("control", -1, 0.7, 50, others))]
    kept = coder._settle(pairs)
    assert [(key, r.issue_id, r.sign, r.confidence) for key, r in kept] == [
        ("speaker", "control", 1, 0.64),  # a tie: the earlier target
        ("speaker", "surveillance", -1, 0.6),  # no contradiction: untouched
        ("speaker", "taxation", -1, 0.64),  # the more confident reading
        ("country:FRE", "control", -1, 0.7),  # another holder is not the speaker's contradiction
    ]


# Passive attitude verbs with a `by` agent: the agent holds the position on the passive subject, never the writer.
PASSIVE_CASES = {
    "proposal to hand control, opposed": (
        "Plans to hand the ITU authority over the Internet are opposed by Japan.",
        {("country:JPN", "control", "oppose")}),
    "two named agents": ("Charges on streaming platforms are opposed by Chile and Peru.",
                         {("country:CHL", "taxation", "oppose"), ("country:PER", "taxation", "oppose")}),
    "a list of agents": ("Government access to encrypted messages is backed by India, Pakistan and Egypt.",
                         {("country:IND", "surveillance", "support"), ("country:PAK", "surveillance", "support"),
                          ("country:EGY", "surveillance", "support")}),
    "a neutral target, supported": ("Real-name registration for social media accounts is supported by Vietnam.",
                                    {("country:VNM", "surveillance", "support")}),
    "a call in the subject, rejected": ("Calls for UN control of the Internet were rejected by Australia.",
                                        {("country:AUS", "control", "oppose")}),
    "a group of states including": ("The multistakeholder model is endorsed by a group of states including Norway "
                                    "and Chile.",
                                    {("country:NOR", "control", "oppose"), ("country:CHL", "control", "oppose")}),
    "perfect passive": ("A levy on Internet data has long been resisted by Uganda.",
                        {("country:UGA", "taxation", "oppose")}),
    "negated passive": ("Intergovernmental control of the Internet is not supported by Mexico.",
                        {("country:MEX", "control", "oppose")}),
    "negated contraction": ("Network fees on content providers weren't welcomed by Portugal.",
                            {("country:PRT", "taxation", "oppose")}),
    "an adjunct after the agent": ("Bans on encryption were criticised by Germany at the summit in Brazil.",
                                   {("country:DEU", "surveillance", "oppose")}),
    "coordinated participles": ("The multistakeholder model is backed by Canada and opposed by Iran.",
                                {("country:CAN", "control", "oppose"), ("country:IRN", "control", "support")}),
    "elliptic participle after but": ("A tax on Internet traffic is favoured by Zambia but opposed by Ghana.",
                                      {("country:ZMB", "taxation", "support"), ("country:GHA", "taxation", "oppose")}),
    "participle after a comma": ("Network fees, rejected by Sweden and Finland, remain on the agenda.",
                                 {("country:SWE", "taxation", "oppose"), ("country:FIN", "taxation", "oppose")}),
    "the speaker as agent": ("Intergovernmental control of the Internet is opposed by the Example Alliance.",
                             {("speaker", "control", "oppose")}),
    "first person agent": ("Government access to encrypted messages is opposed by us.",
                           {("speaker", "surveillance", "oppose")}),
    # No recognised agent: nobody's recorded stance, and not the writer's.
    "a generic agent": ("Intergovernmental control of the Internet is favoured by governments.", set()),
    "an unnamed many": ("Network fees on content providers are opposed by many.", set()),
    "critics": ("Real-name registration for social media accounts is criticised by critics.", set()),
    # A `by` phrase that names no agent is no passive agent.
    "evidence is no agent": ("Real-name registration for social media accounts is supported by little evidence.",
                             set()),
    "funding is no agent": ("The broadband fund is financed by fees on content providers.", set()),
    "control by governments is a noun phrase": ("Delegates debated control by governments at length.", set()),
    # An earlier verb with its own subject keeps the clause: the passive is inside its object.
    "active verb before a passive relative": ("We reject proposals for intergovernmental control of the Internet "
                                              "that are backed by Iran.", {("speaker", "control", "oppose")}),
    # A question asserts nothing.
    "an open question": ("Is a tax on Internet traffic supported by Zambia?", set()),
}


@pytest.mark.parametrize("name", list(PASSIVE_CASES))
def test_passive_agent_holds_the_position(name: str, codebook) -> None:  # type: ignore[no-untyped-def]
    text, expected = PASSIVE_CASES[name]
    assert {(s.holder, s.issue_id, s.position) for s in code_text(text, SPEAKER, codebook)} == expected


def test_passive_hedge_lowers_confidence(codebook) -> None:  # type: ignore[no-untyped-def]
    plain = code_text("A levy on Internet data was opposed by Uganda.", SPEAKER, codebook)
    hedged = code_text("A levy on Internet data was reportedly opposed by Uganda.", SPEAKER, codebook)
    assert {(s.holder, s.position) for s in plain} == {(s.holder, s.position) for s in hedged} == {
        ("country:UGA", "oppose")}
    assert hedged[0].confidence < plain[0].confidence


def test_passive_back_reference_with_negation(codebook) -> None:  # type: ignore[no-untyped-def]
    text = ("Several states proposed handing the ITU authority over the Internet. These proposals were not "
            "supported by Chile.")
    found = {(s.holder, s.issue_id, s.position) for s in code_text(text, ["Example Institute"], codebook)}
    assert ("country:CHL", "control", "oppose") in found
    assert not any(holder == "speaker" for holder, _issue, _position in found)


# The source of a transfer loses what moves: it counts reversed; the destination keeps its own polarity; what moves
# shows no side by itself. The rules alone read each one way (checked with coder._settle switched off too).
TRANSFER_CASES = {
    "take over ... from": ("We want the UN to take over the coordination of domain names from ICANN.",
                           {("speaker", "control", "support")}),
    "transfer ... from ... to": ("We back transferring control of the Internet from ICANN to an intergovernmental "
                                 "body.", {("speaker", "control", "support")}),
    "what moves is no side": ("We oppose transferring the IANA functions from ICANN to the ITU.",
                              {("speaker", "control", "oppose")}),
    "wrest ... from": ("We oppose any attempt to wrest authority over domain names from the multistakeholder "
                       "community.", {("speaker", "control", "oppose")}),
    "out of the hands of": ("The Example Alliance rejects plans to take the management of domain names out of the "
                            "hands of ICANN.", {("speaker", "control", "oppose")}),
    "away from, to a destination": ("We support moving root zone oversight away from the US government to the "
                                    "multistakeholder community.", {("speaker", "control", "oppose")}),
    "away from, to an intergovernmental destination": ("Our delegation supports moving root zone oversight away "
                                                       "from ICANN to an intergovernmental body.",
                                                       {("speaker", "control", "support")}),
    "a transition away from": ("We favour a transition away from the multistakeholder model.",
                               {("speaker", "control", "support")}),
    "negated acceptance of a transfer away": ("We will never accept the transfer of the IANA functions away from the "
                                              "multistakeholder community.", {("speaker", "control", "oppose")}),
    "replacing X with Y": ("We do not support replacing ICANN with an intergovernmental body.",
                           {("speaker", "control", "oppose")}),
    "instead of": ("We want an intergovernmental body to manage domain names instead of ICANN.",
                   {("speaker", "control", "support")}),
    "a named holder": ("Peru is opposing a transition away from the multistakeholder model.",
                       {("country:PER", "control", "oppose")}),
    # Not a transfer: "from" after other words keeps what it names.
    "support from": ("We welcome support from the multistakeholder community.", {("speaker", "control", "oppose")}),
    "input from": ("We strongly support input from the multistakeholder community.",
                   {("speaker", "control", "oppose")}),
    # A transfer described with no attitude is no stance; a "from" of time is no source.
    "described transfer": ("The plan would shift authority over domain names from the multistakeholder community to "
                           "governments.", set()),
    "from a date": ("The ITU will take over the secretariat from 2027.", set()),
}


@pytest.mark.parametrize("name", list(TRANSFER_CASES))
def test_transfer_source_counts_reversed(name: str, codebook, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text, expected = TRANSFER_CASES[name]
    assert {(s.holder, s.issue_id, s.position) for s in code_text(text, SPEAKER, codebook)} == expected
    monkeypatch.setattr(coder, "_settle", lambda pairs: pairs)  # the rules alone, before any settling
    assert {(s.holder, s.issue_id, s.position) for s in code_text(text, SPEAKER, codebook)} == expected


# "V X as C": C is what the holder takes X to be, not what it rejects or welcomes. The attitude carries to C's target
# only through a relation the coder reads; otherwise no stance (and no framing by the writer).
AS_COMPLEMENT_CASES = {
    "passive, interference in a good": ("The resolution was denounced by Iran as interference in its national "
                                        "sovereignty over cyberspace.", {("country:IRN", "control", "support")}),
    "encroachment on a good": ("Cuba condemned the ruling as an encroachment on its cyber sovereignty.",
                               {("country:CUB", "control", "support")}),
    "incompatible with a good": ("India rejected the draft as incompatible with the rights of states to regulate "
                                 "cyberspace.", {("country:IND", "control", "support")}),
    "a victory for": ("Norway welcomed the outcome as a victory for multistakeholder governance.",
                      {("country:NOR", "control", "oppose")}),
    "a defeat for": ("Germany welcomed the ruling as a defeat for mass surveillance.",
                     {("country:DEU", "surveillance", "oppose")}),
    "the target heads the complement": ("We support the forum as a multistakeholder platform.",
                                        {("speaker", "control", "oppose")}),
    "a purpose": ("We reject the draft as an attempt to take control of the Internet.",
                  {("speaker", "control", "oppose")}),
    "the complement's own judgement": ("We reject the bill as a pretext for mass surveillance of online users.",
                                       {("speaker", "surveillance", "oppose")}),
    # A relation the coder cannot read: no stance rather than the verb's attitude on the target.
    "a matter of": ("Vietnam rejected the text as a matter of national sovereignty over the Internet.", set()),
}


@pytest.mark.parametrize("name", list(AS_COMPLEMENT_CASES))
def test_as_complement_is_the_reason_not_the_object(name: str, codebook) -> None:  # type: ignore[no-untyped-def]
    text, expected = AS_COMPLEMENT_CASES[name]
    assert {(s.holder, s.issue_id, s.position) for s in code_text(text, SPEAKER, codebook)} == expected


# "Take back": reclaiming authority is a transfer (its source counts reversed), not a harm to what is taken; taking
# back a freedom still revokes it.
TAKE_BACK_CASES = {
    "reclaiming control": ("National administrations ought to take back control of cyberspace.",
                           {("speaker", "control", "support")}),
    "reclaiming from the multistakeholder side": ("Our states must take back authority over domain names from ICANN "
                                                  "and the technical community.",
                                                  {("speaker", "control", "support")}),
    "win back from": ("We want to win back the root zone from the multistakeholder community.",
                      {("speaker", "control", "support")}),
    "rejecting a reclaim": ("We oppose any attempt by governments to take back oversight of the DNS from ICANN.",
                            {("speaker", "control", "oppose")}),
    "taking back a freedom is still a harm": ("We condemn the decree, which takes back the online privacy that "
                                              "citizens had won.", {("speaker", "surveillance", "oppose")}),
    # A source that is no target: no stance (not a harm to what moves).
    "a source with no side": ("Ordinary users should take back control of the Internet from national governments.",
                              set()),
}


@pytest.mark.parametrize("name", list(TAKE_BACK_CASES))
def test_take_back_is_a_transfer(name: str, codebook) -> None:  # type: ignore[no-untyped-def]
    text, expected = TAKE_BACK_CASES[name]
    assert {(s.holder, s.issue_id, s.position) for s in code_text(text, SPEAKER, codebook)} == expected


# Removing a party from where the Internet is governed: the party loses its place, the place shows no side.
REMOVAL_CASES = {
    "removing governments": ("We propose to remove national governments from the IGF process.",
                             {("speaker", "control", "oppose")}),
    "keeping governments out": ("The Example Alliance wants to keep governments out of the management of domain "
                                "names.", {("speaker", "control", "oppose")}),
    "rejecting the removal of governments": ("We reject any plan that would exclude states from decisions on "
                                             "Internet governance.", {("speaker", "control", "support")}),
    "governments as the subject": ("Sovereign states must never be sidelined in Internet governance.",
                                   {("speaker", "control", "support")}),
    "governments removed, prescribed": ("Governments ought to be excluded from multistakeholder bodies such as the "
                                        "IGF.", {("speaker", "control", "oppose")}),
    "excluding the other stakeholders": ("We strongly oppose the exclusion of civil society from Internet "
                                         "negotiations.", {("speaker", "control", "oppose")}),
    "stakeholders as the subject": ("Non-state stakeholders must not be shut out of Internet decision-making.",
                                    {("speaker", "control", "oppose")}),
    # The place left is not for or against: no reading of the multistakeholder process from the removal.
    "the place shows no side": ("The draft would remove industry from the multistakeholder process.", set()),
    "described, not judged": ("Governments were excluded from the technical meetings on DNS security.", set()),
    # Not from a place of governance: no control stance.
    "a ban on an activity": ("We support rules that bar companies from selling browsing data online.", set()),
    # Exempting from a burden still reduces the burden.
    "exempt from a tax": ("We back exempting students from the Internet tax.", {("speaker", "taxation", "oppose")}),
}


@pytest.mark.parametrize("name", list(REMOVAL_CASES))
def test_removing_a_party_from_governance(name: str, codebook) -> None:  # type: ignore[no-untyped-def]
    text, expected = REMOVAL_CASES[name]
    assert {(s.holder, s.issue_id, s.position) for s in code_text(text, SPEAKER, codebook)} == expected
