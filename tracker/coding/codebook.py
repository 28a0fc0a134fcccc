"""The versioned stance codebook: issues, their definitions and labels, and the language cues that detect them.

The codebook is a YAML file validated with pydantic; a bad file raises `CodebookError` naming the file, the line
and the field, and nothing is written. A user adds an issue (say, data localisation) by adding an entry with its
target phrases: the general linguistic rules (negation, contrast, hedges, attribution) apply to every issue.

Each target is a phrase naming either the proposition (`pro`: more of it advances the issue, e.g. "intergovernmental
control of the Internet") or its opposite (`anti`: e.g. "the multi-stakeholder model"). `valence` says whether the
phrase itself is loaded: `bad` for the words opponents use ("mass surveillance", "censorship"), `good` for words
that praise ("freedom of expression", "fair share"); a loaded phrase shows a stance even without a verb of
support or opposition. `anchored: true` targets ("sovereignty", "this tax") only count near one of the issue's
`anchors` (e.g. "Internet"), so that arms control or a fuel tax are not read as Internet governance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.config import DEFAULT_CODEBOOK
from igtracker.errors import TrackerError
from igtracker.models import Issue

ISSUE_ID = r"^[a-z][a-z0-9_]*$"
ORIENTATION = {"pro": 1, "anti": -1}
VALENCE = {"good": 1, "bad": -1, "neutral": 0}


class CodebookError(TrackerError):
    """The codebook file is missing or invalid."""


def _compile(pattern: str) -> re.Pattern[str]:
    """Cue patterns are regular expressions matched case-insensitively on word boundaries."""
    try:
        return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc


def _valid_pattern(value: str) -> str:
    _compile(value)
    return value


Pattern = Annotated[str, Field(min_length=2), AfterValidator(_valid_pattern)]  # a regex, checked on load


class Target(BaseModel):
    """A phrase naming the issue's proposition (pro) or its opposite (anti)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(min_length=2)
    orientation: Literal["pro", "anti"]
    valence: Literal["good", "bad", "neutral"] = "neutral"
    anchored: bool = False

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        _compile(value)
        return value


LANGUAGE_CODE = r"^[a-z]{2,3}$"


class LanguageTerms(BaseModel):
    """Terms naming the issue's proposition or its opposite in one language other than English, with their gloss.

    Terms are words, not regular expressions: a word ending in `*` matches any word it begins, other words their
    stem (see `igtracker.coding.tokens`). The gloss is the English the briefing may show beside the original words.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    orientation: Literal["pro", "anti"]
    valence: Literal["good", "bad", "neutral"] = "neutral"
    gloss: str = Field(min_length=1)


class IssueSpec(BaseModel):
    """One question of the dispute."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ISSUE_ID, max_length=50)
    name: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    support_label: str = Field(min_length=1, description="e.g. 'for intergovernmental control'")
    oppose_label: str = Field(min_length=1)
    anchors: list[str] = Field(default_factory=list, description="words that place a sentence in the domain")
    targets: list[Target] = Field(min_length=1)
    cues: dict[Annotated[str, Field(pattern=LANGUAGE_CODE)], list[LanguageTerms]] = Field(
        default_factory=dict, description="the issue's terms in other languages, by ISO 639-1 code")

    @field_validator("anchors")
    @classmethod
    def _valid_anchors(cls, value: list[str]) -> list[str]:
        for pattern in value:
            _compile(pattern)
        return value


