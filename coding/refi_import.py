"""Importing a REFI-QDA project (``.qdpx``) from NVivo, ATLAS.ti, MAXQDA, QualCoder or another
Tillit into a new Tillit project: users, codebook, text sources, codings, notes, cases and
variables. Each source's way of counting positions is decided from its selections; a coding is
checked against its text where the file gives it, and re-anchored where its offsets miss.

The project is built under a hidden name beside the target and appears under its own name only
when complete, so a failed or cancelled import leaves no project behind.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from coding.errors import CodingError, ProjectFileError
from coding.importing import ImportCancelledError, Progress
from coding.project import LANGUAGES, Project
from coding.refi_anchoring import Anchoring, Placement, Selection
from coding.refi_report import ImportReport, ReadingEvidence, UnplacedCoding
from coding.refi_sources import SourceContent, read_note, read_source
from coding.refi_writer import ProjectWriter
from storage.formats.qde import QdeCoding, QdeProject, QdeSelection, QdeSource, parse_project
from storage.formats.qdpx import Archive
from storage.project_file import SUFFIX, ProjectFile
from storage.repositories.merging import NewCoding
from storage.staging import remove_staged, remove_stale, staging_path
from storage.store import Tx

__all__ = ["ImportReport", "ReadingEvidence", "UnplacedCoding", "import_project"]


def import_project(
    qdpx_path: Path,
    project_path: Path,
    *,
    coder: str | None = None,
    language: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the ``.qdpx`` at ``qdpx_path`` into a new project at ``project_path``.

    ``coder`` becomes the current coder (by default the file's last modifying user, else its
    first user); ``language`` is the project's and the documents' language where the file does
    not say (by default Norwegian bokmål). ``progress(done, total, label)`` may return False to
    cancel. How each source's positions were counted (code points as the specification says,
    UTF-16 units as NVivo counts, line ends and the byte-order mark counted or not) is decided
    from its selections and told in the report, with how sure it is; a selection whose excerpt
    is not at its offsets is re-anchored by its text, and one that cannot be placed is listed
    in the report, never dropped.

    Raises :class:`ProjectFileError` when the target exists or cannot be made,
    :class:`ImportFileError` when the file is unsafe, damaged or not a REFI-QDA project,
    :class:`ImportCancelledError` when cancelled; no project file is left behind then.
    """
    target = (
        project_path
        if project_path.suffix.lower() == SUFFIX
        else project_path.with_name(project_path.name + SUFFIX)
    )
    target = target.resolve()
    if target.exists():
        raise ProjectFileError(f"“{target.name}” already exists; choose another name.")
    if not target.parent.is_dir():
        raise ProjectFileError(f"The folder “{target.parent}” does not exist.")
    if language is not None and language not in LANGUAGES:
        raise CodingError(
            f"“{language}” is not a language Tillit knows; use one of {', '.join(LANGUAGES)}."
        )
    steps = _Steps(progress)
    steps.tell(0, 1, "Reading the project")
    with (
        Archive(qdpx_path) as archive,
        tempfile.TemporaryDirectory(prefix="tillit-refi-") as scratch,
    ):
        qde = parse_project(archive.read(archive.project_entry()), qdpx_path.name)
        steps.total = 2 * len(qde.sources) + 2
        contents: dict[str, SourceContent] = {}
        for index, source in enumerate(qde.sources):
            steps.tell(index + 1, steps.total, f"Reading “{source.name}”")
            contents[source.guid] = read_source(archive, source, Path(scratch))
        notes = {note.guid: read_note(archive, note) for note in qde.notes}
    importer = _Importer(qde, contents, notes, steps, ImportReport(target, qde.origin))
    remove_stale(target.parent)  # what an import that was killed left behind
    staging = staging_path(target, "importing")
    project = Project(ProjectFile.create(staging))
    try:
        try:
            with project.transaction() as tx:
                importer.run(tx, coder, language)
        finally:
            project.close()
        if target.exists():
            raise ProjectFileError(f"“{target.name}” already exists; choose another name.")
        staging.replace(target)
    except BaseException:
        remove_staged(staging)
        raise
    if progress is not None:
        progress(steps.total, steps.total, "")  # done: too late to cancel
    return importer.report


