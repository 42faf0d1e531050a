"""The codebook fields of the current code, edited in place and saved as one command."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.workbench import Workbench
from coding import queries
from coding.changes import Changes
from coding.codebook import EditCode
from coding.project import code_paths
from coding.records import CodeRecord

#: (field, label, tooltip, lines shown) of the text fields after the second-language name.
_TEXT_FIELDS = (
    ("brief_definition", "Brief definition", "A few words that recall the code", 2),
    ("full_definition", "Full definition", "What the code means, in full", 4),
    ("when_to_use", "When to use", "The passages the code is meant for", 3),
    ("when_not_to_use", "When not to use", "Passages that look alike but belong elsewhere", 3),
    ("example", "Example", "A passage that shows the code at work", 3),
)
_NO_CODE = "Choose a code to read and edit its definition."


class FieldEdit(QPlainTextEdit):
    """A plain text field that says when the researcher leaves it."""

    editing_finished = Signal()

    def __init__(self, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        height = self.fontMetrics().lineSpacing() * lines
        self.setMinimumHeight(height + 2 * self.frameWidth() + 8)
        self.setSizeAdjustPolicy(QPlainTextEdit.SizeAdjustPolicy.AdjustToContents)

    @override
    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editing_finished.emit()


class DefinitionPanel(QWidget):
    """Name, second-language name, the parts of a team codebook, and whether it is codable.

    Edits are saved when a field is left (not per keystroke), all changed fields together as
    one :class:`EditCode`; undo and redo show up here because ``refresh`` re-reads the code.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._code: CodeRecord | None = None
        self.path_label = QLabel()
        self.path_label.setStyleSheet("color: palette(placeholder-text);")
        self.path_label.setWordWrap(True)
        self.name_label = QLabel(_NO_CODE)
        self.name_label.setWordWrap(True)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.name_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.name_label.setFont(font)
        self.alt_name_edit = QLineEdit()
        self.alt_name_edit.setPlaceholderText("e.g. the English name beside the Norwegian")
        self.fields: dict[str, QLineEdit | FieldEdit] = {"alt_name": self.alt_name_edit}
        self.codable_check = QCheckBox("Codable: can be applied to passages")
        self.codable_check.setToolTip("Untick to make the code a folder that only groups codes")

        body = QWidget()
        form = QVBoxLayout(body)
        form.setSpacing(3)
        form.addWidget(self.path_label)
        form.addWidget(self.name_label)
        self._add_field(form, "Second-language name", self.alt_name_edit)
        for name, label, tip, lines in _TEXT_FIELDS:
            edit = FieldEdit(lines)
            edit.setToolTip(tip)
            edit.setPlaceholderText(tip)
            self.fields[name] = edit
            self._add_field(form, label, edit)
        form.addSpacing(4)
        form.addWidget(self.codable_check)
        form.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self.alt_name_edit.editingFinished.connect(self._on_field_editing_finished)
        for field in self.fields.values():
            if isinstance(field, FieldEdit):
                field.editing_finished.connect(self._on_field_editing_finished)
        self.codable_check.clicked.connect(self._on_codable_check_clicked)
        self._show(None)

    def set_workbench(self, workbench: Workbench | None) -> None:
        self.save()
        self._workbench = workbench
        self._show(None)

    def show_code(self, code_id: int | None) -> None:
        """Show ``code_id``'s fields (saving pending edits of the code shown before)."""
        self.save()
        self._show(self._read(code_id))

    def code_id(self) -> int | None:
        return self._code.id if self._code is not None else None

    def refresh(self, changes: Changes) -> None:
        """Re-read the code after an edit, undo or redo that touched it."""
        if self._code is None or not (changes.code_tree or self._code.id in changes.codes):
            return
        fresh = self._read(self._code.id)
        if fresh is None:
            self._show(None)
            return
        record, path = fresh
        for name, edit in self.fields.items():
            # A field whose text differs from what was stored is being edited: leave it.
            if _text(edit) == getattr(self._code, name) != getattr(record, name):
                _set_text(edit, getattr(record, name))
        self._code = record
        self._show_heading(record, path)
        self.codable_check.setChecked(record.codable)

    def save(self) -> bool:
        """Save the fields that differ from the stored code, as one EditCode; True if saved."""
        if self._code is None or self._workbench is None:
            return False
        values: dict[str, Any] = {
            name: _text(edit)
            for name, edit in self.fields.items()
            if _text(edit) != getattr(self._code, name)
        }
        if not values:
            return False
        return self._workbench.run(EditCode(self._workbench.project, self._code.id, values=values))

    def _on_field_editing_finished(self) -> None:
        self.save()

    def _on_codable_check_clicked(self, checked: bool) -> None:
        if self._code is None or self._workbench is None or checked == self._code.codable:
            return
        command = EditCode(self._workbench.project, self._code.id, values={"codable": checked})
        if not self._workbench.run(command):
            self.codable_check.setChecked(self._code.codable)

    def _read(self, code_id: int | None) -> tuple[CodeRecord, str] | None:
        """The code and its path, or None when there is none (any more)."""
        if code_id is None or self._workbench is None:
            return None
        codes = queries.codes(self._workbench.project)
        code = next((c for c in codes if c.id == code_id), None)
        return None if code is None else (code, code_paths(codes)[code.id])

    def _show(self, shown: tuple[CodeRecord, str] | None) -> None:
        code, path = shown if shown is not None else (None, "")
        self._code = code
        for name, edit in self.fields.items():
            _set_text(edit, getattr(code, name) if code is not None else "")
            edit.setEnabled(code is not None)
        self.codable_check.setChecked(code.codable if code is not None else False)
        self.codable_check.setEnabled(code is not None)
        self._show_heading(code, path)

    def _show_heading(self, code: CodeRecord | None, path: str) -> None:
        if code is None:
            self.name_label.setText(_NO_CODE)
            self.path_label.clear()
            self.path_label.hide()
            return
        self.name_label.setText(code.name)
        parent = path.rpartition("/")[0]
        self.path_label.setText(parent.replace("/", " › "))
        self.path_label.setVisible(bool(parent))

    @staticmethod
    def _add_field(form: QVBoxLayout, label: str, edit: QWidget) -> None:
        caption = QLabel(label)
        caption.setBuddy(edit)
        form.addSpacing(4)
        form.addWidget(caption)
        form.addWidget(edit)


def _text(edit: QLineEdit | FieldEdit) -> str:
    return edit.text() if isinstance(edit, QLineEdit) else edit.toPlainText()


def _set_text(edit: QLineEdit | FieldEdit, text: str) -> None:
    if _text(edit) == text:
        return  # keeps the cursor and the undo history of the field
    if isinstance(edit, QLineEdit):
        edit.setText(text)
    else:
        edit.setPlainText(text)
