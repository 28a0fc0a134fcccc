"""The learned model, the ensemble and the coder registry: reproducible training, the shipped artefact, the policy."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from igtracker.coding import available_coders, get_coder, load_codebook
from igtracker.coding.attribution import ActorLexicon
from igtracker.coding.coder import SPEAKER_KEY, CodedStance, default_lexicon, summarise
from igtracker.coding.coders import CodingContext, code_with
from igtracker.coding.corpus import sha256_of, split_path
from igtracker.coding.ensemble import EnsembleCoder, EnsemblePolicy
from igtracker.coding.evaluate import GoldStatement
from igtracker.coding.model import (
    META_FILE,
    ModelCoder,
    chunk_texts,
    fit_model,
    load_model,
    read_in_chunks,
    rule_features,
    save_model,
    speaker_positions,
)
from igtracker.coding.training import THRESHOLDS, Readings, choose_policy
from igtracker.errors import TrackerError

SUPPORT = ["Operators deserve a fair contribution from the largest streaming platforms for the traffic they send.",
           "Big video platforms must pay their share of network costs, the minister said.",
           "A levy on the heaviest traffic generators would fund rural broadband.",
           "We back a network fee paid by the biggest content providers."]
OPPOSE = ["A network fee on content providers would be a toll on the open Internet.",
          "Charging platforms for traffic breaks net neutrality and hurts consumers.",
          "We reject any levy that makes services pay twice for the same traffic.",
          "Network fees are a tax on users in disguise, the consumer group warned."]
NEUTRAL = ["The regulator published its annual report on spectrum auctions.",
           "The conference opens on Monday with a session on satellite orbits.",
           "Broadband subscriptions grew by four per cent last year.",
           "The ministry's press office moved to a new building."]


def _data(copies: int = 5) -> tuple[list[str], list[dict[str, str]]]:
    texts, labels = [], []
    for n in range(copies):
        for text in SUPPORT:
            texts.append(f"{text} (item {n})")
            labels.append({"taxation": "support"})
        for text in OPPOSE:
            texts.append(f"{text} (item {n})")
            labels.append({"taxation": "oppose"})
        for text in NEUTRAL:
            texts.append(f"{text} (item {n})")
            labels.append({})
    return texts, labels


@pytest.fixture(scope="module")
def small_model():
    texts, labels = _data()
    return fit_model(texts, labels, load_codebook(), c=4.0)


def test_training_is_reproducible_and_learns_the_signal(small_model) -> None:  # noqa: ANN001
    codebook = load_codebook()
    texts, labels = _data()
    again = fit_model(texts, labels, codebook, c=4.0)
    probe = ["Streaming giants should pay a fair contribution to network costs.",
             "Such a levy would be a toll on every user of the open Internet."]
    first, second = small_model.probabilities(probe, codebook), again.probabilities(probe, codebook)
    assert all(np.allclose(first[i], second[i]) for i in first)
    assert speaker_positions(small_model, probe, codebook) == [{"taxation": "support"}, {"taxation": "oppose"}]
    assert speaker_positions(small_model, ["The summit ends on Friday."], codebook) == [{}]


@pytest.mark.parametrize(("text", "issue", "score", "anti_targets"), [
    ("Nous rejetons toute taxe sur le trafic Internet.", "taxation", -0.7, 0),
    ("Nous soutenons le modèle multipartite de gouvernance de l'Internet.", "control", -0.7, 1),
    ("Мы выступаем против налога на интернет-трафик.", "taxation", -0.7, 0),
])
def test_the_model_gets_the_reading_of_the_rules_of_the_texts_language(text: str, issue: str, score: float,
                                                                       anti_targets: int) -> None:
    codebook = load_codebook()
    issues = list(codebook.issue_ids)
    row = rule_features([text], codebook, issues).toarray()[0].tolist()
    # Per issue: the speaker's rule score, then pro, anti, good and bad targets; nothing on the other issues.
    at = issues.index(issue) * 5
    assert row[at] == pytest.approx(score) and row[at + 2] == anti_targets
    assert row[at + 1] + row[at + 2] >= 1
    assert not any(value for i, value in enumerate(row) if not at <= i < at + 5)


def test_saved_model_loads_with_its_metadata_and_refuses_another_library(small_model, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "m.pickle.gz"
    small_model.meta = {"versions": {"scikit-learn": "0.1.0"}, "train_sha256": "ab" * 32}
    save_model(small_model, path)
    with pytest.raises(TrackerError, match="scikit-learn 0.1.0.*tracker train"):
        load_model(path)
    import sklearn

    small_model.meta["versions"]["scikit-learn"] = sklearn.__version__
    save_model(small_model, path)
    assert load_model(path).meta["train_sha256"] == "ab" * 32
    small_model.meta["word_vectors_sha256"] = "00" * 32  # trained with vectors other than the shipped ones
    save_model(small_model, path)
    with pytest.raises(TrackerError, match="other word vectors.*tracker train"):
        load_model(path)
    with pytest.raises(TrackerError, match="no trained stance model"):
        load_model(tmp_path / "missing.pickle.gz")


def test_model_coder_points_at_a_sentence_of_the_text(small_model) -> None:  # noqa: ANN001
    text = ("The hearing was long.\n\nWe reject any levy that makes services pay twice for the same traffic. "
            "Operators should invest instead.")
    stances = ModelCoder(small_model, threshold=0.4).code(text, CodingContext(), load_codebook())
    assert stances and {s.issue_id for s in stances} == {"taxation"}
    for stance in stances:
        assert text[stance.start:stance.end] == stance.evidence and stance.coder_kind == "model"
    assert any(s.position == "oppose" and "pay twice" in s.evidence for s in stances)


def test_chunks_keep_paragraphs_apart() -> None:
    text = "One. Two. Three. Four.\n\nFive."
    groups, _, _ = read_in_chunks(text, None)
    assert [[s.text for s in g] for g in groups] == [["One.", "Two.", "Three."], ["Four."], ["Five."]]


def _grouped(text: str) -> list[list[str]]:
    return [[s.text for s in g] for g in read_in_chunks(text, None)[0]]


def test_chunks_follow_the_edges_of_quotes() -> None:
    # A quote is grouped as the speaker's own text would be, with the line that introduces it on the same line;
    # the report's other sentences are read apart.
    assert _grouped("The vote was on Monday. Turnout was low. “We oppose the levy. It is unfair.”\nCritics agreed.") \
        == [["The vote was on Monday."], ["Turnout was low.", "“We oppose the levy.", "It is unfair.”"],
            ["Critics agreed."]]
    # A quote ending inside its attribution stays one chunk; scare quotes leave a sentence in the text's voice.
    assert _grouped("“We oppose the levy. It is unfair,” Jane Roe told reporters.") \
        == [["“We oppose the levy.", "It is unfair,” Jane Roe told reporters."]]
    assert _grouped("The so-called “fair share” is a tax. We oppose it. Really.") \
        == [["The so-called “fair share” is a tax.", "We oppose it.", "Really."]]


def test_a_line_that_only_attributes_a_quote_goes_with_it_without_counting() -> None:
    text = "Jane Roe said on Tuesday:\n“We oppose the levy. It is unfair. Users pay twice. Nobody wants it.”"
    assert _grouped(text) == [["Jane Roe said on Tuesday:", "“We oppose the levy.", "It is unfair.",
                               "Users pay twice."], ["Nobody wants it.”"]]
    assert _grouped("“We oppose the levy.” That was the verdict of the Internet Society.") \
        == [["“We oppose the levy.”", "That was the verdict of the Internet Society."]]
    groups, _, _ = read_in_chunks(text, None)
    assert chunk_texts(groups, text) == [  # the quote's own marks are not read
        "Jane Roe said on Tuesday:\nWe oppose the levy. It is unfair. Users pay twice.", "Nobody wants it."]


def test_the_model_does_not_read_a_line_that_only_says_who_speaks() -> None:
    # The names in "X said on Tuesday:" are not the speaker's words; a lead that reports what was said is read.
    _, frames, texts = read_in_chunks("Jane Roe said on Tuesday:\n“We oppose the levy.”", "en")
    assert texts == ["We oppose the levy."] and len(frames) == 1
    _, _, texts = read_in_chunks("Jane Roe warned that users would pay twice:\n“We oppose the levy.”", "en")
    assert texts == ["Jane Roe warned that users would pay twice:\nWe oppose the levy."]
    _, _, texts = read_in_chunks("Además, ha subrayado que hay actores que no pagan. «Pedimos un marco justo».", "es")
    assert texts[0].startswith("Además, ha subrayado que hay actores que no pagan.")
    # What follows a word of speech is what was said, in Chinese without a word for "that".
    text = "外交部发言人周二表示，英国已放弃要求苹果设立后门。她说此举「保护了用户的自由」。"
    _, _, texts = read_in_chunks(text, "zh")
    assert texts[0].startswith("外交部发言人周二表示，英国已放弃")
    _, _, texts = read_in_chunks("外交部发言人周二表示：\n“我们反对设立后门。”", "zh")
    assert texts == ["我们反对设立后门。"]


def test_a_closing_line_in_another_language_goes_with_its_quote_and_ends_the_chunk() -> None:
    text = "“我们反对征收网络费。这对用户不公平。”外交部发言人表示。会议将于明天继续。"
    groups, frames, texts = read_in_chunks(text, "zh")
    assert [[s.text for s in g] for g in groups] == [
        ["“我们反对征收网络费。", "这对用户不公平。”", "外交部发言人表示。"], ["会议将于明天继续。"]]
    assert len(frames) == 1 and texts == ["我们反对征收网络费。这对用户不公平。", "会议将于明天继续。"]


def test_the_shipped_model_reads_a_quoted_statement_as_the_speakers_own() -> None:
    # The same statement, as published by its speaker and as a news item quotes it: the same positions.
    own = ("We will not accept a tax on Internet traffic. Charging content providers for the traffic their users "
           "ask for would make people pay twice. Such fees endanger the open Internet.")
    report = "The Internet Society said on Tuesday:\n“" + own + "”"
    codebook, coder = load_codebook(), get_coder("model")
    lexicon = ActorLexicon.countries().finalise().extended(
        {"Internet Society": "actor:isoc", "The Example Times": "actor:times"}, people=False)
    lexicon.reporters.add("actor:times")

    def positions(text: str, speaker: str) -> dict[str, str]:
        return summarise(code_with(coder, text, CodingContext((speaker,), lexicon, "en"), codebook),
                         {"speaker", "actor:isoc"})

    assert positions(own, "Internet Society") == positions(report, "The Example Times") == {"taxation": "oppose"}


def test_the_shipped_model_reads_a_chinese_quote_closed_by_its_speaker_as_the_speakers_own() -> None:
    own = "我们不会接受对互联网流量征税。向内容提供商收取流量费用，会让用户付两次钱。"
    report = "“" + own + "”互联网协会表示。"
    codebook, coder = load_codebook(), get_coder("model")
    lexicon = ActorLexicon.countries().finalise().extended(
        {"互联网协会": "actor:isoc", "示例时报": "actor:times"}, people=False)
    lexicon.reporters.add("actor:times")
    lexicon.kinds = {"actor:isoc": "ngo", "actor:times": "media"}

    def positions(text: str, speaker: str, kind: str) -> dict[str, str]:
        context = CodingContext((speaker,), lexicon, "zh", speaker_kind=kind)
        return summarise(code_with(coder, text, context, codebook), {"speaker", "actor:isoc"})

    assert positions(own, "互联网协会", "ngo") == positions(report, "示例时报", "media") == {"taxation": "oppose"}


def _stance(issue: str, position: str, confidence: float, start: int = 0, holder: str = SPEAKER_KEY,
            kind: str = "rule") -> CodedStance:
    return CodedStance(issue, position, holder, holder, confidence, "s", start, 1, "attitude", "t", coder_kind=kind)


class _Stub:
    version = "0"


def _ensemble(policy: EnsemblePolicy) -> EnsembleCoder:
    ensemble = EnsembleCoder.__new__(EnsembleCoder)
    ensemble.policy = policy
    return ensemble


def test_ensemble_policy() -> None:
    rules_say = [_stance("control", "oppose", 0.8)]
    model_says = [_stance("control", "support", 0.7, kind="model"), _stance("taxation", "support", 0.45, kind="model")]
    prefer_rules = _ensemble(EnsemblePolicy(0.5, "rules"))
    combined = prefer_rules.combine(rules_say, model_says, ["taxation", "control"])
    assert [(s.issue_id, s.position, s.coder_kind) for s in combined] == [("control", "oppose", "rule")]
    assert "model read support" in combined[0].trace
    lenient = _ensemble(EnsemblePolicy(0.4, "model")).combine(rules_say, model_says, ["taxation", "control"])
    assert {(s.issue_id, s.position, s.coder_kind) for s in lenient} == {("taxation", "support", "model"),
                                                                         ("control", "support", "model")}
    confident = _ensemble(EnsemblePolicy(0.5, "confident")).combine(rules_say, model_says, ["control"])
    assert [(s.position, s.coder_kind) for s in confident] == [("oppose", "rule")]
    # The rules give the sentence's position on control to Russia: the model's reading there is not the speaker's.
    others = [_stance("control", "support", 0.7, start=5, holder="country:RUS")]
    model_there = [_stance("control", "support", 0.9, start=5, kind="model")]
    kept = prefer_rules.combine(others, model_there, ["control"])
    assert [(s.holder, s.coder_kind) for s in kept] == [("country:RUS", "rule")]


def test_the_ensemble_weighs_each_voice_of_a_report_on_its_own() -> None:
    # A report's own sentence (start 0) and a quote of someone else (start 40) read differently: each keeps its
    # reading, instead of one side winning for the whole text.
    rules_say = [_stance("surveillance", "oppose", 0.7, start=40)]
    model_says = [_stance("surveillance", "support", 0.9, start=0, kind="model")]
    voice_of = {0: None, 40: ("actors", ("actor:access-now",))}
    ensemble = _ensemble(EnsemblePolicy(0.3, "confident"))
    by_voice = ensemble.combine(rules_say, model_says, ["surveillance"], "fr", lambda s: voice_of[s.start])
    assert {(s.start, s.position) for s in by_voice} == {(0, "support"), (40, "oppose")}
    as_one = ensemble.combine(rules_say, model_says, ["surveillance"], "fr")
    assert {(s.start, s.position) for s in as_one} == {(0, "support")}  # one voice: the surer reading wins


def test_ensemble_policy_by_language_and_rules_confidence() -> None:
    rules_say = [_stance("control", "oppose", 0.6)]
    model_says = [_stance("control", "support", 0.7, kind="model")]
    policy = EnsemblePolicy.from_dict({"model_threshold": 0.3, "on_conflict": "rules",
                                       "by_language": {"fr": {"model_threshold": 0.4, "on_conflict": "rules",
                                                              "rules_confidence": 0.65}}})
    assert EnsemblePolicy.from_dict(policy.as_dict()) == policy
    assert policy.for_language("fr").rules_confidence == 0.65 and policy.for_language("de") is policy
    ensemble = _ensemble(policy)
    english = ensemble.combine(rules_say, model_says, ["control"], "en")
    assert [(s.position, s.coder_kind) for s in english] == [("oppose", "rule")]
    assert "rules decide (default policy" in english[0].trace
    # In French the rules win a conflict only at 0.65 or more: at 0.6 the model decides, and the trace says why.
    french = ensemble.combine(rules_say, model_says, ["control"], "fr")
    assert [(s.position, s.coder_kind) for s in french] == [("support", "model")]
    assert "rules read oppose (0.60); model decides (policy for fr" in french[0].trace
    sure = ensemble.combine([_stance("control", "oppose", 0.8)], model_says, ["control"], "fr")
    assert [(s.position, s.coder_kind) for s in sure] == [("oppose", "rule")]
    # Where the rules are silent, the language's own threshold applies.
    unsure = [_stance("taxation", "support", 0.35, kind="model")]
    assert ensemble.combine([], unsure, ["taxation"], "en") and not ensemble.combine([], unsure, ["taxation"], "fr")
    with pytest.raises(ValueError, match="on_conflict"):
        EnsemblePolicy.from_dict({"by_language": {"fr": {"on_conflict": "coin"}}})


def _readings(language: str, text: str, gold: dict[str, str], ruled: list[CodedStance],
              modelled: list[CodedStance], copies: int = 3) -> Readings:
    statements = [GoldStatement(id=f"{language}{n}", text=text, actor="Speaker", labels=gold) for n in range(copies)]
    contexts = [CodingContext(("Speaker",), default_lexicon(), language) for _ in statements]
    return Readings(statements, contexts, [list(ruled) for _ in statements], [list(modelled) for _ in statements],
                    [{} for _ in statements])


def test_choose_policy_gives_every_language_one_policy_where_the_rules_keep_a_say() -> None:
    """Sure rules against a surer model that is right, in English and in French: one policy for both, and the rules
    keep their say (the model is not let decide every conflict). A right model reading at 0.5 passes every
    threshold up to 0.5: of those, which score alike, the one nearest the default's is taken, not the extreme."""
    conflict = ([_stance("control", "oppose", 0.95)], [_stance("control", "support", 0.97, kind="model")])
    silent_rules = ([], [_stance("taxation", "support", 0.5, kind="model")])
    readings = []
    for language, text in (("en", "The delegation spoke at length."), ("fr", "La délégation a parlé longuement.")):
        readings.append(_readings(language, text, {"control": "support"}, *conflict))
        readings.append(_readings(language, text, {"taxation": "support"}, *silent_rules))
    pooled = Readings(*(sum((getattr(r, name) for r in readings), []) for name in
                        ("statements", "contexts", "ruled", "modelled", "voices")))
    policy = choose_policy([pooled], ["taxation", "surveillance", "control"], EnsemblePolicy(0.3, "rules"))
    assert policy.by_language == ()
    assert policy.on_conflict != "model" and policy.for_language("fr") == policy
    assert policy.model_threshold == 0.3 > min(THRESHOLDS)
    # The rules still lose the conflicts they are the less sure of: "the more confident" decides here.
    assert policy.on_conflict == "confident"


