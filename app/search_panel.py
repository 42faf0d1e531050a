"""The search panel: a query, its hits as a keyword-in-context list, and a count per document.

Ctrl+F searches the current document, Ctrl+Shift+F the whole project. The query runs 250 ms
after typing stops, on the index's worker thread (``SearchKeeper``); choosing a hit opens its
document with the matched words selected. "Code hits" codes every hit (or its paragraph or
speaker turn) with one code, as one undoable action.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.search_keeper import SearchKeeper
from app.workbench import Workbench
from coding.changes import Changes
from coding.search import ProjectSearch, SearchHit, SearchResult, Snippet

#: How long typing must pause before the query runs.
SEARCH_DELAY_MS = 250
#: Characters of context on each side of a hit's first match.
CONTEXT = 70

_HINT = (
    "Words find their inflections and, in Norwegian, Danish and Swedish, the compounds they "
    'begin (tillit → tillitsreformen). Also: "a phrase", wild*cards, fuzzy~, AND OR NOT, '
    "code:Autonomi, coder:Kari, speaker:P3, case:Bergen, document:Intervju, and any "
    "attribute by its name (city:Oslo)."
)


class HitColumn(IntEnum):
    DOCUMENT = 0
    SPEAKER = 1
    BEFORE = 2
    MATCH = 3
    AFTER = 4


_HEADERS = {
    HitColumn.DOCUMENT: "Document",
    HitColumn.SPEAKER: "Speaker",
    HitColumn.BEFORE: "",
    HitColumn.MATCH: "Match",
    HitColumn.AFTER: "",
}


class HitModel(QAbstractTableModel):
    """The hits of a search as keyword-in-context rows: the text before the first match,
    the match, the text after. Snippets are made as rows are shown, not all at once."""

    def __init__(self) -> None:
        super().__init__()
        self._finder: ProjectSearch | None = None
        self._result: SearchResult | None = None
        self._hits: list[SearchHit] = []
        self._names: dict[int, str] = {}
        self._parts: dict[int, tuple[str, str, str]] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    def set_hits(
        self, finder: ProjectSearch | None, result: SearchResult | None, hits: list[SearchHit]
    ) -> None:
        self.beginResetModel()
        self._finder, self._result, self._hits = finder, result, hits
        self._names = {c.document_id: c.name for c in result.documents} if result else {}
        self._parts = {}
        self.endResetModel()

    def hit_at(self, row: int) -> SearchHit:
        return self._hits[row]

    def parts(self, row: int) -> tuple[str, str, str]:
        """The row's context before the match, the match, and the context after."""
        if row not in self._parts:
            assert self._finder is not None and self._result is not None
            snippet = self._finder.snippet(self._result, self._hits[row], CONTEXT)
            self._parts[row] = _split(snippet)
        return self._parts[row]

    @override
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._hits)

    @override
    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HitColumn)

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[HitColumn(section)]
        return None

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        column, hit = HitColumn(index.column()), self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == HitColumn.DOCUMENT:
                return self._names.get(hit.document_id, "")
            if column == HitColumn.SPEAKER:
                return hit.speaker or ""
            return self.parts(index.row())[column - HitColumn.BEFORE]
        if role == Qt.ItemDataRole.ToolTipRole and column >= HitColumn.BEFORE:
            return "".join(self.parts(index.row()))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == HitColumn.BEFORE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == HitColumn.MATCH:
            return self._bold
        return None


def _split(snippet: Snippet) -> tuple[str, str, str]:
    """Before, match, after; a passage with no matched word (a code query) is all "after"."""
    if not snippet.marks:
        return "", "", snippet.text
    start, end = snippet.marks[0]
    return snippet.text[:start], snippet.text[start:end], snippet.text[end:]


class _ElideLeft(QStyledItemDelegate):
    """Cuts the context before a match from the left, so that the match stays in view."""

    @override
    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class Scope(IntEnum):
    PROJECT = 0
    DOCUMENT = 1


