"""Codebooks that ship with Tillit, and adding a whole codebook to a project in one action."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from coding.changes import Changes
from coding.codebook import add_code
from coding.errors import CodingError
from coding.project import Project
from storage.repositories.codes import DEFINITION_FIELDS
from storage.repositories.rows import Snapshot
from storage.store import Tx

#: The codebooks in ``resources/codebooks``, by the name ``new --codebook`` takes.
SHIPPED = ("trust",)


@dataclass(frozen=True)
class CodeSpec:
    """A code of a codebook to add: its fields and its children."""

    name: str
    alt_name: str = ""
    uuid: str | None = None  # kept from an exchange file, so that GUIDs survive a round trip
    color: str | None = None
    codable: bool = True
    definitions: dict[str, str] = field(default_factory=dict)
    children: tuple[CodeSpec, ...] = ()
    aliases: tuple[str, ...] = ()  # other GUIDs it answers to (a Tillit project's merges)

    def count(self) -> int:
        return 1 + sum(child.count() for child in self.children)


@dataclass(frozen=True)
class CodebookSpec:
    """A codebook: its name and its tree of codes."""

    name: str
    codes: tuple[CodeSpec, ...]

    def count(self) -> int:
        return sum(code.count() for code in self.codes)


def shipped_codebook(name: str) -> CodebookSpec:
    """A codebook that ships with Tillit (see :data:`SHIPPED`)."""
    if name not in SHIPPED:
        raise CodingError(f"Tillit has no codebook called “{name}”; it has {', '.join(SHIPPED)}.")
    source = resources.files("resources") / "codebooks" / f"{name}.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    return CodebookSpec(str(data["name"]), tuple(_code(item) for item in data["codes"]))


def _code(item: dict[str, Any]) -> CodeSpec:
    return CodeSpec(
        name=str(item["name"]),
        alt_name=str(item.get("english_name", "")),
        color=item.get("color"),
        codable=bool(item.get("codable", True)),
        definitions={key: str(item.get(key, "")) for key in DEFINITION_FIELDS},
        children=tuple(_code(child) for child in item.get("children", [])),
    )


@dataclass
class AddCodebook:
    """Add a whole codebook's tree at the top level of the codebook, as one action."""

    project: Project
    codebook: CodebookSpec
    code_ids: list[int] = field(default_factory=list, init=False)
    _root_ids: list[int] = field(default_factory=list, init=False, repr=False)
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return f"Add codebook “{self.codebook.name}”"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            if self._snapshot is not None:
                tx.codes.restore(self._snapshot)
            else:
                for code in self.codebook.codes:
                    self._add(tx, code, None)
        return Changes(code_tree=True)

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            self._snapshot = tx.codes.snapshot(self.code_ids)
            for code_id in reversed(self._root_ids):
                tx.codes.delete(code_id)
        return Changes(code_tree=True)

    def _add(self, tx: Tx, code: CodeSpec, parent_id: int | None) -> None:
        if code.uuid is not None and tx.codes.id_by_uuid(code.uuid) is not None:
            raise CodingError(
                f"The code “{code.name}” is already in this project (same GUID); "
                "merge the codebooks instead of adding this one again."
            )
        code_id = add_code(
            tx,
            code.name,
            parent_id,
            uuid=code.uuid,
            color=code.color,
            codable=code.codable,
            alt_name=code.alt_name,
            **code.definitions,
        )
        self.code_ids.append(code_id)
        if parent_id is None:
            self._root_ids.append(code_id)
        for child in code.children:
            self._add(tx, child, code_id)
