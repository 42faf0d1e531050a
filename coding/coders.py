"""Who is coding: the project's current coder, credited with every new coding."""

from __future__ import annotations

from dataclasses import dataclass, field

from coding.changes import Changes
from coding.errors import CodingError
from coding.project import Project


@dataclass
class SetCurrentCoder:
    """Make ``name`` the project's current coder, adding the coder if new; undo puts the
    previous coder back. A coder it added stays (with no codings): so that redoing later
    codings finds the same coder."""

    project: Project
    name: str
    _previous: int | None = field(default=None, init=False)
    _done_once: bool = field(default=False, init=False)

    @property
    def label(self) -> str:
        return f"Code as “{self.name.strip()}”"

    def do(self) -> Changes:
        name = self.name.strip()
        if not name:
            raise CodingError("A coder needs a name.")
        with self.project.transaction() as tx:
            if not self._done_once:
                self._previous = tx.project.get().current_coder_id
            coder_id = tx.coders.by_name(name)
            tx.project.set_current_coder(coder_id if coder_id is not None else tx.coders.add(name))
        self._done_once = True
        return Changes()

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            if self._previous is not None:
                tx.project.set_current_coder(self._previous)
        return Changes()
