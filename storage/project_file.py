"""Opening, creating, copying and closing project files: checks, lock, upgrade, backups."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError

from storage import schema
from storage.backup import BackgroundBackup, damaged_error, needs_backup, newest_good_backup
from storage.errors import NewerProjectError, ProjectFileError, ProjectLockedError
from storage.lock import ProjectLock
from storage.sqlite import (
    APPLICATION_ID,
    DamagedCopyError,
    FileCheck,
    SoundnessCheck,
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
    ``label`` is the name the researcher opened it by (a link's), ``path.name`` by default.
    """

    def __init__(
        self,
        path: Path,
        engine: Engine,
        lock: ProjectLock | None,
        read_only: str | None = None,
        label: str | None = None,
        *,
        check: SoundnessCheck | None = None,
    ) -> None:
        self.path = path
        self.engine = engine
        self.read_only = read_only
        self._label = label or path.name
        self._check = check
        self.store = Store(engine, self._label, read_only, source=path, verdict=self.verify)
        self.backup: BackgroundBackup | None = None
        self._lock = lock

    @classmethod
    def create(cls, path: Path, fill: Callable[[Store], None] | None = None) -> ProjectFile:
        """Create an empty project file at the schema's head and open it.

        ``fill`` writes the first content (through the store it is given) before the file
        appears: the file appears only once it is complete. Raises :class:`ProjectFileError`
        when the file exists or cannot be written, and what ``fill`` raises.
        """
        path = _new_file(path)
        remove_stale(path.parent)
        staged = staging_path(path, "partial")
        try:
            try:
                engine = make_engine(staged)
                try:
                    stamp_application_id(engine)
                    schema.upgrade_to_head(engine)
                    if fill is not None:
                        fill(Store(engine, path.name, source=path))
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

        Nothing is changed before the checks pass: a file that is not a project or is newer
        is refused as it is. SQLite's check of every page goes on beside the first reads;
        the first write, an upgrade and the backup wait for its finding, and a damaged file
        is refused then (:meth:`verify` waits for it). A project whose file or folder cannot
        be written opens for reading only, without a lock and without a backup (see
        :attr:`read_only`).

        Raises :class:`ProjectFileError` (missing, damaged, not a project),
        :class:`ProjectLockedError` (open elsewhere) or :class:`NewerProjectError`.
        """
        name = path.name
        path = _existing(path)
        remove_stale(path.parent)
        found = _inspect(path, path, name, quick_check=False)
        check = SoundnessCheck(path)
        try:
            refusal, lock = _lock_or_read_only(path)
        except BaseException:
            _finish(check)
            raise
        engine = make_engine(path, read_only=refusal is not None)
        try:
            if found.revision != schema.head_revision():  # an upgrade writes: a sound file only
                _verdict(check, path, name)
            _check_schema(
                path, name, engine, found, keep_backup=True, read_only=refusal is not None
            )
            project = cls(path, engine, lock, refusal, name, check=check)
        except BaseException:
            _finish(check)
            engine.dispose()
            if lock is not None:
                lock.release()
            raise
        if backup and refusal is None and needs_backup(path):
            project.backup = BackgroundBackup(path, after=project.sound)
        return project

    def verify(self) -> None:
        """Wait for SQLite's check of the file begun on opening it; raise
        :class:`ProjectFileError` when it found the file damaged or could not read it."""
        if self._check is not None:
            _verdict(self._check, self.path, self._label)

    def sound(self) -> bool:
        """Whether the check begun on opening found the file sound (it waits for it)."""
        try:
            self.verify()
        except ProjectFileError:
            return False
        return True

    def when_checked(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the check begun on opening has finished (at once when it
        has; else on the check's thread), for it to ask :meth:`verify` without waiting."""
        if self._check is None:
            callback()
        else:
            self._check.then(callback)

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
        if self._check is not None:
            _finish(self._check)
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
    name = path.name
    path = _existing(path)
    with tempfile.TemporaryDirectory(prefix="tillit-read-") as folder:
        copy = Path(folder) / "copy.tillit"
        _snapshot_or_refuse(path, name, copy)
        engine = make_engine(copy)
        try:
            _check_schema(path, name, engine, _inspect(copy, path, name), keep_backup=False)
            yield Store(engine, name, source=path)
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
    name = source.name
    source = _existing(source)
    target = _new_file(target)
    remove_stale(target.parent)
    staged = staging_path(target, "partial")
    try:
        _snapshot_or_refuse(source, name, staged, writing=target)
        engine = make_engine(staged)
        try:
            _check_schema(source, name, engine, _inspect(staged, source, name), keep_backup=False)
            yield Store(engine, target.name, source=source)
        except DatabaseError as exc:
            if disk_reason(exc) is None:
                raise damaged_error(source, name) from exc
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


