"""Where coders differ: the passages of a code that some but not all coders coded, each coder's
version of them, and accepting one version into a consensus coding.

The coders, documents, unit and coverage are those of an :class:`AgreementReport`, so that
the passages are the disagreements its statistics count. For one code, in one document:

- A unit *differs* when some but not all of the coders present in the document (those who
  coded anything there, see :mod:`coding.agreement`) applied the code to it. In character
  units a unit is a character (code point), coded when one of the coder's codings of the
  code covers it; in paragraph units it is a paragraph or speaker turn, coded when one of
  them overlaps it. A coder's codings of the code's subcodes do not count, as in the
  statistics.
- The differing units form *runs*: maximal stretches of differing characters; in paragraph
  units each differing paragraph is a run (paragraphs with no character between them make
  one).
- A **passage** is a connected stretch of the runs together with every coding of the code,
  by any of the coders, that overlaps a run: the runs and those codings are merged wherever
  they overlap (share a character; merely touching is not enough). So two coders who coded
  the same remark with different boundaries have one passage, from the first start to the
  last end, and not one at each boundary; codings in which all coders agree join a passage
  only through a coding that overlaps a difference.
- A coder's **version** of a passage is their codings of the code that overlap it, whole (a
  coding may reach beyond the passage, into text where all coders agree); an empty version
  means the coder did not apply the code there.

Passages are found with sorted sweeps over the codings' boundaries in numpy, every code and
document at once: milliseconds for thousands of codings, half a second for 50,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from coding.agreement import AgreementReport
from coding.agreement_stats import Counts
from coding.agreement_study import Study, Unit
from coding.changes import Changes
from coding.codings import add_codings, check_span, codable_code
from coding.errors import CodingError
from coding.project import Project, coder_id_for
from storage.records import CoderRecord, ParagraphRecord
from storage.repositories.rows import Snapshot
from storage.store import Tx

__all__ = [
    "CONSENSUS_CODER",
    "AcceptVersion",
    "Disagreements",
    "Passage",
    "Span",
    "Version",
    "coders_with_codings",
    "consensus_version",
    "disagreements",
]

#: The coder whose codings hold the accepted versions, unless the researcher names another.
CONSENSUS_CODER = "Consensus"

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Version:
    """One coder's codings of a code that overlap a passage, as ``[start, end)`` spans in
    code points, in text order; empty when the coder did not apply the code there.
    ``present`` is False for a coder who coded nothing in the document (possible only with
    three or more coders and the report's default rule, documents coded by two or more)."""

    coder: str
    spans: tuple[Span, ...]
    present: bool = True


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage where the coders differ on a code (see the module's docstring):
    ``[start, end)`` in code points of the document's text; ``differing`` are the runs of
    differing units inside it; ``versions`` has one entry per coder of the report, in its
    order."""

    code_id: int
    document_id: int
    document_name: str
    start: int
    end: int
    differing: tuple[Span, ...]
    versions: tuple[Version, ...]

    @property
    def extent(self) -> Span:
        """The passage together with every version's codings (which may reach beyond it)."""
        spans = [span for version in self.versions for span in version.spans]
        return (
            min([self.start, *(start for start, _ in spans)]),
            max([self.end, *(end for _, end in spans)]),
        )


class Disagreements:
    """The passages where a report's coders differ, for each code asked for (none where
    they agree throughout), in the documents' list order and then in text order.

    Counting is done for every code at once; a code's :class:`Passage` objects are made
    when :meth:`of` first asks for them, since a large project has tens of thousands.
    """

    def __init__(
        self,
        coders: tuple[str, ...],
        unit: Unit,
        document_ids: tuple[int, ...],
        code_ids: tuple[int, ...],
        table: _PassageTable,
    ) -> None:
        self.coders = coders
        self.unit = unit
        self.document_ids = document_ids
        self.code_ids = code_ids
        self._table = table
        self._variable = {code_id: index for index, code_id in enumerate(code_ids)}
        self._made: dict[int, tuple[Passage, ...]] = {}

    def of(self, code_id: int) -> tuple[Passage, ...]:
        """The passages of ``code_id``; empty for a code not asked for."""
        variable = self._variable.get(code_id)
        if variable is None:
            return ()
        if code_id not in self._made:
            self._made[code_id] = self._table.passages(variable, code_id)
        return self._made[code_id]

    def count(self, code_id: int) -> int:
        """How many passages :meth:`of` has for ``code_id``."""
        variable = self._variable.get(code_id)
        return 0 if variable is None else self._table.count(variable)

    @property
    def total(self) -> int:
        """The passages of every code asked for."""
        return len(self._table.start)


def disagreements(
    project: Project, report: AgreementReport, code_ids: Sequence[int] | None = None
) -> Disagreements:
    """The passages where the coders of ``report`` differ on each of ``code_ids`` (default:
    the report's codable codes), over the report's documents and in its unit. Reads the
    project as it is now; changes nothing. About a second for 50,000 codings of 300 codes.

    Raises :class:`CodingError` when a coder of the report is no longer in the project or
    none of its documents is still coded by the coders the report's coverage needs.
    """
    wanted = (
        [code.code_id for code in report.codes if code.codable]
        if code_ids is None
        else list(dict.fromkeys(code_ids))
    )
    with project.read() as tx:
        coders = _coders(tx.coders.all(), report.coders)
        raw = np.array(tx.agreement.codings([coder.id for coder in coders]), dtype=np.int64)
        summaries = tx.documents.summaries(report.document_ids)
        paragraphs = (
            tx.documents.paragraphs_by_document(report.document_ids)
            if report.unit == "paragraph"
            else {}
        )
    study = Study.of(coders, summaries, raw.reshape(-1, 5), report.coverage)
    table = _Sweep(study, wanted, paragraphs if report.unit == "paragraph" else None).table()
    return Disagreements(report.coders, report.unit, study.document_ids, tuple(wanted), table)


def coders_with_codings(project: Project) -> list[str]:
    """The names of the coders who made at least one coding, in name order."""
    with project.read() as tx:
        coding = tx.agreement.coders_with_codings()
        return [coder.name for coder in tx.coders.all() if coder.id in coding]


def consensus_version(project: Project, passage: Passage, coder: str = CONSENSUS_CODER) -> Version:
    """What ``coder`` (the consensus) has of the passage's code there now: their codings of
    it that overlap the passage, as a :class:`Version` (empty when they have none, or when
    there is no such coder)."""
    with project.read() as tx:
        coder_id = tx.coders.by_name(coder.strip())
        if coder_id is None:
            return Version(coder.strip(), ())
        spans = tx.codings.coded_spans(passage.document_id, passage.code_id, coder_id)
    inside = sorted(span for span in spans if span[0] < passage.end and span[1] > passage.start)
    return Version(coder.strip(), tuple(inside))


@dataclass
class AcceptVersion:
    """Make ``spans`` (a coder's version of a passage) the consensus coding of a code in one
    document, as one undoable action.

    Each span becomes a coding of ``code_id`` by the coder named ``coder`` (added to the
    project if new, and kept when the action is undone); a span the consensus coder already
    coded identically is skipped. With ``replace`` (a passage's ``[start, end)``), the
    consensus coder's codings of the code that overlap it and are not among ``spans`` are
    removed first, so that accepting another version of a passage replaces the one accepted
    before, and accepting an empty version (a coder who did not apply the code) removes it.
    ``source`` names whose version it is, for the Edit menu.

    Spans are code points of the document's text, end exclusive. Raises
    :class:`CodingError` when nothing would change, for a folder (a code that is not
    codable), an empty coder name or a span outside the text; :class:`NotFoundError` for a
    document or code that is gone. Undo removes the added codings and restores the removed
    ones with their ids, UUIDs and memos; redo restores the added ones likewise.
    """

    project: Project
    document_id: int
    code_id: int
    spans: Sequence[Span]
    coder: str = CONSENSUS_CODER
    replace: Span | None = None
    source: str = ""
    added: list[int] = field(default_factory=list, init=False)
    removed: list[int] = field(default_factory=list, init=False)
    _added_rows: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)
    _removed_rows: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return f"Accept {self.source}’s version" if self.source else "Accept a version"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            if self._added_rows is not None:  # redo: the same rows as the first time
                tx.codings.delete(self.removed)
                tx.codings.restore(self._added_rows)
            else:
                self._first_do(tx)
        return self._changes()

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            self._added_rows = tx.codings.snapshot(self.added)
            tx.codings.delete(self.added)
            if self._removed_rows is not None:
                tx.codings.restore(self._removed_rows)
        return self._changes()

    def _first_do(self, tx: Tx) -> None:
        self.added.clear()
        self.removed.clear()
        length = tx.documents.length(self.document_id)
        for start, end in self.spans:
            check_span(length, start, end)
        code = codable_code(tx, self.code_id, None, [])
        coder_id = coder_id_for(tx, self.coder)
        kept = set(self.spans)
        if self.replace is not None:
            low, high = self.replace
            self.removed = [
                coding.id
                for coding in tx.codings.details(
                    document_id=self.document_id, code_ids=[code.id], coder_id=coder_id
                )
                if coding.start < high
                and coding.end > low
                and (coding.start, coding.end) not in kept
            ]
            self._removed_rows = tx.codings.snapshot(self.removed)
            tx.codings.delete(self.removed)
        self.added = add_codings(tx, self.document_id, self.spans, code.id, coder_id)
        if not self.added and not self.removed:
            name = self.coder.strip()
            raise CodingError(f"{name} already has this version of “{code.name}” here.")

    def _changes(self) -> Changes:
        return Changes(
            documents=frozenset({self.document_id}),
            codings=frozenset(self.added) | frozenset(self.removed),
            counted=frozenset({self.code_id}),
        )


def _coders(every: list[CoderRecord], names: Sequence[str]) -> list[CoderRecord]:
    by_name = {coder.name: coder for coder in every}
    missing = [name for name in names if name not in by_name]
    if missing:
        raise CodingError(f"The coder “{missing[0]}” is no longer in this project.")
    return [by_name[name] for name in names]


class _Sweep:
    """The passages of a study's codings of some codes, found in key space: a position
    ``p`` of document ``d`` for code number ``v`` has the key ``(v * documents + d) *
    width + p``, with ``width`` above every document's length, so that each (code,
    document) group's stretches sort together and never touch another group's."""

    def __init__(
        self,
        study: Study,
        code_ids: list[int],
        paragraphs: dict[int, list[ParagraphRecord]] | None,
    ) -> None:
        self._study = study
        self._paragraphs = paragraphs
        self._documents = len(study.document_ids)
        self._width = int(study.layout.lengths.max(initial=0)) + 1
        variable_of = {code_id: index for index, code_id in enumerate(code_ids)}
        variable = np.array([variable_of.get(c, -1) for c in study.code_id.tolist()], np.int64)
        rows = np.flatnonzero(variable >= 0)
        self._group = variable[rows] * self._documents + study.document[rows]
        self._coder = study.coder[rows]
        self._low = self._group * self._width + study.start[rows]
        self._high = self._group * self._width + study.end[rows]
        present = np.bitwise_count(study.layout.present).astype(np.int64)
        self._needed = np.tile(present, max(len(code_ids), 1))  # coders present, by group

    def table(self) -> _PassageTable:
        run_low, run_high = self._runs()
        hit = np.searchsorted(run_high, self._low, side="right")
        overlaps = hit < len(run_low)
        overlaps[overlaps] = run_low[hit[overlaps]] < self._high[overlaps]
        low, high = _merged(
            np.concatenate((run_low, self._low[overlaps])),
            np.concatenate((run_high, self._high[overlaps])),
            touching=False,
        )
        # Each coding with every passage it overlaps (most overlap none, a few two).
        first = np.searchsorted(high, self._low, side="right")
        last = np.searchsorted(low, self._high, side="left")
        spread = np.maximum(last - first, 0)
        coding = np.repeat(np.arange(len(first)), spread)
        passage = np.repeat(first, spread) + (
            np.arange(len(coding)) - np.repeat(np.cumsum(spread) - spread, spread)
        )
        order = np.lexsort((self._high[coding], self._low[coding], passage))
        coding, passage = coding[order], passage[order]
        group = low // self._width
        base = group * self._width
        owner = np.searchsorted(low, run_low, side="right") - 1
        return _PassageTable(
            study=self._study,
            variable=group // self._documents,
            document=group % self._documents,
            start=low - base,
            end=high - base,
            run_owner=owner,
            run_start=run_low - base[owner],
            run_end=run_high - base[owner],
            span_owner=passage,
            span_coder=self._coder[coding],
            span_start=self._low[coding] - base[passage],
            span_end=self._high[coding] - base[passage],
        )

    def _runs(self) -> tuple[Counts, Counts]:
        """The runs of differing units, in key space, in key order."""
        low, high, group, coder = self._unit_spans()
        coders = len(self._study.coders)
        # Each coder's coverage first, so that a coder counts once however often they coded.
        lanes = (group * coders + coder) * self._width
        covered_low, covered_high = _merged(lanes + low, lanes + high, touching=True)
        lane, start = np.divmod(covered_low, self._width)
        base = (lane // coders) * self._width
        keys = np.concatenate((base + start, covered_high - lane * self._width + base))
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        count = np.cumsum(np.repeat(np.array([1, -1], np.int64), len(covered_low))[order])[:-1]
        needed = self._needed[keys[:-1] // self._width]
        differs = (np.diff(keys) > 0) & (count > 0) & (count < needed)
        return _merged(keys[:-1][differs], keys[1:][differs], touching=True)

    def _unit_spans(self) -> tuple[Counts, Counts, Counts, Counts]:
        """The coded units as ``(start, end, group, coder)``, positions within documents: in
        character units the codings themselves, in paragraph units the paragraphs each
        coding overlaps."""
        start = self._low % self._width
        end = self._high - (self._low - start)
        if self._paragraphs is None:
            return start, end, self._group, self._coder
        document = self._group % self._documents
        starts, ends, owner = self._paragraph_bounds()
        offsets = self._study.layout.offsets
        first = np.searchsorted(np.maximum.accumulate(ends), offsets[document] + start, "right")
        last = np.searchsorted(starts, offsets[document] + end, side="left")
        spread = np.maximum(last - first, 0)
        coding = np.repeat(np.arange(len(first)), spread)
        paragraph = np.repeat(first, spread) + (
            np.arange(len(coding)) - np.repeat(np.cumsum(spread) - spread, spread)
        )
        local_start = starts[paragraph] - offsets[owner[paragraph]]
        local_end = ends[paragraph] - offsets[owner[paragraph]]
        real = (local_start < end[coding]) & (local_end > start[coding])
        coding, local_start, local_end = coding[real], local_start[real], local_end[real]
        return local_start, local_end, self._group[coding], self._coder[coding]

    def _paragraph_bounds(self) -> tuple[Counts, Counts, Counts]:
        """Every paragraph of the documents laid end to end, sorted: start, end, document.
        A document stored without paragraphs is one paragraph."""
        assert self._paragraphs is not None
        starts: list[int] = []
        ends: list[int] = []
        owners: list[int] = []
        layout = self._study.layout
        for index, (document_id, offset, length) in enumerate(
            zip(
                self._study.document_ids,
                layout.offsets.tolist(),
                layout.lengths.tolist(),
                strict=True,
            )
        ):
            spans = [(p.start, min(p.end, length)) for p in self._paragraphs.get(document_id, [])]
            for start, end in sorted((s, e) for s, e in spans or [(0, length)] if e > s):
                starts.append(offset + start)
                ends.append(offset + end)
                owners.append(index)
        return (
            np.array(starts, dtype=np.int64),
            np.array(ends, dtype=np.int64),
            np.array(owners, dtype=np.int64),
        )


@dataclass(frozen=True, eq=False)
class _PassageTable:
    """Every passage found, as arrays in key order (so by code, then document, then start),
    positions within documents: the passages, their runs of differing units, and each
    coding that overlaps one (sorted by passage, then start)."""

    study: Study
    variable: Counts
    document: Counts
    start: Counts
    end: Counts
    run_owner: Counts
    run_start: Counts
    run_end: Counts
    span_owner: Counts
    span_coder: Counts
    span_start: Counts
    span_end: Counts

    def count(self, variable: int) -> int:
        low, high = np.searchsorted(self.variable, [variable, variable + 1])
        return int(high - low)

    def passages(self, variable: int, code_id: int) -> tuple[Passage, ...]:
        """The passages of code number ``variable`` (whose id is ``code_id``)."""
        first, last = (int(i) for i in np.searchsorted(self.variable, [variable, variable + 1]))
        study = self.study
        names = [coder.name for coder in study.coders]
        present = study.layout.present.tolist()
        runs = _by_owner(self.run_owner, first, last, self.run_start, self.run_end)
        lows, highs = np.searchsorted(self.span_owner, [first, last])
        spans: dict[tuple[int, int], list[Span]] = {}
        for owner, coder, start, end in zip(
            self.span_owner[lows:highs].tolist(),
            self.span_coder[lows:highs].tolist(),
            self.span_start[lows:highs].tolist(),
            self.span_end[lows:highs].tolist(),
            strict=True,
        ):
            spans.setdefault((owner, coder), []).append((start, end))
        passages = []
        for index in range(first, last):
            document = int(self.document[index])
            versions = tuple(
                Version(
                    name,
                    tuple(dict.fromkeys(spans.get((index, coder), []))),
                    bool(present[document] >> coder & 1),
                )
                for coder, name in enumerate(names)
            )
            passages.append(
                Passage(
                    code_id,
                    study.document_ids[document],
                    study.document_names[document],
                    int(self.start[index]),
                    int(self.end[index]),
                    tuple(runs.get(index, [])),
                    versions,
                )
            )
        return tuple(passages)


def _by_owner(
    owner: Counts, first: int, last: int, start: Counts, end: Counts
) -> dict[int, list[Span]]:
    """The spans whose owner is in ``[first, last)``, by owner (``owner`` is sorted)."""
    low, high = np.searchsorted(owner, [first, last])
    found: dict[int, list[Span]] = {}
    for index, a, b in zip(
        owner[low:high].tolist(), start[low:high].tolist(), end[low:high].tolist(), strict=True
    ):
        found.setdefault(index, []).append((a, b))
    return found


def _merged(low: Counts, high: Counts, *, touching: bool) -> tuple[Counts, Counts]:
    """Intervals ``[low, high)`` merged where they overlap (and, with ``touching``, where one
    ends where the next starts), sorted by start."""
    if len(low) == 0:
        return low, high
    order = np.argsort(low, kind="stable")
    low, high = low[order], high[order]
    reach = np.maximum.accumulate(high)
    apart = low[1:] > reach[:-1] if touching else low[1:] >= reach[:-1]
    first = np.flatnonzero(np.concatenate(([True], apart)))
    return low[first], np.maximum.reduceat(high, first)
