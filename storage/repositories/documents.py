"""Documents and their paragraphs or speaker turns."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.formats.parsed import ParsedParagraph
from storage.models import CodingRow, DocumentRow, ParagraphRow, new_uuid
from storage.records import DocumentRecord, DocumentSummary, ParagraphRecord
from storage.repositories.rows import Snapshot, dump, restore

#: The columns of a :class:`ParagraphRecord`, in its order.
PARAGRAPH_COLUMNS = (
    ParagraphRow.id,
    ParagraphRow.position,
    ParagraphRow.start,
    ParagraphRow.end,
    ParagraphRow.speaker,
    ParagraphRow.start_ms,
    ParagraphRow.end_ms,
)


def text_hash(text: str) -> str:
    """The SHA-256 of a document's text, used to recognise the same transcript elsewhere."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentRepo:
    """Documents: their text, structure and provenance."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        *,
        name: str,
        language: str,
        text: str,
        paragraphs: Sequence[ParsedParagraph],
        source_name: str,
        source_format: str,
        source_encoding: str | None = None,
        uuid: str | None = None,
    ) -> int:
        """Store a document with its paragraphs; ``text`` must already be NFC with ``\\n``."""
        position = self._session.execute(
            select(func.coalesce(func.max(DocumentRow.position), -1) + 1)
        ).scalar_one()
        row = DocumentRow(
            uuid=uuid or new_uuid(),
            name=name,
            position=position,
            language=language,
            text=text,
            characters=len(text),
            text_hash=text_hash(text),
            source_name=source_name,
            source_format=source_format,
            source_encoding=source_encoding,
        )
        self._session.add(row)
        self._session.flush()
        if paragraphs:
            self._session.execute(
                insert(ParagraphRow),
                [
                    {
                        "uuid": new_uuid(),
                        "document_id": row.id,
                        "position": index,
                        "start": p.start,
                        "end": p.end,
                        "speaker": p.speaker,
                        "start_ms": p.start_ms,
                        "end_ms": p.end_ms,
                    }
                    for index, p in enumerate(paragraphs)
                ],
            )
        return row.id

    def summaries(self, ids: Iterable[int] | None = None) -> list[DocumentSummary]:
        """Documents (all, or those of ``ids``) in list order, with their counts.

        Reads no document text.
        """
        columns = (
            DocumentRow.id,
            DocumentRow.uuid,
            DocumentRow.name,
            DocumentRow.language,
            DocumentRow.characters,
        )
        if ids is not None:  # a few documents: count theirs alone
            paragraphs_of = (
                select(func.count())
                .where(ParagraphRow.document_id == DocumentRow.id)
                .scalar_subquery()
            )
            codings_of = (
                select(func.count())
                .where(CodingRow.document_id == DocumentRow.id)
                .scalar_subquery()
            )
            query = select(*columns, paragraphs_of, codings_of).where(DocumentRow.id.in_(list(ids)))
        else:
            paragraphs = (
                select(ParagraphRow.document_id, func.count().label("n"))
                .group_by(ParagraphRow.document_id)
                .subquery()
            )
            codings = (
                select(CodingRow.document_id, func.count().label("n"))
                .group_by(CodingRow.document_id)
                .subquery()
            )
            query = (
                select(*columns, func.coalesce(paragraphs.c.n, 0), func.coalesce(codings.c.n, 0))
                .outerjoin(paragraphs, paragraphs.c.document_id == DocumentRow.id)
                .outerjoin(codings, codings.c.document_id == DocumentRow.id)
            )
        query = query.order_by(DocumentRow.position, DocumentRow.id)
        return [DocumentSummary(*row) for row in self._session.execute(query)]

    def get(self, document_id: int) -> DocumentRecord:
        row = self._session.get(DocumentRow, document_id)
        if row is None:
            raise NotFoundError("That document is no longer in this project.")
        return DocumentRecord(
            row.id,
            row.uuid,
            row.name,
            row.language,
            row.text,
            row.text_hash,
            row.source_name,
            row.source_format,
            row.source_encoding,
            row.imported_at,
        )

    def text(self, document_id: int) -> str:
        text = self._session.execute(
            select(DocumentRow.text).where(DocumentRow.id == document_id)
        ).scalar_one_or_none()
        if text is None:
            raise NotFoundError("That document is no longer in this project.")
        return text

    def length(self, document_id: int) -> int:
        """The number of code points of a document's text."""
        length = self._session.execute(
            select(DocumentRow.characters).where(DocumentRow.id == document_id)
        ).scalar_one_or_none()
        if length is None:
            raise NotFoundError("That document is no longer in this project.")
        return length

    def passage(self, document_id: int, start: int, end: int) -> str:
        """``text[start:end]`` of a document (code points), read without the rest of the text."""
        return str(
            self._session.execute(
                select(func.substr(DocumentRow.text, start + 1, end - start)).where(
                    DocumentRow.id == document_id
                )
            ).scalar_one()
        )

    def id_by_uuid(self, uuid: str) -> int | None:
        return self._session.execute(
            select(DocumentRow.id).where(DocumentRow.uuid == uuid.lower())
        ).scalar_one_or_none()

    def ids_by_name(self, name: str) -> list[int]:
        return list(
            self._session.execute(
                select(DocumentRow.id).where(DocumentRow.name == name).order_by(DocumentRow.id)
            ).scalars()
        )

    def names(self) -> set[str]:
        return set(self._session.execute(select(DocumentRow.name)).scalars())

    def paragraphs(self, document_id: int) -> list[ParagraphRecord]:
        rows = self._session.execute(
            select(*PARAGRAPH_COLUMNS)
            .where(ParagraphRow.document_id == document_id)
            .order_by(ParagraphRow.position)
        )
        return [ParagraphRecord(*row) for row in rows]

    def paragraphs_by_document(
        self, document_ids: Iterable[int] | None = None
    ) -> dict[int, list[ParagraphRecord]]:
        """The paragraphs of many documents (all, or those of ``document_ids``) in one query.

        Each document's list is in order; documents without paragraphs are absent.
        """
        query = select(ParagraphRow.document_id, *PARAGRAPH_COLUMNS)
        if document_ids is not None:
            query = query.where(ParagraphRow.document_id.in_(list(document_ids)))
        by_document: dict[int, list[ParagraphRecord]] = {}
        for row in self._session.execute(
            query.order_by(ParagraphRow.document_id, ParagraphRow.position)
        ):
            by_document.setdefault(row[0], []).append(ParagraphRecord(*row[1:]))
        return by_document

    def snapshot(self, document_ids: Iterable[int]) -> dict[str, Snapshot]:
        """The documents' rows and their paragraphs, for :meth:`restore` after a delete."""
        ids = list(document_ids)
        return {
            "documents": dump(self._session, DocumentRow, DocumentRow.id.in_(ids)),
            "paragraphs": dump(self._session, ParagraphRow, ParagraphRow.document_id.in_(ids)),
        }

    def restore(self, snapshot: dict[str, Snapshot]) -> None:
        restore(self._session, DocumentRow, snapshot["documents"])
        restore(self._session, ParagraphRow, snapshot["paragraphs"])

    def delete(self, document_ids: Iterable[int]) -> None:
        """Delete documents; their paragraphs, codings, memos and values go with them."""
        self._session.execute(delete(DocumentRow).where(DocumentRow.id.in_(list(document_ids))))
