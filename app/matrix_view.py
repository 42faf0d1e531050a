"""Matrices as tables: codes by documents, codes by attribute values, code co-occurrence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.workbench import Workbench
from coding import matrices
from coding.errors import UserError
from coding.matrices import CountMatrix, MatrixKind
from coding.project import PATH_SEPARATOR
from coding.retrieval import AttributeChoice, QueryFilter

XLSX_FILTER = "Excel workbook (*.xlsx)"
_KINDS = (
    (MatrixKind.DOCUMENTS, "Codes × documents"),
    (MatrixKind.ATTRIBUTE, "Codes × attribute values"),
    (MatrixKind.COOCCURRENCE, "Code co-occurrence"),
)


class MatrixModel(QAbstractTableModel):
    """A :class:`CountMatrix` as a table: counts right-aligned, zeros faint, larger counts
    shaded darker; the co-occurrence diagonal (codings, not shared passages) in italics."""

    def __init__(self) -> None:
        super().__init__()
        self.matrix: CountMatrix | None = None
        self._rows: list[int] = []
        self._columns: list[int] = []
        self._largest = 1

    def set_matrix(self, matrix: CountMatrix | None, *, hide_empty: bool = False) -> None:
        """Show ``matrix``; with ``hide_empty`` codes that count nothing are left out (as rows,
        and as columns of a co-occurrence matrix)."""
        self.beginResetModel()
        self.matrix = matrix
        self._rows, self._columns = [], []
        self._largest = 1
        if matrix is not None:
            counts = matrix.counts
            self._rows = [
                row for row in range(len(matrix.row_ids)) if not hide_empty or counts[row].any()
            ]
            self._columns = list(range(len(matrix.column_keys)))
            if matrix.kind is MatrixKind.COOCCURRENCE:
                self._columns = list(self._rows)
            shaded = counts.copy()
            if matrix.kind is MatrixKind.COOCCURRENCE and shaded.size:
                shaded.flat[:: shaded.shape[1] + 1] = 0  # the diagonal counts something else
            self._largest = max(int(shaded.max()) if shaded.size else 0, 1)
        self.endResetModel()

    def cell(self, index: QModelIndex | QPersistentModelIndex) -> tuple[int, int]:
        """The matrix's row and column behind a table index (rows may be hidden)."""
        return self._rows[index.row()], self._columns[index.column()]

    @override
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.matrix is None else len(self._rows)

    @override
    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.matrix is None else len(self._columns)

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or self.matrix is None:
            return None
        row, column = self.cell(index)
        count = int(self.matrix.counts[row, column])
        diagonal = self.matrix.kind is MatrixKind.COOCCURRENCE and row == column
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{count:,}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and count == 0:
            return QBrush(QApplication.palette().color(QPalette.ColorRole.PlaceholderText))
        if role == Qt.ItemDataRole.BackgroundRole and count and not diagonal:
            shade = QColor(QApplication.palette().color(QPalette.ColorRole.Highlight))
            shade.setAlpha(25 + int(110 * min(count / self._largest, 1.0)))
            return QBrush(shade)
        if role == Qt.ItemDataRole.FontRole and diagonal:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(row, column, count, diagonal)
        return None

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if self.matrix is None:
            return None
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal:
            label = self.matrix.column_labels[self._columns[section]]
        else:
            label = self.matrix.row_labels[self._rows[section]]
        if role == Qt.ItemDataRole.DisplayRole:
            if horizontal and self.matrix.kind is MatrixKind.COOCCURRENCE:
                return label.rsplit(PATH_SEPARATOR, 1)[-1]  # the path is in the tooltip
            return label
        if role == Qt.ItemDataRole.ToolTipRole:
            return label
        return None

    def _tip(self, row: int, column: int, count: int, diagonal: bool) -> str:
        assert self.matrix is not None
        code, other = self.matrix.row_labels[row], self.matrix.column_labels[column]
        if diagonal:
            return f"“{code}”: {count:,} coding{'s' if count != 1 else ''}"
        if self.matrix.kind is MatrixKind.COOCCURRENCE:
            what = "passage" if count == 1 else "passages"
            return f"{count:,} {what} coded with both “{code}” and “{other}”"
        return f"“{code}” in “{other}”: {count:,} coding{'s' if count != 1 else ''}"


