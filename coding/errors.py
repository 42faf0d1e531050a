"""The errors a researcher can act on, raised by the domain and re-exported for the GUI."""

from __future__ import annotations

from storage.errors import (
    ImportFileError,
    NewerProjectError,
    NotFoundError,
    ProjectFileError,
    ProjectLockedError,
    StorageError,
    one_line,
)

__all__ = [
    "CodingError",
    "ExportCancelledError",
    "ImportBatchError",
    "ImportFileError",
    "InvalidSpanError",
    "NameConflictError",
    "NewerProjectError",
    "NotFoundError",
    "ProjectFileError",
    "ProjectLockedError",
    "StorageError",
    "UserError",
]


class CodingError(Exception):
    """An edit that the domain's rules refuse; ``str()`` is a sentence for the researcher, on
    one line."""

    def __str__(self) -> str:
        return one_line(super().__str__())


class ExportCancelledError(CodingError):
    """The researcher cancelled an export; no file was written."""

    def __init__(self) -> None:
        super().__init__("The export was cancelled; no file was written.")


class InvalidSpanError(CodingError):
    """A span that is empty or lies outside its document's text."""


class NameConflictError(CodingError):
    """A name that is already taken where it must be unique."""


class ImportBatchError(CodingError):
    """One or more files of an import cannot be read; nothing of the batch was imported.

    ``problems`` holds one sentence per file that failed.
    """

    def __init__(self, problems: list[str], total: int) -> None:
        self.problems = problems
        if len(problems) == 1 and total == 1:
            message = problems[0]
        elif len(problems) == 1:
            message = f"{problems[0]} Nothing was imported."
        else:
            message = (
                f"{len(problems)} of {total} files cannot be imported, so nothing was imported: "
                + " ".join(problems)
            )
        super().__init__(message)


#: Everything the GUI and the command line report to the researcher instead of a traceback.
UserError = (CodingError, StorageError)
