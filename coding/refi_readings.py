"""The ways a REFI-QDA file may count positions in a source's text, and the evidence for each.

The specification counts code points from 0, end exclusive. NVivo counts UTF-16 code units,
over CRLF line ends on Windows and LF on the Mac, the byte-order mark not counted, and gives no
excerpt to check a position against. So each way of counting (a :class:`Reading`) is scored by
where it puts the selections' edges: a reading that cuts words, splits a character or a CRLF
pair, or runs past the end of the text is not the one the coder's program used.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from coding.refi_report import (
    BY_AGREEMENT,
    BY_BOUNDARIES,
    BY_PRODUCER,
    BY_SPECIFICATION,
    BY_TEXT_EVIDENCE,
    CERTAIN,
    DIRECT,
    GUESS,
    LIKELY,
    ReadingEvidence,
)
from coding.refi_sources import SourceText

_LEVELS: Final = (GUESS, LIKELY, CERTAIN)

#: Edge qualities: a clean edge, one on white space, one inside a word, one inside a character.
CLEAN: Final = 2
ON_SPACE: Final = 1
IN_WORD: Final = 0
IN_CHARACTER: Final = -2
#: The score of a selection a reading puts outside the text, or makes empty.
OUTSIDE: Final = -4

_CERTAIN_P: Final = 0.001
_CERTAIN_WINS: Final = 3
_ZWJ: Final = "\u200d"
_BEYOND_BMP: Final = re.compile("[\U00010000-\U0010ffff]")


class Reading(NamedTuple):
    """One way of counting: UTF-16 units or code points; line ends the other way than the text
    file has them (CRLF as one, or LF as two); the byte-order mark counted as a position."""

    utf16: bool
    other_line_ends: bool
    bom: bool

    @property
    def label(self) -> str:
        """How this reading differs from the specification, in a few words (or :data:`DIRECT`)."""
        parts = [
            part
            for part, used in (
                ("UTF-16 units", self.utf16),
                ("line ends counted another way", self.other_line_ends),
                ("the byte-order mark counted", self.bom),
            )
            if used
        ]
        return ", ".join(parts) or DIRECT


SPECIFICATION: Final = Reading(utf16=False, other_line_ends=False, bom=False)


def line_ends_of(raw: str) -> str | None:
    """``"CRLF"`` or ``"LF"``, as the source's text file ends its lines; ``None`` if it has none."""
    if "\r\n" in raw:
        return "CRLF"
    return "LF" if "\n" in raw else None


def ranked_readings(raw: str, *, had_bom: bool, origin: str) -> list[Reading]:
    """The readings that can differ for this text, the one a tie falls to first: the way the
    program named in ``origin`` counts (NVivo: UTF-16 units over the text as written), then the
    specification's, then the rest."""
    utf16 = (False, True) if _BEYOND_BMP.search(raw) else (False,)
    lines = (False, True) if "\n" in raw else (False,)
    boms = (False, True) if had_bom else (False,)
    readings = [Reading(wide, other, bom) for bom in boms for wide in utf16 for other in lines]
    prior = Reading(True, False, False) if "nvivo" in origin.casefold() else SPECIFICATION
    return sorted(readings, key=lambda reading: (reading != prior, reading != SPECIFICATION))


