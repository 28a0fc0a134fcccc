"""Demonyms in the coder's languages other than English: "la délégation russe" and "российская делегация" are Russia.

A demonym names its state only where it qualifies a holder noun (a government, a delegation, a ministry, the
authorities, a minister, a "side"); "les entreprises chinoises" or "российские компании" name no state, as in
English ("the Russian delegation" is Russia, "Russian firms" are not). The forms and the holder nouns of each
language are data (`tracker/data/demonyms.yaml`), reviewed by hand: CLDR ships no demonyms. Russian also names a
state by a holder noun and the state's name in the genitive ("МИД России"): those forms are CLDR's names, inflected
by pymorphy3.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from igtracker.coding.country_names import country_names_in
from igtracker.config import PACKAGE_DATA
from igtracker.errors import TrackerError

DEMONYMS_FILE = PACKAGE_DATA / "demonyms.yaml"
CASES = ("gent", "datv", "ablt", "loct")  # pymorphy3's grammemes: genitive, dative, instrumental, prepositional
CJK = re.compile(r"[\u3400-\u9fff]")


class LanguageSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: Literal["holder-first", "demonym-first"]
    holders: list[str] = Field(min_length=1)
    holder_endings: list[str] = Field(default_factory=list)
    demonym_endings: list[str] = Field(default_factory=list)
    holder_prefixes: list[str] = Field(default_factory=list)
    demonym_prefixes: list[str] = Field(default_factory=list)
    not_holders: list[str] = Field(default_factory=list)
    common_words: list[str] = Field(default_factory=list)
    name_case: str | None = None  # Russian: the case a state's name takes after a holder ("МИД России")


class DemonymFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    languages: dict[str, LanguageSpec]
    states: dict[str, dict[str, list[str]]]

    @model_validator(mode="after")
    def _known_codes(self) -> DemonymFile:
        for alpha3, by_language in self.states.items():
            if pycountry.countries.get(alpha_3=alpha3) is None:
                raise ValueError(f"state {alpha3!r} is not an ISO 3166-1 alpha-3 code")
            unknown = set(by_language) - set(self.languages)
            if unknown:
                raise ValueError(f"state {alpha3}: languages {sorted(unknown)} have no entry under `languages`")
        for language, spec in self.languages.items():
            if spec.name_case and (language != "ru" or spec.name_case not in CASES):
                raise ValueError(f"languages.{language}.name_case: only Russian names are inflected, to one of "
                                 f"{', '.join(CASES)}")
        return self


def _alternation(items: list[str]) -> str:
    """Longest first, so that a longer ending or prefix is tried before its own start."""
    return "|".join(re.escape(item) for item in sorted(set(items), key=len, reverse=True))


def _optional(items: list[str]) -> str:
    """An alternation of `items`, optional where "" is among them; nothing at all where there are none."""
    if not items:
        return ""
    group = f"(?:{_alternation([i for i in items if i])})"
    return group + "?" if "" in items else group


def _words(phrase: str, prefixes: str, spaced: bool) -> str:
    """A phrase's words, each after an optional prefix (the Arabic article on every word of "الجنوب الأفريقي")."""
    joiner = r"\s+" if spaced else r"\s*"
    return joiner.join(prefixes + re.escape(word) for word in phrase.split())


def _phrases(phrases: list[str], prefixes: str, spaced: bool) -> str:
    return "(?:" + "|".join(_words(p, prefixes, spaced) for p in sorted(phrases, key=len, reverse=True)) + ")"


