"""Auto-coding: one code applied to many passages across documents, as one undoable action.

Search hits become codings of the hit itself, of the paragraph it lies in, or of the whole
speaker turn; :class:`CodeSpeakerTurns` codes every turn of one speaker.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from coding.changes import Changes
from coding.codings import AddsCodings, Span, add_codings, check_span, codable_code
from coding.errors import CodingError
from coding.project import Project, coder_id_for, split_path
from storage.records import ParagraphRecord
from storage.store import Tx

#: A passage to code: ``(document_id, start, end)``, code points, end exclusive.
Hit = tuple[int, int, int]


class Unit(StrEnum):
    """What a hit codes: the hit itself, the paragraph it lies in, or the whole speaker turn."""

    HIT = "hit"
    PARAGRAPH = "paragraph"
    TURN = "turn"


@dataclass(frozen=True, slots=True)
class SpeakerSummary:
    """A speaker as most often written, with the number of turns and of documents they speak in."""

    name: str
    turns: int
    documents: int


@dataclass
class AutoCode(AddsCodings):
    """Code many passages across documents with one code, as one undoable action.

    Each hit codes its ``unit``: the hit itself, every paragraph it overlaps (``paragraph``),
    or the run of whole speaker turns it overlaps (``turn``: consecutive paragraphs with the
    same speaker; a paragraph without a speaker is a turn of its own). A hit outside every
    paragraph (a document without structure) codes the hit itself. Overlapping passages of a
    document merge into one coding, and passages the coder already coded identically with
    the code are skipped.

    Give the code by ``code_id``, or by ``code_path``, whose missing levels are created (and
    removed again by undo). ``coder`` is a coder's name (new names are added); ``None`` means
    the project's current coder. ``do()`` is one transaction; it raises
    :class:`InvalidSpanError` for a hit outside its document's text, :class:`NotFoundError`
    for a document that is gone, and :class:`CodingError` when there is nothing to code or
    every passage is coded already; then nothing was changed.
    """

    hits: Sequence[Hit]
    unit: Unit = Unit.HIT
    code_id: int | None = None
    code_path: str | None = None
    coder: str | None = None
    #: The applied code's name, once ``do()`` has run.
    code_name: str = field(default="", init=False)
    _documents: frozenset[int] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        self.unit = Unit(self.unit)  # also from the command line's "paragraph"

    @property
    def label(self) -> str:
        name = self.code_name or "".join(split_path(self.code_path or "")[-1:])
        if not name:
            return "Code passages"
        count = len(self.coding_ids)
        if not count:
            return f"Code passages with “{name}”"
        return f"Code {count:,} passage{'' if count == 1 else 's'} with “{name}”"

    def _first_do(self, tx: Tx) -> None:
        if not self.hits:
            raise CodingError("There are no passages to code.")
        passages = units(tx, self.hits, self.unit)
        code = codable_code(tx, self.code_id, self.code_path, self.created_codes)
        coder_id = coder_id_for(tx, self.coder)
        documents: set[int] = set()
        for document_id, spans in passages.items():
            added = add_codings(tx, document_id, spans, code.id, coder_id)
            if added:
                documents.add(document_id)
                self.coding_ids.extend(added)
        if not self.coding_ids:
            count = sum(len(spans) for spans in passages.values())
            raise CodingError(
                f"This passage already has the code “{code.name}”."
                if count == 1
                else f"All {count:,} passages already have the code “{code.name}”."
            )
        self.code_id, self.code_name, self._documents = code.id, code.name, frozenset(documents)

    def _changes(self) -> Changes:
        return Changes(
            documents=self._documents,
            codings=frozenset(self.coding_ids),
            counted=frozenset({self.code_id}) if self.code_id is not None else frozenset(),
            code_tree=bool(self.created_codes),
        )


@dataclass
class CodeSpeakerTurns:
    """Code every turn of one speaker with one code, as one undoable action.

    ``speaker`` matches a paragraph's speaker exactly once both are stripped, ignoring case;
    ``document_ids`` limits the documents (``None``: all). The code and the coder are given
    as for :class:`AutoCode`, which does the coding (turn units) in one transaction. Raises
    :class:`CodingError` when the speaker has no turn in the documents, or every turn is
    coded already.
    """

    project: Project
    speaker: str
    code_id: int | None = None
    code_path: str | None = None
    coder: str | None = None
    document_ids: Sequence[int] | None = None
    _auto: AutoCode | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        speaker = self.speaker.strip()
        if self._auto is None or not self._auto.coding_ids:
            return f"Code the turns of “{speaker}”"
        count = len(self._auto.coding_ids)
        turns = "1 turn" if count == 1 else f"{count:,} turns"
        return f"Code {turns} of “{speaker}” with “{self._auto.code_name}”"

    @property
    def coding_ids(self) -> list[int]:
        """The codings added, one a turn (empty before ``do()``)."""
        return self._auto.coding_ids if self._auto is not None else []

    def do(self) -> Changes:
        if self._auto is not None:  # redo
            return self._auto.do()
        auto = AutoCode(
            self.project,
            self._hits(),
            Unit.TURN,
            code_id=self.code_id,
            code_path=self.code_path,
            coder=self.coder,
        )
        changes = auto.do()
        self._auto = auto
        return changes

    def undo(self) -> Changes:
        assert self._auto is not None
        return self._auto.undo()

    def _hits(self) -> list[Hit]:
        key = speaker_key(self.speaker)
        if not key:
            raise CodingError("Choose a speaker whose turns to code.")
        with self.project.read() as tx:
            by_document = tx.documents.paragraphs_by_document(self.document_ids)
        hits = [
            (document_id, paragraph.start, paragraph.end)
            for document_id, paragraphs in by_document.items()
            for paragraph in paragraphs
            if paragraph.start < paragraph.end and speaker_key(paragraph.speaker) == key
        ]
        if not hits:
            where = "this document" if len(self.document_ids or ()) == 1 else "these documents"
            raise CodingError(f"“{self.speaker.strip()}” has no turns in {where}.")
        return hits


def speakers(project: Project, document_ids: Iterable[int] | None = None) -> list[SpeakerSummary]:
    """The speakers of the project (or of ``document_ids``) with their turns and documents.

    Names that differ only in case and surrounding spaces are one speaker, shown as most
    often written. Sorted by name, numbers by value ("P2" before "P10"). Reads; writes nothing.
    """
    with project.read() as tx:
        by_document = tx.documents.paragraphs_by_document(document_ids)
    turns: Counter[str] = Counter()
    documents: defaultdict[str, set[int]] = defaultdict(set)
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for document_id, paragraphs in by_document.items():
        for first, _last in turn_runs(paragraphs):
            name = (paragraphs[first].speaker or "").strip()
            key = name.casefold()
            if key:
                turns[key] += 1
                documents[key].add(document_id)
                spellings[key][name] += 1
    summaries = [
        SpeakerSummary(spellings[key].most_common(1)[0][0], count, len(documents[key]))
        for key, count in turns.items()
    ]
    return sorted(summaries, key=lambda summary: _natural_key(summary.name))


def units(tx: Tx, hits: Iterable[Hit], unit: Unit) -> dict[int, list[Span]]:
    """The passages ``hits`` code with ``unit``, by document, merged and in text order.

    Reads each document's length (and, unless ``unit`` is ``hit``, its paragraphs) once.
    Raises :class:`InvalidSpanError` for a hit outside its text and :class:`NotFoundError`
    for a document that is gone.
    """
    by_document: defaultdict[int, list[Span]] = defaultdict(list)
    for document_id, start, end in hits:
        by_document[document_id].append((start, end))
    for document_id, spans in by_document.items():
        length = tx.documents.length(document_id)
        for start, end in spans:
            check_span(length, start, end)
    paragraphs: Mapping[int, list[ParagraphRecord]] = (
        {} if unit is Unit.HIT else tx.documents.paragraphs_by_document(by_document)
    )
    return {
        document_id: _merged(_widened(spans, paragraphs.get(document_id, []), unit))
        for document_id, spans in by_document.items()
    }


def turn_runs(paragraphs: Sequence[ParagraphRecord]) -> Iterator[tuple[int, int]]:
    """The speaker turns of a document's paragraphs, as index ranges ``[first, last)``.

    A turn is a maximal run of consecutive paragraphs with the same non-empty speaker (see
    :func:`speaker_key`); a paragraph without a speaker is a turn of its own.
    """
    first = 0
    for index in range(1, len(paragraphs) + 1):
        if index == len(paragraphs) or not _same_turn(paragraphs[index - 1], paragraphs[index]):
            yield first, index
            first = index


def speaker_key(name: str | None) -> str:
    """A speaker's name as turns are matched: stripped and case-folded ("" for none)."""
    return (name or "").strip().casefold()


