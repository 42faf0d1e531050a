"""Commands that edit the codebook: add, rename, recolour, move, edit, delete and merge codes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from coding.changes import Changes
from coding.errors import CodingError, NameConflictError
from coding.project import Project
from storage.records import CodeRecord, MemoRecord
from storage.repositories.codes import DEFINITION_FIELDS
from storage.repositories.memos import MemoTarget
from storage.repositories.rows import Snapshot
from storage.store import Tx

#: Colours for new codes, distinct from each other and readable under black text.
PALETTE = (
    "#f4c430", "#8ecae6", "#ffb4a2", "#b5e48c", "#cdb4db", "#ffd6a5", "#a0c4ff",
    "#caffbf", "#fdffb6", "#bdb2ff", "#ffc6ff", "#9bf6ff", "#e9c46a", "#90be6d",
)  # fmt: skip

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: The most characters a code's name can have.
NAME_LIMIT = 200


def check_color(color: str) -> str:
    """The colour as ``#rrggbb`` in lower case, or a :class:`CodingError`."""
    if not _COLOR.match(color):
        raise CodingError(f"“{color}” is not a colour; write it as #rrggbb, e.g. #f4c430.")
    return color.lower()


def kept_name(name: str) -> str:
    """A code's name as the codebook keeps it: each run of white space one space."""
    return " ".join(name.split())


def check_name(name: str) -> str:
    name = kept_name(name)
    if not name:
        raise CodingError("A code needs a name.")
    if "/" in name:
        raise CodingError(f"“{name}”: a code's name cannot contain “/”, which separates levels.")
    if len(name) > NAME_LIMIT:
        raise CodingError(f"A code's name can have at most {NAME_LIMIT} characters.")
    return name


def check_unique(tx: Tx, parent_id: int | None, name: str, *, except_id: int | None = None) -> None:
    """Refuse a second code of the same name (ignoring case) under one parent."""
    for code in tx.codes.children(parent_id):
        if code.id != except_id and code.name.casefold() == name.casefold():
            where = (
                "at the top level"
                if parent_id is None
                else f"under “{tx.codes.get(parent_id).name}”"
            )
            raise NameConflictError(f"There is already a code “{code.name}” {where}.")


def next_color(tx: Tx) -> str:
    return PALETTE[tx.codes.count() % len(PALETTE)]


def add_code(tx: Tx, name: str, parent_id: int | None, **fields: Any) -> int:
    """Add a checked code inside an open transaction; returns its id."""
    name = check_name(name)
    check_unique(tx, parent_id, name)
    color = check_color(fields.pop("color", None) or next_color(tx))
    return tx.codes.add(name, parent_id=parent_id, color=color, **fields)


@dataclass
class _Recreatable:
    """Undo deletes what ``do()`` created; redo puts the very same rows back."""

    project: Project
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)


@dataclass
class AddCode(_Recreatable):
    """Add a code under ``parent_id`` (or at the top level)."""

    name: str = ""
    parent_id: int | None = None
    color: str | None = None
    codable: bool = True
    definitions: dict[str, str] = field(default_factory=dict)
    code_id: int | None = field(default=None, init=False)

    @property
    def label(self) -> str:
        return f"Add code “{self.name}”"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            if self._snapshot is not None:
                tx.codes.restore(self._snapshot)
            else:
                self.code_id = add_code(
                    tx,
                    self.name,
                    self.parent_id,
                    color=self.color,
                    codable=self.codable,
                    **_definitions(self.definitions),
                )
        return Changes(code_tree=True)

    def undo(self) -> Changes:
        assert self.code_id is not None
        with self.project.transaction() as tx:
            self._snapshot = tx.codes.snapshot(tx.codes.subtree_ids(self.code_id))
            tx.codes.delete(self.code_id)
        return Changes(code_tree=True)


