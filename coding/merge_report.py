"""What a project merge did, per coder's project and in all: matched, new, skipped and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class DocumentMatch(StrEnum):
    """How an incoming document was recognised as one of this project's."""

    UUID = "uuid"  # the same UUID: the same document, handed out by the lead
    TEXT = "text"  # the same text (its hash), imported separately
    NAME = "name"  # only the same name: the texts differ, so codings are placed by their text


class Skip(StrEnum):
    """Why an incoming coding was not added."""

    ALREADY_HERE = "already_here"
    IDENTICAL = "identical"
    CODE_LEFT_OUT = "code_left_out"
    CODE_IS_FOLDER = "code_is_folder"
    TEXT_NOT_FOUND = "text_not_found"


#: Each reason in the lead's words, completing "… were not added: …".
SKIP_REASONS = {
    Skip.ALREADY_HERE: "already in this project (the very same coding, known by its UUID)",
    Skip.IDENTICAL: "this project has the same code by the same coder on the same passage",
    Skip.CODE_LEFT_OUT: "their code was left out of the codebook merge",
    Skip.CODE_IS_FOLDER: "their code merged into a folder of codes, which is not applied itself",
    Skip.TEXT_NOT_FOUND: "the document's text differs here and the coded passage was not found",
}

#: How an incoming code was matched (the codebook merge's ``How``, the lead's choice, or a code
#: that an earlier project of the same merge added), in the lead's words and in this order.
CODE_MATCHES = {
    "uuid": "by GUID",
    "exact": "by name",
    "fuzzy": "by a similar name",
    "path": "by a similar path",
    "chosen": "as chosen in the review",
    "earlier": "into codes that another project of this merge added",
}

#: What a merge leaves as it is here, said once in every report.
NOT_BROUGHT = (
    "The project's name, language and current coder stay as they are here.",
    "A matched document keeps this project's name, text and paragraphs.",
    "A matched code keeps this project's name, colour and place; only its empty definition "
    "fields are filled in.",
    "Where both projects have a memo or an attribute value for the same thing and they differ, "
    "this project's is kept.",
)


@dataclass
class SourceReport:
    """What merging one coder's project did."""

    path: Path
    documents_matched: Counter[DocumentMatch] = field(default_factory=Counter)
    documents_new: list[str] = field(default_factory=list)
    codes_matched: Counter[str] = field(default_factory=Counter)  # by how (uuid, exact, …)
    codes_new: list[str] = field(default_factory=list)
    codes_skipped: list[str] = field(default_factory=list)
    coders_matched: list[str] = field(default_factory=list)
    coders_new: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_reanchored: int = 0  # placed by their text in a document whose text differs
    codings_skipped: Counter[Skip] = field(default_factory=Counter)
    memos_added: int = 0
    memos_kept: list[str] = field(default_factory=list)  # ours kept where theirs differs
    cases_matched: int = 0
    cases_new: list[str] = field(default_factory=list)
    memberships_added: int = 0
    attributes_new: list[str] = field(default_factory=list)
    values_added: int = 0
    values_kept: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def to_json(self) -> dict[str, Any]:
        """This project's part of ``merge --json`` (see CLI.md)."""
        return {
            "documents": {
                "matched": sum(self.documents_matched.values()),
                "new": len(self.documents_new),
                "matched_by": {how.value: self.documents_matched[how] for how in DocumentMatch},
                "new_names": list(self.documents_new),
            },
            "codes": {
                "matched": sum(self.codes_matched.values()),
                "new": len(self.codes_new),
                "skipped": len(self.codes_skipped),
                "matched_by": dict(sorted(self.codes_matched.items())),
                "new_paths": list(self.codes_new),
                "skipped_paths": list(self.codes_skipped),
            },
            "coders": {"matched": list(self.coders_matched), "new": list(self.coders_new)},
            "codings": {
                "added": self.codings_added,
                "skipped": sum(self.codings_skipped.values()),
                "reanchored": self.codings_reanchored,
                "skipped_because": {
                    reason.value: self.codings_skipped[reason]
                    for reason in Skip
                    if self.codings_skipped[reason]
                },
            },
            "memos": {"added": self.memos_added, "kept_ours": list(self.memos_kept)},
            "cases": {
                "matched": self.cases_matched,
                "new": len(self.cases_new),
                "documents_added": self.memberships_added,
            },
            "attributes": {
                "new": list(self.attributes_new),
                "values_added": self.values_added,
                "values_kept_ours": self.values_kept,
            },
            "warnings": list(self.warnings),
        }


