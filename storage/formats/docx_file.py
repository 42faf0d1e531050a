"""Reading .docx transcripts: body paragraphs and tables in order, without headers or notes."""

from __future__ import annotations

import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Final

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from storage.errors import ImportFileError
from storage.formats.input_file import open_input, os_error
from storage.formats.parsed import ParsedDocument
from storage.formats.speakers import transcript_row
from storage.formats.text_file import document_from_paragraphs, quoted
from storage.formats.zip_reader import ZipReader, package_head

_W: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC: Final = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _TBL, _TR, _TC = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_SDT, _SDT_CONTENT, _CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
_T: Final = f"{_W}t"
_TABS: Final = frozenset({f"{_W}tab", f"{_W}ptab"})
_BREAKS: Final = frozenset({f"{_W}br", f"{_W}cr"})
_HYPHEN: Final = f"{_W}noBreakHyphen"
# Subtrees with no transcript text: properties, tracked deletions, text boxes and drawings
# (whose mc:AlternateContent repeats the same text twice), field codes.
_SKIPPED: Final = frozenset(
    {
        f"{_W}pPr",
        f"{_W}rPr",
        f"{_W}del",
        f"{_W}moveFrom",
        f"{_W}drawing",
        f"{_W}pict",
        f"{_W}object",
        f"{_MC}AlternateContent",
        f"{_W}instrText",
        f"{_W}delText",
    }
)
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What python-docx, zipfile and lxml raise for a file that is not a sound Word package: not a
# zip, a missing part or relationship, broken XML, a wrong content type (ValueError), a damaged
# or encrypted zip member, or a compression method zipfile lacks. The package was read within
# bounds before python-docx opens it, so these are the rest. python-docx also reaches for
# attributes of the elements it expects (AttributeError, TypeError) when a part's XML is in
# another namespace than Word's.
_DAMAGED: Final = (
    PackageNotFoundError,
    AttributeError,
    TypeError,
    zipfile.BadZipFile,
    KeyError,
    etree.XMLSyntaxError,
    ValueError,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
)


def read_docx(path: Path) -> ParsedDocument:
    """Read a Word (.docx) transcript: body paragraphs and table cells, in document order.

    Headers, footers, footnotes, comments, text boxes and deleted tracked changes are left out.
    Soft line breaks stay as ``\\n`` inside their paragraph's unit.
    Raises ImportFileError when the file cannot be read, is damaged, encrypted, a zip bomb,
    too large or holds no text.
    """
    with open_input(path) as stream:
        try:
            _check_package(path, stream)
        except OSError as exc:  # a file that cannot be read (/proc/self/mem, a failing disk)
            raise os_error(path, exc) from exc
        try:
            body = _body(docx.Document(stream).element)
            paragraphs = list(_block_lines(body))
        except _DAMAGED as exc:
            raise _damaged(path) from exc
    if body is None:
        raise _damaged(path)
    return document_from_paragraphs(path, paragraphs, "docx")


def _check_package(path: Path, stream: BinaryIO) -> None:
    """Refuse what python-docx should not be handed: an empty file, an old or protected Word
    file, and a package that is damaged or unbounded (every part read once within bounds,
    its XML checked for depth and size); leaves ``stream`` at its start."""
    head = package_head(path, stream, "Word documents")
    if head.startswith(_OLE_MAGIC):
        # Password-protected .docx files are OLE containers too, like old .doc files.
        raise ImportFileError(
            f"{quoted(path)} is an old Word file (.doc) or is protected by a password; "
            "open it in Word, save it as an unprotected .docx and import that."
        )
    stream.seek(0)
    damaged = str(_damaged(path))
    name = unicodedata.normalize("NFC", path.name)
    with ZipReader(stream, name, not_zip=damaged, damaged=damaged) as package:
        package.verify(is_xml=lambda entry: entry.lower().endswith((".xml", ".rels")))
    stream.seek(0)


def _damaged(path: Path) -> ImportFileError:
    return ImportFileError(
        f"{quoted(path)} cannot be read as a Word document: "
        "the file is damaged or is another kind of file."
    )


def _body(root: Any) -> Any:
    """The w:body of the main document part, or None when the part is not a Word document."""
    if root.tag != f"{_W}document":
        return None
    return root.find(f"{_W}body")


def _block_lines(container: Any) -> Iterator[str]:
    """Each paragraph's text, and each table row's lines, in the container's order."""
    if container is None:
        return
    for element in _blocks(container):
        if element.tag == _P:
            yield _paragraph_text(element)
        else:
            for row in _children(element, _TR):
                cells = [
                    [line for line in _block_lines(cell) if line.strip()]
                    for cell in _children(row, _TC)
                ]
                yield from transcript_row(cells)


def _blocks(container: Any) -> Iterator[Any]:
    """The w:p and w:tbl elements of a body or cell, looking inside content controls."""
    for child in container:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)
        elif child.tag == _CUSTOM_XML:
            yield from _blocks(child)


def _children(container: Any, tag: str) -> Iterator[Any]:
    """Children with ``tag``, also those wrapped in content controls or custom XML."""
    for child in container:
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == _CUSTOM_XML:
            yield from _children(child, tag)


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    _collect(paragraph, parts)
    return "".join(parts)


def _collect(element: Any, parts: list[str]) -> None:
    # Walks runs inside hyperlinks, tracked insertions, fields and content controls, which
    # python-docx's Paragraph.text skips.
    for child in element:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag in _BREAKS:
            parts.append("\n")
        elif tag in _TABS:
            parts.append("\t")
        elif tag == _HYPHEN:
            parts.append("-")
        elif tag not in _SKIPPED and isinstance(tag, str):
            _collect(child, parts)