class Counters:
    """Positions of one text counted as each reading says, turned into code-point indices of
    the raw text; readings that differ only in the byte-order mark share their counts."""

    def __init__(self, raw: str) -> None:
        self._raw = raw
        self._codes: npt.NDArray[np.uint32] | None = None
        self._sums: dict[tuple[bool, bool], npt.NDArray[np.int64]] = {}

    def code_points(
        self, reading: Reading, positions: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Each position's code-point index (-1 where it lies outside the text), and whether it
        fell inside a character (between the two units of a surrogate pair or of a CRLF)."""
        shifted = positions - (1 if reading.bom else 0)
        if not reading.utf16 and not reading.other_line_ends:  # one position a code point
            inside = (shifted >= 0) & (shifted <= len(self._raw))
            return np.where(inside, shifted, -1), np.zeros(len(positions), dtype=np.bool_)
        sums = self._sums_of(reading.utf16, reading.other_line_ends)
        total = int(sums[-1])
        inside = (shifted >= 0) & (shifted <= total)
        clipped = shifted.clip(0, total)
        index = np.searchsorted(sums, clipped, side="left").astype(np.int64)
        within = inside & (sums[index] != clipped)
        return np.where(inside, index, -1), within

    def _sums_of(self, utf16: bool, other_line_ends: bool) -> npt.NDArray[np.int64]:
        """How many positions the program counted before each code point (and at the end)."""
        found = self._sums.get((utf16, other_line_ends))
        if found is not None:
            return found
        if self._codes is None:
            self._codes = np.frombuffer(self._raw.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        codes = self._codes
        weights = np.ones(len(codes), dtype=np.int64)
        if utf16:
            weights += codes > 0xFFFF
        if other_line_ends:
            if "\r\n" in self._raw:  # the program counted a CRLF as one character
                weights[:-1][(codes[:-1] == 13) & (codes[1:] == 10)] = 0
            else:  # the program counted each line end as two
                weights[codes == 10] += 1
        sums = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum(weights, out=sums[1:])
        self._sums[(utf16, other_line_ends)] = sums
        return sums


def _wordy(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char)[0] == "M"


def _attached(char: str) -> bool:
    """Whether ``char`` belongs to the character before it: a combining mark, a joiner, a
    variation selector, an emoji modifier or tag."""
    code = ord(char)
    return (
        unicodedata.category(char)[0] == "M"
        or char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE01EF
    )


def edge_quality(raw: str, position: int, *, start: bool, within: bool = False) -> int:
    """How well an edge at code point ``position`` of ``raw`` sits: :data:`CLEAN`,
    :data:`ON_SPACE` (clean, but on white space), :data:`IN_WORD` or :data:`IN_CHARACTER`."""
    before = raw[position - 1] if position > 0 else ""
    after = raw[position] if position < len(raw) else ""
    if within or (before == "\r" and after == "\n") or before == _ZWJ:
        return IN_CHARACTER
    if after and _attached(after):
        return IN_CHARACTER
    if before and after and _wordy(before) and _wordy(after):
        return IN_WORD
    if start:
        return ON_SPACE if after.isspace() else CLEAN
    # A selection ending after a line end is a whole line, as coders often mark them.
    return ON_SPACE if before.isspace() and before != "\n" else CLEAN


def selection_score(raw: str, first: int, last: int, within: tuple[bool, bool]) -> tuple[int, bool]:
    """The score of a selection at code points ``[first, last)`` (-1 meaning outside): the sum
    of its edges' qualities, or :data:`OUTSIDE`; and whether both edges lie between words."""
    if first < 0 or last < 0 or first >= last:
        return OUTSIDE, False
    opening = edge_quality(raw, first, start=True, within=within[0])
    closing = edge_quality(raw, last, start=False, within=within[1])
    return opening + closing, min(opening, closing) >= ON_SPACE


def _sign_test(wins: int, losses: int) -> float:
    """The chance of ``wins`` or more of ``wins + losses`` fair coin tosses (one-sided)."""
    total = wins + losses
    if total == 0 or wins == 0:
        return 1.0
    log_half = total * math.log(2)
    head = math.lgamma(total + 1)
    return min(
        1.0,
        math.fsum(
            math.exp(head - math.lgamma(k + 1) - math.lgamma(total - k + 1) - log_half)
            for k in range(wins, total + 1)
        ),
    )


def certainty(
    chosen: Sequence[float], rival: Sequence[float], chosen_text: int, rival_text: int
) -> str:
    """How sure the chosen reading is against one rival that places some selection elsewhere,
    from the scores of the distinct selections under each and the texts each verified alone.

    A wrong reading moves edges off word boundaries far more often than a coder does, so even
    one selection for a reading and none against it is strong evidence: in trials on the
    Hungarian NVivo samples' text with one to eight word-aligned selections a source, counted
    each way there is, every choice with more selections for it than against it was right, and
    only ties went wrong. Certain: a text verified by the chosen reading alone,
    :data:`_CERTAIN_WINS` selections for it and none against, or a sign test below 1 in 1,000;
    likely: more for it than against; a guess otherwise."""
    wins = sum(1 for mine, theirs in zip(chosen, rival, strict=True) if mine > theirs)
    losses = sum(1 for mine, theirs in zip(chosen, rival, strict=True) if mine < theirs)
    if wins <= losses:
        return GUESS
    if (
        (chosen_text > 0 and rival_text == 0)
        or (losses == 0 and wins >= _CERTAIN_WINS)
        or _sign_test(wins, losses) <= _CERTAIN_P
    ):
        return CERTAIN
    return LIKELY


def weakest(levels: Sequence[str]) -> str:
    """The least sure of ``levels`` (:data:`CERTAIN` if there are none)."""
    return min(levels, key=_LEVELS.index, default=CERTAIN)


class Spans(NamedTuple):
    """A source's positioned selections under one reading: code points of the raw text (-1
    outside), whether an edge fell inside a character, the stored spans, and which are spans."""

    first: npt.NDArray[np.int64]
    last: npt.NDArray[np.int64]
    within_first: npt.NDArray[np.bool_]
    within_last: npt.NDArray[np.bool_]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    valid: npt.NDArray[np.bool_]


def spans_of(
    text: SourceText,
    counters: Counters,
    reading: Reading,
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
) -> Spans:
    """Where the file's ``starts`` and ``ends`` lie in ``text`` counted as ``reading`` says
    (``counters`` are those of ``text.raw``)."""
    first, within_first = counters.code_points(reading, starts)
    last, within_last = counters.code_points(reading, ends)
    inside = (first >= 0) & (last >= 0)
    start = text.to_stored_many(np.where(inside, first, 0))
    end = text.to_stored_many(np.where(inside, last, 0))
    valid = inside & (first < last) & (start < end)
    return Spans(first, last, within_first, within_last, start, end, valid)


def boundary_scores(
    raw: str, spans: Spans, keys: Sequence[object]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Each selection's :func:`selection_score` under a reading (:data:`OUTSIDE` where it is no
    span) and whether it lies on word boundaries; the same ``keys`` (positions) are scored once."""
    scores = np.full(len(keys), OUTSIDE, dtype=np.int64)
    clean = np.zeros(len(keys), dtype=np.bool_)
    seen: dict[object, tuple[int, bool]] = {}
    for k, key in enumerate(keys):
        if not spans.valid[k]:
            continue
        found = seen.get(key)
        if found is None:
            within = (bool(spans.within_first[k]), bool(spans.within_last[k]))
            found = seen[key] = selection_score(
                raw, int(spans.first[k]), int(spans.last[k]), within
            )
        scores[k], clean[k] = found
    return scores, clean


class Choice(NamedTuple):
    """The reading chosen for a source, every reading in the order to try excerpts, and the
    evidence for the report."""

    reading: Reading
    ranked: list[Reading]
    evidence: ReadingEvidence


def choose_reading(
    text: SourceText,
    readings: Sequence[Reading],
    spans: dict[Reading, Spans],
    verified: dict[Reading, npt.NDArray[np.bool_]],
    keys: Sequence[tuple[object, ...]],
    *,
    text_score: int,
    names: tuple[str, str],
) -> Choice:
    """The reading the selections favour: each scores ``text_score`` where its excerpt stands
    at its span, else its :func:`boundary_scores`; the highest total wins, a tie going to the
    first of ``readings``. Its certainty is the weakest against any reading that puts some
    selection elsewhere, each distinct selection (by ``keys``) counted once.
    ``names`` is the document's and the file's producer's, for the report."""
    positions = [key[:2] for key in keys]
    boundaries = {
        reading: boundary_scores(text.raw, spans[reading], positions) for reading in readings
    }
    scores = {
        reading: np.where(verified[reading], text_score, boundaries[reading][0])
        for reading in readings
    }
    totals = {reading: int(scores[reading].sum()) for reading in readings}
    ranked = sorted(readings, key=lambda r: (-totals[r], readings.index(r)))
    chosen = ranked[0]
    distinct = sorted({key: k for k, key in reversed(list(enumerate(keys)))}.values())
    mine = spans[chosen]
    levels: list[tuple[str, Reading]] = []
    for rival in ranked[1:]:
        theirs = spans[rival]
        moved = (mine.valid != theirs.valid) | (
            mine.valid & ((mine.start != theirs.start) | (mine.end != theirs.end))
        )
        if moved.any():
            level = certainty(
                [float(scores[chosen][k]) for k in distinct],
                [float(scores[rival][k]) for k in distinct],
                sum(1 for k in distinct if verified[chosen][k] and not verified[rival][k]),
                sum(1 for k in distinct if verified[rival][k] and not verified[chosen][k]),
            )
            levels.append((level, rival))
    level = weakest([each for each, _rival in levels])
    decided_by = BY_AGREEMENT
    if levels:
        rival = next(r for each, r in levels if each == level)
        if totals[rival] == totals[chosen]:
            decided_by = (
                BY_PRODUCER
                if chosen == readings[0] and chosen != SPECIFICATION
                else BY_SPECIFICATION
                if chosen == SPECIFICATION
                else BY_BOUNDARIES
            )
        elif any(verified[chosen][k] and not verified[rival][k] for k in distinct):
            decided_by = BY_TEXT_EVIDENCE
        else:
            decided_by = BY_BOUNDARIES
    evidence = evidence_for(
        text,
        chosen,
        names,
        counts=(
            len(keys),
            int(np.count_nonzero(verified[chosen])),
            int(np.count_nonzero(boundaries[chosen][1])),
            int(np.count_nonzero(~mine.valid)),
        ),
        level=level,
        decided_by=decided_by,
    )
    return Choice(chosen, ranked, evidence)


def evidence_for(
    text: SourceText,
    reading: Reading,
    names: tuple[str, str],
    *,
    counts: tuple[int, int, int | None, int],
    level: str,
    decided_by: str,
) -> ReadingEvidence:
    """The report's evidence for ``reading``: ``names`` are the document's and the producer's,
    ``counts`` the selections, those verified, those on word boundaries and those outside."""
    selections, verified, boundaries, outside = counts
    line_ends = line_ends_of(text.raw)
    if line_ends is not None and reading.other_line_ends:
        line_ends = "LF" if line_ends == "CRLF" else "CRLF"
    return ReadingEvidence(
        document=names[0],
        utf16=reading.utf16,
        line_ends=line_ends,
        bom_counted=reading.bom if text.had_bom else None,
        selections=selections,
        verified=verified,
        on_boundaries=boundaries,
        outside=outside,
        certainty=level,
        decided_by=decided_by,
        origin=names[1],
    )
