"""What a REFI-QDA import brought in: how it read each source's positions and how sure it is,
which codings it verified by their text, placed by position only or re-anchored, and which it
could not place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

#: How sure an import is of the way a source's positions were counted.
CERTAIN: Final = "certain"
LIKELY: Final = "likely"
GUESS: Final = "guess"

#: What decided a source's reading (``ReadingEvidence.decided_by``).
BY_TEXT_EVIDENCE: Final = "text"  # excerpts that stand at their offsets under it
BY_BOUNDARIES: Final = "word boundaries"  # where the selections' edges fall
BY_AGREEMENT: Final = "agreement"  # every reading puts the selections in the same places
BY_PRODUCER: Final = "producer"  # a tie, broken by how the program that wrote the file counts
BY_SPECIFICATION: Final = "specification"  # a tie, broken by what the specification says

#: ``ImportReport.count`` kinds (as ``coding.refi_anchoring.Placement.kind`` names them).
VERIFIED: Final = "verified"
BY_POSITION: Final = "position"
FOUND_BY_TEXT: Final = "found by text"
WHOLE: Final = "whole document"
DIRECT: Final = "direct"


@dataclass(frozen=True)
class ReadingEvidence:
    """How one source's positions were read, what showed it, and how sure that is.

    ``utf16``: UTF-16 units, else code points; ``line_ends``: the line ends counted over
    (``"CRLF"``, ``"LF"``, ``None`` when the text has none); ``bom_counted``: whether the
    byte-order mark took a position (``None`` when the text file has none). ``selections``
    counts the selections with positions, ``verified`` those whose excerpt stands at their
    offsets, ``on_boundaries`` those with both edges between words (``None`` when every one was
    verified and boundaries were not looked at), ``outside`` those beyond the text.
    """

    document: str
    utf16: bool
    line_ends: str | None
    bom_counted: bool | None
    selections: int
    verified: int
    on_boundaries: int | None
    outside: int
    certainty: str
    decided_by: str
    origin: str = ""

    def describe(self) -> str:
        """The reading in words: "UTF-16 units over CRLF line ends, the byte-order mark not
        counted"."""
        text = "UTF-16 units" if self.utf16 else "code points"
        if self.line_ends:
            text += f" over {self.line_ends} line ends"
        if self.bom_counted is not None:
            text += f", the byte-order mark {'' if self.bom_counted else 'not '}counted"
        return text

    def evidence(self) -> str:
        """What showed the reading: "96 of 97 selections on word boundaries"."""
        of = f" of {self.selections:,} selections"
        parts = []
        if self.verified:
            parts.append(f"{self.verified:,}{of} verified by their text")
        if self.on_boundaries is not None and self.verified < self.selections:
            parts.append(f"{self.on_boundaries:,}{of if not parts else ''} on word boundaries")
        if self.outside:
            parts.append(f"{self.outside:,} outside the text")
        return ", ".join(parts)

    def how_sure(self) -> str:
        """The certainty in words, with the reason where the selections did not decide."""
        word = "a guess" if self.certainty == GUESS else self.certainty
        if self.decided_by == BY_AGREEMENT:
            return f"{word}: every way of counting puts the selections in the same places"
        if self.decided_by in (BY_PRODUCER, BY_SPECIFICATION):
            who = self.origin if self.decided_by == BY_PRODUCER else "the REFI-QDA standard"
            return f"{word}: the selections do not tell the ways of counting apart; {who} counts so"
        return word

    def sentence(self) -> str:
        """The source's line of the report."""
        return f"“{self.document}”: {self.describe()} ({self.evidence()}) — {self.how_sure()}."

    def to_json(self) -> dict[str, object]:
        return {
            "document": self.document,
            "unit": "utf-16" if self.utf16 else "code points",
            "line_ends": self.line_ends,
            "bom_counted": self.bom_counted,
            "reading": self.describe(),
            "selections": self.selections,
            "verified": self.verified,
            "on_word_boundaries": self.on_boundaries,
            "outside": self.outside,
            "certainty": self.certainty,
            "decided_by": self.decided_by,
        }


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

    Each coding in the project was verified by its text (its excerpt stands at its offsets),
    placed by position only (the file gives no text to check it against), re-anchored (found
    by its text away from its offsets), or put on a whole document; ``unplaced`` lists the
    others, each with its reason. ``sources`` says per source how its positions were read.

    ``codings_direct`` and ``codings_reanchored`` split the same codings the older way: at the
    file's offsets counted as the specification says, or anywhere else (``reanchored_by`` says
    how: offsets counted another way, or found by their text). ``warnings`` are sentences about
    anything else that did not come across as it was.
    """

    project_path: Path
    origin: str = ""
    documents: int = 0
    codes: int = 0
    coders: int = 0
    memos: int = 0
    cases: int = 0
    attributes: int = 0
    codings_verified: int = 0
    codings_by_position: int = 0
    codings_found_by_text: int = 0
    codings_whole: int = 0
    codings_direct: int = 0
    codings_reanchored: int = 0
    reanchored_by: Counter[str] = field(default_factory=Counter)
    sources: list[ReadingEvidence] = field(default_factory=list)
    unplaced: list[UnplacedCoding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def codings(self) -> int:
        """The codings that are in the new project."""
        return self.codings_direct + self.codings_reanchored

    def count(self, kind: str, how: str) -> None:
        """Count a coding placed as ``kind`` says (:data:`VERIFIED`, :data:`BY_POSITION`,
        :data:`FOUND_BY_TEXT`, :data:`WHOLE`), its offsets read as ``how`` says."""
        if kind == VERIFIED:
            self.codings_verified += 1
        elif kind == BY_POSITION:
            self.codings_by_position += 1
        elif kind == FOUND_BY_TEXT:
            self.codings_found_by_text += 1
        else:
            self.codings_whole += 1
        if how == DIRECT:
            self.codings_direct += 1
        else:
            self.codings_reanchored += 1
            self.reanchored_by[how] += 1

    def counts_line(self) -> str:
        """What came in, in one sentence."""
        source = f" from {self.origin}" if self.origin else ""
        return (
            f"Imported{source}: {_count(self.documents, 'document')}, "
            f"{_count(self.codes, 'code')}, {_count(self.codings, 'coding')}, "
            f"{_count(self.memos, 'memo')}, {_count(self.cases, 'case')}, "
            f"{_count(self.attributes, 'attribute')} and {_count(self.coders, 'coder')}."
        )

    def codings_line(self) -> str:
        """How the codings were placed, in one sentence."""
        whole = f"{self.codings_whole:,} on whole documents, " if self.codings_whole else ""
        return (
            f"Codings: {self.codings_verified:,} verified by their text, "
            f"{self.codings_by_position:,} placed by position only, {whole}"
            f"{self.codings_found_by_text:,} re-anchored (found by their text elsewhere), "
            f"{len(self.unplaced):,} could not be placed."
        )

    def position_note(self) -> str | None:
        """What "by position only" means, when some codings were placed so."""
        if not self.codings_by_position:
            return None
        return (
            "The file gives no text to check the codings placed by position only against; "
            "where they are follows from how each document's positions were read."
        )

    def summary(self) -> list[str]:
        """The report in sentences: the counts, how the codings were placed, each source's
        reading, then the warnings."""
        note = self.position_note()
        return [
            self.counts_line(),
            self.codings_line(),
            *([note] if note else []),
            *(source.sentence() for source in self.sources),
            *self.warnings,
        ]

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
                "verified": self.codings_verified,
                "position_only": self.codings_by_position,
                "found_by_text": self.codings_found_by_text,
                "whole_document": self.codings_whole,
            },
            "sources": [source.to_json() for source in self.sources],
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
