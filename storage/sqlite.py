"""Everything SQLite-specific: engine settings, pragmas, file checks and online backups.

The rest of ``storage`` speaks portable SQL through SQLAlchemy, so that a shared PostgreSQL
server can be added later by replacing this module.

Projects use SQLite's rollback journal (``journal_mode=DELETE``) with ``synchronous=FULL``,
not a write-ahead log: once a commit returns, the project file itself holds it, so a copy of
that one file (a file manager's, a cloud-sync folder's) holds every acknowledged edit. The
price is that a writer's commit waits for readers to finish; reads are kept short for that.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from storage.staging import remove_staged, remove_stale, staging_path

log = logging.getLogger(__name__)

#: ``PRAGMA application_id`` of a Tillit project ("TLLT"), so other SQLite files are told apart.
APPLICATION_ID = 0x544C4C54

#: How long a connection waits for another one's lock before it gives up.
BUSY_TIMEOUT_MS = 5000

#: The page cache of a connection. Large enough that a big import does not spill pages into
#: the file before its commit, which would shut readers out for the rest of the transaction.
CACHE_KIB = 64 * 1024

_WRITING = "tillit_writing"


def make_engine(path: Path, *, read_only: bool = False) -> Engine:
    """An engine on the project file: foreign keys on, rollback journal, ``synchronous=FULL``.

    The driver's implicit transactions are switched off and every SQLAlchemy ``begin()`` emits
    a real ``BEGIN`` (``BEGIN IMMEDIATE`` on :func:`writing` engines), so that one user action
    is exactly one SQLite transaction. ``read_only`` opens the file with ``mode=ro`` and leaves
    its journal mode as it is.
    """
    target = uri(path, "ro" if read_only else "rwc")
    engine = create_engine(
        "sqlite+pysqlite://",
        creator=lambda: sqlite3.connect(target, uri=True, check_same_thread=False),
        poolclass=QueuePool,
    )
    event.listen(engine, "connect", partial(_on_connect, read_only=read_only))
    event.listen(engine, "begin", _on_begin)
    return engine


def uri(path: Path, mode: str) -> str:
    """A ``file:`` URI that opens ``path`` with ``mode`` (``ro``, ``rw``, ``rwc``).

    Built from the name's bytes, so that any name the file system holds opens, even one that
    is not valid UTF-8; the percent-encoding also keeps ``?`` and ``#`` in a name literal.
    """
    return f"file:{quote(os.fsencode(path))}?mode={mode}"


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """A driver connection for the checks and copies here, which read damaged text as text:
    an undecodable byte is replaced, not raised, since what is read is only looked at."""
    conn = sqlite3.connect(uri(path, mode), uri=True, isolation_level=None)
    conn.text_factory = _lenient_text
    return conn


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def writing(engine: Engine) -> Engine:
    """The same engine, but its transactions begin with ``BEGIN IMMEDIATE``.

    A writing transaction takes the write lock before it reads anything: a deferred one would
    ask for it only at its first write, and if another connection got it meanwhile SQLite
    refuses at once rather than wait, since waiting could deadlock.
    """
    return engine.execution_options(**{_WRITING: True})


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any, *, read_only: bool) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    if not read_only:
        try:  # a project from an older Tillit may still be in WAL mode: leave it
            mode = cursor.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as exc:  # a read-only file cannot change its mode
            mode = str(exc)
        if mode != "delete":
            log.warning("The project file stays in journal mode %s", mode)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITING, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def foreign_keys_off(conn: Connection) -> Iterator[None]:
    """Switch foreign keys off on ``conn`` for a migration, and check them before commit.

    Alembic's batch mode copies a table and drops the old one; with foreign keys on, that drop
    would cascade and delete every coding of the table. SQLite ignores this pragma inside a
    transaction, so it goes through the driver connection before anything begins.
    """
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def foreign_key_violations(conn: Connection) -> list[str]:
    """The rows ``PRAGMA foreign_key_check`` reports, as readable lines."""
    return [str(tuple(row)) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")]


_DISK_REASONS = {
    "database or disk is full": "the disk is full",
    "attempt to write a readonly database": "the file is read-only",
    "database is locked": "another program is using the file",
    "disk I/O error": "the disk reported an error",
    "unable to open database file": "the file or its folder cannot be written",
    "database disk image is malformed": "the file is damaged; open its newest backup",
}


def disk_reason(exc: BaseException) -> str | None:
    """The researcher's words for a condition of the disk, or ``None`` for anything else.

    Takes SQLAlchemy's wrapped errors and the driver's own ``sqlite3`` errors alike.
    """
    if isinstance(exc, DBAPIError):
        message = str(exc.orig) if exc.orig is not None else str(exc)
    elif isinstance(exc, sqlite3.Error):
        message = str(exc)
    else:
        return None
    return _DISK_REASONS.get(message)


@dataclass(frozen=True)
class FileCheck:
    """What a look at a database file found, before anything was changed in it."""

    application_id: int
    revision: str | None  # the schema revision; None where there is no readable Alembic stamp
    problems: list[str]  # what ``PRAGMA quick_check`` reports; empty when the file is sound
    tables: frozenset[str] = frozenset()  # the tables the file holds


def check_file(path: Path, *, quick_check: bool = True) -> FileCheck:
    """Read a file's application id, schema revision and (with ``quick_check``) SQLite's
    quick check, which :class:`SoundnessCheck` runs on a thread of its own instead.

    Only reads: no pragma that changes the file runs, so a foreign database is left exactly as
    it was. (SQLite itself still rolls back what a crashed writer left in a hot journal.)
    The quick check is skipped for a file that is not a Tillit project.

    Raises ``sqlite3.DatabaseError`` for a file that SQLite cannot read as a database and
    ``sqlite3.OperationalError`` when the disk refuses.
    """
    conn = _connect(path, "rw")
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        if app_id != APPLICATION_ID:
            return FileCheck(app_id, None, [])
        try:
            problems = _quick_check(conn) if quick_check else []
            if problems:
                return FileCheck(app_id, None, problems)
            tables = frozenset(str(row[0]) for row in conn.execute(_TABLES))
            revision = _revision(conn) if "alembic_version" in tables else None
        except UnicodeDecodeError as exc:  # SQLite's message quotes the damaged schema
            return FileCheck(app_id, None, [f"unreadable: {exc.reason}"])
        except sqlite3.DatabaseError as exc:  # a Tillit file SQLite cannot read on: damaged
            if isinstance(exc, sqlite3.OperationalError) and disk_reason(exc) is not None:
                raise
            return FileCheck(app_id, None, [str(exc)])
        return FileCheck(app_id, revision, problems, tables)
    finally:
        conn.close()


class SoundnessCheck:
    """SQLite's quick check of a file, on a thread of its own: it reads every page, and
    SQLite lets go of Python's lock while it reads, so the work of opening goes on beside it.
    """

    def __init__(self, path: Path) -> None:
        self._found: list[str] | sqlite3.Error = []
        self._done = False
        self._waiting: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, args=(path,), name="tillit-check", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            conn = _connect(path, "rw")  # as check_file: a read-only file opens for reading
            try:
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                self._found = _quick_check(conn)
            finally:
                conn.close()
        except sqlite3.Error as exc:  # the disk refused: the finding is the refusal
            self._found = exc
        with self._lock:
            self._done = True
            waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback()

    def problems(self) -> list[str]:
        """What the check found (empty when the file is sound), once it has finished.
        Raises the ``sqlite3.Error`` with which the disk refused the check."""
        self._thread.join()
        if isinstance(self._found, sqlite3.Error):
            raise self._found
        return self._found

    def then(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the check has finished: at once, on this thread, when it
        has; otherwise on the check's thread when it does."""
        with self._lock:
            if not self._done:
                self._waiting.append(callback)
                return
        callback()


