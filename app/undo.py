"""The one bridge between domain commands and Qt's undo stack."""

from __future__ import annotations

import logging

from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QMessageBox, QWidget
from typing_extensions import override

from app.events import ProjectEvents
from coding.changes import Changes
from coding.command import Command
from coding.errors import UserError

log = logging.getLogger(__name__)


class _UndoEntry(QUndoCommand):
    """A command that already ran: its first ``redo()`` (from ``push``) does nothing."""

    def __init__(self, command: Command, events: ProjectEvents, parent: QWidget | None) -> None:
        super().__init__(command.label)
        self._command = command
        self._events = events
        self._parent = parent
        self._pushed = False

    @override
    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self._run(self._command.do)

    @override
    def undo(self) -> None:
        self._run(self._command.undo)

    def _run(self, step: object) -> None:
        try:
            changes = step()  # type: ignore[operator]
        except UserError as exc:  # e.g. the disk filled up: say so, the stack stays usable
            QMessageBox.warning(self._parent, self.text(), str(exc))
            return
        self._events.emit_changes(changes)


def run_command(
    command: Command, stack: QUndoStack, events: ProjectEvents, parent: QWidget | None
) -> bool:
    """Run ``command``; on success push it on the undo stack and announce what changed.

    A researcher-facing error is shown in a dialog and nothing is pushed (PySide6 would keep a
    command whose first ``redo()`` raised). Anything else is a bug and propagates.
    """
    try:
        changes = command.do()
    except UserError as exc:
        QMessageBox.warning(parent, command.label, str(exc))
        return False
    push_done(command, changes, stack, events, parent)
    return True


def push_done(
    command: Command,
    changes: Changes,
    stack: QUndoStack,
    events: ProjectEvents,
    parent: QWidget | None,
) -> None:
    """Push a command that already ran (e.g. on a worker thread) and announce its changes."""
    stack.push(_UndoEntry(command, events, parent))
    events.emit_changes(changes)