@dataclass
class _UpdateCode:
    """Set some of a code's fields; undo sets them back."""

    project: Project
    code_id: int
    _old: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def _new_values(self, tx: Tx) -> dict[str, Any]:
        raise NotImplementedError

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            values = self._new_values(tx)
            current = tx.codes.get(self.code_id)
            self._old = {key: getattr(current, key) for key in values}
            tx.codes.update(self.code_id, **values)
        return Changes(codes=frozenset({self.code_id}))

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            tx.codes.update(self.code_id, **self._old)
        return Changes(codes=frozenset({self.code_id}))


@dataclass
class RenameCode(_UpdateCode):
    name: str = ""

    @property
    def label(self) -> str:
        return f"Rename code to “{self.name}”"

    def _new_values(self, tx: Tx) -> dict[str, Any]:
        name = check_name(self.name)
        check_unique(tx, tx.codes.get(self.code_id).parent_id, name, except_id=self.code_id)
        return {"name": name}


@dataclass
class RecolourCode(_UpdateCode):
    color: str = ""

    @property
    def label(self) -> str:
        return "Change code colour"

    def _new_values(self, tx: Tx) -> dict[str, Any]:
        return {"color": check_color(self.color)}


@dataclass
class EditCode(_UpdateCode):
    """Edit the codebook fields (definitions, example), the second-language name, codable."""

    values: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return "Edit code definition"

    def _new_values(self, tx: Tx) -> dict[str, Any]:
        unknown = set(self.values) - {*DEFINITION_FIELDS, "codable", "alt_name"}
        if unknown:
            raise CodingError(f"A code has no field called {', '.join(sorted(unknown))}.")
        return dict(self.values)


@dataclass
class MoveCode:
    """Move a code (with its children) under another parent, at a position among siblings."""

    project: Project
    code_id: int
    parent_id: int | None
    position: int | None = None
    _old: tuple[int | None, int] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return "Move code"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            code = tx.codes.get(self.code_id)
            if self.parent_id is not None and self.parent_id in tx.codes.subtree_ids(self.code_id):
                raise CodingError(
                    f"“{code.name}” cannot be moved under itself or its own children."
                )
            if self.parent_id != code.parent_id:
                check_unique(tx, self.parent_id, code.name, except_id=code.id)
            siblings = [c for c in tx.codes.children(self.parent_id) if c.id != code.id]
            position = len(siblings) if self.position is None else self.position
            position = max(0, min(position, len(siblings)))
            self._old = (code.parent_id, code.position)
            tx.codes.move(self.code_id, self.parent_id, position)
        return Changes(code_tree=True)

    def undo(self) -> Changes:
        assert self._old is not None
        with self.project.transaction() as tx:
            tx.codes.move(self.code_id, *self._old)
        return Changes(code_tree=True)


@dataclass(frozen=True)
class DeleteImpact:
    """What deleting a code takes with it."""

    codings: int
    subcodes: int

    def describe(self, name: str) -> str:
        parts = []
        if self.subcodes:
            parts.append(f"{self.subcodes} subcode{'s' if self.subcodes != 1 else ''}")
        parts.append(f"{self.codings} coding{'s' if self.codings != 1 else ''}")
        return f"Deleting “{name}” also removes {' and '.join(parts)}."


@dataclass
class DeleteCode:
    """Delete a code with its subcodes, their codings and memos; undo brings all back."""

    project: Project
    code_id: int
    name: str = field(default="", init=False)
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return f"Delete code “{self.name}”"

    def impact(self) -> DeleteImpact:
        """How many codings and subcodes the delete would remove (ask before ``do()``)."""
        with self.project.read() as tx:
            self.name = tx.codes.get(self.code_id).name
            ids = tx.codes.subtree_ids(self.code_id)
            return DeleteImpact(codings=tx.codings.count(ids), subcodes=len(ids) - 1)

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            code = tx.codes.get(self.code_id)
            self.name = code.name
            ids = tx.codes.subtree_ids(self.code_id)
            self._snapshot = tx.codes.snapshot(ids)
            documents = frozenset(row["document_id"] for row in self._snapshot["codings"])
            tx.codes.delete(self.code_id)
        return Changes(code_tree=True, documents=documents)

    def undo(self) -> Changes:
        assert self._snapshot is not None
        with self.project.transaction() as tx:
            tx.codes.restore(self._snapshot)
        documents = frozenset(row["document_id"] for row in self._snapshot["codings"])
        return Changes(code_tree=True, documents=documents)


