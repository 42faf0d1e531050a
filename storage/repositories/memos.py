"""Memos: on the project, a document, a code or a coding (one memo per target)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.orm import Session

from storage.models import MemoRow, new_uuid, utc_now
from storage.records import MemoRecord


@dataclass(frozen=True, slots=True)
class MemoTarget:
    """What a memo is about; all ``None`` is the project memo."""

    document_id: int | None = None
    code_id: int | None = None
    coding_id: int | None = None

    def condition(self) -> ColumnElement[bool]:
        return and_(
            *(
                column.is_(None) if value is None else column == value
                for column, value in (
                    (MemoRow.document_id, self.document_id),
                    (MemoRow.code_id, self.code_id),
                    (MemoRow.coding_id, self.coding_id),
                )
            )
        )


def memo_record(row: MemoRow) -> MemoRecord:
    """The record of a memo's row."""
    return MemoRecord(
        row.id,
        row.uuid,
        row.title,
        row.text,
        row.document_id,
        row.code_id,
        row.coding_id,
        row.coder_id,
        row.updated_at,
    )


class MemoRepo:
    """Memos, looked up by their target."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, target: MemoTarget) -> MemoRecord | None:
        row = (
            self._session.execute(select(MemoRow).where(target.condition()).order_by(MemoRow.id))
            .scalars()
            .first()
        )
        return None if row is None else memo_record(row)

    def put(
        self,
        target: MemoTarget,
        text: str,
        *,
        title: str = "",
        coder_id: int | None = None,
        uuid: str | None = None,
    ) -> int:
        """Create or replace the memo of ``target``; returns its id."""
        row = (
            self._session.execute(select(MemoRow).where(target.condition()).order_by(MemoRow.id))
            .scalars()
            .first()
        )
        if row is None:
            row = MemoRow(
                uuid=uuid or new_uuid(),
                document_id=target.document_id,
                code_id=target.code_id,
                coding_id=target.coding_id,
            )
            self._session.add(row)
        row.text = text
        row.title = title
        row.coder_id = coder_id
        row.updated_at = utc_now()
        self._session.flush()
        return row.id

    def delete(self, target: MemoTarget) -> None:
        self._session.execute(delete(MemoRow).where(target.condition()))
