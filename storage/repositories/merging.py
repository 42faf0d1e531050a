"""What a project merge reads and writes: a coder's whole project, the keys it is matched by
here, bulk inserts that keep UUIDs and timestamps, and the snapshots that let undo take it back."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    delete,
    false,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from storage.models import (
    AttributeRow,
    AttributeValueRow,
    Base,
    CaseDocumentRow,
    CaseRow,
    CodeAliasRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    MemoRow,
    ParagraphRow,
    new_uuid,
    utc_now,
)
from storage.records import MemoRecord
from storage.repositories.content import (
    DocumentContent,
    ProjectContent,
    ValueContent,
    memos,
    read_content,
    values,
)
from storage.repositories.rows import Snapshot, dump, restore

#: Rows inserted per statement: well under SQLite's limit of bound parameters.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class DocumentKey:
    """What a document is matched by, without its text."""

    id: int
    uuid: str
    name: str
    text_hash: str


class NewCoding(NamedTuple):
    """A coding to insert, with the ids of this project and the UUID it keeps."""

    uuid: str
    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    text: str
    created_at: datetime


@dataclass
class AddedRows:
    """The rows a merge added, by table, so that undo can snapshot and delete exactly them."""

    coders: list[int] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    codings: list[int] = field(default_factory=list)
    memos: list[int] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)
    attributes: list[int] = field(default_factory=list)
    values: list[int] = field(default_factory=list)
    memberships: list[tuple[int, int]] = field(default_factory=list)


class MergeRepo:
    """Bulk reads and writes for merging one project into another."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def content(self) -> ProjectContent:
        """The whole project, for merging it into another (texts included)."""
        return read_content(self._session)

    # --- reading the project merged into ---------------------------------------------------

    def document_keys(self) -> list[DocumentKey]:
        """Every document's id, UUID, name and text hash, in list order."""
        rows = self._session.execute(
            select(DocumentRow.id, DocumentRow.uuid, DocumentRow.name, DocumentRow.text_hash)
            .order_by(DocumentRow.position, DocumentRow.id)
        )  # fmt: skip
        return [DocumentKey(*row) for row in rows]

    def codings_by_uuid(self) -> dict[str, int]:
        """Every coding's id by its UUID."""
        rows = self._connection().execute(select(CodingRow.uuid, CodingRow.id))
        return {uuid: coding_id for uuid, coding_id in rows}

    def coding_keys(self) -> dict[tuple[int, int, int, int, int], int]:
        """Every coding's id by (document, code, coder, start, end)."""
        rows = self._connection().execute(
            select(
                CodingRow.document_id,
                CodingRow.code_id,
                CodingRow.coder_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.id,
            )
        )
        return {(d, code, coder, start, end): id_ for d, code, coder, start, end, id_ in rows}

    def memos(self) -> list[MemoRecord]:
        """Every memo (there is one per target), oldest first."""
        return memos(self._session)

    def values(self) -> list[ValueContent]:
        """Every attribute value, as stored."""
        return values(self._session)

    def memberships(self) -> set[tuple[int, int]]:
        """Every (case id, document id) membership."""
        rows = self._session.execute(select(CaseDocumentRow.case_id, CaseDocumentRow.document_id))
        return {(case_id, document_id) for case_id, document_id in rows}

    def taken_uuids(self) -> set[str]:
        """The UUIDs in use here outside codes and codings (whose merges look them up on their
        own), and the GUIDs codes answer to: a UUID kept from a coder's project is none of them."""
        taken: set[str] = set()
        for column in (
            CoderRow.uuid,
            DocumentRow.uuid,
            ParagraphRow.uuid,
            MemoRow.uuid,
            CaseRow.uuid,
            AttributeRow.uuid,
            AttributeValueRow.uuid,
            CodeAliasRow.uuid,
        ):
            taken.update(self._session.execute(select(column)).scalars())
        return taken

    def _connection(self) -> Connection:
        """The session's connection, for Core rows with no ORM work per row (tens of
        thousands of codings go through here)."""
        return self._session.connection()

    # --- writing ---------------------------------------------------------------------------

    def add_document(self, document: DocumentContent, *, name: str, uuid: str, fresh: bool) -> int:
        """Insert a document (another project's, with its text, provenance and time of import)
        under ``name`` and ``uuid``, with its paragraphs, at the end of the list; its id.

        ``fresh``: give the paragraphs new UUIDs (theirs are taken here).
        """
        position = self._session.execute(
            select(func.coalesce(func.max(DocumentRow.position), -1) + 1)
        ).scalar_one()
        document_id = self._session.execute(
            insert(DocumentRow).returning(DocumentRow.id),
            {
                "uuid": uuid,
                "name": name,
                "position": position,
                "language": document.language,
                "text": document.text,
                "characters": len(document.text),
                "text_hash": document.text_hash,
                "source_name": document.source_name,
                "source_format": document.source_format,
                "source_encoding": document.source_encoding,
                "imported_at": document.imported_at,
            },
        ).scalar_one()
        rows = [
            {
                "uuid": new_uuid() if fresh else p.uuid,
                "document_id": document_id,
                "position": p.position,
                "start": p.start,
                "end": p.end,
                "speaker": p.speaker,
                "start_ms": p.start_ms,
                "end_ms": p.end_ms,
            }
            for p in document.paragraphs
        ]
        for first in range(0, len(rows), _CHUNK):
            self._session.execute(insert(ParagraphRow), rows[first : first + _CHUNK])
        return int(document_id)

    def add_codings(self, codings: Sequence[NewCoding]) -> list[int]:
        """Insert codings as given (UUIDs and timestamps kept); their ids, in that order."""
        if not codings:
            return []
        rows = [coding._asdict() for coding in codings]
        table = cast(Table, CodingRow.__table__)
        # Batched INSERT … RETURNING in Core (the ORM's bulk path takes about twice as long);
        # SQLite hands out rising ids in the order of the rows.
        return sorted(
            self._connection().execute(insert(table).returning(table.c.id), rows).scalars()
        )

    def add_memo(
        self,
        memo: MemoRecord,
        *,
        uuid: str,
        document_id: int | None = None,
        code_id: int | None = None,
        coding_id: int | None = None,
        coder_id: int | None = None,
    ) -> int:
        """Insert a memo on the given target, keeping its title, text and time of writing."""
        return int(
            self._session.execute(
                insert(MemoRow).returning(MemoRow.id),
                {
                    "uuid": uuid,
                    "title": memo.title,
                    "text": memo.text,
                    "document_id": document_id,
                    "code_id": code_id,
                    "coding_id": coding_id,
                    "coder_id": coder_id,
                    "created_at": utc_now(),
                    "updated_at": memo.updated_at,
                },
            ).scalar_one()
        )

    def add_value(self, value: ValueContent, attribute_id: int, uuid: str) -> int:
        """Insert an attribute value for the (already mapped) case or document of ``value``."""
        return int(
            self._session.execute(
                insert(AttributeValueRow).returning(AttributeValueRow.id),
                {
                    "uuid": uuid,
                    "attribute_id": attribute_id,
                    "case_id": value.case_id,
                    "document_id": value.document_id,
                    "text_value": value.text_value,
                    "number_value": value.number_value,
                },
            ).scalar_one()
        )

    def add_membership(self, case_id: int, document_id: int) -> None:
        self._session.execute(
            insert(CaseDocumentRow), {"case_id": case_id, "document_id": document_id}
        )

    # --- undo ------------------------------------------------------------------------------

    def snapshot(self, added: AddedRows) -> dict[str, Snapshot]:
        """Every row in ``added`` (and what hangs on the added documents), for :meth:`restore`."""
        documents = added.documents
        return {
            "coders": dump(self._session, CoderRow, CoderRow.id.in_(added.coders)),
            "cases": dump(self._session, CaseRow, CaseRow.id.in_(added.cases)),
            "attributes": dump(self._session, AttributeRow, AttributeRow.id.in_(added.attributes)),
            "documents": dump(self._session, DocumentRow, DocumentRow.id.in_(documents)),
            "paragraphs": dump(
                self._session, ParagraphRow, ParagraphRow.document_id.in_(documents)
            ),
            "memberships": dump(self._session, CaseDocumentRow, _pairs(added.memberships)),
            "values": dump(
                self._session, AttributeValueRow, AttributeValueRow.id.in_(added.values)
            ),
            "codings": dump(self._session, CodingRow, CodingRow.id.in_(added.codings)),
            "memos": dump(self._session, MemoRow, MemoRow.id.in_(added.memos)),
        }

    def restore(self, snapshot: dict[str, Snapshot]) -> None:
        """Insert the rows of :meth:`snapshot` again, parents before what refers to them."""
        order: tuple[tuple[str, type[Base]], ...] = (
            ("coders", CoderRow),
            ("cases", CaseRow),
            ("attributes", AttributeRow),
            ("documents", DocumentRow),
            ("paragraphs", ParagraphRow),
            ("memberships", CaseDocumentRow),
            ("values", AttributeValueRow),
            ("codings", CodingRow),
            ("memos", MemoRow),
        )
        for key, model in order:
            rows = snapshot[key]
            for first in range(0, len(rows), _CHUNK):
                restore(self._session, model, rows[first : first + _CHUNK])

    def delete(self, added: AddedRows) -> None:
        """Delete the rows in ``added``, what refers to them first."""
        steps: tuple[tuple[type[Base], ColumnElement[bool]], ...] = (
            (MemoRow, MemoRow.id.in_(added.memos)),
            (CodingRow, CodingRow.id.in_(added.codings)),
            (AttributeValueRow, AttributeValueRow.id.in_(added.values)),
            (CaseDocumentRow, _pairs(added.memberships)),
            (DocumentRow, DocumentRow.id.in_(added.documents)),
            (AttributeRow, AttributeRow.id.in_(added.attributes)),
            (CaseRow, CaseRow.id.in_(added.cases)),
            (CoderRow, CoderRow.id.in_(added.coders)),
        )
        for model, where in steps:
            self._session.execute(delete(cast(Table, model.__table__)).where(where))

    def memo_rows(self, memo_ids: Collection[int]) -> Snapshot:
        """Whole memo rows, to put back after :meth:`remove_memos`."""
        return dump(self._session, MemoRow, MemoRow.id.in_(list(memo_ids)))

    def remove_memos(self, memo_ids: Iterable[int]) -> None:
        self._session.execute(delete(MemoRow).where(MemoRow.id.in_(list(memo_ids))))

    def put_back_memos(self, rows: Snapshot) -> None:
        restore(self._session, MemoRow, rows)


def _pairs(pairs: Sequence[tuple[int, int]]) -> ColumnElement[bool]:
    if not pairs:
        return false()
    return or_(
        *(
            and_(CaseDocumentRow.case_id == case_id, CaseDocumentRow.document_id == document_id)
            for case_id, document_id in pairs
        )
    )
