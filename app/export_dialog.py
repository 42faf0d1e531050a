"""File → Export…: coded excerpts, an annotated transcript or the codebook to Word, and the
codings as a table for Excel, SPSS, R or Stata.

The filters are those of the queries (documents, cases, attribute values, coders) plus the
codes; a line under them says how much will be written and follows every change. The export
runs on a worker thread with a progress dialog that can cancel it (no file is left then), and
ends with a choice to open the file.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.background import BackgroundTask
from app.query_filters import CheckListButton, FilterBar
from app.workbench import Workbench
from coding import queries
from coding.annotated import export_annotated
from coding.errors import UserError
from coding.reports import (
    ExportCancelledError,
    ReportOptions,
    count_excerpts,
    export_codebook_docx,
    export_excerpts,
)
from coding.retrieval import QueryFilter, filter_choices
from coding.tables import count_codings, export_codings_table

#: How long the options must stay still before the count under them is redone.
COUNT_DELAY_MS = 150


class ExportKind(Enum):
    EXCERPTS = ("Coded excerpts (Word)", ".docx", "Word documents (*.docx)")
    ANNOTATED = ("Annotated transcript (Word)", ".docx", "Word documents (*.docx)")
    CODEBOOK = ("Codebook (Word)", ".docx", "Word documents (*.docx)")
    XLSX = ("Codings table (Excel, SPSS)", ".xlsx", "Excel workbooks (*.xlsx)")
    CSV = ("Codings table (CSV: R, Stata)", ".csv", "CSV files (*.csv)")

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def suffix(self) -> str:
        return self.value[1]

    @property
    def file_filter(self) -> str:
        return self.value[2]


class ExportDialog(QDialog):
    """Choose what to export and how much of the project; then export it."""

    def __init__(
        self,
        workbench: Workbench,
        parent: QWidget | None = None,
        *,
        kind: ExportKind = ExportKind.EXCERPTS,
        document_id: int | None = None,
        code_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.resize(640, 360)
        self._workbench = workbench
        self._task: BackgroundTask | None = None
        self._progress: QProgressDialog | None = None
        self.written: Path | None = None
        self.outcome = ""
        project = workbench.project

        self.kind_combo = QComboBox()
        for each in ExportKind:
            self.kind_combo.addItem(each.label, each)
        self.codes = CheckListButton("Codes", "all")
        self.codes.set_items(
            [
                (node.code.id, node.path, node.path)
                for node in queries.walk(queries.code_tree(project))
            ]
        )
        if code_id is not None:
            self.codes.set_checked([code_id])
        self.with_subcodes = QCheckBox("with their subcodes")
        self.with_subcodes.setChecked(True)
        self.filters = FilterBar()
        self.filters.set_choices(filter_choices(project))
        self.document_combo = QComboBox()
        for summary in queries.documents(project):
            self.document_combo.addItem(summary.name, summary.id)
        if document_id is not None:
            self.document_combo.setCurrentIndex(self.document_combo.findData(document_id))
        self.context = QCheckBox("The sentence or speaker turn around each excerpt")
        self.summary_table = QCheckBox("A table of counts per code and document first")
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.export_button = QPushButton("Export…")
        self.export_button.setDefault(True)
        self.form = QFormLayout()
        self._codes_row = QHBoxLayout()
        self._lay_out()
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_DELAY_MS)
        self._connect()
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        self._show_rows()
        self.update_preview()

    def _lay_out(self) -> None:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        codes_row = self._codes_row
        codes_row.addWidget(self.codes)
        codes_row.addWidget(self.with_subcodes)
        codes_row.addStretch(1)
        self.form.addRow("Export", self.kind_combo)
        self.form.addRow("Document", self.document_combo)
        self.form.addRow("Include", codes_row)
        self.form.addRow("", self.filters)
        self.form.addRow("Add", self.context)
        self.form.addRow("", self.summary_table)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.preview)
        layout.addWidget(buttons)

    def _connect(self) -> None:
        self._count_timer.timeout.connect(self.update_preview)
        self.kind_combo.currentIndexChanged.connect(self._on_options_changed)
        self.document_combo.currentIndexChanged.connect(self._on_options_changed)
        self.codes.changed.connect(self._on_options_changed)
        self.with_subcodes.toggled.connect(self._on_options_changed)
        self.filters.changed.connect(self._on_options_changed)
        self.export_button.clicked.connect(self._on_export_button_clicked)

    # --- options ---------------------------------------------------------------------------

    def kind(self) -> ExportKind:
        return ExportKind(self.kind_combo.currentData())

    def code_ids(self) -> tuple[int, ...] | None:
        chosen = tuple(int(key) for key in self.codes.checked_keys())  # type: ignore[call-overload]
        return chosen or None

    def report_options(self) -> ReportOptions:
        return ReportOptions(
            code_ids=self.code_ids(),
            include_children=self.with_subcodes.isChecked(),
            filters=self.filters.filters(),
            context=self.context.isChecked(),
            summary_table=self.summary_table.isChecked(),
        )

    def update_preview(self) -> None:
        """Say how much the export will write, or why it cannot."""
        self._count_timer.stop()
        try:
            count = self._count()
        except UserError as exc:
            self.preview.setText(str(exc))
            self.export_button.setEnabled(False)
            return
        self.preview.setText(
            f"{_things(count, self.kind())} will be written."
            if count
            else f"There are no {_NOUNS[self.kind()][1]} to write with these choices."
        )
        self.export_button.setEnabled(count > 0)

    def _count(self) -> int:
        project, kind = self._workbench.project, self.kind()
        if kind is ExportKind.EXCERPTS:
            return count_excerpts(project, self.report_options())
        if kind is ExportKind.CODEBOOK:
            return len(queries.codes(project))
        where = self.filters.filters()
        if kind is ExportKind.ANNOTATED:
            document_id = self.document_combo.currentData()
            if document_id is None:
                return 0
            where = QueryFilter(document_ids=frozenset({document_id}))
        return count_codings(project, self.code_ids(), self.with_subcodes.isChecked(), where)

    def _show_rows(self) -> None:
        kind = self.kind()
        shown = {
            self.document_combo: kind is ExportKind.ANNOTATED,
            self.filters: kind in (ExportKind.EXCERPTS, ExportKind.XLSX, ExportKind.CSV),
            self.context: kind is ExportKind.EXCERPTS,
            self.summary_table: kind is ExportKind.EXCERPTS,
        }
        for widget, visible in shown.items():
            self.form.setRowVisible(widget, visible)
        self.form.setRowVisible(self._codes_row, kind is not ExportKind.CODEBOOK)

    def _on_options_changed(self, *_: object) -> None:
        self._show_rows()
        self._count_timer.start()

    # --- exporting -------------------------------------------------------------------------

    def export_to(self, path: Path) -> None:
        """Export to ``path`` on a worker thread, with a progress dialog that can cancel."""
        work = self._work(path)
        self._progress = QProgressDialog("Writing…", "Cancel", 0, 100, self)
        self._progress.setWindowTitle("Export")
        self._progress.setWindowModality(Qt.WindowModality.WindowModal)
        self._progress.setMinimumDuration(300)
        self._task = BackgroundTask(lambda progress: work(lambda d, t: progress(d, t, "")))
        self._task.signals.progressed.connect(self._on_task_progressed)
        self._task.signals.finished.connect(lambda count: self._on_task_finished(path, count))
        self._task.signals.failed.connect(self._on_task_failed)
        self._progress.canceled.connect(self._task.cancel)
        self.export_button.setEnabled(False)
        self._task.start()

    def _work(self, path: Path) -> Callable[[Callable[[int, int], bool]], int]:
        """What the worker thread does, with every option read now, on the GUI thread."""
        project, kind = self._workbench.project, self.kind()
        if kind is ExportKind.EXCERPTS:
            options = self.report_options()
            return lambda progress: export_excerpts(project, options, path, progress)
        if kind is ExportKind.CODEBOOK:
            return lambda _progress: export_codebook_docx(project, path)
        codes, children = self.code_ids(), self.with_subcodes.isChecked()
        if kind is ExportKind.ANNOTATED:
            document_id = int(self.document_combo.currentData())
            return lambda progress: export_annotated(
                project,
                document_id,
                path,
                code_ids=codes,
                include_children=children,
                progress=progress,
            )
        where = self.filters.filters()
        return lambda progress: export_codings_table(
            project,
            path,
            code_ids=codes,
            include_children=children,
            filters=where,
            progress=progress,
        )

    def _on_export_button_clicked(self) -> None:
        kind = self.kind()
        name, _ = QFileDialog.getSaveFileName(
            self, kind.label, str(self._suggested_path()), kind.file_filter
        )
        if name:
            path = Path(name)
            self.export_to(
                path if path.suffix.lower() == kind.suffix else path.with_suffix(kind.suffix)
            )

    def _suggested_path(self) -> Path:
        kind, project = self.kind(), self._workbench.project
        stem = {
            ExportKind.EXCERPTS: f"{project.path.stem} – coded excerpts",
            ExportKind.ANNOTATED: str(self.document_combo.currentText() or "transcript"),
            ExportKind.CODEBOOK: f"{project.path.stem} – codebook",
            ExportKind.XLSX: f"{project.path.stem} – codings",
            ExportKind.CSV: f"{project.path.stem} – codings",
        }[kind]
        return project.path.parent / (stem + kind.suffix)

    def _on_task_progressed(self, done: int, total: int, _label: str) -> None:
        if self._progress is not None:
            self._progress.setMaximum(max(total, 1))
            self._progress.setValue(min(done, max(total, 1) - 1))

    def _on_task_finished(self, path: Path, count: object) -> None:
        assert isinstance(count, int)
        self._close_progress()
        self.written = path
        self.outcome = f"“{path.name}” is written ({_things(count, self.kind())})."
        self.update_preview()
        self.offer_to_open(path)

    def offer_to_open(self, path: Path) -> None:
        """Say where the file is, with a button that opens it in its program."""
        box = QMessageBox(self)
        box.setWindowTitle("Export")
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(self.outcome)
        box.setInformativeText(str(path.parent))
        open_button = box.addButton("Open the file", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if box.clickedButton() is open_button:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _on_task_failed(self, error: object) -> None:
        self._close_progress()
        self.update_preview()
        if isinstance(error, ExportCancelledError):
            QMessageBox.information(
                self, "Export", "The export was cancelled; no file was written."
            )
        elif isinstance(error, UserError):
            QMessageBox.warning(self, "Export", str(error))
        else:
            raise error  # type: ignore[misc]  # a bug: the application's error hook shows it

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()
            self._progress = None


#: What each kind of export counts, in the singular and the plural.
_NOUNS = {
    ExportKind.EXCERPTS: ("excerpt", "excerpts"),
    ExportKind.ANNOTATED: ("comment", "comments"),
    ExportKind.CODEBOOK: ("code", "codes"),
    ExportKind.XLSX: ("coding", "codings"),
    ExportKind.CSV: ("coding", "codings"),
}


def _things(count: int, kind: ExportKind) -> str:
    one, many = _NOUNS[kind]
    return f"{count:,} {one if count == 1 else many}"
