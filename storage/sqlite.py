"""Everything SQLite-specific: engine settings, pragmas, file checks and online backups.

The rest of ``storage`` speaks portable SQL through SQLAlchemy, so that a shared PostgreSQL
server can be added later by replacing this module.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

#: ``PRAGMA application_id`` of a Tillit project ("TLLT"), so other SQLite files are told apart.
APPLICATION_ID = 0x544C4C54

_SQLITE_HEADER = b"SQLite format 3\x00"


def make_engine(path: Path) -> Engine:
    """An engine on the project file: foreign keys on, WAL, ``synchronous=FULL``.

    The driver's implicit transactions are switched off and every SQLAlchemy ``begin()`` emits
    a real ``BEGIN``, so that one user action is exactly one SQLite transaction.
    """
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


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
    "unable to open database file": "the file cannot be reached",
}


def disk_reason(exc: DBAPIError) -> str | None:
    """The researcher's words for a condition of the disk, or ``None`` for anything else."""
    message = str(exc.orig) if exc.orig is not None else str(exc)
    return _DISK_REASONS.get(message)


def looks_like_sqlite(path: Path) -> bool:
    """Whether the file starts with SQLite's header (an empty file counts as new)."""
    with path.open("rb") as handle:
        head = handle.read(len(_SQLITE_HEADER))
    return head == _SQLITE_HEADER


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


def checkpoint(engine: Engine) -> None:
    """Fold the write-ahead log back into the project file (on close)."""
    # A checkpoint cannot run inside a transaction, so use the raw driver connection.
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def online_backup(source: Path, target: Path) -> None:
    """Copy a live project file to ``target`` with SQLite's online backup API.

    Safe while another connection writes; the copy is a consistent snapshot. The target is
    written beside its final name and renamed into place, so a crash never leaves half a copy.
    """
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
