"""The GUI's benchmark ops: showing the 30,000-word document in the viewer, and its reference."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads: no display needed

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

from app.viewer.document_view import DocumentView
from coding import queries
from coding.project import Project, resolve_document
from coding.records import CodingSpan, ParagraphRecord
from tests.benchmarks.build import copy_project
from tests.benchmarks.corpus import Corpus

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch

#: Both ops show their widget at this size.
WIDTH, HEIGHT = 1200, 800


@dataclass(frozen=True)
class _Document:
    id: int
    text: str
    paragraphs: list[ParagraphRecord]
    spans: list[CodingSpan]


def show_document(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """``DocumentView.set_document`` on the 30,000-word document with its codings, painted."""
    document = _big_document(corpus, project)
    _ensure_application()
    view = DocumentView()
    _show(view)

    def show() -> None:
        view.set_document(document.id, document.text, document.paragraphs, document.spans)
        view.grab()  # one full paint: text, highlights, gutter and stripes

    show()  # untimed: fonts, glyph caches and the first layout are one-off costs
    for _ in range(repeat):
        view.clear()
        _settle()
        with watch.timing():
            show()
    shown = view.text_view().toPlainText()
    stripes = len(view.stripe_margin().stripes())
    planned = sum(1 for coding in corpus.codings if coding.document == corpus.big.file)
    _expect(len(shown) == len(document.text), "the viewer does not show the whole text")
    _expect(len(view.codings_at(document.spans[0].start)) > 0, "the codings are not in place")
    _expect(len(document.spans) == planned, f"showed {len(document.spans)} of {planned} codings")
    _expect(stripes > 0, "no stripe was painted")
    view.close()
    return {"codings": len(document.spans), "characters": len(document.text), "stripes": stripes}


def show_plain_text(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """The reference: the same text in a bare ``QPlainTextEdit``, painted."""
    document = _big_document(corpus, project)
    _ensure_application()
    edit = QPlainTextEdit()
    _show(edit)

    def show() -> None:
        edit.setPlainText(document.text)
        edit.grab()

    show()
    for _ in range(repeat):
        edit.clear()
        _settle()
        with watch.timing():
            show()
    blocks = edit.document().blockCount()
    _expect(len(edit.toPlainText()) == len(document.text), "the text is not shown whole")
    edit.close()
    return {"characters": len(document.text), "blocks": blocks}


_application: QApplication | None = None


def _ensure_application() -> None:
    global _application  # noqa: PLW0603 - one application per process, kept alive
    if QApplication.instance() is None:
        _application = QApplication([])


def _show(widget: QWidget) -> None:
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    _settle()


def _settle() -> None:
    """Let Qt finish what earlier work posted, so that no timed run pays for it."""
    QApplication.processEvents()


def _big_document(corpus: Corpus, project: Path) -> _Document:
    with _opened_copy(project) as opened:
        with opened.read() as tx:
            document_id = resolve_document(tx, corpus.big.name)
        return _Document(
            document_id,
            queries.document(opened, document_id).text,
            queries.paragraphs(opened, document_id),
            queries.document_codings(opened, document_id),
        )


@contextmanager
def _opened_copy(project: Path) -> Iterator[Project]:
    with (
        tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp,
        Project.open(copy_project(project, Path(tmp))) as opened,
    ):
        yield opened


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"the benchmark did not do its work: {message}")
