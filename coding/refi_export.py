"""Exporting a whole project to a REFI-QDA project (``.qdpx``) that NVivo, ATLAS.ti, MAXQDA and
QualCoder read, and that validates against the standard's schema.

Every entity keeps its Tillit UUID as its GUID, so exporting twice gives the same GUIDs and an
import back into Tillit recognises everything. Each coding is a ``PlainTextSelection`` of its
own (code points, end exclusive, its text as the selection's name) with one ``Coding``; memos
are ``Notes`` referred to from what they are about. What the format cannot carry is said in
the result's warnings.
"""

from __future__ import annotations

import math
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from coding.codebook_exchange import qdc_codes
from coding.errors import ExportCancelledError
from coding.importing import Progress
from coding.project import Project
from coding.queries import tree_of
from coding.refi_sources import with_facts
from storage.formats.parsed import ParsedParagraph
from storage.formats.qdc import QdcCode
from storage.formats.qde import (
    QdeCase,
    QdeCoding,
    QdeNote,
    QdeProject,
    QdeSelection,
    QdeSource,
    QdeUser,
    QdeValue,
    QdeVariable,
    project_xml,
)
from storage.formats.qdpx import write_archive
from storage.formats.speakers import build_units
from storage.formats.text_file import paragraph_spans
from storage.records import CodingRecord, MemoRecord
from storage.repositories.content import DocumentContent, ProjectContent, ValueContent

#: REFI-QDA's variable type for each of Tillit's attribute types.
VARIABLE_TYPES = {"text": "Text", "number": "Float", "date": "Date", "boolean": "Boolean"}
#: The namespace of the selections' GUIDs, each derived from its coding's UUID so that it stays
#: the same from one export to the next.
SELECTIONS = uuid_module.UUID("5f0c6c1e-8d0a-4a53-9b53-7d2b1f0e4c21")
_SCOPES = {"document": "documents", "case": "cases"}


@dataclass(frozen=True)
class ExportResult:
    """What was written (``counts`` by kind) and what the format could not carry."""

    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """What was written, in words: "2 documents, 1 code, 3 codings and 1 memo"."""
        parts = [
            f"{self.counts[key]:,} {key[:-1] if self.counts[key] == 1 else key}"
            for key in ("documents", "codes", "codings", "memos")
        ]
        return f"{', '.join(parts[:-1])} and {parts[-1]}"


def export_project(project: Project, path: Path, progress: Progress | None = None) -> ExportResult:
    """Write the whole project to the ``.qdpx`` at ``path``: users, codebook, documents (as
    UTF-8 text files in ``sources/``), codings, memos, cases and attributes.

    ``progress(done, total, label)`` may return False to cancel. The file appears whole or not
    at all. Raises :class:`StorageError` when it cannot be written and
    :class:`ExportCancelledError` when cancelled.
    """
    with project.read() as tx:
        content = tx.merging.content()
    total = len(content.documents) + 2
    _step(progress, 0, total, "Reading the project")
    builder = _Builder(content)
    qde = builder.project()
    _step(progress, 1, total, "Writing project.qde")
    data = project_xml(qde)

    def sources() -> Iterator[tuple[str, str]]:
        for index, document in enumerate(content.documents):
            _step(progress, index + 2, total, f"Writing “{document.name}”")
            yield f"{document.uuid}.txt", document.text

    write_archive(path, data, sources())
    if progress is not None:
        progress(total, total, "")  # done: too late to cancel
    counts = {
        "users": len(qde.users),
        "codes": len(content.codes),
        "documents": len(content.documents),
        "codings": len(content.codings),
        "memos": len(qde.notes),
        "cases": len(qde.cases),
        "variables": len(qde.variables),
    }
    return ExportResult(counts, builder.warnings)


def _step(progress: Progress | None, done: int, total: int, label: str) -> None:
    if progress is not None and not progress(done, total, label):
        raise ExportCancelledError()


