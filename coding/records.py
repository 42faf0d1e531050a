"""The record types the GUI and the command line read, re-exported from storage."""

from __future__ import annotations

from storage.records import (
    AttributeRecord,
    AttributeValueRecord,
    CaseRecord,
    CodeRecord,
    CoderRecord,
    CodingDetail,
    CodingRecord,
    CodingSpan,
    DocumentRecord,
    DocumentSummary,
    MemoRecord,
    ParagraphRecord,
    ProjectRecord,
)
from storage.repositories.memos import MemoTarget

__all__ = [
    "AttributeRecord",
    "AttributeValueRecord",
    "CaseRecord",
    "CodeRecord",
    "CoderRecord",
    "CodingDetail",
    "CodingRecord",
    "CodingSpan",
    "DocumentRecord",
    "DocumentSummary",
    "MemoRecord",
    "MemoTarget",
    "ParagraphRecord",
    "ProjectRecord",
]
