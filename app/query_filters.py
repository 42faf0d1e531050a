"""The filters of coding queries and matrices: documents, cases, attribute values, coders."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from coding.folding import fold
from coding.retrieval import AttributeValue, FilterChoices, QueryFilter, value_label

_KEY = Qt.ItemDataRole.UserRole + 1
_FOLDED = Qt.ItemDataRole.UserRole + 2
AttributeKey = tuple[int, AttributeValue]  # an attribute's id and one of its values


class CheckListButton(QToolButton):
    """A button that drops down a list to tick; its text says what is ticked.

    Nothing ticked means no limit ("Documents: all"). The list narrows as you type, which
    helps with a study's 50 interviews.
    """

    changed = Signal()

    def __init__(self, noun: str, unlimited: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._noun, self._unlimited = noun, unlimited
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        self.list.setMinimumWidth(280)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Type to narrow the list…")
        self.filter_edit.setClearButtonEnabled(True)
        clear = QPushButton("Clear")
        clear.setToolTip(f"Tick nothing: {noun.lower()} {unlimited}")
        popup = QWidget()
        layout = QVBoxLayout(popup)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(clear)
        layout.addLayout(top)
        layout.addWidget(self.list)
        self._menu = QMenu(self)
        action = QWidgetAction(self._menu)
        action.setDefaultWidget(popup)
        self._menu.addAction(action)
        self.setMenu(self._menu)
        self.list.itemChanged.connect(self._on_list_item_changed)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        clear.clicked.connect(self.clear)
        self._show_text()

    def set_items(self, items: Sequence[tuple[Hashable, str, str]]) -> None:
        """Offer ``(key, label, tooltip)`` items; ticked keys that are still offered stay ticked."""
        ticked = set(self.checked_keys())
        self.list.blockSignals(True)
        self.list.clear()
        for key, label, tip in items:
            item = QListWidgetItem(label)
            item.setData(_KEY, key)
            item.setData(_FOLDED, fold(label))
            item.setToolTip(tip)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = key in ticked
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._on_filter_edit_text_changed(self.filter_edit.text())
        self._show_text()

    def checked_keys(self) -> list[Hashable]:
        return [
            item.data(_KEY) for item in self._items() if item.checkState() == Qt.CheckState.Checked
        ]

    def set_checked(self, keys: Sequence[Hashable]) -> None:
        """Tick exactly ``keys`` (those offered)."""
        wanted = set(keys)
        self.list.blockSignals(True)
        for item in self._items():
            checked = item.data(_KEY) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.blockSignals(False)
        self._show_text()
        self.changed.emit()

    def clear(self) -> None:
        self.set_checked([])

    def _items(self) -> list[QListWidgetItem]:
        return [self.list.item(row) for row in range(self.list.count())]

    def _on_list_item_changed(self, _item: QListWidgetItem) -> None:
        self._show_text()
        self.changed.emit()

    def _on_filter_edit_text_changed(self, text: str) -> None:
        words = fold(text).split()
        for item in self._items():
            item.setHidden(not all(word in str(item.data(_FOLDED)) for word in words))

    def _show_text(self) -> None:
        labels = [
            item.text() for item in self._items() if item.checkState() == Qt.CheckState.Checked
        ]
        if not labels:
            shown = self._unlimited
        elif len(labels) == 1:
            shown = labels[0]
        else:
            shown = f"{len(labels)} of {self.list.count()}"
        self.setText(f"{self._noun}: {shown}")
        self.setToolTip("\n".join(labels) if labels else f"{self._noun}: {self._unlimited}")


class FilterBar(QWidget):
    """Narrows queries and matrices to documents, cases, attribute values and coders.

    Each kind narrows further (AND); the values of one attribute widen each other (OR).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.documents = CheckListButton("Documents", "all")
        self.cases = CheckListButton("Cases", "all")
        self.attributes = CheckListButton("Attributes", "any value")
        self.attributes.list.setToolTip(
            "Values of one attribute: any of them. Values of different attributes: all of them."
        )
        self.coders = CheckListButton("Coders", "all")
        self.coders.list.setToolTip("Only these coders' codings are found, on both sides.")
        self.clear_button = QPushButton("Clear filters")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Look in:"))
        for button in (self.documents, self.cases, self.attributes, self.coders):
            layout.addWidget(button)
            button.changed.connect(self.changed)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.clear_button.clicked.connect(self.clear)

    def set_choices(self, choices: FilterChoices) -> None:
        self.documents.set_items(
            [(d.id, d.name, f"{d.codings:,} codings") for d in choices.documents]
        )
        self.cases.set_items([(c.id, c.name, c.description) for c in choices.cases])
        self.attributes.set_items(
            [
                (
                    (a.attribute_id, a.value),
                    f"{a.attribute_name} = {value_label(a.value)}",
                    f"An attribute of {'cases' if a.scope == 'case' else 'documents'}",
                )
                for a in choices.attributes
            ]
        )
        self.coders.set_items([(c.id, c.name, "") for c in choices.coders])

    def filters(self) -> QueryFilter:
        """What the ticked items admit."""

        def ids(button: CheckListButton) -> frozenset[int] | None:
            keys = button.checked_keys()
            return frozenset(cast(int, key) for key in keys) if keys else None

        values = self.attributes.checked_keys()
        return QueryFilter(
            document_ids=ids(self.documents),
            case_ids=ids(self.cases),
            attribute_values=frozenset(cast(AttributeKey, key) for key in values),
            coder_ids=ids(self.coders),
        )

    def is_set(self) -> bool:
        return any(
            button.checked_keys()
            for button in (self.documents, self.cases, self.attributes, self.coders)
        )

    def clear(self) -> None:
        for button in (self.documents, self.cases, self.attributes, self.coders):
            button.blockSignals(True)
            button.clear()
            button.blockSignals(False)
        self.changed.emit()
