"""The codings of one document found by position, and their lanes in the stripe margin (no Qt).

Positions are code points, spans ``[start, end)``. Nothing here is recomputed for the whole
document when one coding changes: the index touches one bucket, the lanes one coding.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, count
from operator import itemgetter

from coding.records import CodingSpan

#: Spans per bucket of the index; a bucket splits when it holds twice as many.
_LOAD = 64

_Entry = tuple[int, int, int]  # (start, end, id): the index's sort order
_END = itemgetter(1)


class SpanIndex:
    """Spans by id, found by overlap with a stretch of text.

    The spans are sorted by start into buckets, each of which knows its largest end, with a
    running maximum of those ends across the buckets. A query skips every bucket before the
    first whose running maximum reaches the stretch, and every bucket whose spans all end
    before it; finding ``k`` spans costs O(log n + n/64 + k) even beside a span as long as the
    document. Adding or removing a span re-sorts one bucket: O(64 + n/64).
    """

    def __init__(self, spans: Iterable[tuple[int, int, int]] = ()) -> None:
        """``spans`` are ``(id, start, end)``."""
        entries = sorted([(start, end, span_id) for span_id, start, end in spans])
        self._spans = {span_id: (start, end) for start, end, span_id in entries}
        if len(self._spans) < len(entries):
            raise ValueError("two spans have the same id")
        self._buckets = [entries[i : i + _LOAD] for i in range(0, len(entries), _LOAD)]
        self._heads = [bucket[0] for bucket in self._buckets]
        self._ends = [max(map(_END, bucket)) for bucket in self._buckets]
        self._reach = list(accumulate(self._ends, max))

    def __len__(self) -> int:
        return len(self._spans)

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._spans

    def span(self, span_id: int) -> tuple[int, int]:
        """``(start, end)`` of a span; ``KeyError`` when it is not in the index."""
        return self._spans[span_id]

    def entries(self) -> Iterator[_Entry]:
        """Every span as ``(start, end, id)``, in that order."""
        return chain.from_iterable(self._buckets)

    def overlapping(self, start: int, end: int) -> list[int]:
        """Ids of the spans sharing a position with ``[start, end)``, ordered by start."""
        found: list[int] = []
        first = bisect_right(self._reach, start)  # the buckets before it all end by `start`
        last = bisect_left(self._heads, (end,))  # the buckets from it all start at `end` or on
        for k in range(first, last):
            if self._ends[k] <= start:
                continue
            for span_start, span_end, span_id in self._buckets[k]:
                if span_start >= end:
                    break
                if span_end > start:
                    found.append(span_id)
        return found

    def add(self, span_id: int, start: int, end: int) -> None:
        """Add a span; ``ValueError`` if the id is there already."""
        if span_id in self._spans:
            raise ValueError(f"span {span_id} is in the index already")
        self._spans[span_id] = (start, end)
        entry = (start, end, span_id)
        if not self._buckets:
            self._buckets.append([entry])
            self._heads.append(entry)
            self._ends.append(end)
        else:
            k = max(0, bisect_right(self._heads, entry) - 1)
            bucket = self._buckets[k]
            insort(bucket, entry)
            if len(bucket) > 2 * _LOAD:
                self._buckets[k : k + 1] = [bucket[:_LOAD], bucket[_LOAD:]]
                self._heads.insert(k + 1, entry)
                self._ends.insert(k + 1, end)
                self._summarise(k + 1)
            self._summarise(k)
        self._reach = list(accumulate(self._ends, max))

    def remove(self, span_id: int) -> None:
        """Remove a span; ``KeyError`` when it is not in the index."""
        start, end = self._spans.pop(span_id)
        entry = (start, end, span_id)
        k = bisect_right(self._heads, entry) - 1
        bucket = self._buckets[k]
        del bucket[bisect_left(bucket, entry)]
        if bucket:
            self._summarise(k)
        else:
            del self._buckets[k], self._heads[k], self._ends[k]
        self._reach = list(accumulate(self._ends, max))

    def _summarise(self, k: int) -> None:
        bucket = self._buckets[k]
        self._heads[k] = bucket[0]
        self._ends[k] = max(map(_END, bucket))


class Lanes:
    """Lanes of the stripe margin: each span takes the lowest lane no conflicting span holds.

    Two spans conflict when they overlap, or when the second starts fewer than ``gap``
    positions after the first ends and no line break lies between them: their bars, which
    cover whole lines, could then meet on a line both touch. ``breaks`` are the sorted
    positions of the text's line breaks. Lanes are assigned once for a document, greedily in
    order of start, then kept: adding a span picks a lane among its neighbours' and removing
    one frees its lane, moving no other span.
    """

    def __init__(self, gap: int = 0, breaks: Sequence[int] = ()) -> None:
        self.gap = gap
        self._breaks = breaks
        self._lanes: dict[int, int] = {}
        self._spans_in_lane: list[int] = []

    def __len__(self) -> int:
        """How many lanes are in use: the highest lane held, plus one."""
        return len(self._spans_in_lane)

    def lane(self, span_id: int) -> int:
        return self._lanes[span_id]

    def released(self, end: int) -> int:
        """Where a span ending at ``end`` stops holding its lane."""
        after = end + self.gap
        k = bisect_left(self._breaks, end - 1)  # the break ending the span's last line
        return min(after, self._breaks[k] + 1) if k < len(self._breaks) else after

    def assign_all(self, index: SpanIndex) -> None:
        """Give every span of ``index`` a lane, in order of start: O(n·L) for L lanes in use.

        Scanning the few lanes for the lowest free one beats a heap of free lanes in Python
        (1.5 times at 34 lanes), and this runs while a document opens.
        """
        lanes: dict[int, int] = {}
        free_from: list[int] = []  # per lane: the position from which it is free
        spans_in_lane: list[int] = []
        gap = self.gap
        breaks = [*self._breaks, sys.maxsize]
        for start, end, span_id in index.entries():
            released = breaks[bisect_left(breaks, end - 1)] + 1
            if released > end + gap:  # noqa: PLR1730 - min() would cost a call per span
                released = end + gap
            for lane, free in enumerate(free_from):
                if free <= start:
                    free_from[lane] = released
                    spans_in_lane[lane] += 1
                    break
            else:
                lane = len(free_from)
                free_from.append(released)
                spans_in_lane.append(1)
            lanes[span_id] = lane
        self._lanes, self._spans_in_lane = lanes, spans_in_lane

    def add(self, span_id: int, index: SpanIndex) -> int:
        """Give a span already in ``index`` the lowest lane its neighbours leave free."""
        start, end = index.span(span_id)
        released = self.released(end)
        taken = set()
        for other in index.overlapping(start - self.gap, released):
            if other != span_id and other in self._lanes:
                other_start, other_end = index.span(other)
                if other_start < released and start < self.released(other_end):
                    taken.add(self._lanes[other])
        lane = next(lane for lane in count() if lane not in taken)
        self._take(span_id, lane)
        return lane

    def remove(self, span_id: int) -> None:
        lane = self._lanes.pop(span_id)
        self._spans_in_lane[lane] -= 1
        while self._spans_in_lane and self._spans_in_lane[-1] == 0:
            self._spans_in_lane.pop()

    def _take(self, span_id: int, lane: int) -> None:
        while len(self._spans_in_lane) <= lane:
            self._spans_in_lane.append(0)
        self._spans_in_lane[lane] += 1
        self._lanes[span_id] = lane


@dataclass(frozen=True)
class SpanDiff:
    """What :meth:`CodingSet.update` changed, by coding id."""

    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    changed: tuple[int, ...] = ()  # same span, other code, colour, coder or memo

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


class CodingSet:
    """A document's codings by id, with their index and their lanes."""

    def __init__(
        self, spans: Sequence[CodingSpan] = (), lane_gap: int = 0, breaks: Sequence[int] = ()
    ) -> None:
        """``lane_gap`` and ``breaks`` (the text's line breaks) are as :class:`Lanes` takes them."""
        self._spans = {span.id: span for span in spans}
        self._index = SpanIndex([(span.id, span.start, span.end) for span in spans])
        self._lanes = Lanes(lane_gap, breaks)
        self._lanes.assign_all(self._index)
        #: Counts the updates that changed something, so that views know their paint is stale.
        self.generation = 0

    def __len__(self) -> int:
        return len(self._spans)

    def __iter__(self) -> Iterator[CodingSpan]:
        return iter(self._spans.values())

    def __contains__(self, coding_id: object) -> bool:
        return coding_id in self._spans

    def get(self, coding_id: int) -> CodingSpan:
        return self._spans[coding_id]

    def overlapping(self, start: int, end: int) -> list[CodingSpan]:
        """The codings sharing a code point with ``[start, end)``, by start."""
        return [self._spans[i] for i in self._index.overlapping(start, end)]

    def at(self, position: int) -> list[CodingSpan]:
        """The codings covering code point ``position``, by start."""
        return self.overlapping(position, position + 1)

    def lane(self, coding_id: int) -> int:
        return self._lanes.lane(coding_id)

    @property
    def lane_count(self) -> int:
        return len(self._lanes)

    def update(self, spans: Iterable[CodingSpan]) -> SpanDiff:
        """Make the set hold exactly ``spans``; codings whose span stays keep their lane."""
        new = {span.id: span for span in spans}
        removed = [i for i, old in self._spans.items() if _moved(old, new.get(i))]
        for coding_id in removed:
            self._index.remove(coding_id)
            self._lanes.remove(coding_id)
            del self._spans[coding_id]
        added = sorted(
            (span for span in new.values() if span.id not in self._spans),
            key=lambda span: (span.start, span.end, span.id),
        )
        changed = [i for i, old in self._spans.items() if new[i] != old]
        for coding_id in changed:
            self._spans[coding_id] = new[coding_id]
        for span in added:
            self._spans[span.id] = span
            self._index.add(span.id, span.start, span.end)
            self._lanes.add(span.id, self._index)
        moved = {span.id for span in added} & set(removed)
        self.generation += bool(removed or added or changed)
        return SpanDiff(
            added=tuple(span.id for span in added if span.id not in moved),
            removed=tuple(i for i in removed if i not in moved),
            changed=(*changed, *sorted(moved)),
        )


def _moved(old: CodingSpan, new: CodingSpan | None) -> bool:
    """Whether ``old`` is gone, or its span moved (which takes it out of its lane)."""
    return new is None or (new.start, new.end) != (old.start, old.end)
