"""Errors raised by the storage layer, each with a sentence a researcher can act on."""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` with its line breaks and other control characters shown escaped ("\\n"), so
    that a sentence naming a file called "a<newline>b" stays one line."""
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape").decode("ascii") if _breaks_line(char) else char
        for char in text
    )


def _breaks_line(char: str) -> bool:
    return ord(char) < 32 or char in "\x7f\x85\u2028\u2029"


class StorageError(Exception):
    """A problem with a project file or an input file that the researcher can act on.

    ``str(error)`` is one plain sentence in the researcher's words, on one line; it never holds
    a traceback.
    """

    def __str__(self) -> str:
        return one_line(super().__str__())


class ProjectFileError(StorageError):
    """The project file cannot be opened: missing, damaged or not a Tillit project."""


class ProjectLockedError(StorageError):
    """Another Tillit process holds the project open for writing."""


class NewerProjectError(StorageError):
    """The project was written by a newer Tillit whose schema this version does not know."""


class ImportFileError(StorageError):
    """An input file cannot be read: corrupt, empty, binary or not what its extension says."""


class NotFoundError(StorageError):
    """A document, code, coding or other record named by the researcher does not exist."""
