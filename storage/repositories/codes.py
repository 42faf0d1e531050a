"""The codebook: codes in a tree, with colours and the parts of a team codebook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import CodeAliasRow, CodeRow, CodingRow, MemoRow, new_uuid
from storage.records import CodeRecord
from storage.repositories.rows import Snapshot, dump, restore

#: The codebook fields a researcher edits besides name, colour and codable.
DEFINITION_FIELDS = (
    "brief_definition",
    "full_definition",
    "when_to_use",
    "when_not_to_use",
    "example",
)

_COLUMNS = (
    CodeRow.id,
    CodeRow.uuid,
    CodeRow.parent_id,
    CodeRow.position,
    CodeRow.name,
    CodeRow.alt_name,
    CodeRow.color,
    CodeRow.codable,
    CodeRow.brief_definition,
    CodeRow.full_definition,
    CodeRow.when_to_use,
    CodeRow.when_not_to_use,
    CodeRow.example,
)


@dataclass(frozen=True)
class NewCode:
    """A code for :meth:`CodeRepo.add_many`, to go last under ``parent_id`` (``None``: top)."""

    name: str
    parent_id: int | None
    color: str
    codable: bool = True
    alt_name: str = ""
    uuid: str | None = None  # a fresh one when None
    definitions: Mapping[str, str] = field(default_factory=dict)


class CodeRepo:
    """Codes and their place in the tree."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        name: str,
        *,
        parent_id: int | None = None,
        color: str = "#f4c430",
        codable: bool = True,
        alt_name: str = "",
        position: int | None = None,
        uuid: str | None = None,
        **definitions: str,
    ) -> int:
        """Add a code as the last child of ``parent_id`` (or at ``position``)."""
        if position is None:
            position = self._next_position(parent_id)
        else:
            self._shift(parent_id, position, +1)
        row = CodeRow(
            uuid=uuid or new_uuid(),
            name=name,
            alt_name=alt_name,
            parent_id=parent_id,
            color=color,
            codable=codable,
            position=position,
            **{field: definitions.get(field, "") for field in DEFINITION_FIELDS},
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def add_many(self, codes: Sequence[NewCode]) -> list[int]:
        """Add codes whose parents exist already, each after the last child of its parent, in
        the order given, with one INSERT; returns their ids in that order. Names are not
        checked here."""
        positions = self._next_positions({code.parent_id for code in codes})
        rows: list[dict[str, Any]] = []
        for code in codes:
            rows.append(
                {
                    "uuid": code.uuid or new_uuid(),
                    "name": code.name,
                    "alt_name": code.alt_name,
                    "parent_id": code.parent_id,
                    "color": code.color,
                    "codable": code.codable,
                    "position": positions[code.parent_id],
                    **{key: code.definitions.get(key, "") for key in DEFINITION_FIELDS},
                }
            )
            positions[code.parent_id] += 1
        if not rows:
            return []
        # Matched by UUID rather than asking for the parameters' order, which SQLite can give
        # only by inserting one row at a time.
        inserted = self._session.execute(insert(CodeRow).returning(CodeRow.uuid, CodeRow.id), rows)
        ids = {uuid: code_id for uuid, code_id in inserted}
        return [ids[row["uuid"]] for row in rows]

    def guids(self) -> set[str]:
        """Every GUID a code answers to: the codes' UUIDs and their aliases."""
        uuids = set(self._session.execute(select(CodeRow.uuid)).scalars())
        return uuids | set(self._session.execute(select(CodeAliasRow.uuid)).scalars())

    def all(self) -> list[CodeRecord]:
        """Every code, parents before children, siblings in their order."""
        rows = self._session.execute(select(*_COLUMNS).order_by(CodeRow.position, CodeRow.id))
        records = [CodeRecord(*tuple(row)) for row in rows]
        by_parent: dict[int | None, list[CodeRecord]] = {}
        for record in records:
            by_parent.setdefault(record.parent_id, []).append(record)
        ordered: list[CodeRecord] = []
        stack = list(reversed(by_parent.get(None, [])))
        while stack:
            record = stack.pop()
            ordered.append(record)
            stack.extend(reversed(by_parent.get(record.id, [])))
        return ordered

    def get(self, code_id: int) -> CodeRecord:
        row = self._session.execute(select(*_COLUMNS).where(CodeRow.id == code_id)).first()
        if row is None:
            raise NotFoundError("That code is no longer in the codebook.")
        return CodeRecord(*tuple(row))

    def id_by_uuid(self, uuid: str) -> int | None:
        """The code with this UUID, or the code that a code of this UUID was merged into."""
        uuid = uuid.lower()
        found = self._session.execute(
            select(CodeRow.id).where(CodeRow.uuid == uuid)
        ).scalar_one_or_none()
        if found is None:
            found = self._session.execute(
                select(CodeAliasRow.code_id).where(CodeAliasRow.uuid == uuid)
            ).scalar_one_or_none()
        return found

    def aliases(self) -> dict[str, int]:
        """Every alias GUID with the code it stands for."""
        rows = self._session.execute(select(CodeAliasRow.uuid, CodeAliasRow.code_id))
        return {uuid: code_id for uuid, code_id in rows}

    def add_alias(self, uuid: str, code_id: int) -> None:
        """Let ``code_id`` answer to ``uuid`` too (a GUID already in use is left alone)."""
        uuid = uuid.lower()
        if self.id_by_uuid(uuid) is None:
            self._session.add(CodeAliasRow(uuid=uuid, code_id=code_id))
            self._session.flush()

    def add_aliases(self, aliases: Iterable[tuple[str, int]]) -> None:
        """:meth:`add_alias` for many ``(uuid, code_id)`` at once; of one GUID given twice the
        first is kept."""
        wanted: dict[str, int] = {}
        for uuid, code_id in aliases:
            wanted.setdefault(uuid.lower(), code_id)
        for uuid in self._taken(list(wanted)):
            del wanted[uuid]
        if wanted:
            self._session.execute(
                insert(CodeAliasRow), [{"uuid": u, "code_id": c} for u, c in wanted.items()]
            )

    def _taken(self, uuids: list[str]) -> set[str]:
        """Those of ``uuids`` that a code has or answers to already."""
        taken: set[str] = set()
        for start in range(0, len(uuids), 500):  # within SQLite's bound on parameters
            batch = uuids[start : start + 500]
            taken.update(
                self._session.execute(select(CodeRow.uuid).where(CodeRow.uuid.in_(batch))).scalars()
            )
            taken.update(
                self._session.execute(
                    select(CodeAliasRow.uuid).where(CodeAliasRow.uuid.in_(batch))
                ).scalars()
            )
        return taken

    def remove_aliases(self, uuids: Iterable[str]) -> None:
        self._session.execute(delete(CodeAliasRow).where(CodeAliasRow.uuid.in_(list(uuids))))

    def move_aliases(self, from_id: int, to_id: int) -> list[str]:
        """Give ``from_id``'s aliases to ``to_id``; returns their GUIDs."""
        moved = list(
            self._session.execute(
                select(CodeAliasRow.uuid).where(CodeAliasRow.code_id == from_id)
            ).scalars()
        )
        self._session.execute(
            update(CodeAliasRow).where(CodeAliasRow.code_id == from_id).values(code_id=to_id)
        )
        return moved

    def children(self, parent_id: int | None) -> list[CodeRecord]:
        """The codes directly under ``parent_id`` (``None``: top level), in order."""
        query = select(*_COLUMNS).order_by(CodeRow.position, CodeRow.id)
        query = query.where(
            CodeRow.parent_id.is_(None) if parent_id is None else CodeRow.parent_id == parent_id
        )
        return [CodeRecord(*tuple(row)) for row in self._session.execute(query)]

    def count(self) -> int:
        return int(self._session.execute(select(func.count()).select_from(CodeRow)).scalar_one())

    def child_by_name(self, parent_id: int | None, name: str) -> int | None:
        """The code called ``name`` directly under ``parent_id`` (``None``: top level)."""
        query = select(CodeRow.id).where(CodeRow.name == name).order_by(CodeRow.id)
        query = query.where(
            CodeRow.parent_id.is_(None) if parent_id is None else CodeRow.parent_id == parent_id
        )
        return self._session.execute(query).scalars().first()

    def update(self, code_id: int, **values: Any) -> None:
        """Set any of name, alt_name, color, codable and the definition fields."""
        self._session.execute(update(CodeRow).where(CodeRow.id == code_id).values(**values))

    def move(self, code_id: int, parent_id: int | None, position: int) -> None:
        """Put a code under ``parent_id`` at ``position``, closing the gap it leaves."""
        current = self.get(code_id)
        self._shift(current.parent_id, current.position + 1, -1)
        self._shift(parent_id, position, +1)
        self.update(code_id, parent_id=parent_id, position=position)

    def subtree_ids(self, code_id: int, *more: int) -> list[int]:
        """The code (and ``more`` codes) with all their descendants, parents first."""
        ids = [code_id, *more]
        frontier = list(ids)
        while frontier:
            frontier = list(
                self._session.execute(
                    select(CodeRow.id).where(CodeRow.parent_id.in_(frontier))
                ).scalars()
            )
            ids.extend(frontier)
        return ids

    def coding_counts(self, code_ids: Iterable[int] | None = None) -> dict[int, int]:
        """How many codings each code has (all codes, or those of ``code_ids``).

        Codes without codings are absent from the full count and 0 in a count by ids.
        """
        query = select(CodingRow.code_id, func.count()).group_by(CodingRow.code_id)
        if code_ids is None:
            return {code_id: n for code_id, n in self._session.execute(query)}
        wanted = list(code_ids)
        counts = dict.fromkeys(wanted, 0)
        for code_id, n in self._session.execute(query.where(CodingRow.code_id.in_(wanted))):
            counts[code_id] = n
        return counts

    def snapshot(self, code_ids: Iterable[int]) -> dict[str, Snapshot]:
        """The codes with their codings and memos, for :meth:`restore` after a delete."""
        ids = list(code_ids)
        coding_ids = select(CodingRow.id).where(CodingRow.code_id.in_(ids))
        return {
            "codes": dump(self._session, CodeRow, CodeRow.id.in_(ids)),
            "aliases": dump(self._session, CodeAliasRow, CodeAliasRow.code_id.in_(ids)),
            "codings": dump(self._session, CodingRow, CodingRow.code_id.in_(ids)),
            "memos": dump(
                self._session,
                MemoRow,
                MemoRow.code_id.in_(ids) | MemoRow.coding_id.in_(coding_ids),
            ),
        }

    def restore(self, snapshot: dict[str, Snapshot]) -> None:
        # Parents before children, whatever order the ids had.
        parents = {row["id"]: row["parent_id"] for row in snapshot["codes"]}
        codes = sorted(snapshot["codes"], key=lambda row: _depth(row, parents))
        ids = {row["id"] for row in codes}
        for row in codes:
            if row["parent_id"] not in ids:  # a restored root reopens its gap
                self._shift(row["parent_id"], row["position"], +1)
            restore(self._session, CodeRow, [row])
        restore(self._session, CodeAliasRow, snapshot.get("aliases", []))
        restore(self._session, CodingRow, snapshot["codings"])
        restore(self._session, MemoRow, snapshot["memos"])

    def delete(self, code_id: int) -> None:
        """Delete a code with its descendants, codings and memos; close the sibling gap."""
        current = self.get(code_id)
        self._session.execute(delete(CodeRow).where(CodeRow.id == code_id))
        self._shift(current.parent_id, current.position + 1, -1)

    def _next_positions(self, parent_ids: set[int | None]) -> dict[int | None, int]:
        """:meth:`_next_position` of each of ``parent_ids``, in a query per 500 parents."""
        positions: dict[int | None, int] = dict.fromkeys(parent_ids, 0)
        if None in parent_ids:
            positions[None] = self._next_position(None)
        ids = [parent for parent in parent_ids if parent is not None]
        for start in range(0, len(ids), 500):  # within SQLite's bound on parameters
            query = (
                select(CodeRow.parent_id, func.max(CodeRow.position) + 1)
                .where(CodeRow.parent_id.in_(ids[start : start + 500]))
                .group_by(CodeRow.parent_id)
            )
            positions.update(
                {parent: int(next_one) for parent, next_one in self._session.execute(query)}
            )
        return positions

    def _next_position(self, parent_id: int | None) -> int:
        query = select(func.coalesce(func.max(CodeRow.position), -1) + 1)
        query = query.where(
            CodeRow.parent_id.is_(None) if parent_id is None else CodeRow.parent_id == parent_id
        )
        return int(self._session.execute(query).scalar_one())

    def _shift(self, parent_id: int | None, from_position: int, delta: int) -> None:
        siblings = (
            CodeRow.parent_id.is_(None) if parent_id is None else (CodeRow.parent_id == parent_id)
        )
        self._session.execute(
            update(CodeRow)
            .where(siblings, CodeRow.position >= from_position)
            .values(position=CodeRow.position + delta)
        )


def _depth(row: dict[str, Any], parents: dict[int, int | None]) -> int:
    depth, parent = 0, row["parent_id"]
    while parent in parents:
        depth, parent = depth + 1, parents[parent]
    return depth
