"""Reports for the article: the excerpts coded with each code, under the code tree, and the
codebook as an appendix, both as Word documents.

What a report holds, and in what order, is decided here; ``storage.formats.docx_report``
only writes the blocks. Headings follow the levels of the code tree in Word's built-in
"Heading 1" to "Heading 9", excerpts are in Word's "Quote" style, and Tillit's own styles
("Excerpt details", "Excerpt context", "Code definition", "Coding memo") are named, so that a
researcher restyles a whole report by changing a style.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from coding.codebook_exchange import HEADINGS
from coding.errors import ExportCancelledError
from coding.project import PATH_SEPARATOR, Project, code_paths
from coding.queries import CodeNode, tree_of, walk
from coding.retrieval import QueryFilter, value_label
from storage.formats.docx_report import (
    TEXT_WIDTH_MM,
    Block,
    Cell,
    Heading,
    Paragraph,
    ParagraphStyle,
    Run,
    Table,
    write_report,
)
from storage.records import DocumentSummary, ParagraphRecord
from storage.repositories.codes import DEFINITION_FIELDS
from storage.store import Tx

__all__ = [
    "ExportCancelledError",
    "Progress",
    "ReportOptions",
    "count_excerpts",
    "export_codebook_docx",
    "export_excerpts",
]

#: ``progress(excerpts_written, excerpts)``; returns False to cancel.
Progress = Callable[[int, int], bool]

#: Code points of context kept on each side of an excerpt, within its speaker turn.
CONTEXT_WINDOW = 300

#: Up to this many documents, the summary table has a column for each document.
MATRIX_DOCUMENTS = 6

_PROGRESS_STEP = 100  # excerpts between two calls of ``progress``
_SENTENCE_START = re.compile(r"[.!?…][»”\"')\]]*\s+")
_SENTENCE_END = re.compile(r"[.!?…][»”\"')\]]*(?=\s)")
_INDENT = "\u2003"  # an em space per level of the tree in the summary table
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEADER_NAME = 10  # longer document names are numbered in the summary table's header


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What a coded excerpts report holds.

    ``code_ids`` are the codes to report (``None``: every code), each with its subcodes
    when ``include_children``; ``filters`` narrows the codings to documents, cases,
    attribute values and coders. ``context`` adds the rest of the speaker turn around each
    excerpt (the sentences within :data:`CONTEXT_WINDOW` code points on either side) in a
    lighter style; ``summary_table`` starts the report with the number of excerpts per code
    and document; ``title`` replaces "Coded excerpts – PROJECT".
    """

    code_ids: tuple[int, ...] | None = None
    include_children: bool = True
    filters: QueryFilter = field(default_factory=QueryFilter)
    context: bool = False
    summary_table: bool = False
    title: str | None = None


@dataclass(frozen=True, slots=True)
class _Excerpt:
    """A coding as the report shows it."""

    text: str
    before: str
    after: str
    document: DocumentSummary
    paragraphs: tuple[int, int]  # the first and last, counted from 1
    speakers: tuple[str, ...]
    coder: str
    made: datetime  # naive UTC
    memo: str


@dataclass(frozen=True, slots=True)
class _Contents:
    """Everything a report shows, read in one consistent read."""

    project: str
    language: str
    tree: list[CodeNode]
    excerpts: dict[int, list[_Excerpt]]  # by code, in document list order and text order
    shown: set[int]  # codes with excerpts, and the codes above them
    documents: list[DocumentSummary]  # with excerpts, in list order
    narrowed: list[tuple[str, str]]  # what the options narrow the report to, as (label, value)

    @property
    def total(self) -> int:
        return sum(len(excerpts) for excerpts in self.excerpts.values())


def count_excerpts(project: Project, options: ReportOptions) -> int:
    """How many excerpts :func:`export_excerpts` would write with ``options``; quick enough
    to follow every change of the options (one count in SQL: 10-25 ms over 50,000 codings).

    Raises :class:`NotFoundError` for a code no longer in the codebook.
    """
    with project.read() as tx:
        return tx.retrieval.count(_selected_codes(tx, options), options.filters)


def export_excerpts(
    project: Project, options: ReportOptions, path: Path, progress: Progress | None = None
) -> int:
    """Write the coded excerpts report to the Word document ``path``; returns how many
    excerpts it holds (an excerpt coded with a code and with its subcode is in it twice).

    Codes come in tree order, each under a heading of its level with its brief definition;
    codes without excerpts are left out, the codes above those with excerpts are kept.
    Under a code, excerpts come in the documents' list order, then in text order, each
    with its document, paragraph numbers, speakers, coder, the date it was coded and its
    memo. ``progress`` is called every hundred excerpts; when it returns False the export
    stops with :class:`ExportCancelledError`. The file is written whole or not at all: a
    failed or cancelled export leaves any earlier file at ``path`` as it was.

    Raises :class:`StorageError` when the file cannot be written and
    :class:`NotFoundError` for a code no longer in the codebook.
    """
    contents = _read_contents(project, options)
    write_report(path, _report_blocks(contents, options, progress), contents.language)
    return contents.total


