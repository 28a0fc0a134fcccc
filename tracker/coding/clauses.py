"""Where a sentence divides, who is speaking in it, and whether it is a question.

Clauses are cut at semicolons and colons, before contrast ("but", "however": the later clause wins), concession
("although ..., "), conditions (the antecedent of "if"), embedded questions ("whether ...": nothing asserted) and
relative clauses ("..., which"). A speech frame ('"...," said X', 'X said that ...') names the sentence's speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from igtracker.coding import cues as C
from igtracker.coding.attribution import ActorLexicon, HolderRef, SpeakerNames, resolve_holder


@dataclass
class Clause:
    """A stretch of a sentence with its role: asserted, a condition, or an embedded question."""

    start: int
    end: int
    kind: str = "main"  # main | antecedent | whether
    after_contrast: bool = False
    conceded: bool = False


CLAUSE_BREAK = re.compile(
    r"\s*[;:]\s+|\s+[-–—]{1,2}\s+(?=(?:but|however|yet|which|especially)\b)"
    r"|(?<![-–—]),?\s+(?=(?:but|however|yet|nevertheless|nonetheless|although|though|whereas|because|unless)\b)"
    r"|,\s+(?=(?:which|who|if|when)\b)"
    r"|,?\s+(?=(?:while|whereas)\s+(?!\w+ing\s+(?:the|a|an|for|to|with|on|in|its|their|his|her|our)\b))"
    r"|,\s+(?=and\s+(?:we|i|they|he|she|it|this|that|these|those|the\s+\w+\s+(?:is|are|was|were|will))\b)"
    r"|(?<=[.!?\"])\s+(?-i:(?=[\"A-Z]))",
    re.IGNORECASE,
)
RELATIVE_START = re.compile(r"^\W*(?:which|who)\b", re.IGNORECASE)
CONTRAST_START = re.compile(r"^\W*(?:but|however|yet|nevertheless|nonetheless|instead)\b", re.IGNORECASE)
CONCESSIVE_START = re.compile(r"^\W*(?:although|though|while|whereas|even though)\b", re.IGNORECASE)


def split_clauses(text: str) -> list[Clause]:
    clauses: list[Clause] = []
    start = 0
    for match in CLAUSE_BREAK.finditer(text):
        if match.start() > start:
            clauses.append(Clause(start, match.start()))
        start = match.end()
    if start < len(text):
        clauses.append(Clause(start, len(text)))
    out: list[Clause] = []
    for clause in clauses:
        body = text[clause.start : clause.end]
        if C.CONDITIONAL.match(body):
            comma = body.find(",")
            if comma > 0:
                out.append(Clause(clause.start, clause.start + comma, "antecedent"))
                out.append(Clause(clause.start + comma + 1, clause.end))
                continue
            clause.kind = "antecedent"
        if CONCESSIVE_START.match(body) and clause.start == 0:
            comma = body.find(",")
            if comma > 0:  # "Although X says ..., Y": two clauses
                out.append(Clause(clause.start, clause.start + comma, conceded=True))
                out.append(Clause(clause.start + comma + 1, clause.end))
                continue
        whether = C.EMBEDDED_QUESTION.search(body)
        if whether:
            if whether.start() > 0:
                out.append(Clause(clause.start, clause.start + whether.start()))
            out.append(Clause(clause.start + whether.start(), clause.end, "whether"))
            continue
        out.append(clause)
    for i, clause in enumerate(out):
        body = text[clause.start : clause.end]
        if CONTRAST_START.match(body):
            clause.after_contrast = True
            for earlier in out[:i]:
                earlier.conceded = True
        elif CONCESSIVE_START.match(body):
            clause.conceded = True
    return out



_AFTER_VERB_NP = re.compile(r"\s+((?:[^,.;:()\"]|\([^)]*\)){1,120})")
_APPOSED_NP = re.compile(r"^\W*((?:[^,;:\"]){1,60}),(?:[^,;:\"]){1,60},\s*$")
_NOUN_BEFORE = re.compile(r"\b(?:a|an|the|this|that|their|its|his|her|our|my|your|no|any|some|greater|more|bigger"
                          r"|equal|real|final|last|first)\s+$", re.IGNORECASE)
_QUOTE_THEN_NP = re.compile(r"\"\s*,?\s*([^\"]{1,100}?),\s*$")
_BEFORE_VERB_NP = re.compile(r"(?:^|[,;:\"]\s*|\b(?:that|and|but)\s+)((?:[^,;:\"]){1,80}?)\s+(?:\w+ly\s+"
                             r"|also\s+|then\s+)?$")


@dataclass(frozen=True)
class Frame:
    """Who speaks in a sentence, and where their name is (not part of what they say)."""

    holder: HolderRef
    np_start: int
    np_end: int


def find_speech_frame(text: str, speaker: SpeakerNames, lexicon: ActorLexicon | None) -> Frame | None:
    """`"...," said X` / `X said (that) ...` / `"...", X said`: who is speaking in this sentence."""
    for match in C.SPEECH.finditer(text):
        before = text[: match.start()]
        if _NOUN_BEFORE.search(before):
            continue  # "a greater say", "their thoughts": a noun, not a verb of speech
        # Inverted: `..." said X` or `..., said X` (the speech comes first).
        if re.search(r"[,\"]\s*$", before) and match.start() > 15:
            np = _AFTER_VERB_NP.match(text, match.end())
            if np:
                holder = resolve_holder(np.group(1), speaker, lexicon)
                if holder.kind != "nonagent":
                    return Frame(holder, np.start(1), np.end(1))
        np = _BEFORE_VERB_NP.search(before)
        if not np and re.search(r",\s*$", before):
            # "Jane Roe, the coalition's director, said": the subject before its apposition; after a quote,
            # '"...," the Secretary-General, Jane Roe, told reporters'.
            np = _APPOSED_NP.match(before) or _QUOTE_THEN_NP.search(before)
        if not np or len(np.group(1).split()) > 10:
            continue
        holder = resolve_holder(np.group(1), speaker, lexicon)
        if holder.kind == "nonagent":
            continue
        after = text[match.end() :]
        if np.start(1) > 15 and re.search(r"[\"]\s*,?\s*$|,\s*$", text[: np.start(1)]):
            # `"...," Putin said, adding that ...`: the quote before is the speech (and what follows too).
            return Frame(holder, np.start(1), np.end(1))
        if re.match(r"\s*(?:that\b|:|,|\"|\w)", after):
            return Frame(holder, np.start(1), np.end(1))
    return None



def question_mode(text: str) -> str:
    """"flip" for a rhetorical question ("why should ...?"), "keep" for a negative one, "drop" for a plain one."""
    if not text.rstrip("\"' ").endswith("?"):
        return "none"
    if C.RHETORICAL_FLIP.match(text):
        return "flip"
    if C.NEGATIVE_QUESTION.match(text):
        return "keep"
    return "drop"
