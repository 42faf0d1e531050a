"""Reading .odt transcripts: the paragraphs, lists and tables of content.xml, in order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Final
from xml.etree.ElementTree import Element

from storage.errors import ImportFileError
from storage.formats.input_file import open_input
from storage.formats.parsed import ParsedDocument
from storage.formats.safe_xml import MAX_DEPTH, parse_xml
from storage.formats.speakers import transcript_row
from storage.formats.text_file import document_from_paragraphs, quoted
from storage.formats.zip_reader import ZipReader, package_head

_OFFICE: Final = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT: Final = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE: Final = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_PARAGRAPHS: Final = frozenset({f"{_TEXT}p", f"{_TEXT}h"})
# Containers whose children are read as blocks in order.
_CONTAINERS: Final = frozenset(
    {
        f"{_TEXT}section",
        f"{_TEXT}list",
        f"{_TEXT}list-item",
        f"{_TEXT}list-header",
        f"{_TEXT}numbered-paragraph",
    }
)
_ROW_GROUPS: Final = frozenset(
    {f"{_TABLE}table-header-rows", f"{_TABLE}table-rows", f"{_TABLE}table-row-group"}
)
# Inline elements without transcript text: footnotes and endnotes, comments, frames (text
# boxes, images), tracked-change marks and ruby annotations.
_SKIPPED_INLINE: Final = frozenset(
    {
        f"{_TEXT}note",
        f"{_OFFICE}annotation",
        "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}frame",
        "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}a",
        f"{_TEXT}change",
        f"{_TEXT}ruby-text",
    }
)
_COLLAPSIBLE: Final = re.compile(r"[ \t\r\n]+")


def read_odt(path: Path) -> ParsedDocument:
    """Read an OpenDocument text (.odt) transcript: paragraphs, headings, lists and tables.

    Headers and footers (in styles.xml), notes, comments, text boxes and tracked deletions are
    left out; line breaks stay as ``\\n`` inside their paragraph's unit.
    Raises ImportFileError when the file cannot be read, is damaged, encrypted, a zip bomb,
    too large, nested deeper than any document, or holds no text.
    """
    damaged = str(_damaged(path))
    name = unicodedata.normalize("NFC", path.name)
    with open_input(path) as stream:
        package_head(path, stream, "OpenDocument texts")
        stream.seek(0)
        with ZipReader(stream, name, not_zip=damaged, damaged=damaged) as package:
            content = package.read("content.xml")
    root = parse_xml(
        content,
        name,
        damaged=damaged,
        unsafe=damaged,
        too_deep=f"{quoted(path)} nests its text more than {MAX_DEPTH} levels deep, which no "
        "document does; it is damaged or was made to break programs that read it.",
    )
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise _damaged(path)
    return document_from_paragraphs(path, _block_lines(body), "odt")


def _damaged(path: Path) -> ImportFileError:
    return ImportFileError(
        f"{quoted(path)} cannot be read as an OpenDocument text: "
        "the file is damaged or is another kind of file."
    )


def _block_lines(container: Element) -> Iterator[str]:
    """Each paragraph's text, and each table row's lines, in document order."""
    for child in container:
        if child.tag in _PARAGRAPHS:
            yield _paragraph_text(child)
        elif child.tag in _CONTAINERS:
            yield from _block_lines(child)
        elif child.tag == f"{_TABLE}table":
            for row in _rows(child):
                cells = [
                    [line for line in _block_lines(cell) if line.strip()]
                    for cell in row
                    if cell.tag == f"{_TABLE}table-cell"
                ]
                yield from transcript_row(cells)


def _rows(table: Element) -> Iterator[Element]:
    for child in table:
        if child.tag == f"{_TABLE}table-row":
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _paragraph_text(paragraph: Element) -> str:
    """The text of a text:p or text:h, with ODF's white-space rules applied."""
    builder = _TextBuilder()
    builder.collect(paragraph)
    return "".join(builder.parts)


class _TextBuilder:
    """Paragraph text under ODF's rules: runs of spaces, tabs and newlines in the XML count as
    one space, dropped after another such space; text:s, text:tab and text:line-break stand
    for literal ones."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._after_space = True  # white space at the start of a paragraph is ignored

    def collect(self, element: Element) -> None:
        self._add(element.text)
        for child in element:
            tag = child.tag
            if tag == f"{_TEXT}s":
                count = child.get(f"{_TEXT}c", "1")
                self._literal(" " * (min(int(count), 100) if _is_count(count) else 1))
            elif tag == f"{_TEXT}tab":
                self._literal("\t")
            elif tag == f"{_TEXT}line-break":
                self._literal("\n")
            elif tag not in _SKIPPED_INLINE:
                self.collect(child)
            self._add(child.tail)

    def _literal(self, text: str) -> None:
        self.parts.append(text)
        self._after_space = False

    def _add(self, text: str | None) -> None:
        if not text:
            return
        text = _COLLAPSIBLE.sub(" ", text)
        if self._after_space and text.startswith(" "):
            text = text[1:]
        if text:
            self.parts.append(text)
            self._after_space = text.endswith(" ")


def _is_count(value: str) -> bool:
    """Whether ``value`` is a count in ASCII digits ("²" is a digit to ``str.isdigit``)."""
    return value.isascii() and value.isdigit()
