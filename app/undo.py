"""The one bridge between domain commands and Qt's undo stack."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import cast

from PySide6.QtCore import QObject, QTimer
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

    def __init__(self, command: Command, events: ProjectEvents, keeper: _StackKeeper) -> None:
        super().__init__(command.label)
        self.command = command
        self.events = events
        self._keeper = keeper
        self._pushed = False

    @override
    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self._keeper.step(self, undoing=False)

    @override
    def undo(self) -> None:
        self._keeper.step(self, undoing=True)


@dataclass
class _Failure:
    """A step that failed: where the stack must go back to, and what to tell the researcher."""

    index: int | None  # None: leave it where Qt puts it
    title: str
    message: str | None  # None for a bug, which the error hook reports
    forget: bool = False  # the history no longer matches the project: clear it


class _StackKeeper(QObject):
    """Keeps a stack's index in step with the project when an undo or redo fails.

    Qt moves the index after calling ``undo()``/``redo()`` whatever happened inside, so a step
    that failed would leave the Edit menu offering to redo an edit that was never undone. The
    keeper notes the failure, lets the rest of that stack operation do nothing (the other steps
    of a macro, or of a jump over several entries), puts back the steps of the same macro that
    had already run, and, once Qt has moved the index, moves it back to where the project is,
    with every entry's step a no-op meanwhile so that nothing runs twice.
    """

    def __init__(self, stack: QUndoStack, parent: QWidget | None) -> None:
        super().__init__(stack)
        self.parent_widget = parent
        self._replaying = False
        self._failure: _Failure | None = None
        #: The steps that ran in the current stack operation: (entry, was it an undo).
        self._ran: list[tuple[_UndoEntry, bool]] = []
        stack.indexChanged.connect(self._on_stack_index_changed)

    @property
    def _stack(self) -> QUndoStack:
        # Its parent, not an attribute: a Python reference to the stack would make a cycle
        # that the garbage collector may break keeper first, and PySide6 6.7 then fails the
        # stack's last signals, sent while it is destroyed.
        return cast(QUndoStack, self.parent())

    @staticmethod
    def of(stack: QUndoStack, parent: QWidget | None) -> _StackKeeper:
        """The keeper of ``stack``, made on its first push."""
        keeper = stack.findChild(_StackKeeper)
        if keeper is None:
            keeper = _StackKeeper(stack, parent)
        elif parent is not None:
            keeper.parent_widget = parent
        return keeper

    def step(self, entry: _UndoEntry, *, undoing: bool) -> None:
        """Undo or redo ``entry``'s command, unless the stack is being put right."""
        if self._replaying or self._failure is not None:
            return
        run = entry.command.undo if undoing else entry.command.do
        try:
            changes = run()
        except UserError as exc:  # e.g. the disk filled up: nothing changed, say so
            self._fail(entry, undoing, exc)
            return
        except Exception as exc:  # a bug: reported as one, and the stack still stays true
            self._fail(entry, undoing, None)
            # Raised on, PySide6 would hold it and raise it again from the keeper's own slot.
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        self._ran.append((entry, undoing))
        entry.events.emit_changes(changes)

    def _fail(self, entry: _UndoEntry, undoing: bool, error: Exception | None) -> None:
        top, members = self._top_level_of(entry)
        title = "Undo failed" if undoing else "Redo failed"
        verb, done = ("undo", "undone") if undoing else ("redo", "redone")
        label = members[0].text()  # the macro's, for a step inside one: what the menu names
        message = None
        if error is not None:
            state = "still in place" if undoing else "still undone"
            message = f"Could not {verb} {label}. {error} Nothing was changed: the edit is {state}."
        # The steps of the same macro that already ran are put back, so that the whole edit
        # is done or undone, as the stack will say.
        ran_here = [step for step in self._ran if any(step[0] is m for m in members)]
        self._ran.clear()
        for ran, was_undo in reversed(ran_here):
            try:
                ran.events.emit_changes(ran.command.do() if was_undo else ran.command.undo())
            except UserError as exc:
                # Neither index is true now; a history that ran a step twice would be worse.
                self._failure = _Failure(
                    None,
                    title,
                    f"Could not {verb} {label}. {error or 'Tillit ran into a bug.'} "
                    f"Putting back the part already {done} failed too: {exc} Part of the edit "
                    f"is {done} and part is not, so the undo history was cleared.",
                    forget=True,
                )
                break
        else:
            # The project is as before this step: the entry is done after a failed undo, and
            # undone after a failed redo.
            index = None if top is None else top + 1 if undoing else top
            self._failure = _Failure(index, title, message)
        # Qt moves the index after this step returns, and the keeper puts it right then; should
        # no move come (nothing on the stack changed), settle once control is back in the loop.
        QTimer.singleShot(0, self, self._settle)

    def _settle(self) -> None:
        if self._failure is not None:
            self._on_stack_index_changed(self._stack.index())

    def _top_level_of(self, entry: _UndoEntry) -> tuple[int | None, list[QUndoCommand]]:
        """The stack position of the top-level command holding ``entry`` (itself or a macro),
        and the commands under it; no position for an entry that is not on the stack."""
        for position in range(self._stack.count()):
            members = _tree(self._stack.command(position))
            if any(member is entry for member in members):
                return position, members
        return None, [entry]

    def _on_stack_index_changed(self, index: int) -> None:
        failure, self._failure = self._failure, None
        self._ran.clear()
        if failure is None:
            return
        if failure.forget:
            self._stack.clear()
        elif failure.index is not None and failure.index != index:
            self._replaying = True
            try:
                self._stack.setIndex(failure.index)  # every step is a no-op meanwhile
            finally:
                self._replaying = False
        if failure.message is not None:
            log.warning("%s", failure.message)
            QMessageBox.warning(self.parent_widget, failure.title, failure.message)


def _tree(command: QUndoCommand) -> list[QUndoCommand]:
    """``command`` and, for a macro, every command under it."""
    found = [command]
    for child in range(command.childCount()):
        found.extend(_tree(command.child(child)))
    return found


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
    """Push a command that already ran (e.g. on a worker thread) and announce its changes.

    An undo or redo of it that fails later is reported in a dialog, and the stack's index stays
    where the project is, so that the Edit menu offers what can really be undone and redone.
    """
    stack.push(_UndoEntry(command, events, _StackKeeper.of(stack, parent)))
    events.emit_changes(changes)
