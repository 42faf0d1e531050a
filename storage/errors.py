"""Errors raised by the storage layer, each with a sentence a researcher can act on."""

from __future__ import annotations


class StorageError(Exception):
    """A problem with a project file or an input file that the researcher can act on.

    ``str(error)`` is one plain sentence in the researcher's words; it never holds a traceback.
    """


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
