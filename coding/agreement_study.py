"""The data of an agreement study: the chosen coders, the documents they coded, their codings
as arrays in the documents laid end to end, and the segments each pair of coders matched.

The definitions are those of :mod:`coding.agreement`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Literal

import numpy as np

from coding.agreement_segments import Segments, matched_counts
from coding.agreement_stats import Counts
from coding.agreement_units import (
    Layout,
    Patterns,
    Spans,
    character_patterns,
    paragraph_patterns,
)
from coding.errors import CodingError
from storage.records import CodeRecord, CoderRecord, DocumentSummary, ParagraphRecord

Unit = Literal["character", "paragraph"]
Coverage = Literal["common", "pairable"]


@dataclass(frozen=True, eq=False)
class Study:
    """The coders, the documents in use and the codings of the coders in them, as arrays."""

    coders: tuple[CoderRecord, ...]
    document_ids: tuple[int, ...]
    document_names: tuple[str, ...]
    layout: Layout
    document: Counts  # per coding: the index of its document in use
    code_id: Counts
    coder: Counts
    start: Counts  # in code points of the document
    end: Counts

    @classmethod
    def of(
        cls,
        coders: list[CoderRecord],
        documents: list[DocumentSummary],
        raw: Counts,
        coverage: Coverage,
    ) -> Study:
        coder_index = {coder.id: index for index, coder in enumerate(coders)}
        known = {document.id: document for document in documents}
        present: dict[int, int] = {}
        for document_id, coder_id in {(int(d), int(c)) for d, c in raw[:, [0, 2]].tolist()}:
            if document_id in known:
                present[document_id] = present.get(document_id, 0) | 1 << coder_index[coder_id]
        needed = len(coders) if coverage == "common" else 2
        used = [d for d in documents if present.get(d.id, 0).bit_count() >= needed]
        if not used:
            raise CodingError(_no_documents([coder.name for coder in coders], coverage))
        index = {document.id: i for i, document in enumerate(used)}
        layout = Layout.of([d.characters for d in used], [present[d.id] for d in used], len(coders))
        keep = np.isin(raw[:, 0], list(index))
        raw = raw[keep]
        document = np.array([index[d] for d in raw[:, 0].tolist()], dtype=np.int64)
        length = layout.lengths[document]
        start, end = np.minimum(raw[:, 3], length), np.minimum(raw[:, 4], length)
        coder = np.array([coder_index[c] for c in raw[:, 2].tolist()], dtype=np.int64)
        real = end > start
        return cls(
            tuple(coders),
            tuple(d.id for d in used),
            tuple(d.name for d in used),
            layout,
            document[real],
            raw[:, 1][real],
            coder[real],
            start[real],
            end[real],
        )

    def code_spans(self, code_ids: list[int]) -> Spans:
        """Each chosen code is a variable; its codings give the value 1."""
        variable_of = {code_id: index for index, code_id in enumerate(code_ids)}
        variable = np.array([variable_of.get(c, -1) for c in self.code_id.tolist()], np.int64)
        rows = np.flatnonzero(variable >= 0)
        return self._spans(rows, variable[rows], np.zeros(len(rows), dtype=np.int64))

    def group_spans(self, codes: list[CodeRecord], groups: list[CodeRecord]) -> Spans:
        """Each parent is a variable; a coding of its child number k (or of that child's
        subcodes) gives the value k."""
        group_of = {code.id: index for index, code in enumerate(groups)}
        children: dict[int, list[int]] = {}
        for code in codes:
            if code.parent_id in group_of:
                children.setdefault(code.parent_id, []).append(code.id)
        parent = {code.id: code.parent_id for code in codes}
        memberships: dict[int, list[tuple[int, int]]] = {}
        for code in codes:
            current: int | None = code.id
            while current is not None and (above := parent.get(current)) is not None:
                if above in group_of:
                    value = children[above].index(current)
                    memberships.setdefault(code.id, []).append((group_of[above], value))
                current = above
        pairs = [memberships.get(c, []) for c in self.code_id.tolist()]
        rows = np.repeat(np.arange(len(pairs)), [len(p) for p in pairs])
        flat = np.array([v for p in pairs for v in p], dtype=np.int64).reshape(-1, 2)
        return self._spans(rows, flat[:, 0], flat[:, 1])

    def _spans(self, rows: Counts, variable: Counts, value: Counts) -> Spans:
        """The codings ``rows`` in layout positions, with a variable and value each."""
        offsets = self.layout.offsets[self.document[rows]]
        start, end = offsets + self.start[rows], offsets + self.end[rows]
        return Spans(variable, self.coder[rows], value, start, end)


class UnitPatterns:
    """Patterns over the study's units of the chosen kind."""

    def __init__(
        self, study: Study, unit: Unit, paragraphs: dict[int, list[ParagraphRecord]]
    ) -> None:
        self._layout = study.layout
        self._unit = unit
        starts: list[int] = []
        ends: list[int] = []
        if unit == "paragraph":
            for offset, document_id, length in zip(
                study.layout.offsets.tolist(),
                study.document_ids,
                study.layout.lengths.tolist(),
                strict=True,
            ):
                spans = [(p.start, min(p.end, length)) for p in paragraphs.get(document_id, [])]
                spans = sorted((s, e) for s, e in spans or [(0, length)] if e > s)
                starts.extend(offset + s for s, _ in spans)
                ends.extend(offset + e for _, e in spans)
        self._starts = np.array(starts, dtype=np.int64)
        self._ends = np.array(ends, dtype=np.int64)

    def patterns(self, spans: Spans, variables: int) -> Patterns:
        if self._unit == "character":
            return character_patterns(self._layout, spans, variables)
        return paragraph_patterns(self._layout, spans, variables, self._starts, self._ends)


def segment_counts(
    study: Study, rows: list[CodeRecord], overlap: Fraction
) -> dict[tuple[int, int], Counts]:
    """Per pair of coders, per chosen code: the columns of :func:`matched_counts`."""
    variable_of = {code.id: index for index, code in enumerate(rows)}
    variable = np.array([variable_of.get(c, -1) for c in study.code_id.tolist()], np.int64)
    chosen = variable >= 0
    present = study.layout.present[study.document]
    counts: dict[tuple[int, int], Counts] = {}
    for first, second in combinations(range(len(study.coders)), 2):
        both = chosen & ((present >> first) & 1 == 1) & ((present >> second) & 1 == 1)
        segments = Segments(
            study.document[both],
            variable[both],
            study.coder[both],
            study.start[both],
            study.end[both],
        )
        counts[first, second] = matched_counts(segments, first, second, len(rows), overlap)
    return counts


def _no_documents(names: list[str], coverage: Coverage) -> str:
    listing = _listing(names)
    if len(names) == 2:
        return f"No document was coded by both {listing}; agreement compares them where both coded."
    if coverage == "common":
        return (
            f"No document was coded by all of {listing}; count the documents two or more of "
            "them coded, or choose fewer coders."
        )
    return f"No document was coded by two or more of {listing}."


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
