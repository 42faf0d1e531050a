"""File → Save a copy for a coder…: where the copy goes and whose codings it credits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coding import queries
from coding.errors import UserError
from coding.project import Project, copy_project

_TITLE = "Save a copy for a coder"
_FILTER = "Tillit projects (*.tillit)"


def save_copy_for_coder(project: Project, parent: QWidget) -> Path | None:
    """Ask for the copy's file and coder, then write the copy; returns its path, or ``None``
    when the researcher cancels or the copy cannot be made (a dialog says why)."""
    dialog = CopyDialog(project, parent)
    try:
        while dialog.exec() == QDialog.DialogCode.Accepted:
            made = dialog.save()
            if made is not None:
                return made
        return None
    finally:
        dialog.deleteLater()


class CopyDialog(QDialog):
    """The copy's destination and coder. Tests drive it without ``exec()``: ``set_target``,
    ``set_coder``, then ``save()``."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_TITLE)
        self._project = project
        explanation = QLabel(
            "The copy holds everything saved so far, with the same documents, so that "
            "Team → Merge coders' projects… brings the coder's work back later. New codings "
            "in the copy are credited to the coder named here."
        )
        explanation.setWordWrap(True)
        self._target = QLineEdit(str(_proposed_target(project.path)))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        where = QHBoxLayout()
        where.addWidget(self._target, 1)
        where.addWidget(browse)
        self._coder = QComboBox()
        self._coder.setEditable(True)
        self._coder.addItems([coder.name for coder in queries.coders(project)])
        self._coder.setCurrentText("")
        line_edit = self._coder.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText("The coder's name")
        form = QFormLayout()
        form.addRow("Save the copy as:", where)
        form.addRow("Coder:", self._coder)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def set_target(self, path: Path) -> None:
        self._target.setText(str(path))

    def set_coder(self, name: str) -> None:
        self._coder.setCurrentText(name)

    def save(self) -> Path | None:
        """Write the copy; explain in a dialog why it cannot be made and return ``None``."""
        target, coder = self._target.text().strip(), self._coder.currentText().strip()
        if not target:
            QMessageBox.warning(self, _TITLE, "Choose where to save the copy.")
            return None
        if not coder:
            QMessageBox.warning(self, _TITLE, "Name the coder who will work in the copy.")
            return None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return copy_project(self._project.path, Path(target), coder=coder)
        except UserError as exc:
            QMessageBox.warning(self, _TITLE, str(exc))
            return None
        finally:
            QApplication.restoreOverrideCursor()

    def _on_browse_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, _TITLE, self._target.text(), _FILTER)
        if name:
            self._target.setText(name)


def _proposed_target(path: Path) -> Path:
    """A free name beside the project: ``studie (copy).tillit``, then ``(copy 2)``…"""
    candidate = path.with_name(f"{path.stem} (copy){path.suffix}")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} (copy {number}){path.suffix}")
        number += 1
    return candidate
