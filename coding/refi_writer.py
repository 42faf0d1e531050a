"""Writing a parsed REFI-QDA project into a new Tillit project, inside one transaction: coders,
codebook, documents, codings, cases, attributes and memos, keeping the file's GUIDs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import PurePosixPath

from coding.codebook import NAME_LIMIT, add_code
from coding.codebook_exchange import code_specs
from coding.codebooks import CodeSpec
from coding.project import LANGUAGES, PATH_SEPARATOR, default_coder_name
from coding.refi_report import ImportReport
from coding.refi_sources import SourceContent, read_facts
from storage.formats.qdc import QdcCode
from storage.formats.qde import QdeNote, QdeProject, QdeSource, QdeValue
from storage.models import new_uuid
from storage.records import MemoRecord
from storage.repositories.cases import Value
from storage.repositories.merging import NewCoding
from storage.store import Tx

#: Tillit's attribute type for each REFI-QDA variable type.
VALUE_TYPES = {
    "Text": "text",
    "Boolean": "boolean",
    "Integer": "number",
    "Float": "number",
    "Date": "date",
    "DateTime": "text",  # Tillit has dates without times; the value is kept as written
}
_SCOPES = {"documents": "document", "cases": "case"}

# What a memo is about: (document, code, coding); all None is the project.
_Target = tuple[int | None, int | None, int | None]


class ProjectWriter:
    """Adds what a parsed project holds to the transaction of the new project, and counts it in
    the report. Memos are gathered per target and written by :meth:`finish`, one per target."""

    def __init__(self, qde: QdeProject, notes: dict[str, str], report: ImportReport) -> None:
        self.qde = qde
        self.report = report
        self.code_ids: dict[str, int] = {}
        self.code_paths: dict[str, str] = {}
        self._notes = {note.guid: note for note in qde.notes}
        self._note_texts = notes
        self._coders: dict[str, int] = {}  # user GUID -> coder id
        self._coder_names: set[str] = set()
        self._current = 0
        self._language = "nb"
        self._documents: dict[str, int] = {}  # source GUID -> document id
        self._attributes: dict[tuple[str, str], tuple[int, str]] = {}  # (GUID, scope) -> id, type
        self._memos: dict[_Target, list[str]] = {}
        self._used: dict[str, set[str]] = {}
        self._unknown_values = 0
        self._uncoded = 0
        self._in_cases: set[str] = set()  # notes that went into a case's description

    # --- identities -----------------------------------------------------------------------

    def fresh(self, kind: str, uuid: str) -> str:
        """``uuid`` if no other row of ``kind`` has it yet, else a new UUID."""
        used = self._used.setdefault(kind, set())
        if uuid in used:
            uuid = new_uuid()
        used.add(uuid)
        return uuid

    def coder_id(self, tx: Tx, guid: str | None) -> int:
        """The coder of a user GUID (added, named after the GUID, if the file lists no such
        user), or the current coder when the file names none."""
        if guid is None:
            return self._current
        if guid not in self._coders:
            name = _free(f"User {guid[:8]}", self._coder_names)
            self._coders[guid] = tx.coders.add(name, uuid=self.fresh("coders", guid))
            self.report.coders += 1
        return self._coders[guid]

    def coder_name(self, tx: Tx, guid: str | None) -> str:
        return tx.coders.get(self.coder_id(tx, guid)).name

    # --- the parts of the project -----------------------------------------------------------

    def begin(self, tx: Tx, coder: str | None, language: str | None) -> None:
        """The project row, its coders and current coder, the codebook and the attributes; the
        warnings of how the file was read come first in the report."""
        qde = self.qde
        self.report.warnings.extend(qde.warnings)
        facts, description = read_facts(qde.description)
        self._language = language or _language(facts.get("language")) or "nb"
        tx.project.create((qde.name or "Imported project")[:200], self._language)
        for user in qde.users:
            name = _free((user.name or f"User {user.guid[:8]}")[:190], self._coder_names)
            self._coders[user.guid] = tx.coders.add(name, uuid=self.fresh("coders", user.guid))
        self.report.coders = len(self._coders)
        self._current = self._current_coder(tx, coder)
        tx.project.set_current_coder(self._current)
        self._memos[(None, None, None)] = list(qde.project_notes)
        if description:
            self._describe(None, "Description", description)
        self._codes(tx, code_specs(qde.codes), qde.codes, None, "")
        self._variables(tx)

    def document(self, tx: Tx, source: QdeSource, content: SourceContent) -> tuple[int, str]:
        """Store a source as a document; returns its id and name."""
        facts, description = read_facts(source.description)
        name = (source.name or PurePosixPath(content.source_name).stem or "Document")[:400]
        document_id = tx.documents.add(
            name=name,
            language=_language(facts.get("language")) or self._language,
            text=content.text.stored,
            paragraphs=content.paragraphs,
            source_name=facts.get("source_name") or content.source_name,
            source_format=(facts.get("source_format") or content.source_format)[:16],
            source_encoding=content.encoding,
            uuid=self.fresh("documents", source.guid),
        )
        self._documents[source.guid] = document_id
        self.report.documents += 1
        if content.problem:
            problem = content.problem.rstrip(".")
            self.report.warnings.append(f"“{name}” was imported as an empty document: {problem}.")
        target: _Target = (document_id, None, None)
        self._memos.setdefault(target, []).extend(source.notes)
        if description:
            self._describe(target, "Description", description)
        self._values(tx, source.values, "document", document_id)
        return document_id, name

    def codings(self, tx: Tx, rows: list[tuple[NewCoding, list[str]]]) -> None:
        """Store a document's codings (GUIDs and times kept) and gather their memos."""
        ids = tx.merging.add_codings([row for row, _notes in rows])
        for coding_id, (_row, notes) in zip(ids, rows, strict=True):
            if notes:
                self._memos[(None, None, coding_id)] = list(notes)

    def uncoded(self, notes: list[str]) -> None:
        """A selection without a code (an annotation), which Tillit does not keep: its notes
        go to the project memo."""
        self._uncoded += 1
        self._memos[(None, None, None)].extend(notes)

    def notes_text(self, guids: list[str]) -> str:
        return "\n\n".join(self._note_texts.get(guid, "") for guid in guids).strip()

    def finish(self, tx: Tx) -> None:
        """Cases with their documents and values, every memo, and the warnings left to give."""
        for case in self.qde.cases:
            notes = [self._note_texts.get(guid, "") for guid in case.notes]
            self._in_cases.update(case.notes)
            description = "\n\n".join(part for part in [case.description, *notes] if part)
            taken = {record.name for record in tx.cases.all()}
            name = _free(case.name or "Case", taken)
            case_id = tx.cases.add(name, description, uuid=self.fresh("cases", case.guid))
            members = [self._documents[guid] for guid in case.sources if guid in self._documents]
            tx.cases.add_documents(case_id, list(dict.fromkeys(members)))
            self._values(tx, case.values, "case", case_id)
            self.report.cases += 1
            if case.selections:
                self.report.warnings.append(
                    f"The case “{name}” holds {_count(case.selections, 'selection')}; "
                    "Tillit's cases hold whole documents, so that was left out."
                )
        self._write_memos(tx)
        self._warn_left_out()

    # --- helpers --------------------------------------------------------------------------

    def _current_coder(self, tx: Tx, coder: str | None) -> int:
        if coder is not None and coder.strip():
            name = " ".join(coder.split())
            existing = tx.coders.by_name(name)
            if existing is not None:
                return existing
            self._coder_names.add(name)
            self.report.coders += 1
            return tx.coders.add(name)
        for guid in (self.qde.modifying_user, self.qde.creating_user):
            if guid in self._coders:
                return self._coders[guid]
        if self._coders:
            return next(iter(self._coders.values()))
        self.report.coders += 1
        return tx.coders.add(_free(default_coder_name(), self._coder_names))

    def _codes(
        self,
        tx: Tx,
        specs: tuple[CodeSpec, ...],
        codes: list[QdcCode],
        parent_id: int | None,
        path: str,
    ) -> None:
        siblings: set[str] = set()
        for spec, code in zip(specs, codes, strict=True):
            wanted = spec.name[:NAME_LIMIT].strip() or "Unnamed code"
            name = _free(wanted, siblings, limit=NAME_LIMIT)
            if name != wanted:
                self.report.warnings.append(
                    f"Two codes under one parent are called “{wanted}”; the second is “{name}” now."
                )
            code_id = add_code(
                tx,
                name,
                parent_id,
                uuid=self.fresh("codes", code.guid),
                color=spec.color,
                codable=spec.codable,
                alt_name=spec.alt_name,
                **spec.definitions,
            )
            self.code_ids[code.guid] = code_id
            self.code_paths[code.guid] = f"{path}{PATH_SEPARATOR}{name}" if path else name
            self.report.codes += 1
            if code.notes:
                self._memos[(None, code_id, None)] = list(code.notes)
            self._codes(tx, spec.children, code.children, code_id, self.code_paths[code.guid])

    def _variables(self, tx: Tx) -> None:
        """One attribute per variable and the scope it is used in (both, if both)."""
        used: dict[str, set[str]] = {}
        for source in self.qde.sources:
            for value in source.values:
                used.setdefault(value.variable_guid, set()).add("document")
        for case in self.qde.cases:
            for value in case.values:
                used.setdefault(value.variable_guid, set()).add("case")
        names: dict[str, set[str]] = {"case": set(), "document": set()}
        for variable in self.qde.variables:
            facts, _rest = read_facts(variable.description)
            scopes = used.get(variable.guid) or {_SCOPES.get(facts.get("scope", ""), "case")}
            value_type = VALUE_TYPES[variable.kind]
            if variable.kind == "DateTime":
                self.report.warnings.append(
                    f"The variable “{variable.name}” holds dates with times; Tillit keeps "
                    "them as text."
                )
            for scope in sorted(scopes):
                name = _free(variable.name or "Variable", names[scope])
                attribute_id = tx.attributes.add(
                    name, scope, value_type, uuid=self.fresh("attributes", variable.guid)
                )
                self._attributes[(variable.guid, scope)] = (attribute_id, value_type)
                self.report.attributes += 1

    def _values(self, tx: Tx, values: list[QdeValue], scope: str, owner_id: int) -> None:
        owner = {"case_id": owner_id} if scope == "case" else {"document_id": owner_id}
        for value in values:
            attribute = self._attributes.get((value.variable_guid, scope))
            if attribute is None:
                self._unknown_values += 1
                continue
            attribute_id, value_type = attribute
            try:
                converted = _typed(value.text, value_type)
            except ValueError:
                self.report.warnings.append(
                    f"“{value.text}” is not a {value_type} value, as its variable needs; "
                    "it was left out."
                )
                continue
            tx.attributes.set_value(attribute_id, converted, **owner)

    def _describe(self, target: _Target | None, title: str, text: str) -> None:
        """A description Tillit has no field for becomes a note on the same target."""
        guid = new_uuid()
        self._notes[guid] = QdeNote(guid, title)
        self._note_texts[guid] = text
        self._memos.setdefault(target or (None, None, None), []).append(guid)

    def _write_memos(self, tx: Tx) -> None:
        referenced = {guid for notes in self._memos.values() for guid in notes} | self._in_cases
        loose = [note.guid for note in self.qde.notes if note.guid not in referenced]
        self._memos[(None, None, None)].extend(loose)
        if loose:
            self.report.warnings.append(
                f"{_count(len(loose), 'note')} belonged to nothing Tillit keeps; "
                "the project memo holds them."
            )
        for (document_id, code_id, coding_id), guids in self._memos.items():
            notes = [self._notes[guid] for guid in guids if guid in self._notes]
            if not notes:
                continue
            first = notes[0]
            if len(notes) == 1:
                title, text = first.name, self._note_texts.get(first.guid, "")
            else:
                title = first.name
                text = "\n\n".join(
                    "\n".join(part for part in (note.name, self._note_texts.get(note.guid)) if part)
                    for note in notes
                )
            uuid = self.fresh("memos", first.guid)
            when = first.modified or first.created or datetime.now(UTC)
            coder_id = self._coders.get(first.creating_user or "")
            record = MemoRecord(
                0, uuid, title, text, document_id, code_id, coding_id, coder_id, when
            )
            tx.merging.add_memo(
                record,
                uuid=uuid,
                document_id=document_id,
                code_id=code_id,
                coding_id=coding_id,
                coder_id=coder_id,
            )
            self.report.memos += 1

    def _warn_left_out(self) -> None:
        what = {
            "Sets": ("set", "sets"),
            "Links": ("link", "links"),
            "Graphs": ("graph", "graphs"),
            "PictureSource": ("picture source", "picture sources"),
            "PDFSource": ("PDF source without text", "PDF sources without text"),
            "AudioSource": ("audio source", "audio sources"),
            "VideoSource": ("video source", "video sources"),
        }
        for tag, count in sorted(self.qde.left_out.items()):
            one, many = what.get(tag, (tag, tag))
            self.report.warnings.append(
                f"The file has {count:,} {one if count == 1 else many}, which Tillit does not "
                f"hold; {'it was' if count == 1 else 'they were'} not imported."
            )
        if self._uncoded:
            self.report.warnings.append(
                f"{_count(self._uncoded, 'selection')} of the file carried no code; Tillit "
                "keeps coded passages only (their notes are in the project memo)."
            )
        if self._unknown_values:
            self.report.warnings.append(
                f"{_count(self._unknown_values, 'variable value')} named no variable of the "
                "file and were left out."
            )


def _free(name: str, taken: set[str], limit: int = 400) -> str:
    """``name``, or with a number after it ("Kari (2)") if ``taken`` has it (ignoring case);
    the name is added to ``taken``."""
    folded = {each.casefold() for each in taken}
    candidate, number = name, 2
    while candidate.casefold() in folded:
        suffix = f" ({number})"
        candidate = name[: limit - len(suffix)] + suffix
        number += 1
    taken.add(candidate)
    return candidate


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _language(value: str | None) -> str | None:
    return value if value in LANGUAGES else None


def _typed(text: str, value_type: str) -> Value:
    """A value as written in the file, in Tillit's type; ``ValueError`` if it is not one."""
    text = text.strip()
    if value_type == "number":
        return float(text.replace(",", "."))
    if value_type == "boolean":
        if text.lower() in ("true", "1", "yes", "ja"):
            return True
        if text.lower() in ("false", "0", "no", "nei", "nej"):
            return False
        raise ValueError(text)
    if value_type == "date":
        return date.fromisoformat(text[:10]).isoformat()
    return text
