"""The project row and the coders."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import CoderRow, ProjectRow
from storage.records import CoderRecord, ProjectRecord


class ProjectRepo:
    """The single project row."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(self, name: str, language: str) -> int:
        row = ProjectRow(name=name, language=language)
        self._session.add(row)
        self._session.flush()
        return row.id

    def get(self) -> ProjectRecord:
        row = self._session.execute(select(ProjectRow).order_by(ProjectRow.id)).scalars().first()
        if row is None:
            raise NotFoundError("This project file has no project description; it is damaged.")
        return ProjectRecord(row.id, row.uuid, row.name, row.language, row.current_coder_id)

    def set_current_coder(self, coder_id: int) -> None:
        self._session.execute(update(ProjectRow).values(current_coder_id=coder_id))


class CoderRepo:
    """The people who code."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, name: str, uuid: str | None = None) -> int:
        row = CoderRow(name=name)
        if uuid is not None:
            row.uuid = uuid
        self._session.add(row)
        self._session.flush()
        return row.id

    def by_name(self, name: str) -> int | None:
        return self._session.execute(
            select(CoderRow.id).where(CoderRow.name == name)
        ).scalar_one_or_none()

    def get(self, coder_id: int) -> CoderRecord:
        row = self._session.get(CoderRow, coder_id)
        if row is None:
            raise NotFoundError("That coder is not in this project.")
        return CoderRecord(row.id, row.uuid, row.name)

    def all(self) -> list[CoderRecord]:
        rows = self._session.execute(select(CoderRow).order_by(CoderRow.name)).scalars()
        return [CoderRecord(r.id, r.uuid, r.name) for r in rows]

    def delete(self, coder_id: int) -> None:
        row = self._session.get(CoderRow, coder_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()
