"""Dialogs of the code tree: a filterable code chooser, names, colours and confirmations.

The panel calls the functions here through the module (``dialogs.confirm(...)``), so that
tests can replace them with ``monkeypatch.setattr(dialogs, "confirm", ...)``.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.code_tree.swatch import swatch_icon
from coding.folding import fold
from coding.queries import CodeNode, walk

_CODE_ID = Qt.ItemDataRole.UserRole + 1
_FOLDED = Qt.ItemDataRole.UserRole + 2
_PATH_SEPARATOR = " › "


class CodeChooserDialog(QDialog):
    """Choose one code from a list of paths that narrows as you type; keyboard only works.

    Type to filter (every word must occur in the path, ignoring case and diacritics), move
    with Up and Down, and press Enter. Tests drive it without ``exec()``: ``set_filter``,
    ``select_code``, then ``chosen_code_id`` (or ``accept()``).
    """

    def __init__(
        self,
        roots: list[CodeNode],
        title: str,
        parent: QWidget | None = None,
        *,
        codable_only: bool = True,
        exclude: Iterable[int] = (),
        current: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(460, 420)
        excluded = set(exclude)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Type part of a code's name…")
        self.filter_edit.setClearButtonEnabled(True)
        self.code_list = QListWidget()
        self.code_list.setUniformItemSizes(True)
        for node in walk(roots):
            if node.code.id in excluded or (codable_only and not node.code.codable):
                continue
            item = QListWidgetItem(node.path.replace("/", _PATH_SEPARATOR))
            item.setIcon(swatch_icon(node.code.color, node.code.codable))
            item.setData(_CODE_ID, node.code.id)
            item.setData(_FOLDED, fold(f"{node.path} {node.code.alt_name}"))
            if node.code.brief_definition:
                item.setToolTip(node.code.brief_definition)
            self.code_list.addItem(item)
        self._empty = QLabel("No code matches.")
        self._empty.setStyleSheet("color: palette(mid);")
        self._empty.hide()
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._buttons.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)  # Enter
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(title + ":"))
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.code_list, 1)
        layout.addWidget(self._empty)
        layout.addWidget(self._buttons)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.code_list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.code_list.itemDoubleClicked.connect(self._on_list_item_double_clicked)
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        self.filter_edit.setFocus()
        if current is None or not self.select_code(current):
            self._select_first_visible()
        self._on_list_current_item_changed()

    def set_filter(self, text: str) -> None:
        self.filter_edit.setText(text)

    def select_code(self, code_id: int) -> bool:
        """Make ``code_id`` the chosen code; False when it is not in the list."""
        for row in range(self.code_list.count()):
            item = self.code_list.item(row)
            if item.data(_CODE_ID) == code_id and not item.isHidden():
                self.code_list.setCurrentItem(item)
                return True
        return False

    def chosen_code_id(self) -> int | None:
        item = self.code_list.currentItem()
        if item is None or item.isHidden():
            return None
        return int(item.data(_CODE_ID))

    def visible_paths(self) -> list[str]:
        """The paths the filter leaves, as shown."""
        items = (self.code_list.item(row) for row in range(self.code_list.count()))
        return [item.text() for item in items if not item.isHidden()]

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Up and Down move through the list while the focus stays in the filter box.
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            QApplication.sendEvent(self.code_list, event)
            return
        super().keyPressEvent(event)

    def _on_filter_edit_text_changed(self, text: str) -> None:
        words = fold(text).split()
        shown = 0
        for row in range(self.code_list.count()):
            item = self.code_list.item(row)
            folded = str(item.data(_FOLDED))
            hidden = not all(word in folded for word in words)
            item.setHidden(hidden)
            shown += not hidden
        self._empty.setVisible(shown == 0)
        current = self.code_list.currentItem()
        if current is None or current.isHidden():
            self._select_first_visible()
        self._on_list_current_item_changed()

    def _on_list_current_item_changed(self, *_: object) -> None:
        ok = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.chosen_code_id() is not None)

    def _on_list_item_double_clicked(self, item: QListWidgetItem) -> None:
        self.code_list.setCurrentItem(item)
        self.accept()

    def _select_first_visible(self) -> None:
        for row in range(self.code_list.count()):
            if not self.code_list.item(row).isHidden():
                self.code_list.setCurrentRow(row)
                return
        self.code_list.setCurrentRow(-1)


def confirm(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    """Ask before a destructive edit; ``action`` names the button that goes ahead."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(go)
    box.exec()
    return box.clickedButton() is go


def ask_name(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """A name typed by the researcher, or None when cancelled or left empty."""
    name, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return name.strip() if ok and name.strip() else None


def choose_color(parent: QWidget | None, initial: str, title: str) -> str | None:
    """A colour as ``#rrggbb``, or None when cancelled."""
    color = QColorDialog.getColor(QColor(initial), parent, title)
    return color.name() if color.isValid() else None