def _snapshot_or_refuse(source: Path, name: str, target: Path, writing: Path | None = None) -> None:
    """Copy ``source`` (called ``name``) to ``target`` (see :func:`snapshot`), or say why it
    cannot be copied: about the source, or about ``writing`` (the copy's name) when the copy
    cannot be written."""
    try:
        snapshot(source, target)
    except DamagedCopyError as exc:
        raise damaged_error(source, name) from exc
    except sqlite3.OperationalError as exc:
        if writing is not None and str(exc) in _WRITE_REFUSALS:  # the source is only read
            raise ProjectFileError(_write_failure(writing, exc)) from exc
        raise ProjectFileError(f"Tillit could not read “{name}”: {_reason(exc)}.") from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise _not_a_project(source, name) from exc


def _existing(path: Path) -> Path:
    """``path`` made absolute with its links followed, once it is known to be a regular file
    that is not empty. Nothing is opened before: a pipe would block and a device read without
    end. Every refusal names the file as the researcher gave it."""
    name = f"“{path.name}”"
    try:
        info = os.stat(path)
        real = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError as exc:
        if os.path.lexists(path):
            raise ProjectFileError(
                f"{name} is a link to a file that does not exist, not a Tillit project."
            ) from exc
        raise ProjectFileError(f"There is no project {name} in {_folder(path)}.") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ProjectFileError(
                f"{name} is a link that leads round in a loop, not to a Tillit project."
            ) from exc
        raise ProjectFileError(f"Tillit could not read {name}: {_reason(exc)}.") from exc
    except ValueError as exc:  # a NUL in the name: no file can have it
        raise ProjectFileError(f"There is no project {name} in {_folder(path)}.") from exc
    if stat.S_ISDIR(info.st_mode):
        raise ProjectFileError(f"{name} is a folder, not a Tillit project.")
    if not stat.S_ISREG(info.st_mode):
        raise ProjectFileError(
            f"{name} is {_kind(info.st_mode)}, not a Tillit project; a project is a file "
            "saved on disk."
        )
    if info.st_size == 0:
        raise _not_a_project(path, path.name)
    return real


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _new_file(path: Path) -> Path:
    """``path`` made absolute, for a file to be made there: nothing of that name may exist
    (not even a link) and its folder must."""
    if os.path.lexists(path):
        raise ProjectFileError(f"“{path.name}” already exists; choose another name.")
    try:
        folder = Path(os.path.realpath(path.parent, strict=True))
    except (OSError, ValueError) as exc:
        raise ProjectFileError(f"The folder “{_folder(path)}” does not exist.") from exc
    if not folder.is_dir():
        raise ProjectFileError(f"The folder “{_folder(path)}” does not exist.")
    return folder / path.name


def _folder(path: Path) -> str:
    return os.path.dirname(os.path.abspath(path))


