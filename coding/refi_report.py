"""What a REFI-QDA import brought in, what it had to re-anchor, and what it could not place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class UnplacedCoding:
    """A coding of the file that has no place in the new project, with the reason.

    ``start`` and ``end`` are the file's own positions (``None`` where it gives none); ``text``
    is the selection's name, which is often the text the other program marked.
    """

    document: str
    code: str
    coder: str
    start: int | None
    end: int | None
    text: str
    memo: str
    reason: str


@dataclass
class ImportReport:
    """How a ``.qdpx`` landed in a new project (``project_path``).

    Codings landed directly (where the file's offsets put them, counted as the specification
    says), were re-anchored (``reanchored_by`` says how: offsets counted another way, or found
    by their text), or could not be placed (``unplaced``, each with its reason). ``warnings``
    are sentences about anything else that did not come across as it was.
    """

    project_path: Path
    origin: str = ""
    documents: int = 0
    codes: int = 0
    coders: int = 0
    memos: int = 0
    cases: int = 0
    attributes: int = 0
    codings_direct: int = 0
    codings_reanchored: int = 0
    reanchored_by: Counter[str] = field(default_factory=Counter)
    unplaced: list[UnplacedCoding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def codings(self) -> int:
        """The codings that are in the new project."""
        return self.codings_direct + self.codings_reanchored

    def summary(self) -> list[str]:
        """The report in sentences, the counts first."""
        source = f" from {self.origin}" if self.origin else ""
        lines = [
            f"Imported{source}: {_count(self.documents, 'document')}, "
            f"{_count(self.codes, 'code')}, {_count(self.codings, 'coding')}, "
            f"{_count(self.memos, 'memo')}, {_count(self.cases, 'case')}, "
            f"{_count(self.attributes, 'attribute')} and {_count(self.coders, 'coder')}.",
            f"{_count(self.codings_direct, 'coding')} landed where the file put "
            f"{'it' if self.codings_direct == 1 else 'them'}; "
            f"{self.codings_reanchored:,} {'was' if self.codings_reanchored == 1 else 'were'} "
            f"re-anchored; {len(self.unplaced):,} could not be placed.",
        ]
        lines += [
            f"Re-anchored ({how}): {count:,}." for how, count in self.reanchored_by.most_common()
        ]
        return lines + self.warnings

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready values (the command line's ``--json``)."""
        return {
            "project": str(self.project_path),
            "origin": self.origin,
            "documents": self.documents,
            "codes": self.codes,
            "coders": self.coders,
            "memos": self.memos,
            "cases": self.cases,
            "attributes": self.attributes,
            "codings": {
                "direct": self.codings_direct,
                "reanchored": self.codings_reanchored,
                "reanchored_by": dict(self.reanchored_by),
                "unplaced": len(self.unplaced),
            },
            "unplaced": [
                {
                    "document": item.document,
                    "code": item.code,
                    "coder": item.coder,
                    "start": item.start,
                    "end": item.end,
                    "text": item.text,
                    "memo": item.memo,
                    "reason": item.reason,
                }
                for item in self.unplaced
            ],
            "warnings": list(self.warnings),
        }


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
