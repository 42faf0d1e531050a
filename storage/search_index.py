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

import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import StandardAnalyzer, Token, Tokenizer
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser

from storage.errors import StorageError
from storage.repositories.search_units import SearchUnit
from storage.store import Store

#: Bump when the fields or their analysis change: an index of another format is rebuilt.
FORMAT = 2

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
    """The hits of a query, and what to highlight in their text."""

    hits: list[IndexHit]
    segments: bool  # the query named a code or coder: narrow the hits to coded segments
    words: frozenset[str]  # stemmed words that matched (or would)
    prefixes: tuple[str, ...]  # word beginnings that matched (compounds, wildcards)
    suggestion: str | None  # a corrected query when nothing was found


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

    _PATTERN = re.compile(r"[\w\*]+(\.?[\w\*]+)*")

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
        "document": TEXT(analyzer=StandardAnalyzer(stoplist=None, minsize=1)),
        "speaker": KEYWORD(lowercase=True, commas=True, scorable=False),
        "code": KEYWORD(lowercase=True, commas=True, scorable=False),
        "coder": KEYWORD(lowercase=True, commas=True, scorable=False),
        "case": KEYWORD(lowercase=True, commas=True, scorable=False),
    }
    for stemmer, field in TEXT_FIELDS.items():
        fields[field] = TEXT(analyzer=LanguageTokenizer(stemmer))
    result = Schema(**fields)
    result.add("attr_*", KEYWORD(lowercase=True, commas=True, scorable=False), glob=True)
    return result


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
        with self._lock:
            building = self.folder.with_name(f"{self.folder.name}.building-{os.getpid()}")
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir(parents=True)
            try:
                count = self._build(building, progress)
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
            try:
                ix = whoosh_index.open_dir(str(self.folder))
            except Exception as exc:  # whoosh raises its own kinds for a damaged index
                raise StorageError(f"The search index cannot be read ({exc}).") from exc
        with ix.searcher() as searcher:
            present = [
                f for f in TEXT_FIELDS.values() if f in searcher.reader().indexed_field_names()
            ]
            query, segments = parse(
                text, ix.schema, attributes=attributes, compounds=compounds, fields=present
            )
            if documents is not None:
                query = wq.And([query, wq.Or([wq.Term("doc", str(d)) for d in documents])])
            numbers = searcher.search(query, limit=None, scored=False).docs()
            reader = searcher.reader()
            columns = [reader.column_reader(name) for name in ("pid", "docn", "start", "end")]
            hits = sorted(
                (IndexHit(*(int(column[n]) for column in columns)) for n in numbers),
                key=lambda hit: (hit.document_id, hit.start),
            )
            suggestion = None if hits else _suggestion(searcher, text, present)
        words, prefixes = _highlights(query)
        return IndexAnswer(hits, segments, words, prefixes, suggestion)


def _suggestion(searcher: Any, text: str, fields: list[str]) -> str | None:
    """The query with each unknown word replaced by the nearest indexed word, if any."""
    changed = False
    parts: list[str] = []
    for part in re.split(r"(\s+)", text):
        word = part.lower()
        if not re.fullmatch(r"\w+", word) or any(
            searcher.doc_frequency(field, word) for field in fields
        ):
            parts.append(part)
            continue
        found = next((s[0] for f in fields if (s := searcher.suggest(f, word, limit=1))), None)
        changed |= found is not None
        parts.append(found or part)
    return "".join(parts) if changed else None


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


def _highlights(query: wq.Query) -> tuple[frozenset[str], tuple[str, ...]]:
    words: set[str] = set()
    prefixes: set[str] = set()
    for leaf in _leaves(query):
        field = getattr(leaf, "fieldname", None)
        if field not in TEXT_FIELDS.values():
            continue
        if isinstance(leaf, wq.Prefix):
            prefixes.add(str(leaf.text))
        elif isinstance(leaf, wq.Wildcard):
            prefixes.add(str(leaf.text).split("*")[0].split("?")[0])
        elif isinstance(leaf, wq.Phrase):
            words.update(str(word) for word in leaf.words)
        elif hasattr(leaf, "text"):
            words.add(str(leaf.text))
    return frozenset(words), tuple(sorted(p for p in prefixes if p))


def _fields(unit: SearchUnit) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "key": f"p{unit.paragraph_id}",
        "doc": str(unit.document_id),
        "pid": unit.paragraph_id,
        "docn": unit.document_id,
        "start": unit.start,
        "end": unit.end,
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
