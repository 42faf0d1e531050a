"""Searching a project: words, phrases and fields through the full-text index.

The index (``storage.search_index``) lives in the user's cache folder, one per project and
place on disk, and is derived from the project alone: :class:`ProjectSearch` rebuilds it when
it is missing, damaged or of another version, and brings it up to date with the project's
journal before each search. Hits are paragraphs or speaker turns; a query that names a code or
a coder (``code:Autonomi``, ``coder:Kari``) is narrowed to the coded segments that meet it.
"""

from __future__ import annotations

import bisect
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import platformdirs

from coding.errors import CodingError
from coding.project import Project
from storage.errors import StorageError
from storage.repositories.search_units import CodedSpan
from storage.search_index import (
    IndexAnswer,
    IndexCancelledError,
    SearchIndex,
    coding_matches,
    folder_for,
    highlights,
)
from storage.store import Tx

__all__ = [
    "DocumentCount",
    "IndexCancelledError",
    "ProjectSearch",
    "SearchHit",
    "SearchResult",
    "Snippet",
    "cache_folder",
]

#: Overrides the user's cache folder (where indexes are kept), for tests and portable use.
CACHE_ENV = "TILLIT_CACHE"

Progress = Callable[[int, int], bool]  # (done, total) -> go on?


def cache_folder() -> Path:
    """Where derived data (the search indexes) is kept: ``$TILLIT_CACHE`` or the user's
    cache folder."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path(platformdirs.user_cache_dir("Tillit", "Tillit"))


class SearchError(CodingError):
    """A search that cannot be answered; the sentence says why."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A passage that matched: a paragraph or speaker turn, or a coded segment."""

    document_id: int
    start: int
    end: int
    paragraph_id: int
    speaker: str | None
    coding_id: int | None = None  # set when the query named a code or coder


@dataclass(frozen=True, slots=True)
class DocumentCount:
    document_id: int
    name: str
    hits: int


@dataclass(frozen=True, slots=True)
class Snippet:
    """A keyword-in-context line: ``text`` (with "…" where it was cut) and the ``[start,
    end)`` of each matched word within it."""

    text: str
    marks: tuple[tuple[int, int], ...]


@dataclass
class SearchResult:
    """The hits of one query in document and text order, with a count per document.

    Passages are kept as the index's arrays and become :class:`SearchHit` objects only when
    :attr:`hits` is first read (a list shows a screenful at a time)."""

    query: str
    documents: list[DocumentCount]
    segments: bool  # hits are coded segments
    suggestion: str | None  # "did you mean", when nothing was found
    answer: IndexAnswer
    languages: dict[int, str]
    coded: list[SearchHit] | None = None  # the coded segments, when ``segments``

    @property
    def total(self) -> int:
        return len(self.coded) if self.coded is not None else len(self.answer.rows)

    def counted(self) -> str:
        """How much was found, in words: "3 passages in 2 documents"."""
        what = "coded segment" if self.segments else "passage"
        documents = len(self.documents)
        return (
            f"{self.total:,} {what}{'s' if self.total != 1 else ''} in {documents:,} "
            f"document{'s' if documents != 1 else ''}"
        )

    @cached_property
    def hits(self) -> list[SearchHit]:
        if self.coded is not None:
            return self.coded
        return _passages(self.answer)


def _passages(answer: IndexAnswer) -> list[SearchHit]:
    """The paragraphs or turns an index answer lists, in its order."""
    return [
        SearchHit(document_id, start, end, paragraph_id, speaker or None)
        for (paragraph_id, document_id, start, end), speaker in zip(
            answer.rows.tolist(), answer.speakers.tolist(), strict=True
        )
    ]


