"""The main window's benchmark ops: opening a project until usable, and coding by the GUI."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads: no display needed

import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from coding import queries
from coding.project import resolve_document
from tests.benchmarks.build import copy_project
from tests.benchmarks.corpus import Corpus
from tests.benchmarks.gui_ops import _ensure_application, _expect, _settle

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch

WIDTH, HEIGHT = 1400, 880


def _window(folder: Path) -> MainWindow:
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.resize(WIDTH, HEIGHT)
    window.show()
    _settle()
    return window


def open_window(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """From "open this project" to a usable window: lists, code tree and first document shown."""
    _ensure_application()
    documents = shown = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp:
            copy = copy_project(project, Path(tmp))
            window = _window(Path(tmp))
            with watch.timing():
                window.open_project(copy)
                window.repaint()  # painted: the window is usable
            documents = window.documents.model.rowCount()
            shown = len(window.viewer.text_view().toPlainText())
            window.close()
            _settle()
    _expect(documents == len(corpus.documents), f"listed {documents} documents")
    _expect(shown > 0, "no document was shown")
    return {"documents": documents, "characters": shown}


def apply_coding_gui(
    corpus: Corpus, project: Path, repeat: int, watch: Stopwatch
) -> dict[str, int]:
    """From the coding action to the repainted highlight and stripe, on the dense document."""
    _ensure_application()
    with tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp:
        copy = copy_project(project, Path(tmp))
        window = _window(Path(tmp))
        window.open_project(copy)
        assert window.project is not None
        with window.project.read() as tx:
            document_id = resolve_document(tx, corpus.big.name)
        window.documents.select_document(document_id)
        code_id = queries.codes(window.project)[-1].id
        viewer = window.viewer
        text_length = len(viewer.text_view().toPlainText())
        before = len(viewer.spans())
        refresh_ns: list[int] = []
        for run in range(repeat):
            start = 1000 + run * 97 % (text_length - 2000)
            viewer.select_span(start, start + 60)
            window.flush_refresh()
            _settle()
            with watch.timing():
                window.coding.apply_code(code_id)
                QApplication.processEvents()  # the highlight and the stripe, painted
            refresh_start = time.perf_counter_ns()
            window.flush_refresh()  # the lists follow a moment later; timed on their own
            QApplication.processEvents()
            refresh_ns.append(time.perf_counter_ns() - refresh_start)
        applied = len(viewer.spans()) - before
        window.close()
        QApplication.processEvents()
    _expect(applied == repeat, f"applied {applied} of {repeat} codings")
    return {
        "codings": applied,
        "document_codings": before + applied,
        "lists_refresh_median_us": int(statistics.median(refresh_ns) / 1000),
    }
