"""Reported speech end to end: a news outlet's pages crawled by the real spiders, then coded.

The outlet (kind media) quotes Kenya's minister, the head of an NGO and a firm, in the ways newsrooms attribute
quotes (a lead-in and a blockquote, a quote then "she said", a colon, a surname, "according to"), and two voices
nobody can name. Each position must land on the actor quoted, with the outlet as its reporter; the outlet holds
none, and the unnamed voices give nothing. A French and a Spanish story do the same in their languages.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased

from igtracker.coding import code_documents, load_codebook
from igtracker.config import DEFAULT_CODEBOOK
from igtracker.crawl import run_crawl
from igtracker.db import session_factory
from igtracker.models import Actor, Document, Stance
from tests.sites import FOREIGN_NEWS_STORIES, FixtureSite, build_news_site
from tests.test_crawl import add_source, crawl_settings


def test_an_outlets_quotes_go_to_the_people_it_quotes(engine: Engine, database_url: str, tmp_path: Path) -> None:
    with FixtureSite(build_news_site(tmp_path / "site")) as site, session_factory(engine)() as session:
        outlet = Actor(slug="example-times", name="The Example Times", kind="media")
        session.add_all([outlet, Actor(slug="kenya", name="Kenya", kind="state", country="KEN"),
                         Actor(slug="access-now", name="Access Now", kind="ngo"),
                         Actor(slug="meta", name="Meta", kind="firm", aliases=["Meta Platforms"])])
        session.flush()
        add_source(session, site, "example-times", outlet, "listing", "/press/index.html", item_links="a.story")
        session.commit()
        report = run_crawl(crawl_settings(database_url), trigger="test")
        assert [(s.source, s.documents_new) for s in report.sources] == [("example-times", 2)]

        texts = list(session.scalars(select(Document.text)))
        assert any("“Network fees are a dangerous idea." in text for text in texts)  # the blockquote, as a quote
        code_documents(session, load_codebook(DEFAULT_CODEBOOK))
        session.commit()

        rows = held_positions(session)
    positions = {(r[0], r[1], r[2], r[3]) for r in rows}
    assert positions == {
        ("kenya", "taxation", "oppose", "example-times"),  # a lead-in and a blockquote
        ("access-now", "taxation", "oppose", "example-times"),  # a quote, then "she said"
        ("meta", "taxation", "oppose", "example-times"),  # "put it plainly in its submission:" and a blockquote
        ("access-now", "surveillance", "oppose", "example-times"),  # "Roe said", and the quote running on
        ("kenya", "surveillance", "support", "example-times"),  # according to the ministry
        ("meta", "surveillance", "oppose", "example-times"),  # "was explicit:" and a blockquote
    }
    assert {r[4] for r in rows if r[0] == "kenya" and r[1] == "taxation"} == {
        "“Network fees are a dangerous idea.", "We will never accept them.”"}
    evidence = " ".join(r[4] for r in rows)
    assert "long overdue" not in evidence and "fantasy" not in evidence  # the unnamed voices give nothing
    assert "Backdoors make everyone less safe." in evidence  # the second sentence of Roe's quote is hers too


def test_quotes_in_french_and_spanish_stories_go_to_the_people_quoted(engine: Engine, database_url: str,
                                                                      tmp_path: Path) -> None:
    with FixtureSite(build_news_site(tmp_path / "site", FOREIGN_NEWS_STORIES)) as site, \
            session_factory(engine)() as session:
        outlet = Actor(slug="le-quotidien", name="Le Quotidien", kind="media")
        session.add_all([outlet, Actor(slug="france", name="France", kind="state", country="FRA"),
                         Actor(slug="mexico", name="Mexico", kind="state", country="MEX"),
                         Actor(slug="access-now", name="Access Now", kind="ngo"),
                         Actor(slug="meta", name="Meta", kind="firm")])
        session.flush()
        add_source(session, site, "le-quotidien", outlet, "listing", "/press/index.html", item_links="a.story")
        session.commit()
        run_crawl(crawl_settings(database_url), trigger="test")
        assert set(session.scalars(select(Document.language))) == {"fr", "es"}
        code_documents(session, load_codebook(DEFAULT_CODEBOOK))
        session.commit()

        rows = held_positions(session)
    assert {(r[0], r[1], r[2], r[3]) for r in rows} == {
        ("france", "surveillance", "support", "le-quotidien"),  # "a-t-il ajouté" after the government is named
        ("access-now", "surveillance", "oppose", "le-quotidien"),  # "a réagi jeudi :" and a blockquote
        ("meta", "taxation", "oppose", "le-quotidien"),  # "dijo Meta" after the quote
        ("mexico", "surveillance", "support", "le-quotidien"),  # "según"
    }
    assert "attendu depuis longtemps" not in " ".join(r[4] for r in rows)  # an unnamed spokesperson: nobody's


def held_positions(session: Session) -> list[tuple[str, str, str, str | None, str]]:
    """Each stored stance as (holder's slug, issue, position, reporter's slug, evidence)."""
    holder, reporter = aliased(Actor), aliased(Actor)
    return [tuple(row) for row in session.execute(
        select(holder.slug, Stance.issue_id, Stance.position, reporter.slug, Stance.evidence)
        .join(holder, holder.id == Stance.actor_id).outerjoin(reporter, reporter.id == Stance.reporter_id)
    ).all()]
