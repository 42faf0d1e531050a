"""Project-wide signals: what changed, so that each view refreshes only its part."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from coding.changes import Changes


class ProjectEvents(QObject):
    """Emitted after every edit, its undo and its redo, with what it touched."""

    changed = Signal(object)  # Changes
    #: A coding the researcher picked (in the viewer, its stripe, or a list): its id.
    coding_selected = Signal(int)
    #: Open a document, optionally at a span: (document_id, start, end); -1 for no span.
    document_requested = Signal(int, int, int)

    def emit_changes(self, changes: Changes) -> None:
        self.changed.emit(changes)
