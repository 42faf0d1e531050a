"""The command protocol: every edit is an object with a label, ``do()`` and ``undo()``."""

from __future__ import annotations

from typing import Protocol

from coding.changes import Changes


class Command(Protocol):
    """An edit a researcher makes, and can take back.

    ``do()`` runs the edit as one transaction and returns what it changed; it raises
    :class:`coding.errors.CodingError` or :class:`coding.errors.StorageError` with a sentence
    for the researcher, and then nothing was changed. ``undo()`` restores the project exactly
    (same ids and UUIDs), so that ``do()`` again (redo) and later commands on an undo stack
    still find what they refer to.
    """

    @property
    def label(self) -> str:
        """What the edit does, for the Edit menu ("Apply code “Tillit”")."""
        ...

    def do(self) -> Changes: ...

    def undo(self) -> Changes: ...
