"""Transactions over a project file, each handing out the repositories bound to it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage import schema
from storage.backup import damaged_error
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
from storage.sqlite import damage, disk_reason, writing

#: How SQLite begins a refusal that can only come from the file, since every query Tillit
#: makes runs against the head schema in the tests: a table or column gone, text not UTF-8.
_DAMAGE_SIGNS = ("no such table", "no such column", "Could not decode to UTF-8")


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

    ``label`` names the project in sentences; ``source`` is the project file whose backups a
    refusal of a damaged file names (the engine may be on a copy of it). ``read_only`` is the
    sentence that refuses every write of a project opened for reading only (``None`` for a
    project that may be written). ``verdict`` is called before the first write: it waits for
    the check of the file and raises :class:`ProjectFileError` when it found it damaged.
    """

    def __init__(
        self,
        engine: Engine,
        label: str,
        read_only: str | None = None,
        *,
        source: Path,
        verdict: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._writes = sessionmaker(writing(engine), expire_on_commit=False, autoflush=False)
        self._label = label
        self._source = source
        self._opened = time.time()
        self._verdict = verdict
        self.read_only = read_only

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One user action: everything inside commits together or not at all.

        It takes the write lock first (``BEGIN IMMEDIATE``), waiting for other writers and for
        readers that are finishing. Raises :class:`StorageError` when the file cannot be
        written (disk full, read-only, held by another program, opened for reading only) and
        :class:`ProjectFileError` when it is found damaged; nothing of the action is saved then.
        """
        if self.read_only is not None:
            raise StorageError(self.read_only)
        if self._verdict is not None:
            self._verdict()  # the check of the file begun on opening: no write to a damaged one
            self._verdict = None

        def saving(reason: str) -> str:
            return (
                f"Tillit could not save to “{self._label}” ({reason}); "
                "nothing of this change was saved."
            )

        with self._answered(saving), self._writes.begin() as session:
            yield Tx(session)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent read of the project; writes made inside are rolled back.

        A writer's commit waits while a read is open, so read what is needed and leave.
        Raises :class:`StorageError` when the disk refuses and :class:`ProjectFileError` when
        the file is found damaged.
        """
        with (
            self._answered(lambda reason: f"Tillit could not read “{self._label}” ({reason})."),
            self._sessions() as session,
        ):
            try:
                yield Tx(session)
            finally:
                session.rollback()

    @contextmanager
    def _answered(self, disk_sentence: Callable[[str], str]) -> Iterator[None]:
        """Database errors inside as the researcher's sentences: a condition of the disk as
        ``disk_sentence(reason)``, damage naming the newest good backup; a bug as it is."""
        try:
            yield
        except UnicodeDecodeError as exc:  # SQLite's message quotes a damaged schema
            raise damaged_error(self._source, self._label, self._opened) from exc
        except DatabaseError as exc:
            reason = disk_reason(exc)
            if reason is None:
                if not self._damaged(exc):
                    raise  # a bug, not a condition of the disk or the file
                raise damaged_error(self._source, self._label, self._opened) from exc
            raise StorageError(disk_sentence(reason)) from exc

    def _damaged(self, exc: DatabaseError) -> bool:
        """Whether ``exc`` came from the file rather than from a bug: SQLite named damage,
        or a look at the file finds some (the look runs only after a failure)."""
        message = str(exc.orig) if exc.orig is not None else str(exc)
        if isinstance(exc, OperationalError) and message.startswith(_DAMAGE_SIGNS):
            return True
        return bool(damage(self._engine, schema.head_tables()))
