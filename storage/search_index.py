"""The full-text index (whoosh): derived from the project, kept in the user's cache directory.

The project file stays the only source of truth. The index records the last journal entry it
reflects (``index_journal``, written by triggers in every writing transaction); catching up
re-indexes the documents those entries touch. A missing, damaged or foreign index is rebuilt
whole, into a fresh folder that replaces the old one only when it is complete.

Units are paragraphs (or speaker turns), each carrying the codes and coders of the codings that
overlap it; a query that names a code or coder is narrowed to the coded segments afterwards, from
the project (indexing every segment's text again would double the index and its build time).
A unit's text goes into the field of its language (``text_no``, ``text_da``, ``text_sv``,
``text_en``), each stemmed for it; a query is parsed against the fields in use, so that each word
is stemmed as each language would.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import StandardAnalyzer, Token, Tokenizer
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn, RefBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.formats import Existence
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.matching.wrappers import FilterMatcher
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser
from whoosh.query.qcore import QueryError

from storage.errors import StorageError
from storage.repositories.search_units import SearchUnit
from storage.store import Store

#: Bump when the fields or their analysis change: an index of another format is rebuilt.
FORMAT = 4

#: The stemmer of each document language, and the field its text goes into.
STEMMERS = {"nb": "no", "nn": "no", "da": "da", "sv": "sv", "en": "en"}
TEXT_FIELDS = {stemmer: f"text_{stemmer}" for stemmer in ("no", "da", "sv", "en")}
#: Languages that join words into compounds ("tillitsreformen"): a word also matches the
#: words that begin with it.
COMPOUNDING = ("text_no", "text_da", "text_sv")
_MIN_PREFIX = 4

#: Fields whose presence makes a query one about coded segments, not paragraphs.
SEGMENT_FIELDS = frozenset({"code", "coder"})

_STATE = "tillit-state.json"
#: The columns that place a unit: its paragraph, its document, its start and end.
_POSITIONS = ("pid", "docn", "start", "end")
_ATTRIBUTE = re.compile(r"[^0-9a-z]+")

Progress = Callable[[int, int], bool]  # (done, total) -> go on?


class IndexCancelledError(Exception):
    """A rebuild was cancelled; the old index (if any) is untouched."""


@dataclass(frozen=True, slots=True)
class IndexHit:
    """A unit that matched: where it is and what kind it is."""

    paragraph_id: int
    document_id: int
    start: int
    end: int


@dataclass(frozen=True)
class IndexAnswer:
    """The hits of a query, and what to highlight in their text.

    ``rows`` holds one row per hit, (paragraph id, document id, start, end), in document and
    text order; :attr:`hits` gives them as :class:`IndexHit` objects.
    """

    rows: np.ndarray
    speakers: np.ndarray  # the speaker of each row ("" for none)
    segments: bool  # the query named a code or coder: narrow the hits to coded segments
    words: frozenset[str]  # stemmed words that matched (or would)
    prefixes: tuple[str, ...]  # word beginnings that matched (compounds, wildcards)
    suggestion: str | None  # a corrected query when nothing was found
    query: wq.Query  # as parsed; see coding_matches

    @property
    def hits(self) -> list[IndexHit]:
        return [IndexHit(*row) for row in self.rows.tolist()]


def attribute_field(name: str) -> str:
    """The index field of an attribute: ``City`` and ``city`` are both ``attr_city``."""
    from unicodedata import combining, normalize

    folded = "".join(c for c in normalize("NFKD", name.casefold()) if not combining(c))
    folded = folded.replace("ø", "o").replace("æ", "ae")
    return "attr_" + _ATTRIBUTE.sub("_", folded).strip("_")


class LanguageTokenizer(Tokenizer):  # type: ignore[misc]
    """Words, lower-cased, stop words dropped, stemmed for ``lang``, in one pass.

    The same tokens as whoosh's ``LanguageAnalyzer`` (its pattern, its stop words with a minimum
    length of 2, its stemmer), made three times faster by doing the work of its four stages in
    one loop with one cache: building the index is most of the time this analysis.
    """

    _PATTERN = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._stem = stemmer_for_language(lang)
        self._stops = frozenset(stopwords_for_language(lang))
        self._cache: dict[str, str] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LanguageTokenizer) and other.lang == self.lang

    def __hash__(self) -> int:
        return hash(("LanguageTokenizer", self.lang))

    def __getstate__(self) -> dict[str, Any]:
        return {"lang": self.lang}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["lang"])  # type: ignore[misc]

    def words(self, value: str) -> list[str]:
        """The words of ``value`` as :meth:`__call__` gives them, as plain strings."""
        cache, stops = self._cache, self._stops
        return [
            cache.get(word) or self._stemmed(word)
            for word in self._PATTERN.findall(value.lower())
            if len(word) > 1 and word not in stops
        ]

    def _stemmed(self, word: str) -> str:
        stemmed: str = self._stem(word)
        if len(self._cache) < 100_000:
            self._cache[word] = stemmed
        return stemmed

    def __call__(  # noqa: PLR0917 (whoosh calls tokenizers with these positional arguments)
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Any:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value.lower()
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        cache, stops, stem = self._cache, self._stops, self._stem
        pos = start_pos
        for match in self._PATTERN.finditer(value):
            word = match.group().lower()
            stopped = len(word) < 2 or word in stops
            if stopped and removestops:
                continue
            stemmed = cache.get(word)
            if stemmed is None:
                stemmed = stem(word)
                if len(cache) < 100_000:
                    cache[word] = stemmed
            token.text = word if stopped else stemmed
            token.stopped = stopped
            token.boost = 1.0
            if keeporiginal:
                token.original = match.group()
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def schema() -> Schema:
    fields: dict[str, Any] = {
        "key": ID(unique=True),
        "doc": ID(),
        # Columns: read for every hit without unpickling stored fields.
        "pid": COLUMN(NumericColumn("q")),
        "docn": COLUMN(NumericColumn("q")),
        "start": COLUMN(NumericColumn("q")),
        "end": COLUMN(NumericColumn("q")),
        "who": COLUMN(RefBytesColumn()),  # the speaker, to list with each hit
        "document": _words(StandardAnalyzer(stoplist=None, minsize=1)),
        "speaker": KEYWORD(lowercase=True, commas=True, scorable=False),
        "code": KEYWORD(lowercase=True, commas=True, scorable=False),
        "coder": KEYWORD(lowercase=True, commas=True, scorable=False),
        "case": KEYWORD(lowercase=True, commas=True, scorable=False),
    }
    for stemmer, field in TEXT_FIELDS.items():
        fields[field] = _words(LanguageTokenizer(stemmer))
    result = Schema(**fields)
    result.add("attr_*", KEYWORD(lowercase=True, commas=True, scorable=False), glob=True)
    return result


def _words(analyzer: Any) -> TEXT:
    """A field of words that records only which units hold each word: hits are listed in
    text order, never ranked, so neither frequencies nor lengths are kept; nor positions,
    as phrases are checked against the text itself (see _PhraseCheck). A third less to
    write when the index is built, and half as much to read when hits are listed."""
    field = TEXT(analyzer=analyzer, phrase=False)
    field.format = _WordSet()
    field.scorable = False
    return field


class _WordSet(Existence):  # type: ignore[misc]
    """Which words a unit holds; with a :class:`LanguageTokenizer`, read without making a
    token object per word (building the index is mostly this)."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Any:
        if not isinstance(analyzer, LanguageTokenizer) or not isinstance(value, str):
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return ((word, 1, boost, b"") for word in set(analyzer.words(value)))


