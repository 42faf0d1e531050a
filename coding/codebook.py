"""Commands that edit the codebook: add, rename, recolour, move, edit and delete codes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from coding.changes import Changes
from coding.errors import CodingError, NameConflictError
from coding.project import Project
from storage.repositories.codes import DEFINITION_FIELDS
from storage.repositories.rows import Snapshot
from storage.store import Tx

#: Colours for new codes, distinct from each other and readable under black text.
PALETTE = (
    "#f4c430", "#8ecae6", "#ffb4a2", "#b5e48c", "#cdb4db", "#ffd6a5", "#a0c4ff",
    "#caffbf", "#fdffb6", "#bdb2ff", "#ffc6ff", "#9bf6ff", "#e9c46a", "#90be6d",
)  # fmt: skip

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_NAME_LIMIT = 200


def check_color(color: str) -> str:
    """The colour as ``#rrggbb`` in lower case, or a :class:`CodingError`."""
    if not _COLOR.match(color):
        raise CodingError(f"“{color}” is not a colour; write it as #rrggbb, e.g. #f4c430.")
    return color.lower()


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise CodingError("A code needs a name.")
    if "/" in name:
        raise CodingError(f"“{name}”: a code's name cannot contain “/”, which separates levels.")
    if len(name) > _NAME_LIMIT:
        raise CodingError(f"A code's name can have at most {_NAME_LIMIT} characters.")
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


def _definitions(values: dict[str, str]) -> dict[str, str]:
    unknown = set(values) - set(DEFINITION_FIELDS)
    if unknown:
        raise CodingError(f"A code has no field called {', '.join(sorted(unknown))}.")
    return dict(values)
