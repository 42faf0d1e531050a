"""Merging an incoming codebook into the project's: matching its codes, and the lead's review.

Incoming codes are matched to the project's codes in four steps, each only for the codes the
steps before left unmatched, and each target taken by one incoming code at most:

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

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from coding.codebook_exchange import IncomingCodebook, read_codebook_file
from coding.codebooks import CodebookSpec, CodeSpec
from coding.errors import CodingError
from coding.folding import fold
from coding.project import PATH_SEPARATOR, Project, code_paths
from storage.records import CodeRecord
from storage.repositories.codes import DEFINITION_FIELDS

#: The lowest similarity (0–100) at which a fuzzy or path match is proposed.
DEFAULT_THRESHOLD = 85.0

#: How much a candidate under the parent's match counts over one elsewhere, when ranking.
_SAME_PARENT_BONUS = 10

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


class How(StrEnum):
    """How an incoming code was matched."""

    UUID = "uuid"
    EXACT = "exact"
    FUZZY = "fuzzy"
    PATH = "path"


class Action(StrEnum):
    """What applying the merge does with an incoming code."""

    MERGE = "merge"  # into an existing code
    NEW = "new"  # add it as a new code
    SKIP = "skip"  # leave it out


@dataclass(frozen=True)
class Incoming:
    """An incoming code, flattened: its place in the incoming tree and its path there."""

    index: int
    spec: CodeSpec
    parent: int | None  # index of the incoming parent
    path: str
    depth: int = 0  # 0 at the top level


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
    proposal: tuple[int | None, How | None, float] = (None, None, 0.0)  # what matching found
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


# --- matching -----------------------------------------------------------------------------


def flatten(codebook: CodebookSpec) -> list[Incoming]:
    """The incoming codes in tree order (parents first), each with its parent and path."""
    flat: list[Incoming] = []

    def walk(specs: tuple[CodeSpec, ...], parent: int | None, prefix: str, depth: int) -> None:
        for spec in specs:
            path = f"{prefix}{PATH_SEPARATOR}{spec.name}" if prefix else spec.name
            flat.append(Incoming(len(flat), spec, parent, path, depth))
            walk(spec.children, len(flat) - 1, path, depth + 1)

    walk(codebook.codes, None, "", 0)
    return flat


def match_codebook(
    codes: list[CodeRecord],
    aliases: dict[str, int],
    incoming: CodebookSpec,
    threshold: float = DEFAULT_THRESHOLD,
) -> MergeReview:
    """Propose how ``incoming`` merges into the codes ``codes`` (in tree order).

    ``aliases`` maps GUIDs that project codes answer to (from earlier merges) to their ids.
    """
    matcher = _Matcher(codes, flatten(incoming), threshold)
    matcher.by_guid(aliases)
    matcher.by_exact_name()
    matcher.by_fuzzy_name()
    matcher.by_path()
    for row in matcher.rows:
        row.proposal = (row.target_id, row.how, row.score)
        if row.target_id is not None:
            row.basis = _basis(row, matcher.by_id[row.target_id], matcher.paths)
    review = MergeReview(incoming.name, matcher.rows, matcher.by_id, matcher.paths, threshold)
    if isinstance(incoming, IncomingCodebook):
        review.warnings = list(incoming.warnings)
    review.refresh_conflicts()
    return review


def read_incoming(project: Project, path: Path) -> CodebookSpec:
    """The codebook to merge from ``path`` (see :data:`CODEBOOK_SOURCES`)."""
    if path.resolve() == project.path:
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


def _names(spec_name: str, alt_name: str) -> list[str]:
    names = [_sorted_words(spec_name)]
    if alt_name.strip() and _sorted_words(alt_name) != names[0]:
        names.append(_sorted_words(alt_name))
    return names


_WORD = re.compile(r"\w+")


def _sorted_words(text: str) -> str:
    """Folded for matching: case and diacritics ignored, words in a fixed order."""
    return " ".join(sorted(_WORD.findall(fold(text)))) or text.casefold().strip()


def pair_score(spec: CodeSpec, code: CodeRecord) -> tuple[float, str]:
    """How similar an incoming code's names are to a project code's (0–100), and which names
    gave that score."""
    pairs = [
        (fuzz.ratio(theirs, ours), _BASIS[i, j])
        for i, theirs in enumerate(_names(spec.name, spec.alt_name))
        for j, ours in enumerate(_names(code.name, code.alt_name))
    ]
    return max(pairs, key=lambda pair: pair[0])


_BASIS = {
    (0, 0): "names",
    (1, 1): "second-language names",
    (0, 1): "its name, our second-language name",
    (1, 0): "its second-language name, our name",
}


def _strings(names: list[list[str]]) -> tuple[list[str], list[int]]:
    strings: list[str] = []
    owners: list[int] = []
    for owner, these in enumerate(names):
        strings.extend(these)
        owners.extend([owner] * len(these))
    return strings, owners


def _starts(owners: list[int]) -> Any:
    owner_array = np.asarray(owners)
    return np.flatnonzero(np.r_[True, owner_array[1:] != owner_array[:-1]])


class _Matcher:
    """The four matching steps, each over the rows the steps before left open."""

    def __init__(self, codes: list[CodeRecord], flat: list[Incoming], threshold: float) -> None:
        self.codes = codes
        self.by_id = {code.id: code for code in codes}
        self.paths = code_paths(codes)
        self.rows = [MergeRow(item, Action.NEW) for item in flat]
        self.threshold = threshold
        self.claimed: set[int] = set()

    def by_guid(self, aliases: dict[str, int]) -> None:
        """The code's own GUID, or one it answers to after an earlier merge."""
        by_uuid = {code.uuid: code.id for code in self.codes} | aliases
        for row in self.rows:
            for guid in (row.incoming.spec.uuid, *row.incoming.spec.aliases):
                target = by_uuid.get(guid.lower()) if guid else None
                if target is not None and target not in self.claimed:
                    self._take(row, target, How.UUID, 100.0)
                    break

    def by_exact_name(self) -> None:
        """The same name under the parent's match, parents first so whole branches match."""
        children: dict[tuple[int | None, str], int] = {}
        for code in self.codes:
            children.setdefault((code.parent_id, code.name.casefold()), code.id)
        for row in self.rows:
            parent = row.incoming.parent
            if row.action is Action.MERGE or (
                parent is not None and self.rows[parent].action is not Action.MERGE
            ):
                continue
            under = self.rows[parent].target_id if parent is not None else None
            target = children.get((under, row.incoming.spec.name.casefold()))
            if target is not None and target not in self.claimed:
                self._take(row, target, How.EXACT, 100.0)

    def by_fuzzy_name(self) -> None:
        """Similar names, either language's counted on both sides."""
        open_rows, free = self._open()
        if not open_rows or not free:
            return
        theirs, their_owner = _strings(
            [_names(row.incoming.spec.name, row.incoming.spec.alt_name) for row in open_rows]
        )
        ours, our_owner = _strings([_names(code.name, code.alt_name) for code in free])
        matrix = self._cdist(theirs, ours)
        # The strings of one code are adjacent: the best of each block is the code's score.
        matrix = np.maximum.reduceat(matrix, _starts(their_owner), axis=0)
        matrix = np.maximum.reduceat(matrix, _starts(our_owner), axis=1)
        self._assign(open_rows, free, matrix, How.FUZZY)

    def by_path(self) -> None:
        """Similar whole paths, the matched parents' paths standing in for the incoming ones."""
        open_rows, free = self._open()
        if not open_rows or not free:
            return
        theirs = [_sorted_words(self._effective_path(row)) for row in open_rows]
        ours = [_sorted_words(self.paths[code.id]) for code in free]
        self._assign(open_rows, free, self._cdist(theirs, ours), How.PATH)

    def _open(self) -> tuple[list[MergeRow], list[CodeRecord]]:
        open_rows = [row for row in self.rows if row.action is not Action.MERGE]
        free = [code for code in self.codes if code.id not in self.claimed]
        return open_rows, free

    def _cdist(self, theirs: list[str], ours: list[str]) -> Any:
        return process.cdist(
            theirs,
            ours,
            scorer=fuzz.ratio,
            score_cutoff=self.threshold,
            workers=-1,
            dtype=np.uint8,
        )

    def _take(self, row: MergeRow, target: int, how: How, score: float) -> None:
        row.action, row.target_id, row.how, row.score = Action.MERGE, target, how, score
        self.claimed.add(target)

    def _assign(
        self, open_rows: list[MergeRow], free: list[CodeRecord], scores: Any, how: How
    ) -> None:
        """Give each open row its best free code, highest scores first.

        Rows go level by level, so that a parent is matched before its children look; a code
        under the parent's match scores :data:`_SAME_PARENT_BONUS` more when they are ranked.
        """
        pairs = np.argwhere(scores > 0)
        if not len(pairs):
            return
        values = scores[pairs[:, 0], pairs[:, 1]].astype(np.int16)
        depths = np.fromiter((open_rows[i].incoming.depth for i in pairs[:, 0]), dtype=np.int16)
        done: set[int] = set()
        for depth in np.unique(depths):
            level = np.flatnonzero(depths == depth)
            same_parent = np.fromiter(
                (
                    free[pairs[k, 1]].parent_id == self._matched_parent(open_rows[pairs[k, 0]])
                    for k in level
                ),
                dtype=bool,
                count=len(level),
            )
            ranks = values[level] + _SAME_PARENT_BONUS * same_parent
            for k in level[np.argsort(-ranks, kind="stable")]:
                i, j = int(pairs[k, 0]), int(pairs[k, 1])
                if i not in done and free[j].id not in self.claimed:
                    self._take(open_rows[i], free[j].id, how, float(values[k]))
                    done.add(i)

    def _matched_parent(self, row: MergeRow) -> int | None:
        parent = row.incoming.parent
        if parent is None:
            return None
        above = self.rows[parent]
        return above.target_id if above.action is Action.MERGE else -1

    def _effective_path(self, row: MergeRow) -> str:
        """The incoming path, with the nearest matched ancestor's path in place of its own."""
        names = [row.incoming.spec.name]
        parent = row.incoming.parent
        while parent is not None:
            above = self.rows[parent]
            if above.action is Action.MERGE and above.target_id is not None:
                return PATH_SEPARATOR.join([self.paths[above.target_id], *reversed(names)])
            names.append(above.incoming.spec.name)
            parent = above.incoming.parent
        return PATH_SEPARATOR.join(reversed(names))
