"""What the search index holds, read from the project: paragraphs, coded segments, and the
journal of changes it catches up from."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import (
    AttributeRow,
    AttributeValueRow,
    CaseDocumentRow,
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    IndexJournalRow,
    ParagraphRow,
)
from storage.repositories.cases import CaseRepo
from storage.repositories.codes import CodeRepo


@dataclass(frozen=True, slots=True)
class SearchUnit:
    """One searchable unit: a paragraph or speaker turn, with what is coded in it."""

    paragraph_id: int
    document_id: int
    document: str  # the document's name
    language: str
    start: int
    end: int
    text: str
    speaker: str = ""
    codes: tuple[str, ...] = ()  # of codings overlapping it: paths, ancestors' paths, names
    coders: tuple[str, ...] = ()  # who made those codings
    cases: tuple[str, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CodedSpan:
    """A coding as search narrows hits to it."""

    coding_id: int
    document_id: int
    start: int
    end: int
    code_id: int
    coder: str


@dataclass(frozen=True, slots=True)
class Journal:
    """The journal entries after some point: whole documents to re-index, and spans."""

    last: int  # the newest entry's number (0: none)
    entries: dict[str, set[int]]  # kind -> ids, for every kind but codings
    spans: dict[int, list[tuple[int, int]]]  # document -> coded spans added or removed


class SearchUnitRepo:
    """Reads units for the index and the journal of what changed since it was built."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def journal_since(self, seq: int) -> Journal:
        """Entries after ``seq``."""
        entries: dict[str, set[int]] = {}
        spans: dict[int, list[tuple[int, int]]] = {}
        rows = self._session.execute(
            select(
                IndexJournalRow.kind,
                IndexJournalRow.ref,
                IndexJournalRow.start,
                IndexJournalRow.end,
            ).where(IndexJournalRow.seq > seq)
        )
        for kind, ref, start, end in rows:
            if kind == "coding" and start is not None and end is not None:
                spans.setdefault(ref, []).append((start, end))
            else:
                entries.setdefault(kind, set()).add(ref)
        return Journal(self.journal_end(), entries, spans)

    def journal_end(self) -> int:
        """The newest journal entry's number (0 when there is none)."""
        query = select(func.coalesce(func.max(IndexJournalRow.seq), 0))
        return int(self._session.execute(query).scalar_one())

    def document_ids(self) -> list[int]:
        query = select(DocumentRow.id).order_by(DocumentRow.id)
        return list(self._session.execute(query).scalars())

    def names(self, document_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """The name and language of each document of ``document_ids``."""
        query = select(DocumentRow.id, DocumentRow.name, DocumentRow.language).where(
            DocumentRow.id.in_(list(document_ids))
        )
        return {
            document_id: (name, language)
            for document_id, name, language in self._session.execute(query)
        }

    def codings_of(self, document_ids: Iterable[int]) -> dict[int, list[CodedSpan]]:
        """The codings of each document, in text order."""
        wanted = list(document_ids)
        found: dict[int, list[CodedSpan]] = {}
        for first in range(0, len(wanted), 500):
            query = (
                select(
                    CodingRow.id,
                    CodingRow.document_id,
                    CodingRow.start,
                    CodingRow.end,
                    CodingRow.code_id,
                    CoderRow.name,
                )
                .join(CoderRow, CoderRow.id == CodingRow.coder_id)
                .where(CodingRow.document_id.in_(wanted[first : first + 500]))
                .order_by(CodingRow.document_id, CodingRow.start, CodingRow.end, CodingRow.id)
            )
            for row in self._session.execute(query):
                found.setdefault(row[1], []).append(CodedSpan(*row))
        return found

    def documents_of(self, kind: str, ids: Iterable[int]) -> set[int]:
        """The documents whose units a change of ``kind`` rows ``ids`` touches."""
        wanted = list(ids)
        if kind == "document":
            return set(wanted)
        if kind == "case":
            query = select(CaseDocumentRow.document_id).where(CaseDocumentRow.case_id.in_(wanted))
        elif kind == "coder":
            query = select(CodingRow.document_id).where(CodingRow.coder_id.in_(wanted))
        elif kind == "code":
            codes = CodeRepo(self._session).subtree_ids(*wanted) if wanted else []
            query = select(CodingRow.document_id).where(CodingRow.code_id.in_(codes))
        else:  # an attribute renamed or deleted: every document may carry it
            query = select(DocumentRow.id)
        return set(self._session.execute(query.distinct()).scalars())

    def units(
        self,
        document_ids: Iterable[int],
        spans: dict[int, list[tuple[int, int]]] | None = None,
        *,
        code_terms: dict[int, tuple[str, ...]] | None = None,
    ) -> Iterator[SearchUnit]:
        """The paragraphs of the documents (with ``spans``: only those of a document that
        overlap its spans there), each with the codes and coders of codings overlapping it.
        ``code_terms`` (from :meth:`code_terms`) saves reading the code tree again when one
        piece of work reads the documents a few at a time."""
        wanted = list(document_ids)
        if not wanted:
            return
        context = _Context(
            self.code_terms() if code_terms is None else code_terms,
            {row[0]: row[1] for row in self._session.execute(select(CoderRow.id, CoderRow.name))},
            CaseRepo(self._session).cases_of_documents(wanted),
            self._attributes(wanted),
        )
        if spans is not None:
            for document_id in wanted:
                yield from self._units_around(document_id, spans.get(document_id, []), context)
            return
        for first in range(0, len(wanted), 50):
            chunk = wanted[first : first + 50]
            paragraphs = self._paragraphs(chunk)
            coded = self._codings(chunk)
            for document_id, name, language, text in self._session.execute(
                select(DocumentRow.id, DocumentRow.name, DocumentRow.language, DocumentRow.text)
                .where(DocumentRow.id.in_(chunk))
                .order_by(DocumentRow.id)
            ):
                turns = paragraphs.get(document_id, [])
                document = _Document(document_id, name, language, text, 0)
                yield from document.units(
                    turns, range(len(turns)), coded.get(document_id, []), context
                )

    def _units_around(
        self, document_id: int, spans: list[tuple[int, int]], context: _Context
    ) -> Iterator[SearchUnit]:
        """The units of one document that overlap ``spans``, reading only the stretch of text
        and the codings they cover (a new coding in a long transcript re-reads one turn)."""
        turns = self._paragraphs([document_id]).get(document_id, [])
        starts = [turn[1] for turn in turns]
        indexes = sorted({i for s, e in spans for i in _overlapping(turns, starts, s, e)})
        if not indexes:
            return
        low, high = turns[indexes[0]][1], max(turns[i][2] for i in indexes)
        found = self._session.execute(
            select(
                DocumentRow.name,
                DocumentRow.language,
                func.substr(DocumentRow.text, low + 1, high - low),
            ).where(DocumentRow.id == document_id)
        ).first()
        if found is None:
            return
        coded = self._session.execute(
            select(CodingRow.start, CodingRow.end, CodingRow.code_id, CodingRow.coder_id).where(
                CodingRow.document_id == document_id, CodingRow.start < high, CodingRow.end > low
            )
        )
        document = _Document(document_id, found[0], found[1], found[2], low)
        yield from document.units(
            turns, indexes, [(r[0], r[1], r[2], r[3]) for r in coded], context
        )

    def _paragraphs(
        self, documents: list[int]
    ) -> dict[int, list[tuple[int, int, int, str | None]]]:
        result: dict[int, list[tuple[int, int, int, str | None]]] = {}
        for document_id, paragraph_id, start, end, speaker in self._session.execute(
            select(
                ParagraphRow.document_id,
                ParagraphRow.id,
                ParagraphRow.start,
                ParagraphRow.end,
                ParagraphRow.speaker,
            )
            .where(ParagraphRow.document_id.in_(documents))
            .order_by(ParagraphRow.document_id, ParagraphRow.position)
        ):
            result.setdefault(document_id, []).append((paragraph_id, start, end, speaker))
        return result

    def _codings(self, documents: list[int]) -> dict[int, list[tuple[int, int, int, int]]]:
        result: dict[int, list[tuple[int, int, int, int]]] = {}
        for document_id, start, end, code_id, coder_id in self._session.execute(
            select(
                CodingRow.document_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.code_id,
                CodingRow.coder_id,
            ).where(CodingRow.document_id.in_(documents))
        ):
            result.setdefault(document_id, []).append((start, end, code_id, coder_id))
        return result

    def code_terms(self) -> dict[int, tuple[str, ...]]:
        """For each code: its path, its ancestors' paths, and the names on the way."""
        rows = self._session.execute(select(CodeRow.id, CodeRow.parent_id, CodeRow.name)).all()
        parents = {code_id: parent for code_id, parent, _ in rows}
        names = {code_id: name for code_id, _, name in rows}
        terms: dict[int, tuple[str, ...]] = {}
        for code_id in names:
            chain: list[str] = []
            current: int | None = code_id
            while current is not None and current in names and len(chain) < 64:
                chain.append(names[current])
                current = parents[current]
            chain.reverse()
            paths = ["/".join(chain[: n + 1]) for n in range(len(chain))]
            terms[code_id] = tuple(dict.fromkeys([*paths, *chain]))
        return terms

    def _attributes(self, document_ids: list[int]) -> dict[int, dict[str, str]]:
        """Attribute values by document: the document's own and those of its cases."""
        result: dict[int, dict[str, str]] = {}
        columns = (
            AttributeRow.name,
            AttributeRow.value_type,
            AttributeValueRow.text_value,
            AttributeValueRow.number_value,
        )
        own = self._session.execute(
            select(AttributeValueRow.document_id, *columns)
            .join(AttributeRow, AttributeRow.id == AttributeValueRow.attribute_id)
            .where(AttributeValueRow.document_id.in_(document_ids))
        )
        via_case = self._session.execute(
            select(CaseDocumentRow.document_id, *columns)
            .join(AttributeValueRow, AttributeValueRow.case_id == CaseDocumentRow.case_id)
            .join(AttributeRow, AttributeRow.id == AttributeValueRow.attribute_id)
            .where(CaseDocumentRow.document_id.in_(document_ids))
        )
        for document_id, name, value_type, text, number in [*via_case, *own]:  # own wins
            shown = text
            if value_type == "boolean" and number is not None:
                shown = "true" if number else "false"
            elif number is not None:
                shown = f"{number:g}"
            if shown is not None:
                result.setdefault(document_id, {})[name] = shown
        return result


@dataclass(frozen=True, slots=True)
class _Context:
    """What every unit needs besides its own text: code terms, coder names, cases and
    attribute values by document."""

    code_terms: dict[int, tuple[str, ...]]
    coders: dict[int, str]
    cases: dict[int, list[str]]
    attributes: dict[int, dict[str, str]]


@dataclass(frozen=True, slots=True)
class _Document:
    """A document (or a stretch of its text beginning at ``offset``) being cut into units."""

    id: int
    name: str
    language: str
    text: str
    offset: int

    def units(
        self,
        turns: list[tuple[int, int, int, str | None]],
        indexes: Iterable[int],
        coded: list[tuple[int, int, int, int]],
        context: _Context,
    ) -> Iterator[SearchUnit]:
        starts = [turn[1] for turn in turns]
        codes: dict[int, dict[str, None]] = {}
        who: dict[int, dict[str, None]] = {}
        for start, end, code_id, coder_id in coded:
            for index in _overlapping(turns, starts, start, end):
                codes.setdefault(index, {}).update(
                    dict.fromkeys(context.code_terms.get(code_id, ()))
                )
                who.setdefault(index, {})[context.coders.get(coder_id, "")] = None
        for index in indexes:
            paragraph_id, start, end, speaker = turns[index]
            text = self.text[start - self.offset : end - self.offset]
            if not text.strip():
                continue
            yield SearchUnit(
                paragraph_id,
                self.id,
                self.name,
                self.language,
                start,
                end,
                text,
                speaker=speaker or "",
                codes=tuple(codes.get(index, ())),
                coders=tuple(c for c in who.get(index, ()) if c),
                cases=tuple(context.cases.get(self.id, ())),
                attributes=context.attributes.get(self.id, {}),
            )


def _overlapping(
    turns: list[tuple[int, int, int, str | None]], starts: list[int], start: int, end: int
) -> range:
    """The indexes of the paragraphs that overlap ``[start, end)``."""
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    last = bisect.bisect_left(starts, end)
    while first < last and turns[first][2] <= start:
        first += 1
    return range(first, last)
