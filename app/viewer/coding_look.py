"""How codings look in the viewer: highlight fills and edges, bar colours, tooltips."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import cache
from html import escape
from typing import cast

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTextBlock, QTextLine

from coding.records import CodingSpan

#: Opacity of a highlight: overlapping highlights add up, so an overlap shows darker and mixed.
HIGHLIGHT_ALPHA = 120
#: Lightest a highlight may be (HSL lightness): pale codes would vanish on white.
MAX_LIGHTNESS = 0.8
#: The brackets marking where a coding starts and ends, so that nested codings stay apart.
EDGE_WIDTH = 1.5
EDGE_TICK = 3.5
#: Top of a coding's first line and bottom of its last (viewport coordinates), where known.
Extent = tuple[float | None, float | None]
#: How much of a memo a tooltip shows.
MEMO_PREVIEW = 200


@cache
def highlight_colors(code_color: str) -> tuple[QColor, QColor]:
    """A highlight's translucent fill and the solid colour of its edges (shared: keep them)."""
    solid = QColor(code_color)
    if solid.lightnessF() > MAX_LIGHTNESS:
        solid.setHslF(solid.hslHueF(), solid.hslSaturationF(), MAX_LIGHTNESS)
    fill = QColor(solid)
    fill.setAlpha(HIGHLIGHT_ALPHA)
    return fill, solid.darker(135)


@cache
def bar_colors(code_color: str) -> tuple[QColor, QColor, QColor]:
    """A stripe's fill (the code's colour), outline, and a label colour that reads on it
    (shared: keep them)."""
    fill = QColor(code_color)
    luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF()
    ink = QColor("#1b1b1b") if luminance > 0.5 else QColor("#ffffff")
    return fill, fill.darker(125), ink


def paint_highlights(
    painter: QPainter,
    blocks: Sequence[tuple[QTextBlock, float]],
    spans: Sequence[tuple[str, int, int]],
    left: float,
) -> list[Extent]:
    """Fill ``spans`` (colour, Qt start, Qt end) over the lines of ``blocks`` (each with its
    top in the viewport), and bracket their starts and ends; ``left`` is the text's x offset.

    Returns, for each span, the top of its first line and the bottom of its last, where they
    are in ``blocks``: the stripes beside the text reuse them. This runs while a document
    opens, so it keeps Qt calls few: one table of lines per block, and one call per colour for
    the boxes and one for the brackets.
    """
    starts = [block.position() for block, _ in blocks]
    tables: dict[int, _LineTable] = {}
    boxes_by_color: dict[str, list[_Box]] = {}
    brackets_by_color: dict[str, QPainterPath] = {}
    extents: list[Extent] = []
    for code_color, first, end in spans:
        top = bottom = None
        boxes = boxes_by_color.setdefault(code_color, [])
        brackets = brackets_by_color.get(code_color) or brackets_by_color.setdefault(
            code_color, QPainterPath()
        )
        for k in range(max(0, bisect_right(starts, first) - 1), len(blocks)):
            position = starts[k]
            if position >= end:
                break
            table = tables.get(k) or tables.setdefault(k, _LineTable(*blocks[k], left))
            found = table.boxes(first - position, end - position)
            if found and first >= position:
                _bracket(brackets, found[0], opening=True)
                top = found[0][1]
            if found and end <= position + table.length:
                _bracket(brackets, found[-1], opening=False)
                bottom = found[-1][1] + found[-1][3]
            boxes.extend(found)
        extents.append((top, bottom))
    painter.setPen(Qt.PenStyle.NoPen)
    for code_color, boxes in boxes_by_color.items():
        painter.setBrush(highlight_colors(code_color)[0])
        painter.drawRects([QRectF(*box) for box in boxes])
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for code_color, brackets in brackets_by_color.items():
        painter.strokePath(brackets, QPen(highlight_colors(code_color)[1], EDGE_WIDTH))
    return extents


_Box = tuple[float, float, float, float]  # x, y, width, height


class _LineTable:
    """The lines of one laid-out block, read from Qt once per paint."""

    def __init__(self, block: QTextBlock, top: float, left: float) -> None:
        layout = block.layout()
        self.length = block.length() - 1  # without the line break
        self.lines = [layout.lineAt(i) for i in range(layout.lineCount())]
        self.starts = [line.textStart() for line in self.lines]
        self.ends = [*self.starts[1:], self.length]
        self.top, self.left = top, left
        self._xs: dict[tuple[int, int], float] = {}  # codings share their lines

    def boxes(self, first: int, end: int) -> list[_Box]:
        """Boxes (viewport coordinates) covering ``[first, end)`` of the block's text."""
        first, end = max(first, 0), min(end, self.length)
        boxes: list[_Box] = []
        i = max(0, bisect_right(self.starts, first) - 1)
        while first < end and i < len(self.lines) and self.starts[i] < end:
            x1 = self._x(i, max(first, self.starts[i]))
            x2 = self._x(i, min(end, self.ends[i]))
            line = self.lines[i]
            boxes.append((self.left + x1, self.top + line.y(), x2 - x1, line.height()))
            i += 1
        return boxes

    def _x(self, i: int, position: int) -> float:
        x = self._xs.get((i, position))
        if x is None:
            # Asking Qt is the slow part of painting a highlight; a line's ends need no asking.
            line = self.lines[i]
            if position == self.starts[i]:
                x = line.x()
            elif position == self.ends[i]:
                x = line.x() + line.naturalTextWidth()
            else:
                x = _x(line, position)
            self._xs[(i, position)] = x
        return x


def _bracket(path: QPainterPath, box: _Box, *, opening: bool) -> None:
    """Add a square bracket hugging the start (or end) of ``box``, just outside it."""
    x, y, width, height = box
    inset = EDGE_WIDTH / 2
    x = x - inset if opening else x + width + inset
    tip = x + EDGE_TICK if opening else x - EDGE_TICK
    top, bottom = y + inset, y + height - inset
    path.moveTo(tip, top)
    path.lineTo(x, top)
    path.lineTo(x, bottom)
    path.lineTo(tip, bottom)


def line_extent(block: QTextBlock, offset: int) -> tuple[float, float]:
    """Top and bottom (block coordinates) of the line holding ``offset`` of ``block``."""
    layout = block.layout()
    line = layout.lineForTextPosition(min(max(offset, 0), block.length() - 1))
    if not line.isValid():
        line = layout.lineAt(layout.lineCount() - 1)
    return line.y(), line.y() + line.height()


def coding_tooltip(codings: Sequence[CodingSpan]) -> str:
    """Rich text naming each coding's code and coder, with the start of its memo."""
    rows = []
    for coding in codings:
        memo = coding.memo[:MEMO_PREVIEW] + ("…" if len(coding.memo) > MEMO_PREVIEW else "")
        row = (
            f"<span style='color:{coding.code_color}'>&#9632;</span>&nbsp;"
            f"<b>{escape(coding.code_name)}</b> &nbsp;<span style='color:#666'>"
            f"{escape(coding.coder_name)}</span>"
        )
        if memo:
            row += f"<br><i>{escape(memo)}</i>"
        rows.append(row)
    return "<p style='white-space:pre-wrap'>" + "<br>".join(rows) + "</p>"


def _x(line: QTextLine, offset: int) -> float:
    x, _ = cast(tuple[float, int], line.cursorToX(offset))
    return x
