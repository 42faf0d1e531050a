"""Whole-row snapshots, so that undo can put deleted rows back with their ids and UUIDs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, insert, select
from sqlalchemy.orm import Session

from storage.models import Base

Snapshot = list[dict[str, Any]]


def dump(session: Session, model: type[Base], where: ColumnElement[bool]) -> Snapshot:
    """Every column of the rows of ``model``'s table that match ``where``, ordered by id."""
    table = cast(Table, model.__table__)
    result = session.execute(select(table).where(where).order_by(*table.primary_key.columns))
    return [dict(row) for row in result.mappings()]


def restore(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows exactly as :func:`dump` returned them (same ids, same UUIDs)."""
    if rows:
        session.execute(insert(cast(Table, model.__table__)), list(rows))