@dataclass
class MergeReport:
    """What a whole merge did (or, for a dry run, would do)."""

    sources: list[SourceReport]
    applied: bool = False
    backup: Path | None = None

    @property
    def codings_added(self) -> int:
        return sum(source.codings_added for source in self.sources)

    @property
    def codings_skipped(self) -> int:
        return sum(sum(source.codings_skipped.values()) for source in self.sources)

    def to_json(self) -> dict[str, Any]:
        """``merge --json``: the totals of CLI.md, then each project's part and the notes."""
        parts = [source.to_json() for source in self.sources]
        totals = {key: _sum([part[key] for part in parts]) for key in parts[0]} if parts else {}
        return {
            **totals,
            "sources": [
                {"path": str(source.path), **part}
                for source, part in zip(self.sources, parts, strict=True)
            ],
            "applied": self.applied,
            "backup": str(self.backup) if self.backup is not None else None,
            "not_brought": list(NOT_BROUGHT),
        }

    def summary(self) -> str:
        """One line: what came in, what was skipped."""
        documents = sum(len(source.documents_new) for source in self.sources)
        codes = sum(len(source.codes_new) for source in self.sources)
        line = (
            f"{_count(self.codings_added, 'coding')} added, {self.codings_skipped:,} skipped; "
            f"{_count(documents, 'new document')}, {_count(codes, 'new code')}"
        )
        warnings = sum(len(source.warnings) for source in self.sources)
        return line + (f"; {_count(warnings, 'warning')}" if warnings else "")

    def lines(self) -> list[str]:
        """The report as plain lines, for the command line."""
        lines: list[str] = []
        for source in self.sources:
            lines.extend(source_lines(source))
            lines.append("")
        lines.extend(NOT_BROUGHT)
        if self.backup is not None:
            lines.append(f"Backup made before the merge: {self.backup}")
        return lines


def source_lines(source: SourceReport) -> list[str]:
    """One coder's project in sentences: documents, codes, coders, codings, the rest."""
    by = source.documents_matched
    lines = [
        f"From {source.name}:",
        f"  Documents: {sum(by.values())} matched ({by[DocumentMatch.UUID]} by UUID, "
        f"{by[DocumentMatch.TEXT]} by identical text, {by[DocumentMatch.NAME]} by name only), "
        f"{len(source.documents_new)} new{_listed(source.documents_new)}",
        f"  Codes: {sum(source.codes_matched.values())} matched"
        f"{_breakdown(source.codes_matched)}, {len(source.codes_new)} new"
        f"{_listed(source.codes_new)}, {len(source.codes_skipped)} left out"
        f"{_listed(source.codes_skipped)}",
        f"  Coders: {_names(source.coders_matched)} already here; "
        f"{_names(source.coders_new)} added",
        f"  Codings: {source.codings_added:,} added"
        + (
            f" ({source.codings_reanchored:,} placed by their text)"
            if source.codings_reanchored
            else ""
        )
        + f", {sum(source.codings_skipped.values()):,} not added",
    ]
    lines.extend(
        f"    {count:,}: {SKIP_REASONS[reason]}"
        for reason, count in sorted(source.codings_skipped.items())
        if count
    )
    lines.append(
        f"  Memos: {source.memos_added} added, {len(source.memos_kept)} kept as they are here"
        f"{_listed(source.memos_kept)}"
    )
    lines.append(
        f"  Cases: {source.cases_matched} matched, {len(source.cases_new)} new, "
        f"{source.memberships_added} documents added to cases; attributes: "
        f"{len(source.attributes_new)} new, {source.values_added} values added, "
        f"{source.values_kept} kept as they are here"
    )
    lines.extend(f"  Warning: {warning}" for warning in source.warnings)
    return lines


def _sum(values: list[Any]) -> Any:
    """The sum of the sources' parts: numbers add, lists join, dicts add key by key."""
    first = values[0]
    if isinstance(first, bool) or not isinstance(first, int | list | dict):
        return first
    if isinstance(first, int):
        return sum(values)
    if isinstance(first, list):
        return [item for value in values for item in value]
    keys = dict.fromkeys(key for value in values for key in value)
    return {key: _sum([value[key] for value in values if key in value]) for key in keys}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' if n != 1 else ''}"


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def _listed(items: list[str], most: int = 5) -> str:
    if not items:
        return ""
    shown = ", ".join(items[:most])
    more = f" and {len(items) - most} more" if len(items) > most else ""
    return f" ({shown}{more})"


def _breakdown(matched: Counter[str]) -> str:
    parts = [f"{matched[how]} {words}" for how, words in CODE_MATCHES.items() if matched[how]]
    return f" ({', '.join(parts)})" if parts else ""
