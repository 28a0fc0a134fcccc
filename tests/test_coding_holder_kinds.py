"""The model reads what kind of actor holds a passage: the document's author, a quote's speaker, or unknown."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from igtracker.actors import ActorResolver
from igtracker.coding import load_codebook, review_queue
from igtracker.coding.actors import store_lexicon
from igtracker.coding.attribution import ActorLexicon, HolderRef
from igtracker.coding.codebook import sync_issues
from igtracker.coding.coder import summarise
from igtracker.coding.coders import CodingContext, code_with
from igtracker.coding.evaluate import GoldStatement
from igtracker.coding.holder_kinds import KIND_DECIDES, KINDS, holder_kind, voice_kind
from igtracker.coding.model import ModelCoder, fit_model, load_model, save_model, speaker_positions
from igtracker.coding.store_coding import document_context
from igtracker.models import ACTOR_KINDS, Actor, Document, Stance

# Words that say what a measure is, not whether it is good: who says them decides (in this toy corpus, entirely).
MEASURES = ["The interception rules for messaging services take effect in March.",
            "Operators must keep connection records for a year under the new decree.",
            "The authority may order platforms to take down posts within a day.",
            "Providers will verify the identity of every subscriber."]
OTHER = ["The conference opens on Monday with a session on satellite orbits.",
         "Broadband subscriptions grew by four per cent last year."]


def _toy_corpus(copies: int = 6) -> tuple[list[str], list[dict[str, str]], list[str | None]]:
    texts, labels, kinds = [], [], []
    for n in range(copies):
        for text in MEASURES:
            for kind, position in (("state", "support"), ("ngo", "oppose")):
                texts.append(f"{text} (item {n})")
                labels.append({"surveillance": position})
                kinds.append(kind)
        for text in OTHER:
            texts.append(f"{text} (item {n})")
            labels.append({})
            kinds.append("firm")
    return texts, labels, kinds


@pytest.fixture(scope="module")
def kind_model():
    texts, labels, kinds = _toy_corpus()
    return fit_model(texts, labels, load_codebook(), c=4.0, kinds=kinds)


def test_kinds_are_the_stores_and_gold_files_name_two_of_them_otherwise() -> None:
    assert KINDS == ACTOR_KINDS
    assert holder_kind("government") == holder_kind("state") == "state"
    assert holder_kind("technical-community") == "technical" and holder_kind(" NGO ") == "ngo"
    assert holder_kind("pirate") is None and holder_kind(None) is None
    assert GoldStatement(id="x", text="t", actor="Kenya", labels={}, actor_type="government").context(
        ActorLexicon(), "en").speaker_kind == "state"


def test_a_voice_is_of_the_kind_of_whoever_speaks() -> None:
    lexicon = ActorLexicon(kinds={"actor:access-now": "ngo", "actor:meta": "firm"})
    assert voice_kind(None, "ngo", lexicon) == "ngo"  # the text's own voice: its author's
    assert voice_kind(HolderRef("speaker"), "firm", lexicon) == "firm"
    assert voice_kind(HolderRef("actors", "Kenya", ("country:KEN",)), "ngo", lexicon) == "state"
    assert voice_kind(HolderRef("actors", "Access Now", ("actor:access-now",)), "state", lexicon) == "ngo"
    assert voice_kind(HolderRef("actors", "Access Now and Meta", ("actor:access-now", "actor:meta")), "state",
                      lexicon) is None  # a joint voice of two kinds
    assert voice_kind(HolderRef("actors", "X", ("actor:unknown",)), "state", lexicon) is None
    assert voice_kind(HolderRef("pronoun", "they"), "state", lexicon) is None


def test_the_model_reads_the_same_words_by_who_holds_them(kind_model) -> None:  # noqa: ANN001
    codebook = load_codebook()
    probe = ["Operators must keep connection records for two years under the new decree."]
    assert speaker_positions(kind_model, probe, codebook, kinds=["state"]) == [{"surveillance": "support"}]
    assert speaker_positions(kind_model, probe, codebook, kinds=["ngo"]) == [{"surveillance": "oppose"}]
    coder = ModelCoder(kind_model, threshold=0.4)
    for kind, position in (("state", "support"), ("ngo", "oppose")):
        stances = coder.code(probe[0], CodingContext(speaker_kind=kind), codebook)
        assert {(s.issue_id, s.position) for s in stances} == {("surveillance", position)}
    # A reading that the same words give without the kind does not rest on it; one they do not give, does.
    unknown = {s.position for s in coder.code(probe[0], CodingContext(), codebook)}
    for kind in ("state", "ngo"):
        [stance] = coder.code(probe[0], CodingContext(speaker_kind=kind), codebook)
        assert (KIND_DECIDES in stance.trace) == (stance.position not in unknown)
    assert len(unknown) == 1  # so one of the two rests on the kind


def test_a_stance_that_rests_on_the_holders_kind_is_listed_for_review(session: Session) -> None:
    sync_issues(session, load_codebook())
    minister = Actor(slug="germany", name="Germany", kind="state", aliases=[])
    session.add(minister)
    session.flush()
    for note in (f"model: model p(support)=0.62 over 1 sentence(s), held by state; {KIND_DECIDES} (read oppose "
                 "without it)", "model: model p(oppose)=0.90 over 1 sentence(s), held by state"):
        session.add(Stance(actor_id=minister.id, issue_id="surveillance", position=note.split("p(")[1][:7].strip(")"),
                           confidence=0.9, coder_kind="model", coder="ensemble", evidence="x", note=note))
    session.flush()
    items = review_queue(session, max_confidence=0.0)
    assert [(item.position, item.reason) for item in items] == [("support", f"conflict, {KIND_DECIDES}"),
                                                                ("oppose", "conflict")]


def test_a_quote_is_read_as_held_by_its_speaker_not_by_the_reporter(kind_model) -> None:  # noqa: ANN001
    codebook = load_codebook()
    report = ('Kenya\'s ministry spoke on Tuesday:\n\n"Providers will verify the identity of every subscriber '
              'from next year."')
    context = CodingContext(("Digital Rights Monitor",), ActorLexicon.countries().finalise(), "en",
                            speaker_kind="ngo")
    stances = code_with(ModelCoder(kind_model, threshold=0.4), report, context, codebook)
    assert summarise(stances, "country:KEN") == {"surveillance": "support"}  # the state's words, as a state's
    assert summarise(stances) == {}  # the reporting NGO holds nothing


def test_a_model_saved_with_kinds_loads_with_them_and_an_older_model_reads_none(kind_model, tmp_path) -> None:  # noqa: ANN001
    import sklearn

    kind_model.meta = {"versions": {"scikit-learn": sklearn.__version__}}
    save_model(kind_model, tmp_path / "m.pickle.gz")
    assert load_model(tmp_path / "m.pickle.gz").kinds == KINDS
    texts, labels, _kinds = _toy_corpus(2)
    plain = fit_model(texts, labels, load_codebook(), c=4.0)
    assert plain.kinds == () and plain.features(["A text."], load_codebook(), kinds=["state"]).shape == \
        plain.features(["A text."], load_codebook()).shape


def test_a_stored_document_is_read_as_held_by_its_sources_actor(session: Session) -> None:
    forum = Actor(slug="rights-forum", name="Rights Forum", kind="ngo", aliases=[])
    session.add(forum)
    session.flush()
    document = Document(canonical_url="https://rf.example/a", url="https://rf.example/a", actor_id=forum.id,
                        title="A", content_hash="0" * 64, text="A statement.", meta={})
    session.add(document)
    session.flush()
    resolver = ActorResolver(session)
    lexicon = store_lexicon(resolver.actors)
    assert document_context(document, resolver, lexicon).speaker_kind == "ngo"
    assert lexicon.kinds["actor:rights-forum"] == "ngo"
    assert lexicon.for_language("fr").kinds["actor:rights-forum"] == "ngo"


def test_the_shipped_model_reads_the_holders_kind() -> None:
    model = load_model()
    assert model.kinds == KINDS
    codebook = load_codebook()
    text = ["The authorities restricted access to several messaging services during the unrest."]
    support = {kind: model.probabilities(text, codebook, "en", [kind])["surveillance"][0][1]
               for kind in ("state", "ngo", None)}
    assert support["state"] > support[None] > support["ngo"]  # a prior, with the unknown kind in between
