"""An undo or redo that fails leaves the stack, the Edit menu and the project in agreement."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.actions import ActionId, build_actions
from app.events import ProjectEvents
from app.undo import run_command
from coding import queries
from coding.changes import Changes
from coding.codings import ApplyCoding
from coding.errors import StorageError
from coding.project import Project

DISK_FULL = "The disk is full."


@dataclass
class FailsOnce:
    """A real edit whose next ``undo()`` or ``do()`` fails, as when the disk fills up: the
    failing step raises before it touches the project, as a rolled-back transaction leaves it."""

    command: ApplyCoding
    fail_next: str | None = None  # "undo" or "do"
    error: Exception = field(default_factory=lambda: StorageError(DISK_FULL))

    @property
    def label(self) -> str:
        return self.command.label

    def do(self) -> Changes:
        self._maybe_fail("do")
        return self.command.do()

    def undo(self) -> Changes:
        self._maybe_fail("undo")
        return self.command.undo()

    def _maybe_fail(self, step: str) -> None:
        if self.fail_next == step:
            self.fail_next = None
            raise self.error


@dataclass
class Desk:
    """An undo stack with the Edit menu's actions, on a real project."""

    project: Project
    document_id: int
    stack: QUndoStack
    events: ProjectEvents
    window: QWidget
    changes: list[Changes]

    def edit(self, start: int, end: int, code: str) -> FailsOnce:
        command = FailsOnce(
            ApplyCoding(self.project, self.document_id, [(start, end)], code_path=code)
        )
        assert run_command(command, self.stack, self.events, self.window)
        return command

    def undo(self) -> None:
        build_actions(self.window, self.stack)[ActionId.UNDO].trigger()

    def redo(self) -> None:
        build_actions(self.window, self.stack)[ActionId.REDO].trigger()

    def menu(self) -> tuple[int, bool, bool, str, str]:
        """What the Edit menu offers: the index, whether undo and redo are enabled, and their
        texts (from actions made the way the main window makes them)."""
        actions = build_actions(self.window, self.stack)
        undo, redo = actions[ActionId.UNDO], actions[ActionId.REDO]
        assert undo.isEnabled() == self.stack.canUndo()
        assert redo.isEnabled() == self.stack.canRedo()
        return self.stack.index(), undo.isEnabled(), redo.isEnabled(), undo.text(), redo.text()

    def coded(self) -> list[tuple[int, int, str]]:
        """The codings in the project file, read back from it."""
        return [
            (span.start, span.end, span.code_name)
            for span in queries.document_codings(self.project, self.document_id)
        ]


@pytest.fixture
def desk(project: Project, document_id: int, qtbot: QtBot, warnings: list[str]) -> Desk:
    window = QWidget()
    qtbot.addWidget(window)
    stack = QUndoStack(window)
    events = ProjectEvents(window)
    changes: list[Changes] = []
    events.changed.connect(changes.append)
    return Desk(project, document_id, stack, events, window, changes)


def test_a_failed_undo_leaves_the_edit_in_place_and_still_offered(
    desk: Desk, warnings: list[str]
) -> None:
    command = desk.edit(0, 3, "Tillit")
    before = desk.menu()
    assert before == (1, True, False, "&Undo Apply code “Tillit”", "&Redo")
    desk.changes.clear()

    command.fail_next = "undo"
    desk.undo()

    assert desk.menu() == before
    assert desk.coded() == [(0, 3, "Tillit")]
    assert desk.changes == []  # nothing changed, so no view refreshes
    assert warnings == [
        f"Could not undo Apply code “Tillit”. {DISK_FULL} Nothing was changed: the edit is "
        "still in place."
    ]

    desk.undo()  # the disk has room again

    assert desk.menu() == (0, False, True, "&Undo", "&Redo Apply code “Tillit”")
    assert desk.coded() == []
    assert len(desk.changes) == 1
    assert len(warnings) == 1


def test_a_failed_redo_leaves_the_edit_undone_and_redo_still_offered(
    desk: Desk, warnings: list[str]
) -> None:
    command = desk.edit(0, 3, "Tillit")
    desk.undo()
    before = desk.menu()
    assert before == (0, False, True, "&Undo", "&Redo Apply code “Tillit”")

    command.fail_next = "do"
    desk.redo()

    assert desk.menu() == before
    assert desk.coded() == []
    assert warnings == [
        f"Could not redo Apply code “Tillit”. {DISK_FULL} Nothing was changed: the edit is "
        "still undone."
    ]

    desk.redo()

    assert desk.menu() == (1, True, False, "&Undo Apply code “Tillit”", "&Redo")
    assert desk.coded() == [(0, 3, "Tillit")]


