"""Importing transcripts into a project: read every file first, then store them all at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coding.changes import Changes
from coding.errors import CodingError, ImportBatchError, ImportFileError
from coding.project import LANGUAGES, Project
from storage.formats.parsed import ParsedDocument
from storage.formats.transcript import SUPPORTED_SUFFIXES, read_transcript
from storage.repositories.rows import Snapshot

#: ``progress(done, total, name)``; returns False to cancel.
Progress = Callable[[int, int, str], bool]

__all__ = ["SUPPORTED_SUFFIXES", "ImportDocuments", "Progress", "read_files"]


class ImportCancelledError(CodingError):
    """The researcher cancelled an import; nothing was imported."""


def read_files(paths: Sequence[Path], progress: Progress | None = None) -> list[ParsedDocument]:
    """Read every file, collecting each failure; raise :class:`ImportBatchError` if any failed."""
    parsed: list[ParsedDocument] = []
    problems: list[str] = []
    for index, path in enumerate(paths):
        if progress is not None and not progress(index, len(paths), path.name):
            raise ImportCancelledError("The import was cancelled; nothing was imported.")
        try:
            parsed.append(read_transcript(path))
        except ImportFileError as exc:
            problems.append(str(exc))
    if problems:
        raise ImportBatchError(problems, len(paths))
    if progress is not None:
        progress(len(paths), len(paths), "")
    return parsed


@dataclass
class ImportDocuments:
    """Import transcript files as one action: all of them land, or none does.

    A name already in the project gets a number ("Intervju 3 (2)"). ``language`` defaults to
    the project's language. ``progress`` is called per file while reading. After ``do()``,
    ``warnings`` holds the readers' sentences about what was read other than the files have
    it (subtitle cues out of time order), for the researcher to see.
    """

    project: Project
    paths: Sequence[Path]
    language: str | None = None
    progress: Progress | None = field(default=None, repr=False)
    document_ids: list[int] = field(default_factory=list, init=False)
    warnings: list[str] = field(default_factory=list, init=False)
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        count = len(self.paths)
        return f"Import {count} document{'s' if count != 1 else ''}"

    def do(self) -> Changes:
        if self._snapshot is not None:
            with self.project.transaction() as tx:
                tx.documents.restore(self._snapshot)
            return Changes(document_list=True)
        if self.language is not None and self.language not in LANGUAGES:
            raise CodingError(
                f"“{self.language}” is not a language Tillit knows; "
                f"use one of {', '.join(LANGUAGES)}."
            )
        if not self.paths:
            raise CodingError("Choose at least one file to import.")
        parsed = read_files(self.paths, self.progress)
        warnings = [warning for document in parsed for warning in document.warnings]
        with self.project.transaction() as tx:
            language = self.language or tx.project.get().language
            taken = tx.documents.names()
            for path, document in zip(self.paths, parsed, strict=True):
                name = _free_name(document.name, taken)
                taken.add(name)
                self.document_ids.append(
                    tx.documents.add(
                        name=name,
                        language=language,
                        text=document.text,
                        paragraphs=document.paragraphs,
                        source_name=path.name,
                        source_format=document.source_format,
                        source_encoding=document.encoding,
                    )
                )
        self.warnings = warnings
        return Changes(document_list=True)

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            self._snapshot = tx.documents.snapshot(self.document_ids)
            tx.documents.delete(self.document_ids)
        return Changes(document_list=True, documents=frozenset(self.document_ids))


def _free_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"
