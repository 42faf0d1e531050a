"""Frozen records that storage returns instead of ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: int
    uuid: str
    name: str
    language: str
    current_coder_id: int | None


@dataclass(frozen=True, slots=True)
class CoderRecord:
    id: int
    uuid: str
    name: str


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """A document as the document list shows it, without its text."""

    id: int
    uuid: str
    name: str
    language: str
    characters: int
    paragraphs: int
    codings: int


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    id: int
    uuid: str
    name: str
    language: str
    text: str
    text_hash: str
    source_name: str
    source_format: str
    source_encoding: str | None
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class ParagraphRecord:
    """A paragraph or speaker turn: ``[start, end)`` code points of its document's text."""

    id: int
    position: int
    start: int
    end: int
    speaker: str | None
    start_ms: int | None
    end_ms: int | None


@dataclass(frozen=True, slots=True)
class CodeRecord:
    id: int
    uuid: str
    parent_id: int | None
    position: int
    name: str
    alt_name: str
    color: str
    codable: bool
    brief_definition: str
    full_definition: str
    when_to_use: str
    when_not_to_use: str
    example: str


@dataclass(frozen=True, slots=True)
class CodingRecord:
    """A coding: ``code_id`` applied by ``coder_id`` to ``[start, end)`` of a document."""

    id: int
    uuid: str
    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    text: str
    created_at: datetime


class CodingSpan(NamedTuple):
    """A coding as the document viewer paints it: span, code, coder, and whether it has a memo.

    A named tuple rather than a frozen dataclass: a dense document has thousands of codings,
    and a tuple is built six times faster, which keeps opening a document within a frame.
    """

    id: int
    code_id: int
    code_name: str
    code_color: str
    coder_id: int
    coder_name: str
    start: int
    end: int
    memo: str


@dataclass(frozen=True, slots=True)
class CodingDetail:
    """A coding with what a viewer or a listing shows beside it."""

    id: int
    uuid: str
    document_id: int
    document_name: str
    code_id: int
    code_name: str
    code_color: str
    coder_id: int
    coder_name: str
    start: int
    end: int
    text: str
    memo: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MemoRecord:
    id: int
    uuid: str
    title: str
    text: str
    document_id: int | None
    code_id: int | None
    coding_id: int | None
    coder_id: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CaseRecord:
    id: int
    uuid: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class AttributeRecord:
    """A typed variable of cases or documents: ``scope`` is ``case`` or ``document``."""

    id: int
    uuid: str
    name: str
    scope: str
    value_type: str
    position: int


@dataclass(frozen=True, slots=True)
class AttributeValueRecord:
    """An attribute's value for one case or document; ``value`` is typed by the attribute."""

    attribute_id: int
    attribute_name: str
    case_id: int | None
    document_id: int | None
    value: str | float | bool | None
