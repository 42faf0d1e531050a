"""What every panel of the main window shares while a project is open."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from app.events import ProjectEvents
from app.undo import run_command
from coding.command import Command
from coding.project import Project

#: Mime type of a passage dragged from the document viewer: JSON {"document_id", "start", "end"}
#: with code-point offsets.
PASSAGE_MIME = "application/x-tillit-passage"


@dataclass
class Workbench:
    """The open project, its undo stack and signals, and the window that owns dialogs."""

    project: Project
    stack: QUndoStack
    events: ProjectEvents
    window: QWidget
    settings: QSettings

    def run(self, command: Command) -> bool:
        """Run an edit through the undo stack; a refused edit is explained in a dialog."""
        return run_command(command, self.stack, self.events, self.window)

    def settings_key(self, name: str) -> str:
        """A settings key that belongs to this project (quick keys, layout of its views)."""
        return f"projects/{self.project.info().uuid}/{name}"
