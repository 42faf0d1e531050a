"""Writing an annotated transcript to Word (.docx): the text in its paragraphs or speaker turns,
passages shaded, and comments anchored on exactly the passages they are about."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import docx
from docx.comments import Comment
from docx.document import Document
from docx.enum.text import WD_UNDERLINE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.comments import CT_Comment
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from storage.formats.staged_file import staged_write

#: ``[start, end)`` in code points of the text.
Span = tuple[int, int]

#: ``progress(done, total)``; returns False to cancel.
Progress = Callable[[int, int], bool]

# Characters XML 1.0 cannot hold; each becomes U+FFFD, so that positions stay where they were.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PROGRESS_EVERY = 200
# A new comment as python-docx and Word make it: a paragraph opening with its annotation mark.
_COMMENT = (
    f'<w:comment {nsdecls("w")} w:id="{{id}}" w:author="">'
    '<w:p><w:pPr><w:pStyle w:val="CommentText"/></w:pPr>'
    '<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:annotationRef/></w:r>'
    "</w:p></w:comment>"
)


@dataclass(frozen=True, slots=True)
class Shade:
    """A background colour under ``[start, end)``; ``fill`` is ``RRGGBB`` (no ``#``)."""

    start: int
    end: int
    fill: str


@dataclass(frozen=True, slots=True)
class Remark:
    """A Word comment anchored on ``[start, end)`` of the text (``start < end``).

    ``heading`` is its first line, in bold; each of ``lines`` a paragraph below it.
    """

    start: int
    end: int
    author: str
    initials: str
    heading: str
    lines: tuple[str, ...] = ()
    date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Swatch:
    """An entry of the legend: ``label`` on its ``fill`` colour, then ``note``."""

    label: str
    fill: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class AnnotatedText:
    """What an annotated transcript shows, positions in code points of ``text``.

    ``units`` are the paragraphs or speaker turns in text order: each is one Word paragraph,
    a line break inside it a line break in Word; every other ``\\n`` of the text separates
    Word paragraphs (a blank line is an empty paragraph). ``bold``, ``shades`` and
    ``underlined`` are in text order and do not overlap. Between the title and the text come
    the ``subtitle``, the ``notes`` in small print, and the ``legend`` under its title.
    """

    title: str
    text: str
    units: Sequence[Span]
    subtitle: str = ""
    notes: Sequence[str] = ()
    legend_title: str = ""
    legend: Sequence[Swatch] = ()
    bold: Sequence[Span] = ()
    shades: Sequence[Shade] = ()
    underlined: Sequence[Span] = ()
    remarks: Sequence[Remark] = ()


def write_annotated(path: Path, content: AnnotatedText, progress: Progress | None = None) -> bool:
    """Write ``content`` to a new Word document at ``path``, replacing any file there.

    The text is split into runs at every boundary of a remark, a shade, a bold or an
    underlined span, so that each remark's ``commentRangeStart`` and ``commentRangeEnd``
    enclose exactly its passage: the text between them, with a paragraph end read as ``\\n``,
    is ``text[start:end]``. A remark that starts on a ``\\n`` between paragraphs starts on an
    empty run at the end of the first paragraph, and one that ends just after such a ``\\n``
    ends on an empty run at the start of the next, so the paragraph end lies inside it.
    Characters XML cannot hold (control characters other than tab and line feed) are written
    as U+FFFD. ``progress(done, total)`` is called as paragraphs and remarks are written;
    when it returns False nothing is written and the result is False, otherwise True.

    Raises :class:`StorageError` when the file cannot be written; the file is written beside
    ``path`` and moved into place, so a failure leaves no half-written file.
    """
    document = docx.Document()
    _set_up(document)
    _add_front(document, content)
    blocks = _blocks(content.text, content.units)
    total = len(blocks) + len(content.remarks)
    writer = _BodyWriter(document, content)
    for done, block in enumerate(blocks):
        if progress is not None and done % _PROGRESS_EVERY == 0 and not progress(done, total):
            return False
        writer.add(block)
    for done, remark in enumerate(content.remarks, start=len(blocks)):
        if progress is not None and done % _PROGRESS_EVERY == 0 and not progress(done, total):
            return False
        writer.comment(remark)
    with staged_write(path) as stream:
        document.save(stream)
    if progress is not None:
        progress(total, total)
    return True


class _BodyWriter:
    """Adds the text's paragraphs as runs cut at every boundary, then anchors the remarks."""

    def __init__(self, document: Document, content: AnnotatedText) -> None:
        self._document = document
        # python-docx's add_comment numbers a comment by reading the id of every comment
        # before it, which makes 1,500 comments take two seconds; they are numbered here.
        comments = document.comments  # creates the comments part
        self._comments = comments._comments_elm
        self._comments_part = comments._comments_part
        self._next_id = 0  # a new document has no comments yet
        self._text = content.text
        self._bold = _Lookup([(start, end, True) for start, end in content.bold])
        self._under = _Lookup([(start, end, True) for start, end in content.underlined])
        self._shade = _Lookup([(shade.start, shade.end, shade.fill) for shade in content.shades])
        self._remark_starts = {remark.start for remark in content.remarks}
        self._remark_ends = {remark.end for remark in content.remarks}
        cuts = {*self._remark_starts, *self._remark_ends}
        for spans in (content.bold, content.underlined):
            cuts.update(position for span in spans for position in span)
        cuts.update(position for shade in content.shades for position in (shade.start, shade.end))
        self._cuts = sorted(cuts)
        self._starting: dict[int, Run] = {}  # the run a remark starting here starts on
        self._ending: dict[int, Run] = {}  # the run a remark ending here ends on

    def add(self, block: Span) -> None:
        """One Word paragraph for ``text[start:end]``, with empty runs to anchor on its ends."""
        start, end = block
        paragraph = self._document.add_paragraph()
        if start in self._remark_ends and start > 0:  # a remark ends on the "\n" before
            self._ending[start] = paragraph.add_run()
        first = bisect.bisect_right(self._cuts, start)
        last = bisect.bisect_left(self._cuts, end)
        bounds = [start, *self._cuts[first:last], end]
        for piece_start, piece_end in itertools.pairwise(bounds):
            if piece_start < piece_end:
                run = self._run(paragraph, piece_start, piece_end)
                self._starting[piece_start] = run
                self._ending[piece_end] = run
        if end in self._remark_starts:  # a remark starts on the "\n" after
            self._starting[end] = paragraph.add_run()

    def comment(self, remark: Remark) -> None:
        """Add the remark as a comment whose range starts on the first run of its passage and
        ends on the last, in whichever paragraphs they are."""
        comment_id = self._next_id
        self._next_id += 1
        element = cast(CT_Comment, parse_xml(_COMMENT.format(id=comment_id)))
        self._comments.append(element)
        comment = Comment(element, self._comments_part)
        comment.author = _xml_safe(remark.author)
        comment.initials = _xml_safe(remark.initials)
        element.date = remark.date or datetime.now(UTC).replace(tzinfo=None)
        comment.paragraphs[0].add_run(_xml_safe(remark.heading)).bold = True
        for line in remark.lines:
            comment.add_paragraph(_xml_safe(line))
        self._starting[remark.start].mark_comment_range(self._ending[remark.end], comment_id)

    def _run(self, paragraph: Paragraph, start: int, end: int) -> Run:
        run = paragraph.add_run(_xml_safe(self._text[start:end]))
        if self._bold.at(start):
            run.bold = True
        if self._under.at(start):
            run.underline = WD_UNDERLINE.DOTTED
        fill = self._shade.at(start)
        if isinstance(fill, str):
            _shade(run, fill)
        return run


class _Lookup:
    """What covers a position, among spans in text order that do not overlap."""

    def __init__(self, spans: list[tuple[int, int, str | bool]]) -> None:
        self._starts = [start for start, _, _ in spans]
        self._spans = spans

    def at(self, position: int) -> str | bool:
        index = bisect.bisect_right(self._starts, position) - 1
        if index >= 0 and self._spans[index][1] > position:
            return self._spans[index][2]
        return False


def _blocks(text: str, units: Sequence[Span]) -> list[Span]:
    """The Word paragraphs: ``text`` cut at every ``\\n`` that lies outside the units."""
    blocks: list[Span] = []
    ordered = sorted(units)
    start, index = 0, 0
    position = text.find("\n")
    while position >= 0:
        while index < len(ordered) and ordered[index][1] <= position:
            index += 1
        if index < len(ordered) and ordered[index][0] <= position:  # a line break in a unit
            position = text.find("\n", ordered[index][1])
            continue
        blocks.append((start, position))
        start = position + 1
        position = text.find("\n", start)
    blocks.append((start, len(text)))
    return blocks


def _set_up(document: Document) -> None:
    """A4 with 2.5 cm margins, 11 pt text with a little space after each paragraph."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(4)


def _add_front(document: Document, content: AnnotatedText) -> None:
    """The title, the subtitle, the notes and the legend, before the text."""
    document.add_heading(_xml_safe(content.title), level=1)
    if content.subtitle:
        document.add_paragraph(_xml_safe(content.subtitle), style="Subtitle")
    for note in content.notes:
        run = document.add_paragraph().add_run(_xml_safe(note))
        run.italic = True
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    if not content.legend:
        return
    if content.legend_title:
        document.add_heading(_xml_safe(content.legend_title), level=2)
    paragraph = document.add_paragraph()  # one paragraph: a codebook of 80 codes fits
    paragraph.paragraph_format.space_after = Pt(12)
    for index, swatch in enumerate(content.legend):
        if index:
            paragraph.add_run("   ")
        label = paragraph.add_run(_xml_safe(swatch.label).replace(" ", "\u00a0"))  # unbroken
        label.font.size = Pt(9)
        _shade(label, swatch.fill)
        if swatch.note:
            paragraph.add_run(_xml_safe(f"\u00a0{swatch.note}")).font.size = Pt(9)


def _shade(run: Run, fill: str) -> None:
    """Put ``fill`` behind the run's text; set bold and underline first (``w:shd`` follows
    them in a run's properties)."""
    attrs = {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill}
    run._r.get_or_add_rPr().append(OxmlElement("w:shd", attrs=attrs))


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
