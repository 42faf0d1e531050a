"""Importing transcripts on a worker thread, with a cancellable progress dialog; what came in is
said in the status bar, and what the files said about how they were read in a box beside it."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox, QProgressDialog, QWidget

from app.background import BackgroundTask, Progress
from app.undo import push_done
from app.workbench import Workbench
from coding.changes import Changes
from coding.errors import ImportBatchError, UserError
from coding.importing import ImportCancelledError, ImportDocuments

#: The most warnings listed in the box itself; all of them are under "Show Details…".
SHOWN_WARNINGS = 8
#: How long the status bar keeps what an import did (milliseconds).
STATUS_MS = 10000


class ImportRunner(QObject):
    """Imports one batch of files; the project is unchanged unless every file could be read."""

    finished = Signal(bool)  # True when the documents were imported

    def __init__(self, workbench: Workbench, paths: list[Path]) -> None:
        super().__init__(workbench.window)
        self._workbench = workbench
        self._command = ImportDocuments(workbench.project, paths)
        self._dialog = QProgressDialog(
            "Reading the files…", "Cancel", 0, len(paths), workbench.window
        )
        self._dialog.setWindowTitle("Import documents")
        self._dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self._dialog.setMinimumDuration(300)
        self._dialog.setAutoClose(False)
        self._dialog.setAutoReset(False)
        self._task = BackgroundTask(self._work)
        self._task.signals.progressed.connect(self._on_task_progressed)
        self._task.signals.finished.connect(self._on_task_finished)
        self._task.signals.failed.connect(self._on_task_failed)
        self._dialog.canceled.connect(self._task.cancel)

    @property
    def command(self) -> ImportDocuments:
        return self._command

    def start(self) -> None:
        self._task.start()

    def _work(self, progress: Progress) -> Changes:
        self._command.progress = progress
        return self._command.do()

    def _on_task_progressed(self, done: int, total: int, name: str) -> None:
        self._dialog.setValue(done)
        self._dialog.setLabelText(f"Reading “{name}”…" if name else "Saving to the project…")

    def _on_task_finished(self, changes: Changes) -> None:
        self._dialog.close()
        self._command.progress = None
        workbench = self._workbench
        push_done(self._command, changes, workbench.stack, workbench.events, workbench.window)
        self._tell_outcome()
        self.finished.emit(True)

    def _tell_outcome(self) -> None:
        """What came in, in the status bar; the readers' warnings in a box that does not block,
        since the documents are in and nothing waits for an answer."""
        window = self._workbench.window
        count = len(self._command.document_ids)
        warnings = self._command.warnings
        done = f"Imported {count} document{'s' if count != 1 else ''}."
        if warnings:
            status = f"{done} {_things(len(warnings))} to check: see the list."
        else:
            status = f"{done} Edit ▸ Undo takes {'them' if count != 1 else 'it'} back."
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(status, STATUS_MS)
        if warnings:
            warnings_box(window, done, warnings).open()

    def _on_task_failed(self, error: BaseException) -> None:
        self._dialog.close()
        self._command.progress = None
        window = self._workbench.window
        if isinstance(error, ImportCancelledError):
            pass  # the researcher asked for it; nothing was imported
        elif isinstance(error, ImportBatchError):
            box = QMessageBox(QMessageBox.Icon.Warning, "Import documents", "", parent=window)
            count = len(error.problems)
            box.setText(
                f"{count} file{'s' if count != 1 else ''} could not be imported, "
                "so nothing was imported."
            )
            box.setInformativeText("\n\n".join(error.problems))
            box.open()
        elif isinstance(error, UserError):
            QMessageBox.warning(window, "Import documents", str(error))
        else:
            sys.excepthook(type(error), error, error.__traceback__)
        self.finished.emit(False)


def warnings_box(parent: QWidget, done: str, warnings: list[str]) -> QMessageBox:
    """A box that lists what the files said about how they were read (the first
    :data:`SHOWN_WARNINGS`; every one under "Show Details…" when there are more)."""
    box = QMessageBox(QMessageBox.Icon.Information, "Import documents", "", parent=parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setText(f"{done} Please check {'these' if len(warnings) != 1 else 'this'}:")
    listed = "\n\n".join(f"• {warning}" for warning in warnings[:SHOWN_WARNINGS])
    if len(warnings) > SHOWN_WARNINGS:
        listed += f"\n\n… and {len(warnings) - SHOWN_WARNINGS:,} more (Show Details…)."
        box.setDetailedText("\n\n".join(warnings))
    box.setInformativeText(listed)
    return box


def _things(count: int) -> str:
    return f"{count:,} thing{'s' if count != 1 else ''}"
