"""The search index of the open project, kept current on a worker thread.

One worker thread does all index work in order: the first check (a rebuild with progress
when the index is missing, damaged or stale), catching up after each edit, and the searches
themselves, so that the GUI thread never waits on the index and no two of them overlap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from coding.changes import Changes
from coding.errors import UserError
from coding.project import Project
from coding.search import IndexCancelledError, ProjectSearch

log = logging.getLogger(__name__)


class SearchKeeper(QObject):
    """Keeps one project's index current and answers its searches, off the GUI thread."""

    #: The index is being rebuilt: (done, total) documents.
    building = Signal(int, int)
    #: The index reflects the project (after a rebuild or a catch-up).
    ready = Signal()
    #: A search answered: (request number, SearchResult), or (request number, exception).
    answered = Signal(int, object)

    def __init__(self, project: Project, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.search = ProjectSearch(project)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tillit-index")
        self._closing = threading.Event()
        self._update_queued = threading.Event()
        self._requests = 0
        self._pending: list[Future[Any]] = []

    def start(self) -> None:
        """Check the index; rebuild it (reporting progress) when it cannot be caught up."""
        self._submit(self._prepare)

    def project_changed(self, changes: Changes) -> None:
        """Catch the index up after an edit; a burst of edits is caught up once."""
        if not _touches_search(changes) or self._update_queued.is_set():
            return
        self._update_queued.set()
        self._submit(self._catch_up)

    def request(
        self, text: str, *, compounds: bool = True, documents: Iterable[int] | None = None
    ) -> int:
        """Ask for a search; its answer arrives by :attr:`answered` with the number returned."""
        self._requests += 1
        number = self._requests
        wanted = None if documents is None else list(documents)
        self._submit(lambda: self._search(number, text, compounds, wanted))
        return number

    def close(self) -> None:
        """Stop: a rebuild under way is cancelled (its half-built index is removed)."""
        self._closing.set()
        for future in self._pending:
            future.cancel()
        self._worker.shutdown(wait=True)
        self.search.close()

    # --- on the worker thread --------------------------------------------------------------

    def _submit(self, work: Callable[[], None]) -> None:
        if self._closing.is_set():
            return
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._worker.submit(self._guarded, work))

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except IndexCancelledError:
            pass
        except Exception:  # the index is a cache: a failure is logged, the project is fine
            log.exception("The search index could not be brought up to date")

    def _progress(self, done: int, total: int) -> bool:
        self.building.emit(done, total)
        return not self._closing.is_set()

    def _prepare(self) -> None:
        self.search.prepare(self._progress)
        self.ready.emit()

    def _catch_up(self) -> None:
        self._update_queued.clear()
        self.search.forget_texts()
        self.search.prepare(self._progress)
        self.ready.emit()

    def _search(self, number: int, text: str, compounds: bool, documents: list[int] | None) -> None:
        if number != self._requests:
            return  # a newer search was asked for meanwhile: answer that one
        result: object
        try:
            result = self.search.search(
                text, compounds=compounds, documents=documents, progress=self._progress
            )
        except UserError as exc:  # a query that cannot be answered, said in plain words
            result = exc
        self.answered.emit(number, result)


def _touches_search(changes: Changes) -> bool:
    return bool(
        changes.documents
        or changes.codings
        or changes.codes
        or changes.document_list
        or changes.code_tree
        or changes.cases
        or changes.attributes
    )
