"""Files written beside their destination first and moved into place only when complete."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from storage.errors import StorageError
from storage.staging import remove_stale, staging_path


@contextmanager
def staged_write(path: Path) -> Iterator[BinaryIO]:
    """A binary stream for the new content of ``path``, which replaces ``path`` on success.

    The content goes to a hidden file beside ``path`` (``.NAME~HOST~PID.part``) that is moved
    over ``path`` when the block ends without an error. Any error, a cancelled export included,
    removes it and leaves whatever was at ``path`` as it was; what a killed writer left in the
    folder is removed first. The stream is opened before the block runs, so a folder that is
    missing or not writable is reported before any work.

    Raises :class:`StorageError` with the researcher's reason when the file cannot be written
    (no such folder, no permission, the file open in another program, a full disk).
    """
    remove_stale(path.parent)
    partial = staging_path(path, "part")
    try:
        with partial.open("wb") as stream:
            yield stream
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(write_failure(path, exc)) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_failure(path: Path, exc: OSError) -> str:
    """A sentence saying why ``path`` could not be written and what the researcher can do."""
    if isinstance(exc, FileNotFoundError):
        return f"Tillit could not write “{path.name}”: the folder “{path.parent}” does not exist."
    if isinstance(exc, PermissionError):
        return (
            f"Tillit could not write “{path.name}”: permission denied. Choose a folder you can "
            "write to, or close the file if another program has it open."
        )
    if isinstance(exc, IsADirectoryError):
        return f"Tillit could not write “{path.name}”: there is a folder of that name."
    reason = exc.strerror or type(exc).__name__
    return f"Tillit could not write “{path.name}” ({reason})."
