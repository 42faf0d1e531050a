"""The codebook as a Qt tree model: codes with colour, quick key and number of codings."""

from __future__ import annotations

import json
from enum import IntEnum
from html import escape
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from typing_extensions import override

from app.code_tree.swatch import swatch_icon
from app.workbench import PASSAGE_MIME, Workbench
from coding.codebook import MoveCode, RenameCode
from coding.folding import fold
from coding.queries import CodeNode, walk

#: Mime type of codes dragged inside the tree: a JSON list of code ids.
CODES_MIME = "application/x-tillit-codes"

CODE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2
CODABLE_ROLE = Qt.ItemDataRole.UserRole + 3


class Column(IntEnum):
    CODE, KEY, CODINGS = range(3)


_COLUMN_COUNT = len(Column)
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDragEnabled
    | Qt.ItemFlag.ItemIsDropEnabled
)
_NAME_FLAGS = _ROW_FLAGS | Qt.ItemFlag.ItemIsEditable
_HEADERS = {Column.CODE: "Code", Column.KEY: "Key", Column.CODINGS: "Codings"}
_HEADER_TIPS = {
    Column.KEY: "Quick key: select a passage and press the digit to apply the code",
    Column.CODINGS: "Codings of the code itself (the tooltip adds those of its subcodes)",
}


