"""Opening, creating, copying and closing project files: checks, lock, upgrade, backups."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError

from storage import schema
from storage.backup import BackgroundBackup, backup_dir, needs_backup, newest_good_backup
from storage.errors import NewerProjectError, ProjectFileError, ProjectLockedError
from storage.lock import ProjectLock
from storage.sqlite import (
    APPLICATION_ID,
    DamagedCopyError,
    FileCheck,
    check_file,
    disk_reason,
    integrity_errors,
    make_engine,
    online_backup,
    snapshot,
    stamp_application_id,
)
from storage.staging import remove_staged, remove_stale, staging_path
from storage.store import Store

log = logging.getLogger(__name__)

#: The extension of a project file.
SUFFIX = ".tillit"

#: The version of the program, named in messages about newer project files.
PROGRAM_VERSION = "0.1.0"

#: What an ``OSError`` says when a folder or file cannot be written, as opposed to read.
_CANNOT_WRITE = {
    errno.EACCES: "its folder cannot be written to",
    errno.EPERM: "its folder cannot be written to",
    errno.EROFS: "it is on a read-only disk",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
}


#: What SQLite says when the copy it writes cannot be written.
_WRITE_REFUSALS = frozenset(
    {
        "database or disk is full",
        "attempt to write a readonly database",
        "unable to open database file",
    }
)


class ProjectFile:
    """An open project file, locked for this process until :meth:`close`.

    ``read_only`` is ``None`` for a project open for writing; otherwise the sentence that
    refuses each write (the file or its folder cannot be written, so no lock could be taken).
    """

    def __init__(
        self, path: Path, engine: Engine, lock: ProjectLock | None, read_only: str | None = None
    ) -> None:
        self.path = path
        self.engine = engine
        self.read_only = read_only
        self.store = Store(engine, path.name, read_only)
        self.backup: BackgroundBackup | None = None
        self._lock = lock

    @classmethod
    def create(cls, path: Path, fill: Callable[[Store], None] | None = None) -> ProjectFile:
        """Create an empty project file at the schema's head and open it.

        ``fill`` writes the first content (through the store it is given) before the file
        appears: the file appears only once it is complete. Raises :class:`ProjectFileError`
        when the file exists or cannot be written, and what ``fill`` raises.
        """
        path = path.resolve()
        if path.exists():
            raise ProjectFileError(f"“{path.name}” already exists; choose another name.")
        if not path.parent.is_dir():
            raise ProjectFileError(f"The folder “{path.parent}” does not exist.")
        remove_stale(path.parent)
        staged = staging_path(path, "partial")
        try:
            try:
                engine = make_engine(staged)
                try:
                    stamp_application_id(engine)
                    schema.upgrade_to_head(engine)
                    if fill is not None:
                        fill(Store(engine, path.name))
                finally:
                    engine.dispose()
                if path.exists():
                    raise ProjectFileError(f"“{path.name}” already exists; choose another name.")
                staged.replace(path)
            except (OSError, sqlite3.Error, DatabaseError) as exc:
                raise ProjectFileError(
                    f"Tillit could not create “{path.name}”: {_reason(exc)}."
                ) from exc
        except BaseException:
            remove_staged(staged)
            raise
        return cls.open(path, backup=False)

    @classmethod
    def open(cls, path: Path, *, backup: bool = True) -> ProjectFile:
        """Open a project: check it, lock it, upgrade an older schema, start a backup.

        Nothing is changed before the checks pass: a file that is not a project, is damaged or
        is newer is refused as it is. A project whose file or folder cannot be written opens
        for reading only, without a lock and without a backup (see :attr:`read_only`).

        Raises :class:`ProjectFileError` (missing, damaged, not a project),
        :class:`ProjectLockedError` (open elsewhere) or :class:`NewerProjectError`.
        """
        path = path.resolve()
        _check_readable(path)
        remove_stale(path.parent)
        found = _inspect(path)
        refusal, lock = _lock_or_read_only(path)
        engine = make_engine(path, read_only=refusal is not None)
        try:
            _check_schema(path, engine, found, keep_backup=True, read_only=refusal is not None)
            project = cls(path, engine, lock, refusal)
        except BaseException:
            engine.dispose()
            if lock is not None:
                lock.release()
            raise
        if backup and refusal is None and needs_backup(path):
            project.backup = BackgroundBackup(path)
        return project

    def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file; empty when it is sound."""
        return integrity_errors(self.engine)

    def close(self) -> list[str]:
        """Finish any backup, let go of the file and release the lock.

        Never raises for a condition of the disk: every edit was saved when it was made.
        Returns a sentence for each thing that went wrong meanwhile (a backup that could not
        be made), for the researcher to hear of it.
        """
        problems: list[str] = []
        if self.backup is not None:
            self.backup.wait()
            if self.backup.error is not None:
                problems.append(
                    f"Your work in “{self.path.name}” is saved, but Tillit could not back it "
                    f"up ({_reason(self.backup.error)})."
                )
        self.engine.dispose()
        if self._lock is not None:
            try:
                self._lock.release()
            except OSError as exc:  # the next opener recovers a lock nobody holds
                log.warning("Could not remove the lock of %s: %s", self.path, exc)
        return problems


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
        _snapshot_or_refuse(path, copy)
        engine = make_engine(copy)
        try:
            _check_schema(path, engine, _inspect(copy, label=path), keep_backup=False)
            yield Store(engine, path.name)
        finally:
            engine.dispose()


