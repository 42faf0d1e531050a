"""Matrices of counts with a code in each row: codes by documents, codes by attribute values,
and code co-occurrence; the segments behind a cell; export to Excel."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np
import numpy.typing as npt

from coding.errors import NotFoundError
from coding.project import Project, code_paths
from coding.retrieval import CodingQuery, Operator, Segment, run_query, value_label
from storage.formats.xlsx_file import Cell, Sheet, write_workbook
from storage.records import CodeRecord
from storage.repositories.retrieval import AttributeValue, QueryFilter

#: What a column stands for: a document's id, an attribute value, or a code's id.
ColumnKey = int | AttributeValue


class MatrixKind(Enum):
    DOCUMENTS = "documents"
    ATTRIBUTE = "attribute"
    COOCCURRENCE = "cooccurrence"


@dataclass(frozen=True, eq=False)
class CountMatrix:
    """Counts of codings (or of passages) with a code in each row, codes in tree order.

    ``counts`` is an integer array of shape ``(len(row_ids), len(column_keys))``; ``counts
    [r, c]`` is what :meth:`explanation` says, and :func:`cell_segments` lists the segments
    behind it (as many as it counts). Rows are labelled by code path. With
    ``include_children`` a row counts its code's codings and those of all its subcodes.
    """

    kind: MatrixKind
    title: str
    row_ids: tuple[int, ...]
    row_labels: tuple[str, ...]
    column_keys: tuple[ColumnKey, ...]
    column_labels: tuple[str, ...]
    counts: npt.NDArray[np.int64]
    include_children: bool = False
    filters: QueryFilter = field(default_factory=QueryFilter)
    attribute_id: int | None = None
    attribute_name: str = ""

    def explanation(self) -> str:
        """What one cell counts, in a sentence for the researcher."""
        code = "the row's code (with its subcodes)" if self.include_children else "the row's code"
        if self.kind is MatrixKind.DOCUMENTS:
            return f"Each cell counts the codings of {code} in the column's document."
        if self.kind is MatrixKind.ATTRIBUTE:
            return (
                f"Each cell counts the codings of {code} in the documents whose value of "
                f"“{self.attribute_name}” (their own or their case's) is the column's."
            )
        return (
            "Each cell counts the passages coded with both codes: the stretches of text where "
            "the row code's codings overlap the column code's (overlapping or touching codings "
            "of one code make one stretch, so a passage two coders coded counts once). The "
            "diagonal counts each code's codings."
        )


def code_document_matrix(
    project: Project,
    *,
    code_ids: Sequence[int] | None = None,
    include_children: bool = False,
    filters: QueryFilter | None = None,
) -> CountMatrix:
    """The codings of each code (every code, or ``code_ids``) in each document the filter
    admits, documents in list order."""
    where = filters or QueryFilter()
    with project.read() as tx:
        rows = _Rows(tx.codes.all(), code_ids, include_children)
        documents = tx.documents.summaries(tx.retrieval.document_ids(where))
        columns = {document.id: index for index, document in enumerate(documents)}
        counts = rows.zeros(len(columns))
        for code_id, document_id, n in tx.retrieval.counts_by_document(where):
            if document_id in columns:
                counts[rows.of(code_id), columns[document_id]] += n
    return CountMatrix(
        MatrixKind.DOCUMENTS,
        "Codes × documents",
        rows.ids,
        rows.labels,
        tuple(document.id for document in documents),
        tuple(document.name for document in documents),
        counts,
        include_children,
        where,
    )


def code_attribute_matrix(
    project: Project,
    attribute_id: int,
    *,
    code_ids: Sequence[int] | None = None,
    include_children: bool = False,
    filters: QueryFilter | None = None,
) -> CountMatrix:
    """The codings of each code in the documents with each value of an attribute of cases
    or documents (a case's value reaches the documents of the case).

    A coding counts once in each column its document has the value of, so a document in two
    cases with different values counts in both. Raises :class:`NotFoundError` for an
    attribute no longer in the project.
    """
    where = filters or QueryFilter()
    with project.read() as tx:
        attribute = next((a for a in tx.attributes.all() if a.id == attribute_id), None)
        if attribute is None:
            raise NotFoundError("That attribute is no longer in this project.")
        rows = _Rows(tx.codes.all(), code_ids, include_children)
        values = [
            choice.value
            for choice in tx.retrieval.attribute_choices()
            if choice.attribute_id == attribute_id
        ]
        columns = {value: index for index, value in enumerate(values)}
        counts = rows.zeros(len(values))
        for code_id, value, n in tx.retrieval.counts_by_value(attribute_id, where):
            counts[rows.of(code_id), columns[value]] += n
    return CountMatrix(
        MatrixKind.ATTRIBUTE,
        f"Codes × {attribute.name}",
        rows.ids,
        rows.labels,
        tuple(values),
        tuple(value_label(value) for value in values),
        counts,
        include_children,
        where,
        attribute_id,
        attribute.name,
    )


def cooccurrence_matrix(
    project: Project,
    *,
    code_ids: Sequence[int] | None = None,
    include_children: bool = False,
    filters: QueryFilter | None = None,
) -> CountMatrix:
    """For each pair of codes, the passages coded with both; the diagonal, each code's codings.

    A cell counts what ``run_query`` returns for ``A AND B``: in each document, the stretches
    where the text A codes overlaps the text B codes, so the matrix is symmetric and a passage
    that several coders coded alike counts once. Computed with numpy over every coding the
    filter admits (read once, in document order): each code's codings merged into stretches,
    then the overlapping stretches of different codes paired with a binary search.
    """
    where = filters or QueryFilter()
    with project.read() as tx:
        rows = _Rows(tx.codes.all(), code_ids, include_children)
        spans = tx.retrieval.spans(where)
    counts = _cooccurrence(np.array(spans, dtype=np.int64).reshape(-1, 4), rows)
    return CountMatrix(
        MatrixKind.COOCCURRENCE,
        "Code co-occurrence",
        rows.ids,
        rows.labels,
        rows.ids,
        rows.labels,
        counts,
        include_children,
        where,
    )


def cell_segments(project: Project, matrix: CountMatrix, row: int, column: int) -> list[Segment]:
    """The segments a cell counts: codings of the row's code in the column's document or in
    the documents with the column's value, or the passages coded with both codes."""
    code_id, key = matrix.row_ids[row], matrix.column_keys[column]
    where = matrix.filters
    if matrix.kind is MatrixKind.DOCUMENTS:
        where = _within(where, {int(key)})
    elif matrix.kind is MatrixKind.ATTRIBUTE:
        assert matrix.attribute_id is not None
        with project.read() as tx:
            where = _within(where, tx.retrieval.documents_with(matrix.attribute_id, key))
    elif key != code_id:
        return run_query(
            project,
            CodingQuery(
                code_id,
                Operator.AND,
                int(key),
                include_children=matrix.include_children,
                other_children=matrix.include_children,
                filters=where,
            ),
        )
    return run_query(
        project, CodingQuery(code_id, include_children=matrix.include_children, filters=where)
    )


def export_matrix(path: Path, matrix: CountMatrix) -> None:
    """Write the matrix to an Excel workbook: a sheet of counts with the codes down the first
    column, and a sheet saying what a cell counts.

    Raises :class:`StorageError` when the file cannot be written.
    """
    header = ("Code", *matrix.column_labels)
    rows: list[list[Cell]] = [
        [label, *counts]
        for label, counts in zip(matrix.row_labels, matrix.counts.tolist(), strict=True)
    ]
    widths = (40, *(min(max(len(label) + 2, 8), 30) for label in matrix.column_labels))
    about = Sheet("About", ("What the cells count",), [(matrix.explanation(),)], widths=(100,))
    write_workbook(path, [Sheet(matrix.title, header, rows, label_columns=1, widths=widths), about])


class _Rows:
    """The codes of a matrix's rows and which rows each code's codings count in."""

    def __init__(
        self, codes: list[CodeRecord], chosen: Iterable[int] | None, include_children: bool
    ) -> None:
        wanted = None if chosen is None else set(chosen)
        paths = code_paths(codes)
        rows = [code for code in codes if wanted is None or code.id in wanted]
        self.ids = tuple(code.id for code in rows)
        self.labels = tuple(paths[code.id] for code in rows)
        index = {code_id: row for row, code_id in enumerate(self.ids)}
        parents = {code.id: code.parent_id for code in codes}
        self._rows: dict[int, list[int]] = {}
        for code in codes:
            current: int | None = code.id
            members: list[int] = []
            while current is not None:
                if current in index:
                    members.append(index[current])
                current = parents.get(current) if include_children else None
            if members:
                self._rows[code.id] = members

    def of(self, code_id: int) -> list[int]:
        """The rows a coding of ``code_id`` counts in (none, one, or its ancestors' too)."""
        return self._rows.get(code_id, [])

    def zeros(self, columns: int) -> npt.NDArray[np.int64]:
        return np.zeros((len(self.ids), columns), dtype=np.int64)

    def table(self) -> npt.NDArray[np.int64]:
        """``table[code_id]``: the rows of that code's codings, padded with -1."""
        width = max((len(rows) for rows in self._rows.values()), default=1)
        table = np.full((max(self._rows, default=0) + 1, width), -1, dtype=np.int64)
        for code_id, rows in self._rows.items():
            table[code_id, : len(rows)] = rows
        return table


def _cooccurrence(spans: npt.NDArray[np.int64], rows: _Rows) -> npt.NDArray[np.int64]:
    """The co-occurrence counts from ``(document_id, code_id, start, end)`` rows."""
    n = len(rows.ids)
    table = rows.table()
    known = spans[:, 1] < len(table)
    spans = spans[known]
    row_of = table[spans[:, 1]]  # each coding's rows, padded with -1
    coding, slot = np.nonzero(row_of >= 0)
    row = row_of[coding, slot]
    document, start, end = spans[coding, 0], spans[coding, 2], spans[coding, 3]
    counts = np.zeros((n, n), dtype=np.int64)
    if len(row) == 0:
        return counts
    # Each row's codings in a document merged into stretches: sorted by (document, row, start),
    # a coding starts a new stretch where it starts after every earlier one of its group ends.
    # Shifting each group by its own multiple of ``step`` keeps one running maximum honest.
    order = np.lexsort((start, row, document))
    document, row, start, end = document[order], row[order], start[order], end[order]
    step = int(end.max()) + 2
    group = np.cumsum(np.r_[True, (document[1:] != document[:-1]) | (row[1:] != row[:-1])])
    shifted_start, shifted_end = start + group * step, end + group * step
    reach = np.maximum.accumulate(shifted_end)
    first = np.flatnonzero(np.r_[True, shifted_start[1:] > reach[:-1]])
    stretch_start = start[first]
    stretch_end = np.maximum.reduceat(shifted_end, first) - group[first] * step
    stretch_document, stretch_row = document[first], row[first]
    # Stretches of one row never overlap, so every overlapping pair pairs two rows. Sorted by
    # (document, start), stretch i overlaps exactly those after it that start before it ends.
    order = np.lexsort((stretch_start, stretch_document))
    begins = stretch_document[order] * step + stretch_start[order]
    ends = stretch_document[order] * step + stretch_end[order]
    stretch_row = stretch_row[order]
    after = np.searchsorted(begins, ends, side="left") - np.arange(1, len(begins) + 1)
    left = np.repeat(np.arange(len(begins)), after)
    right = np.arange(len(left)) - np.repeat(np.cumsum(after) - after, after) + left + 1
    pairs = np.bincount(stretch_row[left] * n + stretch_row[right], minlength=n * n)
    counts = pairs.reshape(n, n)
    counts = counts + counts.T
    np.fill_diagonal(counts, np.bincount(row, minlength=n))
    return counts


def _within(where: QueryFilter, document_ids: set[int]) -> QueryFilter:
    """``where`` narrowed further to ``document_ids``."""
    admitted = set(document_ids)
    if where.document_ids is not None:
        admitted &= where.document_ids
    return dataclasses.replace(where, document_ids=frozenset(admitted))
