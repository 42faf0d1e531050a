"""A whole project read in one pass, as frozen records: what a merge can bring from it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    AttributeValueRow,
    CaseDocumentRow,
    CodingRow,
    DocumentRow,
    MemoRow,
    ParagraphRow,
)
from storage.records import (
    AttributeRecord,
    CaseRecord,
    CodeRecord,
    CoderRecord,
    CodingRecord,
    DocumentRecord,
    MemoRecord,
    ParagraphRecord,
    ProjectRecord,
)
from storage.repositories.cases import AttributeRepo, CaseRepo
from storage.repositories.codes import CodeRepo
from storage.repositories.codings import CODING_COLUMNS
from storage.repositories.documents import PARAGRAPH_COLUMNS
from storage.repositories.memos import memo_record
from storage.repositories.people import CoderRepo, ProjectRepo


@dataclass(frozen=True, slots=True)
class ParagraphContent(ParagraphRecord):
    """A paragraph or speaker turn as it travels with its document: with its UUID."""

    uuid: str


@dataclass(frozen=True, slots=True)
class DocumentContent(DocumentRecord):
    """A document with everything a merge carries: its text, provenance and paragraphs."""

    paragraphs: tuple[ParagraphContent, ...]


@dataclass(frozen=True, slots=True)
class ValueContent:
    """An attribute value as stored: the text or the number, whichever its type uses."""

    uuid: str
    attribute_id: int
    case_id: int | None
    document_id: int | None
    text_value: str | None
    number_value: float | None


@dataclass(frozen=True)
class ProjectContent:
    """Everything of a project that a merge can bring, read in one transaction.

    Ids are the project's own; codes are in tree order (parents first).
    """

    project: ProjectRecord
    coders: list[CoderRecord]
    documents: list[DocumentContent]
    codes: list[CodeRecord]
    aliases: dict[str, int]
    codings: list[CodingRecord]
    memos: list[MemoRecord]
    cases: list[CaseRecord]
    memberships: list[tuple[int, int]]  # (case id, document id)
    attributes: list[AttributeRecord]
    values: list[ValueContent]


def read_content(session: Session) -> ProjectContent:
    """The whole project behind ``session`` (every text included)."""
    codes = CodeRepo(session)
    return ProjectContent(
        project=ProjectRepo(session).get(),
        coders=CoderRepo(session).all(),
        documents=_documents(session),
        codes=codes.all(),
        aliases=codes.aliases(),
        codings=[  # Core rows: 50,000 codings need no ORM work each
            CodingRecord(*row)
            for row in session.connection().execute(select(*CODING_COLUMNS).order_by(CodingRow.id))
        ],
        memos=memos(session),
        cases=CaseRepo(session).all(),
        memberships=[
            (case_id, document_id)
            for case_id, document_id in session.execute(
                select(CaseDocumentRow.case_id, CaseDocumentRow.document_id)
            )
        ],
        attributes=AttributeRepo(session).all(),
        values=values(session),
    )


def memos(session: Session) -> list[MemoRecord]:
    """Every memo (there is one per target), oldest first."""
    return [
        memo_record(row) for row in session.execute(select(MemoRow).order_by(MemoRow.id)).scalars()
    ]


def values(session: Session) -> list[ValueContent]:
    """Every attribute value, as stored."""
    rows = session.execute(
        select(
            AttributeValueRow.uuid,
            AttributeValueRow.attribute_id,
            AttributeValueRow.case_id,
            AttributeValueRow.document_id,
            AttributeValueRow.text_value,
            AttributeValueRow.number_value,
        ).order_by(AttributeValueRow.id)
    )
    return [ValueContent(*row) for row in rows]


def _documents(session: Session) -> list[DocumentContent]:
    paragraphs: dict[int, list[ParagraphContent]] = {}
    for row in session.execute(
        select(ParagraphRow.document_id, *PARAGRAPH_COLUMNS, ParagraphRow.uuid).order_by(
            ParagraphRow.document_id, ParagraphRow.position
        )
    ):
        paragraphs.setdefault(row[0], []).append(ParagraphContent(*row[1:]))
    rows = session.execute(
        select(
            DocumentRow.id,
            DocumentRow.uuid,
            DocumentRow.name,
            DocumentRow.language,
            DocumentRow.text,
            DocumentRow.text_hash,
            DocumentRow.source_name,
            DocumentRow.source_format,
            DocumentRow.source_encoding,
            DocumentRow.imported_at,
        ).order_by(DocumentRow.position, DocumentRow.id)
    )
    return [
        DocumentContent(**row._asdict(), paragraphs=tuple(paragraphs.get(row.id, ())))
        for row in rows
    ]
