"""What the search index holds and how its text is analysed: the fields of a unit, the
stemming tokenizer of each language, and the format version an index records.

A unit's text goes into the field of its language (``text_no``, ``text_da``, ``text_sv``,
``text_en``), each stemmed for it. Text fields record only which units hold a word: hits are
listed in text order, never ranked, and phrases are checked against the text itself.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh.analysis import StandardAnalyzer, Token, Tokenizer
from whoosh.columns import NumericColumn, RefBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.formats import Existence
from whoosh.lang import stemmer_for_language, stopwords_for_language

from storage.repositories.search_units import SearchUnit

#: Bump when the fields or their analysis change: an index of another format is rebuilt.
FORMAT = 4

#: The stemmer of each document language, and the field its text goes into.
STEMMERS = {"nb": "no", "nn": "no", "da": "da", "sv": "sv", "en": "en"}
TEXT_FIELDS = {stemmer: f"text_{stemmer}" for stemmer in ("no", "da", "sv", "en")}
#: Languages that join words into compounds ("tillitsreformen"): a word also matches the
#: words that begin with it.
COMPOUNDING = ("text_no", "text_da", "text_sv")
#: The columns that place a unit: its paragraph, its document, its start and end.
POSITIONS = ("pid", "docn", "start", "end")
_ATTRIBUTE = re.compile(r"[^0-9a-z]+")


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


def tokenizer_for(language: str) -> LanguageTokenizer:
    """The tokenizer of a document language (one per stemmer, shared)."""
    stemmer = STEMMERS.get(language, "no")
    if stemmer not in _TOKENIZERS:
        _TOKENIZERS[stemmer] = LanguageTokenizer(stemmer)
    return _TOKENIZERS[stemmer]


_TOKENIZERS: dict[str, LanguageTokenizer] = {}


def unit_fields(unit: SearchUnit) -> dict[str, Any]:
    """The index fields of a unit."""
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
