"""The tree view of codes and the filter in front of it; passages drop onto whole rows."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget
from typing_extensions import override

from app.code_tree.code_model import FILTER_ROLE, Column
from app.workbench import PASSAGE_MIME
from coding.folding import fold


class CodeTreeView(QTreeView):
    """A tree of codes that can be dragged to reorder, with passages dropped onto codes."""

    #: Enter or Return on the current row (not while renaming it).
    return_pressed = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        editing = self.state() == QAbstractItemView.State.EditingState
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not editing and self.currentIndex().isValid():
            self.return_pressed.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    @override
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        # A passage goes onto a code, never between two: with overwrite on, every position
        # over a row counts as "on" it, and the whole row is outlined.
        self.setDragDropOverwriteMode(event.mimeData().hasFormat(PASSAGE_MIME))
        super().dragEnterEvent(event)

    @override
    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        super().dragLeaveEvent(event)
        self.setDragDropOverwriteMode(False)

    @override
    def dropEvent(self, event: QDropEvent) -> None:
        super().dropEvent(event)
        self.setDragDropOverwriteMode(False)


class CodeFilterModel(QSortFilterProxyModel):
    """Shows the codes whose name or second-language name contains the filter text.

    Case and diacritics are ignored ("skjonn" finds "Skjønn"); a match keeps its ancestors
    visible, and its subcodes too.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(Column.CODE)

    def set_filter_text(self, text: str) -> None:
        self.setFilterFixedString(fold(text.strip()))
