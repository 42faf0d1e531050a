"""Coding queries: the segments of a code, or of two codes combined by overlap, absence,
nearness or a shared paragraph, within chosen documents, cases, attribute values and coders.

Every query reads the database (not the search index), so it sees each edit at once. Results
are :class:`Segment` rows in document and text order, each with its context (the paragraphs
or speaker turns around it) and the span to open in the viewer.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from coding.errors import CodingError
from coding.project import Project, code_paths
from storage.formats.xlsx_file import Sheet, write_workbook
from storage.records import CaseRecord, CoderRecord, DocumentSummary, ParagraphRecord
from storage.repositories.retrieval import AttributeChoice, AttributeValue, CodingHit, QueryFilter
from storage.store import Tx

__all__ = [
    "AttributeChoice",
    "AttributeValue",
    "CodingQuery",
    "FilterChoices",
    "Operator",
    "QueryFilter",
    "Segment",
    "export_segments",
    "filter_choices",
    "run_query",
    "value_label",
]

#: Code points of context shown on each side of a segment where its paragraph is longer.
CONTEXT_WINDOW = 400


class Operator(Enum):
    """How a query combines code A with code B."""

    ONLY = "only"  # A's codings
    AND = "and"  # the text coded with both A and B
    NOT = "not"  # A's codings that no coding of B overlaps
    NEAR = "near"  # A's codings with a coding of B within some characters
    SAME_PARAGRAPH = "paragraph"  # A's codings in a paragraph that B also codes


@dataclass(frozen=True, slots=True)
class CodingQuery:
    """Code A, alone or combined with code B, in what ``filters`` admits.

    ``include_children`` and ``other_children`` let the codings of A's (B's) subcodes count
    as A's (B's). ``distance`` is the NEAR distance in characters (code points) between the
    end of one coding and the start of the other; codings that touch or overlap are at 0.
    """

    code_id: int
    operator: Operator = Operator.ONLY
    other_id: int | None = None
    include_children: bool = False
    other_children: bool = False
    distance: int = 0
    filters: QueryFilter = field(default_factory=QueryFilter)


@dataclass(frozen=True, slots=True)
class Segment:
    """A passage a query found, with what to show beside it and where to open it.

    ``[start, end)`` are code points of the document's text; ``text`` is that passage.
    ``coding_ids``, ``code_ids``, ``codes`` (paths) and ``coders`` name the codings behind
    it: one for a coding, those of both codes for an AND passage. ``context`` is the text of
    the paragraphs or speaker turns the passage lies in (at most :data:`CONTEXT_WINDOW` code
    points on each side), starting at ``context_start`` in the document; ``speaker`` is the
    speaker of the first of them, or empty.
    """

    document_id: int
    document_name: str
    start: int
    end: int
    text: str
    coding_ids: tuple[int, ...]
    code_ids: tuple[int, ...]
    codes: tuple[str, ...]
    coders: tuple[str, ...]
    context: str
    context_start: int
    speaker: str = ""


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What a query can be narrowed to: documents (list order), cases, attribute values,
    coders."""

    documents: list[DocumentSummary]
    cases: list[CaseRecord]
    attributes: list[AttributeChoice]
    coders: list[CoderRecord]


@dataclass(frozen=True, slots=True)
class _Passage:
    document_id: int
    start: int
    end: int
    hits: tuple[CodingHit, ...]


def run_query(project: Project, query: CodingQuery) -> list[Segment]:
    """The segments ``query`` finds, in document and text order.

    ``ONLY``, ``NOT``, ``NEAR`` and ``SAME_PARAGRAPH`` return codings of A, each whole.
    ``AND`` returns the text coded with both: in each document, where the text A codes
    overlaps the text B codes, each stretch of overlap once, however many codings (of several
    coders, say) cover it; codings of one code that overlap or touch make one stretch. This is
    NVivo's AND and MAXQDA's intersection; the context beside each shows the sentences around.

    Raises :class:`CodingError` for an operator without code B or a negative distance, and
    :class:`NotFoundError` for a code no longer in the codebook.
    """
    with project.read() as tx:
        return _segments(tx, _passages(tx, query))


def filter_choices(project: Project) -> FilterChoices:
    """The documents, cases, attribute values and coders a query can be narrowed to."""
    with project.read() as tx:
        return FilterChoices(
            tx.documents.summaries(),
            tx.cases.all(),
            tx.retrieval.attribute_choices(),
            tx.coders.all(),
        )


