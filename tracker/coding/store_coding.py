"""Coding the store's documents with a coder: which documents need it, whose stances they are, what replaces what.

Each coder keeps its own record of what it has coded (`document_codings`) and replaces only its own machine
stances; analysts' codings are never touched, and a confirm or reject carries over to the same stance found again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from igtracker.actors import ActorResolver
from igtracker.coding.actors import REPORTING_KINDS, names_of, store_lexicon
from igtracker.coding.attribution import ActorLexicon
from igtracker.coding.codebook import Codebook, load_codebook, sync_issues
from igtracker.coding.coder import SPEAKER_KEY, CodedStance
from igtracker.coding.coders import Coder, CodingContext, code_with, get_coder
from igtracker.coding.stances import reads
from igtracker.language import detect_language
from igtracker.models import Actor, Document, DocumentCoding, Stance

log = logging.getLogger(__name__)



def coding_version(codebook: Codebook, coder: Coder) -> str:
    """What `document_codings.version` records: the codebook's version and the coder's, so either change recodes."""
    return f"{codebook.version}+{coder.name}-{coder.version}"


@dataclass
class CodingReport:
    """What one `tracker code` run did."""

    codebook_version: str
    coder: str = "rules"
    documents_coded: int = 0
    stances_added: int = 0
    stances_removed: int = 0
    uncoded: dict[str, int] = field(default_factory=dict)  # reason -> documents (e.g. "language:de")
    actors_created: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "codebook_version": self.codebook_version,
            "coder": self.coder,
            "documents_coded": self.documents_coded,
            "stances_added": self.stances_added,
            "stances_removed": self.stances_removed,
            "uncoded": dict(self.uncoded),
            "actors_created": list(self.actors_created),
        }


def documents_to_code(session: Session, coder: Coder, version: str) -> list[int]:
    """Ids of documents this coder has not coded under `version` (never, or under an older one)."""
    done = select(DocumentCoding.document_id).where(
        DocumentCoding.coder == coder.name, DocumentCoding.version == version
    )
    return list(session.scalars(select(Document.id).where(Document.id.not_in(done)).order_by(Document.id)))


def code_documents(
    session: Session, codebook: Codebook | None = None, *, document_ids: Sequence[int] | None = None,
    coder: Coder | str | None = None,
) -> CodingReport:
    """Code every document `coder` has not coded under this version (or just `document_ids`), replacing its stances.

    Idempotent: a document already coded under this version is skipped, and recoding deletes the coder's earlier
    machine stances on the document first. Documents in a language no coder reads are recorded as uncoded.
    """
    codebook = codebook or load_codebook()
    coder = coder if coder is not None and not isinstance(coder, str) else get_coder(coder)
    sync_issues(session, codebook)
    report = CodingReport(codebook.version, coder.name)
    version = coding_version(codebook, coder)
    ids = list(document_ids) if document_ids is not None else documents_to_code(session, coder, version)
    if not ids:
        return report
    actors = ActorResolver(session)
    lexicon = store_lexicon(actors.actors)
    for document_id in ids:
        document = session.get(Document, document_id)
        if document is not None:
            _code_one(session, document, codebook, coder, version, actors, lexicon, report)
    report.actors_created = actors.created
    session.flush()
    return report


def _code_one(session: Session, document: Document, codebook: Codebook, coder: Coder, version: str,
              actors: ActorResolver, lexicon: ActorLexicon, report: CodingReport) -> None:
    reviews = _reviews_of(session, document.id, coder.name)
    removed = session.execute(
        delete(Stance).where(Stance.document_id == document.id, Stance.coder_kind != "analyst",
                             Stance.coder == coder.name)
    ).rowcount
    report.stances_removed += removed or 0
    language = document.language or detect_language(document.text or "")  # the crawl's answer, where it gave one
    if language and not document.language:
        document.language = language  # stored once, so every coder reads the document in the same language
    meta = dict(document.meta or {})
    now = datetime.now(UTC)
    if not language or not reads(coder, language):
        reason = f"language:{language}" if language else "empty"
        report.uncoded[reason] = report.uncoded.get(reason, 0) + 1
        meta["coding"] = {"status": "uncoded", "reason": reason, "codebook_version": codebook.version}
        added, status = 0, "uncoded"
    else:
        added = _store_stances(session, document, codebook, coder, actors, lexicon, reviews)
        report.stances_added += added
        meta["coding"] = {"status": "coded", "stances": added, "codebook_version": codebook.version,
                          "coder": coder.name}
        report.documents_coded += 1
        reason, status = None, "coded"
    document.meta = meta
    document.coded_version = version[:50]
    document.coded_at = now
    row = session.get(DocumentCoding, (document.id, coder.name))
    if row is None:
        row = DocumentCoding(document_id=document.id, coder=coder.name)
        session.add(row)
    row.version, row.coded_at, row.status, row.reason, row.stances = version, now, status, reason, added


ReviewKey = tuple[int, str, str, int | None]  # actor, issue, position, evidence offset


def _reviews_of(session: Session, document_id: int,
                coder: str) -> dict[ReviewKey, tuple[str, str | None, datetime | None]]:
    """Analysts' verdicts on a coder's stances on a document, to carry over to the same stances when recoded."""
    rows = session.execute(
        select(Stance.actor_id, Stance.issue_id, Stance.position, Stance.evidence_start, Stance.review_status,
               Stance.reviewed_by, Stance.reviewed_at)
        .where(and_(Stance.document_id == document_id, Stance.coder_kind != "analyst", Stance.coder == coder,
                    Stance.review_status != "pending"))
    ).all()
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in rows}


def _store_stances(
    session: Session, document: Document, codebook: Codebook, coder: Coder, actors: ActorResolver,
    lexicon: ActorLexicon, reviews: dict[ReviewKey, tuple[str, str | None, datetime | None]] | None = None,
) -> int:
    author: Actor | None = document.actor
    co_authors = _co_authors(document, actors)
    stances = code_with(coder, document.text or "", document_context(document, actors, lexicon), codebook)
    stated_at = document.published_at or document.fetched_at
    added = 0
    seen: set[tuple[int, str, str, int]] = set()
    authors = {a.id for a in (author, *co_authors) if a is not None}
    for coded, holder in _holders(stances, author, co_authors, actors):
        key = (holder.id, coded.issue_id, coded.position, coded.start)
        if key in seen:
            continue  # a co-author named in its own joint text
        seen.add(key)
        reporter_id = author.id if author is not None and holder.id not in authors else None
        session.add(Stance(
            actor_id=holder.id,
            issue_id=coded.issue_id,
            position=coded.position,
            score=round(coded.score, 3),
            confidence=max(0.0, min(1.0, coded.confidence)),
            evidence=coded.evidence,
            evidence_start=coded.start,
            evidence_end=coded.end,
            document_id=document.id,
            url=document.url,
            stated_at=stated_at,
            reporter_id=reporter_id,
            coder_kind=coded.coder_kind,
            coder=coder.name,
            codebook_version=codebook.version,
            note=f"{coded.kind}: {coded.trace}"[:2000],
            **_carried_review(reviews, (holder.id, coded.issue_id, coded.position, coded.start)),
        ))
        added += 1
    return added


def document_context(document: Document, actors: ActorResolver, lexicon: ActorLexicon) -> CodingContext:
    """What a coder is told of a stored document: the names of its author(s), the store's actors (`lexicon`, from
    `store_lexicon`), its language."""
    names: list[str] = []
    for author in [a for a in (document.actor, *_co_authors(document, actors)) if a is not None]:
        names += names_of(author)
    if document.author:
        names.append(document.author)
    kind = document.actor.kind if document.actor is not None else None
    return CodingContext(tuple(names), lexicon, document.language, document.title, speaker_kind=kind)


def _co_authors(document: Document, actors: ActorResolver) -> list[Actor]:
    """The other submitters of a joint contribution (the first is the document's actor)."""
    slugs = (document.meta or {}).get("submitter_actors") or []
    found = [actors.by_slug(slug) for slug in slugs[1:] if isinstance(slug, str)]
    return [a for a in found if a is not None and a.id != document.actor_id]


def _holders(stances: Sequence[CodedStance], author: Actor | None, co_authors: list[Actor],
             actors: ActorResolver) -> Iterator[tuple[CodedStance, Actor]]:
    """Each coded stance with the actor(s) holding it: the speaker's go to every author of a joint document."""
    for coded in stances:
        if coded.holder != SPEAKER_KEY:
            holder = actors.resolve_key(coded.holder)
            if holder is not None:
                yield coded, holder
        elif author is not None and author.kind not in REPORTING_KINDS:  # a reporter's own voice: no stance
            yield coded, author
            for co_author in co_authors:
                yield coded, co_author


def _carried_review(reviews: dict | None, key: ReviewKey) -> dict[str, object]:
    """A confirmed or rejected stance stays so when the recoder finds it again in the same sentence."""
    if not reviews or key not in reviews:
        return {}
    status, by, at = reviews[key]
    return {"review_status": status, "reviewed_by": by, "reviewed_at": at}
