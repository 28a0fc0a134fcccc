"""Why the coder holds a stored stance: its document read again, in context, the readings at the evidence.

The coder reads a sentence with its neighbours (an issue named just before, "we" meaning the document's author),
so the evidence sentence alone can read as nothing: `tracker code explain --stance ID` reads the whole document
the way `tracker code` did.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from igtracker.actors import ActorResolver
from igtracker.coding.actors import store_lexicon
from igtracker.coding.codebook import Codebook, load_codebook
from igtracker.coding.coder import CodedStance
from igtracker.coding.coders import REGISTRY, code_with, get_coder
from igtracker.coding.store_coding import document_context
from igtracker.errors import NotFoundError, TrackerError
from igtracker.models import Stance


def explain_stance(session: Session, stance_id: int, codebook: Codebook | None = None) -> tuple[Stance,
                                                                                              list[CodedStance]]:
    """The stance and its coder's readings of its document that overlap its evidence (the rules' where the coder
    that made it is no longer registered)."""
    stance = session.get(Stance, stance_id)
    if stance is None:
        raise NotFoundError(f"no stance {stance_id}: ids are in `tracker code review` and the stances export")
    document = stance.document
    if document is None:
        raise TrackerError(f"stance {stance_id} was not coded from a document ({stance.coder_kind} coding by "
                           f"{stance.coder}); its note says why: {stance.note or '(none)'}")
    known = {c.name for c in REGISTRY.available()}
    coder = get_coder(stance.coder if stance.coder in known else "rules")
    actors = ActorResolver(session)
    context = document_context(document, actors, store_lexicon(actors.actors))
    readings = code_with(coder, document.text or "", context, codebook or load_codebook())
    start, end = stance.evidence_start, stance.evidence_end
    if start is None or end is None:
        return stance, [r for r in readings if r.evidence == stance.evidence]
    return stance, [r for r in readings if r.start < end and r.end > start]
