"""Applying a reviewed codebook merge as one undoable action: new codes, carried fields and
the aliases of the incoming GUIDs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from coding.changes import Changes
from coding.codebook import PALETTE, check_color, check_name
from coding.codebook_merge import CARRIED_FIELDS, Action, MergeReview, MergeRow, incoming_field
from coding.project import Project
from storage.repositories.codes import DEFINITION_FIELDS, NewCode
from storage.repositories.rows import Snapshot
from storage.store import Tx


@dataclass
class ApplyCodebookMerge:
    """Apply a reviewed merge as one action: new codes, carried fields and aliases.

    A merged code keeps its name, colour and place; its empty fields take the incoming ones
    (all of them when the row says ``take_incoming``), and it answers to the incoming GUID from
    then on. A new code keeps its incoming GUID unless the project already uses it. The work
    grows with the number of codes, not its square: names, GUIDs and colours are kept in memory
    and the new codes are inserted a tree level at a time.
    """

    project: Project
    review: MergeReview
    created: list[int] = field(default_factory=list, init=False)
    _updates: list[tuple[int, dict[str, str], dict[str, str]]] = field(
        default_factory=list, init=False, repr=False
    )
    _aliases: list[tuple[str, int]] = field(default_factory=list, init=False, repr=False)
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return f"Merge codebook “{self.review.source}”"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            self.apply_in(tx)
        return Changes(code_tree=True)

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            self.undo_in(tx)
        return Changes(code_tree=True)

    def apply_in(self, tx: Tx) -> None:
        """:meth:`do` inside the caller's transaction (a project merge brings codings along)."""
        if self._snapshot is None:
            self._first(tx)
        else:
            tx.codes.restore(self._snapshot)
        for code_id, _before, after in self._updates:
            tx.codes.update(code_id, **after)
        tx.codes.add_aliases(self._aliases)

    def undo_in(self, tx: Tx) -> None:
        """:meth:`undo` inside the caller's transaction."""
        tx.codes.remove_aliases(uuid for uuid, _ in self._aliases)
        for code_id, before, _after in reversed(self._updates):
            tx.codes.update(code_id, **before)
        self._snapshot = tx.codes.snapshot(self.created)
        for code_id in reversed(self.created):
            tx.codes.delete(code_id)

    def _first(self, tx: Tx) -> None:
        plan = _NewCodes(tx, self.review)
        for row in self.review.rows:
            if row.action is Action.MERGE and row.target_id is not None:
                self._merge_into(tx, row, row.target_id, plan.guids)
            elif row.action is Action.NEW:
                plan.add(row)
        self.created = plan.insert(tx)
        self._aliases.extend(plan.aliases)
        # Aliases are written by do(), after the codes they stand for exist.

    def _merge_into(self, tx: Tx, row: MergeRow, target_id: int, guids: set[str]) -> None:
        target = tx.codes.get(target_id)
        spec = row.incoming.spec
        before: dict[str, str] = {}
        after: dict[str, str] = {}
        for key in CARRIED_FIELDS:
            theirs = incoming_field(spec, key).strip()
            ours = getattr(target, key)
            if theirs and theirs != ours and (row.take_incoming or not ours.strip()):
                before[key], after[key] = ours, theirs
        if after:
            self._updates.append((target_id, before, after))
        for guid in (spec.uuid or "", *spec.aliases):
            if guid and guid.lower() != target.uuid and guid.lower() not in guids:
                self._aliases.append((guid.lower(), target_id))
                guids.add(guid.lower())


class _NewCodes:
    """The new codes of a merge, planned in the review's order and inserted level by level.

    ``guids`` holds every GUID the project's codes have or answer to, and those this merge
    gives out, so that no GUID is given twice; each parent's names are read once and then
    kept, so that a free name ("Name (2)") costs nothing per sibling.
    """

    def __init__(self, tx: Tx, review: MergeReview) -> None:
        self.review = review
        self.guids = tx.codes.guids()
        self.aliases: list[tuple[str, int]] = []
        self._tx = tx
        self._colours = tx.codes.count()
        self._rows: list[MergeRow] = []
        self._specs: dict[int, NewCode] = {}  # row index -> the code (parent to resolve)
        self._parents: dict[int, int | None] = {}  # row index -> parent (negative: new row)
        self._names: dict[int | None, set[str]] = {}  # parent -> its children's names, folded

    def add(self, row: MergeRow) -> None:
        spec = row.incoming.spec
        parent = self.review.destination_parent(row)
        name = self._free_name(parent, check_name(spec.name))
        uuid = spec.uuid.lower() if spec.uuid and spec.uuid.lower() not in self.guids else None
        if uuid is not None:
            self.guids.add(uuid)
        colour = check_color(spec.color) if spec.color else PALETTE[self._colours % len(PALETTE)]
        self._colours += 1
        self._rows.append(row)
        self._parents[row.incoming.index] = parent
        self._specs[row.incoming.index] = NewCode(
            name=name,
            parent_id=None,
            color=colour,
            codable=spec.codable,
            alt_name=spec.alt_name,
            uuid=uuid,
            definitions={key: spec.definitions.get(key, "") for key in DEFINITION_FIELDS},
        )

    def insert(self, tx: Tx) -> list[int]:
        """Insert the planned codes, parents first; returns their ids in the review's order."""
        made: dict[int, int] = {}  # row index -> new code id
        waiting = [row.incoming.index for row in self._rows]
        while waiting:
            level = [i for i in waiting if (above := self._new_parent(i)) is None or above in made]
            assert level, "a new code's parent is not among the new codes"
            codes = [replace(self._specs[i], parent_id=self._parent_id(i, made)) for i in level]
            made.update(zip(level, tx.codes.add_many(codes), strict=True))
            waiting = [index for index in waiting if index not in made]
        for row in self._rows:
            for alias in row.incoming.spec.aliases:
                if alias.lower() not in self.guids:
                    self.aliases.append((alias.lower(), made[row.incoming.index]))
                    self.guids.add(alias.lower())
        return [made[row.incoming.index] for row in self._rows]

    def _new_parent(self, index: int) -> int | None:
        """The row index of the new code the row's code goes under, if its parent is new."""
        parent = self._parents[index]
        return -1 - parent if parent is not None and parent < 0 else None

    def _parent_id(self, index: int, made: dict[int, int]) -> int | None:
        above = self._new_parent(index)
        return made[above] if above is not None else self._parents[index]

    def _free_name(self, parent: int | None, name: str) -> str:
        """``name``, or ``name (2)``, ``name (3)``… when a sibling already has it."""
        taken = self._names.get(parent)
        if taken is None:
            existing = [] if parent is not None and parent < 0 else self._tx.codes.children(parent)
            taken = self._names[parent] = {code.name.casefold() for code in existing}
        candidate, n = name, 2
        while candidate.casefold() in taken:
            candidate, n = f"{name} ({n})", n + 1
        taken.add(candidate.casefold())
        return candidate
