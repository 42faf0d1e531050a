"""The right margin of the viewer: one labelled bar per coding, in lanes where codings meet."""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QToolTip
from typing_extensions import override

from app.viewer.coding_look import bar_colors, coding_tooltip, line_extent
from app.viewer.text_view import MarginWidget, TextView
from coding.records import CodingSpan

#: Width of one lane while the lanes fit in MAX_WIDTH; beyond that lanes are squeezed.
LANE_WIDTH = 18
#: The margin never grows wider than this: more lanes share it, down to MIN_LANE_WIDTH each
#: (beyond 72 lanes, the outermost are cut off; their codings are still in the text).
MAX_WIDTH = 18 * 12 + 8
MIN_LANE_WIDTH = 3
#: Room kept for lanes beyond those in use, and the least room there is, so that a new
#: overlap rarely widens the margin (which wraps the text anew).
SPARE_LANES = 1
MIN_LANES = 3
#: Bars narrower than this carry no label (the tooltip still names the code).
MIN_LABELLED_BAR = 11
_PADDING = 4  # on each side of the lanes
_BAR_GAP = 3  # between neighbouring lanes
_INSET = 1.5  # at each end of a bar, so that bars in one lane read as two
_LABEL_GAP = 6  # between a label running past its bar and the next bar in the lane


class Stripe(NamedTuple):
    """A coding's bar as painted: the rectangle is in margin coordinates."""

    coding: CodingSpan
    rect: QRectF


class StripeMargin(MarginWidget):
    """Coding stripes beside a ``TextView``, scrolled with it; lanes come from its codings."""

    #: A stripe was clicked: its coding's id.
    coding_clicked = Signal(int)
    #: A context menu was asked for on a stripe: its coding's id (in a list), global position.
    menu_requested = Signal(list, QPoint)

    def __init__(self, view: TextView) -> None:
        super().__init__(view)
        self._view = view
        self._room = MIN_LANES  # lanes the margin is wide enough for
        self._set_fonts()

    def _set_fonts(self) -> None:
        self._label_font = QFont(self.font())
        self._label_font.setPointSizeF(max(6.5, self.font().pointSizeF() - 2))
        self._label_metrics = QFontMetricsF(self._label_font)

    @override
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._set_fonts()
        super().changeEvent(event)

    @override
    def refit(self, *, shrink: bool) -> None:
        lanes = self._view.codings.lane_count
        if shrink or lanes > self._room:
            self._room = max(lanes + SPARE_LANES, MIN_LANES)

    def lane_width(self) -> float:
        """Width of a lane: LANE_WIDTH, or less when more lanes are in use than fit."""
        lanes = max(1, self._view.codings.lane_count)
        return max(MIN_LANE_WIDTH, min(LANE_WIDTH, self._lanes_width() / lanes))

    def _lanes_width(self) -> float:
        return min(self._room * LANE_WIDTH, MAX_WIDTH - 2 * _PADDING)

    @override
    def sizeHint(self) -> QSize:
        return QSize(round(2 * _PADDING + self._lanes_width()), 0)

    def stripes(self) -> list[Stripe]:
        """The bars of the codings in view, from their first line to their last, clipped."""
        blocks = list(self._view.visible_blocks())
        if not blocks:
            return []
        offsets = self._view.offsets
        starts = [block.position() for block, _ in blocks]
        last_block = blocks[-1][0]
        view_end = last_block.position() + last_block.length()
        codings = self._view.codings
        lane_width = self.lane_width()
        bar_width = max(2.0, lane_width - _BAR_GAP)
        height = self.height()
        painted = self._view.painted_extents()  # the text's paint found most of them
        found = []
        for coding in codings.overlapping(offsets.from_qt(starts[0]), offsets.from_qt(view_end)):
            known_top, known_bottom = painted.get(coding.id, (None, None))
            first, last = offsets.to_qt(coding.start), offsets.to_qt(coding.end) - 1
            if first < starts[0]:
                top = -1.0
            elif known_top is not None:
                top = known_top + _INSET
            else:
                k = bisect_right(starts, first) - 1
                top = blocks[k][1] + line_extent(blocks[k][0], first - starts[k])[0] + _INSET
            if last >= view_end:
                bottom = height + 1.0
            elif known_bottom is not None:
                bottom = known_bottom - _INSET
            else:
                k = bisect_right(starts, last) - 1
                bottom = blocks[k][1] + line_extent(blocks[k][0], last - starts[k])[1] - _INSET
            x = _PADDING + codings.lane(coding.id) * lane_width
            found.append(Stripe(coding, QRectF(x, top, bar_width, bottom - top)))
        return found

    def stripe_at(self, point: QPointF) -> Stripe | None:
        for stripe in self.stripes():
            if stripe.rect.contains(point):
                return stripe
        return None

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().alternateBase())
        stripes = self.stripes()
        by_color: dict[str, list[QRectF]] = {}
        for coding, rect in stripes:
            by_color.setdefault(coding.code_color, []).append(rect)
        inks: dict[str, QColor] = {}
        for code_color, rects in by_color.items():  # one call per colour: this runs often
            fill, outline, inks[code_color] = bar_colors(code_color)
            painter.setPen(QPen(outline, 1))
            painter.setBrush(fill)
            painter.drawRects(rects)
        if self.lane_width() - _BAR_GAP >= MIN_LABELLED_BAR:
            painter.setFont(self._label_font)
            for (coding, rect), room in zip(stripes, self._label_rooms(stripes), strict=True):
                self._paint_label(painter, coding.code_name, rect, room, inks[coding.code_color])
        painter.end()

    def _label_rooms(self, stripes: list[Stripe]) -> list[float]:
        """How far down each stripe's label may run: past a short bar, up to the next bar
        in its lane, so that a one-line coding still shows its code's name."""
        next_top: dict[float, float] = {}
        rooms = [0.0] * len(stripes)
        order = sorted(range(len(stripes)), key=lambda i: stripes[i].rect.top(), reverse=True)
        for i in order:
            rect = stripes[i].rect
            limit = next_top.get(rect.left(), float(self.height()))
            rooms[i] = max(rect.height(), limit - rect.top() - _LABEL_GAP)
            next_top[rect.left()] = rect.top()
        return rooms

    def _paint_label(
        self, painter: QPainter, name: str, rect: QRectF, room: float, ink: QColor
    ) -> None:
        visible = QRectF(rect.left(), rect.top(), rect.width(), room).intersected(
            QRectF(self.rect())
        )
        length = visible.height() - 6
        metrics = self._label_metrics
        if length < metrics.height() * 1.5:
            return
        text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, length)
        painter.save()
        # Rotated a quarter turn clockwise: the label reads downwards, along the bar, centred
        # across it.
        painter.translate(visible.left(), visible.top() + 3)
        painter.rotate(90)
        painter.setPen(ink)
        baseline = (metrics.ascent() - metrics.descent() - visible.width()) / 2
        painter.drawText(QPointF(0, baseline), text)
        painter.restore()

    @override
    def mousePressEvent(self, event: QMouseEvent) -> None:
        stripe = self.stripe_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and stripe is not None:
            self.coding_clicked.emit(stripe.coding.id)
            event.accept()
            return
        super().mousePressEvent(event)

    @override
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        stripe = self.stripe_at(QPointF(event.pos()))
        self.menu_requested.emit([stripe.coding.id] if stripe else [], event.globalPos())
        event.accept()

    @override
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            stripe = self.stripe_at(QPointF(event.pos()))
            if stripe is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), coding_tooltip([stripe.coding]), self)
            return True
        return super().event(event)
