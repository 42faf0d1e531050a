"""REFI-QDA projects (``project.qde``): reading leniently and safely, writing what the schema says.

Reading takes what real programs write: any namespace (or none, or a prefix), GUIDs in any case
and with braces, missing optional parts; unknown elements are passed over. Writing follows the
order and types of ``Project-mrt2019.xsd``.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

from storage.errors import ImportFileError
from storage.formats.qdc import (
    PROJECT_NAMESPACE,
    QdcCode,
    namespace_warning,
    normalise_guid,
    parse_xml,
    read_codes,
    write_code,
)

NAMESPACE = PROJECT_NAMESPACE

#: The types of REFI-QDA variables, as ``typeOfVariable`` spells them.
VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")

#: Source kinds the format has besides text; Tillit counts them to say what it left out.
OTHER_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass
class QdeUser:
    guid: str
    name: str


@dataclass
class QdeCoding:
    """A code applied to a selection or a whole source."""

    guid: str
    code_guid: str | None  # ``None`` when the reference is missing or malformed
    creating_user: str | None = None
    created: datetime | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class QdeSelection:
    """A ``PlainTextSelection``: ``[start, end)`` as the file counts it, and its codings.

    ``name`` often holds the selected text (or its beginning); Tillit writes the whole text.
    """

    guid: str
    name: str
    start: int | None  # ``None`` when the file's position is missing or not a number
    end: int | None
    creating_user: str | None = None
    created: datetime | None = None
    codings: list[QdeCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class QdeValue:
    """A ``VariableValue``: the variable's GUID, the value element's type and its text."""

    variable_guid: str
    kind: str  # one of VARIABLE_TYPES
    text: str


@dataclass
class QdeSource:
    """A text source (or a PDF's text representation): where its text is, and what is on it.

    ``kind`` is ``TextSource`` or ``PDFSource``; ``other_selections`` counts selections that
    mark something other than text (areas of PDF pages) and so have no place in Tillit.
    """

    guid: str
    name: str
    kind: str = "TextSource"
    plain_text_path: str | None = None
    rich_text_path: str | None = None
    content: str | None = None  # PlainTextContent
    description: str = ""
    creating_user: str | None = None
    created: datetime | None = None
    selections: list[QdeSelection] = field(default_factory=list)
    codings: list[QdeCoding] = field(default_factory=list)  # of the whole source
    notes: list[str] = field(default_factory=list)
    values: list[QdeValue] = field(default_factory=list)
    other_selections: list[QdeSelection] = field(default_factory=list)


@dataclass
class QdeNote:
    """A note (Tillit: a memo): its text inline or in a file of the archive."""

    guid: str
    name: str
    content: str | None = None
    plain_text_path: str | None = None
    creating_user: str | None = None
    created: datetime | None = None
    modified: datetime | None = None


@dataclass
class QdeVariable:
    guid: str
    name: str
    kind: str  # one of VARIABLE_TYPES
    description: str = ""


@dataclass
class QdeCase:
    guid: str
    name: str
    description: str = ""
    values: list[QdeValue] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # GUIDs of its whole sources
    notes: list[str] = field(default_factory=list)
    selections: int = 0  # SelectionRefs, which Tillit's cases cannot hold


@dataclass
class QdeProject:
    """A ``project.qde`` as Tillit reads and writes it.

    ``modifying_user`` is the user who wrote the file last (Tillit: the current coder);
    ``left_out`` counts what the file has and Tillit does not read (sets, links, graphs,
    pictures, audio, video), by element name; ``warnings`` are sentences about how the file
    was read (a namespace other than REFI-QDA's, read leniently).
    """

    name: str
    origin: str = ""
    creating_user: str | None = None
    modifying_user: str | None = None
    created: datetime | None = None
    description: str = ""
    users: list[QdeUser] = field(default_factory=list)
    codes: list[QdcCode] = field(default_factory=list)
    variables: list[QdeVariable] = field(default_factory=list)
    cases: list[QdeCase] = field(default_factory=list)
    sources: list[QdeSource] = field(default_factory=list)
    notes: list[QdeNote] = field(default_factory=list)
    project_notes: list[str] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------


def parse_project(data: bytes, name: str) -> QdeProject:
    """The project in ``project.qde`` bytes (``name`` is the archive's, used in messages).

    Raises :class:`ImportFileError` for XML that declares entities or a document type (refused
    for safety), names an encoding Tillit cannot read, nests codes too deep, is not
    well-formed, or whose root is not a REFI-QDA ``Project`` (see :func:`parse_xml`). A
    ``Project`` in another namespace, or in none, is read leniently, with a warning.
    """
    root = parse_xml(data, name)
    if _local(root.tag) != "Project":
        raise ImportFileError(f"“{name}” is not a REFI-QDA project: it holds no Project.")
    warning = namespace_warning(root, NAMESPACE, "project", name)
    project = QdeProject(
        name=" ".join((root.get("name") or "").split()),
        origin=root.get("origin", ""),
        creating_user=_guid_attribute(root, "creatingUserGUID"),
        modifying_user=_guid_attribute(root, "modifyingUserGUID"),
        created=_datetime(root.get("creationDateTime")),
        warnings=[warning] if warning else [],
    )
    reader = _Reader()
    for child in root:
        tag = _local(child.tag)
        if tag == "Users":
            project.users = [reader.user(user) for user in _children(child, "User")]
        elif tag == "CodeBook":
            codes = _child(child, "Codes")
            project.codes = read_codes(codes, name) if codes is not None else []
        elif tag == "Variables":
            project.variables = [reader.variable(e) for e in _children(child, "Variable")]
        elif tag == "Cases":
            project.cases = [reader.case(case) for case in _children(child, "Case")]
        elif tag == "Sources":
            reader.sources(child, project)
        elif tag == "Notes":
            project.notes = [reader.note(note) for note in _children(child, "Note")]
        elif tag == "Description":
            project.description = _text(child)
        elif tag == "NoteRef":
            project.project_notes.extend(_refs([child]))
        elif tag in ("Sets", "Links", "Graphs"):
            project.left_out[tag] += sum(1 for _ in child)
    return project


class _Reader:
    """Turns elements into records, giving fresh GUIDs where one is missing or repeated."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def guid(self, element: Element) -> str:
        guid = normalise_guid(element.get("guid", ""))
        if guid is None or guid in self._seen:
            guid = str(uuid_module.uuid4())
        self._seen.add(guid)
        return guid

    def user(self, element: Element) -> QdeUser:
        return QdeUser(self.guid(element), _name(element) or (element.get("id") or "").strip())

    def variable(self, element: Element) -> QdeVariable:
        kind = (element.get("typeOfVariable") or "Text").strip()
        return QdeVariable(
            self.guid(element),
            _name(element),
            kind if kind in VARIABLE_TYPES else "Text",
            _child_text(element, "Description"),
        )

    def case(self, element: Element) -> QdeCase:
        return QdeCase(
            guid=self.guid(element),
            name=_name(element),
            description=_child_text(element, "Description"),
            values=_values(element),
            # Sets call their members MemberSource; some programs write that in cases too.
            sources=_refs(_children(element, "SourceRef", "MemberSource")),
            notes=_refs(_children(element, "NoteRef")),
            selections=sum(1 for _ in _children(element, "SelectionRef")),
        )

    def note(self, element: Element) -> QdeNote:
        content = _child(element, "PlainTextContent")
        return QdeNote(
            guid=self.guid(element),
            name=_name(element),
            content=None if content is None else (content.text or ""),
            plain_text_path=element.get("plainTextPath"),
            creating_user=_guid_attribute(element, "creatingUser"),
            created=_datetime(element.get("creationDateTime")),
            modified=_datetime(element.get("modifiedDateTime")),
        )

    def sources(self, holder: Element, project: QdeProject) -> None:
        for element in holder:
            tag = _local(element.tag)
            if tag == "TextSource":
                project.sources.append(self.text_source(element, element, tag))
                continue
            text = _child(element, "Representation") if tag == "PDFSource" else None
            if text is not None:  # a PDF with its text: that text is a document for Tillit
                project.sources.append(self.text_source(element, text, tag))
            elif tag in OTHER_SOURCES:
                project.left_out[tag] += 1

    def text_source(self, element: Element, text: Element, kind: str) -> QdeSource:
        """A source from ``element`` (its identity, codings and values) with the text of
        ``text`` (the same element, or a PDF's ``Representation``)."""
        content = _child(text, "PlainTextContent")
        source = QdeSource(
            guid=self.guid(element),
            name=_name(element),
            kind=kind,
            plain_text_path=text.get("plainTextPath"),
            rich_text_path=text.get("richTextPath") or element.get("path"),
            content=None if content is None else (content.text or ""),
            description=_child_text(element, "Description"),
            creating_user=_guid_attribute(element, "creatingUser"),
            created=_datetime(element.get("creationDateTime")),
            notes=_refs(_children(element, "NoteRef")),
            values=_values(element),
        )
        parts = [text] if text is element else [text, element]
        for part in parts:
            source.selections.extend(
                self.selection(e) for e in _children(part, "PlainTextSelection")
            )
            source.codings.extend(self.coding(e) for e in _children(part, "Coding"))
        source.other_selections = [self.selection(e) for e in _children(element, "PDFSelection")]
        return source

    def selection(self, element: Element) -> QdeSelection:
        return QdeSelection(
            guid=self.guid(element),
            name=element.get("name") or "",
            start=_integer(element.get("startPosition")),
            end=_integer(element.get("endPosition")),
            creating_user=_guid_attribute(element, "creatingUser"),
            created=_datetime(element.get("creationDateTime")),
            codings=[self.coding(coding) for coding in _children(element, "Coding")],
            notes=_refs(_children(element, "NoteRef")),
        )

    def coding(self, element: Element) -> QdeCoding:
        refs = _refs(_children(element, "CodeRef"))
        return QdeCoding(
            guid=self.guid(element),
            code_guid=refs[0] if refs else None,
            creating_user=_guid_attribute(element, "creatingUser"),
            created=_datetime(element.get("creationDateTime")),
            notes=_refs(_children(element, "NoteRef")),
        )


def _values(element: Element) -> list[QdeValue]:
    values = []
    for value in _children(element, "VariableValue"):
        refs = _refs(_children(value, "VariableRef"))
        typed = next((child for child in value if _local(child.tag).endswith("Value")), None)
        if refs and typed is not None:
            kind = _local(typed.tag).removesuffix("Value")
            values.append(
                QdeValue(refs[0], kind if kind in VARIABLE_TYPES else "Text", _text(typed))
            )
    return values


def _local(tag: str | object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _children(element: Element, *names: str) -> list[Element]:
    return [child for child in element if _local(child.tag) in names]


def _text(element: Element) -> str:
    return (element.text or "").strip()


def _child_text(element: Element, name: str) -> str:
    child = _child(element, name)
    return "" if child is None else _text(child)


def _name(element: Element) -> str:
    return " ".join((element.get("name") or "").split())


def _refs(elements: list[Element]) -> list[str]:
    """The normalised ``targetGUID``s of reference elements; malformed ones are left out."""
    return [guid for e in elements if (guid := normalise_guid(e.get("targetGUID", ""))) is not None]


def _guid_attribute(element: Element, name: str) -> str | None:
    return normalise_guid(element.get(name, ""))


def _integer(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except ValueError:
        return None


def _datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- writing ---------------------------------------------------------------------------------


def project_xml(project: QdeProject) -> bytes:
    """The ``project.qde`` of ``project`` as UTF-8 XML, valid against ``Project-mrt2019.xsd``.

    Characters XML cannot carry (control characters other than tab and line ends) are left out.
    """
    root = Element("Project")
    _set(root, xmlns=NAMESPACE, name=project.name, origin=project.origin or None)
    _set(root, creatingUserGUID=project.creating_user, creationDateTime=_stamp(project.created))
    _set(root, modifyingUserGUID=project.modifying_user)
    _set(root, modifiedDateTime=_stamp(datetime.now(UTC)))
    users = _holder(root, "Users", project.users)
    for user in project.users:
        _sub(users, "User", guid=user.guid, name=user.name)
    if project.codes:
        codes = _sub(_sub(root, "CodeBook"), "Codes")
        for code in project.codes:
            write_code(codes, code, notes=True)
    variables = _holder(root, "Variables", project.variables)
    for variable in project.variables:
        element = _sub(
            variables,
            "Variable",
            guid=variable.guid,
            name=variable.name,
            typeOfVariable=variable.kind,
        )
        _optional_text(element, "Description", variable.description)
    cases = _holder(root, "Cases", project.cases)
    for case in project.cases:
        element = _sub(cases, "Case", guid=case.guid, name=case.name)
        _optional_text(element, "Description", case.description)
        _write_values(element, case.values)
        _write_refs(element, "SourceRef", case.sources)
    sources = _holder(root, "Sources", project.sources)
    for source in project.sources:
        _write_source(sources, source)
    notes = _holder(root, "Notes", project.notes)
    for note in project.notes:
        element = _sub(notes, "Note", guid=note.guid, name=note.name or None)
        _set(element, creatingUser=note.creating_user, creationDateTime=_stamp(note.created))
        _set(element, modifiedDateTime=_stamp(note.modified))
        _sub(element, "PlainTextContent").text = note.content or ""
    _optional_text(root, "Description", project.description)
    _write_refs(root, "NoteRef", project.project_notes)
    # Markup never holds such characters, so cleaning the whole text cleans every value in it.
    text = _NOT_XML.sub("", ElementTree.tostring(root, encoding="unicode"))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + text.encode("utf-8")


def _write_source(holder: Element, source: QdeSource) -> None:
    element = _sub(holder, "TextSource", guid=source.guid, name=source.name)
    _set(element, plainTextPath=source.plain_text_path)
    _set(element, creatingUser=source.creating_user, creationDateTime=_stamp(source.created))
    _optional_text(element, "Description", source.description)
    if source.content is not None:
        _sub(element, "PlainTextContent").text = source.content
    for selection in source.selections:
        selected = _sub(element, "PlainTextSelection", guid=selection.guid, name=selection.name)
        _set(selected, startPosition=str(selection.start), endPosition=str(selection.end))
        _set(selected, creatingUser=selection.creating_user)
        _set(selected, creationDateTime=_stamp(selection.created))
        for coding in selection.codings:
            _write_coding(selected, coding)
        _write_refs(selected, "NoteRef", selection.notes)
    for coding in source.codings:
        _write_coding(element, coding)
    _write_refs(element, "NoteRef", source.notes)
    _write_values(element, source.values)


def _write_coding(parent: Element, coding: QdeCoding) -> None:
    element = _sub(parent, "Coding", guid=coding.guid, creatingUser=coding.creating_user)
    _set(element, creationDateTime=_stamp(coding.created))
    _write_refs(element, "CodeRef", [coding.code_guid or ""])
    _write_refs(element, "NoteRef", coding.notes)


def _write_values(parent: Element, values: list[QdeValue]) -> None:
    for value in values:
        element = _sub(parent, "VariableValue")
        _write_refs(element, "VariableRef", [value.variable_guid])
        _sub(element, f"{value.kind}Value").text = value.text


def _sub(parent: Element, tag: str, **attributes: str | None) -> Element:
    """A new child of ``parent``, with those of ``attributes`` that are not ``None``."""
    element = ElementTree.SubElement(parent, tag)
    _set(element, **attributes)
    return element


def _set(element: Element, **attributes: str | None) -> None:
    """Set the attributes that are not ``None``, in the order given (the schema's)."""
    for key, value in attributes.items():
        if value is not None:
            element.set(key, value)


def _holder(root: Element, tag: str, items: list[Any]) -> Element:
    """The element holding a list, made only when the list has something (the schema wants
    at least one item in it)."""
    return _sub(root, tag) if items else root


def _write_refs(parent: Element, tag: str, guids: list[str]) -> None:
    for guid in guids:
        _sub(parent, tag, targetGUID=guid)


def _optional_text(parent: Element, tag: str, text: str) -> None:
    if text:
        _sub(parent, tag).text = text


def _stamp(value: datetime | None) -> str | None:
    """An ``xsd:dateTime`` in UTC; a time without a zone counts as UTC (as SQLite gives it)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # isoformat is three times quicker than strftime, which counts with a hundred thousand
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"
