"""Counting units by pattern: the sweep over span boundaries against unit-by-unit counting."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.agreement_stats import MISSING, nominal_alpha
from coding.agreement_units import (
    Layout,
    Patterns,
    Spans,
    character_patterns,
    paragraph_patterns,
)


@st.composite
def studies(
    draw: st.DrawFn, max_value: int = 3
) -> tuple[Layout, Spans, int, list[tuple[int, int]]]:
    """Documents with coders present or missing, spans of a few variables, and paragraphs."""
    coders = draw(st.integers(2, 4))
    lengths = draw(st.lists(st.integers(1, 30), min_size=1, max_size=4))
    present = [draw(st.integers(0, 2**coders - 1)) for _ in lengths]
    layout = Layout.of(lengths, present, coders)
    variables = draw(st.integers(1, 3))
    rows: list[tuple[int, int, int, int, int]] = []
    for document, length in enumerate(lengths):
        offset = int(layout.offsets[document])
        for coder in range(coders):
            if not present[document] >> coder & 1:
                continue  # a missing coder has no codings in the document
            for _ in range(draw(st.integers(0, 4))):
                start = draw(st.integers(0, length - 1))
                end = draw(st.integers(start + 1, length))
                variable = draw(st.integers(0, variables - 1))
                value = draw(st.integers(0, max_value))
                rows.append((variable, coder, value, offset + start, offset + end))
    paragraphs: list[tuple[int, int]] = []
    for document, length in enumerate(lengths):
        offset = int(layout.offsets[document])
        cuts = sorted(set(draw(st.lists(st.integers(0, length), max_size=5))) | {0, length})
        for start, end in pairwise(cuts):
            if draw(st.booleans()) or len(cuts) == 2:  # some text lies in no paragraph
                paragraphs.append((offset + start, offset + end))
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    spans = Spans(*(table[:, column] for column in range(5)))
    return layout, spans, variables, paragraphs


def brute_force(
    layout: Layout, spans: Spans, variables: int, units: list[tuple[int, int]]
) -> Counter[tuple[int, tuple[object, ...]]]:
    """For each variable and unit ``[start, end)``: every coder's set of values of the spans
    overlapping the unit (or missing), counted."""
    counts: Counter[tuple[int, tuple[object, ...]]] = Counter()
    for variable in range(variables):
        for start, end in units:
            document = int(layout.document_of(np.array([start]))[0])
            pattern: list[object] = []
            for coder in range(layout.coders):
                if not int(layout.present[document]) >> coder & 1:
                    pattern.append(MISSING)
                    continue
                pattern.append(
                    frozenset(
                        int(spans.value[i])
                        for i in range(len(spans.start))
                        if spans.variable[i] == variable
                        and spans.coder[i] == coder
                        and spans.start[i] < end
                        and spans.end[i] > start
                    )
                )
            counts[variable, tuple(pattern)] += 1
    return counts


def as_sets(patterns: Patterns) -> Counter[tuple[int, tuple[object, ...]]]:
    """The patterns with each one-word category (a bit mask) read back as a set of values."""
    counts: Counter[tuple[int, tuple[object, ...]]] = Counter()
    for variable, values, weight in zip(
        patterns.variable.tolist(), patterns.values.tolist(), patterns.weights.tolist(), strict=True
    ):
        pattern = tuple(
            MISSING if v == MISSING else frozenset(b for b in range(62) if v >> b & 1)
            for v in values
        )
        counts[variable, pattern] += weight
    return counts


@settings(max_examples=150, deadline=None)
@given(studies())
def test_character_patterns_count_every_character(study: tuple) -> None:
    layout, spans, variables, _ = study
    characters = [(x, x + 1) for x in range(layout.total)]
    patterns = character_patterns(layout, spans, variables)
    assert as_sets(patterns) == brute_force(layout, spans, variables, characters)
    assert int(patterns.weights.sum()) == variables * layout.total


@settings(max_examples=150, deadline=None)
@given(studies())
def test_paragraph_patterns_count_every_paragraph(study: tuple) -> None:
    layout, spans, variables, paragraphs = study
    starts = np.array([s for s, _ in paragraphs], dtype=np.int64)
    ends = np.array([e for _, e in paragraphs], dtype=np.int64)
    patterns = paragraph_patterns(layout, spans, variables, starts, ends)
    assert as_sets(patterns) == brute_force(layout, spans, variables, paragraphs)


@settings(max_examples=60, deadline=None)
@given(studies(max_value=130))
def test_value_sets_wider_than_one_word_keep_their_identity(study: tuple) -> None:
    """With values past 62 a set takes several words; α must not change."""
    layout, spans, variables, _ = study
    characters = [(x, x + 1) for x in range(layout.total)]
    patterns = character_patterns(layout, spans, variables)
    expected = brute_force(layout, spans, variables, characters)
    ids: dict[object, int] = {frozenset(): 0}
    for variable in range(variables):
        rows = [(p, w) for (v, p), w in expected.items() if v == variable]
        values = np.array(
            [[v if v == MISSING else ids.setdefault(v, len(ids)) for v in p] for p, _ in rows],
            dtype=np.int64,
        ).reshape(-1, layout.coders)
        weights = np.array([w for _, w in rows], dtype=np.int64)
        assert nominal_alpha(*patterns.of([variable])) == nominal_alpha(values, weights)


def test_overlapping_codings_of_one_coder_count_once() -> None:
    layout = Layout.of([10], [0b11], 2)
    spans = Spans(
        np.array([0, 0, 0]), np.array([0, 0, 1]), np.array([0, 0, 0]),
        np.array([0, 2, 0]), np.array([5, 7, 7]),
    )  # fmt: skip
    patterns = character_patterns(layout, spans, 1)
    assert dict(
        zip(map(tuple, patterns.values.tolist()), patterns.weights.tolist(), strict=True)
    ) == {
        (0, 0): 3,
        (1, 1): 7,
    }


def test_touching_codings_in_two_documents_keep_each_documents_coders() -> None:
    # Coder 0 codes the last character of document 0 and the first of document 1, where
    # coder 1 is present too: the second character must not take document 0's coders.
    layout = Layout.of([1, 1], [0b01, 0b11], 2)
    spans = Spans(np.array([0, 0]), np.array([0, 0]), np.array([0, 0]), np.array([0, 1]),
                  np.array([1, 2]))  # fmt: skip
    patterns = character_patterns(layout, spans, 1)
    assert dict(
        zip(map(tuple, patterns.values.tolist()), patterns.weights.tolist(), strict=True)
    ) == {
        (1, MISSING): 1,
        (1, 0): 1,
    }
