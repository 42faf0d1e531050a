"""Rotating backups of a project file, made with SQLite's online backup API."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from storage.errors import ProjectFileError
from storage.sqlite import is_sound, online_backup

log = logging.getLogger(__name__)

#: How many opening backups are kept per project; older ones are deleted.
KEEP = 10

#: The least time between two opening backups, so that a burst of short sessions (scripts
#: calling the command line) does not rotate yesterday's backup away.
MIN_INTERVAL_S = 15 * 60


def backup_dir(project: Path) -> Path:
    """The folder beside the project that holds its backups."""
    return project.with_name(project.name + " backups")


def backups(project: Path) -> list[Path]:
    """The project's rotating backups, newest first."""
    folder = backup_dir(project)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{project.stem} *.tillit"), reverse=True)


def newest_good_backup(project: Path, before: float | None = None) -> Path | None:
    """The newest backup that SQLite's quick check finds sound, or ``None``; with ``before``
    (a time), only among the backups written before it."""
    return next(
        (
            backup
            for backup in backups(project)
            if (before is None or _written(backup) < before) and is_sound(backup)
        ),
        None,
    )


def _written(backup: Path) -> float:
    try:
        return backup.stat().st_mtime
    except OSError:
        return float("inf")


def damaged_error(
    project: Path, label: str | None = None, before: float | None = None
) -> ProjectFileError:
    """The refusal of a damaged project, naming its newest good backup where there is one.
    ``label`` is the name the researcher knows the project by (the project's own by default).
    ``before`` leaves out backups written since then: damage found while the project is open
    is in the backup made on opening it too, though SQLite's check finds that backup sound."""
    name = label or project.name
    good = newest_good_backup(project, before)
    if good is None:
        return ProjectFileError(
            f"“{name}” is damaged, so Tillit left it untouched; it has no good backup in "
            f"“{backup_dir(project).name}”, so use the newest copy of it you have."
        )
    return ProjectFileError(
        f"“{name}” is damaged, so Tillit left it untouched; its newest good backup is "
        f"“{good.name}” in “{good.parent.name}”: open that, or copy it in the damaged file's place."
    )


def needs_backup(project: Path) -> bool:
    """Whether the project changed since its newest backup (or has none)."""
    existing = backups(project)
    if not existing:
        return True
    newest = existing[0].stat().st_mtime
    changed = project.stat().st_mtime
    return changed > newest and time.time() - newest >= MIN_INTERVAL_S


def make_backup(project: Path, keep: int = KEEP) -> Path:
    """Copy the project into its backup folder and delete the oldest copies beyond ``keep``.

    The copy is checked before it joins the backups, and old backups are deleted only after
    that: a damaged project never pushes a good backup out. Raises ``OSError`` when the
    folder cannot be written or the disk is full, and ``sqlite3.Error`` when the project
    cannot be read or its copy is damaged (``DamagedCopyError``).
    """
    folder = backup_dir(project)
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d %H-%M-%S-%f")
    target = folder / f"{project.stem} {stamp}.tillit"
    online_backup(project, target)
    for old in backups(project)[keep:]:
        old.unlink(missing_ok=True)
    return target


class BackgroundBackup:
    """A backup made on a thread of its own, so that opening a project does not wait for it.
    ``after`` (when given) is asked first, on that thread, whether the project is sound:
    a project it finds damaged is not copied."""

    def __init__(
        self, project: Path, keep: int = KEEP, *, after: Callable[[], bool] | None = None
    ) -> None:
        self.error: OSError | sqlite3.Error | None = None
        self.path: Path | None = None
        self._after = after
        self._thread = threading.Thread(
            target=self._run, args=(project, keep), name="tillit-backup", daemon=True
        )
        self._thread.start()

    def _run(self, project: Path, keep: int) -> None:
        if self._after is not None and not self._after():
            return  # ``after`` found the project damaged: it is not copied among the backups
        try:
            self.path = make_backup(project, keep)
        except (OSError, sqlite3.Error) as exc:  # a failed backup must not stop the work
            self.error = exc
            log.warning("Could not back up %s: %s", project, exc)

    def wait(self) -> None:
        """Block until the backup is written."""
        self._thread.join()
