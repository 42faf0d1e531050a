"""Cases, their documents, and typed attributes with their values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import (
    AttributeRow,
    AttributeValueRow,
    CaseDocumentRow,
    CaseRow,
    new_uuid,
)
from storage.records import AttributeRecord, AttributeValueRecord, CaseRecord

#: The types an attribute can have.
VALUE_TYPES = ("text", "number", "date", "boolean")

Value = str | float | bool | None


class CaseRepo:
    """Cases and which documents belong to them."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, name: str, description: str = "", uuid: str | None = None) -> int:
        row = CaseRow(uuid=uuid or new_uuid(), name=name, description=description)
        self._session.add(row)
        self._session.flush()
        return row.id

    def get(self, case_id: int) -> CaseRecord:
        row = self._session.get(CaseRow, case_id)
        if row is None:
            raise NotFoundError("That case is no longer in this project.")
        return CaseRecord(row.id, row.uuid, row.name, row.description)

    def by_name(self, name: str) -> int | None:
        return self._session.execute(
            select(CaseRow.id).where(CaseRow.name == name)
        ).scalar_one_or_none()

    def all(self) -> list[CaseRecord]:
        rows = self._session.execute(select(CaseRow).order_by(CaseRow.name)).scalars()
        return [CaseRecord(r.id, r.uuid, r.name, r.description) for r in rows]

    def delete(self, case_id: int) -> None:
        self._session.execute(delete(CaseRow).where(CaseRow.id == case_id))

    def add_documents(self, case_id: int, document_ids: list[int]) -> None:
        present = set(self.document_ids(case_id))
        for document_id in document_ids:
            if document_id not in present:
                self._session.add(CaseDocumentRow(case_id=case_id, document_id=document_id))
        self._session.flush()

    def remove_documents(self, case_id: int, document_ids: list[int]) -> None:
        self._session.execute(
            delete(CaseDocumentRow).where(
                CaseDocumentRow.case_id == case_id,
                CaseDocumentRow.document_id.in_(document_ids),
            )
        )

    def document_ids(self, case_id: int) -> list[int]:
        return list(
            self._session.execute(
                select(CaseDocumentRow.document_id).where(CaseDocumentRow.case_id == case_id)
            ).scalars()
        )

    def cases_of_documents(self, document_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
        """Case names per document id (of every document, or of ``document_ids``)."""
        query = (
            select(CaseDocumentRow.document_id, CaseRow.name)
            .join(CaseRow, CaseRow.id == CaseDocumentRow.case_id)
            .order_by(CaseRow.name)
        )
        if document_ids is not None:
            query = query.where(CaseDocumentRow.document_id.in_(list(document_ids)))
        rows = self._session.execute(query)
        result: dict[int, list[str]] = {}
        for document_id, name in rows:
            result.setdefault(document_id, []).append(name)
        return result


class AttributeRepo:
    """Attributes (typed variables) and their values on cases and documents."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, name: str, scope: str, value_type: str, uuid: str | None = None) -> int:
        position = self._session.execute(
            select(func.coalesce(func.max(AttributeRow.position), -1) + 1).where(
                AttributeRow.scope == scope
            )
        ).scalar_one()
        row = AttributeRow(
            uuid=uuid or new_uuid(),
            name=name,
            scope=scope,
            value_type=value_type,
            position=position,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def by_name(self, scope: str, name: str) -> AttributeRecord | None:
        row = self._session.execute(
            select(AttributeRow).where(AttributeRow.scope == scope, AttributeRow.name == name)
        ).scalar_one_or_none()
        return None if row is None else _attribute(row)

    def all(self, scope: str | None = None) -> list[AttributeRecord]:
        query = select(AttributeRow).order_by(AttributeRow.scope, AttributeRow.position)
        if scope is not None:
            query = query.where(AttributeRow.scope == scope)
        return [_attribute(row) for row in self._session.execute(query).scalars()]

    def delete(self, attribute_id: int) -> None:
        self._session.execute(delete(AttributeRow).where(AttributeRow.id == attribute_id))

    def value(
        self, attribute_id: int, *, case_id: int | None = None, document_id: int | None = None
    ) -> Value:
        row = self._value_row(attribute_id, case_id, document_id)
        if row is None:
            return None
        return _decode(self._type(attribute_id), row)

    def set_value(
        self,
        attribute_id: int,
        value: Value,
        *,
        case_id: int | None = None,
        document_id: int | None = None,
    ) -> None:
        """Set (or with ``None`` clear) the value; ``value`` must match the attribute's type."""
        row = self._value_row(attribute_id, case_id, document_id)
        if value is None:
            if row is not None:
                self._session.delete(row)
                self._session.flush()
            return
        if row is None:
            row = AttributeValueRow(
                uuid=new_uuid(),
                attribute_id=attribute_id,
                case_id=case_id,
                document_id=document_id,
            )
            self._session.add(row)
        value_type = self._type(attribute_id)
        if value_type == "number":
            row.number_value, row.text_value = float(value), None
        elif value_type == "boolean":
            row.number_value, row.text_value = float(bool(value)), None
        else:
            row.text_value, row.number_value = str(value), None
        self._session.flush()

    def values_of(
        self, *, case_id: int | None = None, document_id: int | None = None
    ) -> list[AttributeValueRecord]:
        owner = (
            AttributeValueRow.case_id == case_id
            if case_id is not None
            else AttributeValueRow.document_id == document_id
        )
        rows = self._session.execute(
            select(AttributeValueRow, AttributeRow)
            .join(AttributeRow, AttributeRow.id == AttributeValueRow.attribute_id)
            .where(owner)
            .order_by(AttributeRow.position)
        ).all()
        return [
            AttributeValueRecord(
                attribute.id,
                attribute.name,
                value.case_id,
                value.document_id,
                _decode(attribute.value_type, value),
            )
            for value, attribute in rows
        ]

    def _type(self, attribute_id: int) -> str:
        value_type = self._session.execute(
            select(AttributeRow.value_type).where(AttributeRow.id == attribute_id)
        ).scalar_one_or_none()
        if value_type is None:
            raise NotFoundError("That attribute is no longer in this project.")
        return value_type

    def _value_row(
        self, attribute_id: int, case_id: int | None, document_id: int | None
    ) -> AttributeValueRow | None:
        owner = (
            AttributeValueRow.case_id == case_id
            if case_id is not None
            else AttributeValueRow.document_id == document_id
        )
        return self._session.execute(
            select(AttributeValueRow).where(AttributeValueRow.attribute_id == attribute_id, owner)
        ).scalar_one_or_none()


def _attribute(row: AttributeRow) -> AttributeRecord:
    return AttributeRecord(row.id, row.uuid, row.name, row.scope, row.value_type, row.position)


def _decode(value_type: str, row: AttributeValueRow) -> Value:
    if value_type == "number":
        return row.number_value
    if value_type == "boolean":
        return bool(row.number_value)
    if value_type == "date" and row.text_value is not None:
        return date.fromisoformat(row.text_value).isoformat()
    return row.text_value
