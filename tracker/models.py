"""The store: actors, sources, crawl runs, documents with versions, codebook issues and stances.

Natural keys (actor and source slugs, canonical document URLs, issue ids) make re-imports update rather than
duplicate. Datetimes are stored in UTC and always come back timezone-aware, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ACTOR_KINDS = ("state", "igo", "firm", "ngo", "technical", "academic", "media", "individual")
SOURCE_KINDS = ("feed", "sitemap", "listing", "document", "itu_contributions", "icann_proceeding")
POSITIONS = ("support", "oppose", "neutral")
CODER_KINDS = ("rule", "model", "analyst")
REVIEW_STATES = ("pending", "confirmed", "rejected")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned timezone-aware (SQLite keeps no offsets)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


bloc_memberships = Table(
    "bloc_memberships",
    Base.metadata,
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("bloc_id", ForeignKey("blocs.id", ondelete="CASCADE"), primary_key=True),
)


class Actor(Base):
    """A stakeholder: a state, an intergovernmental body, a firm, an NGO, ..."""

    __tablename__ = "actors"
    __table_args__ = (CheckConstraint("kind IN " + repr(ACTOR_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(3), comment="ISO 3166-1 alpha-3")
    aliases: Mapped[list[str]] = mapped_column(default=list)
    homepage: Mapped[str | None] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, comment="false once removed from the registry")
    in_registry: Mapped[bool] = mapped_column(
        Boolean, default=True, comment="false for actors first met in text (attributed speech)"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    blocs: Mapped[list[Bloc]] = relationship(secondary=bloc_memberships, back_populates="members")
    sources: Mapped[list[Source]] = relationship(back_populates="actor")

    def __repr__(self) -> str:
        return f"<Actor {self.slug}>"


class Bloc(Base):
    """A group of actors that often acts together (EU, BRICS, Arab Group, G77, APT, CITEL, ...)."""

    __tablename__ = "blocs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(Text)

    members: Mapped[list[Actor]] = relationship(secondary=bloc_memberships, back_populates="blocs")


class Source(Base):
    """A place an actor publishes: a feed, a sitemap, a listing page or a single document."""

    __tablename__ = "sources"
    __table_args__ = (CheckConstraint("kind IN " + repr(SOURCE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    url: Mapped[str] = mapped_column(String(2000))
    allowed_domains: Mapped[list[str]] = mapped_column(default=list)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="selectors and spider options")
    frequency_hours: Mapped[float] = mapped_column(Float, default=24.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False, comment="URL checked by a person")
    active: Mapped[bool] = mapped_column(Boolean, default=True, comment="false once removed from the registry")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    actor: Mapped[Actor] = relationship(back_populates="sources")

    def __repr__(self) -> str:
        return f"<Source {self.slug}>"


class CrawlRun(Base):
    """One crawl: when, how it was started, and how it ended."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running", comment="running|ok|partial|failed|aborted")
    trigger: Mapped[str] = mapped_column(String(20), default="cli", comment="cli|scheduler|demo|test")
    pid: Mapped[int | None]
    hostname: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(Text)

    sources: Mapped[list[CrawlRunSource]] = relationship(back_populates="run", cascade="all, delete-orphan")
    errors: Mapped[list[CrawlError]] = relationship(back_populates="run", cascade="all, delete-orphan")


