"""File → Import REFI-QDA project… and Export REFI-QDA project…: whole projects to and from NVivo,
ATLAS.ti, MAXQDA and QualCoder (``.qdpx``), on a worker thread with a progress dialog that can
cancel, ending with the import's report (how each document's positions were read and how sure
that is, how the codings were placed, the codings that could not be placed one by one) or the
export's warnings."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.background import BackgroundTask, Progress
from app.record_table import R, RecordTableModel
from app.workbench import Workbench
from coding.errors import ExportCancelledError, UserError
from coding.importing import ImportCancelledError
from coding.refi_export import ExportResult, export_project
from coding.refi_import import ImportReport, ReadingEvidence, UnplacedCoding, import_project

QDPX_FILTER = "REFI-QDA projects (*.qdpx)"
PROJECT_FILTER = "Tillit projects (*.tillit)"
TITLE_IMPORT = "Import REFI-QDA project"
TITLE_EXPORT = "Export REFI-QDA project"


def import_qdpx(
    parent: QWidget,
    open_project: Callable[[Path], None] | None = None,
    *,
    source: Path | None = None,
    target: Path | None = None,
) -> RefiImportRunner | None:
    """Make a new project of a ``.qdpx`` file, asking for the file and the new project's name
    where they are not given; ``open_project`` is offered with the report when it is done.

    Returns the running import (``None`` when the researcher chose no file).
    """
    if source is None:
        name, _ = QFileDialog.getOpenFileName(parent, TITLE_IMPORT, "", QDPX_FILTER)
        if not name:
            return None
        source = Path(name)
    if target is None:
        suggested = source.with_suffix(".tillit")
        name, _ = QFileDialog.getSaveFileName(
            parent, "Save the new project as", str(suggested), PROJECT_FILTER
        )
        if not name:
            return None
        target = Path(name)
    runner = RefiImportRunner(parent, source, target, open_project)
    runner.start()
    return runner


def export_qdpx(
    workbench: Workbench, parent: QWidget | None = None, *, target: Path | None = None
) -> RefiExportRunner | None:
    """Export the open project to a ``.qdpx`` file, asking where unless ``target`` is given;
    the warnings of what the format cannot carry are shown at the end.

    Returns the running export (``None`` when the researcher chose no file).
    """
    owner = parent or workbench.window
    if target is None:
        project_path = workbench.project.path
        name, _ = QFileDialog.getSaveFileName(
            owner, TITLE_EXPORT, str(project_path.with_suffix(".qdpx")), QDPX_FILTER
        )
        if not name:
            return None
        target = Path(name)
        if target.suffix.lower() != ".qdpx":
            target = target.with_name(target.name + ".qdpx")
    runner = RefiExportRunner(workbench, owner, target)
    runner.start()
    return runner


class _Runner(QObject):
    """Runs one import or export on a worker thread behind a cancellable progress dialog."""

    finished = Signal(bool)  # True when the work was done

    def __init__(self, parent: QWidget, title: str) -> None:
        super().__init__(parent)
        self._parent = parent
        self.title = title
        self.progress = QProgressDialog("Starting…", "Cancel", 0, 1, parent)
        self.progress.setWindowTitle(title)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.task = BackgroundTask(self._work)
        self.task.signals.progressed.connect(self._on_task_progressed)
        self.task.signals.finished.connect(self._on_task_finished)
        self.task.signals.failed.connect(self._on_task_failed)
        self.progress.canceled.connect(self.task.cancel)

    def start(self) -> None:
        self.task.start()

    def _work(self, progress: Progress) -> object:
        raise NotImplementedError

    def _done(self, result: object) -> None:
        raise NotImplementedError

    def _on_task_progressed(self, done: int, total: int, label: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(min(done, max(total, 1) - 1))
        if label:
            self.progress.setLabelText(f"{label}…")

    def _on_task_finished(self, result: object) -> None:
        self._close_progress()
        self._done(result)
        self.finished.emit(True)

    def _on_task_failed(self, error: BaseException) -> None:
        self._close_progress()
        if isinstance(error, ImportCancelledError | ExportCancelledError):
            pass  # the researcher asked for it; nothing was made
        elif isinstance(error, UserError):
            QMessageBox.warning(self._parent, self.title, str(error))
        else:
            sys.excepthook(type(error), error, error.__traceback__)
        self.finished.emit(False)

    def _close_progress(self) -> None:
        self.progress.reset()  # stops the timer that would show it after its minimum duration
        self.progress.close()


class RefiImportRunner(_Runner):
    """Imports a ``.qdpx`` into a new project, then shows the :class:`ImportReportDialog`."""

    def __init__(
        self,
        parent: QWidget,
        source: Path,
        target: Path,
        open_project: Callable[[Path], None] | None,
    ) -> None:
        self._source, self._target = source, target
        self._open_project = open_project
        self.report: ImportReport | None = None
        self.dialog: ImportReportDialog | None = None
        super().__init__(parent, TITLE_IMPORT)
        self.progress.setLabelText(f"Reading “{source.name}”…")

    @override
    def _work(self, progress: Progress) -> object:
        return import_project(self._source, self._target, progress=progress)

    @override
    def _done(self, result: object) -> None:
        assert isinstance(result, ImportReport)
        self.report = result
        self.dialog = ImportReportDialog(
            result, self._parent, can_open=self._open_project is not None
        )
        self.dialog.accepted.connect(self._on_dialog_accepted)
        self.dialog.open()

    def _on_dialog_accepted(self) -> None:
        if self._open_project is not None and self.report is not None:
            try:
                self._open_project(self.report.project_path)
            except UserError as exc:
                QMessageBox.warning(self._parent, TITLE_IMPORT, str(exc))


class RefiExportRunner(_Runner):
    """Exports the open project to a ``.qdpx``, then says what was written and what not."""

    def __init__(self, workbench: Workbench, parent: QWidget, target: Path) -> None:
        self._project = workbench.project
        self._target = target
        self.result: ExportResult | None = None
        self.message: QMessageBox | None = None
        super().__init__(parent, TITLE_EXPORT)
        self.progress.setLabelText("Reading the project…")

    @override
    def _work(self, progress: Progress) -> object:
        return export_project(self._project, self._target, progress)

    @override
    def _done(self, result: object) -> None:
        assert isinstance(result, ExportResult)
        self.result = result
        box = QMessageBox(self._parent)
        box.setWindowTitle(TITLE_EXPORT)
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(f"“{self._target.name}” is written: {result.summary()}.")
        if result.warnings:
            box.setIcon(QMessageBox.Icon.Warning)
            box.setInformativeText(
                "What the REFI-QDA format cannot carry:\n\n• " + "\n\n• ".join(result.warnings)
            )
        else:
            box.setInformativeText(str(self._target.parent))
        self.message = box
        box.open()


class _CellsModel(RecordTableModel[R]):
    """A table of the report's records; ``cells`` gives a row's text, shown and as tooltip."""

    def __init__(self, rows: list[R]) -> None:
        super().__init__()
        self._rows = list(rows)

    def cells(self, row: R) -> tuple[str, ...]:
        raise NotImplementedError

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        return self.cells(self._rows[index.row()])[index.column()]


class UnplacedModel(_CellsModel[UnplacedCoding]):
    """The codings an import could not place, one row each."""

    headers = ("Document", "Code", "Coder", "Position", "Text in the file", "Why")

    @override
    def cells(self, row: UnplacedCoding) -> tuple[str, ...]:
        return _cells(row)


def _cells(item: UnplacedCoding) -> tuple[str, ...]:
    where = f"{item.start}–{item.end}" if item.start is not None else "—"
    return (item.document, item.code, item.coder, where, item.text, item.reason)


class ReadingModel(_CellsModel[ReadingEvidence]):
    """How the import read each document's positions, one row each."""

    headers = ("Document", "Positions counted as", "Evidence", "How sure")

    @override
    def cells(self, row: ReadingEvidence) -> tuple[str, ...]:
        return (row.document, row.describe(), row.evidence(), row.how_sure())


