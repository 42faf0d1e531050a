"""Segment agreement as MAXQDA reports it: which coded segments the other coder matched.

MAXQDA's intercoder agreement at segment level checks each coder's coded segments against the
other coder's: a segment is an agreement when the other coder applied the same code to a
segment that overlaps it enough, as a percentage set in the dialog (90 % by default), and the
table gives agreements, non-agreements and their percentage per code (VERBI, *MAXQDA Manual*,
"Intercoder Agreement", maxqda.com/help). Tillit measures the overlap of two segments as the
text they share relative to the text they cover together (intersection over union, so that a
long segment does not match every short one inside it, and the match is symmetric); a segment
is matched when at least one segment of the same code by the other coder in the same document
overlaps it by at least the chosen share.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from coding.agreement_stats import Counts


@dataclass(frozen=True, eq=False)
class Segments:
    """Codings as arrays: document index, code index, coder index, ``[start, end)``."""

    document: Counts
    code: Counts
    coder: Counts
    start: Counts
    end: Counts


def matched_counts(
    segments: Segments, first: int, second: int, codes: int, overlap: Fraction
) -> Counts:
    """For coders ``first`` and ``second``, per code (rows), the columns: ``first``'s
    segments, those matched by ``second``, ``second``'s segments, those matched by ``first``.

    Only the segments in the given documents count: the caller passes those both coded.
    """
    mine = np.flatnonzero(segments.coder == first)
    theirs = np.flatnonzero(segments.coder == second)
    keys = segments.document * codes + segments.code
    theirs = theirs[np.argsort(keys[theirs], kind="stable")]
    low = np.searchsorted(keys[theirs], keys[mine], side="left")
    high = np.searchsorted(keys[theirs], keys[mine], side="right")
    spread = high - low
    a = np.repeat(mine, spread)
    b = theirs[
        np.repeat(low, spread) + np.arange(len(a)) - np.repeat(np.cumsum(spread) - spread, spread)
    ]
    shared = np.minimum(segments.end[a], segments.end[b]) - np.maximum(
        segments.start[a], segments.start[b]
    )
    covered = np.maximum(segments.end[a], segments.end[b]) - np.minimum(
        segments.start[a], segments.start[b]
    )
    match = (shared > 0) & (shared * overlap.denominator >= covered * overlap.numerator)
    size = len(segments.code)
    mine_matched = np.bincount(a[match], minlength=size)[mine] > 0
    theirs_matched = np.bincount(b[match], minlength=size)[theirs] > 0
    code = segments.code
    return np.column_stack(
        (
            np.bincount(code[mine], minlength=codes),
            np.bincount(code[mine][mine_matched], minlength=codes),
            np.bincount(code[theirs], minlength=codes),
            np.bincount(code[theirs][theirs_matched], minlength=codes),
        )
    ).astype(np.int64)