class MatrixView(QWidget):
    """Choose a matrix, compute it, read it, open a cell's segments, export it to Excel."""

    #: A cell was double-clicked: its row and column in :attr:`model`'s matrix.
    cell_opened = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._filters = QueryFilter()
        self.model = MatrixModel()
        self.kind_combo = QComboBox()
        for kind, label in _KINDS:
            self.kind_combo.addItem(label, kind)
        self.attribute_combo = QComboBox()
        self.attribute_combo.setToolTip("The attribute whose values make the columns")
        self.children_check = QCheckBox("Count subcodes in their parents")
        self.children_check.setToolTip(
            "A row counts its code's codings and those of all its subcodes"
        )
        self.hide_empty_check = QCheckBox("Hide empty rows")
        self.hide_empty_check.setChecked(True)
        self.compute_button = QPushButton("Compute")
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.setEnabled(False)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setStyleSheet("color: palette(placeholder-text);")
        self.table = _matrix_table(self.model)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        top = QHBoxLayout()
        top.addWidget(self.kind_combo)
        top.addWidget(self.attribute_combo)
        top.addWidget(self.children_check)
        top.addWidget(self.hide_empty_check)
        top.addStretch(1)
        top.addWidget(self.compute_button)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.explanation)
        layout.addWidget(self.table, 1)
        self.kind_combo.currentIndexChanged.connect(self._on_options_changed)
        self.attribute_combo.currentIndexChanged.connect(self._on_options_changed)
        self.children_check.toggled.connect(self._on_options_changed)
        self.hide_empty_check.toggled.connect(self._on_hide_empty_check_toggled)
        self.compute_button.clicked.connect(self.compute)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self._show_options()

    def set_workbench(self, workbench: Workbench | None) -> None:
        self._workbench = workbench
        self.model.set_matrix(None)
        self.export_button.setEnabled(False)
        self._show_options()

    def set_attributes(self, choices: list[AttributeChoice]) -> None:
        """Offer the attributes that have values, keeping the chosen one if it is still there."""
        current = self.attribute_combo.currentData()
        self.attribute_combo.blockSignals(True)
        self.attribute_combo.clear()
        seen: set[int] = set()
        for choice in choices:
            if choice.attribute_id not in seen:
                seen.add(choice.attribute_id)
                owner = "case" if choice.scope == "case" else "document"
                self.attribute_combo.addItem(
                    f"{choice.attribute_name} ({owner})", choice.attribute_id
                )
        found = self.attribute_combo.findData(current)
        self.attribute_combo.setCurrentIndex(max(found, 0))
        self.attribute_combo.blockSignals(False)
        self._show_options()

    def set_filters(self, filters: QueryFilter, *, recompute: bool = True) -> None:
        """Use ``filters`` from now on; a matrix on screen is computed again with them unless
        ``recompute`` is False."""
        self._filters = filters
        if recompute and self.model.matrix is not None:
            self.compute()

    def compute(self) -> bool:
        """Compute the chosen matrix with the current filters; False when it could not be."""
        if self._workbench is None:
            return False
        project = self._workbench.project
        kind = self.kind_combo.currentData()
        options: dict[str, Any] = {
            "include_children": self.children_check.isChecked(),
            "filters": self._filters,
        }
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if kind is MatrixKind.DOCUMENTS:
                matrix = matrices.code_document_matrix(project, **options)
            elif kind is MatrixKind.ATTRIBUTE:
                attribute_id = self.attribute_combo.currentData()
                if attribute_id is None:
                    self.model.set_matrix(None)
                    self._show_options()
                    return False
                matrix = matrices.code_attribute_matrix(project, attribute_id, **options)
            else:
                matrix = matrices.cooccurrence_matrix(project, **options)
        except UserError as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Matrix", str(exc))
            return False
        QApplication.restoreOverrideCursor()
        self.model.set_matrix(matrix, hide_empty=self.hide_empty_check.isChecked())
        self._size_columns()
        self.export_button.setEnabled(True)
        self._show_options()
        return True

    def mark_stale(self) -> None:
        """Say that the project changed since the matrix on screen was computed."""
        if self.model.matrix is not None:
            self.explanation.setText(
                "The project has changed since this matrix was computed: press Compute to "
                "count again."
            )

    def export_to(self, path: Path) -> bool:
        """Write the matrix on screen to ``path`` (``.xlsx`` added when missing)."""
        if self.model.matrix is None:
            return False
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        try:
            matrices.export_matrix(path, self.model.matrix)
        except UserError as exc:
            QMessageBox.warning(self, "Export to Excel", str(exc))
            return False
        return True

    def _size_columns(self) -> None:
        """Fit each column to its label and largest count, without measuring every cell
        (which takes seconds for 300 codes by 300)."""
        matrix = self.model.matrix
        if matrix is None:
            return
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        digits = metrics.horizontalAdvance(f"{int(matrix.counts.max(initial=0)):,}")
        for column in range(self.model.columnCount()):
            label = self.model.headerData(
                column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole
            )
            width = max(metrics.horizontalAdvance(str(label)), digits) + 24
            header.resizeSection(column, min(width, 220))

    def _show_options(self) -> None:
        kind = self.kind_combo.currentData()
        self.attribute_combo.setVisible(kind is MatrixKind.ATTRIBUTE)
        matrix = self.model.matrix
        if kind is MatrixKind.ATTRIBUTE and self.attribute_combo.count() == 0:
            text = "No case or document has an attribute value yet."
        elif matrix is None:
            text = "Press Compute to count. Double-click a cell to list its segments."
        else:
            text = f"{matrix.explanation()} Double-click a cell to list its segments."
        self.explanation.setText(text)

    def _on_options_changed(self, *_: object) -> None:
        self._show_options()
        if self.model.matrix is not None:
            self.compute()

    def _on_hide_empty_check_toggled(self, hide: bool) -> None:
        self.model.set_matrix(self.model.matrix, hide_empty=hide)
        self._size_columns()

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self.cell_opened.emit(*self.model.cell(index))

    def _on_export_button_clicked(self) -> None:
        if self._workbench is None or self.model.matrix is None:
            return
        path = self._workbench.project.path
        suggested = str(path.with_name(f"{path.stem} {self.model.matrix.title}.xlsx"))
        name, _ = QFileDialog.getSaveFileName(self, "Export to Excel", suggested, XLSX_FILTER)
        if name:
            self.export_to(Path(name))


def _matrix_table(model: MatrixModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setWordWrap(False)
    table.setCornerButtonEnabled(False)
    columns = table.horizontalHeader()
    columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    columns.setDefaultSectionSize(90)
    columns.setMinimumSectionSize(56)
    columns.setTextElideMode(Qt.TextElideMode.ElideRight)
    rows = table.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table
