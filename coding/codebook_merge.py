"""Merging an incoming codebook into the project's: matching its codes, and the lead's review.

Incoming codes are matched to the project's codes (:mod:`coding.codebook_matching`) in four
steps, each only for the codes the steps before left unmatched, and each target taken by one
incoming code at most:

1. ``uuid``: the same GUID (or a GUID the project's code answers to after an earlier merge);
2. ``exact``: the same name, ignoring case, under the parent the incoming parent matched;
3. ``fuzzy``: the most similar name, with case, diacritics and word order folded and either
   language's name counted on both sides, if it scores at least the threshold;
4. ``path``: the most similar whole path (the matched parents' paths with the code's own name),
   for a name that is too short or too changed to stand on its own.

The lead reviews the result (:class:`MergeReview`): each row merges into a code, adds a new
code, or skips; ``ApplyCodebookMerge`` (:mod:`coding.codebook_apply`) applies it as one
transaction that undo reverses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from coding.codebook_exchange import IncomingCodebook, read_codebook_file
from coding.codebook_matching import How, Incoming, Proposal, flatten, pair_score, propose_matches
from coding.codebooks import CodebookSpec, CodeSpec
from coding.errors import CodingError
from coding.project import PATH_SEPARATOR, Project, code_paths
from storage.records import CodeRecord
from storage.repositories.codes import DEFINITION_FIELDS

#: The lowest similarity (0–100) at which a fuzzy or path match is proposed.
DEFAULT_THRESHOLD = 85.0

#: The fields a merge carries from an incoming code to the code it merges into.
CARRIED_FIELDS = ("alt_name", *DEFINITION_FIELDS)

_FIELD_TITLES = {
    "alt_name": "second-language name",
    "brief_definition": "brief definition",
    "full_definition": "full definition",
    "when_to_use": "when to use",
    "when_not_to_use": "when not to use",
    "example": "example",
}


class Action(StrEnum):
    """What applying the merge does with an incoming code."""

    MERGE = "merge"  # into an existing code
    NEW = "new"  # add it as a new code
    SKIP = "skip"  # leave it out


@dataclass(frozen=True)
class Conflict:
    """Something the lead should look at before accepting a row."""

    kind: str  # "moved" (same code under another parent) or "definition"
    detail: str


@dataclass
class MergeRow:
    """One incoming code and what the merge will do with it (the lead may change it)."""

    incoming: Incoming
    action: Action
    target_id: int | None = None  # the code it merges into, for Action.MERGE
    how: How | None = None  # how the match was found (None: set by the lead, or no match)
    score: float = 0.0
    take_incoming: bool = False  # replace our definition fields with the incoming ones
    conflicts: list[Conflict] = field(default_factory=list)
    proposal: Proposal = (None, None, 0.0)  # what matching found
    basis: str = ""  # what the score compared, in words ("names", "paths", "GUID")


@dataclass
class MergeReview:
    """The proposed merge of an incoming codebook, row by row, for the lead to review.

    ``warnings`` are sentences about how the incoming file was read (another namespace, code
    groups left out), for the lead to see beside the rows.
    """

    source: str
    rows: list[MergeRow]
    codes: dict[int, CodeRecord]  # the project's codes by id
    paths: dict[int, str]  # the project's code paths by id
    threshold: float
    warnings: list[str] = field(default_factory=list)

    def matched(self) -> list[MergeRow]:
        return [row for row in self.rows if row.action is Action.MERGE]

    def new(self) -> list[MergeRow]:
        return [row for row in self.rows if row.action is Action.NEW]

    def skipped(self) -> list[MergeRow]:
        return [row for row in self.rows if row.action is Action.SKIP]

    def conflicts(self) -> list[MergeRow]:
        return [row for row in self.rows if row.conflicts and row.action is Action.MERGE]

    def set_action(self, row: MergeRow, action: Action, target_id: int | None = None) -> None:
        """The lead's choice for ``row``: merge into ``target_id``, add it new, or skip it."""
        if action is Action.MERGE and (target_id is None or target_id not in self.codes):
            raise CodingError("Choose the code to merge into.")
        row.action = action
        row.target_id = None
        row.how, row.score, row.basis = None, 0.0, ""
        if action is Action.MERGE and target_id is not None:
            row.target_id = target_id
            proposed, how, score = row.proposal
            if target_id == proposed and how is not None:
                row.how, row.score = how, score
                row.basis = _basis(row, self.codes[target_id], self.paths)
            else:
                row.score, row.basis = pair_score(row.incoming.spec, self.codes[target_id])
        else:
            row.take_incoming = False
        self.refresh_conflicts()

    def refresh_conflicts(self) -> None:
        """Look again at every row (a parent's choice changes where its children belong)."""
        for row in self.rows:
            row.conflicts = self._conflicts(row)

    def destination_parent(self, row: MergeRow) -> int | None:
        """Where a new code of ``row`` goes: under the code its incoming parent became.

        The parent of a skipped incoming code is looked up in turn; a code whose parent is
        itself new has the new parent's row index as a negative number (``-1 - index``).
        """
        parent = row.incoming.parent
        while parent is not None:
            above = self.rows[parent]
            if above.action is Action.MERGE:
                return above.target_id
            if above.action is Action.NEW:
                return -1 - parent
            parent = above.incoming.parent
        return None

    def destination_path(self, row: MergeRow) -> str:
        """The path a new code of ``row`` will have (the parent's as it will be)."""
        parent = self.destination_parent(row)
        name = row.incoming.spec.name
        if parent is None:
            return name
        if parent < 0:
            above = self.rows[-1 - parent]
            return f"{self.destination_path(above)}{PATH_SEPARATOR}{name}"
        return f"{self.paths[parent]}{PATH_SEPARATOR}{name}"

    def summary(self) -> str:
        """One line: how many codes match, how many are new, and how many need a look."""
        return (
            f"{len(self.matched())} matched, {len(self.new())} new, "
            f"{len(self.skipped())} skipped, {len(self.conflicts())} to review"
        )

    def to_json(self) -> dict[str, Any]:
        """The review as ``codebook merge --json`` prints it (see CLI.md)."""
        return {
            "source": self.source,
            "threshold": self.threshold,
            "matched": [
                {
                    "incoming": row.incoming.path,
                    "target": self.paths[row.target_id],
                    "how": row.how.value if row.how is not None else "chosen",
                    "score": round(row.score, 1),
                    "basis": row.basis,
                }
                for row in self.matched()
                if row.target_id is not None
            ],
            "new": [
                {"incoming": row.incoming.path, "path": self.destination_path(row)}
                for row in self.new()
            ],
            "skipped": [row.incoming.path for row in self.skipped()],
            "conflicts": [
                {
                    "incoming": row.incoming.path,
                    "target": self.paths[row.target_id],
                    "kind": conflict.kind,
                    "detail": conflict.detail,
                }
                for row in self.conflicts()
                if row.target_id is not None
                for conflict in row.conflicts
            ],
            "warnings": list(self.warnings),
        }

    def _conflicts(self, row: MergeRow) -> list[Conflict]:
        if row.action is not Action.MERGE or row.target_id is None:
            return []
        target = self.codes[row.target_id]
        found: list[Conflict] = []
        expected = self.destination_parent(row)
        if expected is not None and expected < 0:
            expected = -2  # a new parent: never where the target is
        if target.parent_id != expected:
            here = "at the top level"
            if target.parent_id is not None:
                here = f"under “{self.paths[target.parent_id]}”"
            there = "at the top level"
            if row.incoming.parent is not None:
                there = f"under “{self.rows[row.incoming.parent].incoming.path}”"
            found.append(
                Conflict(
                    "moved", f"“{target.name}” is {here} here and {there} in the incoming codebook"
                )
            )
        differing = [
            _FIELD_TITLES[key]
            for key in CARRIED_FIELDS
            if (theirs := _clean(incoming_field(row.incoming.spec, key)))
            and (ours := _clean(getattr(target, key)))
            and theirs != ours
        ]
        if differing:
            named = differing[0] if len(differing) == 1 else (
                f"{', '.join(differing[:-1])} and {differing[-1]}")  # fmt: skip
            verb = "differs" if len(differing) == 1 else "differ"
            found.append(Conflict("definition", f"the {named} {verb}"))
        return found


