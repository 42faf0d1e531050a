"""The full-text index (whoosh): derived from the project, kept in the user's cache directory.

The project file stays the only source of truth. The index records the last journal entry it
reflects (``index_journal``, written by triggers in every writing transaction); catching up
re-indexes the documents those entries touch. A missing, damaged or foreign index is rebuilt
whole, into a fresh folder that replaces the old one only when it is complete.

Units are paragraphs (or speaker turns), each carrying the codes and coders of the codings that
overlap it; a query that names a code or coder is narrowed to the coded segments afterwards, from
the project (indexing every segment's text again would double the index and its build time).
The fields and their analysis are in ``search_schema``; answering a query from the posting lists
is in ``search_matching``. A query is parsed against the text fields in use, so that each word
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
from whoosh.fields import Schema
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser

from storage.errors import StorageError
from storage.search_matching import PhraseCheck, Segment, matching_rows, read_columns
from storage.search_schema import (
    COMPOUNDING,
    FORMAT,
    TEXT_FIELDS,
    LanguageTokenizer,
    attribute_field,
    schema,
    tokenizer_for,
    unit_fields,
)
from storage.store import Store

#: The shortest word that also matches the compounds it begins.
_MIN_PREFIX = 4

#: Fields whose presence makes a query one about coded segments, not paragraphs.
SEGMENT_FIELDS = frozenset({"code", "coder"})

_STATE = "tillit-state.json"

#: How many documents a rebuild reads at a time. A coding's commit waits for such a read;
#: one at a time keeps that wait short (measured: at most ~0.15 s at size M on a busy machine,
#: against ~0.6 s for ten), for a rebuild some 10 % longer.
_DOCUMENTS_PER_READ = 1

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
                    writer.add_document(**unit_fields(unit))
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
            # read once: a code edited meanwhile is in the journal after seq, caught up later
            code_terms = tx.search_units.code_terms()
        ix = whoosh_index.create_in(str(target), schema())
        writer = ix.writer(limitmb=256)
        count = 0
        try:
            for first in range(0, len(documents), 10):
                chunk = documents[first : first + 10]
                for at in range(0, len(chunk), _DOCUMENTS_PER_READ):
                    # Read a few documents and leave the read before whoosh indexes them: a
                    # commit waits for open reads, and indexing takes far longer than reading.
                    with self._store.read() as tx:
                        wanted = chunk[at : at + _DOCUMENTS_PER_READ]
                        units = list(tx.search_units.units(wanted, code_terms=code_terms))
                    for unit in units:
                        writer.add_document(**unit_fields(unit))
                    count += len(units)
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
            rows, speakers = matching_rows(searcher, segments, query, PhraseCheck(self._store))
            suggestion = None if len(rows) else _suggestion(searcher, text, present)
            words, prefixes = _highlights(query, searcher.reader())
        return IndexAnswer(rows, speakers, coded, words, prefixes, suggestion, query)

    def close(self) -> None:
        """Let go of the open index files (the index itself stays)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher, self._segments = None, {}

    def _open(self) -> tuple[Any, list[Segment]]:
        """The searcher of the current index, kept open between searches, and each of its
        segments with its positions and live documents (read once per segment)."""
        try:
            if self._searcher is None:
                self._searcher = whoosh_index.open_dir(str(self.folder)).searcher()
            elif not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
            segments: list[Segment] = []
            in_use: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
            for sub, offset in self._searcher.leaf_searchers():
                reader = sub.reader()
                segment = reader.segment()
                key = (segment.segment_id() if segment else "", reader.doc_count())
                in_use[key] = self._segments.get(key) or read_columns(reader)
                segments.append(Segment(reader, offset, *in_use[key]))
        except Exception as exc:  # whoosh raises its own kinds for a damaged index
            self.close()
            raise StorageError(f"The search index cannot be read ({exc}).") from exc
        self._segments = in_use  # what older segments held is let go
        return self._searcher, segments


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
    tokenizer = tokenizer_for(language)
    found: list[tuple[int, int]] = []
    for match in LanguageTokenizer._PATTERN.finditer(text):
        stems = tokenizer.words(match.group())
        if stems and (stems[0] in words or stems[0].startswith(prefixes)):
            found.append((match.start(), match.end()))
    return found


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


def _write_state(folder: Path, seq: int) -> None:
    partial = folder / (_STATE + ".partial")
    partial.write_text(json.dumps({"format": FORMAT, "seq": seq}), encoding="utf-8")
    partial.replace(folder / _STATE)
