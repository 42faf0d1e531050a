"""The units of an agreement study, counted by pattern: from coded spans to how many characters
(or paragraphs) carry each combination of the coders' values, with numpy.

The documents in use are laid end to end (a :class:`Layout`), so one pass over all coded spans
serves every document and every variable at once. A *variable* is what the coders decide for
each unit: whether a code applies (one value, a bit), or which of a parent's children apply (a
set of bits). A coder's value on a unit is the set of bits of the spans they coded that cover
(character units) or overlap (paragraph units) it; the empty set is "not coded". A coder
missing from a document (no coding at all there) has the value :data:`MISSING` on its units.

Nothing is counted character by character: spans are first merged per coder and value, then
one sorted sweep over their boundaries yields the stretches where the coders' values stay the
same, each weighed by its length; the uncoded rest of each document is added by subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coding.agreement_stats import MISSING, Counts

#: Values (bits) one 64-bit word holds; a variable with more takes more words.
BITS_PER_WORD = 62


@dataclass(frozen=True, eq=False)
class Layout:
    """The documents in use laid end to end, with who coded each.

    Document ``i`` holds the positions ``[offsets[i], offsets[i] + lengths[i])``;
    ``present[i]`` has bit ``c`` set when coder ``c`` coded it (the others are missing there).
    """

    offsets: Counts
    lengths: Counts
    present: Counts
    coders: int

    @classmethod
    def of(cls, lengths: list[int], present: list[int], coders: int) -> Layout:
        sizes = np.asarray(lengths, dtype=np.int64).reshape(-1)
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        return cls(offsets, sizes, np.asarray(present, dtype=np.int64).reshape(-1), coders)

    @property
    def total(self) -> int:
        return int(self.lengths.sum())

    def document_of(self, positions: Counts) -> Counts:
        """The index of the document each layout position lies in."""
        return np.searchsorted(self.offsets, positions, side="right").astype(np.int64) - 1


@dataclass(frozen=True, eq=False)
class Spans:
    """Coded spans in layout positions: span ``i`` gives ``variable[i]`` the value numbered
    ``value[i]`` by coder ``coder[i]`` on ``[start[i], end[i])``."""

    variable: Counts
    coder: Counts
    value: Counts
    start: Counts
    end: Counts

    @property
    def words(self) -> int:
        """How many 64-bit words the largest value set needs."""
        return int(self.value.max(initial=0)) // BITS_PER_WORD + 1


@dataclass(frozen=True, eq=False)
class Patterns:
    """Each variable's distinct unit patterns, by variable: ``values[p]`` holds one category
    per coder (:data:`MISSING` where missing; 0 is "coded with none of the values") and
    ``weights[p]`` how many units have that pattern. Every unit of every variable counts."""

    variable: Counts
    values: Counts
    weights: Counts
    variables: int

    def of(self, variables: list[int]) -> tuple[Counts, Counts]:
        """The patterns of the given variables together (pooled), as ``(values, weights)``."""
        bounds = np.searchsorted(self.variable, np.arange(self.variables + 1))
        rows = np.concatenate(
            [np.arange(bounds[v], bounds[v + 1]) for v in variables] or [np.zeros(0, np.int64)]
        ).astype(np.int64)
        return self.values[rows], self.weights[rows]


def character_patterns(layout: Layout, spans: Spans, variables: int) -> Patterns:
    """Patterns over character units: every character (code point) of every document."""
    merged = _merged(spans, layout)
    words = spans.words
    width = layout.total + 1
    keys = np.concatenate(
        (merged.variable * width + merged.start, merged.variable * width + merged.end)
    )
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    column = np.tile(merged.coder * words + merged.value // BITS_PER_WORD, 2)[order]
    bit = np.left_shift(np.int64(1), merged.value % BITS_PER_WORD)
    delta = np.concatenate((bit, -bit))[order]
    state = np.zeros((len(keys), layout.coders * words), dtype=np.int64)
    state[np.arange(len(keys)), column] = delta
    state = np.cumsum(state, axis=0)[:-1]  # the coders' values from each boundary to the next
    lengths = np.diff(keys)
    # Every variable's spans close before the next variable's open, so a stretch with a value
    # never reaches across variables (or documents: a span lies within its document).
    coded = (lengths > 0) & state.any(axis=1)
    starts = keys[:-1][coded]
    return _histogram(
        layout,
        variables,
        variable=starts // width,
        document=layout.document_of(starts % width),
        state=state[coded],
        weights=lengths[coded],
        unit_counts=layout.lengths,
    )


def paragraph_patterns(
    layout: Layout, spans: Spans, variables: int, starts: Counts, ends: Counts
) -> Patterns:
    """Patterns over paragraph (or speaker turn) units ``[starts[i], ends[i])`` in layout
    positions, non-empty and sorted by start: a coder's value on a paragraph is the set of
    values of their spans that overlap it by at least one character."""
    merged = _merged(spans, layout)
    words = spans.words
    reach = np.maximum.accumulate(ends) if len(ends) else ends
    first = np.searchsorted(reach, merged.start, side="right")  # before it: end <= start
    last = np.searchsorted(starts, merged.end, side="left")  # from it on: start >= end
    spread = np.maximum(last - first, 0)
    owner = np.repeat(np.arange(len(first)), spread)
    within = np.arange(len(owner)) - np.repeat(np.cumsum(spread) - spread, spread)
    paragraph = np.repeat(first, spread) + within
    overlaps = (starts[paragraph] < merged.end[owner]) & (ends[paragraph] > merged.start[owner])
    owner, paragraph = owner[overlaps], paragraph[overlaps]
    columns = layout.coders * words
    column = merged.coder[owner] * words + merged.value[owner] // BITS_PER_WORD
    units, unit_index = np.unique(
        merged.variable[owner] * len(starts) + paragraph, return_inverse=True
    )
    state = np.zeros((len(units), columns), dtype=np.int64)
    bit = np.left_shift(np.int64(1), merged.value[owner] % BITS_PER_WORD)
    np.bitwise_or.at(state, (unit_index.reshape(-1), column), bit)
    document = layout.document_of(starts)
    return _histogram(
        layout,
        variables,
        variable=units // max(len(starts), 1),
        document=document[units % max(len(starts), 1)],
        state=state,
        weights=np.ones(len(units), dtype=np.int64),
        unit_counts=np.bincount(document, minlength=len(layout.lengths)).astype(np.int64),
    )


def _merged(spans: Spans, layout: Layout) -> Spans:
    """The spans with the overlapping spans of one variable, coder and value merged, so that
    a coder's value is the sum of the bits of the spans covering a unit. Touching spans stay
    apart: they may end and start at a boundary between documents, where a sweep must stop."""
    if len(spans.start) == 0:
        return spans
    width = layout.total + 1
    group = (spans.variable * layout.coders + spans.coder) * (spans.words * BITS_PER_WORD)
    group += spans.value
    lows, highs = group * width + spans.start, group * width + spans.end
    order = np.argsort(lows, kind="stable")
    lows, highs = lows[order], highs[order]
    reach = np.maximum.accumulate(highs)
    first = np.flatnonzero(np.concatenate(([True], lows[1:] >= reach[:-1])))
    group, low = np.divmod(lows[first], width)
    high = np.maximum.reduceat(highs, first) - group * width
    coder_value, value = np.divmod(group, spans.words * BITS_PER_WORD)
    variable, coder = np.divmod(coder_value, layout.coders)
    return Spans(variable, coder, value, low, high)


def _histogram(
    layout: Layout,
    variables: int,
    *,
    variable: Counts,
    document: Counts,
    state: Counts,
    weights: Counts,
    unit_counts: Counts,
) -> Patterns:
    """Count the coded units by pattern, then add each variable's uncoded units: per set of
    present coders, the units of their documents less the coded ones."""
    coders = layout.coders
    words = state.shape[1] // coders
    present = layout.present[document]
    absent = ((present[:, None] >> np.arange(coders)) & 1) == 0
    categories = _categories(state.reshape(len(state), coders, words))
    categories[absent] = MISSING
    masks, mask_of_document = np.unique(layout.present, return_inverse=True)
    mask_of_document = mask_of_document.reshape(-1)
    units_by_mask = np.bincount(mask_of_document, weights=unit_counts, minlength=len(masks))
    coded_by_mask = np.bincount(
        variable * len(masks) + mask_of_document[document],
        weights=weights,
        minlength=variables * len(masks),
    ).reshape(variables, len(masks))
    uncoded = (units_by_mask[None, :] - coded_by_mask).astype(np.int64).reshape(-1)
    mask_values = np.where(((masks[:, None] >> np.arange(coders)) & 1) == 1, 0, MISSING)
    rows = np.concatenate(
        (
            np.column_stack((variable, categories)),
            np.column_stack(
                (np.repeat(np.arange(variables), len(masks)), np.tile(mask_values, (variables, 1)))
            ),
        )
    ).astype(np.int64)
    all_weights = np.concatenate((weights, uncoded)).astype(np.int64)
    keep = all_weights > 0
    unique, inverse = np.unique(rows[keep], axis=0, return_inverse=True)
    totals = np.bincount(inverse.reshape(-1), weights=all_weights[keep], minlength=len(unique))
    return Patterns(unique[:, 0], unique[:, 1:], totals.astype(np.int64), variables)


def _categories(state: Counts) -> Counts:
    """One category number per coder and unit for a value set held in ``words`` words; the
    empty set is 0 (one word: the bits themselves)."""
    if state.shape[2] == 1:
        return state[:, :, 0].copy()
    flat = np.concatenate(
        (np.zeros((1, state.shape[2]), np.int64), state.reshape(-1, state.shape[2]))
    )
    _, inverse = np.unique(flat, axis=0, return_inverse=True)
    return inverse.reshape(-1)[1:].reshape(state.shape[:2]).astype(np.int64)