def export_codebook_docx(project: Project, path: Path) -> int:
    """Write the codebook to the Word document ``path`` as a journal's appendix; returns
    how many codes it holds.

    Each code, in tree order, has a heading of its level (folders too) and a table with
    its second-language name, its colour (a swatch and the hex value) and the five fields
    of the codebook. Raises :class:`StorageError` when the file cannot be written.
    """
    with project.read() as tx:
        info, codes = tx.project.get(), tx.codes.all()
    write_report(path, _codebook_blocks(info.name, tree_of(codes), len(codes)), info.language)
    return len(codes)


# --- what a report holds ----------------------------------------------------------------


def _selected_codes(tx: Tx, options: ReportOptions) -> list[int]:
    """The codes whose codings the report shows, checked to exist."""
    if options.code_ids is None:
        return [code.id for code in tx.codes.all()]
    for code_id in options.code_ids:
        tx.codes.get(code_id)  # raises NotFoundError
    if not options.include_children or not options.code_ids:
        return list(dict.fromkeys(options.code_ids))
    return list(dict.fromkeys(tx.codes.subtree_ids(*options.code_ids)))


def _read_contents(project: Project, options: ReportOptions) -> _Contents:
    with project.read() as tx:
        info = tx.project.get()
        codes = tx.codes.all()
        selected = _selected_codes(tx, options)
        hits = tx.retrieval.codings(selected, options.filters)
        notes = tx.retrieval.notes(selected, options.filters)
        coders = {coder.id: coder.name for coder in tx.coders.all()}
        documents = tx.documents.summaries({hit.document_id for hit in hits}) if hits else []
        texts = {document.id: tx.documents.text(document.id) for document in documents}
        turns = tx.documents.paragraphs_by_document(list(texts))
        narrowed = _narrowed(tx, options, code_paths(codes))
    place = {document.id: index for index, document in enumerate(documents)}
    by_id = {document.id: document for document in documents}
    starts = {document_id: [turn.start for turn in units] for document_id, units in turns.items()}
    excerpts: dict[int, list[_Excerpt]] = {}
    for hit in sorted(hits, key=lambda h: (place[h.document_id], h.start, h.end, h.id)):
        text = texts[hit.document_id]
        units = turns.get(hit.document_id, [])
        first, last = _turns_of(starts.get(hit.document_id, []), hit.start, hit.end)
        made, memo = notes[hit.id]
        before = after = ""
        if options.context and units:
            before = _lead(text[units[first].start : hit.start])
            after = _trail(text[hit.end : max(units[last].end, hit.end)])
        excerpts.setdefault(hit.code_id, []).append(
            _Excerpt(
                text[hit.start : hit.end],
                before,
                after,
                by_id[hit.document_id],
                (units[first].position + 1, units[last].position + 1) if units else (0, 0),
                _speakers(units[first : last + 1]),
                coders.get(hit.coder_id, ""),
                made,
                memo,
            )
        )
    parents = {code.id: code.parent_id for code in codes}
    shown: set[int] = set()
    for code_id in excerpts:
        at: int | None = code_id
        while at is not None and at not in shown:
            shown.add(at)
            at = parents.get(at)
    return _Contents(info.name, info.language, tree_of(codes), excerpts, shown, documents, narrowed)


def _turns_of(starts: list[int], start: int, end: int) -> tuple[int, int]:
    """The indexes of the first and last paragraph (or speaker turn) a span lies in."""
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    return first, max(bisect.bisect_left(starts, end) - 1, first)


def _speakers(units: Sequence[ParagraphRecord]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(unit.speaker for unit in units if unit.speaker))


def _lead(text: str) -> str:
    """The text of the turn before an excerpt, from a sentence's start within the window."""
    if len(text) <= CONTEXT_WINDOW:
        return text
    window = text[-CONTEXT_WINDOW:]
    sentence = _SENTENCE_START.search(window)
    if sentence is not None:
        return "… " + window[sentence.end() :]
    space = window.find(" ")
    return "…" + window[space:] if space >= 0 else "…" + window


def _trail(text: str) -> str:
    """The text of the turn after an excerpt, to a sentence's end within the window."""
    if len(text) <= CONTEXT_WINDOW:
        return text
    window = text[:CONTEXT_WINDOW]
    ends = [match.end() for match in _SENTENCE_END.finditer(window)]
    if ends:
        return window[: ends[-1]] + " …"
    space = window.rfind(" ")
    return (window[:space] if space > 0 else window) + " …"


