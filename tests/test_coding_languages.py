"""Statements in the UN languages (and Portuguese and German) are coded, not set aside.

A French ministry page, a Russian foreign-ministry statement and a Chinese foreign-ministry page, served on
127.0.0.1 and crawled by the real spiders, must give stances to France, Russia and China with their evidence in
the original language; the rule coder's general cues and the codebook's terms by language are checked on
sentences written for these tests.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select

from igtracker.briefing import render_briefing
from igtracker.coding import load_codebook
from igtracker.coding.attribution import ActorLexicon
from igtracker.coding.coder import RuleCoder, summarise
from igtracker.coding.coders import CodingContext, code_with
from igtracker.coding.demonyms import DEMONYMS_FILE, load_demonyms, russian_word_forms
from igtracker.coding.multilingual import glosses
from igtracker.coding.store_coding import code_documents
from igtracker.config import DEFAULT_CODEBOOK, DEFAULT_REGISTRY, PACKAGE_DATA
from igtracker.crawl import run_crawl
from igtracker.db import session_factory
from igtracker.errors import TrackerError
from igtracker.language import detect_language
from igtracker.models import Actor, Document, Stance
from tests.sites import FixtureSite
from tests.test_crawl import add_source, crawl_settings


@pytest.fixture(scope="module")
def codebook():  # type: ignore[no-untyped-def]
    return load_codebook(DEFAULT_CODEBOOK)


def own_positions(text: str, language: str, codebook, speaker: str = "Example Ministry") -> dict[str, str]:  # type: ignore[no-untyped-def]
    lexicon = ActorLexicon.countries().finalise()
    stances = code_with(RuleCoder(), text, CodingContext((speaker,), lexicon, language), codebook)
    return summarise(stances)


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("fr", "Nous rejetons toute taxe sur le trafic Internet.", {"taxation": "oppose"}),
    ("fr", "Nous ne soutenons pas le modèle multipartite.", {"control": "support"}),
    ("es", "Rechazamos la vigilancia masiva y defendemos la libertad de expresión.", {"surveillance": "oppose"}),
    ("pt", "Apoiamos uma contribuição justa das grandes plataformas para as redes.", {"taxation": "support"}),
    ("ru", "Мы не поддерживаем идею налога на трафик.", {"taxation": "oppose"}),
    ("ru", "Эти меры подрывают свободу слова в сети.", {"surveillance": "oppose"}),
    ("ar", "نرفض الهيمنة على الإنترنت وندعم السيادة الرقمية للدول.", {"control": "support"}),
    ("zh", "我们不支持对平台征税。", {"taxation": "oppose"}),
    ("zh", "我们支持依法打击网络谣言。", {"surveillance": "support"}),
    ("de", "Wir lehnen jede staatliche Kontrolle des Internets ab.", {"control": "oppose"}),  # "lehnen ... ab"
    ("de", "Wir sprechen uns ausdrücklich für das Multistakeholder-Modell aus.", {"control": "oppose"}),
    ("de", "Wir unterstützen die Vorratsdatenspeicherung nicht.", {"surveillance": "oppose"}),  # "nicht" at the end
    ("de", "Eine Datenmaut können wir keinesfalls akzeptieren.", {"taxation": "oppose"}),  # before a verb at the end
    ("de", "Die Datenmaut lehnen wir nicht grundsätzlich ab.", {"taxation": "support"}),
    ("de", "Wir lehnen jedes Gesetz ab, das die Verschlüsselung schwächt.", {"surveillance": "oppose"}),  # harm last
    ("de", "Das neue Entgeltmodell gefährdet die Netzneutralität.", {"taxation": "oppose"}),  # harm, no attitude
    ("de", "Wir unterstützen nicht nur die Netzneutralität, sondern auch freie Medien.", {"taxation": "oppose"}),
    ("de", "Wir befürworten die Bekämpfung illegaler Inhalte, aber wir lehnen die Vorratsdatenspeicherung ab.",
     {"surveillance": "oppose"}),  # the later clause wins
    ("de", "Eine anlasslose Massenüberwachung aller Bürger darf es in Europa nicht geben.", {"surveillance": "oppose"}),
])
def test_general_cues_and_terms_read_each_language(language: str, text: str, expected: dict[str, str],
                                                  codebook) -> None:  # type: ignore[no-untyped-def]
    assert own_positions(text, language, codebook) == expected


def test_a_question_states_nothing(codebook) -> None:  # type: ignore[no-untyped-def]
    assert own_positions("Faut-il une taxe sur le trafic Internet ?", "fr", codebook) == {}
    assert own_positions("是否应当征收互联网税？", "zh", codebook) == {}
    assert own_positions("Brauchen wir eine Digitalsteuer?", "de", codebook) == {}


@pytest.mark.parametrize("text", [
    "Der Ausschuss hat am Dienstag über die Vorratsdatenspeicherung beraten.",  # a neutral term, no attitude
    "Der Datenschutzbeauftragte legte seinen Tätigkeitsbericht vor.",  # an office, not the good of privacy
    "Wir verteidigen die Netzsperren für nicht genehmigte Glücksspielangebote nicht.",
])
def test_german_descriptions_and_words_that_only_look_like_cues(text: str, codebook) -> None:  # type: ignore[no-untyped-def]
    expected = {"surveillance": "oppose"} if text.endswith("nicht.") else {}
    assert own_positions(text, "de", codebook) == expected


def test_others_named_in_the_text_hold_their_own_positions(codebook) -> None:  # type: ignore[no-untyped-def]
    lexicon = ActorLexicon.countries().finalise()
    text = "La Russie rejette le modèle multipartite. Nous soutenons le modèle multipartite."
    stances = code_with(RuleCoder(), text, CodingContext(("France",), lexicon, "fr"), codebook)
    assert summarise(stances, "country:RUS") == {"control": "support"}
    assert summarise(stances) == {"control": "oppose"}
    assert {s.holder_label for s in stances if s.holder == "country:RUS"} == {"Russia"}


def test_registry_aliases_and_country_names_in_chinese_and_arabic(codebook) -> None:  # type: ignore[no-untyped-def]
    lexicon = ActorLexicon.countries()
    lexicon.add("actor:itu", "国际电联", "International Telecommunication Union")  # a registry alias
    lexicon.finalise()
    stances = code_with(RuleCoder(), "国际电联支持多利益攸关方模式。俄方反对网络霸权。",
                        CodingContext(("China",), lexicon, "zh"), codebook)
    assert summarise(stances, "actor:itu") == {"control": "oppose"}
    assert summarise(stances, "country:RUS") == {"control": "support"}
    arabic = code_with(RuleCoder(), "وترفض روسيا الهيمنة على الإنترنت.", CodingContext(("France",), lexicon, "ar"),
                       codebook)
    assert summarise(arabic, "country:RUS") == {"control": "support"}  # "و" attached to the name


def test_an_arabic_name_is_found_after_the_words_written_attached_to_it() -> None:
    lexicon = ActorLexicon()
    lexicon.add("actor:itu", "الاتحاد الدولي للاتصالات")
    lexicon.add("actor:russia", "روسيا")
    lexicon.finalise()
    # "according to the Union": after "ل" the article's alif is not written; a conjunction and a preposition
    found = lexicon.find("وفقاً للاتحاد الدولي للاتصالات، فإن الاقتراح الذي تقدمت به ولروسيا وبالاتحاد الدولي للاتصالات")
    assert [m.key for m in found] == ["actor:itu", "actor:russia", "actor:itu"]
    assert lexicon.find("الاتحادات الدولية وروسياتي") == []  # still no part of a longer word


def test_a_name_in_latin_letters_is_found_next_to_chinese_characters() -> None:
    lexicon = ActorLexicon.countries()
    lexicon.add("actor:meta", "Meta")
    lexicon.finalise()
    assert [m.key for m in lexicon.find("Meta表示反对。")] == ["actor:meta"]  # no space between words in Chinese
    assert lexicon.find("Metadata and X-Meta") == []  # still no part of a longer word


def coded(text: str, language: str, codebook) -> list:  # type: ignore[no-untyped-def]
    lexicon = ActorLexicon.countries().finalise()
    return code_with(RuleCoder(), text, CodingContext(("Example Ministry",), lexicon, language), codebook)


@pytest.mark.parametrize(("language", "text", "state", "expected"), [
    ("en", "The Chinese government rejects any tax on Internet traffic.", "CHN", {"taxation": "oppose"}),
    ("fr", "Selon la délégation russe, il faut rejeter le modèle multipartite.", "RUS", {"control": "support"}),
    ("fr", "Le gouvernement brésilien soutient le modèle multipartite.", "BRA", {"control": "oppose"}),
    ("es", "El Gobierno chino defiende la soberanía digital de cada país.", "CHN", {"control": "support"}),
    ("pt", "A delegação brasileira defende o modelo multissetorial.", "BRA", {"control": "oppose"}),
    ("pt", "O governo russo defende a soberania digital.", "RUS", {"control": "support"}),
    ("ru", "Российская делегация выступает против гегемонии в интернете.", "RUS", {"control": "support"}),
    ("ru", "Китайская сторона поддерживает цифровой суверенитет.", "CHN", {"control": "support"}),
    ("ru", "МИД России выступает против гегемонии в интернете.", "RUS", {"control": "support"}),
    ("ru", "Делегация Китая поддерживает цифровой суверенитет.", "CHN", {"control": "support"}),
    ("ar", "ويرفض الوفد الروسي الهيمنة على الإنترنت.", "RUS", {"control": "support"}),
    ("ar", "وتدعم الحكومة الصينية السيادة الرقمية للدول.", "CHN", {"control": "support"}),
    ("zh", "俄外交部反对网络霸权。", "RUS", {"control": "support"}),
    ("zh", "沙特政府支持网络主权。", "SAU", {"control": "support"}),
    ("de", "Die russische Delegation befürwortet eine stärkere Rolle der ITU.", "RUS", {"control": "support"}),
    ("de", "Die chinesische Regierung unterstützt die Cybersouveränität.", "CHN", {"control": "support"}),
    ("de", "Brasiliens Regierung verteidigt das Multistakeholder-Modell.", "BRA", {"control": "oppose"}),
    # The state's other organs: its courts, police and parliament.
    ("en", "A Brazilian court rejected the mass surveillance of messaging users.", "BRA", {"surveillance": "oppose"}),
    ("fr", "Un tribunal brésilien rejette la surveillance de masse.", "BRA", {"surveillance": "oppose"}),
    ("es", "La justicia brasileña rechaza la vigilancia masiva.", "BRA", {"surveillance": "oppose"}),
    ("pt", "A polícia brasileira defende a soberania digital.", "BRA", {"control": "support"}),
    ("ru", "Российский суд выступает против гегемонии в интернете.", "RUS", {"control": "support"}),
    ("de", "Das deutsche Parlament befürwortet eine stärkere Rolle der ITU.", "DEU", {"control": "support"}),
])
def test_a_demonym_on_a_word_for_a_government_gives_its_state_the_position(
        language: str, text: str, state: str, expected: dict[str, str], codebook) -> None:  # type: ignore[no-untyped-def]
    stances = coded(text, language, codebook)
    assert summarise(stances, f"country:{state}") == expected
    assert summarise(stances) == {}  # not the speaker's own


@pytest.mark.parametrize(("language", "text", "state"), [
    ("fr", "Les entreprises chinoises rejettent toute taxe sur le trafic Internet.", "CHN"),
    ("fr", "La presse russe rejette le modèle multipartite.", "RUS"),
    ("es", "Las empresas brasileñas rechazan la vigilancia masiva.", "BRA"),
    ("es", "La prensa china defiende la soberanía digital de cada país.", "CHN"),  # "china" is also "China"
    ("pt", "As empresas brasileiras defendem o modelo multissetorial.", "BRA"),
    ("ru", "Российские компании выступают против гегемонии в интернете.", "RUS"),
    ("ar", "ترفض الشركات الروسية الهيمنة على الإنترنت.", "RUS"),
    ("zh", "中国企业反对网络霸权。", "CHN"),  # the country name as a modifier: Chinese firms
    ("de", "Russische Unternehmen lehnen jede Datenmaut ab.", "RUS"),
    ("de", "Die chinesische Presse kritisiert die Hegemonie im Cyberraum.", "CHN"),
])
def test_a_demonym_on_firms_or_the_press_names_no_state(language: str, text: str, state: str,
                                                       codebook) -> None:  # type: ignore[no-untyped-def]
    stances = coded(text, language, codebook)
    assert stances, "the sentence states a position"
    assert {s.holder for s in stances} == {"speaker"}
    assert summarise(stances, f"country:{state}") == {}


@pytest.mark.parametrize("text", [
    "Chinese firms reject any tax on Internet traffic.",
    "Brazil's telecom operators reject any tax on Internet traffic.",
    "US tech firms reject any tax on Internet traffic.",
    "US Senator Jane Roe rejects any tax on Internet traffic.",  # one legislator is not the state
])
def test_a_countrys_firms_or_one_legislator_are_not_the_state_in_english_either(
        text: str, codebook) -> None:  # type: ignore[no-untyped-def]
    assert not any(s.holder.startswith("country:") for s in coded(text, "en", codebook))


@pytest.mark.parametrize("subject", [
    "Brazil's government and telecom operators",  # the state named beside its firms
    "Brazil's deputy foreign minister",
    "Brazil's industry minister",  # a word for firms modifying an organ of the state
    "Brazil's media regulator",
    "Brazil's press secretary",
])
def test_a_countrys_organs_are_the_state_whatever_their_portfolio(
        subject: str, codebook) -> None:  # type: ignore[no-untyped-def]
    stances = coded(f"{subject} rejects any tax on Internet traffic.", "en", codebook)
    assert summarise(stances, "country:BRA") == {"taxation": "oppose"}


@pytest.mark.parametrize(("language", "phrase", "state"), [
    ("fr", "le ministre russe des Affaires étrangères", "RUS"),
    ("fr", "le ministère des Affaires étrangères russe", "RUS"),
    ("fr", "les autorités sud-africaines", "ZAF"),
    ("es", "el Ministerio de Relaciones Exteriores ruso", "RUS"),
    ("es", "las autoridades estadounidenses", "USA"),
    ("pt", "as autoridades chinesas", "CHN"),
    ("ru", "российской делегацией", "RUS"),
    ("ru", "Российский МИД", "RUS"),
    ("ru", "американских властей", "USA"),
    ("ru", "белорусская делегация", "BLR"),  # not "русская делегация" inside it
    ("ru", "МИД России", "RUS"),  # a holder and the state's name in the genitive
    ("ru", "представителями делегации Саудовской Аравии", "SAU"),
    ("ru", "власти США", "USA"),
    ("ru", "правительство Южной Кореи", "KOR"),
    ("ar", "للوفد الأمريكي", "USA"),
    ("ar", "وزارة الخارجية الروسية", "RUS"),
    ("ar", "الحكومة الجنوب أفريقية", "ZAF"),
    ("ar", "وفد سعودي", "SAU"),
    ("zh", "美政府", "USA"),
    ("de", "der russischen Delegation", "RUS"),
    ("de", "dem chinesischen Außenministerium", "CHN"),
    ("de", "der Schweizer Bundesrat", "CHE"),
    ("de", "die US-amerikanische Regierung", "USA"),
    ("de", "die belarussische Delegation", "BLR"),  # not "russische Delegation" inside it
    ("de", "Frankreichs Regierung", "FRA"),  # a name in the genitive
])
def test_demonym_forms_in_every_case_gender_and_article(language: str, phrase: str, state: str) -> None:
    lexicon = ActorLexicon.countries().finalise().for_language(language)
    assert [m.key for m in lexicon.find(phrase)] == [f"country:{state}"]


def test_a_russian_name_is_found_in_each_of_its_cases() -> None:
    # The head noun and what agrees with it decline; a dependent in the genitive stays as it is.
    lexicon = ActorLexicon()
    lexicon.add("actor:mincifry", "Министерство цифрового развития")
    lexicon.add("actor:shadaev", "Максут Шадаев")
    lexicon.finalise()
    found = lexicon.find("По словам Максута Шадаева, в Министерстве цифрового развития и Министерством развитий ...")
    assert [(m.key, m.text) for m in found] == [("actor:shadaev", "Максута Шадаева"),
                                                ("actor:mincifry", "Министерстве цифрового развития")]
    assert russian_word_forms("Совет Федерации") == (("Советом", "Совета", "Совете", "Совету", "Совет"),
                                                     ("Федерации",))
    assert russian_word_forms("Access Now") is None


@pytest.mark.parametrize(("language", "text", "names"), [
    ("fr", "Lors de la réunion du conseil, la Russie a parlé.", ["country:RUS"]),  # a meeting, not Réunion
    ("fr", "Le ministre s'est rendu à la Réunion.", ["country:REU"]),
    ("ru", "Для того чтобы защитить сеть, Того и Россия договорились.", ["country:TGO", "country:RUS"]),
    ("ru", "Власти того города против, как и власти Того.", ["country:TGO"]),  # "that city's", and Togo's
    ("ru", "Закон приняли в России, а в Китае его хвалят.", []),  # where, not who: no holder before the name
    ("es", "Un plato con chile, según la prensa china.", []),  # chili, and Chinese as an adjective
    ("ar", "طلبت تشيلي دعماً مالياً ودعم مالي إضافي.", ["country:CHL"]),  # مالي: financial, not Mali
])
def test_a_country_name_that_is_an_ordinary_word_names_no_state(language: str, text: str, names: list[str]) -> None:
    lexicon = ActorLexicon.countries().finalise().for_language(language)
    assert [m.key for m in lexicon.find(text)] == names


G20_STATES = {"ARG", "AUS", "BRA", "CAN", "CHN", "DEU", "FRA", "GBR", "IDN", "IND", "ITA", "JPN", "KOR", "MEX", "RUS",
              "SAU", "TUR", "USA", "ZAF"}


def test_every_state_of_the_registry_the_wcit_record_and_the_g20_has_its_demonyms() -> None:
    states = set(G20_STATES)
    for path in (DEFAULT_REGISTRY, PACKAGE_DATA / "wcit12" / "registry.toml"):
        states |= {a["country"] for a in tomllib.loads(path.read_text())["actors"] if a["kind"] == "state"}
    signatures = tomllib.loads((PACKAGE_DATA / "wcit12" / "signatures.toml").read_text())
    states |= set(signatures["signed"]) | set(signatures["did_not_sign"])
    listed = yaml.safe_load(DEMONYMS_FILE.read_text(encoding="utf-8"))["states"]
    missing = {(state, language) for state in states for language in ("fr", "es", "pt", "ru", "ar", "de")
               if not listed.get(state, {}).get(language)}
    assert len(states) >= 40 and missing == set()


@pytest.mark.parametrize(("content", "fault"), [
    ("languages:\n  fr: {order: holder-first, holders: [gouvernement]}\nstates:\n  XXX: {fr: [inconnu]}\n",
     r"'XXX' is not an ISO 3166-1 alpha-3 code"),
    ("languages:\n  fr: {order: holder-first, holders: [gouvernement], name_case: gent}\nstates: {}\n",
     r"languages\.fr\.name_case: only Russian names are inflected"),
])
def test_a_bad_demonyms_file_names_itself_and_the_fault(tmp_path: Path, content: str, fault: str) -> None:
    bad = tmp_path / "demonyms.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(TrackerError, match=r"(?s)demonyms\.yaml.*" + fault):
        load_demonyms(bad)


def test_the_codebook_glosses_its_terms_never_the_sentence(codebook) -> None:  # type: ignore[no-untyped-def]
    found = glosses("Россия выступает за цифровой суверенитет и против гегемонии.", "ru", codebook)
    assert found == [("цифровой суверенитет", "(digital) sovereignty"), ("гегемонии", "hegemony over the Internet")]
    assert glosses("A sentence in English about sovereignty.", "en", codebook) == []


def test_the_language_is_detected_once_and_alike() -> None:
    assert detect_language("La France soutient le modèle multipartite de la gouvernance de l'Internet.") == "fr"
    assert detect_language("中方一贯主张尊重各国网络主权，坚决反对任何形式的网络霸权。") == "zh"
    assert detect_language("Wir lehnen jede staatliche Kontrolle des Internets entschieden ab.") == "de"


def test_ministry_pages_in_french_russian_and_chinese_give_their_states_stances(
    engine: Engine, database_url: str, site_root: Path, tmp_path: Path,
) -> None:
    with FixtureSite(site_root) as site, session_factory(engine)() as session:
        states = {slug: Actor(slug=slug, name=name, kind="state", country=code)
                  for slug, name, code in (("france", "France", "FRA"), ("russia", "Russia", "RUS"),
                                           ("china", "China", "CHN"))}
        session.add_all(states.values())
        session.flush()
        for slug in states:
            add_source(session, site, f"mfa-{slug}", states[slug], "listing",
                       f"/ministries/{dict(france='fr', russia='ru', china='zh')[slug]}/index.html",
                       item_links="a.story")
        session.commit()
        report = run_crawl(crawl_settings(database_url), trigger="test")
        assert sorted((s.source, s.documents_new) for s in report.sources) == [
            ("mfa-china", 1), ("mfa-france", 1), ("mfa-russia", 1)]
        assert sorted(session.scalars(select(Document.language))) == ["fr", "ru", "zh"]

        coding = code_documents(session, load_codebook(DEFAULT_CODEBOOK))
        session.commit()
        assert coding.uncoded == {}
        rows = session.execute(select(Actor.slug, Stance.issue_id, Stance.position, Stance.evidence)
                               .join(Actor, Actor.id == Stance.actor_id)).all()
    positions: dict[tuple[str, str], set[str]] = {}
    for slug, issue, position, _evidence in rows:
        positions.setdefault((slug, issue), set()).add(position)
    assert positions[("france", "control")] == {"oppose"}
    assert positions[("france", "surveillance")] == {"oppose"}
    assert positions[("france", "taxation")] == {"oppose"}
    assert positions[("russia", "control")] == {"support"}
    assert positions[("china", "control")] == {"support"}
    assert positions[("china", "surveillance")] == {"support"}
    assert {slug for slug, *_ in rows} == {"france", "russia", "china"}
    evidence = {slug: {r[3] for r in rows if r[0] == slug} for slug in ("france", "russia", "china")}
    assert "Nous ne soutenons pas la création d'une taxe sur le trafic Internet, qui pèserait sur les utilisateurs." \
        in evidence["france"]
    assert any("интернационализацию управления интернетом" in e for e in evidence["russia"])
    # The French page's "la délégation russe" is Russia's position, not France's.
    assert {(issue, position) for slug, issue, position, text in rows
            if slug == "russia" and "délégation russe" in text} == {("control", "support")}
    assert any("网络霸权" in e for e in evidence["china"])

    # The briefing quotes the evidence in its language, marked, with the codebook's glosses of its terms only.
    with session_factory(engine)() as session:
        result = render_briefing(session, "2026-W11", formats=["html"], out_dir=tmp_path,
                                 now=datetime(2026, 3, 20, tzinfo=UTC))
        session.commit()
    assert result.html_path is not None
    html = result.html_path.read_text(encoding="utf-8")
    assert '<span class="lang">FR</span> <q lang="fr">' in html
    assert '<q lang="zh">' in html and '<q lang="ru">' in html
    assert "= the multi-stakeholder model" in html  # the gloss of « modèle multipartite »
    assert "We do not support" not in html  # no translation of the sentence itself