class CrawlRunSource(Base):
    """A source's outcome within one crawl run, with its counts."""

    __tablename__ = "crawl_run_sources"
    __table_args__ = (UniqueConstraint("run_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running", comment="running|ok|failed|suspicious")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pages_fetched: Mapped[int] = mapped_column(default=0)
    documents_new: Mapped[int] = mapped_column(default=0)
    documents_changed: Mapped[int] = mapped_column(default=0)
    documents_unchanged: Mapped[int] = mapped_column(default=0)
    errors_count: Mapped[int] = mapped_column(default=0)
    suspicious: Mapped[bool] = mapped_column(Boolean, default=False, comment="yielded before, none now")
    message: Mapped[str | None] = mapped_column(Text)

    run: Mapped[CrawlRun] = relationship(back_populates="sources")
    source: Mapped[Source] = relationship()


class CrawlError(Base):
    """A failure during a crawl, with the URL and the reason."""

    __tablename__ = "crawl_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    run: Mapped[CrawlRun] = relationship(back_populates="errors")


class Document(Base):
    """The current version of a collected document, attributed to the actor who authored it."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    url: Mapped[str] = mapped_column(String(2000), comment="URL as last fetched")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id"), index=True, comment="author: the submitter, not the hosting site"
    )
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    media_type: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="e.g. document number, submitter")
    coded_version: Mapped[str | None] = mapped_column(String(50), comment="codebook version last coded with")
    coded_at: Mapped[datetime | None]

    source: Mapped[Source | None] = relationship()
    actor: Mapped[Actor | None] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentVersion.version"
    )


class DocumentCoding(Base):
    """What one coder has coded of a document, and under which version (codebook and coder): one row per coder.

    A coder recodes a document when its row is missing or carries another version; a changed text drops the rows.
    """

    __tablename__ = "document_codings"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    coder: Mapped[str] = mapped_column(String(50), primary_key=True)
    version: Mapped[str] = mapped_column(String(100), comment="codebook version + coder version")
    coded_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="coded", comment="coded|uncoded")
    reason: Mapped[str | None] = mapped_column(String(100), comment="why uncoded (e.g. language:xx)")
    stances: Mapped[int] = mapped_column(default=0)


class DocumentVersion(Base):
    """An earlier version of a document, kept when its content changed."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[Document] = relationship(back_populates="versions")


class Issue(Base):
    """A question of the dispute, from the codebook (taxation, surveillance, control, ...)."""

    __tablename__ = "issues"

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    support_label: Mapped[str | None] = mapped_column(String(200), comment="e.g. 'for intergovernmental control'")
    oppose_label: Mapped[str | None] = mapped_column(String(200))
    codebook_version: Mapped[str | None] = mapped_column(String(50))


class Stance(Base):
    """Actor x issue x position, with its evidence and who or what coded it.

    Machine stances (coder_kind rule/model) are replaced when recoded under a newer codebook. Analyst stances
    are never touched by a machine; a new analyst coding supersedes the previous one, which is kept.
    """

    __tablename__ = "stances"
    __table_args__ = (
        CheckConstraint("position IN " + repr(POSITIONS), name="position"),
        CheckConstraint("coder_kind IN " + repr(CODER_KINDS), name="coder_kind"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
        Index("ix_stances_actor_issue", "actor_id", "issue_id"),
        Index("ix_stances_issue_stated", "issue_id", "stated_at"),  # one issue's history over a period
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("issues.id"), index=True)
    position: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float, default=0.0, comment="-1 (oppose) .. +1 (support)")
    confidence: Mapped[float] = mapped_column(Float, default=0.5)
    evidence: Mapped[str | None] = mapped_column(Text, comment="the sentence the stance rests on")
    evidence_start: Mapped[int | None] = mapped_column(comment="offset of the evidence in the document text")
    evidence_end: Mapped[int | None]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    stated_at: Mapped[datetime | None] = mapped_column(index=True, comment="when the actor said it")
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id"), comment="the publishing actor, where it reports another's words"
    )
    coder_kind: Mapped[str] = mapped_column(String(10))
    coder: Mapped[str] = mapped_column(String(100), comment="rule coder name, model name, or analyst")
    codebook_version: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)
    review_status: Mapped[str] = mapped_column(String(10), default="pending")
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    superseded_at: Mapped[datetime | None] = mapped_column(
        index=True, comment="set when a newer analyst coding replaces it"
    )

    actor: Mapped[Actor] = relationship(foreign_keys=[actor_id])
    reporter: Mapped[Actor | None] = relationship(foreign_keys=[reporter_id])
    issue: Mapped[Issue] = relationship()
    document: Mapped[Document | None] = relationship()


