"""The source registry: validation errors that point at the entry, and a sync that never loses documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.coding.codebook import CodebookError, load_codebook
from igtracker.coding.evaluate import load_gold
from igtracker.config import DEFAULT_REGISTRY
from igtracker.crawl_runs import begin_run, due_sources, finish_run, mark_source_finished
from igtracker.errors import RegistryError, TrackerError
from igtracker.models import Actor, Bloc, Document, Source
from igtracker.registry import load_registry, sync_registry

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


def test_unknown_references_and_duplicates_name_their_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, REGISTRY.replace('actor = "eff"', 'actor = "efff"'))
    assert "registry.toml, line 19: sources[0] (id = 'eff-updates'), field 'actor'" in message
    assert "unknown actor 'efff'" in message
    message = error_of(tmp_path, REGISTRY.replace('blocs = ["brics"]', 'blocs = ["g77"]'))
    assert "line 6: actors[0] (id = 'brazil'), field 'blocs'" in message and "unknown bloc(s) g77" in message
    message = error_of(tmp_path, REGISTRY.replace('id = "brazil"', 'id = "eff"'))
    assert "line 14: actors[1] (id = 'eff'), field 'id': duplicate actors id(s): eff" in message


@pytest.mark.parametrize("value", ["inf", "1e300", "nan", "0", "-1"])
def test_frequency_must_be_finite_and_sane(tmp_path: Path, value: str) -> None:
    text = REGISTRY.replace('url = "https://www.eff.org/rss/updates.xml"',
                            f'url = "https://www.eff.org/rss/updates.xml"\nfrequency_hours = {value}')
    message = error_of(tmp_path, text)
    assert "line 19: sources[0] (id = 'eff-updates'), field 'frequency_hours'" in message


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ('{ item_links = "article h2 a[", next_page = "a.next" }', "not a valid CSS selector"),
        ('{ item_links = "a", next_page = "a:nth-child(x)" }', "not a valid CSS selector"),
        ('{ item_links = "//a[@class=", selector_type = "xpath" }', "not a valid XPath expression"),
    ],
)
def test_selectors_compile_at_validation(tmp_path: Path, options: str, problem: str) -> None:
    message = error_of(tmp_path, REGISTRY.replace('options = { item_links = "article h2 a", next_page = "a.next" }',
                                                  f"options = {options}"))
    assert "line 25: sources[1] (id = 'itamaraty-news'), field 'options'" in message and problem in message


def test_regexes_compile_at_validation(tmp_path: Path) -> None:
    text = REGISTRY + """
[[sources]]
id = "brazil-sitemap"
actor = "brazil"
kind = "sitemap"
url = "https://www.gov.br/sitemap.xml"
options = { url_pattern = "/press/(" }

[[sources]]
id = "itu-council"
actor = "brazil"
kind = "itu_contributions"
url = "https://www.itu.int/md/S26-CL-C/en"
options = { submitter_header = "source|[submitter" }
"""
    message = error_of(tmp_path, text)
    assert "line 32: sources[2] (id = 'brazil-sitemap'), field 'options'" in message
    assert "url_pattern: not a valid regular expression (missing )" in message
    assert "line 39: sources[3] (id = 'itu-council'), field 'options'" in message
    assert "submitter_header: not a valid regular expression" in message


def test_files_that_are_not_utf8_text_say_so(tmp_path: Path) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_bytes(REGISTRY.replace("Brasil", "Brasília").encode("latin-1"))
    with pytest.raises(RegistryError, match=r"registry.toml: not UTF-8 text \(byte \d+\); save the registry as UTF-8"):
        load_registry(registry)
    binary = tmp_path / "codebook.yaml"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(CodebookError, match=r"codebook.yaml: not UTF-8 text"):
        load_codebook(binary)
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(b'{"text": "caf\xe9"}\n')
    with pytest.raises(TrackerError, match=r"gold.jsonl: not UTF-8 text"):
        load_gold(gold)


def test_a_stored_frequency_beyond_any_date_stops_no_crawl(session: Session, tmp_path: Path) -> None:
    """A store synced before frequencies were checked: that source is never due, the others still are."""
    sync_registry(session, load_registry(write(tmp_path, REGISTRY)))
    eff = session.scalar(select(Source).where(Source.slug == "eff-updates"))
    assert eff is not None
    eff.frequency_hours = float("inf")
    run = begin_run(session, list(session.scalars(select(Source))), trigger="test")
    for row in run.sources:
        mark_source_finished(session, run.id, row.source_id, "finished")
    finish_run(session, run.id)
    session.commit()
    later = datetime.now(UTC) + timedelta(days=2)
    assert [s.slug for s in due_sources(session, later)] == ["itamaraty-news"]


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
