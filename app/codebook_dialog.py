"""The Codebook dialog: export the codebook, and import or merge another after a review."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import (
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSlider,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.merge_review_model import (
    QDC_FILTER,
    REMATCH_DELAY_MS,
    SOURCE_FILTER,
    MergeReviewModel,
    ReviewFilterModel,
    Show,
    explain,
    sentence,
    set_up_review_table,
)
from app.workbench import Workbench
from coding.codebook_apply import ApplyCodebookMerge
from coding.codebook_exchange import export_codebook
from coding.codebook_merge import DEFAULT_THRESHOLD, MergeReview, read_incoming, review_merge
from coding.codebooks import CodebookSpec
from coding.errors import UserError


class CodebookDialog(QDialog):
    """Export this project's codebook, or bring in another one code by code."""

    def __init__(self, workbench: Workbench, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workbench = workbench
        self.incoming: CodebookSpec | None = None
        self.outcome = ""  # what applying did, for the main window's status bar
        self.setWindowTitle("Codebook")
        self.resize(1320, 720)
        self.model = MergeReviewModel()
        self.proxy = ReviewFilterModel(self.model)
        self.table = QTableView()
        self.summary_label = QLabel()
        self.details = QTextBrowser()
        self.details.setMaximumHeight(110)
        self.details.document().setDefaultStyleSheet("p { margin: 0 0 6px 0; }")
        self.details.setPlaceholderText("Select a row to see what applying does with it.")
        self._rematch_timer = QTimer(self)
        self._rematch_timer.setSingleShot(True)
        self._rematch_timer.setInterval(REMATCH_DELAY_MS)

        layout = QVBoxLayout(self)
        layout.addWidget(self._intro())
        layout.addLayout(self._source_row())
        layout.addWidget(self._warnings_line())
        layout.addLayout(self._filter_row())
        layout.addWidget(self._review_table(), 1)
        layout.addWidget(self.details)
        layout.addWidget(self.summary_label)
        layout.addLayout(self._button_row())
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Return commits a cell's edit, never the whole merge
        self._connect()
        self._update_review_state()
        self.import_button.setFocus()

    def _intro(self) -> QLabel:
        intro = QLabel(
            "<b>Export</b> saves this project's codebook as a REFI-QDA .qdc file, which NVivo, "
            "MAXQDA and ATLAS.ti can import.<br><b>Import or merge</b> reads a .qdc codebook, "
            "a .qdpx project or another Tillit project and proposes, code by code, which codes "
            "are the same as yours. Nothing changes until you apply the merge."
        )
        intro.setWordWrap(True)
        return intro

    def _source_row(self) -> QHBoxLayout:
        self.export_button = QPushButton("&Export…")
        self.export_button.setToolTip("Save this project's codebook as a .qdc file")
        self.import_button = QPushButton("&Import or merge…")
        self.import_button.setToolTip("Choose a .qdc, .qdpx or .tillit file to bring codes in")
        self.source_label = QLabel("No codebook chosen to import or merge.")
        self.source_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        row.addWidget(self.source_label, 1)
        return row

    def _warnings_line(self) -> QLabel:
        """How the incoming file was read, where that may change what the lead sees (another
        namespace, code groups left out); hidden when there is nothing to say."""
        self.warnings_label = QLabel()
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setTextFormat(Qt.TextFormat.RichText)
        self.warnings_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings_label.hide()
        return self.warnings_label

    def _filter_row(self) -> QHBoxLayout:
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by incoming code or target…")
        self.filter_edit.setClearButtonEnabled(True)
        self.show_combo = QComboBox()
        for show in Show:
            self.show_combo.addItem(show.value, show)
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(0, 100)
        self.threshold_slider.setValue(round(DEFAULT_THRESHOLD))
        self.threshold_slider.setMinimumWidth(180)
        self.threshold_slider.setToolTip(
            "How similar two names must be (0–100) to be proposed as the same code. "
            "Your own choices in the table are kept when you move it."
        )
        self.threshold_label = QLabel(str(self.threshold_slider.value()))
        self.threshold_label.setMinimumWidth(28)
        row = QHBoxLayout()
        row.addWidget(self.filter_edit, 2)
        row.addWidget(QLabel("Show:"))
        row.addWidget(self.show_combo)
        row.addSpacing(24)
        row.addWidget(QLabel("Similarity needed for a match:"))
        row.addWidget(self.threshold_slider, 1)
        row.addWidget(self.threshold_label)
        return row

    def _review_table(self) -> QTableView:
        set_up_review_table(self.table, self.model, self.proxy)
        return self.table

    def _button_row(self) -> QHBoxLayout:
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.apply_button = QPushButton("&Apply merge")
        self.apply_button.setToolTip("Change the codebook as the table shows, as one undoable step")
        self.close_button = QPushButton("Close")
        row = QHBoxLayout()
        row.addWidget(self.status_label, 1)
        row.addWidget(self.apply_button)
        row.addWidget(self.close_button)
        return row

    def _connect(self) -> None:
        self._rematch_timer.timeout.connect(self.rematch)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.filter_edit.textChanged.connect(self.proxy.set_needle)
        self.show_combo.currentIndexChanged.connect(self._on_show_combo_current_index_changed)
        self.threshold_slider.valueChanged.connect(self._on_threshold_slider_value_changed)
        self.model.dataChanged.connect(self._update_review_state)
        self.model.modelReset.connect(self._update_review_state)
        self.table.selectionModel().currentRowChanged.connect(self._update_details)

    @property
    def review(self) -> MergeReview | None:
        return self.model.review

    # --- export ---------------------------------------------------------------------------

    def _on_export_button_clicked(self) -> None:
        project = self.workbench.project
        suggested = str(project.path.with_name(f"{project.path.stem} codebook.qdc"))
        name, _ = QFileDialog.getSaveFileName(self, "Export codebook", suggested, QDC_FILTER)
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        if path.suffix.lower() != ".qdc":
            path = path.with_name(path.name + ".qdc")
        try:
            count = export_codebook(self.workbench.project, path)
        except UserError as exc:
            QMessageBox.warning(self, "Export codebook", str(exc))
            return
        self.status_label.setText(f"Wrote {count} codes to {path}")

    # --- import or merge ------------------------------------------------------------------

    def _on_import_button_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import or merge a codebook", "", SOURCE_FILTER)
        if name:
            self.open_codebook(Path(name))

    def open_codebook(self, path: Path) -> bool:
        """Read ``path`` and show how it merges; a file that cannot be read is explained."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            incoming = read_incoming(self.workbench.project, path)
            review = review_merge(self.workbench.project, incoming, self._threshold())
        except UserError as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Import or merge a codebook", str(exc))
            return False
        QApplication.restoreOverrideCursor()
        self.incoming = incoming
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.model.set_review(review)
        codes = incoming.count()
        self.source_label.setText(
            f"<b>{escape(incoming.name)}</b>: {codes} code{'s' if codes != 1 else ''} "
            f"to bring into this project"
        )
        self.source_label.setToolTip(str(path))
        self.status_label.setText(
            "Double-click an Action or Target to change a row; nothing changes until you apply."
            if codes
            else f"“{path.name}” holds no codes."
        )
        return True

    def _on_threshold_slider_value_changed(self, value: int) -> None:
        self.threshold_label.setText(str(value))
        if self.incoming is not None:
            self._rematch_timer.start()

    def rematch(self) -> None:
        """Match the incoming codebook again at the slider's threshold, keeping the choices."""
        self._rematch_timer.stop()
        if self.incoming is None:
            return
        try:
            review = review_merge(self.workbench.project, self.incoming, self._threshold())
        except UserError as exc:
            QMessageBox.warning(self, "Import or merge a codebook", str(exc))
            return
        self.model.replace_review(review)

    def _threshold(self) -> float:
        return float(self.threshold_slider.value())

    def _on_show_combo_current_index_changed(self, _index: int) -> None:
        self.proxy.set_show(Show(self.show_combo.currentData()))

    def _update_details(self) -> None:
        current = self.proxy.mapToSource(self.table.currentIndex())
        review = self.review
        if review is None or not current.isValid():
            self.details.clear()
            return
        self.details.setHtml(explain(self.model.record_at(current.row()), review))

    def _update_review_state(self) -> None:
        self._update_details()
        review = self.review
        loaded = review is not None and bool(review.rows)
        for widget in (self.filter_edit, self.show_combo, self.table):
            widget.setEnabled(loaded)
        self.threshold_slider.setEnabled(loaded and review is not None and bool(review.codes))
        self.apply_button.setEnabled(loaded)
        self.close_button.setText("Cancel" if loaded else "Close")
        self._show_warnings(review.warnings if review is not None else [])
        if review is None:
            self.summary_label.setText("")
            return
        self.apply_button.setText("&Apply merge" if review.codes else "&Import codes")
        self.summary_label.setText(f"{sentence(review.summary())}.")

    def _show_warnings(self, warnings: list[str]) -> None:
        self.warnings_label.setText(
            "<br>".join(f"⚠ {escape(warning, quote=False)}" for warning in warnings)
        )
        self.warnings_label.setVisible(bool(warnings))

    # --- applying -------------------------------------------------------------------------

    def _on_apply_button_clicked(self) -> None:
        review = self.review
        if review is None:
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            applied = self.workbench.run(ApplyCodebookMerge(self.workbench.project, review))
        finally:
            QApplication.restoreOverrideCursor()
        if not applied:
            return
        self.outcome = (
            f"Merged the codebook “{review.source}”: {review.summary()}. "
            "Edit ▸ Undo takes the whole merge back."
        )
        self.incoming = None
        self.model.set_review(None)
        self.accept()