class SearchPanel(QWidget):
    """Search the project or the current document; choose a hit to open it."""

    #: A hit chosen: (document_id, start, end) of what to select.
    hit_activated = Signal(int, int, int)
    #: "Code hits" chosen: (the hits, the unit: "hit", "paragraph" or "turn").
    code_hits_requested = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._keeper: SearchKeeper | None = None
        self._document_id: int | None = None
        self._asked = self._answered = 0
        self._result: SearchResult | None = None
        self._stale = False

        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText("Search: words, “phrases”, code:…, speaker:…")
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.setToolTip(_HINT)
        self.scope_combo = QComboBox()
        self.scope_combo.addItem("All documents", Scope.PROJECT)
        self.scope_combo.addItem("This document", Scope.DOCUMENT)
        self.whole_words = QCheckBox("Whole words")
        self.whole_words.setToolTip(
            "Find only the word and its inflections, not the compounds it begins"
        )
        self.code_button = QToolButton()
        self.code_button.setText("Code hits")
        self.code_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.code_button)
        for text, unit in (
            ("Code each hit…", "hit"),
            ("Code each hit’s paragraph…", "paragraph"),
            ("Code each hit’s speaker turn…", "turn"),
        ):
            menu.addAction(text).triggered.connect(
                lambda _=False, unit=unit: self._on_code_hits(unit)
            )
        self.code_button.setMenu(menu)
        self.code_button.setEnabled(False)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)
        self.document_list = QListWidget()
        self.model = HitModel()
        self.table = self._hit_table()
        self._lay_out()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._connect()
        self.setEnabled(False)

    def _hit_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self._elide_left = _ElideLeft(table)
        table.setItemDelegateForColumn(HitColumn.BEFORE, self._elide_left)
        header = table.horizontalHeader()
        header.setSectionResizeMode(HitColumn.BEFORE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(HitColumn.AFTER, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(HitColumn.MATCH, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(HitColumn.DOCUMENT, 150)
        header.resizeSection(HitColumn.SPEAKER, 80)
        return table

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.query_edit, 1)
        top.addWidget(self.scope_combo)
        top.addWidget(self.whole_words)
        top.addWidget(self.code_button)
        splitter = QSplitter()
        splitter.addWidget(self.document_list)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self._timer.timeout.connect(self.run_search)
        self.query_edit.textChanged.connect(self._on_query_edit_text_changed)
        self.query_edit.returnPressed.connect(self.run_search)
        self.scope_combo.currentIndexChanged.connect(self._on_scope_combo_current_index_changed)
        self.whole_words.toggled.connect(self._on_whole_words_toggled)
        self.document_list.currentRowChanged.connect(self._on_document_list_current_row_changed)
        self.table.activated.connect(self._on_table_activated)
        self.table.doubleClicked.connect(self._on_table_activated)
        self.status.linkActivated.connect(self._on_status_link_activated)

    # --- the project -----------------------------------------------------------------------

    def set_workbench(self, workbench: Workbench | None, keeper: SearchKeeper | None) -> None:
        if self._keeper is not None:
            self._keeper.answered.disconnect(self._on_keeper_answered)
            self._keeper.building.disconnect(self._on_keeper_building)
        self._workbench, self._keeper = workbench, keeper
        self._document_id = None
        self._asked = self._answered = 0
        self._show(None)
        self.query_edit.clear()
        self.setEnabled(workbench is not None)
        if keeper is not None:
            keeper.answered.connect(self._on_keeper_answered)
            keeper.building.connect(self._on_keeper_building)

    def set_current_document(self, document_id: int | None) -> None:
        self._document_id = document_id
        if self.scope() == Scope.DOCUMENT and self.query_edit.text().strip():
            self.run_search()

    def refresh(self, changes: Changes) -> None:
        """Run the query again after an edit (the index catches up first, on its thread)."""
        if self._result is not None and (
            changes.documents or changes.codings or changes.structural
        ):
            self.run_search()

    # --- searching -------------------------------------------------------------------------

    def find_in_document(self) -> None:
        self._find(Scope.DOCUMENT)

    def find_in_project(self) -> None:
        self._find(Scope.PROJECT)

    def _find(self, scope: Scope) -> None:
        self.scope_combo.setCurrentIndex(self.scope_combo.findData(scope))
        self.query_edit.setFocus()
        self.query_edit.selectAll()

    def scope(self) -> Scope:
        return Scope(self.scope_combo.currentData())

    def run_search(self) -> None:
        """Search now for what the query field holds."""
        self._timer.stop()
        text = self.query_edit.text().strip()
        if self._keeper is None or not text:
            self._asked = self._answered = 0
            self._show(None)
            return
        documents = None
        if self.scope() == Scope.DOCUMENT:
            documents = [self._document_id] if self._document_id is not None else []
        self._asked = self._keeper.request(
            text, compounds=not self.whole_words.isChecked(), documents=documents
        )
        if self._result is None:
            self.status.setText("Searching…")

    def result(self) -> SearchResult | None:
        return self._result

    def _show(self, result: SearchResult | None) -> None:
        self._result = result
        self.document_list.blockSignals(True)
        self.document_list.clear()
        if result is not None and result.documents:
            self.document_list.addItem(f"All documents ({result.total:,})")
            for count in result.documents:
                item = QListWidgetItem(f"{count.name} ({count.hits:,})")
                item.setData(Qt.ItemDataRole.UserRole, count.document_id)
                self.document_list.addItem(item)
            self.document_list.setCurrentRow(0)
        self.document_list.blockSignals(False)
        finder = self._keeper.search if self._keeper else None
        self.model.set_hits(finder, result, result.hits if result else [])
        self.code_button.setEnabled(bool(result and result.hits))
        self.status.setText(_summary(result))

    # --- handlers --------------------------------------------------------------------------

    def _on_query_edit_text_changed(self, _text: str) -> None:
        self._timer.start()

    def _on_scope_combo_current_index_changed(self, _index: int) -> None:
        self.run_search()

    def _on_whole_words_toggled(self, _checked: bool) -> None:
        self.run_search()

    def waiting(self) -> bool:
        """Whether the last search asked for has not been answered yet."""
        return self._answered != self._asked

    def _on_keeper_answered(self, number: int, answer: object) -> None:
        if number != self._asked:
            return  # an older query's answer
        self._answered = number
        if isinstance(answer, Exception):
            self._show(None)
            self.status.setText(str(answer))
            return
        assert isinstance(answer, SearchResult)
        self._show(answer)

    def _on_keeper_building(self, done: int, total: int) -> None:
        if done < total:
            self.status.setText(
                f"Building the search index… {done:,} of {total:,} documents. "
                "You can go on working meanwhile."
            )

    def _on_document_list_current_row_changed(self, row: int) -> None:
        if self._result is None:
            return
        item = self.document_list.item(row)
        document_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        hits = [
            hit
            for hit in self._result.hits
            if document_id is None or hit.document_id == document_id
        ]
        finder = self._keeper.search if self._keeper else None
        self.model.set_hits(finder, self._result, hits)

    def _on_table_activated(self, index: QModelIndex) -> None:
        if self._keeper is None or self._result is None:
            return
        hit = self.model.hit_at(index.row())
        marks = self._keeper.search.marks(self._result, hit)
        start, end = marks[0] if marks else (hit.start, hit.end)
        self.hit_activated.emit(hit.document_id, start, end)

    def _on_status_link_activated(self, link: str) -> None:
        self.query_edit.setText(link)
        self.run_search()

    def _on_code_hits(self, unit: str) -> None:
        if self._result is not None and self._result.hits:
            self.code_hits_requested.emit(self.visible_hits(), unit)

    def visible_hits(self) -> list[SearchHit]:
        """The hits listed now (all, or those of the chosen document)."""
        return [self.model.hit_at(row) for row in range(self.model.rowCount())]


def _summary(result: SearchResult | None) -> str:
    if result is None:
        return ""
    if not result.total:
        if result.suggestion:
            link = result.suggestion.replace("&", "&amp;").replace("<", "&lt;")
            return f'Nothing found. Did you mean <a href="{link}">{link}</a>?'
        return "Nothing found."
    return result.counted()