def test_a_failed_undo_below_the_top_leaves_later_edits_alone(
    desk: Desk, warnings: list[str]
) -> None:
    first = desk.edit(0, 3, "Tillit")
    desk.edit(10, 20, "Skjønn")
    desk.undo()
    assert desk.coded() == [(0, 3, "Tillit")]

    first.fail_next = "undo"
    desk.undo()

    assert desk.menu() == (1, True, True, "&Undo Apply code “Tillit”", "&Redo Apply code “Skjønn”")
    assert desk.coded() == [(0, 3, "Tillit")]
    desk.redo()
    assert desk.coded() == [(0, 3, "Tillit"), (10, 20, "Skjønn")]
    assert len(warnings) == 1


def test_a_failed_undo_in_a_macro_puts_back_the_part_already_undone(
    desk: Desk, warnings: list[str]
) -> None:
    desk.stack.beginMacro("Code two passages")
    first = desk.edit(0, 3, "Tillit")
    desk.edit(10, 20, "Skjønn")
    desk.stack.endMacro()
    both = [(0, 3, "Tillit"), (10, 20, "Skjønn")]
    before = desk.menu()
    assert before == (1, True, False, "&Undo Code two passages", "&Redo")

    first.fail_next = "undo"  # the macro undoes "Skjønn" first, then fails on "Tillit"
    desk.undo()

    assert desk.coded() == both
    assert desk.menu() == before
    assert warnings == [
        f"Could not undo Code two passages. {DISK_FULL} Nothing was changed: the edit is still "
        "in place."
    ]

    desk.undo()
    assert desk.coded() == []
    desk.redo()
    assert desk.coded() == both


def test_a_failed_put_back_in_a_macro_clears_the_history_rather_than_lie(
    desk: Desk, warnings: list[str]
) -> None:
    desk.stack.beginMacro("Code two passages")
    first = desk.edit(0, 3, "Tillit")
    second = desk.edit(10, 20, "Skjønn")
    desk.stack.endMacro()

    first.fail_next = "undo"
    second.fail_next = "do"  # putting "Skjønn" back fails too
    desk.undo()

    assert desk.coded() == [(0, 3, "Tillit")]
    assert desk.menu() == (0, False, False, "&Undo", "&Redo")
    assert len(warnings) == 1
    assert warnings[0].startswith(f"Could not undo Code two passages. {DISK_FULL} Putting back")
    assert warnings[0].endswith("so the undo history was cleared.")


def test_jumping_back_over_several_edits_stops_at_the_one_that_failed(
    desk: Desk, warnings: list[str]
) -> None:
    desk.edit(0, 3, "Tillit")
    middle = desk.edit(10, 20, "Skjønn")
    desk.edit(30, 40, "Ansvar")

    middle.fail_next = "undo"
    desk.stack.setIndex(0)  # as a history view does: undo three edits at once

    assert desk.coded() == [(0, 3, "Tillit"), (10, 20, "Skjønn")]
    assert desk.stack.index() == 2
    assert desk.stack.undoText() == "Apply code “Skjønn”"
    assert desk.stack.redoText() == "Apply code “Ansvar”"
    assert len(warnings) == 1


def test_a_failed_undo_keeps_the_clean_state(desk: Desk, warnings: list[str]) -> None:
    command = desk.edit(0, 3, "Tillit")
    desk.stack.setClean()

    command.fail_next = "undo"
    desk.undo()

    assert desk.stack.isClean()
    assert desk.stack.cleanIndex() == 1
    desk.undo()
    assert not desk.stack.isClean()


def test_a_bug_in_undo_is_reported_as_one_and_the_stack_still_agrees(
    desk: Desk, qtbot: QtBot, warnings: list[str]
) -> None:
    command = desk.edit(0, 3, "Tillit")
    command.error = RuntimeError("a bug")
    command.fail_next = "undo"

    with qtbot.captureExceptions() as exceptions:
        desk.undo()

    assert [type(exc) for _, exc, _ in exceptions] == [RuntimeError]
    assert warnings == []  # the error hook shows a bug, not a warning
    assert desk.menu()[:3] == (1, True, False)
    assert desk.coded() == [(0, 3, "Tillit")]
    desk.undo()
    assert desk.coded() == []