class Position(Base):
    """An actor's current position on an issue, kept by `igtracker.analysis.positions` (not recomputed on reading).

    One row per actor and issue with a counted stance: the stance matrix's cell as of `as_of`, pooled from the
    configured coder's machine stances (`coder`) and analysts' codings, with the totals that let a reader move it
    to another date. `v_current_stances` reads it.
    """

    __tablename__ = "positions"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True)
    coder: Mapped[str] = mapped_column(String(100), comment="the machine coder whose stances count (and analysts')")
    as_of: Mapped[datetime] = mapped_column(comment="the date the position was pooled as of")
    position: Mapped[str] = mapped_column(String(10), comment="support|oppose|mixed|neutral")
    score: Mapped[float] = mapped_column(Float, comment="-1 (oppose) .. +1 (support)")
    confidence: Mapped[float] = mapped_column(Float)
    basis: Mapped[str] = mapped_column(String(10), comment="analyst|machine")
    stances: Mapped[int] = mapped_column(comment="stances counted")
    support_count: Mapped[int]
    oppose_count: Mapped[int]
    neutral_count: Mapped[int]
    score_sum: Mapped[float] = mapped_column(Float, comment="sum of the counted stances' scores")
    support_weight: Mapped[float] = mapped_column(Float, comment="pooled machine weight as of as_of")
    oppose_weight: Mapped[float] = mapped_column(Float)
    neutral_weight: Mapped[float] = mapped_column(Float)
    stance_id: Mapped[int | None] = mapped_column(index=True, comment="the stance quoted first (none unquoted)")
    pool: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="the pool's state: evidence, analyst")


class StanceAudit(Base):
    """Every analyst action on stances (set, confirm, reject), kept for good."""

    __tablename__ = "stance_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    analyst: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20), comment="set|confirm|reject")
    stance_id: Mapped[int | None] = mapped_column(ForeignKey("stances.id", ondelete="SET NULL"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    issue_id: Mapped[str] = mapped_column(ForeignKey("issues.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class JobRun(Base):
    """History of every scheduled or manual job (crawl, code, report, run)."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running", comment="running|ok|failed|skipped|aborted")
    trigger: Mapped[str] = mapped_column(String(20), default="cli")
    message: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Lock(Base):
    """A named lock held by one process at a time (e.g. 'crawl'); stale once its holder is gone."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(300), comment="host:pid:token")
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class Briefing(Base):
    """A rendered weekly briefing and where its files are."""

    __tablename__ = "briefings"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(10), unique=True, comment="ISO week, e.g. 2026-W48")
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    html_path: Mapped[str | None] = mapped_column(String(2000))
    pdf_path: Mapped[str | None] = mapped_column(String(2000))
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Coalition(Base):
    """A coalition found by the analysis as of a date, overall (issue_id null) or for one issue."""

    __tablename__ = "coalitions"
    __table_args__ = (UniqueConstraint("as_of", "scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime] = mapped_column(index=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    scope: Mapped[str] = mapped_column(String(50), default="overall", comment="'overall' or an issue id")
    key: Mapped[str] = mapped_column(String(100), comment="stable key within one analysis")
    label: Mapped[str] = mapped_column(String(300))
    cohesion: Mapped[float] = mapped_column(Float, default=0.0)
    positions: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="dominant position per issue")

    members: Mapped[list[CoalitionMember]] = relationship(
        back_populates="coalition", cascade="all, delete-orphan"
    )


class CoalitionMember(Base):
    """An actor's membership of a coalition, with its positions at the time."""

    __tablename__ = "coalition_members"

    coalition_id: Mapped[int] = mapped_column(
        ForeignKey("coalitions.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), primary_key=True, index=True)
    positions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    bridge: Mapped[bool] = mapped_column(Boolean, default=False, comment="ties to other coalitions")

    coalition: Mapped[Coalition] = relationship(back_populates="members")
    actor: Mapped[Actor] = relationship()


class LLMResponse(Base):
    """What the LLM coder was answered for one sentence, and what asking cost: its cache and its bill.

    One row per (sentence, model, prompt version, codebook version): recoding finds the answer here instead of
    asking again. `calls` and the token counts add up every request made for the row (retries included).
    """

    __tablename__ = "llm_responses"

    sentence_hash: Mapped[str] = mapped_column(String(64), primary_key=True, comment="sha256 of the sentence")
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    prompt_version: Mapped[str] = mapped_column(String(50), primary_key=True)
    codebook_version: Mapped[str] = mapped_column(String(50), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), comment="ok|invalid (no valid answer after the retries)")
    answer: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="the validated answer, as parsed")
    error: Mapped[str | None] = mapped_column(Text)
    calls: Mapped[int] = mapped_column(default=0)
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
