"""Hazards measured in the Qt bindings that Tillit must keep away from."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QStringListModel
from PySide6.QtGui import QSyntaxHighlighter, QTextCharFormat, QTextDocument
from pytestqt.qtbot import QtBot
from typing_extensions import override

from app.filter_model import RowFilterModel

ROOT = Path(__file__).resolve().parents[2]


class _Highlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.blocks = 0

    @override
    def highlightBlock(self, text: str) -> None:
        self.blocks += 1
        fmt = QTextCharFormat()
        fmt.setFontWeight(700)
        self.setFormat(0, min(4, len(text)), fmt)


def test_syntax_highlighter_runs_without_aborting(qtbot: QtBot) -> None:
    # PySide6 6.12.0 aborts the interpreter here ("none_dealloc"); pyproject excludes it.
    document = QTextDocument("Tillit æøå 😀\nandre linje")
    highlighter = _Highlighter(document)
    highlighter.rehighlight()
    assert highlighter.blocks >= 2


class _NeedleModel(RowFilterModel):
    def __init__(self, words: list[str]) -> None:
        super().__init__()
        self.setSourceModel(QStringListModel(words))
        self.needle = ""

    def set_needle(self, needle: str) -> None:
        with self.changing_row_filter():
            self.needle = needle

    @override
    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        return self.needle in self.sourceModel().index(source_row, 0, source_parent).data()


def test_filter_proxies_refilter_without_deprecated_or_missing_calls(qtbot: QtBot) -> None:
    # Qt 6.10 deprecated invalidateRowsFilter() for endFilterChange(), which 6.7 lacks.
    model = _NeedleModel(["tillit", "tilliten", "skjønn"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        model.set_needle("till")
        assert [model.index(row, 0).data() for row in range(model.rowCount())] == [
            "tillit",
            "tilliten",
        ]
        model.set_needle("")
    assert model.rowCount() == 3


def test_tillit_never_calls_qaction_menu() -> None:
    # PySide6 before 6.11.2 returns a dead wrapper from QAction.menu() (PYSIDE-3380), and the
    # oldest PySide6 that Tillit admits is older: keep the menu a panel made instead.
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "app").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "menu"
        and not node.args
    ]
    assert calls == []