def value_label(value: AttributeValue) -> str:
    """An attribute value as a researcher reads it: ``yes``/``no``, ``54``, ``Oslo``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return value


def export_segments(path: Path, segments: Sequence[Segment], title: str = "Segments") -> None:
    """Write the segments to an Excel workbook at ``path``, one row each, with their context.

    Raises :class:`StorageError` when the file cannot be written.
    """
    header = ("Document", "Code", "Coder", "Speaker", "Start", "End", "Segment", "Context")
    rows = (
        (
            segment.document_name,
            "; ".join(segment.codes),
            ", ".join(segment.coders),
            segment.speaker,
            segment.start,
            segment.end,
            segment.text,
            segment.context,
        )
        for segment in segments
    )
    widths = (24, 32, 14, 12, 8, 8, 60, 90)
    write_workbook(path, [Sheet(title, header, rows, widths=widths, wrap=True)])


def _codes_of(tx: Tx, code_id: int, with_children: bool) -> list[int]:
    """The code (checked to exist) with its descendants, or alone."""
    tx.codes.get(code_id)
    return tx.codes.subtree_ids(code_id) if with_children else [code_id]


def _passages(tx: Tx, query: CodingQuery) -> list[_Passage]:
    a_ids = _codes_of(tx, query.code_id, query.include_children)
    where = query.filters
    if query.operator is Operator.ONLY:
        return _whole(tx.retrieval.codings(a_ids, where))
    if query.other_id is None:
        raise CodingError("Choose code B to combine with code A.")
    b_ids = _codes_of(tx, query.other_id, query.other_children)
    if query.operator is Operator.AND:
        return _intersections(
            tx.retrieval.codings(a_ids, where), tx.retrieval.codings(b_ids, where)
        )
    if query.operator is Operator.NOT:
        return _whole(tx.retrieval.codings_without(a_ids, b_ids, where))
    if query.operator is Operator.NEAR:
        if query.distance < 0:
            raise CodingError("The distance for NEAR is a number of characters, 0 or more.")
        return _whole(tx.retrieval.codings_near(a_ids, b_ids, query.distance, where))
    return _whole(tx.retrieval.codings_sharing_paragraph(a_ids, b_ids, where))


def _whole(hits: Iterable[CodingHit]) -> list[_Passage]:
    return [_Passage(hit.document_id, hit.start, hit.end, (hit,)) for hit in hits]


def _intersections(a_hits: list[CodingHit], b_hits: list[CodingHit]) -> list[_Passage]:
    """Where the text A codes overlaps the text B codes, one passage per stretch."""
    b_by_document: dict[int, list[CodingHit]] = {}
    for hit in b_hits:
        b_by_document.setdefault(hit.document_id, []).append(hit)
    a_by_document: dict[int, list[CodingHit]] = {}
    for hit in a_hits:
        a_by_document.setdefault(hit.document_id, []).append(hit)
    passages: list[_Passage] = []
    for document_id, hits in a_by_document.items():
        a_union, b_union = _union(hits), _union(b_by_document.get(document_id, []))
        i = j = 0
        while i < len(a_union) and j < len(b_union):
            (a_start, a_end, a_members), (b_start, b_end, b_members) = a_union[i], b_union[j]
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                behind = tuple(
                    hit for hit in (*a_members, *b_members) if hit.start < end and hit.end > start
                )
                passages.append(_Passage(document_id, start, end, behind))
            if a_end <= b_end:
                i += 1
            else:
                j += 1
    return passages


def _union(hits: list[CodingHit]) -> list[tuple[int, int, list[CodingHit]]]:
    """Spans merged where they overlap or touch, each with the codings in it."""
    merged: list[tuple[int, int, list[CodingHit]]] = []
    for hit in sorted(hits, key=lambda h: (h.start, h.end)):
        if merged and hit.start <= merged[-1][1]:
            start, end, members = merged[-1]
            members.append(hit)
            merged[-1] = (start, max(end, hit.end), members)
        else:
            merged.append((hit.start, hit.end, [hit]))
    return merged


def _segments(tx: Tx, passages: list[_Passage]) -> list[Segment]:
    if not passages:
        return []
    paths = code_paths(tx.codes.all())
    coders = {coder.id: coder.name for coder in tx.coders.all()}
    by_document: dict[int, list[_Passage]] = {}
    for passage in passages:
        by_document.setdefault(passage.document_id, []).append(passage)
    segments: list[Segment] = []
    for document in tx.documents.summaries(list(by_document)):  # list order
        text = tx.documents.text(document.id)
        turns = tx.documents.paragraphs(document.id)
        starts = [turn.start for turn in turns]
        for passage in sorted(by_document[document.id], key=lambda p: (p.start, p.end)):
            context_start, context_end, speaker = _context(turns, starts, passage, len(text))
            code_ids = tuple(dict.fromkeys(hit.code_id for hit in passage.hits))
            segments.append(
                Segment(
                    document.id,
                    document.name,
                    passage.start,
                    passage.end,
                    text[passage.start : passage.end],
                    tuple(hit.id for hit in passage.hits),
                    code_ids,
                    tuple(paths.get(code_id, "") for code_id in code_ids),
                    tuple(dict.fromkeys(coders.get(hit.coder_id, "") for hit in passage.hits)),
                    text[context_start:context_end],
                    context_start,
                    speaker,
                )
            )
    return segments


def _context(
    turns: list[ParagraphRecord], starts: list[int], passage: _Passage, length: int
) -> tuple[int, int, str]:
    """The span of the paragraphs the passage lies in, cut to a window around it."""
    first = max(bisect.bisect_right(starts, passage.start) - 1, 0)
    last = max(bisect.bisect_left(starts, passage.end) - 1, first)
    if turns:
        start, end, speaker = turns[first].start, turns[last].end, turns[first].speaker or ""
    else:
        start, end, speaker = 0, length, ""
    start = max(start, passage.start - CONTEXT_WINDOW)
    end = min(max(end, passage.end), passage.end + CONTEXT_WINDOW, length)
    return min(start, passage.start), end, speaker
