"""The viewer's interval index and stripe lanes, against brute force."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.viewer.span_index import CodingSet, Lanes, SpanIndex
from coding.records import CodingSpan


def _brute(spans: dict[int, tuple[int, int]], start: int, end: int) -> set[int]:
    return {i for i, (s, e) in spans.items() if s < end and e > start}


def _coding(coding_id: int, start: int, end: int, code: str = "Tillit") -> CodingSpan:
    return CodingSpan(coding_id, 1, code, "#8ecae6", 1, "Kari", start, end, "")


def _conflict(lanes: Lanes, a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < lanes.released(b[1]) and b[0] < lanes.released(a[1])


def test_overlapping_finds_spans_that_share_a_position() -> None:
    index = SpanIndex([(1, 0, 10), (2, 5, 15), (3, 20, 30)])
    assert index.overlapping(8, 21) == [1, 2, 3]
    assert index.overlapping(10, 20) == [2]
    assert index.overlapping(15, 20) == []
    assert index.overlapping(29, 29 + 1) == [3]
    assert index.overlapping(30, 40) == []


def test_overlapping_sees_a_long_span_among_many_buckets() -> None:
    spans = [(i, i * 10, i * 10 + 5) for i in range(1, 500)]
    index = SpanIndex([*spans, (0, 0, 100_000)])
    assert index.overlapping(2_506, 2_509) == [0]
    assert index.overlapping(2_500, 2_501) == [0, 250]
    index.remove(0)
    assert index.overlapping(2_506, 2_509) == []


def test_added_and_removed_spans_are_found_or_gone() -> None:
    index = SpanIndex()
    for i in range(300):  # enough to split buckets
        index.add(i, (i * 7) % 1000, (i * 7) % 1000 + 40)
    index.remove(3)
    assert 3 not in index
    assert len(index) == 299
    starts = {i: (i * 7) % 1000 for i in range(300) if i != 3}
    expected = {i for i, start in starts.items() if start < 520 and start + 40 > 500}
    assert set(index.overlapping(500, 520)) == expected
    with pytest.raises(ValueError, match="already"):
        index.add(5, 0, 1)
    with pytest.raises(KeyError):
        index.remove(3)


def test_overlapping_codings_never_share_a_lane() -> None:
    spans = {1: (0, 100), 2: (50, 150), 3: (60, 70), 4: (120, 200), 5: (300, 310)}
    index = SpanIndex((i, s, e) for i, (s, e) in spans.items())
    lanes = Lanes()
    lanes.assign_all(index)
    assert [lanes.lane(i) for i in range(1, 6)] == [0, 1, 2, 0, 0]  # lowest free lane
    assert len(lanes) == 3


def test_codings_close_on_one_line_take_different_lanes() -> None:
    # "aaaa bbbb\ncccc": 0-4 and 5-9 share a line; 10-14 is on the next.
    index = SpanIndex([(1, 0, 4), (2, 5, 9), (3, 10, 14)])
    lanes = Lanes(gap=20, breaks=[9])
    lanes.assign_all(index)
    assert (lanes.lane(1), lanes.lane(2), lanes.lane(3)) == (0, 1, 0)


def test_adding_and_removing_keeps_the_other_lanes() -> None:
    codings = CodingSet([_coding(1, 0, 100), _coding(2, 50, 150), _coding(3, 300, 400)])
    before = {i: codings.lane(i) for i in (1, 2, 3)}
    diff = codings.update([_coding(2, 50, 150), _coding(3, 300, 400), _coding(4, 90, 250)])
    assert diff.added == (4,)
    assert diff.removed == (1,)
    assert {i: codings.lane(i) for i in (2, 3)} == {2: before[2], 3: before[3]}
    assert codings.lane(4) != codings.lane(2)
    assert codings.lane(4) == 0  # lane 0 was freed by coding 1
    assert [c.id for c in codings.at(95)] == [2, 4]


def test_update_reports_a_new_name_or_colour_as_changed_and_keeps_the_lane() -> None:
    codings = CodingSet([_coding(1, 0, 100), _coding(2, 10, 20)])
    lane = codings.lane(2)
    renamed = _coding(2, 10, 20, code="Autonomi")
    diff = codings.update([_coding(1, 0, 100), renamed])
    assert diff.changed == (2,)
    assert not diff.added
    assert not diff.removed
    assert codings.get(2).code_name == "Autonomi"
    assert codings.lane(2) == lane
    assert not codings.update([_coding(1, 0, 100), renamed])


def test_lanes_in_use_shrink_when_the_top_lane_empties() -> None:
    codings = CodingSet([_coding(1, 0, 100), _coding(2, 10, 20), _coding(3, 15, 30)])
    assert codings.lane_count == 3
    codings.update([_coding(1, 0, 100), _coding(2, 10, 20)])
    assert codings.lane_count == 2


_spans = st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), min_size=0, max_size=200).map(
    lambda pairs: {i: (s, s + n) for i, (s, n) in enumerate(pairs)}
)


@settings(max_examples=150, deadline=None)
@given(
    spans=_spans,
    queries=st.lists(st.tuples(st.integers(-10, 480), st.integers(0, 80)), max_size=20),
    removals=st.lists(st.integers(0, 199), max_size=60),
)
def test_index_agrees_with_brute_force(
    spans: dict[int, tuple[int, int]],
    queries: list[tuple[int, int]],
    removals: list[int],
) -> None:
    index = SpanIndex((i, s, e) for i, (s, e) in spans.items())
    live = dict(spans)
    for i in removals:
        if i in live:
            index.remove(i)
            del live[i]
    for i in range(len(spans), len(spans) + 20):  # and add some back
        live[i] = (i * 13 % 400, i * 13 % 400 + 25)
        index.add(i, *live[i])
    for start, length in queries:
        found = index.overlapping(start, start + length)
        assert set(found) == _brute(live, start, start + length)
        assert found == sorted(found, key=lambda i: (*live[i], i))


@settings(max_examples=100, deadline=None)
@given(spans=_spans, removals=st.lists(st.integers(0, 199), max_size=40), gap=st.integers(0, 30))
def test_no_two_conflicting_spans_share_a_lane(
    spans: dict[int, tuple[int, int]], removals: list[int], gap: int
) -> None:
    index = SpanIndex((i, s, e) for i, (s, e) in spans.items())
    lanes = Lanes(gap=gap, breaks=list(range(37, 480, 41)))
    lanes.assign_all(index)
    live = dict(spans)
    for i in removals:
        if i in live:
            index.remove(i)
            lanes.remove(i)
            del live[i]
    kept = {i: lanes.lane(i) for i in live}
    for i in range(1000, 1030):
        live[i] = (i * 17 % 400, i * 17 % 400 + 30)
        index.add(i, *live[i])
        lanes.add(i, index)
    assert all(lanes.lane(i) == lane for i, lane in kept.items())
    for a, b in combinations(live, 2):
        if _conflict(lanes, live[a], live[b]):
            assert lanes.lane(a) != lanes.lane(b), (a, b)
    assert len(lanes) == (max((lanes.lane(i) for i in live), default=-1) + 1)