@dataclass(frozen=True)
class Demonyms:
    """The demonym-and-holder phrases of one language, and what makes a country name's match no name."""

    pattern: re.Pattern[str]  # one named group per state: "c_RUS"
    not_holder: re.Pattern[str] | None  # matched just after a country name
    common_words: frozenset[str]  # country names that are also ordinary words (Arabic "مالي": Mali, financial)
    named_after_holder: re.Pattern[str] | None = None  # a holder and a state's name in a case: "МИД России"

    def find(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(alpha-3 code, start, end) of each demonym-qualified holder phrase in `text`, and of each holder
        followed by a state's name in the language's case ("делегация Китая"), without overlaps."""
        found: list[tuple[str, int, int]] = []
        for pattern in (self.pattern, self.named_after_holder):
            for match in pattern.finditer(text) if pattern is not None else ():
                if match.lastgroup and not any(s < match.end() and match.start() < e for _c, s, e in found):
                    found.append((match.lastgroup.removeprefix("c_"), match.start(), match.end()))
        yield from sorted(found, key=lambda item: item[1])

    def modifies_after(self, text: str, end: int) -> bool:
        """A country name ending at `end` modifies the noun after it ("中国企业": Chinese firms)."""
        return self.not_holder is not None and self.not_holder.match(text, end) is not None

    def is_a_word(self, matched: str) -> bool:
        """A country-name match that is an ordinary word: in lower case, in a script with case, where names are
        capitalised ("la prensa china", "la réunion", Russian "того": not China, Réunion, Togo); or a listed
        common word, alone or after one attached letter (Arabic "بمالي": with my money)."""
        if matched == matched.lower() != matched.upper():
            return True
        return matched in self.common_words or matched[1:] in self.common_words


def inflected_names(names: dict[str, set[str]], case: str) -> dict[str, list[str]]:
    """Russian state names in `case`, word by word ("Саудовская Аравия" -> "Саудовской Аравии"); a word
    pymorphy3 cannot inflect, or written in capitals ("США", "КНР"), stays as it is."""
    morph = _analyser()
    out: dict[str, list[str]] = {}
    for alpha3, forms in names.items():
        for name in sorted(forms):
            words = [_inflect(morph, word, case) for word in name.split()]
            out.setdefault(alpha3, []).append(" ".join(words))
    return out


@functools.cache
def _analyser() -> Any:
    import pymorphy3  # its dictionary takes a moment to load: only where Russian names are inflected

    return pymorphy3.MorphAnalyzer()


def _inflect(morph: Any, word: str, case: str) -> str:
    if word.isupper() or not word.isalpha():
        return word
    parse = next((p for p in morph.parse(word) if "nomn" in p.tag), None)
    inflected = parse.inflect({case}) if parse is not None else None
    if inflected is None:
        return word
    return word[0] + inflected.word[1:] if word[0].isupper() else inflected.word


NAME_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@functools.lru_cache(maxsize=4096)
def russian_word_forms(name: str) -> tuple[tuple[str, ...], ...] | None:
    """A Russian name's words, each with the forms it takes as the name is declined ("Максут Шадаев": "Максута
    Шадаева", "Максутом Шадаевым"; "Министерство цифрового развития": "Министерства цифрового развития"): the words
    up to its head noun inflect (adjectives agreeing with it; a person's given name, patronymic and surname
    together), the words after it stay (a dependent in the genitive). None for a name not in Cyrillic."""
    if not CYRILLIC.search(name):
        return None
    morph = _analyser()
    words = name.split()
    out: list[tuple[str, ...]] = []
    inflecting = True
    for word in words:
        parse = next((p for p in morph.parse(word) if "nomn" in p.tag), None) if inflecting and word.isalpha() \
            and not word.isupper() else None
        if parse is None or parse.tag.POS not in ("NOUN", "ADJF"):
            out.append((word,))
            inflecting = inflecting and parse is None and not word.isalpha()  # "«", "-": look on
            continue
        forms = {word}
        for case in NAME_CASES:
            inflected = parse.inflect({case})
            if inflected is not None:
                forms.add(word[0] + inflected.word[1:] if word[0].isupper() else inflected.word)
        out.append(tuple(sorted(forms, key=lambda form: (-len(form), form))))
        person = {"Name", "Patr", "Surn"} & set(str(parse.tag).replace(" ", ",").split(","))
        inflecting = parse.tag.POS == "ADJF" or bool(person)
    return tuple(out)


def compile_language(spec: LanguageSpec, states: dict[str, list[str]],
                     names: dict[str, list[str]] | None = None) -> Demonyms:
    """One pattern for a language: holder and demonym in the language's order, each with its prefixes and endings;
    Chinese, written without spaces, has no word boundaries. With `names` (each state's names in the language's
    `name_case`), a second one: a holder followed by a state's name."""
    spaced = not any(CJK.search(h) for h in spec.holders)
    holder_prefix = _optional(spec.holder_prefixes)
    demonym_prefix = _optional(spec.demonym_prefixes)
    holder = holder_prefix + _phrases(spec.holders, "", spaced) + _optional(spec.holder_endings)
    demonym = "(?:" + "|".join(
        f"(?P<c_{alpha3}>{_phrases(forms, demonym_prefix, spaced)}{_optional(spec.demonym_endings)})"
        for alpha3, forms in sorted(states.items())) + ")"
    joiner = r"\s+" if spaced else ""
    body = holder + joiner + demonym if spec.order == "holder-first" else demonym + joiner + holder
    pattern = rf"(?<![\w-]){body}(?![\w-])" if spaced else body
    not_holder = re.compile(_alternation(spec.not_holders)) if spec.not_holders else None
    named_after_holder = None
    if names:
        named = "(?:" + "|".join(f"(?P<c_{alpha3}>{_phrases(forms, '', spaced)})"
                                 for alpha3, forms in sorted(names.items())) + ")"
        # Case-sensitive, as a name is written: "власти Того" is Togo's authorities, "власти того" is not.
        named_after_holder = re.compile(rf"(?<![\w-])(?i:{holder})\s+{named}(?![\w-])")
    return Demonyms(re.compile(pattern, re.IGNORECASE), not_holder, frozenset(spec.common_words),
                    named_after_holder)


class DemonymTable:
    """A validated demonyms file whose languages are compiled when first asked for: Russian inflects every state's
    name with pymorphy3, which text in French never needs."""

    def __init__(self, data: DemonymFile) -> None:
        self._data = data
        self._compiled: dict[str, Demonyms] = {}

    def get(self, language: str | None) -> Demonyms | None:
        """The language's demonyms; None where the file has no entry for it."""
        if not language or (spec := self._data.languages.get(language)) is None:
            return None
        if language not in self._compiled:
            states = {alpha3: forms[language] for alpha3, forms in self._data.states.items() if forms.get(language)}
            names = inflected_names(country_names_in(language), spec.name_case) if spec.name_case else None
            self._compiled[language] = compile_language(spec, states, names)
        return self._compiled[language]


@functools.lru_cache(maxsize=4)
def load_demonyms(path: Path = DEMONYMS_FILE) -> DemonymTable:
    """The demonyms file, validated; errors name the file and what to fix."""
    try:
        data = DemonymFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError) as exc:
        raise TrackerError(f"{path}: cannot read the demonyms: {exc}") from exc
    except ValidationError as exc:
        raise TrackerError(f"{path}: {exc}") from exc
    return DemonymTable(data)
