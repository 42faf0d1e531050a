"""REFI-QDA codebooks (``.qdc``): reading leniently and safely, writing what the schema says."""

from __future__ import annotations

import os
import re
import uuid as uuid_module
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

from storage.errors import ImportFileError
from storage.formats.input_file import MIB, read_input
from storage.formats.safe_xml import parse_xml as parse_safe_xml
from storage.staging import remove_stale, staging_path

NAMESPACE = "urn:QDA-XML:codebook:1.0"
PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"

#: How deep codes may nest. Real codebooks have a handful of levels; every walk of the tree
#: (merge, review, export, the code tree on screen) stays far from Python's recursion limit.
MAX_CODE_DEPTH = 128
_GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
_COLOR = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")  # "#f00" is "#ff0000"
_LIMIT = 50 * MIB  # a codebook is text: anything bigger is not one
# Elements around the codes: Project, CodeBook, Codes, and Description or NoteRef in a code.
_AROUND_CODES = 8


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


@dataclass
class QdcCodebook:
    """The codes of a codebook file, as a tree, with ``warnings``: sentences about what was
    read leniently (another namespace) or left out (code groups)."""

    codes: list[QdcCode]
    warnings: list[str] = field(default_factory=list)


def write_qdc(path: Path, codes: list[QdcCode], origin: str = "Tillit") -> None:
    """Write a codebook; the file appears whole or not at all. Raises ``OSError``."""
    root = Element("CodeBook", {"xmlns": NAMESPACE, "origin": origin})
    holder = ElementTree.SubElement(root, "Codes")
    for code in codes:
        write_code(holder, code)
    ElementTree.indent(root)
    remove_stale(path.parent)
    partial = staging_path(path)
    try:
        ElementTree.ElementTree(root).write(partial, encoding="utf-8", xml_declaration=True)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


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


def read_qdc(path: Path) -> QdcCodebook:
    """The codes of a ``.qdc`` file, as a tree.

    Lenient with what real programs write: any namespace version (or none, with a warning),
    upper-case or braced GUIDs, missing colours and ``isCodable``. Strict with what is unsafe or
    broken: only a regular file of at most 50 MB is read, DTDs and entities are refused, and so
    is a file that is not a codebook or nests codes deeper than :data:`MAX_CODE_DEPTH`. Every
    failure is an :class:`ImportFileError` naming the file.
    """
    return parse_codebook(read_input(path, _LIMIT, "codebooks"), path.name)


def parse_codebook(data: bytes, name: str) -> QdcCodebook:
    """The codes of a codebook given as XML bytes: a ``.qdc`` or a project's ``project.qde``
    (``name`` is the file's, used in messages)."""
    root = parse_xml(data, name)
    sets: Element | None = None
    if _local(root.tag) == "CodeBook":
        codes = _child(root, "Codes")
        sets = _child(root, "Sets")
        expected, what = NAMESPACE, "codebook"
    elif _local(root.tag) == "Project":
        expected, what = PROJECT_NAMESPACE, "project"
        sets = _child(root, "Sets")
        codebook = _child(root, "CodeBook")
        if codebook is None:  # a project without codes (ATLAS.ti writes these)
            return QdcCodebook([], _warnings(root, expected, what, name, None))
        codes = _child(codebook, "Codes")
    else:
        codes = None
    if codes is None:
        raise ImportFileError(f"“{name}” is not a REFI-QDA codebook: it has no codes.")
    return QdcCodebook(read_codes(codes, name), _warnings(root, expected, what, name, sets))


def parse_xml(data: bytes, name: str) -> Element:
    """The root element of a REFI-QDA file's XML bytes (``name`` is used in messages).

    Raises :class:`ImportFileError` for XML that declares entities or a document type (refused
    for safety), that names an encoding Tillit cannot read, that nests codes deeper than
    :data:`MAX_CODE_DEPTH`, that holds more elements than any project, or that is not
    well-formed.
    """
    return parse_safe_xml(
        data,
        name,
        max_depth=MAX_CODE_DEPTH + _AROUND_CODES,
        too_deep=too_deep(name),
    )


def too_deep(name: str) -> str:
    """The refusal of a file whose codes nest deeper than :data:`MAX_CODE_DEPTH`."""
    return (
        f"“{name}” nests codes more than {MAX_CODE_DEPTH} levels deep; "
        f"Tillit reads codebooks up to {MAX_CODE_DEPTH} levels deep."
    )


def namespace_warning(root: Element, expected: str, what: str, name: str) -> str | None:
    """A sentence when ``root`` is not in the REFI-QDA namespace ``expected``, else ``None``."""
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else None
    if namespace == expected:
        return None
    if namespace is None:
        return (
            f"“{name}” declares no namespace, so it may not be a REFI-QDA {what}; Tillit read "
            "what it recognised, so check what came in."
        )
    return (
        f"“{name}” is in the namespace “{namespace}”, not REFI-QDA's “{expected}”; Tillit read "
        "what it recognised, so check what came in."
    )


def _warnings(
    root: Element, expected: str, what: str, name: str, sets: Element | None
) -> list[str]:
    warnings = [found] if (found := namespace_warning(root, expected, what, name)) else []
    groups = (
        0
        if sets is None
        else sum(
            1
            for one in sets
            if _local(one.tag) == "Set" and any(_local(m.tag) == "MemberCode" for m in one)
        )
    )
    if groups:
        one = groups == 1
        warnings.append(
            f"“{name}” has {groups:,} code group{'' if one else 's'} (Sets), which Tillit does "
            f"not hold; {'it was' if one else 'they were'} left out, and the codes in "
            f"{'it' if one else 'them'} are read like any other."
        )
    return warnings


def read_codes(codes: Element, name: str) -> list[QdcCode]:
    """The tree of ``Code`` elements under a ``Codes`` element, each GUID made unique.

    Walked without recursion, parents before children as the file has them; raises
    :class:`ImportFileError` when codes nest deeper than :data:`MAX_CODE_DEPTH` (``name`` is
    the file's, for the message).
    """
    seen: set[str] = set()
    roots: list[QdcCode] = []
    stack = [(element, roots, 1) for element in reversed(_codes(codes))]
    while stack:
        element, siblings, depth = stack.pop()
        if depth > MAX_CODE_DEPTH:
            raise ImportFileError(too_deep(name))
        code = _read_code(element, seen)
        siblings.append(code)
        stack.extend((child, code.children, depth + 1) for child in reversed(_codes(element)))
    return roots


def _codes(element: Element) -> list[Element]:
    return [child for child in element if _local(child.tag) == "Code"]


def _read_code(element: Element, seen: set[str]) -> QdcCode:
    """The code of ``element`` without its children, which :func:`read_codes` adds."""
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
