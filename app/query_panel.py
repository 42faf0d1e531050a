"""Coding queries and matrices: build a query from two codes, read what it finds in context,
open it in the viewer, and export it to Excel."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.code_tree import dialogs
from app.code_tree.swatch import swatch_icon
from app.matrix_view import XLSX_FILTER, MatrixView
from app.query_filters import FilterBar
from app.segment_results import SegmentResultModel, context_html
from app.workbench import Workbench
from coding import matrices, queries
from coding.changes import Changes
from coding.errors import UserError
from coding.queries import CodeNode
from coding.retrieval import (
    CodingQuery,
    Operator,
    Segment,
    export_segments,
    filter_choices,
    run_query,
)

_OPERATORS = (
    (Operator.ONLY, "alone", "Every coding of code A"),
    (Operator.AND, "AND", "The text coded with both A and B (where their codings overlap)"),
    (Operator.NOT, "NOT", "Codings of A that no coding of B overlaps"),
    (Operator.NEAR, "NEAR", "Codings of A with a coding of B at most n characters away"),
    (
        Operator.SAME_PARAGRAPH,
        "in the same paragraph as",
        "Codings of A in a paragraph or speaker turn that B also codes",
    ),
)


class CodeButton(QPushButton):
    """Shows the chosen code (with its colour) and opens the code chooser when pressed."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._roots: list[CodeNode] = []
        self._nodes: dict[int, CodeNode] = {}
        self.code_id: int | None = None
        self.setStyleSheet("text-align: left; padding: 2px 8px;")
        self.clicked.connect(self._on_clicked)
        self._show()

    def set_tree(self, roots: list[CodeNode]) -> None:
        """Offer the codes of ``roots``; a chosen code no longer there is let go."""
        self._roots = roots
        self._nodes = {}
        stack = list(roots)
        while stack:
            node = stack.pop()
            self._nodes[node.code.id] = node
            stack.extend(node.children)
        if self.code_id not in self._nodes:
            self.code_id = None
        self._show()

    def set_code(self, code_id: int | None) -> None:
        self.code_id = code_id if code_id in self._nodes else None
        self._show()

    def _on_clicked(self) -> None:
        chosen = choose_code(self, self._roots, self._title, self.code_id)
        if chosen is not None:
            self.set_code(chosen)

    def _show(self) -> None:
        node = self._nodes.get(self.code_id) if self.code_id is not None else None
        if node is None:
            self.setText("Choose a code…")
            self.setIcon(swatch_icon("#00000000", True))
            self.setToolTip("")
            return
        self.setText(node.path.replace("/", " › "))
        self.setIcon(swatch_icon(node.code.color, node.code.codable))
        self.setToolTip(node.code.brief_definition or node.path)


def choose_code(
    parent: QWidget, roots: list[CodeNode], title: str, current: int | None
) -> int | None:
    """Ask for a code (folders too: their subcodes can count) with the code chooser."""
    dialog = dialogs.CodeChooserDialog(roots, title, parent, codable_only=False, current=current)
    return dialog.chosen_code_id() if dialog.exec() else None


