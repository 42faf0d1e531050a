"""Codings as a table for R, Stata or SPSS: one row per coding, with its document's cases and
attribute values, written to Excel (.xlsx) or CSV."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from coding.errors import CodingError, ExportCancelledError
from coding.project import Project, code_paths
from storage.formats.csv_file import write_csv
from storage.formats.xlsx_file import Cell, Sheet, write_workbook
from storage.records import AttributeRecord, ParagraphRecord
from storage.repositories.retrieval import AttributeValue, CodingHit, QueryFilter
from storage.store import Tx

__all__ = [
    "FIXED_COLUMNS",
    "TABLE_SUFFIXES",
    "CodingTable",
    "DocumentContext",
    "Progress",
    "admitted_codings",
    "codings_table",
    "count_codings",
    "document_context",
    "export_codings_table",
]

#: The formats a table of codings is written in, by the file's extension.
TABLE_SUFFIXES = (".xlsx", ".csv")

#: ``progress(done, total)``; returns False to cancel.
Progress = Callable[[int, int], bool]

#: The columns every table has, before one column per attribute.
FIXED_COLUMNS = ("document", "code", "coder", "speaker", "start", "end", "text", "memo", "cases")

_ABOUT = (
    ("document", "The document's name."),
    ("code", "The code's path in the codebook, levels separated by /."),
    ("coder", "Who made the coding."),
    ("speaker", "The speaker of the turn the coded passage starts in, if known."),
    ("start", "Where the passage starts: characters (Unicode code points) from the start of "
              "the document's text, counting from 0."),
    ("end", "Where the passage ends: the first character after it, so the passage is "
            "end − start characters long."),
    ("text", "The coded passage: the document's text from start to end."),
    ("memo", "The coding's memo, if any."),
    ("cases", "The cases the document belongs to, separated by “; ”."),
)  # fmt: skip
_ATTRIBUTE_ABOUT = (
    "The value of the {scope} attribute “{name}” for the row's document{via}. Numbers are "
    "numbers, yes/no is 1/0, dates are YYYY-MM-DD; a document whose cases differ has their "
    "values separated by “; ”; empty where there is none."
)
_PROGRESS_EVERY = 500
_WIDTHS = (28, 32, 14, 10, 8, 8, 60, 30, 20)  # of FIXED_COLUMNS in Excel, in characters


@dataclass(frozen=True, slots=True)
class DocumentContext:
    """The cases and attribute values of some documents, as tables and reports show them.

    ``attributes`` are every attribute of the project, case attributes first, each in its
    order. ``values[document_id][attribute_id]`` holds the distinct values a document has:
    its own value of a document attribute, or its cases' values of a case attribute (more
    than one when its cases differ).
    """

    attributes: tuple[AttributeRecord, ...]
    cases: dict[int, list[str]]
    values: dict[int, dict[int, list[AttributeValue]]]


@dataclass(frozen=True, slots=True)
class CodingTable:
    """One row per coding: :data:`FIXED_COLUMNS`, then one column per attribute.

    ``start`` and ``end`` are code points of the document's text, ``text`` is the text
    between them. Attribute columns are named by the attribute, with `` (case)`` or
    `` (document)`` added where a case and a document attribute share a name or an
    attribute is named like a fixed column.
    """

    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    about: tuple[tuple[str, str], ...]


def codings_table(
    project: Project,
    *,
    code_ids: Sequence[int] | None = None,
    include_children: bool = False,
    filters: QueryFilter | None = None,
) -> CodingTable:
    """The codings of ``code_ids`` (every code when ``None``; with their subcodes' when
    ``include_children``) that ``filters`` admits, documents in list order, each document's
    codings in text order.

    Raises :class:`NotFoundError` for a code no longer in the codebook.
    """
    where = filters or QueryFilter()
    with project.read() as tx:
        hits = admitted_codings(tx, code_ids, include_children, where)
        wanted: dict[int, set[int]] = {}
        for hit in hits:
            wanted.setdefault(hit.document_id, set()).add(hit.id)
        context = document_context(tx, wanted)
        columns = _attribute_columns(context.attributes)
        paths = code_paths(tx.codes.all())
        rows: list[tuple[Cell, ...]] = []
        for document in tx.documents.summaries(list(wanted)):  # list order
            text = tx.documents.text(document.id)
            speaker = _Speakers(tx.documents.paragraphs(document.id))
            cases = "; ".join(context.cases.get(document.id, []))
            values = context.values.get(document.id, {})
            attributes = tuple(_cell(values.get(a.id, [])) for a in context.attributes)
            for coding in tx.codings.details(document_id=document.id):
                if coding.id in wanted[document.id]:
                    rows.append(
                        (
                            document.name,
                            paths[coding.code_id],
                            coding.coder_name,
                            speaker.at(coding.start),
                            coding.start,
                            coding.end,
                            text[coding.start : coding.end],
                            coding.memo,
                            cases,
                            *attributes,
                        )
                    )
    about = (*_ABOUT, *_attribute_about(context.attributes, columns))
    return CodingTable((*FIXED_COLUMNS, *columns), rows, about)


def count_codings(
    project: Project,
    code_ids: Sequence[int] | None = None,
    include_children: bool = False,
    filters: QueryFilter | None = None,
) -> int:
    """How many codings :func:`codings_table` (and so an export) would hold.

    Raises :class:`NotFoundError` for a code no longer in the codebook.
    """
    with project.read() as tx:
        return len(admitted_codings(tx, code_ids, include_children, filters or QueryFilter()))


def export_codings_table(
    project: Project,
    path: Path,
    *,
    code_ids: Sequence[int] | None = None,
    include_children: bool = False,
    filters: QueryFilter | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the table of :func:`codings_table` to ``path``; returns the number of codings.

    The extension chooses the format. ``.xlsx``: a sheet "Codings" (numbers as numbers, text
    as text) and a sheet "About" saying what each column holds; for Excel and SPSS. ``.csv``:
    UTF-8 without a byte order mark, comma-separated, a header row, CRLF line ends and
    RFC 4180 quoting (line breaks inside a passage stay inside its quoted field); for R
    (``read.csv``, ``readr::read_csv``) and Stata (``import delimited, encoding(utf-8)
    bindquotes(strict)``). ``progress(done, total)`` counts rows written; when it returns
    False the export stops and no file is left.

    Raises :class:`CodingError` for another extension, :class:`ExportCancelledError` when
    cancelled, :class:`NotFoundError` for a code no longer in the codebook and
    :class:`StorageError` when the file cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise CodingError(
            f"“{path.name}” is not a table Tillit writes; end the name in .xlsx (Excel, SPSS) "
            "or .csv (R, Stata)."
        )
    table = codings_table(
        project, code_ids=code_ids, include_children=include_children, filters=filters
    )
    rows = _reported(table.rows, progress)
    if suffix == ".csv":
        write_csv(path, table.header, rows)
    else:
        widths = (*_WIDTHS, *[14] * (len(table.header) - len(FIXED_COLUMNS)))
        about = Sheet("About", ("Column", "What it holds"), table.about, widths=(24, 100))
        write_workbook(path, [Sheet("Codings", table.header, rows, widths=widths), about])
    return len(table.rows)


def admitted_codings(
    tx: Tx, code_ids: Iterable[int] | None, include_children: bool, where: QueryFilter
) -> list[CodingHit]:
    """The codings of ``code_ids`` (every code when ``None``; with their descendants' when
    ``include_children``) that ``where`` admits, in document and text order.

    Raises :class:`NotFoundError` for a code no longer in the codebook.
    """
    if code_ids is None:
        chosen = [code.id for code in tx.codes.all()]
    else:
        chosen = []
        for code_id in dict.fromkeys(code_ids):
            tx.codes.get(code_id)  # raises for a code that is gone
            chosen.extend(tx.codes.subtree_ids(code_id) if include_children else [code_id])
    return tx.retrieval.codings(dict.fromkeys(chosen), where)


def document_context(tx: Tx, document_ids: Iterable[int]) -> DocumentContext:
    """The cases and the attribute values (their own and their cases') of the documents."""
    ids = list(document_ids)
    case_names = tx.cases.cases_of_documents(ids)
    case_ids = {case.name: case.id for case in tx.cases.all()}  # case names are unique
    case_values: dict[str, list[tuple[int, AttributeValue]]] = {}
    values: dict[int, dict[int, list[AttributeValue]]] = {}
    for document_id in ids:
        own = values.setdefault(document_id, {})
        for name in case_names.get(document_id, []):
            if name not in case_values:
                records = tx.attributes.values_of(case_id=case_ids[name])
                case_values[name] = [
                    (record.attribute_id, record.value)
                    for record in records
                    if record.value is not None
                ]
            for attribute_id, value in case_values[name]:
                found = own.setdefault(attribute_id, [])
                if value not in found:
                    found.append(value)
        for record in tx.attributes.values_of(document_id=document_id):
            if record.value is not None:
                own[record.attribute_id] = [record.value]
    return DocumentContext(tuple(tx.attributes.all()), case_names, values)


class _Speakers:
    """The speaker of the paragraph or turn a position lies in (or follows)."""

    def __init__(self, turns: list[ParagraphRecord]) -> None:
        self._starts = [turn.start for turn in turns]
        self._speakers = [turn.speaker or "" for turn in turns]

    def at(self, position: int) -> str:
        index = bisect.bisect_right(self._starts, position) - 1
        return self._speakers[index] if index >= 0 else ""


def _attribute_columns(attributes: Sequence[AttributeRecord]) -> list[str]:
    names = [attribute.name.casefold() for attribute in attributes]
    taken = {column.casefold() for column in FIXED_COLUMNS}
    return [
        attribute.name
        if names.count(attribute.name.casefold()) == 1 and attribute.name.casefold() not in taken
        else f"{attribute.name} ({attribute.scope})"
        for attribute in attributes
    ]


def _attribute_about(
    attributes: Sequence[AttributeRecord], columns: Sequence[str]
) -> list[tuple[str, str]]:
    return [
        (
            column,
            _ATTRIBUTE_ABOUT.format(
                scope=attribute.scope,
                name=attribute.name,
                via=" (through its cases)" if attribute.scope == "case" else "",
            ),
        )
        for attribute, column in zip(attributes, columns, strict=True)
    ]


def _cell(values: list[AttributeValue]) -> Cell:
    """An attribute's value as a typed cell: numbers as numbers, yes/no as 1/0."""
    if not values:
        return None
    if len(values) > 1:
        return "; ".join(str(_cell([value])) for value in values)
    value = values[0]
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return value


def _reported(
    rows: list[tuple[Cell, ...]], progress: Progress | None
) -> Iterator[tuple[Cell, ...]]:
    """The rows, calling ``progress`` as they are written; raises when it returns False."""
    total = len(rows)
    for done, row in enumerate(rows):
        if progress is not None and done % _PROGRESS_EVERY == 0 and not progress(done, total):
            raise ExportCancelledError
        yield row
    if progress is not None:
        progress(total, total)
