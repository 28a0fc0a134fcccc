"""The registry of the sample site's publishers, with sources pointing at wherever the site is served."""

from __future__ import annotations

from typing import Any

import tomli_w

from igtracker.demo.site import (
    CONTRIBUTIONS_PATH,
    FEED_TYPES,
    LISTING_ITEM_LINKS,
    NEXT_PAGE_LINK,
    PROCEEDINGS_PATH,
    SampleDocument,
    channel_path,
    load_content,
    pages_of,
    sample_documents,
)

HEADER = "# Registry of the igtracker demo's sample site (written by igtracker.demo.registry.sample_registry).\n\n"


def _entry(values: dict[str, Any]) -> dict[str, Any]:
    """A registry entry without its empty fields (TOML has no null; the registry's defaults apply)."""
    return {key: value for key, value in values.items() if value not in (None, [], {})}


def _actor_entry(actor_id: str, actor: dict[str, Any]) -> dict[str, Any]:
    return {"id": actor_id, "name": actor["name"], "kind": actor["kind"], "country": actor.get("country"),
            "aliases": actor.get("aliases", []), "blocs": actor.get("blocs", []), "homepage": actor.get("homepage")}


def _sources(base_url: str, publisher: dict[str, Any], pages: list[SampleDocument]) -> list[dict[str, Any]]:
    common = {"actor": publisher["id"], "allowed_domains": ["127.0.0.1"], "frequency_hours": 24}
    channel, pid = publisher["channel"], publisher["id"]
    url = base_url + channel_path(publisher, pages)
    if channel in FEED_TYPES:
        return [{"id": f"{pid}-{publisher['section']}", "kind": "feed", "url": url, **common}]
    if channel == "sitemap":
        return [{"id": f"{pid}-sitemap", "kind": "sitemap", "url": url, **common}]
    if channel == "listing":
        options = {"item_links": LISTING_ITEM_LINKS, "next_page": NEXT_PAGE_LINK}
        return [{"id": f"{pid}-{publisher['section']}", "kind": "listing", "url": url, **common, "options": options}]
    return [{"id": f"{pid}-{d.path.rsplit('/', 1)[-1].rsplit('.', 1)[0]}", "kind": "document",
             "url": base_url + d.path, **common} for d in pages]


def sample_registry(base_url: str) -> str:
    """TOML text of a registry of the sample publishers, with sources pointing at the site served at base_url.

    Besides each publisher's feed, listing, sitemap or documents, the ITU's contribution table and ICANN's
    proceeding are registered with the specialised source kinds, so their documents go to their submitters.
    """
    base_url = base_url.rstrip("/")
    content = load_content()
    docs = sample_documents()
    actors = [_actor_entry(p["id"], p["actor"]) for p in content["publishers"]]
    actors += [_actor_entry(a["id"], a) for a in content["actors"]]
    sources = [source for publisher in content["publishers"]
               for source in _sources(base_url, publisher, pages_of(publisher["id"], docs))]
    proceeding = content["icann_proceeding"]
    sources.append({
        "id": "itu-wcit-contributions", "actor": "itu", "kind": "itu_contributions",
        "url": base_url + CONTRIBUTIONS_PATH, "allowed_domains": ["127.0.0.1"], "frequency_hours": 24,
        "options": {"table": "table.contributions", "formats": ["pdf"], "next_page": NEXT_PAGE_LINK},
    })
    sources.append({
        "id": "icann-public-comment", "actor": "icann", "kind": "icann_proceeding",
        "url": f"{base_url}{PROCEEDINGS_PATH}{proceeding['slug']}/", "allowed_domains": ["127.0.0.1"],
        "frequency_hours": 24, "options": {"item": ".submission", "organisation": ".organization::text"},
    })
    registry = {"blocs": [_entry(b) for b in content["blocs"]], "actors": [_entry(a) for a in actors],
                "sources": [_entry(_flag_sample(s)) for s in sources]}
    return HEADER + tomli_w.dumps(registry)


def _flag_sample(source: dict[str, Any]) -> dict[str, Any]:
    """Every sample source says so (options.sample): briefings built on its documents are marked as sample data."""
    return {**source, "options": {**source.get("options", {}), "sample": True}}
