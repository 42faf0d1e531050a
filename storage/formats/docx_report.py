"""Writing reports to Word (.docx): headings, quotes, tables, and named styles to restyle them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Final

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor
from docx.styles.styles import Styles
from lxml import etree

from storage.formats.staged_file import staged_write

_W: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE: Final = "{http://www.w3.org/XML/1998/namespace}space"
_VAL: Final = f"{_W}val"
# Characters XML 1.0 cannot hold; a transcript rarely has them, a Word file must not.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BREAKS: Final = re.compile("([\n\t])")

#: Word's language tags for the languages of Tillit's documents (spelling and hyphenation).
WORD_LANGUAGES: Final = {"nb": "nb-NO", "nn": "nn-NO", "da": "da-DK", "sv": "sv-SE", "en": "en-GB"}

#: The width of the text on an A4 page with the margins of a report, in millimetres.
TEXT_WIDTH_MM: Final = 160


class ParagraphStyle(Enum):
    """The paragraph styles of a report: Word's own, and Tillit's named ones based on Normal."""

    NORMAL = "Normal"
    TITLE = "Title"
    QUOTE = "Quote"
    CAPTION = "Caption"
    DETAILS = "Excerpt details"  # where an excerpt comes from: document, speaker, coder, date
    DEFINITION = "Code definition"  # a code's brief definition under its heading
    MEMO = "Coding memo"  # the memo a coder wrote on a coding


#: The character style of the text around an excerpt, lighter than the excerpt itself.
CONTEXT_STYLE: Final = "Excerpt context"


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of text with one look; ``\\n`` becomes a line break, ``\\t`` a tab.

    ``context`` sets it in the :data:`CONTEXT_STYLE` character style; ``fill`` shades it with
    a colour (``#rrggbb``), as a swatch; ``language`` (``nb``, ``da``, …) tells Word which
    dictionary checks its spelling.
    """

    text: str
    bold: bool = False
    context: bool = False
    fill: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: ParagraphStyle = ParagraphStyle.NORMAL


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading in Word's built-in style of its ``level`` (1 is the top; at most 9)."""

    text: str
    level: int


