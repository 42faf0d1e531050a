"""The memo editor: the memo of the current coding, code, document or the project."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.workbench import Workbench
from coding import queries
from coding.changes import Changes
from coding.codings import EditMemo
from coding.records import MemoTarget


class MemoPanel(QWidget):
    """Edits one memo; the text is saved (as one undoable edit) when the editor loses focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._target: MemoTarget | None = None
        self._describe = ""
        self._saved = ""
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Write a memo: what you notice, why you coded this, ideas.")
        self.editor.installEventFilter(self)
        self.save_button = QPushButton("Save memo")
        self.save_button.clicked.connect(self.save)
        self.project_button = QPushButton("Project memo")
        self.project_button.setToolTip("Show the memo on the whole project")
        self.project_button.clicked.connect(self._on_project_button_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.project_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.editor)
        layout.addLayout(buttons)
        self._show()

    def set_workbench(self, workbench: Workbench | None) -> None:
        self._workbench = workbench
        self._target = MemoTarget() if workbench is not None else None
        self._describe = "the project"
        self._load()

    def show_memo(self, target: MemoTarget, describe: str) -> None:
        """Edit the memo of ``target`` (saving the one being edited first)."""
        self.save()
        self._target = target
        self._describe = describe
        self._load()

    def target(self) -> MemoTarget | None:
        return self._target

    def save(self) -> None:
        """Save the memo if its text changed."""
        if self._workbench is None or self._target is None:
            return
        text = self.editor.toPlainText()
        if text == self._saved:
            return
        self._saved = text  # before run(): its change signal reloads this panel
        if not self._workbench.run(EditMemo(self._workbench.project, self._target, text)):
            self._saved = ""

    def refresh(self, changes: Changes) -> None:
        if changes.memos or changes.code_tree or changes.documents or changes.document_list:
            self._load()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.editor and event.type() == QEvent.Type.FocusOut:
            self.save()
        return super().eventFilter(watched, event)

    def _load(self) -> None:
        if self._workbench is None or self._target is None:
            self._saved = ""
            self.editor.setPlainText("")
            self._show()
            return
        try:
            memo = queries.memo(self._workbench.project, self._target)
        except LookupError:
            memo = None
        text = memo.text if memo is not None else ""
        if text != self.editor.toPlainText():
            self.editor.setPlainText(text)
        self._saved = text
        self._show()

    def _show(self) -> None:
        enabled = self._workbench is not None and self._target is not None
        self.setEnabled(enabled)
        self.title.setText(f"Memo on {self._describe}" if enabled else "No project is open.")

    def _on_project_button_clicked(self) -> None:
        self.show_memo(MemoTarget(), "the project")
