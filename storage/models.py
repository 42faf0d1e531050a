"""The SQLAlchemy models of a project file: one table group per domain concept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_uuid() -> str:
    """A fresh lower-case UUID string, the stable identity of every entity."""
    return str(uuid.uuid4())


def utc_now() -> datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with the naming convention Alembic needs for batch migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _uuid_column() -> Mapped[str]:
    return mapped_column(String(36), unique=True, default=new_uuid)


class ProjectRow(Base):
    """The single row that describes the project itself."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="nb")
    current_coder_id: Mapped[int | None] = mapped_column(
        ForeignKey("coders.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class CoderRow(Base):
    """A person who codes; every coding names its coder."""

    __tablename__ = "coders"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class DocumentRow(Base):
    """An imported transcript: its full plain text (NFC, ``\\n`` line ends) and provenance."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    name: Mapped[str] = mapped_column(String(400), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    characters: Mapped[int] = mapped_column(Integer)  # len(text) in code points
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    source_name: Mapped[str] = mapped_column(String(400))
    source_format: Mapped[str] = mapped_column(String(16))
    source_encoding: Mapped[str | None] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ParagraphRow(Base):
    """A paragraph or speaker turn: ``[start, end)`` code points of its document's text."""

    __tablename__ = "paragraphs"
    __table_args__ = (
        Index("ix_paragraphs_document_position", "document_id", "position", unique=True),
        CheckConstraint('start >= 0 AND start <= "end"', name="span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(200))
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)


class CodeRow(Base):
    """A code in the codebook tree, with the parts of a team codebook."""

    __tablename__ = "codes"
    __table_args__ = (Index("ix_codes_parent_position", "parent_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    # The name in a second language (the trust codebook: English beside Norwegian).
    alt_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    color: Mapped[str] = mapped_column(String(9), default="#f4c430")
    codable: Mapped[bool] = mapped_column(Boolean, default=True)
    brief_definition: Mapped[str] = mapped_column(Text, default="")
    full_definition: Mapped[str] = mapped_column(Text, default="")
    when_to_use: Mapped[str] = mapped_column(Text, default="")
    when_not_to_use: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class CodeAliasRow(Base):
    """Another GUID a code answers to: that of a code merged into it, here or in a coder's copy.

    Codings brought in later under the old GUID land on the code it was merged into.
    """

    __tablename__ = "code_aliases"
    __table_args__ = (Index("ix_code_aliases_code", "code_id"),)

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))


class CodingRow(Base):
    """A code applied by a coder to ``[start, end)`` code points of a document's text."""

    __tablename__ = "codings"
    __table_args__ = (
        # Covers the viewer's query, so that a document's spans are read from the index alone.
        Index(
            "ix_codings_document_spans", "document_id", "start", "end", "id", "code_id", "coder_id"
        ),
        Index("ix_codings_code", "code_id"),
        Index("ix_codings_coder", "coder_id"),
        CheckConstraint('start >= 0 AND start < "end"', name="span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="RESTRICT"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # a copy of the coded text, to re-anchor spans
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class MemoRow(Base):
    """A memo on the project (no target), a document, a code or a coding; one per target."""

    __tablename__ = "memos"
    __table_args__ = (
        CheckConstraint(
            "(document_id IS NOT NULL) + (code_id IS NOT NULL) + (coding_id IS NOT NULL) <= 1",
            name="one_target",
        ),
        Index("ix_memos_document", "document_id"),
        Index("ix_memos_code", "code_id"),
        Index("ix_memos_coding", "coding_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    title: Mapped[str] = mapped_column(String(400), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"))
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class CaseRow(Base):
    """A case (a person, a site, a team) that groups documents and carries attributes."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    name: Mapped[str] = mapped_column(String(400), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class CaseDocumentRow(Base):
    """Membership of a document in a case."""

    __tablename__ = "case_documents"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AttributeRow(Base):
    """A typed variable (``text``, ``number``, ``date``, ``boolean``) of cases or documents."""

    __tablename__ = "attributes"
    __table_args__ = (
        UniqueConstraint("scope", "name", name="uq_attributes_scope_name"),
        CheckConstraint("scope IN ('case', 'document')", name="scope"),
        CheckConstraint("value_type IN ('text', 'number', 'date', 'boolean')", name="value_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(16))
    value_type: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)


class AttributeValueRow(Base):
    """The value of one attribute for one case or one document."""

    __tablename__ = "attribute_values"
    __table_args__ = (
        # One value per attribute and owner; the repository upserts, as NULLs defeat UNIQUE.
        CheckConstraint("(case_id IS NULL) <> (document_id IS NULL)", name="one_owner"),
        Index("ix_attribute_values_case", "case_id", "attribute_id"),
        Index("ix_attribute_values_document", "document_id", "attribute_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    attribute_id: Mapped[int] = mapped_column(ForeignKey("attributes.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    text_value: Mapped[str | None] = mapped_column(Text)
    number_value: Mapped[float | None] = mapped_column(Float)


class IndexJournalRow(Base):
    """What changed, for the search index to catch up on: written by triggers (migration 0005)
    in the transaction that made the change, whichever program made it.

    ``kind`` is ``coding``, ``document``, ``code``, ``coder``, ``case`` or ``attribute``; ``ref``
    the id of that row, except for a coding: its document, with the span in ``start``/``end``.
    """

    __tablename__ = "index_journal"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[int] = mapped_column(Integer)
    # For a coding: its document is ``ref`` and its span is [start, end), old or new.
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