@dataclass(frozen=True)
class MergeImpact:
    """What merging one code into another moves, and what it drops as duplicates."""

    codings: int  # codings that move to the target
    duplicates: int  # codings the target already has (same document, coder and span)
    subcodes: int  # the source's direct subcodes, which move under the target

    def describe(self, source: str, target: str) -> str:
        moved = [_count(self.codings, "coding")]
        if self.subcodes:
            moved.append(_count(self.subcodes, "subcode"))
        text = f"Merging “{source}” into “{target}” moves {' and '.join(moved)} to “{target}”"
        if self.duplicates:
            text += f", drops {_count(self.duplicates, 'coding')} that “{target}” already has,"
        return f"{text} and deletes “{source}”."


@dataclass
class _MergePlan:
    source: CodeRecord
    target: CodeRecord
    children: list[CodeRecord]
    moves: list[int]  # source codings that move to the target
    duplicates: list[tuple[int, int]]  # (source coding, the target's identical coding)
    documents: frozenset[int]


@dataclass
class MergeCodes:
    """Merge code ``source_id`` into ``target_id``, then delete the source.

    The source's codings move to the target, except those the target already has (same
    document, coder, start and end), which are dropped; a memo on a dropped coding is carried
    to the target's identical coding. The source's subcodes move under the target, after its
    own. The source's memo is appended to the target's (or becomes it). Undo puts back every
    code, coding and memo with its id and UUID (memo texts are rewritten, so their
    ``updated_at`` is the time of the undo).
    """

    project: Project
    source_id: int
    target_id: int
    _names: tuple[str, str] = field(default=("", ""), init=False, repr=False)
    _children: list[tuple[int, int]] = field(default_factory=list, init=False, repr=False)
    _moved: list[int] = field(default_factory=list, init=False, repr=False)
    _memos: list[tuple[MemoTarget, MemoRecord | None]] = field(
        default_factory=list, init=False, repr=False
    )
    _documents: frozenset[int] = field(default=frozenset(), init=False, repr=False)
    _aliases: list[str] = field(default_factory=list, init=False, repr=False)
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        source, target = self._names
        return f"Merge code “{source}” into “{target}”" if source else "Merge codes"

    def impact(self) -> MergeImpact:
        """What the merge would move and drop (ask before ``do()``).

        Raises the :class:`CodingError` (or :class:`NameConflictError`) that ``do()`` would.
        """
        with self.project.read() as tx:
            plan = self._plan(tx)
        return MergeImpact(len(plan.moves), len(plan.duplicates), len(plan.children))

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            plan = self._plan(tx)
            self._names = (plan.source.name, plan.target.name)
            self._documents = plan.documents
            siblings = tx.codes.children(self.target_id)
            first = max((c.position for c in siblings), default=-1) + 1
            self._children = [(child.id, child.position) for child in plan.children]
            for offset, child in enumerate(plan.children):
                tx.codes.move(child.id, self.target_id, first + offset)
            for coding_id in plan.moves:
                tx.codings.update(coding_id, code_id=self.target_id)
            self._moved = plan.moves
            # Read the memos to carry before the delete takes them with the source.
            carried = [(MemoTarget(code_id=self.target_id), MemoTarget(code_id=self.source_id))]
            carried += [
                (MemoTarget(coding_id=kept), MemoTarget(coding_id=dropped))
                for dropped, kept in plan.duplicates
            ]
            memos = [(where, tx.memos.get(source)) for where, source in carried]
            self._snapshot = tx.codes.snapshot([self.source_id])
            self._aliases = [*tx.codes.move_aliases(self.source_id, self.target_id)]
            tx.codes.delete(self.source_id)
            # Codings brought in later under the source's GUID land on the target.
            tx.codes.add_alias(plan.source.uuid, self.target_id)
            self._aliases.append(plan.source.uuid)
            self._memos = []
            for where, memo in memos:
                if memo is not None:
                    self._memos.append((where, tx.memos.get(where)))
                    _carry_memo(tx, where, memo)
        return self._changes()

    def undo(self) -> Changes:
        assert self._snapshot is not None
        with self.project.transaction() as tx:
            for where, before in reversed(self._memos):
                if before is None:
                    tx.memos.delete(where)
                else:
                    _put_memo(tx, where, before)
            tx.codes.remove_aliases(self._aliases)
            tx.codes.restore(self._snapshot)
            for coding_id in self._moved:
                tx.codings.update(coding_id, code_id=self.source_id)
            for child_id, position in self._children:  # in their order, so positions hold
                tx.codes.move(child_id, self.source_id, position)
        return self._changes()

    def _changes(self) -> Changes:
        return Changes(
            code_tree=True,
            codes=frozenset({self.target_id}),
            documents=self._documents,
            memos=bool(self._memos),
        )

    def _plan(self, tx: Tx) -> _MergePlan:
        source = tx.codes.get(self.source_id)
        target = tx.codes.get(self.target_id)
        if source.id == target.id:
            raise CodingError(f"“{source.name}” cannot be merged into itself.")
        if target.id in tx.codes.subtree_ids(source.id):
            raise CodingError(f"“{source.name}” cannot be merged into its own subcode.")
        children = tx.codes.children(source.id)
        taken = {code.name.casefold() for code in tx.codes.children(target.id)}
        clashes = [child.name for child in children if child.name.casefold() in taken]
        if clashes:
            names = ", ".join(f"“{name}”" for name in clashes)
            raise NameConflictError(
                f"“{target.name}” already has subcodes called {names}; rename "
                f"{'it' if len(clashes) == 1 else 'them'} in “{source.name}” before merging."
            )
        codings = tx.codings.details(code_ids=[source.id])
        if codings and not target.codable:
            raise CodingError(
                f"“{target.name}” is a folder of codes, so it cannot take the codings of "
                f"“{source.name}”; merge into one of its codes, or make it codable first."
            )
        existing = {
            (c.document_id, c.coder_id, c.start, c.end): c.id
            for c in tx.codings.details(code_ids=[target.id])
        }
        moves: list[int] = []
        duplicates: list[tuple[int, int]] = []
        for coding in codings:
            kept = existing.get((coding.document_id, coding.coder_id, coding.start, coding.end))
            if kept is None:
                moves.append(coding.id)
            else:
                duplicates.append((coding.id, kept))
        documents = frozenset(c.document_id for c in codings)
        return _MergePlan(source, target, children, moves, duplicates, documents)


def _carry_memo(tx: Tx, where: MemoTarget, memo: MemoRecord) -> None:
    """Append ``memo`` to the memo on ``where``, or make it that memo (keeping its UUID)."""
    current = tx.memos.get(where)
    if current is None:
        _put_memo(tx, where, memo)
        return
    text = "\n\n".join(part for part in (current.text.rstrip(), memo.text.strip()) if part)
    title = current.title or memo.title
    tx.memos.put(where, text, title=title, coder_id=current.coder_id, uuid=current.uuid)


def _put_memo(tx: Tx, where: MemoTarget, memo: MemoRecord) -> None:
    tx.memos.put(where, memo.text, title=memo.title, coder_id=memo.coder_id, uuid=memo.uuid)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _definitions(values: dict[str, str]) -> dict[str, str]:
    unknown = set(values) - set(DEFINITION_FIELDS)
    if unknown:
        raise CodingError(f"A code has no field called {', '.join(sorted(unknown))}.")
    return dict(values)
