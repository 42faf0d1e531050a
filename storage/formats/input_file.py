"""Opening a researcher's input file: regular files only, and never more bytes than a bound."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path
from typing import BinaryIO, Final

from storage.errors import ImportFileError

MIB: Final = 1024 * 1024

# A FIFO opened for reading waits for a writer; without blocking, open returns at once.
_NO_WAIT: Final = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def quoted(path: Path) -> str:
    """The file's name in typographic quotes, as error messages show it (NFC: macOS gives NFD)."""
    return f"“{unicodedata.normalize('NFC', path.name)}”"


def open_input(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary, after checking that it is a regular file.

    A pipe, a device (``/dev/zero`` behind a symbolic link), a socket or a folder is refused
    before anything is read from it, so that none can block or read without end. Raises
    :class:`ImportFileError` naming the file.
    """
    try:
        _check_regular(path, os.stat(path).st_mode)
        descriptor = os.open(path, os.O_RDONLY | _NO_WAIT)
    except OSError as exc:
        raise os_error(path, exc) from exc
    try:
        # Checked again on what was opened: the name may have been pointed elsewhere meanwhile.
        _check_regular(path, os.fstat(descriptor).st_mode)
    except BaseException:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def read_input(path: Path, limit: int, what: str) -> bytes:
    """The contents of the regular file ``path``, at most ``limit`` bytes.

    ``what`` names such files in the refusal ("transcripts", "codebooks"). The size is checked
    before reading and the read stops past the limit, so a file that grows meanwhile is refused
    too. Raises :class:`ImportFileError` naming the file.
    """
    with open_input(path) as stream:
        try:
            size = os.fstat(stream.fileno()).st_size
            if size > limit:
                raise too_large(path, size, limit, what)
            data = stream.read(limit + 1)
        except OSError as exc:
            raise os_error(path, exc) from exc
    if len(data) > limit:
        raise too_large(path, len(data), limit, what)
    return data


def too_large(path: Path, size: int, limit: int, what: str) -> ImportFileError:
    """The refusal of a file of ``size`` bytes over ``limit``."""
    return ImportFileError(
        f"{quoted(path)} is too large to import ({megabytes(size)}); "
        f"Tillit imports {what} up to {megabytes(limit)}."
    )


def empty_error(path: Path) -> ImportFileError:
    """The error for a file with nothing to import."""
    return ImportFileError(f"{quoted(path)} is empty: there is no text to import.")


def megabytes(size: int) -> str:
    """A size in whole megabytes (MiB) for a sentence, "32 MB"; in bytes below one."""
    return f"{size // MIB:,} MB" if size >= MIB else f"{size:,} bytes"


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise ImportFileError(f"{quoted(path)} is a folder, not a file.")
    if stat.S_ISFIFO(mode):
        kind = "a pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "a special file"
    raise ImportFileError(
        f"{quoted(path)} is {kind}, not a regular file; Tillit imports only files saved on disk."
    )


def os_error(path: Path, exc: OSError) -> ImportFileError:
    """The sentence for ``exc``, raised while opening or reading ``path``."""
    if isinstance(exc, FileNotFoundError):
        return ImportFileError(
            f"{quoted(path)} cannot be found: it may have been moved, renamed or deleted."
        )
    if isinstance(exc, IsADirectoryError):
        return ImportFileError(f"{quoted(path)} is a folder, not a file.")
    if isinstance(exc, PermissionError):
        return ImportFileError(
            f"{quoted(path)} cannot be opened: you do not have permission to read it."
        )
    reason = exc.strerror or "the disk or network reported a problem"
    return ImportFileError(f"{quoted(path)} cannot be read: {reason}.")
