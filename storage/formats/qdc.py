"""REFI-QDA codebooks (``.qdc``): reading leniently and safely, writing what the schema says."""

from __future__ import annotations

import os
import re
import uuid as uuid_module
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from storage.errors import ImportFileError

NAMESPACE = "urn:QDA-XML:codebook:1.0"
_GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
_COLOR = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")  # "#f00" is "#ff0000"
_LIMIT = 50 * 1024 * 1024  # a codebook is text: anything bigger is not one


@dataclass
class QdcCode:
    """A code as a ``.qdc`` carries it."""

    guid: str
    name: str
    codable: bool = True
    color: str | None = None  # "#rrggbb"
    description: str = ""
    children: list[QdcCode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # GUIDs of its notes (in projects only)


def write_qdc(path: Path, codes: list[QdcCode], origin: str = "Tillit") -> None:
    """Write a codebook; the file appears whole or not at all. Raises ``OSError``."""
    root = Element("CodeBook", {"xmlns": NAMESPACE, "origin": origin})
    holder = ElementTree.SubElement(root, "Codes")
    for code in codes:
        write_code(holder, code)
    ElementTree.indent(root)
    partial = path.with_name(path.name + ".partial")
    ElementTree.ElementTree(root).write(partial, encoding="utf-8", xml_declaration=True)
    os.replace(partial, path)


def write_code(parent: Element, code: QdcCode, *, notes: bool = False) -> None:
    """Append ``code`` and its children to ``parent``; ``notes``: with their ``NoteRef``s, which
    a project's codebook has and a ``.qdc`` file's has not."""
    attributes = {
        "guid": code.guid,
        "name": code.name,
        "isCodable": "true" if code.codable else "false",
    }
    if code.color:
        attributes["color"] = code.color.upper()
    element = ElementTree.SubElement(parent, "Code", attributes)
    if code.description:
        ElementTree.SubElement(element, "Description").text = code.description
    for note in code.notes if notes else ():
        ElementTree.SubElement(element, "NoteRef", {"targetGUID": note})
    for child in code.children:
        write_code(element, child, notes=notes)


def read_qdc(path: Path) -> list[QdcCode]:
    """The codes of a ``.qdc`` file, as a tree.

    Lenient with what real programs write: any namespace version (or none), upper-case or
    braced GUIDs, missing colours and ``isCodable``. Strict with what is unsafe or broken:
    DTDs and entities are refused, and so is a file that is not a codebook. Every failure is an
    :class:`ImportFileError` naming the file.
    """
    try:
        if path.stat().st_size > _LIMIT:
            raise ImportFileError(f"“{path.name}” is too large to be a codebook.")
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Tillit could not read “{path.name}”: {exc.strerror}.") from exc
    return parse_codebook(data, path.name)


def parse_codebook(data: bytes, name: str) -> list[QdcCode]:
    """The codes of a codebook given as XML bytes (``name`` is used in messages)."""
    root = parse_xml(data, name)
    if _local(root.tag) == "CodeBook":
        codes = _child(root, "Codes")
    elif _local(root.tag) == "Project":
        codebook = _child(root, "CodeBook")
        if codebook is None:  # a project without codes (ATLAS.ti writes these)
            return []
        codes = _child(codebook, "Codes")
    else:
        codes = None
    if codes is None:
        raise ImportFileError(f"“{name}” is not a REFI-QDA codebook: it has no codes.")
    return read_codes(codes)


def parse_xml(data: bytes, name: str) -> Element:
    """The root element of XML bytes (``name`` is used in messages).

    Raises :class:`ImportFileError` for XML that declares entities or a document type (refused
    for safety) and for XML that is not well-formed.
    """
    try:
        root: Element = fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise ImportFileError(
            f"“{name}” declares entities or a document type, which Tillit refuses for safety."
        ) from exc
    except ParseError as exc:
        raise ImportFileError(f"“{name}” is not well-formed XML ({exc}).") from exc
    return root


def read_codes(codes: Element) -> list[QdcCode]:
    """The tree of ``Code`` elements under a ``Codes`` element, each GUID made unique."""
    seen: set[str] = set()
    return [_read_code(element, seen) for element in codes if _local(element.tag) == "Code"]


def _read_code(element: Element, seen: set[str]) -> QdcCode:
    guid = normalise_guid(element.get("guid", ""))
    if guid is None or guid in seen:  # missing, malformed or repeated: give it its own
        guid = str(uuid_module.uuid4())
    seen.add(guid)
    color_match = _COLOR.match(element.get("color", "").strip())
    description = _child(element, "Description")
    return QdcCode(
        guid=guid,
        name=" ".join((element.get("name") or "").split()) or "Unnamed code",
        codable=element.get("isCodable", "true").strip().lower() not in {"false", "0"},
        color=_six_digits(color_match.group(1)) if color_match else None,
        description=(description.text or "").strip() if description is not None else "",
        children=[_read_code(child, seen) for child in element if _local(child.tag) == "Code"],
        notes=[
            note
            for child in element
            if _local(child.tag) == "NoteRef"
            and (note := normalise_guid(child.get("targetGUID", ""))) is not None
        ],
    )


def _six_digits(color: str) -> str:
    return "#" + (color if len(color) == 6 else "".join(digit * 2 for digit in color)).lower()


def normalise_guid(text: str) -> str | None:
    """A GUID in Tillit's form (lower case, no braces), or ``None`` if it is not one."""
    match = _GUID.match(text.strip())
    return match.group(1).lower() if match else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)
