"""The project lock: one writing process per project, told apart by a lock file beside it.

The lock file holds who opened the project (user, host, process, time) and is held with an
operating-system lock while the project is open. The OS releases that lock when the process
dies, however it dies, so a lock file left behind by a crash is recognised as stale and taken
over. Where OS locks are unavailable, a lock whose process no longer runs on this host is stale.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import logging
import os
import socket
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from storage.errors import ProjectFileError, ProjectLockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

# Opening a pipe waits for its other end; without blocking, the open returns at once.
_NO_WAIT = getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True)
class LockHolder:
    """Who holds a project open."""

    user: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        when = self.since[:16].replace("T", " ")
        return f"{self.user} on {self.host} (process {self.pid}, since {when} UTC)"


def lock_path(project: Path) -> Path:
    """The lock file of a project: ``interviews.tillit`` -> ``interviews.tillit.lock``."""
    return project.with_name(project.name + ".lock")


class ProjectLock:
    """An acquired lock on a project; release it with :meth:`release` (or ``with``)."""

    def __init__(self, project: Path) -> None:
        self._path = lock_path(project)
        self._project = project
        self._handle: IO[str] | None = None
        self.recovered_from: LockHolder | None = None

    def acquire(self) -> ProjectLock:
        """Take the lock, or raise :class:`ProjectLockedError` naming who holds it."""
        for _attempt in range(5):
            handle = self._take()
            # The holder may have removed the file between our open and our lock: retry then.
            if _same_file(handle, self._path):
                self._handle = handle
                return self
            handle.close()
        raise _locked_error(self._project, None)

    def _take(self) -> IO[str]:
        handle = self._open()
        try:
            previous = _read_holder(handle)
            if fcntl is not None:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise _locked_error(self._project, previous) from None
            elif previous is not None and _alive_here(previous):
                raise _locked_error(self._project, previous)
            if previous is not None:
                self.recovered_from = previous
                log.warning(
                    "Recovered the stale lock of %s held by %s", self._project, previous.describe()
                )
            me = LockHolder(
                user=_user_name(),
                host=socket.gethostname(),
                pid=os.getpid(),
                since=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            _write_holder(handle, me)
        except BaseException:
            handle.close()
            raise
        return handle

    def _open(self) -> IO[str]:
        """The lock file, made if missing, once it is known to be a regular file: a pipe or a
        device in its place would block or read without end."""
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND | _NO_WAIT, 0o666)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ProjectFileError(
                    f"“{self._path.name}” beside “{self._project.name}” is not a lock file "
                    "Tillit made; remove it, then open the project again."
                )
            return open(fd, "a+", encoding="utf-8", closefd=True)
        except BaseException:
            os.close(fd)
            raise

    def release(self) -> None:
        """Give the lock up and remove the lock file."""
        if self._handle is None:
            return
        # Remove while still holding the OS lock, so no other process sees our record as free.
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()
        self._handle.close()
        self._handle = None

    def __enter__(self) -> ProjectLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _write_holder(handle: IO[str], me: LockHolder) -> None:
    """Record who holds the lock. On a full disk the lock is held with an empty record: the
    operating-system lock is what keeps a second writer out; the record only names us."""
    # Unbuffered, so that a write the disk refused leaves nothing pending for close().
    fd = handle.fileno()
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(me.__dict__).encode("utf-8"))  # appends: the file is empty
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        log.warning("The lock of %s holds no name: %s", handle.name, exc)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)


def _same_file(handle: IO[str], path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
    except FileNotFoundError:
        return False


def _read_holder(handle: IO[str]) -> LockHolder | None:
    """Who the lock file names. A record Tillit did not write (bytes that are not UTF-8, not
    JSON, a file of any size) names an unknown holder: stale if no one holds the OS lock."""
    handle.seek(0)
    try:
        content = handle.read(_RECORD_LIMIT)
    except UnicodeDecodeError:
        return _UNKNOWN
    if not content.strip():
        return None
    try:
        data = json.loads(content)
        return LockHolder(
            str(data["user"]), str(data["host"]), int(data["pid"]), str(data["since"])
        )
    except (ValueError, KeyError, TypeError):
        return _UNKNOWN


#: More than any record Tillit writes; a lock file longer than this is not one of its records.
_RECORD_LIMIT = 64 * 1024

_UNKNOWN = LockHolder("someone", "an unknown computer", 0, "")


def _locked_error(project: Path, holder: LockHolder | None) -> ProjectLockedError:
    who = holder.describe() if holder else "another Tillit window"
    return ProjectLockedError(
        f"“{project.name}” is already open in Tillit by {who}; close it there first, "
        "so that two copies never write to the same project."
    )


def _alive_here(holder: LockHolder) -> bool:
    if holder.host != socket.gethostname():
        return True  # cannot tell for another machine: treat it as held
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "an unknown user"
