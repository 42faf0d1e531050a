"""Placing REFI-QDA selections on Tillit's text: offsets mapped from the source program's text
to the stored one, checked against the selected text, and re-anchored by that text if need be.

The specification counts code points of the plain text from 0, end exclusive. Programs have been
seen counting UTF-16 code units, line ends as two characters (CRLF) or one, and the byte-order
mark; which way a source was counted is decided from its selections (:mod:`coding.refi_readings`).
Tillit stores the text NFC-normalised with ``\\n`` line ends and no trailing blanks, so a
position in the source's text goes through a map (:class:`SourceText`) to the stored text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from coding.refi_readings import (
    CLEAN,
    Counters,
    Reading,
    Spans,
    choose_reading,
    evidence_for,
    ranked_readings,
    spans_of,
)
from coding.refi_report import (
    BY_POSITION,
    BY_TEXT_EVIDENCE,
    CERTAIN,
    DIRECT,
    FOUND_BY_TEXT,
    VERIFIED,
    WHOLE,
    ReadingEvidence,
)
from coding.refi_sources import SourceText

__all__ = [
    "BY_POSITION",
    "BY_TEXT",
    "DIRECT",
    "FOUND_BY_TEXT",
    "VERIFIED",
    "WHOLE",
    "Anchored",
    "Anchoring",
    "Excerpt",
    "Placement",
    "Selection",
    "SourceText",
]

#: ``Placement.how`` of a coding found by its text away from where the file put it.
BY_TEXT: Final = "found by its text"

_ELLIPSIS: Final = re.compile(r"\s*(?:…|\.\.\.)\s*$")
_MIN_PREFIX: Final = 12  # an excerpt cut without a mark must be this long to count as one
_MIN_FUZZY: Final = 12  # shorter excerpts are looked up exactly, never approximately
_FUZZY_SCORE: Final = 90.0
_SAMPLE: Final = 40  # selections looked up to tell excerpts from labels
_TEXT_SCORE: Final = 2 * CLEAN + 1  # an excerpt at its offsets outweighs two clean edges
# Positions beyond any text (a damaged file's) are held at this, so they fit in int64 arrays.
_FAR: Final = 2**62
_EXACT, _LOOSE = 2, 1  # an excerpt matched as it is, or with other white space


class Excerpt:
    """The text a file gives for a selection (often in its ``name``), ready for comparing."""

    def __init__(self, name: str) -> None:
        text = unicodedata.normalize("NFC", name.replace("\r\n", "\n"))
        self.text = text
        self.truncated = _ELLIPSIS.search(text) is not None and len(text.strip()) > 3
        core = _ELLIPSIS.sub("", text) if self.truncated else text
        self.words = core.split()
        self.squashed = " ".join(self.words)

    def __bool__(self) -> bool:
        return bool(self.words)

    def matches(self, passage: str) -> bool:
        """Whether ``passage`` is this excerpt (white space aside), or begins with it when the
        excerpt is cut short."""
        if passage == self.text:
            return True
        squashed = " ".join(passage.split())
        if squashed == self.squashed:
            return True
        shortened = self.truncated or len(self.squashed) >= _MIN_PREFIX
        return (
            shortened
            and len(squashed) > len(self.squashed)
            and (squashed.startswith(self.squashed))
        )


@dataclass(frozen=True)
class Placement:
    """Where a selection landed in the stored text, ``[start, end)``; ``how`` the file's offsets
    were read (:data:`DIRECT`, another reading's label) or :data:`BY_TEXT`; ``kind`` how far it
    is known to be right (:data:`VERIFIED`, :data:`BY_POSITION`, :data:`FOUND_BY_TEXT`,
    :data:`WHOLE`)."""

    start: int
    end: int
    how: str
    kind: str = VERIFIED


@dataclass(frozen=True)
class Selection:
    """A selection as the file gives it: positions (``None`` if missing) and its name."""

    start: int | None
    end: int | None
    name: str = ""


@dataclass(frozen=True)
class Anchored:
    """The placements of a source's selections (a placement, or a sentence saying why there is
    none), and how its positions were read (``None`` when no selection has positions)."""

    placements: list[Placement | str]
    evidence: ReadingEvidence | None


class Anchoring:
    """Places the selections of one source on its stored text (see :meth:`place`).

    ``origin`` names the program that wrote the file, whose way of counting wins a tie;
    ``document`` is the source's name in the report.
    """

    def __init__(self, text: SourceText, origin: str = "", document: str = "") -> None:
        self.text = text
        self.origin = origin
        self.document = document
        self._readings = ranked_readings(text.raw, had_bom=text.had_bom, origin=origin)
        self._counters = Counters(text.raw)

    def whole(self) -> Placement:
        """The placement of a coding of the whole source."""
        return Placement(0, len(self.text.stored), DIRECT, WHOLE)

    def place(self, selections: Sequence[Selection]) -> Anchored:
        """Each selection's placement, or a sentence saying why it could not be placed.

        The source's reading is the one its selections favour: excerpts standing at their
        offsets first, then edges between words and inside the text; the way ``origin``
        counts, then the specification's, break a tie. A selection whose excerpt stands at its
        offsets under some reading is :data:`VERIFIED`; one whose excerpt is elsewhere is looked
        up by its text, nearest its position (:data:`FOUND_BY_TEXT`); one without an excerpt
        (empty, or a label such as "line:6") goes where the reading puts it (:data:`BY_POSITION`).
        """
        selections = [  # some programs give the end first
            Selection(s.end, s.start, s.name)
            if s.start is not None and s.end is not None and s.start > s.end
            else s
            for s in selections
        ]
        excerpts = [Excerpt(selection.name) for selection in selections]
        results: list[Placement | str | None] = [
            "its position in the file is not a number" if s.start is None or s.end is None else None
            for s in selections
        ]
        positioned = [i for i, result in enumerate(results) if result is None]
        if not positioned:
            return Anchored([r for r in results if r is not None], None)
        starts = np.array([_bounded(selections[i].start) for i in positioned], dtype=np.int64)
        ends = np.array([_bounded(selections[i].end) for i in positioned], dtype=np.int64)
        named = [k for k, i in enumerate(positioned) if excerpts[i]]
        first = self._readings[0]
        spans = {first: spans_of(self.text, self._counters, first, starts, ends)}
        matches = {first: self._matches(spans[first], named, positioned, excerpts)}
        if len(named) == len(positioned) and (matches[first][named] == _EXACT).all():
            # Every excerpt stands where the file says: no need to weigh other readings.
            chosen, ranked = first, [first]
            evidence = evidence_for(
                self.text,
                first,
                (self.document, self.origin),
                counts=(len(positioned), len(named), None, 0),
                level=CERTAIN,
                decided_by=BY_TEXT_EVIDENCE,
            )
        else:
            for reading in self._readings[1:]:
                spans[reading] = spans_of(self.text, self._counters, reading, starts, ends)
                matches[reading] = self._matches(spans[reading], named, positioned, excerpts)
            keys = [
                (selections[i].start, selections[i].end, selections[i].name) for i in positioned
            ]
            chosen, ranked, evidence = choose_reading(
                self.text,
                self._readings,
                spans,
                {reading: found > 0 for reading, found in matches.items()},
                keys,
                text_score=_TEXT_SCORE,
                names=(self.document, self.origin),
            )
        for k, index in enumerate(positioned):
            results[index] = self._verified(k, ranked, spans, matches) if excerpts[index] else None
        verified = sum(1 for result in results if isinstance(result, Placement))
        pending = [(k, i) for k, i in enumerate(positioned) if results[i] is None]
        texts = self._names_are_texts(selections, excerpts, [i for _k, i in pending], verified)
        usual = spans[chosen]
        for k, index in pending:
            selection, excerpt = selections[index], excerpts[index]
            if texts and excerpt:
                expected = int(usual.start[k]) if usual.valid[k] else self._expected(selection)
                found = self._by_text(selection, excerpt, expected)
                results[index] = found or "its text is not in the document"
            elif usual.valid[k]:
                start, end = int(usual.start[k]), int(usual.end[k])
                results[index] = Placement(start, end, chosen.label, BY_POSITION)
            else:
                results[index] = "its position lies outside the document's text"
        return Anchored([r for r in results if r is not None], evidence)

    def _matches(
        self, spans: Spans, named: list[int], positioned: list[int], excerpts: list[Excerpt]
    ) -> npt.NDArray[np.int8]:
        """For each positioned selection: :data:`_EXACT` or :data:`_LOOSE` where its excerpt
        stands at its span, else 0."""
        found = np.zeros(len(positioned), dtype=np.int8)
        stored = self.text.stored
        for k in named:
            if spans.valid[k]:
                excerpt = excerpts[positioned[k]]
                passage = stored[int(spans.start[k]) : int(spans.end[k])]
                if passage == excerpt.text:
                    found[k] = _EXACT
                elif excerpt.matches(passage):
                    found[k] = _LOOSE
        return found

    @staticmethod
    def _verified(
        k: int,
        ranked: list[Reading],
        spans: dict[Reading, Spans],
        matches: dict[Reading, npt.NDArray[np.int8]],
    ) -> Placement | None:
        """Where the excerpt of positioned selection ``k`` stands at its offsets: the very text
        first, then with other white space (an offset one off can take in a blank), under the
        readings in ``ranked`` order."""
        for level in (_EXACT, _LOOSE):
            for reading in ranked:
                if matches[reading][k] == level:
                    span = spans[reading]
                    return Placement(int(span.start[k]), int(span.end[k]), reading.label)
        return None

    # --- by text ----------------------------------------------------------------------------

    def _names_are_texts(
        self,
        selections: Sequence[Selection],
        excerpts: list[Excerpt],
        pending: list[int],
        landed: int,
    ) -> bool:
        """Whether the names of the selections not yet placed are their texts (found in the
        document) rather than labels, judged by the ones verified and a sample of the rest."""
        named = [i for i in pending if excerpts[i]]
        if not named:
            return False
        sample = named[:_SAMPLE]
        found = sum(
            1
            for i in sample
            if self._exact(selections[i], excerpts[i], self._expected(selections[i])) is not None
        )
        share_found = found / len(sample)
        share_landed = landed / (landed + len(named))
        return share_found >= 0.5 or share_landed >= 0.5

    def _by_text(self, selection: Selection, excerpt: Excerpt, expected: int) -> Placement | None:
        span = self._exact(selection, excerpt, expected) or self._approximate(
            selection, excerpt, expected
        )
        return Placement(*span, BY_TEXT, FOUND_BY_TEXT) if span else None

    def _expected(self, selection: Selection) -> int:
        """Where the selection would begin in the stored text, its start read as code points."""
        raw_start = min(max(selection.start or 0, 0), len(self.text.raw))
        return self.text.to_stored(raw_start)

    def _exact(
        self, selection: Selection, excerpt: Excerpt, expected: int
    ) -> tuple[int, int] | None:
        """The occurrence of the excerpt (any white space between words) nearest ``expected``."""
        pattern = re.compile(r"\s+".join(re.escape(word) for word in excerpt.words))
        best: re.Match[str] | None = None
        for match in pattern.finditer(self.text.stored):
            if best is None or abs(match.start() - expected) < abs(best.start() - expected):
                best = match
            elif match.start() > expected:
                break
        if best is None:
            return None
        return best.start(), self._end(selection, best.start(), best.end(), excerpt)

    def _approximate(
        self, selection: Selection, excerpt: Excerpt, expected: int
    ) -> tuple[int, int] | None:
        """The passage most like the excerpt near ``expected`` (rapidfuzz, score 90 or more)."""
        if len(excerpt.squashed) < _MIN_FUZZY:
            return None
        stored = self.text.stored
        margin = 1000 + 2 * len(excerpt.text)
        for low, high in ((max(expected - margin, 0), expected + margin), (0, len(stored))):
            window = stored[low:high]
            if len(window) < len(excerpt.squashed):
                continue
            found = fuzz.partial_ratio_alignment(
                excerpt.squashed, window, score_cutoff=_FUZZY_SCORE
            )
            if found is not None:
                start = low + found.dest_start
                return start, self._end(selection, start, low + found.dest_end, excerpt)
            if low == 0 and high >= len(stored):
                break
        return None

    def _end(self, selection: Selection, start: int, end: int, excerpt: Excerpt) -> int:
        """The end of a passage found by its text: the file's length where the name was cut."""
        if excerpt.truncated and selection.start is not None and selection.end is not None:
            wanted = start + max(selection.end - selection.start, 0)
            return min(max(wanted, end), len(self.text.stored))
        return end


def _bounded(position: int | None) -> int:
    """A file's position, held within ±``_FAR`` (still outside every text)."""
    assert position is not None
    return max(-_FAR, min(position, _FAR))
