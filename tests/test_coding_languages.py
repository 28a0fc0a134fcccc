"""Statements in the UN languages (and Portuguese) are coded, not set aside.

A French ministry page, a Russian foreign-ministry statement and a Chinese foreign-ministry page, served on
127.0.0.1 and crawled by the real spiders, must give stances to France, Russia and China with their evidence in
the original language; the rule coder's general cues and the codebook's terms by language are checked on
sentences written for these tests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from igtracker.briefing import render_briefing
from igtracker.coding import load_codebook
from igtracker.coding.attribution import ActorLexicon
from igtracker.coding.coder import RuleCoder, summarise
from igtracker.coding.coders import CodingContext, code_with
from igtracker.coding.multilingual import glosses
from igtracker.coding.store_coding import code_documents
from igtracker.config import DEFAULT_CODEBOOK
from igtracker.crawl import run_crawl
from igtracker.db import session_factory
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
])
def test_general_cues_and_terms_read_each_language(language: str, text: str, expected: dict[str, str],
                                                  codebook) -> None:  # type: ignore[no-untyped-def]
    assert own_positions(text, language, codebook) == expected


def test_a_question_states_nothing(codebook) -> None:  # type: ignore[no-untyped-def]
    assert own_positions("Faut-il une taxe sur le trafic Internet ?", "fr", codebook) == {}
    assert own_positions("是否应当征收互联网税？", "zh", codebook) == {}


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
