"""Hazards measured in the Qt bindings that Tillit must keep away from."""

from __future__ import annotations

from PySide6.QtGui import QSyntaxHighlighter, QTextCharFormat, QTextDocument
from pytestqt.qtbot import QtBot
from typing_extensions import override


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