class CodeTreeModel(QAbstractItemModel):
    """Reads the code tree; renames and moves go through the workbench as commands."""

    #: A passage from the viewer was dropped on a code: (code_id, document_id, start, end).
    passage_dropped = Signal(int, int, int, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._roots: list[CodeNode] = []
        self._nodes: dict[int, CodeNode] = {}
        self._parents: dict[int, int | None] = {}
        self._rows: dict[int, int] = {}
        self._totals: dict[int, int] = {}
        self._shape: list[tuple[int, int | None]] = []
        self._keys: dict[str, int] = {}
        self._ids_by_uuid: dict[str, int] = {}

    def set_workbench(self, workbench: Workbench | None) -> None:
        self._workbench = workbench

    def set_tree(self, roots: list[CodeNode]) -> bool:
        """Show ``roots``; True when the tree's shape changed and the model was reset.

        When only names, colours or counts changed, the rows stay and only their data is
        announced as changed, so that views keep expansion, selection and scrolling.
        """
        shape = _shape(roots)
        if shape != self._shape:
            self.beginResetModel()
            self._install(roots, shape)
            self.endResetModel()
            return True
        nodes, totals = self._nodes, self._totals
        self._install(roots, shape)
        for code_id, node in self._nodes.items():
            before = nodes[code_id]
            if (before.code, before.codings, totals[code_id]) != (
                node.code,
                node.codings,
                self._totals[code_id],
            ):
                self._announce(code_id, Column.CODE, Column.CODINGS)
        return False

    def update_counts(self, counts: dict[int, int]) -> None:
        """Show new numbers of codings for some codes, and the totals of their ancestors."""
        for code_id, count in counts.items():
            node = self._nodes.get(code_id)
            if node is None or node.codings == count:
                continue
            delta, node.codings = count - node.codings, count
            ancestor: int | None = code_id
            while ancestor is not None:
                self._totals[ancestor] += delta
                self._announce(ancestor, Column.CODINGS, Column.CODINGS)
                ancestor = self._parents.get(ancestor)

    def needs_reset(self, roots: list[CodeNode]) -> bool:
        """Whether showing ``roots`` adds, removes or moves codes (and so resets the model)."""
        return _shape(roots) != self._shape

    def set_quick_keys(self, keys: dict[str, int]) -> None:
        """Show the quick keys, given as a digit per code UUID."""
        changed = set(self._keys.items()) ^ set(keys.items())
        self._keys = dict(keys)
        for uuid, _digit in changed:
            code_id = self._ids_by_uuid.get(uuid)
            if code_id is not None:
                self._announce(code_id, Column.KEY, Column.KEY)

    def roots(self) -> list[CodeNode]:
        return self._roots

    def node(self, code_id: int) -> CodeNode | None:
        return self._nodes.get(code_id)

    def total(self, code_id: int) -> int:
        """The codings of a code and all its subcodes."""
        return self._totals.get(code_id, 0)

    def id_for_uuid(self, uuid: str) -> int | None:
        return self._ids_by_uuid.get(uuid)

    def subtree(self, code_id: int) -> set[int]:
        """A code's id with those of all its descendants."""
        node = self._nodes.get(code_id)
        return {n.code.id for n in walk([node])} if node is not None else set()

    def code_id(self, index: QModelIndex | QPersistentModelIndex) -> int | None:
        return index.internalId() if index.isValid() else None

    def index_of(self, code_id: int, column: int = Column.CODE) -> QModelIndex:
        if code_id not in self._nodes:
            return QModelIndex()
        return self.createIndex(self._rows[code_id], column, code_id)

    # --- the model contract -----------------------------------------------------------------

    @override
    def index(
        self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> QModelIndex:
        # Bounds checked here rather than by hasIndex(), which calls back into Python twice:
        # views ask for thousands of indexes after each change.
        if parent.isValid() and parent.column() != Column.CODE:
            return QModelIndex()
        children = self._children(parent)
        if 0 <= row < len(children) and 0 <= column < _COLUMN_COUNT:
            return self.createIndex(row, column, children[row].code.id)
        return QModelIndex()

    @override
    def parent(  # type: ignore[override]
        self, child: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> QModelIndex:
        if not child.isValid():
            return QModelIndex()
        parent_id = self._parents.get(child.internalId())
        return QModelIndex() if parent_id is None else self.index_of(parent_id)

    @override
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != Column.CODE:
            return 0
        return len(self._children(parent))

    @override
    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return _COLUMN_COUNT

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        node = self._nodes.get(index.internalId()) if index.isValid() else None
        if node is None:
            return None
        code, column = node.code, index.column()
        if role == CODE_ID_ROLE:
            return code.id
        if role == CODABLE_ROLE:
            return code.codable
        if role == Qt.ItemDataRole.DisplayRole:
            if column == Column.CODE:
                return code.name
            if column == Column.KEY:
                key = self._keys.get(code.uuid)
                return str(key) if key else ""
            return f"{node.codings:,}"
        if column == Column.CODE:
            return self._code_data(node, role)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == Column.KEY:
                return Qt.AlignmentFlag.AlignCenter
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.CODINGS:
            total = self._totals[code.id]
            own = f"{node.codings:,} coding{'' if node.codings == 1 else 's'} of its own"
            return own if total == node.codings else f"{own}, {total:,} with its subcodes"
        return None

    def _code_data(self, node: CodeNode, role: int) -> Any:
        code = node.code
        if role == Qt.ItemDataRole.EditRole:
            return code.name
        if role == Qt.ItemDataRole.DecorationRole:
            return swatch_icon(code.color, code.codable)
        if role == Qt.ItemDataRole.FontRole and not code.codable:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"<b>{escape(node.path)}</b>"]
            if code.alt_name:
                lines.append(f"<i>{escape(code.alt_name)}</i>")
            if not code.codable:
                lines.append("A folder of codes; apply one of its codes.")
            lines.append(escape(code.brief_definition) or "No brief definition yet.")
            return "<br>".join(lines)
        if role == FILTER_ROLE:
            return fold(f"{code.name}\n{code.alt_name}")
        return None

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(Column(section))
        return None

    @override
    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return _NAME_FLAGS if index.column() == Column.CODE else _ROW_FLAGS

    @override
    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = 0
    ) -> bool:
        """An in-place rename, run as a :class:`RenameCode` command."""
        node = self._nodes.get(index.internalId()) if index.isValid() else None
        if (
            role != Qt.ItemDataRole.EditRole
            or index.column() != Column.CODE
            or node is None
            or self._workbench is None
        ):
            return False
        if not isinstance(value, str):
            return False  # e.g. a view clearing cells after a drag: never a rename
        name = value
        if " ".join(name.split()) == node.code.name:
            return False
        return self._workbench.run(RenameCode(self._workbench.project, node.code.id, name=name))

    # --- drag and drop -----------------------------------------------------------------------

    @override
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    @override
    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    @override
    def mimeTypes(self) -> list[str]:
        return [CODES_MIME, PASSAGE_MIME]

    @override
    def mimeData(self, indexes: Any) -> QMimeData:
        ids = list(dict.fromkeys(i.internalId() for i in indexes if i.isValid()))
        data = QMimeData()
        data.setData(CODES_MIME, json.dumps(ids).encode())
        return data

    @override
    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        target = self.code_id(parent)
        if data.hasFormat(PASSAGE_MIME):
            node = self._nodes.get(target) if target is not None else None
            return row < 0 and node is not None and node.code.codable
        if data.hasFormat(CODES_MIME):
            ids = _code_ids(data)
            return bool(ids) and not any(self._within(target, code_id) for code_id in ids)
        return False

    @override
    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        """A passage dropped on a code is announced; a code dropped here runs MoveCode."""
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = self.code_id(parent)
        if data.hasFormat(PASSAGE_MIME):
            assert target is not None
            passage = json.loads(bytes(data.data(PASSAGE_MIME).data()).decode())
            self.passage_dropped.emit(
                target, int(passage["document_id"]), int(passage["start"]), int(passage["end"])
            )
            return True
        code_id = _code_ids(data)[0]  # the tree selects one code at a time
        if self._workbench is None or code_id not in self._nodes:
            return False
        same_parent = self._parents[code_id] == target
        position: int | None = None  # None: after the last child
        if row >= 0:
            # MoveCode counts positions among the other siblings.
            position = row - 1 if same_parent and self._rows[code_id] < row else row
        if same_parent:
            last = len(self._children(parent)) - 1
            if (last if position is None else position) == self._rows[code_id]:
                return False  # dropped where it already is
        command = MoveCode(self._workbench.project, code_id, target, position)
        return self._workbench.run(command)

    # --- internals ----------------------------------------------------------------------------

    def _children(self, parent: QModelIndex | QPersistentModelIndex) -> list[CodeNode]:
        if not parent.isValid():
            return self._roots
        node = self._nodes.get(parent.internalId())
        return node.children if node is not None else []

    def _within(self, code_id: int | None, ancestor: int) -> bool:
        """Whether ``code_id`` is ``ancestor`` or lies below it."""
        while code_id is not None:
            if code_id == ancestor:
                return True
            code_id = self._parents.get(code_id)
        return False

    def _install(self, roots: list[CodeNode], shape: list[tuple[int, int | None]]) -> None:
        self._roots, self._shape = roots, shape
        self._nodes, self._rows, self._totals = {}, {}, {}
        self._parents = dict(shape)
        for siblings in _sibling_lists(roots):
            for row, node in enumerate(siblings):
                self._nodes[node.code.id] = node
                self._rows[node.code.id] = row
        for node in reversed(list(self._nodes.values())):  # children before their parents
            self._totals[node.code.id] = node.codings + sum(
                self._totals[child.code.id] for child in node.children
            )
        self._ids_by_uuid = {node.code.uuid: code_id for code_id, node in self._nodes.items()}

    def _announce(self, code_id: int, first: int, last: int) -> None:
        row = self._rows[code_id]
        self.dataChanged.emit(
            self.createIndex(row, first, code_id), self.createIndex(row, last, code_id)
        )


def _shape(roots: list[CodeNode]) -> list[tuple[int, int | None]]:
    """Each code's id and parent, in tree order: equal shapes have the same rows."""
    return [(node.code.id, node.code.parent_id) for node in walk(roots)]


def _sibling_lists(roots: list[CodeNode]) -> list[list[CodeNode]]:
    """Every list of siblings, parents' lists before their children's."""
    lists = [roots]
    for siblings in lists:  # grows while it is read: breadth first
        lists.extend(node.children for node in siblings if node.children)
    return lists


def _code_ids(data: QMimeData) -> list[int]:
    try:
        ids = json.loads(bytes(data.data(CODES_MIME).data()).decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return []
    return [int(i) for i in ids] if isinstance(ids, list) else []
