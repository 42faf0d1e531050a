"""Transactions over a project file, each handing out the repositories bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import StorageError
from storage.repositories.agreement import AgreementRepo
from storage.repositories.cases import AttributeRepo, CaseRepo
from storage.repositories.codes import CodeRepo
from storage.repositories.codings import CodingRepo
from storage.repositories.documents import DocumentRepo
from storage.repositories.memos import MemoRepo
from storage.repositories.merging import MergeRepo
from storage.repositories.people import CoderRepo, ProjectRepo
from storage.repositories.retrieval import RetrievalRepo
from storage.repositories.search_units import SearchUnitRepo
from storage.sqlite import disk_reason, writing


class Tx:
    """The repositories of one transaction (or one read)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.project = ProjectRepo(session)
        self.coders = CoderRepo(session)
        self.documents = DocumentRepo(session)
        self.codes = CodeRepo(session)
        self.codings = CodingRepo(session)
        self.memos = MemoRepo(session)
        self.cases = CaseRepo(session)
        self.attributes = AttributeRepo(session)
        self.search_units = SearchUnitRepo(session)
        self.retrieval = RetrievalRepo(session)
        self.agreement = AgreementRepo(session)
        self.merging = MergeRepo(session)


class Store:
    """Opens transactions on a project's engine.

    ``read_only`` is the sentence that refuses every write of a project opened for reading
    only (``None`` for a project that may be written).
    """

    def __init__(self, engine: Engine, label: str, read_only: str | None = None) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._writes = sessionmaker(writing(engine), expire_on_commit=False, autoflush=False)
        self._label = label
        self.read_only = read_only

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One user action: everything inside commits together or not at all.

        It takes the write lock first (``BEGIN IMMEDIATE``), waiting for other writers and for
        readers that are finishing. Raises :class:`StorageError` when the file cannot be
        written (disk full, read-only, held by another program, opened for reading only);
        nothing of the action is saved then.
        """
        if self.read_only is not None:
            raise StorageError(self.read_only)
        try:
            with self._writes.begin() as session:
                yield Tx(session)
        except DatabaseError as exc:
            if disk_reason(exc) is None:
                raise  # a bug, not a condition of the disk
            raise StorageError(
                f"Tillit could not save to “{self._label}” ({disk_reason(exc)}); "
                "nothing of this change was saved."
            ) from exc

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent read of the project; writes made inside are rolled back.

        A writer's commit waits while a read is open, so read what is needed and leave.
        """
        try:
            with self._sessions() as session:
                try:
                    yield Tx(session)
                finally:
                    session.rollback()
        except DatabaseError as exc:
            if disk_reason(exc) is None:
                raise
            raise StorageError(
                f"Tillit could not read “{self._label}” ({disk_reason(exc)})."
            ) from exc
