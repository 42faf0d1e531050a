"""Colour swatches that stand for codes in trees and lists."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

_SIZE = 14


@cache
def swatch_icon(color: str, codable: bool) -> QIcon:
    """A filled square in the code's colour; a hollow one, drawn in it, for a folder."""
    qcolor = QColor(color)
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if codable:
        painter.setPen(QPen(qcolor.darker(150), 1))
        painter.setBrush(qcolor)
        painter.drawRoundedRect(1, 1, _SIZE - 2, _SIZE - 2, 3, 3)
    else:
        painter.setPen(QPen(qcolor.darker(130), 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(2, 2, _SIZE - 4, _SIZE - 4, 2, 2)
    painter.end()
    return QIcon(pixmap)
