"""Answering a query from the posting lists directly, as arrays of document numbers.

Words, prefixes, wildcards, fuzzy terms, phrases and their AND, OR and NOT are answered by
reading each term's posting list a block at a time into numpy and combining the arrays as
sets; anything else is left to whoosh's own matchers. Positions are not indexed, so a phrase is
checked against the text of the units that hold all its words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query.qcore import QueryError

from storage.errors import StorageError
from storage.search_schema import POSITIONS, TEXT_FIELDS
from storage.store import Store


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of the open index: its reader, where its document numbers start, each
    document's (paragraph, document, start, end), and which documents are not deleted."""

    reader: Any
    offset: int
    rows: np.ndarray
    speakers: np.ndarray
    live: np.ndarray


def read_columns(reader: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A segment's positions and speakers by document number, and which are not deleted."""
    count = reader.doc_count_all()
    rows = np.empty((count, 4), dtype=np.int64)
    for column, name in enumerate(POSITIONS):
        rows[:, column] = np.fromiter(reader.column_reader(name), dtype=np.int64, count=count)
    speakers = np.array([b.decode("utf-8") for b in reader.column_reader("who")], dtype=object)
    live = np.zeros(count, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    return rows, speakers, live


def matching_rows(
    searcher: Any, segments: list[Segment], query: wq.Query, phrases: PhraseCheck
) -> tuple[np.ndarray, np.ndarray]:
    """The positions of every live unit matching ``query``, sorted by document and start.

    Words, prefixes, wildcards, fuzzy terms, phrases and their AND, OR and NOT are answered
    from the posting lists directly, as arrays of document numbers; anything else is left to
    whoosh's matchers."""
    found: list[tuple[Segment, np.ndarray]] = []
    if _answerable(query):
        for segment in segments:
            numbers = _documents(segment, query, phrases)
            found.append((segment, numbers[segment.live[numbers]]))
    else:
        try:
            numbers = np.fromiter(searcher.docs_for_query(query), dtype=np.int64)
        except QueryError as exc:
            raise StorageError(f"This search cannot be answered: {exc}.") from exc
        for segment in segments:
            end = segment.offset + len(segment.live)
            mine = numbers[(numbers >= segment.offset) & (numbers < end)] - segment.offset
            found.append((segment, mine[segment.live[mine]]))
    if not found:
        return np.empty((0, 4), dtype=np.int64), np.empty(0, dtype=object)
    rows = np.concatenate([segment.rows[numbers] for segment, numbers in found])
    speakers = np.concatenate([segment.speakers[numbers] for segment, numbers in found])
    order = np.lexsort((rows[:, 2], rows[:, 1]))
    return rows[order], speakers[order]


_SETS = (wq.Or, wq.DisjunctionMax, wq.And, wq.AndNot, wq.AndMaybe, wq.Not)


def _answerable(query: wq.Query) -> bool:
    if isinstance(query, wq.Every):
        return not query.fieldname  # every document, not every one with a field
    if isinstance(query, (wq.Term, wq.MultiTerm, wq.Phrase)) or query is wq.NullQuery:
        return True
    if isinstance(query, _SETS):
        return all(_answerable(child) for child in query.children())
    return False


def _documents(segment: Segment, query: wq.Query, phrases: PhraseCheck) -> np.ndarray:
    """The sorted document numbers (within one segment) that ``query`` matches."""
    reader = segment.reader
    if isinstance(query, wq.Term):
        return _postings(reader, query.fieldname, query.text)
    if isinstance(query, wq.MultiTerm):
        return _union([_postings(reader, f, text) for f, text in query.expanded_terms(reader)])
    if isinstance(query, wq.Phrase):
        words = [wq.Term(query.fieldname, word) for word in query.words]
        candidates = _documents(segment, wq.And(words), phrases)
        if query.fieldname not in TEXT_FIELDS.values():
            return candidates  # a document's name: its words will do
        return phrases.keep(segment, candidates, query)
    if isinstance(query, wq.Every):
        return np.arange(reader.doc_count_all(), dtype=np.int64)
    if isinstance(query, (wq.Or, wq.DisjunctionMax)):
        return _union([_documents(segment, child, phrases) for child in query.children()])
    if isinstance(query, wq.And):
        both: np.ndarray | None = None
        for child in query.children():
            found = _documents(segment, child, phrases)
            both = found if both is None else np.intersect1d(both, found, assume_unique=True)
            if not len(both):
                break
        return _NONE if both is None else both
    if isinstance(query, wq.AndNot):
        return np.setdiff1d(
            _documents(segment, query.a, phrases),
            _documents(segment, query.b, phrases),
            assume_unique=True,
        )
    if isinstance(query, wq.AndMaybe):
        return _documents(segment, query.a, phrases)
    if isinstance(query, wq.Not):
        every = np.arange(reader.doc_count_all(), dtype=np.int64)
        return np.setdiff1d(every, _documents(segment, query.query, phrases), assume_unique=True)
    return _NONE  # NullQuery


class PhraseCheck:
    """Keeps the units whose text holds a phrase: its words in order, each at most ``slop``
    words after the one before (1: side by side), as the field's analyzer reads them.
    One serves one search, keeping the document texts it read."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._texts: dict[int, str] = {}

    def keep(self, segment: Segment, candidates: np.ndarray, phrase: wq.Phrase) -> np.ndarray:
        if not len(candidates) or not phrase.words:
            return candidates
        rows = segment.rows[candidates]
        missing = set(rows[:, 1].tolist()) - self._texts.keys()
        if missing:
            with self._store.read() as tx:
                self._texts.update((d, tx.documents.text(d)) for d in missing)
        tokenizer = segment.reader.schema[phrase.fieldname].analyzer
        words = [str(word) for word in phrase.words]
        slop = max(1, int(phrase.slop))
        kept = [
            number
            for number, (_, document_id, start, end) in zip(
                candidates.tolist(), rows.tolist(), strict=True
            )
            if _holds(tokenizer.words(self._texts[document_id][start:end]), words, slop)
        ]
        return np.asarray(kept, dtype=np.int64)


def _holds(tokens: list[str], words: list[str], slop: int) -> bool:
    """Whether ``words`` occur in ``tokens`` in order, each within ``slop`` of the last."""
    for first, token in enumerate(tokens):
        if token != words[0]:
            continue
        at = first
        for word in words[1:]:
            window = tokens[at + 1 : at + 1 + slop]
            if word not in window:
                break
            at += 1 + window.index(word)
        else:
            return True
    return False


_NONE = np.empty(0, dtype=np.int64)


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    """The sorted union of sorted arrays of document numbers (marked in one array of flags:
    faster than sorting when there are thousands)."""
    arrays = [array for array in arrays if len(array)]
    if len(arrays) < 2:
        return arrays[0] if arrays else _NONE
    present = np.zeros(max(int(array[-1]) for array in arrays) + 1, dtype=bool)
    for array in arrays:
        present[array] = True
    return np.flatnonzero(present)


def _postings(reader: Any, field: str, text: str | bytes) -> np.ndarray:
    """The document numbers of one term's posting list, read a block at a time."""
    if (field, text) not in reader:
        return _NONE
    matcher = reader.postings(field, text)
    if isinstance(matcher, FilterMatcher):  # deleted documents: dropped by the caller
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:
        return np.fromiter(matcher.all_ids(), dtype=np.int64)
    # Each block's ids are read as one array (whoosh's all_ids() yields them one by one,
    # several times slower when a word has thousands of postings).
    blocks: list[np.ndarray] = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids = np.asarray(matcher._data[0], dtype=np.int64)
        blocks.append(np.cumsum(ids))  # stored as differences
        matcher._next_block()
    return np.concatenate(blocks) if blocks else _NONE
