"""Coding queries and matrix counts: codings chosen by code, by what else is coded beside them,
and by the documents, cases, attribute values and coders a researcher narrows them to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, exists, func, select, union
from sqlalchemy.orm import Session, aliased

from storage.models import (
    AttributeRow,
    AttributeValueRow,
    CaseDocumentRow,
    CodingRow,
    DocumentRow,
    MemoRow,
    ParagraphRow,
)
from storage.repositories.cases import Value

#: A value a filter or a matrix column names: text or a date (ISO), a number, yes or no.
AttributeValue = str | float | bool


@dataclass(frozen=True, slots=True)
class QueryFilter:
    """What a query or a matrix looks at; ``None`` (and no attribute values) means everything.

    The kinds of filter combine with AND. ``document_ids``, ``case_ids`` (documents in any of
    these cases) and ``attribute_values`` choose documents: each pair is an attribute's id and
    a value of its type, values of one attribute combine with OR ("role is manager or
    employee"), different attributes with AND; an attribute of cases reaches the documents of
    the cases that have the value. ``coder_ids`` chooses codings, on both sides of a
    combination: only those coders' codings are found, and only theirs overlap or lie near.
    """

    document_ids: frozenset[int] | None = None
    case_ids: frozenset[int] | None = None
    attribute_values: frozenset[tuple[int, AttributeValue]] = frozenset()
    coder_ids: frozenset[int] | None = None


class CodingHit(NamedTuple):
    """A coding a query found: its id, document, code, coder and span in code points."""

    id: int
    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AttributeChoice:
    """One value an attribute takes somewhere in the project, to filter or count by."""

    attribute_id: int
    attribute_name: str
    scope: str  # "case" or "document"
    value_type: str
    value: AttributeValue


_HIT_COLUMNS = (
    CodingRow.id,
    CodingRow.document_id,
    CodingRow.code_id,
    CodingRow.coder_id,
    CodingRow.start,
    CodingRow.end,
)


class RetrievalRepo:
    """Reads codings for coding queries and counts codings for matrices; writes nothing."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def codings(self, code_ids: Iterable[int], where: QueryFilter) -> list[CodingHit]:
        """The codings of ``code_ids`` that the filter admits, in document and text order."""
        return self._hits(list(code_ids), where)

    def count(self, code_ids: Iterable[int], where: QueryFilter) -> int:
        """How many codings of ``code_ids`` the filter admits."""
        query = select(func.count()).where(CodingRow.code_id.in_(list(code_ids)))
        return int(self._session.execute(query.where(*self._admitted(where))).scalar_one())

    def notes(self, code_ids: Iterable[int], where: QueryFilter) -> dict[int, tuple[datetime, str]]:
        """When each admitted coding of ``code_ids`` was made (naive UTC) and its memo (empty
        when it has none), by coding id: what a report prints beside each excerpt."""
        query = (
            select(CodingRow.id, CodingRow.created_at, func.coalesce(MemoRow.text, ""))
            .outerjoin(MemoRow, MemoRow.coding_id == CodingRow.id)
            .where(CodingRow.code_id.in_(list(code_ids)), *self._admitted(where))
        )
        return {coding_id: (made, memo) for coding_id, made, memo in self._session.execute(query)}

    def codings_without(
        self, code_ids: Iterable[int], other_ids: Iterable[int], where: QueryFilter
    ) -> list[CodingHit]:
        """Codings of ``code_ids`` that no admitted coding of ``other_ids`` overlaps."""
        other = aliased(CodingRow)
        overlapping = self._others(other, other_ids, where).where(
            other.start < CodingRow.end, other.end > CodingRow.start
        )
        return self._hits(list(code_ids), where, ~exists(overlapping))

    def codings_near(
        self, code_ids: Iterable[int], other_ids: Iterable[int], distance: int, where: QueryFilter
    ) -> list[CodingHit]:
        """Codings of ``code_ids`` with an admitted coding of ``other_ids`` at most ``distance``
        code points before or after them; overlapping and touching codings are at distance 0."""
        other = aliased(CodingRow)
        near = self._others(other, other_ids, where).where(
            other.start <= CodingRow.end + distance, other.end >= CodingRow.start - distance
        )
        return self._hits(list(code_ids), where, exists(near))

    def codings_sharing_paragraph(
        self, code_ids: Iterable[int], other_ids: Iterable[int], where: QueryFilter
    ) -> list[CodingHit]:
        """Codings of ``code_ids`` that overlap a paragraph (or speaker turn) which an admitted
        coding of ``other_ids`` also overlaps."""
        other = aliased(CodingRow)
        shared = (
            self._others(other, other_ids, where)
            .join(ParagraphRow, ParagraphRow.document_id == other.document_id)
            .where(
                ParagraphRow.end > ParagraphRow.start,
                ParagraphRow.start < CodingRow.end,
                ParagraphRow.end > CodingRow.start,
                other.start < ParagraphRow.end,
                other.end > ParagraphRow.start,
            )
        )
        return self._hits(list(code_ids), where, exists(shared))

    def spans(self, where: QueryFilter) -> list[tuple[int, int, int, int]]:
        """Every admitted coding as ``(document_id, code_id, start, end)``, by document and
        start; read from the covering index of document spans."""
        query = select(CodingRow.document_id, CodingRow.code_id, CodingRow.start, CodingRow.end)
        query = query.where(*self._admitted(where)).order_by(CodingRow.document_id, CodingRow.start)
        rows = self._session.connection().execute(query)  # Core rows: no ORM work per row
        return [(document_id, code_id, start, end) for document_id, code_id, start, end in rows]

    def counts_by_document(self, where: QueryFilter) -> list[tuple[int, int, int]]:
        """``(code_id, document_id, codings)`` for every code and document with codings."""
        query = select(CodingRow.code_id, CodingRow.document_id, func.count()).group_by(
            CodingRow.code_id, CodingRow.document_id
        )
        rows = self._session.execute(query.where(*self._admitted(where)))
        return [(code_id, document_id, n) for code_id, document_id, n in rows]

    def counts_by_value(
        self, attribute_id: int, where: QueryFilter
    ) -> list[tuple[int, AttributeValue, int]]:
        """``(code_id, value, codings)``: the codings of each code in the documents that have
        each value of the attribute, their own or through a case.

        A coding counts once for each value its document has (a document can be in two cases
        that differ), never twice for one value.
        """
        owner = self._owners(attribute_id)
        query = (
            select(
                CodingRow.code_id,
                owner.c.text_value,
                owner.c.number_value,
                func.count(CodingRow.id.distinct()),
            )
            .join(owner, owner.c.document_id == CodingRow.document_id)
            .group_by(CodingRow.code_id, owner.c.text_value, owner.c.number_value)
        )
        value_type = self._value_type(attribute_id)
        result: list[tuple[int, AttributeValue, int]] = []
        for code_id, text, number, n in self._session.execute(query.where(*self._admitted(where))):
            value = _decode(value_type, text, number)
            if value is not None:
                result.append((code_id, value, n))
        return result

    def document_ids(self, where: QueryFilter) -> list[int]:
        """The documents the filter admits, in list order (the coder filter does not count)."""
        query = select(DocumentRow.id).order_by(DocumentRow.position, DocumentRow.id)
        for condition in self._document_conditions(DocumentRow.id, where):
            query = query.where(condition)
        return list(self._session.execute(query).scalars())

    def documents_with(self, attribute_id: int, value: AttributeValue) -> set[int]:
        """The documents that have ``value`` of the attribute, their own or through a case."""
        owner = self._owners(attribute_id, [value])
        return set(self._session.execute(select(owner.c.document_id)).scalars())

    def attribute_choices(self) -> list[AttributeChoice]:
        """Every value each attribute takes, attributes in their order, values sorted."""
        rows = self._session.execute(
            select(
                AttributeRow.id,
                AttributeRow.name,
                AttributeRow.scope,
                AttributeRow.value_type,
                AttributeValueRow.text_value,
                AttributeValueRow.number_value,
            )
            .join(AttributeValueRow, AttributeValueRow.attribute_id == AttributeRow.id)
            .distinct()
            .order_by(AttributeRow.scope, AttributeRow.position, AttributeRow.id)
        )
        choices: dict[tuple[int, AttributeValue], AttributeChoice] = {}
        for attribute_id, name, scope, value_type, text, number in rows:
            value = _decode(value_type, text, number)
            if value is not None:
                choice = AttributeChoice(attribute_id, name, scope, value_type, value)
                choices.setdefault((attribute_id, value), choice)
        return sorted(
            choices.values(),
            key=lambda c: (c.scope, c.attribute_id, isinstance(c.value, str), c.value),
        )

    def _hits(
        self, code_ids: list[int], where: QueryFilter, *conditions: ColumnElement[bool]
    ) -> list[CodingHit]:
        query = select(*_HIT_COLUMNS).where(CodingRow.code_id.in_(code_ids), *conditions)
        query = query.where(*self._admitted(where)).order_by(
            CodingRow.document_id, CodingRow.start, CodingRow.end, CodingRow.id
        )
        return [CodingHit(*row) for row in self._session.execute(query)]

    def _others(
        self, other: type[CodingRow], other_ids: Iterable[int], where: QueryFilter
    ) -> Select[Any]:
        """Codings of ``other_ids`` in the same document as the outer coding."""
        query = select(other.id).where(
            other.document_id == CodingRow.document_id, other.code_id.in_(list(other_ids))
        )
        if where.coder_ids is not None:
            query = query.where(other.coder_id.in_(where.coder_ids))
        return query

    def _admitted(self, where: QueryFilter) -> list[ColumnElement[bool]]:
        """Conditions on codings that admit what the filter admits."""
        conditions = self._document_conditions(CodingRow.document_id, where)
        if where.coder_ids is not None:
            conditions.append(CodingRow.coder_id.in_(where.coder_ids))
        return conditions

    def _document_conditions(self, column: Any, where: QueryFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if where.document_ids is not None:
            conditions.append(column.in_(where.document_ids))
        if where.case_ids is not None:
            members = select(CaseDocumentRow.document_id).where(
                CaseDocumentRow.case_id.in_(where.case_ids)
            )
            conditions.append(column.in_(members))
        by_attribute: dict[int, list[AttributeValue]] = {}
        for attribute_id, value in sorted(where.attribute_values, key=repr):
            by_attribute.setdefault(attribute_id, []).append(value)
        for attribute_id, values in by_attribute.items():
            owner = self._owners(attribute_id, values)
            conditions.append(column.in_(select(owner.c.document_id)))
        return conditions

    def _owners(self, attribute_id: int, values: list[AttributeValue] | None = None) -> Any:
        """A subquery of ``(document_id, text_value, number_value)``: the attribute's values of
        each document, its own and its cases' (only ``values``, if given)."""
        value_type = self._value_type(attribute_id)
        matches: list[ColumnElement[bool]] = [AttributeValueRow.attribute_id == attribute_id]
        if values is not None:
            matches.append(_value_condition(value_type, values))
        columns = (AttributeValueRow.text_value, AttributeValueRow.number_value)
        own = select(AttributeValueRow.document_id.label("document_id"), *columns).where(
            AttributeValueRow.document_id.is_not(None), *matches
        )
        via_case = (
            select(CaseDocumentRow.document_id.label("document_id"), *columns)
            .join(AttributeValueRow, AttributeValueRow.case_id == CaseDocumentRow.case_id)
            .where(*matches)
        )
        return union(own, via_case).subquery()

    def _value_type(self, attribute_id: int) -> str:
        value_type = self._session.execute(
            select(AttributeRow.value_type).where(AttributeRow.id == attribute_id)
        ).scalar_one_or_none()
        return value_type or "text"


def _value_condition(value_type: str, values: list[AttributeValue]) -> ColumnElement[bool]:
    """Stored values equal to one of ``values``, compared as ``AttributeRepo`` stores them."""
    if value_type in ("number", "boolean"):
        return AttributeValueRow.number_value.in_([float(value) for value in values])
    return AttributeValueRow.text_value.in_([str(value) for value in values])


def _decode(value_type: str, text: str | None, number: float | None) -> Value:
    if value_type == "number":
        return number
    if value_type == "boolean":
        return None if number is None else bool(number)
    return text
