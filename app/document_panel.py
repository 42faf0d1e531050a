"""The document list: name, case and number of codings, with a filter box and file drops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget
from typing_extensions import override

from app.filter_model import RowFilterModel
from app.record_table import RecordTableModel
from app.workbench import Workbench
from coding import queries
from coding.changes import Changes
from coding.folding import fold
from coding.records import DocumentSummary

_HEADERS = ("Document", "Case", "Codings")


class DocumentListModel(RecordTableModel[DocumentSummary]):
    """Documents with their cases and number of codings."""

    headers = _HEADERS

    def __init__(self) -> None:
        super().__init__()
        self._cases: dict[int, list[str]] = {}

    def set_documents(self, rows: list[DocumentSummary], cases: dict[int, list[str]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._cases = cases
        self.endResetModel()

    def update_documents(self, rows: list[DocumentSummary]) -> None:
        """Show new counts for some documents, keeping the rows."""
        for document in rows:
            row = self.row_of(document.id)
            if row is not None and self._rows[row] != document:
                self._rows[row] = document
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(_HEADERS) - 1))

    def document_at(self, row: int) -> DocumentSummary:
        return self._rows[row]

    def row_of(self, document_id: int) -> int | None:
        for row, document in enumerate(self._rows):
            if document.id == document_id:
                return row
        return None

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        document = self._rows[index.row()]
        cases = ", ".join(self._cases.get(document.id, []))
        if role == Qt.ItemDataRole.DisplayRole:
            return (document.name, cases, document.codings)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{document.name}\n{document.characters:,} characters, "
                f"{document.paragraphs:,} paragraphs or turns, {document.codings:,} codings"
                + (f"\nCase: {cases}" if cases else "")
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return fold(f"{document.name} {cases}")
        return None


class _FilterModel(RowFilterModel):
    def __init__(self) -> None:
        super().__init__()
        self._needle = ""

    def set_needle(self, text: str) -> None:
        with self.changing_row_filter():
            self._needle = fold(text.strip())

    @override
    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._needle:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        return self._needle in str(index.data(Qt.ItemDataRole.UserRole))


class _DocumentTable(QTableView):
    """The list itself; dropping files on it asks for an import."""

    files_dropped = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)

    @override
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    @override
    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    @override
    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            super().dropEvent(event)


class DocumentPanel(QWidget):
    """The project's documents; choosing one opens it in the viewer."""

    document_chosen = Signal(int)
    files_dropped = Signal(list)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self.model = DocumentListModel()
        self._proxy = _FilterModel()
        self._proxy.setSourceModel(self.model)
        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText("Filter documents")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(self._proxy.set_needle)
        self.table = _DocumentTable()
        self.table.setModel(self._proxy)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setSortingEnabled(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        # Fixed widths: sizing to contents asks every row of a 200-document list on each change.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(1, 70)
        header.resizeSection(2, 70)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.files_dropped.connect(self.files_dropped)
        self.table.setToolTip("Drop transcript files here to import them.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.table)

    def set_workbench(self, workbench: Workbench | None) -> None:
        self._workbench = workbench
        self.filter_box.clear()
        self._reload()
        self.setEnabled(workbench is not None)

    def refresh(self, changes: Changes) -> None:
        if changes.document_list or changes.cases or changes.code_tree:
            current = self.current_document_id()
            self._reload()
            if current is not None:
                self.select_document(current, emit=False)
        elif changes.documents and self._workbench is not None:
            self.model.update_documents(
                queries.documents(self._workbench.project, changes.documents)
            )

    def current_document_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.document_at(self._proxy.mapToSource(rows[0]).row()).id

    def select_document(self, document_id: int, *, emit: bool = True) -> None:
        row = self.model.row_of(document_id)
        if row is None:
            return
        index = self._proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # filtered out: show it anyway
            self.filter_box.clear()
            index = self._proxy.mapFromSource(self.model.index(row, 0))
        blocked = self.table.selectionModel().blockSignals(not emit)
        self.table.selectRow(index.row())
        self.table.selectionModel().blockSignals(blocked)

    def _reload(self) -> None:
        if self._workbench is None:
            self.model.set_documents([], {})
            return
        project = self._workbench.project
        self.model.set_documents(queries.documents(project), queries.document_cases(project))

    def _on_table_selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            source = self._proxy.mapToSource(indexes[0])
            self.document_chosen.emit(self.model.document_at(source.row()).id)