@contextmanager
def staged_copy(source: Path, target: Path) -> Iterator[Store]:
    """A consistent copy of the project ``source`` made at ``target``, whole or not at all.

    The source may be open in this or another Tillit: the copy is a snapshot of one moment
    that holds every edit committed before it, with the same project and document UUIDs. The
    block gets the copy's store (at this Tillit's format) for last changes; the copy appears
    at ``target`` only when the block ends without an error, and nothing of it otherwise.

    Raises :class:`ProjectFileError` when the source cannot be read (missing, damaged, not a
    project), ``target`` exists or its folder cannot be written, and :class:`NewerProjectError`.
    """
    source, target = source.resolve(), target.resolve()
    _check_readable(source)
    if target.exists():
        raise ProjectFileError(f"“{target.name}” already exists; choose another name.")
    if not target.parent.is_dir():
        raise ProjectFileError(f"The folder “{target.parent}” does not exist.")
    remove_stale(target.parent)
    staged = staging_path(target, "partial")
    try:
        _snapshot_or_refuse(source, staged, writing=target)
        engine = make_engine(staged)
        try:
            _check_schema(source, engine, _inspect(staged, label=source), keep_backup=False)
            yield Store(engine, target.name)
        except DatabaseError as exc:
            raise ProjectFileError(_write_failure(target, exc)) from exc
        finally:
            engine.dispose()
        if target.exists():
            raise ProjectFileError(f"“{target.name}” already exists; choose another name.")
        staged.replace(target)
    except OSError as exc:
        raise ProjectFileError(_write_failure(target, exc)) from exc
    finally:
        if staged.exists():
            remove_staged(staged)


def _snapshot_or_refuse(source: Path, target: Path, writing: Path | None = None) -> None:
    """Copy ``source`` to ``target`` (see :func:`snapshot`), or say why it cannot be copied:
    about the source, or about ``writing`` (the copy's name) when the copy cannot be written."""
    try:
        snapshot(source, target)
    except DamagedCopyError as exc:
        raise _damaged(source) from exc
    except sqlite3.OperationalError as exc:
        if writing is not None and str(exc) in _WRITE_REFUSALS:  # the source is only read
            raise ProjectFileError(_write_failure(writing, exc)) from exc
        raise ProjectFileError(f"Tillit could not read “{source.name}”: {_reason(exc)}.") from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise _not_a_project(source) from exc


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise ProjectFileError(f"There is no project “{path.name}” in {path.parent}.")
    if not path.is_file():
        raise ProjectFileError(f"“{path.name}” is a folder, not a Tillit project.")
    try:
        empty = path.stat().st_size == 0
    except OSError as exc:
        raise ProjectFileError(f"Tillit could not read “{path.name}”: {_reason(exc)}.") from exc
    if empty:
        raise _not_a_project(path)