class Codebook(BaseModel):
    """A version of the codebook; changing anything should bump `version` so documents are recoded."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=50)
    description: str = ""
    shared_targets: list[SharedTarget] = Field(
        default_factory=list, description="generic goods such as 'the open Internet', bound to nearby issues"
    )
    parties: list[Pattern] = Field(
        default_factory=list,
        description="names of the bodies that take part in governance ('ICANN', 'the ITU'), beside the general "
                    "words for parties the coder knows ('governments', 'companies'): removing one from a process "
                    "is about its place, not about the process",
    )
    issues: list[IssueSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_issue_ids(self) -> Codebook:
        seen: set[str] = set()
        for issue in self.issues:
            if issue.id in seen:
                raise ValueError(f"issue id {issue.id!r} appears twice")
            seen.add(issue.id)
        for shared in self.shared_targets:
            unknown = set(shared.issues) - seen
            if unknown:
                raise ValueError(f"shared target {shared.pattern!r} names unknown issues {sorted(unknown)}")
        return self

    def issue(self, issue_id: str) -> IssueSpec:
        for issue in self.issues:
            if issue.id == issue_id:
                return issue
        raise KeyError(issue_id)

    @property
    def issue_ids(self) -> list[str]:
        return [issue.id for issue in self.issues]

    def compiled(self) -> CompiledCodebook:
        """Regexes compiled once per codebook (cached on the instance)."""
        cached = self.__dict__.get("_compiled")
        if cached is None:
            cached = CompiledCodebook.build(self)
            self.__dict__["_compiled"] = cached
        return cached


class SharedTarget(Target):
    """A target that belongs to whichever of `issues` the surrounding sentences are about."""

    issues: list[str] = Field(min_length=1)


Codebook.model_rebuild()


@dataclass(frozen=True)
class CompiledTarget:
    regex: re.Pattern[str]
    issue_id: str | None  # None: shared, bound to the issues in context
    issues: tuple[str, ...]
    orientation: int
    valence: int
    anchored: bool
    pattern: str


@dataclass
class CompiledCodebook:
    targets: list[CompiledTarget] = field(default_factory=list)
    anchors: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    parties: tuple[str, ...] = ()  # the codebook's party names, as regular expressions

    @classmethod
    def build(cls, codebook: Codebook) -> CompiledCodebook:
        compiled = cls(parties=tuple(codebook.parties))
        for issue in codebook.issues:
            compiled.anchors[issue.id] = [_compile(a) for a in issue.anchors]
            for target in issue.targets:
                compiled.targets.append(
                    CompiledTarget(
                        _compile(target.pattern), issue.id, (issue.id,), ORIENTATION[target.orientation],
                        VALENCE[target.valence], target.anchored, target.pattern,
                    )
                )
        for shared in codebook.shared_targets:
            compiled.targets.append(
                CompiledTarget(
                    _compile(shared.pattern), None, tuple(shared.issues), ORIENTATION[shared.orientation],
                    VALENCE[shared.valence], True, shared.pattern,
                )
            )
        return compiled

    def anchored_in(self, issue_id: str, text: str) -> bool:
        anchors = self.anchors.get(issue_id) or []
        return not anchors or any(a.search(text) for a in anchors)


# --- loading, with line numbers -------------------------------------------------------------------------------


def _node_at(node: yaml.Node | None, loc: tuple[int | str, ...]) -> yaml.Node | None:
    """The YAML node a pydantic error location points at (as deep as the location can be followed)."""
    best = node
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        best = node
    return best


def _describe(path: Path, root: yaml.Node | None, data: Any, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        node = _node_at(root, loc)
        line = node.start_mark.line + 1 if node is not None else 1
        where = ".".join(str(part) for part in loc) or "(top level)"
        problems.append(f"{path}:{line}: {where}: {err['msg']}")
    return "invalid codebook:\n  " + "\n  ".join(problems) + "\nfix the file and run the command again"


def _duplicate_key(node: yaml.Node | None) -> yaml.Node | None:
    """The first key repeated within one mapping, anywhere in the document."""
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key, value in node.value:
            if key.value in seen:
                return key
            seen.add(key.value)
            found = _duplicate_key(value)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _duplicate_key(item)
            if found is not None:
                return found
    return None


def load_codebook(path: Path | str | None = None) -> Codebook:
    """Read and validate a codebook (default: the configured one, else the bundled default)."""
    if path is None:
        from igtracker.config import get_settings

        path = get_settings().codebook or DEFAULT_CODEBOOK
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodebookError(f"cannot read codebook {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: not UTF-8 text (byte {exc.start}); save the codebook as UTF-8") from exc
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CodebookError(f"{path}{line}: not valid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise CodebookError(f"{path}:1: a codebook is a mapping with `version` and `issues`")
    duplicate = _duplicate_key(root)
    if duplicate is not None:
        raise CodebookError(f"{path}:{duplicate.start_mark.line + 1}: key {duplicate.value!r} appears twice in "
                            "the same entry (YAML would silently keep only the last one)")
    try:
        return Codebook.model_validate(data)
    except ValidationError as exc:
        raise CodebookError(_describe(path, root, data, exc)) from exc


def sync_issues(session: Session, codebook: Codebook) -> int:
    """Upsert the codebook's issues into the `issues` table; returns how many rows were added or changed.

    Issues dropped from the codebook stay in the table: stances already coded against them keep their meaning.
    """
    existing = {issue.id: issue for issue in session.scalars(select(Issue))}
    changed = 0
    for spec in codebook.issues:
        values = {
            "name": spec.name,
            "definition": spec.definition.strip(),
            "support_label": spec.support_label,
            "oppose_label": spec.oppose_label,
            "codebook_version": codebook.version,
        }
        row = existing.get(spec.id)
        if row is None:
            session.add(Issue(id=spec.id, **values))
            changed += 1
            continue
        if any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
    session.flush()
    return changed
