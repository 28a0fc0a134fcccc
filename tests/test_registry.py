"""The source registry: validation errors that point at the entry, and a sync that never loses documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.config import DEFAULT_REGISTRY
from tracker.errors import RegistryError
from tracker.models import Actor, Bloc, Document, Source
from tracker.registry import load_registry, sync_registry

REGISTRY = """
[[blocs]]
id = "brics"
name = "BRICS"

[[actors]]
id = "brazil"
name = "Brazil"
kind = "state"
country = "bra"
aliases = ["Brasil", "Brazilian"]
blocs = ["brics"]

[[actors]]
id = "eff"
name = "Electronic Frontier Foundation"
kind = "ngo"

[[sources]]
id = "eff-updates"
actor = "eff"
kind = "feed"
url = "https://www.eff.org/rss/updates.xml"

[[sources]]
id = "itamaraty-news"
actor = "brazil"
kind = "listing"
url = "https://www.gov.br/mre/en/contact-us/press-area/press-releases"
options = { item_links = "article h2 a", next_page = "a.next" }
"""


def write(tmp_path: Path, text: str, name: str = "registry.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(RegistryError) as info:
        load_registry(write(tmp_path, text))
    return str(info.value)


def test_valid_registry_loads_with_defaults(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, REGISTRY))
    assert [a.id for a in registry.actors] == ["brazil", "eff"]
    assert registry.actors[0].country == "BRA"
    feed = registry.sources[0]
    assert feed.allowed_domains == ["www.eff.org"]
    assert registry.sources[1].options["item_links"] == "article h2 a"


def test_bad_field_names_file_entry_line_and_field(tmp_path: Path) -> None:
    message = error_of(tmp_path, REGISTRY.replace('kind = "ngo"', 'kind = "charity"'))
    assert "registry.toml, line 14: actors[1] (id = 'eff'), field 'kind'" in message
    assert "unknown kind 'charity'" in message
    assert "nothing was written" in message


def test_bad_country_code(tmp_path: Path) -> None:
    message = error_of(tmp_path, REGISTRY.replace('country = "bra"', 'country = "BRZ"'))
    assert "actors[0] (id = 'brazil'), field 'country'" in message
    assert "ISO 3166-1 alpha-3" in message


def test_listing_without_selector_is_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, REGISTRY.replace('item_links = "article h2 a", ', ""))
    assert "sources[1] (id = 'itamaraty-news'), field 'options'" in message
    assert "item_links: Field required" in message


def test_unknown_references_and_duplicates(tmp_path: Path) -> None:
    assert "unknown actor 'efff'" in error_of(tmp_path, REGISTRY.replace('actor = "eff"', 'actor = "efff"'))
    assert "unknown bloc(s) g77" in error_of(tmp_path, REGISTRY.replace('blocs = ["brics"]', 'blocs = ["g77"]'))
    assert "duplicate actors id(s): eff" in error_of(tmp_path, REGISTRY.replace('id = "brazil"', 'id = "eff"'))


def test_toml_syntax_error_names_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, REGISTRY.replace('name = "BRICS"', "name = BRICS"))
    assert "registry.toml: not valid TOML" in message and "line 4" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read registry .*nope.toml"):
        load_registry(tmp_path / "nope.toml")


def test_sync_creates_then_is_idempotent(session: Session, tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, REGISTRY))
    first = sync_registry(session, registry)
    session.commit()
    assert (first.actors.created, first.sources.created, first.blocs.created) == (2, 2, 1)
    again = sync_registry(session, registry)
    session.commit()
    assert (again.actors.unchanged, again.sources.unchanged, again.actors.created) == (2, 2, 0)
    brazil = session.scalar(select(Actor).where(Actor.slug == "brazil"))
    assert brazil is not None and [b.slug for b in brazil.blocs] == ["brics"]
    assert brazil.aliases == ["Brasil", "Brazilian"]


def test_rename_and_removal_keep_documents(session: Session, tmp_path: Path) -> None:
    sync_registry(session, load_registry(write(tmp_path, REGISTRY)))
    source = session.scalar(select(Source).where(Source.slug == "eff-updates"))
    assert source is not None
    session.add(Document(canonical_url="https://www.eff.org/a", url="https://www.eff.org/a", source_id=source.id,
                         actor_id=source.actor_id, content_hash="x", text="t"))
    session.commit()

    renamed = REGISTRY.replace('id = "eff-updates"', 'id = "eff-deeplinks"\nrenamed_from = ["eff-updates"]')
    renamed = renamed.replace('id = "eff"\n', 'id = "electronic-frontier-foundation"\nrenamed_from = ["eff"]\n')
    renamed = renamed.replace('actor = "eff"', 'actor = "electronic-frontier-foundation"')
    report = sync_registry(session, load_registry(write(tmp_path, renamed)))
    session.commit()
    assert report.sources.renamed == 1 and report.actors.renamed == 1
    doc = session.scalar(select(Document))
    assert doc is not None and doc.source is not None and doc.source.slug == "eff-deeplinks"
    assert doc.actor is not None and doc.actor.slug == "electronic-frontier-foundation"

    without_eff = renamed.split("[[sources]]")[0].replace(
        '[[actors]]\nid = "electronic-frontier-foundation"\nrenamed_from = ["eff"]\n'
        'name = "Electronic Frontier Foundation"\nkind = "ngo"\n', ""
    )
    report = sync_registry(session, load_registry(write(tmp_path, without_eff)))
    session.commit()
    assert report.actors.deactivated == 1 and report.sources.deactivated == 2
    gone = session.scalar(select(Source).where(Source.slug == "eff-deeplinks"))
    assert gone is not None and not gone.active and not gone.enabled
    assert session.scalar(select(Document)) is not None


def test_state_found_in_text_is_adopted_by_registry(session: Session, tmp_path: Path) -> None:
    session.add(Actor(slug="brasil", name="Brasil", kind="state", country="BRA", in_registry=False))
    session.commit()
    report = sync_registry(session, load_registry(write(tmp_path, REGISTRY)))
    session.commit()
    assert report.actors.renamed == 1 and report.actors.created == 1
    assert session.scalars(select(Actor.slug).where(Actor.country == "BRA")).all() == ["brazil"]


def test_removed_bloc_is_dropped(session: Session, tmp_path: Path) -> None:
    sync_registry(session, load_registry(write(tmp_path, REGISTRY)))
    session.commit()
    text = REGISTRY.replace('[[blocs]]\nid = "brics"\nname = "BRICS"\n', "").replace('blocs = ["brics"]', "")
    sync_registry(session, load_registry(write(tmp_path, text)))
    session.commit()
    assert session.scalars(select(Bloc)).all() == []


def test_bundled_registry_is_valid() -> None:
    registry = load_registry(DEFAULT_REGISTRY)
    ids = {a.id for a in registry.actors}
    required = {"itu", "icann", "eff", "google", "united-states", "russia", "china", "india", "brazil"}
    assert required <= ids, f"missing: {required - ids}"
    assert all(not s.verified for s in registry.sources if "127.0.0.1" not in s.url)
