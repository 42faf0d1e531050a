"""Placing REFI-QDA selections on Tillit's text: offsets mapped from the source program's text
to the stored one, checked against the selected text, and re-anchored by that text if need be.

The specification counts code points of the plain text from 0, end exclusive. Programs have been
seen counting UTF-16 code units, line ends as two characters (CRLF) or one, and the byte-order
mark. Tillit stores the text NFC-normalised with ``\\n`` line ends and no trailing blanks, so a
position in the source's text goes through a map (:class:`SourceText`) to the stored text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

import numpy as np
from rapidfuzz import fuzz

from storage.formats.text_file import normalise_text

#: How a coding was placed when the file's offsets landed on its text as the specification says.
DIRECT: Final = "direct"
#: How a coding was placed when it was found by its text near where the file put it.
BY_TEXT: Final = "found by its text"

_LINE_BREAKS: Final = frozenset("\x0b\x0c\x85\u2028\u2029")
_INVISIBLE: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]")
# Characters of combining class 0 that NFC still joins to the one before (Hangul vowels and
# final consonants, some Indic and Southeast Asian vowel signs).
_JOINS_BACK: Final = frozenset(
    [chr(c) for c in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))]
    + list("\u0b3e\u0b57\u0bbe\u0bd7\u0cc2\u0cd5\u0cd6\u0d3e\u0d57\u0dcf\u0ddf\u102e\u1b35")
    + [chr(c) for c in (0x110BA, 0x11127, 0x1133E, 0x11357, 0x114B0, 0x114BA, 0x114BD, 0x115AF)]
)
_ELLIPSIS: Final = re.compile(r"\s*(?:…|\.\.\.)\s*$")
_MIN_PREFIX: Final = 12  # an excerpt cut without a mark must be this long to count as one
_MIN_FUZZY: Final = 12  # shorter excerpts are looked up exactly, never approximately
_FUZZY_SCORE: Final = 90.0
_SAMPLE: Final = 40  # selections looked up to tell excerpts from labels


class SourceText:
    """A source's text as the other program has it (``raw``) and as Tillit stores it.

    :meth:`to_stored` maps a code-point index of ``raw`` to one of ``stored``: a removed
    character (a carriage return, blanks at a line's end) maps to where the next kept one is.
    """

    def __init__(self, raw: str, *, had_bom: bool = False) -> None:
        self.raw = raw
        self.had_bom = had_bom
        stored = normalise_text(raw)
        self._origins: list[int] | None = None
        if stored != raw:
            stored, self._origins = _normalised(raw)
        self.stored = stored

    def to_stored(self, index: int) -> int:
        """The index of ``stored`` where code point ``index`` of ``raw`` went (0 to len)."""
        if self._origins is None:
            return index
        return bisect_left(self._origins, index)


def _normalised(raw: str) -> tuple[str, list[int]]:
    """``normalise_text(raw)``, built character by character with the index in ``raw`` that each
    character came from (non-decreasing)."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(raw):  # line ends and invisible characters
        line_end = char == "\r" or char in _LINE_BREAKS  # "\x85" is one, not invisible
        if (line_end and raw.startswith("\r\n", index)) or (
            not line_end and _INVISIBLE.match(char)
        ):
            continue
        chars.append("\n" if line_end else char)
        origins.append(index)
    text = "".join(chars)
    if not unicodedata.is_normalized("NFC", text):
        text, origins = _composed(text, origins)
    kept_chars: list[str] = []
    kept: list[int] = []
    position = 0
    for line in text.split("\n"):  # no blanks at the end of a line
        width = len(line.rstrip())
        kept_chars.append(line[:width] + "\n")
        kept.extend(origins[position : position + width])
        if position + len(line) < len(origins):
            kept.append(origins[position + len(line)])
        position += len(line) + 1
    stored = "".join(kept_chars)[:-1].rstrip()  # nor at the end of the text
    return stored, kept[: len(stored)]


def _composed(text: str, origins: list[int]) -> tuple[str, list[int]]:
    """NFC of ``text`` with origins; each composed cluster keeps the origin of its first
    character. Lines are composed one by one, as NFC never joins across a line end."""
    parts: list[str] = []
    composed: list[int] = []
    position = 0
    for line in text.split("\n"):
        line_origins = origins[position : position + len(line)]
        if unicodedata.is_normalized("NFC", line):
            parts.append(line)
            composed.extend(line_origins)
        else:
            nfc, nfc_origins = _composed_line(line, line_origins)
            parts.append(nfc)
            composed.extend(nfc_origins)
        if position + len(line) < len(origins):
            composed.append(origins[position + len(line)])
        position += len(line) + 1
    return "\n".join(parts), composed


def _composed_line(line: str, origins: list[int]) -> tuple[str, list[int]]:
    starts = [
        index
        for index, char in enumerate(line)
        if index == 0 or (unicodedata.combining(char) == 0 and char not in _JOINS_BACK)
    ]
    pieces: list[str] = []
    result: list[int] = []
    for first, stop in zip(starts, [*starts[1:], len(line)], strict=True):
        piece = unicodedata.normalize("NFC", line[first:stop])
        pieces.append(piece)
        result.extend([origins[first]] * len(piece))
    nfc = "".join(pieces)
    expected = unicodedata.normalize("NFC", line)
    if nfc != expected:  # a script this splitting does not know: spread the line evenly
        step = len(line) / max(len(expected), 1)
        return expected, [origins[int(j * step)] for j in range(len(expected))]
    return nfc, result


class _Reading(NamedTuple):
    """One way of counting positions in the source's text."""

    how: str
    utf16: bool
    other_line_ends: bool
    bom: bool


class _Counter:
    """Positions counted one way, turned into code points of the raw text."""

    def __init__(self, raw: str, reading: _Reading) -> None:
        codes = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        weights = np.ones(len(codes), dtype=np.int64)
        if reading.utf16:
            weights += codes > 0xFFFF
        if reading.other_line_ends:
            if "\r\n" in raw:  # the program counted a CRLF as one character
                weights[:-1][(codes[:-1] == 13) & (codes[1:] == 10)] = 0
            else:  # the program counted each line end as two
                weights[codes == 10] += 1
        self._sums = np.concatenate(([0], np.cumsum(weights)))
        self._shift = 1 if reading.bom else 0

    def code_point(self, position: int) -> int | None:
        position -= self._shift
        if position < 0 or position > self._sums[-1]:
            return None
        return int(np.searchsorted(self._sums, position, side="left"))


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
    """Where a selection landed in the stored text, ``[start, end)``, and how it was found:
    :data:`DIRECT`, :data:`BY_TEXT`, or the way the file counted (``"UTF-16 units"``, …)."""

    start: int
    end: int
    how: str


@dataclass(frozen=True)
class Selection:
    """A selection as the file gives it: positions (``None`` if missing) and its name."""

    start: int | None
    end: int | None
    name: str = ""


@dataclass
class Anchoring:
    """Places the selections of one source on its stored text (see :meth:`place`)."""

    text: SourceText
    _counters: dict[_Reading, _Counter] = field(default_factory=dict, init=False, repr=False)

    def place(self, selections: Sequence[Selection]) -> list[Placement | str]:
        """Each selection's placement, or a sentence saying why it could not be placed.

        A selection whose name is its text lands where the file's offsets put it, counted as
        the specification says (:data:`DIRECT`) or in the first other way that lands on that
        text; failing that, it is looked up by its text, nearest its position (:data:`BY_TEXT`).
        When the names are labels rather than text ("line:6"), the offsets are taken as the
        source's other selections showed them to be counted.
        """
        readings = self._readings()
        selections = [  # some programs give the end first
            Selection(s.end, s.start, s.name)
            if s.start is not None and s.end is not None and s.start > s.end
            else s
            for s in selections
        ]
        excerpts = [Excerpt(selection.name) for selection in selections]
        results: list[Placement | str | None] = [None] * len(selections)
        for index, (selection, excerpt) in enumerate(zip(selections, excerpts, strict=True)):
            if selection.start is None or selection.end is None:
                results[index] = "its position in the file is not a number"
            elif excerpt:
                results[index] = self._by_offsets(selection, excerpt, readings)
        landed = Counter(r.how for r in results if isinstance(r, Placement))
        usual = readings[0]
        if landed:
            usual = next(r for r in readings if r.how == landed.most_common(1)[0][0])
        pending = [i for i, result in enumerate(results) if result is None]
        texts = self._names_are_texts(selections, excerpts, pending, sum(landed.values()))
        for index in pending:
            selection, excerpt = selections[index], excerpts[index]
            if texts and excerpt:
                found = self._by_text(selection, excerpt)
                results[index] = found or "its text is not in the document"
            else:
                span = self._span(selection, usual)
                results[index] = (
                    Placement(*span, usual.how)
                    if span
                    else "its position lies outside the document's text"
                )
        return [result for result in results if result is not None]

    def _readings(self) -> list[_Reading]:
        raw = self.text.raw
        utf16 = (False, True) if any(ord(char) > 0xFFFF for char in raw) else (False,)
        lines = (False, True) if "\n" in raw else (False,)
        boms = (False, True) if self.text.had_bom else (False,)
        readings = []
        for bom in boms:
            for wide in utf16:
                for line_ends in lines:
                    parts = [
                        part
                        for part, used in (
                            ("UTF-16 units", wide),
                            ("line ends counted another way", line_ends),
                            ("the byte-order mark counted", bom),
                        )
                        if used
                    ]
                    readings.append(_Reading(", ".join(parts) or DIRECT, wide, line_ends, bom))
        return readings

    def _span(self, selection: Selection, reading: _Reading) -> tuple[int, int] | None:
        """The stored span of the selection's offsets counted as ``reading`` says, if it is one."""
        assert selection.start is not None and selection.end is not None
        if reading.how == DIRECT:
            first, last = selection.start, selection.end
            if not 0 <= first < last <= len(self.text.raw):
                return None
        else:
            counter = self._counters.get(reading)
            if counter is None:
                counter = self._counters[reading] = _Counter(self.text.raw, reading)
            found_first, found_last = (
                counter.code_point(selection.start),
                counter.code_point(selection.end),
            )
            if found_first is None or found_last is None:
                return None
            first, last = found_first, found_last
        start, end = self.text.to_stored(first), self.text.to_stored(last)
        return (start, end) if start < end else None

    def _by_offsets(
        self, selection: Selection, excerpt: Excerpt, readings: list[_Reading]
    ) -> Placement | None:
        stored = self.text.stored
        spans = [(reading, self._span(selection, reading)) for reading in readings[:1]]
        if spans[0][1] is None or stored[spans[0][1][0] : spans[0][1][1]] != excerpt.text:
            spans += [(reading, self._span(selection, reading)) for reading in readings[1:]]
        # The very text first, then the text with other white space: an offset one off can
        # still take in a blank that white space does not tell apart.
        for exact in (True, False):
            for reading, span in spans:
                if span is None:
                    continue
                passage = stored[span[0] : span[1]]
                if passage == excerpt.text if exact else excerpt.matches(passage):
                    return Placement(*span, reading.how)
        return None

    def _names_are_texts(
        self,
        selections: Sequence[Selection],
        excerpts: list[Excerpt],
        pending: list[int],
        landed: int,
    ) -> bool:
        """Whether the names of the selections not yet placed are their texts (found in the
        document) rather than labels, judged by the ones that landed and a sample of the rest."""
        named = [i for i in pending if excerpts[i]]
        if not named:
            return False
        sample = named[:_SAMPLE]
        found = sum(1 for i in sample if self._exact(selections[i], excerpts[i]) is not None)
        share_found = found / len(sample)
        share_landed = landed / (landed + len(named))
        return share_found >= 0.5 or share_landed >= 0.5

    def _by_text(self, selection: Selection, excerpt: Excerpt) -> Placement | None:
        span = self._exact(selection, excerpt) or self._approximate(selection, excerpt)
        return Placement(*span, BY_TEXT) if span else None

    def _expected(self, selection: Selection) -> int:
        """Where the selection should begin in the stored text, as near as the file says."""
        raw_start = min(max(selection.start or 0, 0), len(self.text.raw))
        return self.text.to_stored(raw_start)

    def _exact(self, selection: Selection, excerpt: Excerpt) -> tuple[int, int] | None:
        """The occurrence of the excerpt (any white space between words) nearest its position."""
        pattern = re.compile(r"\s+".join(re.escape(word) for word in excerpt.words))
        expected = self._expected(selection)
        best: re.Match[str] | None = None
        for match in pattern.finditer(self.text.stored):
            if best is None or abs(match.start() - expected) < abs(best.start() - expected):
                best = match
            elif match.start() > expected:
                break
        if best is None:
            return None
        return best.start(), self._end(selection, best.start(), best.end(), excerpt)

    def _approximate(self, selection: Selection, excerpt: Excerpt) -> tuple[int, int] | None:
        """The passage most like the excerpt near its position (rapidfuzz, score 90 or more)."""
        if len(excerpt.squashed) < _MIN_FUZZY:
            return None
        stored = self.text.stored
        expected = self._expected(selection)
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