class ImportReportDialog(QDialog):
    """What an import brought in, how it read each document's positions and how sure it is,
    how it placed the codings, the warnings, and every coding it could not place."""

    def __init__(
        self, report: ImportReport, parent: QWidget | None = None, *, can_open: bool = True
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE_IMPORT)
        self.resize(900, 560 if report.unplaced or report.sources else 320)
        self.report = report
        note = report.position_note()
        self.summary = QLabel(
            f"<p><b>The new project “{_html(report.project_path.name)}” is ready.</b></p>"
            f"<p>{_html(report.counts_line())}</p><p>{_html(report.codings_line())}</p>"
            + (f"<p>{_html(note)}</p>" if note else "")
            + (f"<p>Please note:</p>{_bullets(report.warnings)}" if report.warnings else "")
        )
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        self.readings_model = ReadingModel(report.sources)
        self.readings = _table(self.readings_model, widest=420)
        if report.sources:
            layout.addWidget(QLabel("How the positions in each document were read:"))
            layout.addWidget(self.readings, 1)
        else:
            self.readings.hide()
        self.model = UnplacedModel(report.unplaced)
        self.table = _table(self.model)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.copy_button = QPushButton("Copy the list")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        if report.unplaced:
            layout.addWidget(
                QLabel(
                    "Codings that could not be placed, kept here so that you can code them again:"
                )
            )
            layout.addWidget(self.table, 1)
            buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        else:
            self.table.hide()
            if not report.sources:
                layout.addStretch(1)
        self.open_button = QPushButton("Open the project")
        self.open_button.setDefault(True)
        if can_open:
            buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
            buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def list_text(self) -> str:
        """The unplaced codings as tab-separated lines with a header, for a spreadsheet."""
        rows = [UnplacedModel.headers, *(_cells(item) for item in self.report.unplaced)]
        return "\n".join("\t".join(cell.replace("\t", " ") for cell in row) for row in rows)

    def _on_copy_button_clicked(self) -> None:
        QApplication.clipboard().setText(self.list_text())


def _table(model: RecordTableModel[Any], widest: int = 220) -> QTableView:
    """A read-only table of ``model``, its columns as wide as their contents up to ``widest``."""
    table = QTableView()
    table.setModel(model)
    table.setWordWrap(False)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    table.resizeColumnsToContents()
    for column in range(model.columnCount()):
        table.setColumnWidth(column, min(table.columnWidth(column), widest))
    return table


def _bullets(lines: list[str]) -> str:
    return f"<ul>{''.join(f'<li>{_html(line)}</li>' for line in lines)}</ul>" if lines else ""


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