def _revision(conn: sqlite3.Connection) -> str | None:
    """The one revision stamped in ``alembic_version``; ``None`` for none, several, or one
    that no Alembic writes (NULL, empty, longer than its column, not a plain name)."""
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version LIMIT 2").fetchall()
    except sqlite3.OperationalError as exc:
        if disk_reason(exc) is not None:
            raise
        return None  # a table of that name that is not Alembic's
    if len(rows) != 1 or not isinstance(rows[0][0], str):
        return None
    revision: str = rows[0][0]
    return revision if _REVISION.fullmatch(revision) else None


#: A revision Alembic could have written: a plain name no wider than its ``version_num``.
_REVISION = re.compile(r"[A-Za-z0-9_]{1,32}")


def _quick_check(conn: sqlite3.Connection) -> list[str]:
    try:
        rows = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and disk_reason(exc) is not None:
            raise
        return [str(exc)]  # "database disk image is malformed": damaged past checking
    except UnicodeDecodeError as exc:  # SQLite's own message quotes damaged bytes
        return [f"the check's report is unreadable: {exc.reason}"]
    return [] if rows == ["ok"] else rows


def damage(engine: Engine, tables: frozenset[str]) -> list[str]:
    """What is wrong with the file under ``engine``: tables of ``tables`` it lacks, what
    SQLite's quick check and foreign-key check report. Empty when nothing is found (or the
    disk refused the look); a file SQLite cannot even read for these checks is damaged too."""
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            present = {str(row[0]) for row in raw.execute(_TABLES)}
            found = [f"no table {name}" for name in sorted(tables - present)]
            found += _quick_check(raw)  # type: ignore[arg-type]
            if not found:
                found += [str(tuple(row)) for row in raw.execute("PRAGMA foreign_key_check")]
            return found
    except (DBAPIError, sqlite3.Error, UnicodeDecodeError) as exc:
        if disk_reason(exc) is not None:
            return []  # the disk, not the file, stopped the look: nothing found
        return [str(exc)]