#: What a table cell holds: plain text or runs.
Cell = str | tuple[Run, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A table in Word's "Table Grid" style; the first row is a bold header that repeats on
    every page, and no row is split between pages. ``widths`` are the columns' widths in
    millimetres (the rest shared evenly); ``numbers`` are the columns aligned right."""

    rows: Sequence[Sequence[Cell]]
    widths: Sequence[float] = ()
    numbers: frozenset[int] = frozenset()
    header: bool = True
    keep_together: bool = False  # on one page, with the heading above it


Block = Heading | Paragraph | Table


def write_report(path: Path, blocks: Iterable[Block], language: str = "en") -> None:
    """Write ``blocks`` to a new Word document at ``path``, replacing any file there.

    The page is A4 with page numbers in the footer; ``language`` is the default language
    of the text. The document is written beside ``path`` first and moved into place when
    complete, so that a failed or cancelled export (an exception from ``blocks``) leaves
    no half-written file and never replaces a good one.

    Raises :class:`StorageError` when the file cannot be written: a folder that is not
    there, no permission, the file open in another program, a full disk.
    """
    with staged_write(path) as stream:
        document = docx.Document()
        writer = _Writer(document, language)
        for block in blocks:
            writer.add(block)
        writer.finish()
        document.save(stream)


class _Writer:
    """Appends blocks to a document's body as raw WordprocessingML, with style ids resolved
    once. python-docx's ``add_paragraph``/``add_run`` resolve the style at each call and build
    through its proxies: 3 ms for a quote of two runs, a minute for 10,000 excerpts, where
    this takes about a second."""

    def __init__(self, document: Any, language: str) -> None:
        self._body = document.element.body
        self._end = self._body[-1]  # w:sectPr stays last
        styles = document.styles
        _define_styles(styles, language)
        self._styles = {style: styles[style.value].style_id for style in ParagraphStyle}
        self._headings = [styles[f"Heading {level}"].style_id for level in range(1, 10)]
        self._context = styles[CONTEXT_STYLE].style_id
        self._table = styles["Table Grid"].style_id
        self._language = language
        _set_page(document)

    def add(self, block: Block) -> None:
        if isinstance(block, Heading):
            style = self._headings[min(max(block.level, 1), 9) - 1]
            self._end.addprevious(self._paragraph(style, (Run(block.text),)))
        elif isinstance(block, Paragraph):
            self._end.addprevious(self._paragraph(self._styles[block.style], block.runs))
        else:
            self._end.addprevious(self._table_of(block))

    def finish(self) -> None:
        """Word wants a paragraph after a table that ends the document."""
        previous = self._end.getprevious()
        if previous is not None and previous.tag == f"{_W}tbl":
            self._end.addprevious(self._paragraph(self._styles[ParagraphStyle.NORMAL], ()))

    def _paragraph(
        self, style_id: str, runs: Iterable[Run], align: str | None = None, *, keep: bool = False
    ) -> etree._Element:
        p = etree.Element(f"{_W}p")
        properties = etree.SubElement(p, f"{_W}pPr")
        etree.SubElement(properties, f"{_W}pStyle").set(_VAL, style_id)
        if keep:  # Word keeps a table's rows together through their paragraphs
            etree.SubElement(properties, f"{_W}keepNext")
        if align is not None:
            etree.SubElement(properties, f"{_W}jc").set(_VAL, align)
        for run in runs:
            if run.text:
                self._run(p, run)
        return p

    def _run(self, parent: etree._Element, run: Run) -> None:
        r = etree.SubElement(parent, f"{_W}r")
        language = run.language if run.language != self._language else None
        if run.context or run.bold or run.fill or language:
            properties = etree.SubElement(r, f"{_W}rPr")
            if run.context:  # the schema's order: rStyle, b, shd, lang
                etree.SubElement(properties, f"{_W}rStyle").set(_VAL, self._context)
            if run.bold:
                etree.SubElement(properties, f"{_W}b")
            if run.fill:
                shading = etree.SubElement(properties, f"{_W}shd")
                shading.set(_VAL, "clear")
                shading.set(f"{_W}color", "auto")
                shading.set(f"{_W}fill", run.fill.lstrip("#").upper()[:6])
            if language:
                tag = WORD_LANGUAGES.get(language, language)
                etree.SubElement(properties, f"{_W}lang").set(_VAL, tag)
        text = _NOT_XML.sub("", run.text)
        if "\n" not in text and "\t" not in text:
            _text(r, text)
            return
        for piece in _BREAKS.split(text):
            if piece == "\n":
                etree.SubElement(r, f"{_W}br")
            elif piece == "\t":
                etree.SubElement(r, f"{_W}tab")
            elif piece:
                _text(r, piece)

    def _table_of(self, table: Table) -> etree._Element:
        columns = max((len(row) for row in table.rows), default=1)
        widths = _column_widths(table.widths, columns)
        tbl = etree.Element(f"{_W}tbl")
        properties = etree.SubElement(tbl, f"{_W}tblPr")
        etree.SubElement(properties, f"{_W}tblStyle").set(_VAL, self._table)
        width = etree.SubElement(properties, f"{_W}tblW")
        width.set(f"{_W}w", str(sum(widths)))
        width.set(f"{_W}type", "dxa")
        etree.SubElement(properties, f"{_W}tblLayout").set(f"{_W}type", "fixed")
        margins = etree.SubElement(properties, f"{_W}tblCellMar")
        for side in ("top", "bottom"):  # a little air between the text and the lines
            margin = etree.SubElement(margins, f"{_W}{side}")
            margin.set(f"{_W}w", "29")
            margin.set(f"{_W}type", "dxa")
        grid = etree.SubElement(tbl, f"{_W}tblGrid")
        for twips in widths:
            etree.SubElement(grid, f"{_W}gridCol").set(f"{_W}w", str(twips))
        normal = self._styles[ParagraphStyle.NORMAL]
        for index, row in enumerate(table.rows):
            tr = etree.SubElement(tbl, f"{_W}tr")
            header = table.header and index == 0
            row_properties = etree.SubElement(tr, f"{_W}trPr")
            etree.SubElement(row_properties, f"{_W}cantSplit")
            if header:
                etree.SubElement(row_properties, f"{_W}tblHeader")
            keep = table.keep_together and index < len(table.rows) - 1
            for column in range(columns):
                tc = etree.SubElement(tr, f"{_W}tc")
                cell_width = etree.SubElement(etree.SubElement(tc, f"{_W}tcPr"), f"{_W}tcW")
                cell_width.set(f"{_W}w", str(widths[column]))
                cell_width.set(f"{_W}type", "dxa")
                cell = row[column] if column < len(row) else ""
                runs = (Run(cell, bold=header),) if isinstance(cell, str) else cell
                align = "right" if column in table.numbers else None
                tc.append(self._paragraph(normal, runs, align, keep=keep))
        return tbl


def _text(r: etree._Element, text: str) -> None:
    t = etree.SubElement(r, f"{_W}t")
    t.text = text
    t.set(_XML_SPACE, "preserve")


def _column_widths(widths: Sequence[float], columns: int) -> list[int]:
    """The columns' widths in twips: those given, the rest of the text width shared."""
    given = [float(width) for width in widths[:columns]]
    rest = columns - len(given)
    if rest:
        share = max(TEXT_WIDTH_MM - sum(given), 15 * rest) / rest
        given.extend([share] * rest)
    return [round(width / 25.4 * 1440) for width in given]


def _set_page(document: Any) -> None:
    """A4 with margins of 25 mm, and the page number centred in the footer."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = etree.SubElement(footer._p, f"{_W}fldSimple")
    field.set(f"{_W}instr", "PAGE")
    _text(etree.SubElement(field, f"{_W}r"), "1")


def _define_styles(styles: Styles, language: str) -> None:
    """Tillit's named styles, and the built-in ones shaped for a report; all can be
    restyled in Word, which then changes every paragraph that uses them."""
    grey, dark = RGBColor(0x59, 0x59, 0x59), RGBColor(0x40, 0x40, 0x40)
    quote = styles["Quote"].paragraph_format
    quote.left_indent = quote.right_indent = Mm(8)
    quote.space_before, quote.space_after = Pt(10), Pt(2)
    quote.keep_with_next = True  # an excerpt stays on the page of the line that places it
    details = _new_style(styles, ParagraphStyle.DETAILS.value)
    details.font.size, details.font.color.rgb = Pt(9), grey
    details.paragraph_format.left_indent = Mm(8)
    details.paragraph_format.space_after = Pt(4)
    memo = _new_style(styles, ParagraphStyle.MEMO.value)
    memo.font.size, memo.font.color.rgb = Pt(9.5), dark
    memo.paragraph_format.left_indent = Mm(8)
    memo.paragraph_format.space_after = Pt(6)
    definition = _new_style(styles, ParagraphStyle.DEFINITION.value)
    definition.font.italic, definition.font.color.rgb = True, dark
    definition.paragraph_format.space_before = Pt(2)
    definition.paragraph_format.keep_with_next = True  # never alone under its heading
    context = _new_style(styles, CONTEXT_STYLE, WD_STYLE_TYPE.CHARACTER)
    context.font.color.rgb = RGBColor(0x8C, 0x8C, 0x8C)
    defaults = styles.element.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr/{_W}lang")
    if defaults is not None:
        defaults.set(_VAL, WORD_LANGUAGES.get(language, language))


def _new_style(styles: Styles, name: str, kind: Any = WD_STYLE_TYPE.PARAGRAPH) -> Any:
    """A style based on Normal (a character style: on the default font), shown in Word's
    style gallery so that it is restyled in one click."""
    style = styles.add_style(name, kind)  # type: ignore[no-untyped-call]
    base = "Normal" if kind == WD_STYLE_TYPE.PARAGRAPH else "Default Paragraph Font"
    style.base_style = styles[base]
    style.quick_style = True
    return style
