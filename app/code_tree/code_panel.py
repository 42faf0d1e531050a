"""The code tree panel: browse, filter and edit the codebook, and drop passages on codes."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QPoint, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.code_tree import dialogs
from app.code_tree.code_actions import CodeActions
from app.code_tree.code_model import (
    CODABLE_ROLE,
    CODE_ID_ROLE,
    CodeTreeModel,
    Column,
)
from app.code_tree.code_view import CodeFilterModel, CodeTreeView
from app.code_tree.quick_keys import QuickKeys
from app.workbench import Workbench
from coding import queries
from coding.changes import Changes
from coding.queries import CodeNode


class CodePanel(QWidget):
    """The codebook as a tree: click a code to apply it, drag to reorder, drop passages on it.

    Folders (codes that are not codable) are never announced as clicked or activated; a
    double-click or Enter opens or closes them instead.
    """

    code_clicked = Signal(int)
    code_activated = Signal(int)
    current_code_changed = Signal(int)  # -1: no current code
    passage_dropped = Signal(int, int, int, int)  # code_id, document_id, start, end

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._quick_keys: QuickKeys | None = None
        self._refreshing = False
        self._announced: int | None = None
        self._expanded_before_filter: set[int] | None = None

        self.model = CodeTreeModel(self)
        self.proxy = CodeFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter codes")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip("Show the codes whose name contains this (ø matches o)")
        self.view = CodeTreeView()
        self.view.setModel(self.proxy)
        self.view.setExpandsOnDoubleClick(False)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.CODE, QHeaderView.ResizeMode.Stretch)
        # Fixed widths: fitting columns to their contents asks the model about every row
        # after each change, which costs 300 codes a tenth of a second.
        metrics = header.fontMetrics()
        for column, sample in ((Column.KEY, "Key"), (Column.CODINGS, "Codings")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 20)
        self.code_actions = CodeActions(self)

        top = QHBoxLayout()
        top.setSpacing(2)
        top.addWidget(self.filter_edit, 1)
        for action in (
            self.code_actions.add_code,
            self.code_actions.expand,
            self.code_actions.collapse,
        ):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.setFocusProxy(self.view)

        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.filter_edit.returnPressed.connect(self._on_filter_edit_return_pressed)
        self.view.clicked.connect(self._on_view_clicked)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        self.view.return_pressed.connect(self._on_view_return_pressed)
        self.view.customContextMenuRequested.connect(self._on_view_custom_context_menu_requested)
        self.view.selectionModel().currentChanged.connect(self._on_selection_current_changed)
        self.model.passage_dropped.connect(self.passage_dropped)
        self.set_workbench(None)

    # --- the panel's API ----------------------------------------------------------------------

    def set_workbench(self, workbench: Workbench | None) -> None:
        """Show ``workbench``'s codebook; None empties and disables the panel."""
        self._workbench = workbench
        self.model.set_workbench(workbench)
        self._quick_keys = None
        if workbench is not None:
            self._quick_keys = QuickKeys(workbench.settings, workbench.settings_key("quick_keys"))
        self._expanded_before_filter = None
        self.filter_edit.clear()
        self._refreshing = True
        try:
            self.model.set_tree(queries.code_tree(workbench.project) if workbench else [])
            self.model.set_quick_keys(self._quick_keys.by_uuid() if self._quick_keys else {})
            self.view.expandAll()
        finally:
            self._refreshing = False
        self.setEnabled(workbench is not None)
        self._announce_current()

    def refresh(self, changes: Changes) -> None:
        """Re-read the tree after an edit that touched codes or codings, keeping the view."""
        if self._workbench is None:
            return
        if not (changes.code_tree or changes.codes or changes.document_list):
            if changes.counted:  # codings added or removed: only their codes' counts move
                counts = queries.coding_counts(self._workbench.project, changes.counted)
                self.model.update_counts(counts)
            return
        roots = queries.code_tree(self._workbench.project)
        if not self.model.needs_reset(roots):
            self.model.set_tree(roots)  # names, colours, counts: rows and view state stay
            self._announce_current()
            return
        current = self.current_code_id()
        expanded = self._expanded_ids()
        self._refreshing = True
        try:
            self.model.set_tree(roots)
            self._expand(expanded)
            if current is not None and self.model.node(current) is not None:
                self._set_current(current)
        finally:
            self._refreshing = False
        self._announce_current()

    def current_code_id(self) -> int | None:
        index = self.view.currentIndex()
        return int(index.data(CODE_ID_ROLE)) if index.isValid() else None

    def select_code(self, code_id: int) -> None:
        """Make ``code_id`` current, opening its ancestors (and clearing a filter hiding it)."""
        source = self.model.index_of(code_id)
        if not source.isValid():
            return
        if not self.proxy.mapFromSource(source).isValid():
            self.filter_edit.clear()
        index = self.proxy.mapFromSource(source)
        parent = index.parent()
        while parent.isValid():
            self.view.expand(parent)
            parent = parent.parent()
        self._set_current(code_id)
        self.view.scrollTo(index)

    def code_for_quick_key(self, digit: int) -> int | None:
        uuid = self._quick_keys.uuid_for(digit) if self._quick_keys else None
        return self.model.id_for_uuid(uuid) if uuid else None

    def assign_quick_key(self, code_id: int, digit: int | None) -> None:
        """Give a code the quick key ``digit`` (1–9; taken from any other code), or none."""
        node = self.model.node(code_id)
        if self._quick_keys is None or node is None:
            return
        self._quick_keys.assign(node.code.uuid, digit)
        self.model.set_quick_keys(self._quick_keys.by_uuid())

    @override
    def actions(self) -> list[QAction]:
        """The Codes menu: add, rename, colour, delete, merge, quick key, expand, collapse."""
        return self.code_actions.all()

    def choose_code(
        self, title: str, *, codable_only: bool = True, exclude: Iterable[int] = ()
    ) -> int | None:
        """A code chosen in a filterable dialog (by default a codable one), or None."""
        dialog = dialogs.CodeChooserDialog(
            self.model.roots(),
            title,
            self,
            codable_only=codable_only,
            exclude=exclude,
            current=self.current_code_id(),
        )
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            return dialog.chosen_code_id() if accepted else None
        finally:
            dialog.deleteLater()

    @property
    def workbench(self) -> Workbench | None:
        return self._workbench

    def current_node(self) -> CodeNode | None:
        """The current code as the tree shows it, with its path and codings."""
        code_id = self.current_code_id()
        return self.model.node(code_id) if code_id is not None else None

    def quick_key_of(self, code_id: int) -> int | None:
        node = self.model.node(code_id)
        return self._quick_keys.digit_for(node.code.uuid) if self._quick_keys and node else None

    def neighbour_of(self, code_id: int) -> int | None:
        """The code to select once ``code_id`` is gone: a sibling, else its parent."""
        index = self.proxy.mapFromSource(self.model.index_of(code_id))
        for candidate in (
            index.sibling(index.row() + 1, 0),
            index.sibling(index.row() - 1, 0),
            index.parent(),
        ):
            if candidate.isValid():
                return int(candidate.data(CODE_ID_ROLE))
        return None

    # --- the tree ------------------------------------------------------------------------------

    def _on_view_clicked(self, index: QModelIndex) -> None:
        if index.data(CODABLE_ROLE):
            self.code_clicked.emit(int(index.data(CODE_ID_ROLE)))

    def _on_view_double_clicked(self, index: QModelIndex) -> None:
        self._activate(index)

    def _on_view_return_pressed(self, index: QModelIndex) -> None:
        self._activate(index)

    def _activate(self, index: QModelIndex) -> None:
        if index.data(CODABLE_ROLE):
            self.code_activated.emit(int(index.data(CODE_ID_ROLE)))
        else:
            first = index.siblingAtColumn(Column.CODE)
            self.view.setExpanded(first, not self.view.isExpanded(first))

    def _on_view_custom_context_menu_requested(self, position: QPoint) -> None:
        menu = self.context_menu()
        menu.exec(self.view.viewport().mapToGlobal(position))
        menu.deleteLater()

    def context_menu(self) -> QMenu:
        """The tree's context menu: the Codes menu's actions, grouped."""
        menu = QMenu(self)
        actions = self.actions()
        menu.addActions(actions[:2])
        menu.addSeparator()
        menu.addActions(actions[2:7])
        menu.addSeparator()
        menu.addActions(actions[7:])
        return menu

    def _on_selection_current_changed(self, *_: object) -> None:
        if not self._refreshing:
            self._announce_current()

    def _on_filter_edit_text_changed(self, text: str) -> None:
        filtering = bool(text.strip())
        if filtering and self._expanded_before_filter is None:
            self._expanded_before_filter = self._expanded_ids()
        self.proxy.set_filter_text(text)
        if filtering:
            self.view.expandAll()
        elif self._expanded_before_filter is not None:
            self.view.collapseAll()
            self._expand(self._expanded_before_filter)
            self._expanded_before_filter = None
            self.view.scrollTo(self.view.currentIndex())

    def _on_filter_edit_return_pressed(self) -> None:
        if not self.view.currentIndex().isValid() and self.proxy.rowCount():
            first = self.proxy.index(0, Column.CODE)
            while self.proxy.rowCount(first) and not first.data(CODABLE_ROLE):
                first = self.proxy.index(0, Column.CODE, first)
            self._set_current(int(first.data(CODE_ID_ROLE)))
        self.view.setFocus()

    # --- helpers ---------------------------------------------------------------------------------

    def _announce_current(self) -> None:
        self.code_actions.update()
        code_id = self.current_code_id()
        if code_id != self._announced:
            self._announced = code_id
            self.current_code_changed.emit(-1 if code_id is None else code_id)

    def _set_current(self, code_id: int) -> None:
        index = self.proxy.mapFromSource(self.model.index_of(code_id))
        if index.isValid():
            flags = self.view.selectionModel().SelectionFlag
            self.view.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)

    def _expanded_ids(self) -> set[int]:
        expanded: set[int] = set()
        pending = [QModelIndex()]
        while pending:
            parent = pending.pop()
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, Column.CODE, parent)
                if self.proxy.hasChildren(index):
                    pending.append(index)
                    if self.view.isExpanded(index):
                        expanded.add(int(index.data(CODE_ID_ROLE)))
        return expanded

    def _expand(self, code_ids: Iterable[int]) -> None:
        for code_id in code_ids:
            index = self.proxy.mapFromSource(self.model.index_of(code_id))
            if index.isValid():
                self.view.setExpanded(index, True)