def _basis(row: MergeRow, code: CodeRecord, paths: dict[int, str]) -> str:
    if row.how is How.UUID:
        return "GUID"
    if row.how is How.EXACT:
        return "same name, same parent"
    if row.how is How.PATH:
        return "paths"
    return pair_score(row.incoming.spec, code)[1]


def _clean(text: str) -> str:
    return " ".join(text.split())


def incoming_field(spec: CodeSpec, key: str) -> str:
    """The incoming code's value of a carried field (see :data:`CARRIED_FIELDS`)."""
    return spec.alt_name if key == "alt_name" else spec.definitions.get(key, "")


def match_codebook(
    codes: list[CodeRecord],
    aliases: dict[str, int],
    incoming: CodebookSpec,
    threshold: float = DEFAULT_THRESHOLD,
) -> MergeReview:
    """Propose how ``incoming`` merges into the codes ``codes`` (in tree order).

    ``aliases`` maps GUIDs that project codes answer to (from earlier merges) to their ids.
    """
    flat = flatten(incoming)
    by_id = {code.id: code for code in codes}
    paths = code_paths(codes)
    rows: list[MergeRow] = []
    for item, proposal in zip(flat, propose_matches(codes, aliases, flat, threshold), strict=True):
        target, how, score = proposal
        row = MergeRow(item, Action.NEW if target is None else Action.MERGE, target, how, score)
        row.proposal = proposal
        if target is not None:
            row.basis = _basis(row, by_id[target], paths)
        rows.append(row)
    review = MergeReview(incoming.name, rows, by_id, paths, threshold)
    if isinstance(incoming, IncomingCodebook):
        review.warnings = list(incoming.warnings)
    review.refresh_conflicts()
    return review


def read_incoming(project: Project, path: Path) -> CodebookSpec:
    """The codebook to merge from ``path`` (see :data:`CODEBOOK_SOURCES`)."""
    if Path(os.path.realpath(path)) == project.path:  # a link loop: the reader says so
        raise CodingError(
            f"“{path.name}” is the project that is open; choose another project to merge from."
        )
    return read_codebook_file(path)


def review_merge(
    project: Project, incoming: CodebookSpec, threshold: float = DEFAULT_THRESHOLD
) -> MergeReview:
    """:func:`match_codebook` against the project's codebook as it is now."""
    if not 0 <= threshold <= 100:
        raise CodingError("The threshold is a similarity from 0 to 100.")
    with project.read() as tx:
        codes, aliases = tx.codes.all(), tx.codes.aliases()
    return match_codebook(codes, aliases, incoming, threshold)
