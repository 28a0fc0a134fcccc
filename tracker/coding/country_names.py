"""How states are named: pycountry's English names with the short forms news text uses, CLDR's (Babel's) names in
each language the coder reads, and the short English name a state is given as an actor."""

from __future__ import annotations

import re

import pycountry
from babel import Locale, UnknownLocaleError

# Short names news text uses, where pycountry's name is formal ("Russian Federation", "Korea, Republic of").
COUNTRY_EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    "USA": ("United States", "United States of America", "US", "U.S.", "USA", "U.S.A.", "America"),
    "GBR": ("United Kingdom", "UK", "U.K.", "Britain", "Great Britain"),
    "RUS": ("Russia", "Russian Federation"),
    "CHN": ("China", "People's Republic of China", "PRC"),
    "ARE": ("United Arab Emirates", "UAE", "U.A.E.", "the Emirates"),
    "KOR": ("South Korea", "Republic of Korea"),
    "PRK": ("North Korea", "DPRK"),
    "IRN": ("Iran",),
    "SYR": ("Syria",),
    "TUR": ("Turkey", "Türkiye"),
    "CZE": ("Czech Republic", "Czechia"),
    "COD": ("Democratic Republic of the Congo", "DR Congo", "DRC"),
    "COG": ("Republic of the Congo",),
    "VNM": ("Vietnam", "Viet Nam"),
    "NLD": ("Netherlands", "the Netherlands"),
    "CIV": ("Côte d'Ivoire", "Ivory Coast"),
}

# Country -> short English name used for actor slugs ("united-states", "russia").
COMMON_NAMES: dict[str, str] = {
    "USA": "United States", "GBR": "United Kingdom", "RUS": "Russia", "KOR": "South Korea", "PRK": "North Korea",
    "IRN": "Iran", "SYR": "Syria", "TUR": "Turkey", "VNM": "Vietnam", "TZA": "Tanzania", "VEN": "Venezuela",
    "BOL": "Bolivia", "LAO": "Laos", "MDA": "Moldova", "TWN": "Taiwan", "COD": "DR Congo", "PSE": "Palestine",
}

# Forms CLDR's country names miss that statements use: "the Chinese side" (中方), the Russian abbreviations.
EXTRA_NAMES_BY_LANGUAGE: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {"CHN": ("中方", "中华人民共和国"), "RUS": ("俄方", "俄国"), "USA": ("美方",), "FRA": ("法方",),
           "GBR": ("英方",), "IND": ("印方",), "BRA": ("巴方",)},
    "ru": {"RUS": ("РФ", "Российская Федерация"), "USA": ("США",), "CHN": ("КНР",), "GBR": ("Великобритания",),
           "KOR": ("Южная Корея",), "ARE": ("Объединённые Арабские Эмираты", "Объединенные Арабские Эмираты")},
    "ar": {"USA": ("أمريكا", "الولايات المتحدة الأمريكية"), "RUS": ("روسيا الاتحادية",)},
    "fr": {"RUS": ("Fédération de Russie",), "GBR": ("Royaume-Uni",)},
    "es": {"RUS": ("Federación de Rusia",), "USA": ("EE. UU.", "EEUU")},
    "pt": {"RUS": ("Federação Russa",), "USA": ("EUA",)},
    "de": {"USA": ("USA", "Vereinigten Staaten", "Amerika"), "RUS": ("Russische Föderation", "Russischen Föderation"),
           "GBR": ("Großbritannien",), "CHN": ("Volksrepublik China",),
           "ARE": ("VAE", "Vereinigten Arabischen Emirate")},
}
# German names a state's holder in the genitive before it ("Russlands Delegation", "Chinas Regierung"): a one-word
# name without an article (not "die Schweiz", "die Türkei", "die Ukraine", "die USA") takes an -s.
GENITIVE_S = re.compile(r"^[A-ZÄÖÜ][\w-]*[^\W\d_sxzße](?<!ei)$")


def country_names_in(language: str) -> dict[str, set[str]]:
    """Country names in `language` from CLDR (Babel), by ISO alpha-3 code, with the extra forms above."""
    try:
        territories = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        return {}
    names: dict[str, set[str]] = {}
    for code, name in territories.items():
        country = pycountry.countries.get(alpha_2=code) if len(code) == 2 and code.isalpha() else None
        if country is not None:
            names.setdefault(country.alpha_3, set()).add(name)
    for alpha3, extra in EXTRA_NAMES_BY_LANGUAGE.get(language, {}).items():
        names.setdefault(alpha3, set()).update(extra)
    if language == "de":
        for forms in names.values():
            forms.update({f"{name}s" for name in forms if GENITIVE_S.match(name) and not name.isupper()})
    return names


def country_common_name(alpha3: str) -> str:
    """The short English name a state outside the registry is given ("Russia", not "Russian Federation")."""
    if alpha3 in COMMON_NAMES:
        return COMMON_NAMES[alpha3]
    country = pycountry.countries.get(alpha_3=alpha3)
    if country is None:
        return alpha3
    return getattr(country, "common_name", None) or country.name


def english_country_names() -> dict[str, set[str]]:
    """Every state's English names by alpha-3 code: pycountry's (none with a comma) and the short forms above."""
    names: dict[str, set[str]] = {}
    for country in pycountry.countries:
        found = names.setdefault(country.alpha_3, set())
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                found.add(value.removeprefix("the "))
    for alpha3, extra in COUNTRY_EXTRA_NAMES.items():
        names.setdefault(alpha3, set()).update(extra)
    return names
