"""The code tree's edits as actions: each asks what it needs, then runs one command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from app.code_tree import dialogs
from app.code_tree.code_model import Column
from app.code_tree.quick_keys import DIGITS
from coding.codebook import AddCode, DeleteCode, MergeCodes, RecolourCode
from coding.errors import UserError
from coding.queries import CodeNode

if TYPE_CHECKING:
    from app.code_tree.code_panel import CodePanel

_UNDO_HINT = "You can take it back with Edit ▸ Undo."


class CodeActions(QObject):
    """Add, rename, recolour, delete and merge codes, and assign quick keys.

    The shortcuts (Insert, Ctrl+Insert, F2, Delete) work only while the tree has the focus,
    so that Delete in the text never deletes a code.
    """

    def __init__(self, panel: CodePanel) -> None:
        super().__init__(panel)
        self._panel = panel
        self.add_code = self._action(
            "&Add code…", self._on_add_code_triggered, "Insert", "Add a code at the top level"
        )
        self.add_code.setIconText("+")
        self.add_subcode = self._action(
            "Add &subcode…", self._on_add_subcode_triggered, "Ctrl+Insert",
            "Add a code under the current code",
        )  # fmt: skip
        self.rename = self._action("&Rename", self._on_rename_triggered, "F2", "Rename the code")
        self.colour = self._action(
            "C&olour…", self._on_colour_triggered, tip="Change the code's colour"
        )
        self.delete = self._action(
            "&Delete…", self._on_delete_triggered, "Delete",
            "Delete the code with its subcodes and codings",
        )  # fmt: skip
        self.merge = self._action(
            "&Merge into…", self._on_merge_triggered, tip="Merge the code into another code"
        )
        self.quick_key_menu = QMenu("&Quick key", panel)
        self.quick_key_menu.setStatusTip("Apply the code with a digit key")
        group = QActionGroup(self.quick_key_menu)
        for digit in (*DIGITS, 0):
            item = self.quick_key_menu.addAction(f"&{digit}" if digit else "&None")
            item.setCheckable(True)
            item.setData(digit)
            group.addAction(item)
        self.quick_key_menu.aboutToShow.connect(self._on_quick_key_menu_about_to_show)
        self.quick_key_menu.triggered.connect(self._on_quick_key_menu_triggered)
        self.expand = self._action("E&xpand all", panel.view.expandAll, tip="Open every code")
        self.expand.setIconText("⊞")
        self.collapse = self._action(
            "Co&llapse all", panel.view.collapseAll, tip="Close every code"
        )
        self.collapse.setIconText("⊟")

    def all(self) -> list[QAction]:
        return [
            self.add_code,
            self.add_subcode,
            self.rename,
            self.colour,
            self.delete,
            self.merge,
            self.quick_key_menu.menuAction(),
            self.expand,
            self.collapse,
        ]

    def update(self) -> None:
        """Enable what applies to the open project and the current code."""
        node = self._panel.current_node()
        for action in (self.add_code, self.expand, self.collapse):
            action.setEnabled(self._panel.workbench is not None)
        for action in (self.add_subcode, self.rename, self.colour, self.delete, self.merge):
            action.setEnabled(node is not None)
        self.quick_key_menu.setEnabled(node is not None and node.code.codable)

    def _action(
        self, text: str, slot: Callable[[], None], shortcut: str = "", tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.triggered.connect(slot)
        self._panel.view.addAction(action)
        return action

    def _on_add_code_triggered(self) -> None:
        self._add_code(None)

    def _on_add_subcode_triggered(self) -> None:
        node = self._panel.current_node()
        if node is not None:
            self._add_code(node)

    def _add_code(self, parent: CodeNode | None) -> None:
        workbench = self._panel.workbench
        if workbench is None:
            return
        where = f" under “{parent.code.name}”" if parent else ""
        name = dialogs.ask_name(self._panel, "Add code", f"Name of the new code{where}:")
        if name is None:
            return
        parent_id = parent.code.id if parent else None
        command = AddCode(workbench.project, name=name, parent_id=parent_id)
        if workbench.run(command) and command.code_id is not None:
            self._panel.select_code(command.code_id)

    def _on_rename_triggered(self) -> None:
        index = self._panel.view.currentIndex()
        if index.isValid():
            self._panel.view.edit(index.siblingAtColumn(Column.CODE))

    def _on_colour_triggered(self) -> None:
        node, workbench = self._panel.current_node(), self._panel.workbench
        if node is None or workbench is None:
            return
        title = f"Colour of “{node.code.name}”"
        color = dialogs.choose_color(self._panel, node.code.color, title)
        if color is not None and color.lower() != node.code.color.lower():
            workbench.run(RecolourCode(workbench.project, node.code.id, color=color))

    def _on_delete_triggered(self) -> None:
        node, workbench = self._panel.current_node(), self._panel.workbench
        if node is None or workbench is None:
            return
        command = DeleteCode(workbench.project, node.code.id)
        try:
            impact = command.impact()
        except UserError as exc:
            QMessageBox.warning(self._panel, "Delete code", str(exc))
            return
        text = f"{impact.describe(node.code.name)} {_UNDO_HINT}"
        if not dialogs.confirm(self._panel, "Delete code", text, "Delete"):
            return
        neighbour = self._panel.neighbour_of(node.code.id)
        if workbench.run(command) and neighbour is not None:
            self._panel.select_code(neighbour)

    def _on_merge_triggered(self) -> None:
        node, workbench = self._panel.current_node(), self._panel.workbench
        if node is None or workbench is None:
            return
        target_id = self._panel.choose_code(
            f"Merge “{node.code.name}” into",
            codable_only=False,
            exclude=self._panel.model.subtree(node.code.id),
        )
        target = self._panel.model.node(target_id) if target_id is not None else None
        if target is None:
            return
        command = MergeCodes(workbench.project, node.code.id, target.code.id)
        try:
            impact = command.impact()
        except UserError as exc:
            QMessageBox.warning(self._panel, "Merge codes", str(exc))
            return
        text = f"{impact.describe(node.code.name, target.code.name)} {_UNDO_HINT}"
        if dialogs.confirm(self._panel, "Merge codes", text, "Merge") and workbench.run(command):
            self._panel.select_code(target.code.id)

    def _on_quick_key_menu_about_to_show(self) -> None:
        node = self._panel.current_node()
        if node is None:
            return
        mine = self._panel.quick_key_of(node.code.id) or 0
        for item in self.quick_key_menu.actions():
            digit = int(item.data())
            holder_id = self._panel.code_for_quick_key(digit) if digit else None
            holder = self._panel.model.node(holder_id) if holder_id is not None else None
            label = f"&{digit}" if digit else "&None"
            item.setText(f"{label}\t{holder.code.name}" if holder and digit != mine else label)
            item.setChecked(digit == mine)

    def _on_quick_key_menu_triggered(self, item: QAction) -> None:
        code_id = self._panel.current_code_id()
        if code_id is not None:
            self._panel.assign_quick_key(code_id, int(item.data()) or None)