_TABLES = "SELECT name FROM sqlite_master WHERE type='table'"


def is_sound(path: Path) -> bool:
    """Whether SQLite's quick check finds ``path`` a sound database (read only)."""
    try:
        conn = _connect(path, "ro")
        try:
            return not _quick_check(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def application_id(engine: Engine) -> int:
    """The file's ``PRAGMA application_id`` (0 for a file that never had one)."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA application_id").scalar_one())


def stamp_application_id(engine: Engine) -> None:
    """Mark the file as a Tillit project."""
    with engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
        conn.commit()


def integrity_errors(engine: Engine) -> list[str]:
    """The problems ``PRAGMA integrity_check`` reports; empty when the file is sound."""
    with engine.connect() as conn:
        rows = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


class DamagedCopyError(sqlite3.DatabaseError):
    """A copy that SQLite's quick check finds damaged: its source is damaged."""


def online_backup(source: Path, target: Path, *, verify: bool = True) -> None:
    """Copy a live project file to ``target`` with SQLite's online backup API.

    Safe while another connection writes; the copy is a consistent snapshot of one moment, in
    rollback-journal mode. It is written to a hidden file beside ``target`` and renamed into
    place only when complete and, with ``verify``, only when SQLite's quick check finds it
    sound, so that a crash or a damaged source never leaves a bad copy at ``target``.

    Raises :class:`DamagedCopyError`, another ``sqlite3.Error`` or ``OSError``.
    """
    remove_stale(target.parent)
    staged = staging_path(target, "partial")
    try:
        snapshot(source, staged, verify=verify)
        staged.replace(target)
    except BaseException:
        remove_staged(staged)
        raise


def snapshot(source: Path, target: Path, *, verify: bool = True) -> None:
    """Write a consistent copy of the database ``source`` to ``target`` (a new file, written
    in place: the caller stages it). Raises what :func:`online_backup` raises."""
    # Not read-only: SQLite must be able to roll back what a crashed writer left behind.
    src = _connect(source, "rw")
    try:
        dst = _connect(target, "rwc")
        try:
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode=DELETE")
            problems = _quick_check(dst) if verify else []
        except UnicodeDecodeError as exc:  # SQLite's message quotes the damaged schema
            raise DamagedCopyError(f"the copy is damaged: {exc.reason}") from exc
        finally:
            dst.close()
    finally:
        src.close()
    if problems:
        raise DamagedCopyError(f"the copy is damaged: {problems[0]}")
