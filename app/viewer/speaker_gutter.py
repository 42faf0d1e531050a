"""The left margin of the viewer: who speaks, and when, beside the first line of each turn."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QStaticText,
    QTransform,
)
from typing_extensions import override

from app.viewer.text_view import MarginWidget, TextView
from coding.records import ParagraphRecord

#: Width of the gutter in pixels; names are elided to fit.
GUTTER_WIDTH = 112
_PADDING = 6
#: Dark colours that read well on white, one per speaker in order of first appearance.
SPEAKER_COLORS = (
    "#1f5fa8",
    "#b0412e",
    "#2e7d32",
    "#7b3fa0",
    "#9a6400",
    "#00808c",
    "#ad1457",
    "#5d4037",
)


def timestamp(ms: int) -> str:
    """``hh:mm:ss`` of a time in milliseconds."""
    seconds = ms // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class SpeakerGutter(MarginWidget):
    """Speaker names (bold, a colour each) and timestamps of the turns of a ``TextView``."""

    def __init__(self, view: TextView) -> None:
        super().__init__(view)
        self._view = view
        self._turns: list[ParagraphRecord] = []
        self._starts: list[int] = []
        self._colors: dict[str, QColor] = {}
        self._elisions: dict[tuple[str, float], QStaticText] = {}
        self._statics: dict[tuple[str, str], QStaticText] = {}
        self._set_fonts()

    def _set_fonts(self) -> None:
        self._name_font = QFont(self.font())
        self._name_font.setBold(True)
        self._time_font = QFont(self.font())
        self._time_font.setPointSizeF(max(6.0, self.font().pointSizeF() - 1.5))
        self._name_metrics = QFontMetricsF(self._name_font)
        self._time_metrics = QFontMetricsF(self._time_font)
        self._elisions = {}
        self._statics = {}

    @override
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._set_fonts()
        super().changeEvent(event)

    def set_paragraphs(self, paragraphs: Sequence[ParagraphRecord]) -> None:
        """The turns to label, in text order: those with a speaker or a start time."""
        self._turns = [p for p in paragraphs if p.speaker or p.start_ms is not None]
        self._starts = [turn.start for turn in self._turns]
        self._colors = {}
        for speaker in dict.fromkeys(turn.speaker for turn in self._turns):  # in order of turns
            if speaker:
                palette_color = SPEAKER_COLORS[len(self._colors) % len(SPEAKER_COLORS)]
                self._colors[speaker] = QColor(palette_color)
        self.update()

    def speaker_color(self, speaker: str) -> QColor | None:
        return self._colors.get(speaker)

    @override
    def sizeHint(self) -> QSize:
        return QSize(GUTTER_WIDTH, 0)

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().alternateBase())
        painter.setPen(self.palette().mid().color())
        painter.drawLine(
            self.width() - 1, event.rect().top(), self.width() - 1, event.rect().bottom()
        )
        if self._turns:
            self._paint_turns(painter, event)
        painter.end()

    def _paint_turns(self, painter: QPainter, event: QPaintEvent) -> None:
        width = self.width() - 2 * _PADDING
        offsets = self._view.offsets
        names: list[tuple[QPointF, QColor, QStaticText]] = []
        times: list[tuple[QPointF, QStaticText]] = []
        name_ascent, time_ascent = self._name_metrics.ascent(), self._time_metrics.ascent()
        for block, top in self._view.visible_blocks(event.rect()):
            first = offsets.from_qt(block.position())
            end = offsets.from_qt(block.position() + block.length())
            layout = block.layout()
            for k in range(bisect_left(self._starts, first), len(self._turns)):
                turn = self._turns[k]
                if turn.start >= end:
                    break
                line = layout.lineForTextPosition(offsets.to_qt(turn.start) - block.position())
                if not line.isValid():
                    continue
                baseline = top + line.y() + line.ascent()
                name_width = float(width)
                if turn.start_ms is not None:
                    time = self._static(timestamp(turn.start_ms), self._time_font)
                    if line.lineNumber() + 1 < layout.lineCount():  # room on the next line
                        y = baseline + line.height() - time_ascent
                        times.append((QPointF(_PADDING, y), time))
                    else:
                        advance = time.size().width()
                        times.append(
                            (QPointF(_PADDING + width - advance, baseline - time_ascent), time)
                        )
                        name_width -= advance + _PADDING
                if turn.speaker:
                    name = self._elided(turn.speaker, name_width)
                    point = QPointF(_PADDING, baseline - name_ascent)
                    names.append((point, self._colors[turn.speaker], name))
        # Static texts keep their layout between paints: the labels repeat all through a
        # transcript, and laying each out again would be most of this paint.
        painter.setFont(self._name_font)
        for point, color, name in names:
            painter.setPen(color)
            painter.drawStaticText(point, name)
        painter.setFont(self._time_font)
        painter.setPen(self.palette().placeholderText().color())
        for point, time in times:
            painter.drawStaticText(point, time)

    def _elided(self, name: str, width: float) -> QStaticText:
        elided = self._elisions.get((name, width))
        if elided is None:
            text = self._name_metrics.elidedText(name, Qt.TextElideMode.ElideRight, width)
            elided = self._elisions[(name, width)] = self._static(text, self._name_font)
        return elided

    def _static(self, text: str, font: QFont) -> QStaticText:
        static = self._statics.get((text, font.key()))
        if static is None:
            static = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(QTransform(), font)
            self._statics[(text, font.key())] = static
        return static