class QueryPanel(QWidget):
    """Coding queries and matrices over the project, narrowed by the same filters.

    The query tab combines code A with code B (AND, NOT, NEAR, same paragraph) and lists
    what it finds; activating a row opens the document at the segment. The matrix tab counts
    codes by documents, by attribute values, and by each other; a double-clicked cell lists
    its segments in the query tab.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._rerun: Callable[[], list[Segment]] | None = None
        self._query: CodingQuery | None = None  # the query behind the list, if not a cell's
        self._title = ""
        self._filtered = False
        self.filter_bar = FilterBar()
        self.code_a = CodeButton("Code A")
        self.code_b = CodeButton("Code B")
        self.children_a = QCheckBox("with subcodes")
        self.children_b = QCheckBox("with subcodes")
        self.operator_combo = QComboBox()
        for operator, label, tip in _OPERATORS:
            self.operator_combo.addItem(label, operator)
            self.operator_combo.setItemData(
                self.operator_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
            )
        self.distance_spin = _distance_spin()
        self.run_button = QPushButton("Run query")
        self.run_button.setDefault(True)
        self.operator_hint = QLabel()
        self.operator_hint.setStyleSheet("color: palette(placeholder-text);")
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.setEnabled(False)
        self.model = SegmentResultModel()
        self.table = _result_table(self.model)
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.preview.setPlaceholderText("Select a segment to read it in its context.")
        self.matrix_view = MatrixView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._query_tab(), "Coding query")
        self.tabs.addTab(self.matrix_view, "Matrices")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.tabs, 1)
        self.operator_combo.currentIndexChanged.connect(self._on_operator_combo_index_changed)
        self.run_button.clicked.connect(self.run)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.table.activated.connect(self._on_table_activated)
        self.table.doubleClicked.connect(self._on_table_activated)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.filter_bar.changed.connect(self._on_filter_bar_changed)
        self.matrix_view.cell_opened.connect(self._on_matrix_view_cell_opened)
        self._on_operator_combo_index_changed()
        self._show_summary()

    def _query_tab(self) -> QWidget:
        grid = QGridLayout()
        grid.setContentsMargins(0, 4, 0, 0)
        grid.addWidget(QLabel("Code A"), 0, 0)
        grid.addWidget(self.code_a, 0, 1)
        grid.addWidget(self.children_a, 0, 2)
        combine = QHBoxLayout()
        combine.addWidget(self.operator_combo)
        combine.addWidget(self.distance_spin)
        combine.addWidget(self.operator_hint, 1)
        grid.addWidget(QLabel("Combined"), 1, 0)
        grid.addLayout(combine, 1, 1, 1, 2)
        grid.addWidget(QLabel("Code B"), 2, 0)
        grid.addWidget(self.code_b, 2, 1)
        grid.addWidget(self.children_b, 2, 2)
        grid.setColumnStretch(1, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.run_button)
        actions.addWidget(self.summary, 1)
        actions.addWidget(self.export_button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 60])  # the list first; the reading pane grows when dragged
        self.preview.setMinimumHeight(self.fontMetrics().height() * 2)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(grid)
        layout.addLayout(actions)
        layout.addWidget(splitter, 1)
        return tab

    def set_workbench(self, workbench: Workbench | None) -> None:
        self._workbench = workbench
        self._rerun, self._query = None, None
        self.matrix_view.set_workbench(workbench)
        self.code_a.set_code(None)
        self.code_b.set_code(None)
        self._load_choices()
        self._show(None, "")

    def refresh(self, changes: Changes) -> None:
        if self._workbench is None:
            return
        if changes.structural or changes.cases or changes.attributes:
            self._load_choices()
        if changes.structural or changes.codings or changes.cases or changes.attributes:
            self.matrix_view.mark_stale()
            if self._rerun is not None:
                self._show(self._rerun, self._title, explain=False)

    def query(self) -> CodingQuery | None:
        """The query the widgets describe, or None while code A is not chosen."""
        if self.code_a.code_id is None:
            return None
        operator = self.operator_combo.currentData()
        return CodingQuery(
            self.code_a.code_id,
            operator,
            self.code_b.code_id if operator is not Operator.ONLY else None,
            include_children=self.children_a.isChecked(),
            other_children=self.children_b.isChecked(),
            distance=self.distance_spin.value(),
            filters=self.filter_bar.filters(),
        )

    def run(self) -> bool:
        """Run the query the widgets describe and list what it finds."""
        query = self.query()
        if self._workbench is None or query is None:
            if self._workbench is not None:
                QMessageBox.warning(self, "Coding query", "Choose code A first.")
            return False
        return self._run(query, self._describe(query))

    def segments(self) -> list[Segment]:
        return self.model.rows()

    def export_to(self, path: Path) -> bool:
        """Write the listed segments to ``path`` (``.xlsx`` added when missing)."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        try:
            export_segments(path, self.model.rows(), self._title or "Segments")
        except UserError as exc:
            QMessageBox.warning(self, "Export to Excel", str(exc))
            return False
        return True

    def _show(
        self, find: Callable[[], list[Segment]] | None, title: str, *, explain: bool = True
    ) -> bool:
        """List what ``find`` returns (and find it again after edits). A refusal is explained
        in a dialog, or with ``explain=False`` (after an edit) in the summary line."""
        segments: list[Segment] = []
        problem = ""
        if find is not None and self._workbench is not None:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                segments = find()
            except UserError as exc:
                QApplication.restoreOverrideCursor()
                if explain:
                    QMessageBox.warning(self, "Coding query", str(exc))
                find, title, problem = None, "", str(exc)
            else:
                QApplication.restoreOverrideCursor()
        self._rerun, self._title = find, title
        self._filtered = self.filter_bar.is_set()
        colors = {}
        if self._workbench is not None:
            colors = {code.id: code.color for code in queries.codes(self._workbench.project)}
        self.model.set_segments(segments, colors)
        self.preview.clear()
        self.export_button.setEnabled(bool(segments))
        self._show_summary()
        if problem and not explain:
            self.summary.setText(f"The query cannot run any more: {problem}")
        return find is not None

    def _run(self, query: CodingQuery, title: str) -> bool:
        assert self._workbench is not None
        project = self._workbench.project
        self._query = query
        return self._show(lambda: run_query(project, query), title)

    def _load_choices(self) -> None:
        if self._workbench is None:
            for button in (self.code_a, self.code_b):
                button.set_tree([])
            return
        project = self._workbench.project
        tree = queries.code_tree(project)
        self.code_a.set_tree(tree)
        self.code_b.set_tree(tree)
        choices = filter_choices(project)
        self.filter_bar.blockSignals(True)
        self.filter_bar.set_choices(choices)
        self.filter_bar.blockSignals(False)
        self.matrix_view.set_attributes(choices.attributes)
        self.matrix_view.set_filters(self.filter_bar.filters(), recompute=False)

    def _describe(self, query: CodingQuery) -> str:
        a = self.code_a.text()
        if query.operator is Operator.ONLY:
            return a
        b = self.code_b.text() if query.other_id is not None else "?"
        label = self.operator_combo.currentText()
        if query.operator is Operator.NEAR:
            return f"{a} NEAR {b} ({query.distance} characters)"
        return f"{a} {label} {b}"

    def _show_summary(self) -> None:
        if self._workbench is None:
            self.summary.setText("Open a project to query its codings.")
            return
        if self._rerun is None:
            self.summary.setText("Choose code A (and B to combine them), then run the query.")
            return
        rows = self.model.rows()
        documents = len({segment.document_id for segment in rows})
        narrowed = " (filtered)" if self._filtered else ""
        self.summary.setText(
            f"{len(rows):,} segment{'s' if len(rows) != 1 else ''} in {documents:,} "
            f"document{'s' if documents != 1 else ''}{narrowed}: {self._title}"
        )

    def _on_operator_combo_index_changed(self, *_: object) -> None:
        operator = self.operator_combo.currentData()
        combined = operator is not Operator.ONLY
        for widget in (self.code_b, self.children_b):
            widget.setEnabled(combined)
        self.distance_spin.setVisible(operator is Operator.NEAR)
        self.operator_hint.setText(_OPERATORS[self.operator_combo.currentIndex()][2])

    def _on_filter_bar_changed(self) -> None:
        filters = self.filter_bar.filters()
        self.matrix_view.set_filters(filters)
        if self._query is not None and self._rerun is not None:  # the list follows the filters
            self._run(dataclasses.replace(self._query, filters=filters), self._title)

    def _on_table_activated(self, index: QModelIndex) -> None:
        if self._workbench is None:
            return
        segment = self.model.record_at(index.row())
        self._workbench.events.document_requested.emit(
            segment.document_id, segment.start, segment.end
        )

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.preview.clear()
            return
        segment = self.model.record_at(current.row())
        where = f"{segment.document_name} · characters {segment.start:,}–{segment.end:,}"
        if segment.speaker:
            where += f" · {segment.speaker}"
        context = context_html(segment, self.model.colors())
        self.preview.setHtml(f"<p style='color: gray'>{escape(where)}</p>{context}")

    def _on_matrix_view_cell_opened(self, row: int, column: int) -> None:
        matrix = self.matrix_view.model.matrix
        if self._workbench is None or matrix is None:
            return
        project = self._workbench.project
        title = f"{matrix.row_labels[row]} × {matrix.column_labels[column]}"
        self._query = None
        if self._show(lambda: matrices.cell_segments(project, matrix, row, column), title):
            self.tabs.setCurrentIndex(0)

    def _on_export_button_clicked(self) -> None:
        if self._workbench is None:
            return
        path = self._workbench.project.path
        suggested = str(path.with_name(f"{path.stem} segments.xlsx"))
        name, _ = QFileDialog.getSaveFileName(self, "Export to Excel", suggested, XLSX_FILTER)
        if name:
            self.export_to(Path(name))


def _distance_spin() -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, 100_000)
    spin.setValue(200)
    spin.setSuffix(" characters")
    spin.setToolTip("Counted from the end of one coding to the start of the other")
    return spin


def _result_table(model: SegmentResultModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    for column, width in enumerate((160, 200, 80, 260)):
        header.resizeSection(column, width)
    return table