def test_registered_coders_and_the_shipped_model() -> None:
    names = {c.name for c in available_coders()}
    assert {"rules", "model", "ensemble"} <= names
    with pytest.raises(TrackerError, match="no coder named 'nope'.*ensemble"):
        get_coder("nope")
    meta = json.loads(META_FILE.read_text(encoding="utf-8"))
    # The artefact is the one `tracker train` builds from the bundled train split, tuned on dev.
    assert meta["train_sha256"] == sha256_of(split_path("train"))
    assert meta["tuned_on"]["split"] == "dev" and meta["tuned_on"]["sha256"] == sha256_of(split_path("dev"))
    assert len(meta["cross_validation"]["macro_f1"]) == meta["cross_validation"]["folds"] == 5
    ensemble = get_coder("ensemble")
    stances = ensemble.code("Wij wijzen elke staatscontrole over het internet af.",
                            CodingContext(language="nl"), load_codebook())
    assert all(s.coder_kind == "model" for s in stances)  # the rules do not read Dutch; the model reads any


def test_the_ensembles_version_fits_the_store_with_a_policy_for_every_language() -> None:
    from igtracker.coding.multilingual import supported_languages
    from igtracker.coding.store_coding import coding_version
    from igtracker.models import DocumentCoding

    every = tuple((code, EnsemblePolicy(0.45, "rules", 0.85)) for code in sorted(supported_languages()))
    policy = EnsemblePolicy(0.35, "confident", 0.75, by_language=every)
    coder = EnsembleCoder(policy=policy)
    version = coding_version(load_codebook(), coder)
    assert len(version) <= DocumentCoding.__table__.c.version.type.length
    other = EnsembleCoder(policy=dataclasses.replace(policy, by_language=every[:-1]))
    assert coding_version(load_codebook(), other) != version  # a change of any language's policy recodes
