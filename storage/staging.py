"""Hidden files a writer stages beside its target, and the removal of those a dead writer left.

A file that must appear whole or not at all (an export, a new project, a backup, an imported
project) is written under a hidden name beside its target and renamed into place at the end.
A writer that is killed leaves its staged file behind; the name carries the writer's host and
process id, so that a later run can tell a dead writer's leftovers from a live writer's work.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from pathlib import Path

log = logging.getLogger(__name__)

#: The kinds of staged files: exports (``part``), SQLite copies (``partial``), projects being
#: made from a REFI-QDA file (``importing``).
KINDS = ("part", "partial", "importing")

#: What SQLite and the project lock keep beside a database while it is open.
COMPANIONS = ("-journal", "-wal", "-shm", ".lock")

_NAME = re.compile(
    r"^\.(?P<target>.+)~(?P<host>[A-Za-z0-9-]+)~(?P<pid>[0-9]+)\.(?P<kind>"
    + "|".join(KINDS)
    + r")(?P<companion>"
    + "|".join(re.escape(c) for c in COMPANIONS)
    + r")?$"
)


def staging_path(target: Path, kind: str = "part") -> Path:
    """The hidden file to write before it becomes ``target``, named after this process:
    ``report.docx`` -> ``.report.docx~HOST~PID.part``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of staged file: {kind}")
    return target.with_name(f".{target.name}~{_host()}~{os.getpid()}.{kind}")


def remove_staged(path: Path) -> None:
    """Remove a staged file with whatever SQLite or the lock kept beside it."""
    for suffix in ("", *COMPANIONS):
        Path(str(path) + suffix).unlink(missing_ok=True)


def remove_stale(folder: Path) -> list[Path]:
    """Remove the staged files in ``folder`` whose writer is gone; returns what was removed.

    A file is stale when its writer ran on this computer and that process no longer runs.
    Files of other computers (a shared folder) are left alone, since their writers cannot
    be seen from here. A folder that cannot be listed or written is left as it is.
    """
    removed: list[Path] = []
    try:
        entries = [entry for entry in folder.iterdir() if entry.name.startswith(".")]
    except OSError:
        return removed
    here = _host()
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or match["host"] != here or _running(int(match["pid"])):
            continue
        try:
            entry.unlink(missing_ok=True)
        except OSError as exc:  # a read-only folder: nothing to be done about it now
            log.debug("Could not remove the stale %s: %s", entry, exc)
            continue
        removed.append(entry)
    if removed:
        log.info("Removed %d file(s) left behind by stopped writers in %s", len(removed), folder)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill(pid, 0) would stop it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # another user's process, or one we cannot ask about: leave it be
    return True


def _host() -> str:
    """This computer's name, reduced to what any file system accepts."""
    name = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname().split(".")[0])[:32]
    return name or "host"
