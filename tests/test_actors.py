"""One actor resolver for the crawl and the coder: a name lands on the same actor whichever path meets it, and a
state first met outside the registry is made once, with one name.

The crawl path is a real crawl of the fixture ITU contributions page (submitters "Russian Federation", "Arab
Group", "Korea (Republic of)", ...); the coding path is `code_documents` with the rule coder over a stored
document naming the same actors in a sentence.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from igtracker.actors import ActorResolver
from igtracker.coding import code_documents, load_codebook
from igtracker.coding.codebook import DEFAULT_CODEBOOK
from igtracker.crawl import run_crawl
from igtracker.db import session_factory
from igtracker.models import Actor, Document, Stance
from tests.factories import StoreBuilder
from tests.sites import FixtureSite
from tests.test_crawl import add_source, crawl_settings

NEWS = ("We reject any proposal to give governments control over the Internet. "
        "Meanwhile, Russia and the Arab Group want to bring the domain name system under the control of the ITU.")


def seed_registry(session: Session, site: FixtureSite) -> None:
    """Registry actors: the ITU (with its contributions page as a source), a news outlet, and the Arab Group
    under its registry name with the name ITU documents give it as an alias."""
    itu = Actor(slug="itu", name="International Telecommunication Union", kind="igo", aliases=["ITU"])
    arab_states = Actor(slug="arab-states", name="Arab States Group", kind="igo", aliases=["Arab Group"])
    session.add_all([itu, arab_states, Actor(slug="wire", name="Example Wire", kind="media", aliases=[])])
    session.flush()
    add_source(session, site, "itu-cwg", itu, "itu_contributions", "/itu/contributions.html")
    session.commit()


def crawl_contributions(database_url: str) -> None:
    report = run_crawl(crawl_settings(database_url), ["itu-cwg"], trigger="test")
    assert report.source("itu-cwg").documents_new == 5


def code_the_news(session: Session) -> list[str]:
    """Store a news report naming Russia and the Arab Group, code the store with the rules; the actors made."""
    builder = StoreBuilder(session)
    builder.document(session.scalar(select(Actor).where(Actor.slug == "wire")), "Treaty talks", NEWS)
    session.commit()
    report = code_documents(session, load_codebook(DEFAULT_CODEBOOK), coder="rules")
    session.commit()
    return report.actors_created


def holders_of(session: Session) -> dict[str, Actor]:
    """Who holds the coded "support" of intergovernmental control in the news report, by the name it used."""
    stances = session.scalars(select(Stance).where(Stance.issue_id == "control", Stance.position == "support"))
    return {("Russia" if s.actor.country == "RUS" else s.actor.slug): s.actor for s in stances}


def submitter_of(session: Session, number: str) -> Actor:
    """The actor a crawled ITU contribution ("C-001") was stored under."""
    [document] = [d for d in session.scalars(select(Document)) if (d.meta or {}).get("document_number") == number]
    assert document.actor is not None, f"{number} was stored without an actor"
    return document.actor


def states_of(session: Session, country: str) -> list[Actor]:
    return list(session.scalars(select(Actor).where(Actor.country == country)))


def test_the_crawl_then_the_coder_find_the_same_actors(engine: Engine, database_url: str,
                                                       own_site: FixtureSite) -> None:
    with session_factory(engine)() as session:
        seed_registry(session, own_site)
    crawl_contributions(database_url)
    with session_factory(engine)() as session:
        created = code_the_news(session)
        russia = submitter_of(session, "C-001")  # submitted by "Russian Federation"
        arab_group = submitter_of(session, "C-003")  # submitted by "Arab Group", the registry's alias
        holders = holders_of(session)
        assert holders["Russia"].id == russia.id and holders["arab-states"].id == arab_group.id
        assert arab_group.slug == "arab-states" and arab_group.in_registry
        assert [(a.slug, a.name, a.kind, a.in_registry) for a in states_of(session, "RUS")] == [
            ("russia", "Russia", "state", False)]
        assert russia.aliases == ["Russian Federation"]  # the name the crawl met it by
        assert created == []  # the coder made no actor: both were there


def test_the_coder_then_the_crawl_find_the_same_actors(engine: Engine, database_url: str,
                                                       own_site: FixtureSite) -> None:
    with session_factory(engine)() as session:
        seed_registry(session, own_site)
        assert code_the_news(session) == ["russia"]
    crawl_contributions(database_url)
    with session_factory(engine)() as session:
        holders = holders_of(session)
        assert submitter_of(session, "C-001").id == holders["Russia"].id
        assert submitter_of(session, "C-003").id == holders["arab-states"].id
        assert [(a.slug, a.name, a.in_registry) for a in states_of(session, "RUS")] == [("russia", "Russia", False)]


def test_a_country_named_in_any_language_is_its_state_on_both_paths(session: Session) -> None:
    """Submitter cells in the forms the attribution code knows, and the coder's country key, are one state each;
    a cell naming no country stays an organisation."""
    crawl, coder = ActorResolver(session), ActorResolver(session)
    russia = coder.resolve_key("country:RUS")
    assert russia is not None and (russia.slug, russia.name) == ("russia", "Russia")
    for cell in ("Russia", "Russian Federation", "Fédération de Russie", "Российская Федерация", "俄罗斯", "روسيا"):
        assert [a.id for a in crawl.resolve_submitters(cell, default_kind="igo")] == [russia.id], cell
    [uk] = crawl.resolve_submitters("UK", default_kind="igo")
    assert (uk.kind, uk.country, uk.name) == ("state", "GBR", "United Kingdom")
    assert ActorResolver(session).resolve_key("country:GBR").id == uk.id  # a later coding run finds it
    [union] = crawl.resolve_submitters("African Telecommunications Union", default_kind="igo")
    assert (union.kind, union.country) == ("igo", None)
    assert len(states_of(session, "RUS")) == 1 and len(states_of(session, "GBR")) == 1


def test_both_paths_prefer_the_registrys_state_to_one_met_before(session: Session) -> None:
    """A state made from text before the registry listed it under another id: both paths take the registry's."""
    builder = StoreBuilder(session)
    met = builder.actor("russia", "Russia", kind="state", country="RUS")
    met.in_registry = False
    registry = builder.actor("russian-federation", "Russian Federation", kind="state", country="RUS")
    session.commit()
    assert met.id < registry.id
    resolver = ActorResolver(session)
    assert resolver.resolve_key("country:RUS").id == registry.id  # the coder's country key
    assert resolver.resolve_key("actor:russia").id == registry.id  # the coder's name key of the other one
    for cell in ("Russia", "Russian Federation", "RUS"):  # the crawl's submitter cells
        assert [a.id for a in resolver.resolve_submitters(cell, default_kind="igo")] == [registry.id], cell
