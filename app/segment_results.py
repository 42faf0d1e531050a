"""The segments a coding query found, as a table: document, code, coder, segment, context."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from typing_extensions import override

from app.record_table import RecordTableModel
from coding.project import PATH_SEPARATOR
from coding.retrieval import Segment

_AROUND = 70  # characters of context shown on each side of a segment in the list


class SegmentResultModel(RecordTableModel[Segment]):
    """What a query found: document, codes, coders, the segment, and the text around it."""

    headers = ("Document", "Code", "Coder", "Segment", "Context")

    def __init__(self) -> None:
        super().__init__()
        self._colors: dict[int, str] = {}

    def set_segments(self, rows: list[Segment], colors: dict[int, str]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._colors = colors
        self.endResetModel()

    def rows(self) -> list[Segment]:
        return list(self._rows)

    def colors(self) -> dict[int, str]:
        """The colour of each code, by id."""
        return self._colors

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        segment = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                segment.document_name,
                " & ".join(path.rsplit(PATH_SEPARATOR, 1)[-1] for path in segment.codes),
                ", ".join(segment.coders),
                " ".join(segment.text.split()),
                _snippet(segment),
            )
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = (segment.document_name, "\n".join(segment.codes), ", ".join(segment.coders))
            return tips[column] if column < len(tips) else context_html(segment, self._colors)
        color = self._colors.get(segment.code_ids[0]) if segment.code_ids else None
        if role == Qt.ItemDataRole.DecorationRole and column == 1 and color:
            return QColor(color)
        if role == Qt.ItemDataRole.BackgroundRole and column == 3 and color:
            shade = QColor(color)
            shade.setAlpha(60)
            return QBrush(shade)
        return None


def _snippet(segment: Segment) -> str:
    """The segment in brackets with the words around it, on one line."""
    offset = segment.start - segment.context_start
    head, tail = segment.context[:offset], segment.context[offset + len(segment.text) :]
    before_words, after_words = head.split(), tail.split()
    before = " ".join(before_words[-12:])[-_AROUND:]
    after = " ".join(after_words[:12])[:_AROUND]
    cut_before = len(" ".join(before_words)) > len(before)
    cut_after = len(" ".join(after_words)) > len(after)
    # A segment that starts or ends inside a word stays joined to it.
    left = " " if head[-1:].isspace() or segment.text[:1].isspace() else ""
    right = " " if tail[:1].isspace() or segment.text[-1:].isspace() else ""
    middle = " ".join(segment.text.split())
    return (
        f"{'…' if cut_before and before else ''}{before}{left if before else ''}[{middle}]"
        f"{right if after else ''}{after}{'…' if cut_after else ''}"
    )


def context_html(segment: Segment, colors: dict[int, str]) -> str:
    """The context as HTML with the segment marked in its code's colour."""
    offset = segment.start - segment.context_start
    code = QColor(colors.get(segment.code_ids[0], "#f4c430") if segment.code_ids else "#f4c430")
    # Rich text knows no alpha: the code's colour blended a third into white.
    mark = QColor(*(255 - (255 - part) // 3 for part in (code.red(), code.green(), code.blue())))

    def html(text: str) -> str:
        return escape(text).replace("\n", "<br>")

    return (
        f"<p>{html(segment.context[:offset])}"
        f"<span style='background-color: {mark.name()}; font-weight: 600'>"
        f"{html(segment.context[offset : offset + len(segment.text)])}</span>"
        f"{html(segment.context[offset + len(segment.text) :])}</p>"
    )