def _same_turn(before: ParagraphRecord, after: ParagraphRecord) -> bool:
    key = speaker_key(before.speaker)
    return bool(key) and key == speaker_key(after.speaker)


def _widened(spans: list[Span], paragraphs: list[ParagraphRecord], unit: Unit) -> list[Span]:
    """Each hit's paragraphs or turn; a hit that overlaps no paragraph stays as it is."""
    if unit is Unit.HIT or not paragraphs:
        return spans
    blocks = [(p.start, p.end) for p in paragraphs]
    if unit is Unit.TURN:
        for first, last in turn_runs(paragraphs):
            turn = (paragraphs[first].start, paragraphs[last - 1].end)
            blocks[first:last] = [turn] * (last - first)
    starts = [p.start for p in paragraphs]
    ends = [p.end for p in paragraphs]
    widened: list[Span] = []
    for start, end in spans:
        # Paragraphs are in text order: those from ``first`` end after the hit starts, those
        # before ``last`` start before it ends.
        first, last = bisect_right(ends, start), bisect_left(starts, end)
        touched = [i for i in range(first, last) if starts[i] < ends[i]]
        if not touched:
            widened.append((start, end))
        elif unit is Unit.PARAGRAPH:
            widened.extend(blocks[i] for i in touched)
        else:
            widened.append((blocks[touched[0]][0], blocks[touched[-1]][1]))
    return widened


def _merged(spans: list[Span]) -> list[Span]:
    """The spans in text order, overlapping ones (and duplicates) joined into one."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _natural_key(name: str) -> list[tuple[int, int | str]]:
    return [
        (0, int(part)) if part.isdecimal() else (1, part)
        for part in re.split(r"(\d+)", name.casefold())
        if part
    ]