class ProjectSearch:
    """The search of one open project. Safe to call from a worker thread."""

    def __init__(self, project: Project, cache: Path | None = None) -> None:
        self.project = project
        info = project.info()
        folder = folder_for(cache or cache_folder(), info.uuid, project.path)
        self.index = SearchIndex(folder, project.store)
        self._texts: OrderedDict[int, str] = OrderedDict()
        self._texts_lock = threading.Lock()

    # --- keeping the index current ---------------------------------------------------------

    def needs_rebuild(self) -> bool:
        return self.index.needs_rebuild()

    def rebuild(self, progress: Progress | None = None) -> int:
        """Build the index anew (cancelled when ``progress`` returns False); returns how many
        units it holds."""
        return self.index.rebuild(progress)

    def prepare(self, progress: Progress | None = None) -> None:
        """Make the index reflect the project: rebuild it when it cannot be caught up."""
        try:
            self.index.catch_up()
        except StorageError:  # missing, damaged, of another version, or out of step
            self.index.rebuild(progress)

    def close(self) -> None:
        self.index.close()

    # --- searching -------------------------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        compounds: bool = True,
        documents: Iterable[int] | None = None,
        progress: Progress | None = None,
    ) -> SearchResult:
        """Every passage matching ``text``, after bringing the index up to date.

        The query language is whoosh's: words (stemmed for each document's language),
        "phrases", wild*cards, fuzzy~ terms, AND OR NOT and brackets, and fields:
        ``document:``, ``speaker:``, ``code:`` (a code's name or path; a parent finds its
        children), ``coder:``, ``case:`` and each attribute by its own name (``city:Oslo``).
        With ``compounds`` a Norwegian, Danish or Swedish word also finds the compounds it
        begins ("tillit" finds "tillitsreformen")."""
        if not text.strip():
            raise SearchError("Type what to search for.")
        wanted = None if documents is None else list(documents)
        with self.project.read() as tx:
            attributes = sorted({attribute.name for attribute in tx.attributes.all()})
        self.prepare(progress)
        try:
            answer = self.index.search(
                text, attributes=attributes, compounds=compounds, documents=wanted
            )
        except StorageError:  # the index was damaged behind our back: build it again
            self.index.rebuild(progress)
            answer = self.index.search(
                text, attributes=attributes, compounds=compounds, documents=wanted
            )
        return self._result(text, answer)

    def _result(self, text: str, answer: IndexAnswer) -> SearchResult:
        documents, counts = np.unique(answer.rows[:, 1], return_counts=True)
        coded: list[SearchHit] | None = None
        with self.project.read() as tx:
            names = tx.search_units.names(documents.tolist())
            if answer.segments:
                coded = self._segments_of(tx, answer)
                documents, counts = np.unique(
                    np.array([hit.document_id for hit in coded], dtype=np.int64),
                    return_counts=True,
                )
        return SearchResult(
            query=text,
            documents=[
                DocumentCount(d, names.get(d, ("", ""))[0], n)
                for d, n in zip(documents.tolist(), counts.tolist(), strict=True)
            ],
            segments=answer.segments,
            suggestion=answer.suggestion,
            answer=answer,
            languages={d: language for d, (_, language) in names.items()},
            coded=coded,
        )

    def _segments_of(self, tx: Tx, answer: IndexAnswer) -> list[SearchHit]:
        """The codings in the hit paragraphs that meet the query's codes and coders; when the
        query also has words, only those codings whose text holds one of them."""
        hits = _passages(answer)
        repo = tx.search_units
        terms = repo.code_terms()
        codings = repo.codings_of(sorted({hit.document_id for hit in hits}))
        wants_words = bool(answer.words or answer.prefixes)
        languages = {d: language for d, (_, language) in repo.names(codings).items()}
        seen: set[int] = set()
        found: list[SearchHit] = []
        for hit in hits:
            spans = codings.get(hit.document_id, [])
            starts = [span.start for span in spans]
            last = bisect.bisect_left(starts, hit.end)
            for span in spans[:last]:
                if span.end <= hit.start or span.coding_id in seen:
                    continue
                if not coding_matches(answer.query, terms.get(span.code_id, ()), span.coder):
                    continue
                if wants_words and not self._holds_words(span, answer, languages):
                    continue
                seen.add(span.coding_id)
                found.append(
                    SearchHit(
                        span.document_id,
                        span.start,
                        span.end,
                        hit.paragraph_id,
                        hit.speaker,
                        span.coding_id,
                    )
                )
        found.sort(key=lambda h: (h.document_id, h.start, h.end))
        return found

    def _holds_words(self, span: CodedSpan, answer: IndexAnswer, languages: dict[int, str]) -> bool:
        text = self._text(span.document_id)[span.start : span.end]
        language = languages.get(span.document_id, "nb")
        return bool(highlights(text, language, answer.words, answer.prefixes))

    # --- showing hits ----------------------------------------------------------------------

    def marks(self, result: SearchResult, hit: SearchHit) -> list[tuple[int, int]]:
        """The ``[start, end)`` (in the document) of each matched word within ``hit``."""
        text = self._text(hit.document_id)[hit.start : hit.end]
        language = result.languages.get(hit.document_id, "nb")
        found = highlights(text, language, result.answer.words, result.answer.prefixes)
        return [(hit.start + start, hit.start + end) for start, end in found]

    def snippet(self, result: SearchResult, hit: SearchHit, width: int = 60) -> Snippet:
        """The hit's first match with up to ``width`` characters of context on each side (cut
        at word boundaries), or the beginning of the passage when no word matched."""
        text = self._text(hit.document_id)
        marks = self.marks(result, hit)
        focus_start, focus_end = marks[0] if marks else (hit.start, hit.start)
        left = _word_boundary(text, max(hit.start, focus_start - width), hit.start, forward=True)
        reach = width * 2 if not marks else width
        right = _word_boundary(text, min(hit.end, focus_end + reach), hit.end, forward=False)
        shown = " ".join(text[left:right].split())
        prefix = "… " if left > hit.start else ""
        suffix = " …" if right < hit.end else ""
        window = text[left:right]
        # Offsets move when runs of whitespace fold into one space: map them through.
        folded = _fold_map(window)
        inside = [
            (folded[start - left] + len(prefix), folded[end - left] + len(prefix))
            for start, end in marks
            if left <= start and end <= right
        ]
        return Snippet(prefix + shown + suffix, tuple(inside))

    def _text(self, document_id: int) -> str:
        with self._texts_lock:
            if document_id in self._texts:
                self._texts.move_to_end(document_id)
                return self._texts[document_id]
        with self.project.read() as tx:
            text = tx.documents.text(document_id)
        with self._texts_lock:
            self._texts[document_id] = text
            while len(self._texts) > _CACHED_TEXTS:
                self._texts.popitem(last=False)
        return text

    def forget_texts(self) -> None:
        """Drop the document texts kept for snippets (after an edit of documents)."""
        with self._texts_lock:
            self._texts.clear()


_CACHED_TEXTS = 32


def _word_boundary(text: str, at: int, limit: int, *, forward: bool) -> int:
    """``at`` moved to the nearest space towards the inside of the passage (not past
    ``limit``), so that a context does not begin or end in the middle of a word."""
    if at == limit:
        return at
    step = 1 if forward else -1
    probe = at
    for _ in range(20):
        if probe == limit or text[probe - (0 if forward else 1)].isspace():
            return probe
        probe += step
    return at


def _fold_map(window: str) -> list[int]:
    """For each offset into ``window`` (and its end), the offset in ``" ".join(window.split())``."""
    mapping: list[int] = []
    out = 0
    started = False
    pending_space = False
    for char in window:
        if char.isspace():
            mapping.append(out)
            pending_space = started
            continue
        if pending_space:
            out += 1
            pending_space = False
        mapping.append(out)
        out += 1
        started = True
    mapping.append(out)
    return mapping