def _narrowed(tx: Tx, options: ReportOptions, paths: dict[int, str]) -> list[tuple[str, str]]:
    """What the options narrow the report to, in the researcher's words."""
    lines: list[tuple[str, str]] = []
    if options.code_ids is not None:
        codes = ", ".join(paths.get(code_id, "") for code_id in options.code_ids)
        subcodes = ", with their subcodes" if options.include_children else ""
        lines.append(("Codes", codes + subcodes))
    where = options.filters
    if where.document_ids is not None:
        documents = tx.documents.summaries(where.document_ids)
        lines.append(("Documents", ", ".join(document.name for document in documents)))
    if where.case_ids is not None:
        cases = [case.name for case in tx.cases.all() if case.id in where.case_ids]
        lines.append(("Cases", ", ".join(cases)))
    if where.attribute_values:
        names = {attribute.id: attribute.name for attribute in tx.attributes.all()}
        values: dict[int, list[str]] = {}
        for attribute_id, value in sorted(where.attribute_values, key=repr):
            values.setdefault(attribute_id, []).append(value_label(value))
        lines.append(
            (
                "Attribute values",
                "; ".join(
                    f"{names.get(attribute_id, '')} is {' or '.join(labels)}"
                    for attribute_id, labels in values.items()
                ),
            )
        )
    if where.coder_ids is not None:
        coders = [coder.name for coder in tx.coders.all() if coder.id in where.coder_ids]
        lines.append(("Coders", ", ".join(coders)))
    return lines


# --- how it reads ---------------------------------------------------------------------------


def _report_blocks(
    contents: _Contents, options: ReportOptions, progress: Progress | None
) -> Iterator[Block]:
    total = contents.total
    title = options.title or f"Coded excerpts – {contents.project}"
    yield Paragraph((Run(title),), ParagraphStyle.TITLE)
    documents = len(contents.documents)
    exported = f"exported from Tillit on {_day(date.today())}"
    found = f"{_plural(total, 'excerpt')} from {_plural(documents, 'document')}"
    yield Paragraph((Run(f"{found}, {exported}."),))
    for label, value in contents.narrowed:
        yield Paragraph((Run(f"{label}: ", bold=True), Run(value)))
    if total == 0:
        yield Paragraph((Run("No coded excerpts match these choices."),))
        return
    if options.summary_table:
        yield from _summary(contents)
    if not _going_on(progress, 0, total):
        raise ExportCancelledError
    done = 0
    for node, level in _levels(contents.tree):
        if node.code.id not in contents.shown:
            continue
        yield Heading(node.code.name, level)
        if node.code.brief_definition.strip():
            yield Paragraph((Run(node.code.brief_definition.strip()),), ParagraphStyle.DEFINITION)
        for excerpt in contents.excerpts.get(node.code.id, ()):
            yield from _excerpt_blocks(excerpt)
            done += 1
            at_step = done % _PROGRESS_STEP == 0 or done == total
            if at_step and not _going_on(progress, done, total):
                raise ExportCancelledError


def _going_on(progress: Progress | None, done: int, total: int) -> bool:
    return progress is None or progress(done, total)


def _levels(nodes: list[CodeNode]) -> Iterator[tuple[CodeNode, int]]:
    """Every node in tree order with its level in the tree (1 at the top)."""
    for node in walk(nodes):
        yield node, node.path.count(PATH_SEPARATOR) + 1  # names never hold the separator


def _excerpt_blocks(excerpt: _Excerpt) -> Iterator[Block]:
    language = excerpt.document.language
    runs = (
        Run(excerpt.before, context=True, language=language),  # empty without context
        Run(excerpt.text, language=language),
        Run(excerpt.after, context=True, language=language),
    )
    yield Paragraph(runs, ParagraphStyle.QUOTE)
    yield Paragraph(
        (Run(excerpt.document.name, bold=True), Run(_details(excerpt))), ParagraphStyle.DETAILS
    )
    if excerpt.memo.strip():
        yield Paragraph((Run("Memo: ", bold=True), Run(excerpt.memo.strip())), ParagraphStyle.MEMO)


def _details(excerpt: _Excerpt) -> str:
    """Where an excerpt comes from, after its document's name."""
    parts: list[str] = []
    first, last = excerpt.paragraphs
    if first:
        parts.append(f"paragraph {first}" if first == last else f"paragraphs {first}–{last}")
    if excerpt.speakers:
        label = "speaker" if len(excerpt.speakers) == 1 else "speakers"
        parts.append(f"{label} {', '.join(excerpt.speakers)}")
    coded = f"coded by {excerpt.coder}" if excerpt.coder else "coded"
    parts.append(f"{coded} on {_day(_local_date(excerpt.made))}")
    return "".join(f" · {part}" for part in parts)


