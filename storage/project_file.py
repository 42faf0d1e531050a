"""Opening, creating and closing project files: lock, schema upgrade, backups, checkpoint."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError

from storage import schema
from storage.backup import BackgroundBackup, needs_backup
from storage.errors import NewerProjectError, ProjectFileError
from storage.lock import ProjectLock
from storage.sqlite import (
    APPLICATION_ID,
    application_id,
    checkpoint,
    disk_reason,
    integrity_errors,
    looks_like_sqlite,
    make_engine,
    online_backup,
    stamp_application_id,
)
from storage.store import Store

log = logging.getLogger(__name__)

#: The extension of a project file.
SUFFIX = ".tillit"

#: The version of the program, named in messages about newer project files.
PROGRAM_VERSION = "0.1.0"


class ProjectFile:
    """An open project file, locked for this process until :meth:`close`."""

    def __init__(self, path: Path, engine: Engine, lock: ProjectLock) -> None:
        self.path = path
        self.engine = engine
        self.store = Store(engine, path.name)
        self.backup: BackgroundBackup | None = None
        self._lock = lock

    @classmethod
    def create(cls, path: Path) -> ProjectFile:
        """Create an empty project file at the schema's head and open it.

        Raises :class:`ProjectFileError` when the file exists or the folder is not writable.
        The file appears only once it is complete.
        """
        path = path.resolve()
        if path.exists():
            raise ProjectFileError(f"“{path.name}” already exists; choose another name.")
        if not path.parent.is_dir():
            raise ProjectFileError(f"The folder “{path.parent}” does not exist.")
        partial = path.with_name(path.name + ".partial")
        try:
            partial.unlink(missing_ok=True)
            engine = make_engine(partial)
            try:
                stamp_application_id(engine)
                schema.upgrade_to_head(engine)
                checkpoint(engine)
            finally:
                engine.dispose()
            for suffix in ("-wal", "-shm"):
                Path(str(partial) + suffix).unlink(missing_ok=True)
            partial.replace(path)
        except (OSError, sqlite3.Error, DatabaseError) as exc:
            partial.unlink(missing_ok=True)
            raise ProjectFileError(
                f"Tillit could not create “{path.name}”: {_os_reason(exc)}."
            ) from exc
        return cls.open(path, backup=False)

    @classmethod
    def open(cls, path: Path, *, backup: bool = True) -> ProjectFile:
        """Open a project: lock it, upgrade an older schema, and start a backup if it changed.

        Raises :class:`ProjectFileError` (missing, damaged, not a project),
        :class:`ProjectLockedError` (open elsewhere) or :class:`NewerProjectError`.
        """
        path = path.resolve()
        _check_readable(path)
        try:
            lock = ProjectLock(path).acquire()
        except OSError as exc:
            raise ProjectFileError(
                f"Tillit could not open “{path.name}”: {_os_reason(exc)}."
            ) from exc
        engine = make_engine(path)
        try:
            _check_schema(path, engine)
            project = cls(path, engine, lock)
        except BaseException:
            engine.dispose()
            lock.release()
            raise
        if backup and needs_backup(path):
            project.backup = BackgroundBackup(path)
        return project

    def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file; empty when it is sound."""
        return integrity_errors(self.engine)

    def close(self) -> None:
        """Finish any backup, fold the write-ahead log into the file, and release the lock."""
        if self.backup is not None:
            self.backup.wait()
        try:
            checkpoint(self.engine)
        except DatabaseError as exc:  # the data is safe in the WAL; SQLite replays it
            log.warning("Checkpoint of %s failed: %s", self.path, exc)
        self.engine.dispose()
        self._lock.release()


@contextmanager
def read_copy(path: Path) -> Iterator[Store]:
    """Read another project without touching it: a snapshot copy at this Tillit's format.

    The project may be open in another Tillit; its lock is not taken and its file is not
    upgraded. Raises what :meth:`ProjectFile.open` raises for a file that cannot be read.
    """
    path = path.resolve()
    _check_readable(path)
    with tempfile.TemporaryDirectory(prefix="tillit-read-") as folder:
        copy = Path(folder) / path.name
        try:
            online_backup(path, copy)
        except sqlite3.Error as exc:
            raise ProjectFileError(
                f"“{path.name}” is damaged and cannot be read; try its newest backup."
            ) from exc
        except OSError as exc:
            raise ProjectFileError(
                f"Tillit could not read “{path.name}”: {_os_reason(exc)}."
            ) from exc
        engine = make_engine(copy)
        try:
            _check_schema(path, engine, keep_backup=False)
            yield Store(engine, path.name)
        finally:
            engine.dispose()


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise ProjectFileError(f"There is no project “{path.name}” in {path.parent}.")
    if not path.is_file():
        raise ProjectFileError(f"“{path.name}” is a folder, not a Tillit project.")
    try:
        is_sqlite = looks_like_sqlite(path)
    except OSError as exc:
        raise ProjectFileError(f"Tillit could not read “{path.name}”: {_os_reason(exc)}.") from exc
    if not is_sqlite:
        raise ProjectFileError(
            f"“{path.name}” is not a Tillit project: it is another kind of file, or it is damaged."
        )


def _check_schema(path: Path, engine: Engine, *, keep_backup: bool = True) -> None:
    try:
        app_id = application_id(engine)
        revision = schema.current_revision(engine)
    except DatabaseError as exc:
        reason = disk_reason(exc)
        if reason is not None:
            raise ProjectFileError(f"Tillit could not open “{path.name}”: {reason}.") from exc
        raise ProjectFileError(
            f"“{path.name}” is damaged and cannot be opened; try its newest backup."
        ) from exc
    if app_id != APPLICATION_ID or revision is None:
        raise ProjectFileError(f"“{path.name}” is a database, but not a Tillit project.")
    head = schema.head_revision()
    if revision == head:
        return
    if revision not in schema.known_revisions():
        raise NewerProjectError(
            f"“{path.name}” was saved by a newer Tillit (project format {revision}); "
            f"this Tillit {PROGRAM_VERSION} reads project formats up to {head}. "
            "Install the newer Tillit to open it."
        )
    if keep_backup:
        target = path.with_name(f"{path.name}.{revision}.bak")
        online_backup(path, target)
        log.info("Backed up %s to %s before upgrading its format", path, target)
    schema.upgrade_to_head(engine)


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)
