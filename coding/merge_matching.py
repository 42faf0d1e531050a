"""Recognising a coder's documents among the project's, and placing coded passages by their
text where the two texts differ."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from coding.merge_report import DocumentMatch
from storage.repositories.content import DocumentContent
from storage.repositories.merging import DocumentKey

Span = tuple[int, int]

#: How far from where a passage should be its text is looked for, fuzzily, in code points.
_WINDOW = 2_000

#: How many characters a fuzzily placed passage's ends may move to fit the text better.
_SLACK = 3

#: The least similarity (0–100) at which a coded passage is placed on changed text.
FUZZY_CUTOFF = 90.0


@dataclass
class PlacedDocument:
    """Where an incoming document went, and how its codings fared there."""

    our_id: int
    our_name: str
    how: DocumentMatch | None  # None: added as a new document
    same_text: bool
    their_length: int
    placed: int = 0  # codings placed by their text (the texts differ)
    lost: int = 0  # codings whose text was not found

    def hint(self, start: int, our_length: int) -> int:
        """Where a passage at ``start`` of their text would be in ours, if the texts differ
        evenly."""
        return round(start * our_length / max(self.their_length, 1))

    def warning(self, their_name: str) -> str | None:
        """The sentence for a document matched although the texts differ."""
        if self.how is None or self.same_text:
            return None
        how = "by name only" if self.how is DocumentMatch.NAME else "by its UUID"
        return (
            f"“{their_name}” matched this project's “{self.our_name}” {how}, but their texts "
            f"differ, so its codings were placed by their coded text: {self.placed} placed, "
            f"{self.lost} could not be placed."
        )


def match_documents(
    ours: list[DocumentKey], theirs: list[DocumentContent]
) -> dict[int, tuple[DocumentKey, DocumentMatch]]:
    """Each incoming document (by id) that is one of ``ours``, and how it was recognised.

    First the same UUID, then the same text (its hash), then the same name; each of ours is
    taken once. Documents absent from the result are new here.
    """
    claimed: set[int] = set()
    found: dict[int, tuple[DocumentKey, DocumentMatch]] = {}
    for how in DocumentMatch:  # in this order: UUID, text, name
        index: dict[str, list[DocumentKey]] = {}
        for key in ours:
            index.setdefault(_key(key, how), []).append(key)
        for document in theirs:
            if document.id in found:
                continue
            match = next(
                (k for k in index.get(_key(document, how), []) if k.id not in claimed), None
            )
            if match is not None:
                found[document.id] = (match, how)
                claimed.add(match.id)
    return found


def _key(document: DocumentKey | DocumentContent, how: DocumentMatch) -> str:
    if how is DocumentMatch.UUID:
        return document.uuid
    return document.text_hash if how is DocumentMatch.TEXT else document.name


def place_passage(text: str, passage: str, hint: int) -> Span | None:
    """Where ``passage`` is in ``text``: the occurrence nearest ``hint``, else a close match
    (a fuzzy alignment near ``hint``, at least :data:`FUZZY_CUTOFF`), else ``None``."""
    if not passage.strip():
        return None
    best: int | None = None
    at = text.find(passage)
    while at >= 0:
        if best is None or abs(at - hint) < abs(best - hint):
            best = at
        if at >= hint:
            break  # the occurrences after this one are further away
        at = text.find(passage, at + 1)
    if best is not None:
        return best, best + len(passage)
    first = max(0, hint - _WINDOW)
    window = text[first : hint + len(passage) + _WINDOW]
    found = fuzz.partial_ratio_alignment(passage, window, score_cutoff=FUZZY_CUTOFF)
    if found is None or found.dest_end <= found.dest_start:
        return None
    return _widened(text, passage, first + found.dest_start, first + found.dest_end)


def _widened(text: str, passage: str, start: int, end: int) -> Span:
    """The span near ``[start, end)`` that is most like ``passage``: an alignment has the
    passage's length, while the text here may be a few characters longer or shorter."""
    candidates = (
        (max(0, start + ds), min(len(text), end + de))
        for ds in range(-_SLACK, _SLACK + 1)
        for de in range(-_SLACK, _SLACK + 1)
    )
    return max(
        (span for span in candidates if span[0] < span[1]),
        key=lambda span: (fuzz.ratio(passage, text[span[0] : span[1]]), -abs(span[0] - start)),
    )