def _local_date(made: datetime) -> date:
    return made.replace(tzinfo=UTC).astimezone().date()


def _day(day: date) -> str:
    """``22 Nov 2026``, held together on one line (an ISO date breaks at its hyphens)."""
    return f"{day.day}\u00a0{_MONTHS[day.month - 1]}\u00a0{day.year}"


def _summary(contents: _Contents) -> Iterator[Block]:
    """The number of excerpts per code and document: a column per document when there are
    few, otherwise each code's documents and excerpts, and a table of the documents."""
    documents = contents.documents
    per_code: dict[int, dict[int, int]] = {}
    for code_id, excerpts in contents.excerpts.items():
        counts = per_code.setdefault(code_id, {})
        for excerpt in excerpts:
            counts[excerpt.document.id] = counts.get(excerpt.document.id, 0) + 1
    codes = [
        (node.code.id, _INDENT * (level - 1) + node.code.name)
        for node, level in _levels(contents.tree)
        if node.code.id in contents.shown
    ]
    by_document = {document.id: 0 for document in documents}
    for counts in per_code.values():
        for document_id, n in counts.items():
            by_document[document_id] += n
    rows: list[list[Cell]]
    if len(documents) <= MATRIX_DOCUMENTS:
        yield _caption("Excerpts per code and document")
        numbered = any(len(document.name) > _HEADER_NAME for document in documents)
        heads = [str(n) if numbered else d.name for n, d in enumerate(documents, start=1)]
        rows = [["Code", *heads, "Total"]]
        for code_id, label in codes:
            counts = per_code.get(code_id, {})
            cells = [_number(counts.get(document.id, 0)) for document in documents]
            rows.append([label, *cells, _number(sum(counts.values()))])
        totals = [_number(by_document[document.id]) for document in documents]
        rows.append([_bold("All codes"), *totals, _bold(str(contents.total))])
        column = min(22, 100 / (len(documents) + 1))
        code_column = TEXT_WIDTH_MM - column * (len(documents) + 1)
        numbers = frozenset(range(1, len(documents) + 2))
        yield Table(rows, widths=(code_column,), numbers=numbers)
        if numbered:
            legend = "; ".join(f"{n} = {d.name}" for n, d in enumerate(documents, start=1))
            yield Paragraph((Run("Documents: ", bold=True), Run(legend + ".")))
        return
    yield _caption("Excerpts per code")
    rows = [["Code", "Documents", "Excerpts"]]
    for code_id, label in codes:
        counts = per_code.get(code_id, {})
        rows.append([label, _number(len(counts)), _number(sum(counts.values()))])
    rows.append([_bold("All codes"), _bold(str(len(documents))), _bold(str(contents.total))])
    yield Table(rows, widths=(100, 30, 30), numbers=frozenset({1, 2}))
    yield _caption("Excerpts per document")
    rows = [["Document", "Codes", "Excerpts"]]
    for document in documents:
        with_excerpts = sum(1 for counts in per_code.values() if document.id in counts)
        rows.append([document.name, str(with_excerpts), str(by_document[document.id])])
    yield Table(rows, widths=(100, 30, 30), numbers=frozenset({1, 2}))


def _caption(text: str) -> Paragraph:
    return Paragraph((Run(text),), ParagraphStyle.CAPTION)


def _number(n: int) -> str:
    return str(n) if n else ""


def _bold(text: str) -> tuple[Run, ...]:
    return (Run(text, bold=True),)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


# --- the codebook -------------------------------------------------------------------------


def _codebook_blocks(project: str, tree: list[CodeNode], count: int) -> Iterator[Block]:
    yield Paragraph((Run("Codebook"),), ParagraphStyle.TITLE)
    exported = f"exported from Tillit on {_day(date.today())}"
    yield Paragraph((Run(f"{project}: {_plural(count, 'code')}, {exported}."),))
    if not tree:
        yield Paragraph((Run("The codebook is empty."),))
    titles = dict(HEADINGS)
    for node, level in _levels(tree):
        code = node.code
        yield Heading(code.name, level)
        if not code.codable:
            yield Paragraph(
                (Run("A folder: it groups the codes under it and is not applied to text itself."),),
                ParagraphStyle.DEFINITION,
            )
        swatch = (Run("\u00a0" * 8, fill=code.color), Run(f"  {code.color}"))
        rows: list[list[Cell]] = [
            [_bold(titles["alt_name"]), code.alt_name],
            [_bold("Colour"), swatch],
        ]
        rows.extend([_bold(titles[key]), getattr(code, key)] for key in DEFINITION_FIELDS)
        yield Table(rows, widths=(52,), header=False, keep_together=True)