def _inspect(path: Path, source: Path, name: str, *, quick_check: bool = True) -> FileCheck:
    """The checks of :func:`check_file` on ``path`` (the project ``source`` or a copy of it),
    with each refusal said in the researcher's words about ``name``."""
    try:
        found = check_file(path, quick_check=quick_check)
    except sqlite3.OperationalError as exc:
        raise ProjectFileError(f"Tillit could not open “{name}”: {_reason(exc)}.") from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise _not_a_project(source, name) from exc
    if found.application_id != APPLICATION_ID:
        raise ProjectFileError(f"“{name}” is a database, but not a Tillit project.")
    if found.problems:
        log.warning("%s is damaged: %s", source, found.problems[:5])
        raise damaged_error(source, name)
    if found.revision is None or found.revision == schema.head_revision():
        # The stamp claims the head, or is unreadable: the tables tell what the file is.
        tables = schema.head_tables() - {"alembic_version"}
        if not tables & found.tables:
            raise ProjectFileError(f"“{name}” is a database, but not a Tillit project.")
        if found.revision is None or not schema.head_tables() <= found.tables:
            log.warning("%s lacks tables: %s", source, sorted(schema.head_tables() - found.tables))
            raise damaged_error(source, name)
    return found


def _verdict(check: SoundnessCheck, source: Path, name: str) -> None:
    """Wait for ``check`` of the project ``source``; refuse it, named ``name``, when the check
    found it damaged or the disk refused the check."""
    try:
        problems = check.problems()
    except sqlite3.Error as exc:
        raise ProjectFileError(f"Tillit could not open “{name}”: {_reason(exc)}.") from exc
    if problems:
        log.warning("%s is damaged: %s", source, problems[:5])
        raise damaged_error(source, name)


def _finish(check: SoundnessCheck) -> None:
    """Wait for ``check`` to let go of the file, whatever it finds."""
    with suppress(sqlite3.Error):
        check.problems()


def _not_a_project(path: Path, name: str) -> ProjectFileError:
    if newest_good_backup(path) is not None:  # it was a project: say where the good copy is
        return damaged_error(path, name)
    return ProjectFileError(
        f"“{name}” is not a Tillit project: it is another kind of file, or it is damaged."
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
    path: Path,
    name: str,
    engine: Engine,
    found: FileCheck,
    *,
    keep_backup: bool,
    read_only: bool = False,
) -> None:
    """Refuse a newer project; back up (with ``keep_backup``) and upgrade an older one.
    ``engine`` is on ``path``, or on a copy of it that needs no backup; ``name`` is what the
    researcher calls the project."""
    revision, head = found.revision, schema.head_revision()
    if revision == head:
        return
    if revision not in schema.known_revisions():
        raise NewerProjectError(
            f"“{name}” was saved by a newer Tillit (project format {revision}); "
            f"this Tillit {PROGRAM_VERSION} reads project formats up to {head}. "
            "Install the newer Tillit to open it."
        )
    if read_only:
        raise ProjectFileError(
            f"“{name}” was saved by an older Tillit and must be upgraded, but it can only "
            "be read; copy it to a folder you can write to and open the copy."
        )
    backup: Path | None = None
    if keep_backup:
        backup = path.with_name(f"{path.name}.{revision}.bak")
        try:
            online_backup(path, backup)
        except (OSError, sqlite3.Error) as exc:
            raise ProjectFileError(
                f"Tillit could not back up “{name}” before upgrading it ({_reason(exc)}); "
                "it was left as it is."
            ) from exc
        log.info("Backed up %s to %s before upgrading its format", path, backup)
    before = _digest(path) if backup is not None else None
    try:
        schema.upgrade_to_head(engine)
    except (DatabaseError, schema.UpgradeError) as exc:
        reason = disk_reason(exc)
        log.warning("Could not upgrade %s: %s", path, exc)
        intact = before is not None and _digest(path) == before
        if intact and backup is not None:
            backup.unlink(missing_ok=True)  # the file is as it was: the copy holds nothing more
        if reason is None:
            reason = "the file is damaged"
        if backup is not None and not intact:
            raise ProjectFileError(
                f"Tillit could not upgrade “{name}” ({reason}); its copy from before the "
                f"attempt is kept as “{backup.name}” beside it."
            ) from exc
        raise ProjectFileError(
            f"Tillit could not upgrade “{name}” ({reason}); it was left as it is."
        ) from exc


def _digest(path: Path) -> bytes | None:
    """The SHA-256 of the file's bytes, to tell whether a failed upgrade left it as it was."""
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").digest()
    except OSError:
        return None


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