def _inspect(path: Path, label: Path | None = None) -> FileCheck:
    """The checks of :func:`check_file`, with each refusal said in the researcher's words
    (about ``label``, the project the file is a copy of, when there is one)."""
    named = label or path
    try:
        found = check_file(path)
    except sqlite3.OperationalError as exc:
        raise ProjectFileError(f"Tillit could not open “{named.name}”: {_reason(exc)}.") from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise _not_a_project(named) from exc
    if found.application_id != APPLICATION_ID or found.revision is None:
        raise ProjectFileError(f"“{named.name}” is a database, but not a Tillit project.")
    if found.problems:
        log.warning("%s is damaged: %s", named, found.problems[:5])
        raise _damaged(named)
    return found


def _not_a_project(path: Path) -> ProjectFileError:
    if newest_good_backup(path) is not None:  # it was a project: say where the good copy is
        return _damaged(path)
    return ProjectFileError(
        f"“{path.name}” is not a Tillit project: it is another kind of file, or it is damaged."
    )


def _damaged(path: Path) -> ProjectFileError:
    good = newest_good_backup(path)
    if good is None:
        return ProjectFileError(
            f"“{path.name}” is damaged, so Tillit left it untouched; it has no good backup in "
            f"“{backup_dir(path).name}”, so use the newest copy of it you have."
        )
    return ProjectFileError(
        f"“{path.name}” is damaged, so Tillit left it untouched; its newest good backup is "
        f"“{good.name}” in “{good.parent.name}”: open that, or copy it in the damaged file's place."
    )


def _lock_or_read_only(path: Path) -> tuple[str | None, ProjectLock | None]:
    """The project's lock, or why the project opens for reading only (no lock then)."""
    why = None if os.access(path, os.W_OK) else "the file is read-only"
    if why is None:
        try:
            return None, ProjectLock(path).acquire()
        except ProjectLockedError:
            raise
        except OSError as exc:
            why = _CANNOT_WRITE.get(exc.errno or 0)
            if why is None:
                raise ProjectFileError(
                    f"Tillit could not open “{path.name}”: {_reason(exc)}."
                ) from exc
    log.info("Opening %s for reading only: %s", path, why)
    return f"“{path.name}” can only be read, since {why}; nothing of this change was saved.", None


def _check_schema(
    path: Path, engine: Engine, found: FileCheck, *, keep_backup: bool, read_only: bool = False
) -> None:
    """Refuse a newer project; back up (with ``keep_backup``) and upgrade an older one.
    ``engine`` is on ``path``, or on a copy of it that needs no backup."""
    revision, head = found.revision, schema.head_revision()
    if revision == head:
        return
    if revision not in schema.known_revisions():
        raise NewerProjectError(
            f"“{path.name}” was saved by a newer Tillit (project format {revision}); "
            f"this Tillit {PROGRAM_VERSION} reads project formats up to {head}. "
            "Install the newer Tillit to open it."
        )
    if read_only:
        raise ProjectFileError(
            f"“{path.name}” was saved by an older Tillit and must be upgraded, but it can only "
            "be read; copy it to a folder you can write to and open the copy."
        )
    if keep_backup:
        target = path.with_name(f"{path.name}.{revision}.bak")
        try:
            online_backup(path, target)
        except (OSError, sqlite3.Error) as exc:
            raise ProjectFileError(
                f"Tillit could not back up “{path.name}” before upgrading it ({_reason(exc)}); "
                "it was left as it is."
            ) from exc
        log.info("Backed up %s to %s before upgrading its format", path, target)
    try:
        schema.upgrade_to_head(engine)
    except DatabaseError as exc:
        reason = disk_reason(exc)
        if reason is None:
            raise
        raise ProjectFileError(
            f"Tillit could not upgrade “{path.name}” ({reason}); it was left as it is."
        ) from exc


def _write_failure(target: Path, exc: BaseException) -> str:
    return f"Tillit could not write “{target.name}”: {_reason(exc)}."


def _reason(exc: BaseException) -> str:
    reason = disk_reason(exc)
    if reason is not None:
        return reason
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)