def folder_for(cache: Path, project_uuid: str, project_path: Path) -> Path:
    """The index folder of a project: one per project and per place on disk (a copied
    project file gets its own index)."""
    where = hashlib.sha1(str(project_path.resolve()).encode("utf-8")).hexdigest()[:10]
    return cache / "index" / f"{project_uuid}-{where}"


class SearchIndex:
    """The index of one open project. Safe to use from several threads of one process."""

    def __init__(self, folder: Path, store: Store) -> None:
        self.folder = folder
        self._store = store
        self._lock = threading.RLock()
        self._building = threading.Lock()
        self._searcher: Any = None
        self._segments: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    # --- keeping it current --------------------------------------------------------------

    def state(self) -> dict[str, Any] | None:
        try:
            data = json.loads((self.folder / _STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("format") == FORMAT else None

    def needs_rebuild(self) -> bool:
        """Whether only a whole rebuild will do: no index, damaged, another format, or a
        project file that went back in time (a backup put in its place)."""
        state = self.state()
        if state is None or not whoosh_index.exists_in(str(self.folder)):
            return True
        with self._store.read() as tx:
            return int(state.get("seq", -1)) > tx.search_units.journal_end()

    def catch_up(self) -> int:
        """Re-index what changed since the index was last brought up to date; returns how
        many documents were re-indexed. Raises :class:`StorageError` when a rebuild is
        needed instead (see :meth:`needs_rebuild`)."""
        with self._lock:
            state = self.state()
            if state is None or not whoosh_index.exists_in(str(self.folder)):
                raise StorageError("The search index is missing; it is being rebuilt.")
            seq = int(state["seq"])
            with self._store.read() as tx:
                journal = tx.search_units.journal_since(seq)
                if journal.last == seq:
                    return 0
                if seq > journal.last:
                    raise StorageError("The search index is out of step; it is being rebuilt.")
                documents: set[int] = set()
                for kind, refs in journal.entries.items():
                    documents |= tx.search_units.documents_of(kind, refs)
                spans = {d: s for d, s in journal.spans.items() if d not in documents}
                units = [
                    *tx.search_units.units(sorted(documents)),
                    *tx.search_units.units(sorted(spans), spans),
                ]
            try:
                ix = whoosh_index.open_dir(str(self.folder))
                writer = ix.writer(timeout=30)
            except Exception as exc:  # whoosh raises its own kinds for a damaged index
                raise StorageError(f"The search index cannot be updated ({exc}).") from exc
            try:
                for document_id in documents:
                    writer.delete_by_term("doc", str(document_id))
                for unit in units:
                    if unit.document_id not in documents:
                        writer.delete_by_term("key", f"p{unit.paragraph_id}")
                    writer.add_document(**_fields(unit))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            _write_state(self.folder, journal.last)
            return len(units)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Build the whole index anew; returns how many units it holds.

        The new index is written beside the old one and takes its place when complete, so
        that a cancelled or failed rebuild leaves the old one as it was.
        """
        with self._building:  # searches and catching up go on meanwhile, on the old index
            building = self.folder.with_name(f"{self.folder.name}.building-{os.getpid()}")
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir(parents=True)
            try:
                count = self._build(building, progress)
                with self._lock:
                    self.close()
                    old = self.folder.with_name(f"{self.folder.name}.old-{os.getpid()}")
                    if self.folder.exists():
                        self.folder.rename(old)
                    building.rename(self.folder)
                shutil.rmtree(old, ignore_errors=True)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
            return count

    def _build(self, target: Path, progress: Progress | None) -> int:
        with self._store.read() as tx:
            seq = tx.search_units.journal_end()
            documents = tx.search_units.document_ids()
        ix = whoosh_index.create_in(str(target), schema())
        writer = ix.writer(limitmb=256)
        count = 0
        try:
            for first in range(0, len(documents), 10):
                chunk = documents[first : first + 10]
                with self._store.read() as tx:
                    for unit in tx.search_units.units(chunk):
                        writer.add_document(**_fields(unit))
                        count += 1
                if progress is not None and not progress(first + len(chunk), len(documents)):
                    raise IndexCancelledError
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        _write_state(target, seq)
        return count

    # --- searching -------------------------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        attributes: Iterable[str] = (),
        compounds: bool = True,
        documents: Iterable[int] | None = None,
    ) -> IndexAnswer:
        """Every unit matching ``text`` (see :func:`parse`), in document and text order."""
        with self._lock:
            searcher, segments = self._open()
            present = [
                f for f in TEXT_FIELDS.values() if f in searcher.reader().indexed_field_names()
            ]
            query, coded = parse(
                text, searcher.schema, attributes=attributes, compounds=compounds, fields=present
            )
            if documents is not None:
                query = wq.And([query, wq.Or([wq.Term("doc", str(d)) for d in documents])])
            rows, speakers = _matching_rows(searcher, segments, query, _PhraseCheck(self._store))
            suggestion = None if len(rows) else _suggestion(searcher, text, present)
            words, prefixes = _highlights(query, searcher.reader())
        return IndexAnswer(rows, speakers, coded, words, prefixes, suggestion, query)

    def close(self) -> None:
        """Let go of the open index files (the index itself stays)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher, self._segments = None, {}

    def _open(self) -> tuple[Any, list[_Segment]]:
        """The searcher of the current index, kept open between searches, and each of its
        segments with its positions and live documents (read once per segment)."""
        try:
            if self._searcher is None:
                self._searcher = whoosh_index.open_dir(str(self.folder)).searcher()
            elif not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
            segments: list[_Segment] = []
            for sub, offset in self._searcher.leaf_searchers():
                reader = sub.reader()
                segment = reader.segment()
                key = (segment.segment_id() if segment else "", reader.doc_count())
                columns = self._segments.get(key) or _read_columns(reader)
                self._segments[key] = columns
                segments.append(_Segment(reader, offset, *columns))
        except Exception as exc:  # whoosh raises its own kinds for a damaged index
            self.close()
            raise StorageError(f"The search index cannot be read ({exc}).") from exc
        in_use = {(s.reader.segment().segment_id(), s.reader.doc_count()) for s in segments}
        self._segments = {k: v for k, v in self._segments.items() if k in in_use}
        return self._searcher, segments


@dataclass(frozen=True, slots=True)
class _Segment:
    """One segment of the open index: its reader, where its document numbers start, each
    document's (paragraph, document, start, end), and which documents are not deleted."""

    reader: Any
    offset: int
    rows: np.ndarray
    speakers: np.ndarray
    live: np.ndarray


def _read_columns(reader: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A segment's positions and speakers by document number, and which are not deleted."""
    count = reader.doc_count_all()
    rows = np.empty((count, 4), dtype=np.int64)
    for column, name in enumerate(_POSITIONS):
        rows[:, column] = np.fromiter(reader.column_reader(name), dtype=np.int64, count=count)
    names: dict[bytes, str] = {}
    speakers = np.array(
        [
            names.get(b) or names.setdefault(b, b.decode("utf-8"))
            for b in reader.column_reader("who")
        ],
        dtype=object,
    )
    live = np.zeros(count, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    return rows, speakers, live


def _matching_rows(
    searcher: Any, segments: list[_Segment], query: wq.Query, phrases: _PhraseCheck
) -> tuple[np.ndarray, np.ndarray]:
    """The positions of every live unit matching ``query``, sorted by document and start.

    Words, prefixes, wildcards, fuzzy terms, phrases and their AND, OR and NOT are answered
    from the posting lists directly, as arrays of document numbers; anything else is left to
    whoosh's matchers."""
    found: list[tuple[_Segment, np.ndarray]] = []
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


def _documents(segment: _Segment, query: wq.Query, phrases: _PhraseCheck) -> np.ndarray:
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


class _PhraseCheck:
    """Keeps the units whose text holds a phrase: its words in order, each at most ``slop``
    words after the one before (1: side by side), as the field's analyzer reads them.
    One serves one search, keeping the document texts it read."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._texts: dict[int, str] = {}

    def keep(self, segment: _Segment, candidates: np.ndarray, phrase: wq.Phrase) -> np.ndarray:
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


def _suggestion(searcher: Any, text: str, fields: list[str]) -> str | None:
    """The query with each word that no field knows (as that field's language stems it)
    replaced by the nearest indexed word, if any."""
    changed = False
    parts: list[str] = []
    for part in re.split(r"(\s+)", text):
        stems = {
            field: searcher.schema[field].analyzer.words(part)
            for field in fields
            if re.fullmatch(r"\w+", part) and part not in _OPERATORS
        }
        if not any(stems.values()) or any(
            searcher.doc_frequency(field, stem) for field, words in stems.items() for stem in words
        ):
            parts.append(part)  # not a word, a stop word, or a known one
            continue
        found = next(
            (
                suggested[0]
                for field, words in stems.items()
                for word in dict.fromkeys([*words, part.lower()])
                if (suggested := searcher.suggest(field, word, limit=1))
            ),
            None,
        )
        changed |= found is not None
        parts.append(found or part)
    return "".join(parts) if changed else None


_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})


def parse(
    text: str,
    index_schema: Schema,
    *,
    attributes: Iterable[str] = (),
    compounds: bool = True,
    fields: list[str] | None = None,
) -> tuple[wq.Query, bool]:
    """A query in whoosh's language: words (stemmed), "phrases", wild*cards, fuzzy~ terms,
    AND OR NOT, and fields: ``document:``, ``speaker:``, ``code:``, ``coder:``, ``case:`` and
    each attribute by its own name (``city:Oslo``). Returns the query and whether it asks for
    coded segments. With ``compounds``, a Nordic word also matches compounds it begins."""
    parser = MultifieldParser(fields or list(TEXT_FIELDS.values()), index_schema)
    parser.add_plugin(FuzzyTermPlugin())
    aliases: dict[str, list[str]] = {}
    for name in attributes:
        field = attribute_field(name)
        aliases.setdefault(field, []).extend(
            {name, name.casefold(), field.removeprefix("attr_")} - {field}
        )
    if aliases:
        parser.add_plugin(FieldAliasPlugin(aliases))
    query = parser.parse(text)
    segments = any(getattr(leaf, "fieldname", None) in SEGMENT_FIELDS for leaf in _leaves(query))
    if compounds:
        query = _with_compounds(query)
    return query, segments


def _leaves(query: wq.Query) -> list[wq.Query]:
    return [query] if query.is_leaf() else list(query.leaves())


def _with_compounds(query: wq.Query) -> wq.Query:
    """Each plain word in a compounding language's field also matches words it begins."""
    if isinstance(query, wq.Term) and query.fieldname in COMPOUNDING:
        word = str(query.text)
        if len(word) >= _MIN_PREFIX:
            return wq.Or([query, wq.Prefix(query.fieldname, word)])
        return query
    if isinstance(query, (wq.Phrase, wq.Prefix, wq.Wildcard, wq.FuzzyTerm)):
        return query
    if isinstance(query, (wq.compound.CompoundQuery, wq.wrappers.WrappingQuery)):
        return query.apply(_with_compounds)
    return query


def _highlights(query: wq.Query, reader: Any) -> tuple[frozenset[str], tuple[str, ...]]:
    """The indexed words a query's text leaves stand for (wildcards and fuzzy terms expanded
    in ``reader``), and the word beginnings of its prefixes."""
    words: set[str] = set()
    prefixes: set[str] = set()
    for leaf in _leaves(query):
        if getattr(leaf, "fieldname", None) not in TEXT_FIELDS.values():
            continue
        if isinstance(leaf, wq.Prefix):
            prefixes.add(str(leaf.text))
        elif isinstance(leaf, wq.MultiTerm):
            expanded = itertools.islice(leaf.expanded_terms(reader), _MAX_EXPANDED)
            words.update(_text(term) for _, term in expanded)
        elif isinstance(leaf, wq.Phrase):
            words.update(str(word) for word in leaf.words)
        elif hasattr(leaf, "text"):
            words.add(str(leaf.text))
    return frozenset(words), tuple(sorted(p for p in prefixes if p))


_MAX_EXPANDED = 1_000


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def highlights(
    text: str, language: str, words: frozenset[str], prefixes: tuple[str, ...]
) -> list[tuple[int, int]]:
    """The ``[start, end)`` of each word in ``text`` that a query matched: its stem (for
    ``language``) is one of ``words`` or begins with one of ``prefixes``."""
    if not words and not prefixes:
        return []
    tokenizer = _tokenizer(language)
    found: list[tuple[int, int]] = []
    for match in LanguageTokenizer._PATTERN.finditer(text):
        stems = tokenizer.words(match.group())
        if stems and (stems[0] in words or stems[0].startswith(prefixes)):
            found.append((match.start(), match.end()))
    return found


def _tokenizer(language: str) -> LanguageTokenizer:
    stemmer = STEMMERS.get(language, "no")
    if stemmer not in _TOKENIZERS:
        _TOKENIZERS[stemmer] = LanguageTokenizer(stemmer)
    return _TOKENIZERS[stemmer]


_TOKENIZERS: dict[str, LanguageTokenizer] = {}


def coding_matches(query: wq.Query, code_terms: Iterable[str], coder: str) -> bool:
    """Whether a coding (its code's terms, see ``SearchUnit.codes``, and its coder) meets what
    ``query`` asks of codes and coders; the rest of the query counts as met."""
    terms = [term.lower() for term in code_terms]
    return _meets(query, terms, coder.lower()) is not False


def _meets(query: wq.Query, terms: list[str], coder: str) -> bool | None:
    """True or False where the query speaks of codes or coders, None where it does not."""
    field = getattr(query, "fieldname", None)
    if query.is_leaf() and field in SEGMENT_FIELDS:
        values = terms if field == "code" else [coder]
        if isinstance(query, wq.Term):
            return _text(query.text) in values
        if isinstance(query, wq.Prefix):
            return any(value.startswith(_text(query.text)) for value in values)
        if isinstance(query, wq.Wildcard):
            return any(fnmatch.fnmatchcase(value, _text(query.text)) for value in values)
        return None
    if isinstance(query, wq.Not):
        return _negate(_meets(query.query, terms, coder))
    if isinstance(query, wq.AndNot):
        parts = [_meets(query.a, terms, coder), _negate(_meets(query.b, terms, coder))]
        return _combine(all, parts)
    if isinstance(query, (wq.AndMaybe, wq.Require)):
        return _meets(query.a, terms, coder)
    if isinstance(query, wq.And):
        return _combine(all, [_meets(child, terms, coder) for child in query.children()])
    if isinstance(query, (wq.Or, wq.DisjunctionMax)):
        return _combine(any, [_meets(child, terms, coder) for child in query.children()])
    return None


def _negate(value: bool | None) -> bool | None:
    return None if value is None else not value


def _combine(how: Callable[[Iterable[bool]], bool], values: list[bool | None]) -> bool | None:
    known = [value for value in values if value is not None]
    return how(known) if known else None


def _fields(unit: SearchUnit) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "key": f"p{unit.paragraph_id}",
        "doc": str(unit.document_id),
        "pid": unit.paragraph_id,
        "docn": unit.document_id,
        "start": unit.start,
        "end": unit.end,
        "who": unit.speaker.encode("utf-8"),
        "document": unit.document,
        TEXT_FIELDS[STEMMERS.get(unit.language, "no")]: unit.text,
    }
    keywords = {
        "speaker": [unit.speaker] if unit.speaker else [],
        "code": unit.codes,
        "coder": unit.coders,
        "case": unit.cases,
        **{attribute_field(name): [value] for name, value in unit.attributes.items()},
    }
    for name, values in keywords.items():
        if values:  # commas separate a keyword field's values
            fields[name] = ",".join(value.replace(",", " ") for value in values)
    return fields


def _write_state(folder: Path, seq: int) -> None:
    partial = folder / (_STATE + ".partial")
    partial.write_text(json.dumps({"format": FORMAT, "seq": seq}), encoding="utf-8")
    partial.replace(folder / _STATE)
