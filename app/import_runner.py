"""Importing transcripts on a worker thread, with a cancellable progress dialog."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from app.background import BackgroundTask, Progress
from app.undo import push_done
from app.workbench import Workbench
from coding.changes import Changes
from coding.errors import ImportBatchError, UserError
from coding.importing import ImportCancelledError, ImportDocuments


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
        self.finished.emit(True)

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