class _Steps:
    """Progress reports; a False answer cancels the import."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self.total = 1

    def tell(self, done: int, total: int, label: str) -> None:
        if self._progress is not None and not self._progress(done, total, label):
            raise ImportCancelledError("The import was cancelled; no project was made.")


class _Importer:
    """Writes one parsed project into the new project's transaction."""

    def __init__(
        self,
        qde: QdeProject,
        contents: dict[str, SourceContent],
        notes: dict[str, str],
        steps: _Steps,
        report: ImportReport,
    ) -> None:
        self.qde = qde
        self.contents = contents
        self.steps = steps
        self.report = report
        self.writer = ProjectWriter(qde, notes, report)

    def run(self, tx: Tx, coder: str | None, language: str | None) -> None:
        writer = self.writer
        writer.begin(tx, coder, language)
        for index, source in enumerate(self.qde.sources):
            self.steps.tell(
                len(self.qde.sources) + index + 1, self.steps.total, f"Placing “{source.name}”"
            )
            self._source(tx, source, self.contents[source.guid])
        self.steps.tell(self.steps.total - 1, self.steps.total, "Saving the project")
        writer.finish(tx)

    def _source(self, tx: Tx, source: QdeSource, content: SourceContent) -> None:
        document_id, name = self.writer.document(tx, source, content)
        document = _Document(document_id, name, content.text.stored, [])
        empty = "the document has no text in the file"
        anchoring = Anchoring(content.text, self.qde.origin, name)
        if document.text:
            anchored = anchoring.place(
                [Selection(s.start, s.end, s.name) for s in source.selections]
            )
            placements = anchored.placements
            if anchored.evidence is not None:
                self.report.sources.append(anchored.evidence)
        else:
            placements = [empty] * len(source.selections)
        for selection, placement in zip(source.selections, placements, strict=True):
            if not selection.codings:
                self.writer.uncoded(selection.notes)
            for coding in selection.codings:
                self._coding(tx, document, coding, selection, placement)
        whole = anchoring.whole() if document.text else empty
        for coding in source.codings:
            self._coding(tx, document, coding, None, whole)
        for area in source.other_selections:
            for coding in area.codings:
                self._coding(tx, document, coding, area, "it marks an area of a PDF page")
        self.writer.codings(tx, document.rows)

    def _coding(
        self,
        tx: Tx,
        document: _Document,
        coding: QdeCoding,
        selection: QdeSelection | None,
        placement: Placement | str,
    ) -> None:
        """Keep a coding for the document, or list it as unplaced with the reason."""
        writer, report = self.writer, self.report
        user = coding.creating_user or (selection.creating_user if selection else None)
        notes = coding.notes or (selection.notes if selection else [])
        code_id = writer.code_ids.get(coding.code_guid or "")
        if code_id is None or isinstance(placement, str):
            report.unplaced.append(
                UnplacedCoding(
                    document=document.name,
                    code=writer.code_paths.get(
                        coding.code_guid or "", f"(a code not in the file: {coding.code_guid})"
                    ),
                    coder=writer.coder_name(tx, user),
                    start=selection.start if selection else None,
                    end=selection.end if selection else None,
                    text=selection.name if selection else "",
                    memo=writer.notes_text(notes),
                    reason=placement
                    if isinstance(placement, str)
                    else "its code is not in the codebook",
                )
            )
            return
        report.count(placement.kind, placement.how)
        created = coding.created or (selection.created if selection else None)
        row = NewCoding(
            uuid=writer.fresh("codings", coding.guid),
            document_id=document.id,
            code_id=code_id,
            coder_id=writer.coder_id(tx, user),
            start=placement.start,
            end=placement.end,
            text=document.text[placement.start : placement.end],
            created_at=created or datetime.now(UTC),
        )
        document.rows.append((row, notes))


class _Document(NamedTuple):
    """A document being imported: its id, name and stored text, and the codings to store."""

    id: int
    name: str
    text: str
    rows: list[tuple[NewCoding, list[str]]]
