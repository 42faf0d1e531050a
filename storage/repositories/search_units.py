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

    def speakers(self, paragraph_ids: Iterable[int]) -> dict[int, str | None]:
        """The speaker of each paragraph (or speaker turn) of ``paragraph_ids``."""
        wanted = list(paragraph_ids)
        found: dict[int, str | None] = {}
        for first in range(0, len(wanted), 500):
            query = select(ParagraphRow.id, ParagraphRow.speaker).where(
                ParagraphRow.id.in_(wanted[first : first + 500])
            )
            found.update(self._session.execute(query).all())
        return found

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
        self, document_ids: Iterable[int], spans: dict[int, list[tuple[int, int]]] | None = None
    ) -> Iterator[SearchUnit]:
        """The paragraphs of the documents (with ``spans``: only those of a document that
        overlap its spans there), each with the codes and coders of codings overlapping it."""
        wanted = list(document_ids)
        code_terms = self.code_terms()
        coders = dict(self._session.execute(select(CoderRow.id, CoderRow.name)).all())
        cases = CaseRepo(self._session).cases_of_documents(wanted)
        attributes = self._attributes(wanted)
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
                starts = [turn[1] for turn in turns]
                codes: list[dict[str, None]] = [{} for _ in turns]
                who: list[dict[str, None]] = [{} for _ in turns]
                for start, end, code_id, coder_id in coded.get(document_id, []):
                    for index in _overlapping(turns, starts, start, end):
                        codes[index].update(dict.fromkeys(code_terms.get(code_id, ())))
                        who[index][coders.get(coder_id, "")] = None
                wanted_turns: Iterable[int] = range(len(turns))
                if spans is not None:
                    wanted_turns = sorted(
                        {
                            i
                            for s, e in spans.get(document_id, [])
                            for i in _overlapping(turns, starts, s, e)
                        }
                    )
                for index in wanted_turns:
                    paragraph_id, start, end, speaker = turns[index]
                    if not text[start:end].strip():
                        continue
                    yield SearchUnit(
                        paragraph_id,
                        document_id,
                        name,
                        language,
                        start,
                        end,
                        text[start:end],
                        speaker=speaker or "",
                        codes=tuple(codes[index]),
                        coders=tuple(c for c in who[index] if c),
                        cases=tuple(cases.get(document_id, ())),
                        attributes=attributes.get(document_id, {}),
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


def _overlapping(
    turns: list[tuple[int, int, int, str | None]], starts: list[int], start: int, end: int
) -> range:
    """The indexes of the paragraphs that overlap ``[start, end)``."""
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    last = bisect.bisect_left(starts, end)
    while first < last and turns[first][2] <= start:
        first += 1
    return range(first, last)
