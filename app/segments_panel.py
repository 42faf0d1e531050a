"""The coded segments of the current code or document, to read and jump to."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.record_table import RecordTableModel
from app.workbench import Workbench
from coding import queries
from coding.changes import Changes
from coding.records import CodingDetail

_HEADERS = ("Document", "Code", "Coder", "Segment", "Memo")
_EXCERPT = 160


class SegmentTableModel(RecordTableModel[CodingDetail]):
    """Coded segments, one per row."""

    headers = _HEADERS

    def __init__(self) -> None:
        super().__init__()
        self._paths: dict[int, str] = {}

    def set_segments(self, rows: list[CodingDetail], paths: dict[int, str]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._paths = paths
        self.endResetModel()

    def rows(self) -> list[CodingDetail]:
        return list(self._rows)

    def segment_at(self, row: int) -> CodingDetail:
        return self._rows[row]

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        segment = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = " ".join(segment.text.split())
            values = (
                segment.document_name,
                self._paths.get(segment.code_id, segment.code_name),
                segment.coder_name,
                text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…",
                " ".join(segment.memo.split()),
            )
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole and column in (3, 4):
            return segment.text if column == 3 else segment.memo or None
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            return QColor(segment.code_color)
        if role == Qt.ItemDataRole.BackgroundRole and column == 3:
            color = QColor(segment.code_color)
            color.setAlpha(60)
            return QBrush(color)
        return None


class SegmentsPanel(QWidget):
    """Lists what is coded with the current code, or in the current document."""

    segment_activated = Signal(int, int, int)  # document_id, start, end

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._code_id: int | None = None
        self._document_id: int | None = None
        self.model = SegmentTableModel()
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.with_subcodes = QCheckBox("Include subcodes")
        self.with_subcodes.setChecked(True)
        self.with_subcodes.toggled.connect(self._reload)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(3, 420)
        self.table.activated.connect(self._on_table_activated)
        self.table.doubleClicked.connect(self._on_table_activated)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.with_subcodes)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._show_title()

    def set_workbench(self, workbench: Workbench | None) -> None:
        self._workbench = workbench
        self._code_id = self._document_id = None
        self._reload()

    def show_code(self, code_id: int | None) -> None:
        """List the segments of a code (from every document)."""
        self._code_id, self._document_id = code_id, None
        self._reload()

    def show_document(self, document_id: int | None) -> None:
        """List the segments of a document (every code)."""
        self._code_id, self._document_id = None, document_id
        self._reload()

    def refresh(self, changes: Changes) -> None:
        if changes.code_tree or changes.codes or changes.document_list:
            self._reload()
        elif changes.codings:
            self._update(changes.codings)

    def _update(self, coding_ids: frozenset[int]) -> None:
        """Re-read only the codings an edit touched (added, removed, recoded, annotated)."""
        if self._workbench is None or (self._code_id is None and self._document_id is None):
            return
        project = self._workbench.project
        fresh = queries.codings(
            project,
            document_id=self._document_id,
            code_id=self._code_id,
            include_children=self.with_subcodes.isChecked(),
            coding_ids=coding_ids,
        )
        kept = [row for row in self.model.rows() if row.id not in coding_ids]
        rows = sorted(kept + fresh, key=lambda r: (r.document_id, r.start, r.end, r.id))
        self.model.set_segments(rows, queries.paths(project))
        self._show_title()

    def _reload(self) -> None:
        if self._workbench is None or (self._code_id is None and self._document_id is None):
            self.model.set_segments([], {})
            self._show_title()
            return
        project = self._workbench.project
        rows = queries.codings(
            project,
            document_id=self._document_id,
            code_id=self._code_id,
            include_children=self.with_subcodes.isChecked(),
        )
        self.model.set_segments(rows, queries.paths(project))
        self._show_title()

    def _show_title(self) -> None:
        count = self.model.rowCount()
        self.with_subcodes.setVisible(self._code_id is not None)
        if self._workbench is None or (self._code_id is None and self._document_id is None):
            self.title.setText("Choose a code or a document to list its coded segments.")
            return
        project = self._workbench.project
        if self._code_id is not None:
            where = f"coded “{queries.paths(project).get(self._code_id, '')}”"
        else:
            found = queries.documents(project, [self._document_id or 0])
            where = f"in “{found[0].name}”" if found else ""
        self.title.setText(f"{count:,} segment{'s' if count != 1 else ''} {where}")

    def _on_table_activated(self, index: QModelIndex) -> None:
        segment = self.model.segment_at(index.row())
        self.segment_activated.emit(segment.document_id, segment.start, segment.end)
