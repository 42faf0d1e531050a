"""Long work on a worker thread, reporting progress to the GUI thread by signal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from typing_extensions import override

log = logging.getLogger(__name__)

#: ``progress(done, total, label)``; returns False when the researcher cancelled.
Progress = Callable[[int, int, str], bool]


class TaskSignals(QObject):
    """Signals of a background task; delivered on the GUI thread (queued across threads)."""

    progressed = Signal(int, int, str)
    finished = Signal(object)  # the work's result
    failed = Signal(object)  # the exception it raised


class BackgroundTask(QRunnable):
    """Runs ``work(progress)`` on the global thread pool.

    ``cancel()`` makes the next progress call return False; the work is expected to stop
    then (and to leave the project unchanged). An exception is handed to ``failed``.
    """

    def __init__(self, work: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.signals = TaskSignals()
        self._work = work
        self._cancelled = threading.Event()
        self.setAutoDelete(False)  # the GUI keeps it until its signals are handled

    def cancel(self) -> None:
        self._cancelled.set()

    def start(self) -> None:
        QThreadPool.globalInstance().start(self)

    @override
    def run(self) -> None:
        try:
            result = self._work(self._progress)
        except BaseException as exc:  # handed to the GUI thread, which decides what it means
            self.signals.failed.emit(exc)
            return
        self.signals.finished.emit(result)

    def _progress(self, done: int, total: int, label: str) -> bool:
        self.signals.progressed.emit(done, total, label)
        return not self._cancelled.is_set()