class _Builder:
    """The ``QdeProject`` of a project's content, and the warnings gathered on the way."""

    def __init__(self, content: ProjectContent) -> None:
        self.content = content
        self.warnings: list[str] = []
        self._coders = {coder.id: coder.uuid for coder in content.coders}
        self._memos: dict[tuple[int | None, int | None, int | None], MemoRecord] = {
            (memo.document_id, memo.code_id, memo.coding_id): memo for memo in content.memos
        }
        self._codes_by_id = {code.id: code.uuid for code in content.codes}
        self._codings: dict[int, list[CodingRecord]] = {}
        for coding in sorted(content.codings, key=lambda c: (c.start, c.end, c.id)):
            self._codings.setdefault(coding.document_id, []).append(coding)
        self._restructured: list[str] = []  # documents whose units the text does not give
        self._timestamps = 0  # units with media times

    def project(self) -> QdeProject:
        content = self.content
        info = content.project
        project_memo = self._notes(None, None, None)
        qde = QdeProject(
            name=info.name,
            origin="Tillit",
            modifying_user=self._coders.get(info.current_coder_id or 0),
            description=with_facts({"language": info.language}),
            users=[QdeUser(coder.uuid, coder.name) for coder in content.coders],
            codes=self._codes(),
            variables=[
                QdeVariable(
                    attribute.uuid,
                    attribute.name,
                    VARIABLE_TYPES[attribute.value_type],
                    with_facts({"scope": _SCOPES[attribute.scope]}),
                )
                for attribute in content.attributes
            ],
            cases=self._cases(),
            sources=[self._source(document) for document in content.documents],
            notes=[self._note(memo) for memo in content.memos],
            project_notes=project_memo,
        )
        self._warn_structure()
        return qde

    def _notes(
        self, document_id: int | None, code_id: int | None, coding_id: int | None
    ) -> list[str]:
        memo = self._memos.get((document_id, code_id, coding_id))
        return [memo.uuid] if memo is not None else []

    def _note(self, memo: MemoRecord) -> QdeNote:
        return QdeNote(
            guid=memo.uuid,
            name=memo.title,
            content=memo.text,
            creating_user=self._coders.get(memo.coder_id or 0),
            modified=memo.updated_at,
        )

    def _codes(self) -> list[QdcCode]:
        records = self.content.codes
        codes = qdc_codes(tree_of(records))
        by_guid: dict[str, QdcCode] = {}
        stack = list(codes)
        while stack:
            code = stack.pop()
            by_guid[code.guid] = code
            stack.extend(code.children)
        for record in records:
            by_guid[record.uuid].notes = self._notes(None, record.id, None)
        if self.content.aliases:
            count = len(self.content.aliases)
            what = (
                "GUID of a code merged into another is"
                if count == 1
                else "GUIDs of codes merged into others are"
            )
            self.warnings.append(
                f"{count:,} {what} not in the file: REFI-QDA has no aliases, so codings "
                "brought in later under an old GUID will not find the code it was merged into."
            )
        return codes

    def _cases(self) -> list[QdeCase]:
        documents = {document.id: document.uuid for document in self.content.documents}
        members: dict[int, list[str]] = {}
        for case_id, document_id in self.content.memberships:
            members.setdefault(case_id, []).append(documents[document_id])
        return [
            QdeCase(
                guid=case.uuid,
                name=case.name,
                description=case.description,
                values=self._values(case_id=case.id),
                sources=sorted(members.get(case.id, [])),
            )
            for case in self.content.cases
        ]

    def _values(
        self, *, case_id: int | None = None, document_id: int | None = None
    ) -> list[QdeValue]:
        attributes = {attribute.id: attribute for attribute in self.content.attributes}
        values = []
        for value in self.content.values:
            if value.case_id != case_id or value.document_id != document_id:
                continue
            attribute = attributes[value.attribute_id]
            text = self._value_text(value, attribute.value_type, attribute.name)
            if text is not None:
                values.append(QdeValue(attribute.uuid, VARIABLE_TYPES[attribute.value_type], text))
        return values

    def _value_text(self, value: ValueContent, value_type: str, name: str) -> str | None:
        if value_type == "boolean":
            return "true" if value.number_value else "false"
        if value_type != "number":
            return value.text_value
        number = value.number_value
        if number is None or not math.isfinite(number):
            self.warnings.append(
                f"A value of “{name}” is not a finite number ({number}); REFI-QDA cannot hold "
                "it, so it was left out."
            )
            return None
        return format(Decimal(repr(number)).normalize(), "f")

    def _source(self, document: DocumentContent) -> QdeSource:
        text, coders, codes = document.text, self._coders, self._codes_by_id
        selections = [
            QdeSelection(
                guid=str(uuid_module.uuid5(SELECTIONS, coding.uuid)),
                name=text[coding.start : coding.end],
                start=coding.start,
                end=coding.end,
                creating_user=coders[coding.coder_id],
                created=coding.created_at,
                codings=[
                    QdeCoding(
                        coding.uuid,
                        codes[coding.code_id],
                        coders[coding.coder_id],
                        coding.created_at,
                        self._notes(None, None, coding.id),
                    )
                ],
            )
            for coding in self._codings.get(document.id, [])
        ]
        self._check_structure(document)
        facts = {
            "language": document.language,
            "source_name": document.source_name,
            "source_format": document.source_format,
        }
        return QdeSource(
            guid=document.uuid,
            name=document.name,
            plain_text_path=f"internal://{document.uuid}.txt",
            description=with_facts(facts),
            created=document.imported_at,
            selections=selections,
            notes=self._notes(document.id, None, None),
            values=self._values(document_id=document.id),
        )

    def _check_structure(self, document: DocumentContent) -> None:
        """Note a document whose paragraphs or speaker turns the plain text will not give back
        (they came from Word paragraphs or subtitle cues), and units with media times."""
        kept = [(p.start, p.end, p.speaker) for p in document.paragraphs]
        self._timestamps += sum(1 for p in document.paragraphs if p.start_ms is not None)
        if kept != _recognised(document.text):
            self._restructured.append(document.name)

    def _warn_structure(self) -> None:
        if self._restructured:
            count = len(self._restructured)
            names = ", ".join(f"“{name}”" for name in self._restructured[:3])
            more = f" and {count - 3:,} more" if count > 3 else ""
            self.warnings.append(
                f"REFI-QDA carries a document's text but not its paragraphs and speaker turns; "
                f"in {count:,} document{'s' if count != 1 else ''} ({names}{more}) they will "
                "not be recognised from the text exactly as they are now."
            )
        if self._timestamps:
            self.warnings.append(
                f"{self._timestamps:,} speaker turns have media timestamps, which REFI-QDA "
                "cannot carry; they are not in the file."
            )


def _recognised(text: str) -> list[tuple[int, int, str | None]]:
    """The units Tillit recognises in a plain text, as an import of the file will."""
    units: tuple[ParsedParagraph, ...] = build_units(text, paragraph_spans(text))
    return [(unit.start, unit.end, unit.speaker) for unit in units]
