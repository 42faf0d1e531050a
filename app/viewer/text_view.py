"""The transcript text: read-only, selectable, with coding highlights painted under the text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from PySide6.QtCore import QEvent, QMimeData, QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDrag,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextBlock,
    QTextCursor,
    QTextLine,
)
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QToolTip, QWidget
from typing_extensions import override

from app.text_offsets import OffsetMap
from app.viewer.coding_look import Extent, coding_tooltip, paint_highlights
from app.viewer.span_index import CodingSet
from app.workbench import PASSAGE_MIME
from coding.records import CodingSpan

#: Codings in one paragraph closer than this (code points) get separate stripe lanes: at the
#: widths a transcript is read at, a line holds fewer, so two bars in a lane never share a line.
LANE_GAP = 160

_QUICK_KEYS = range(Qt.Key.Key_1.value, Qt.Key.Key_9.value + 1)


class MarginWidget(QWidget):
    """A margin beside a ``TextView``: as wide as its size hint, which ``refit`` may change."""

    def refit(self, *, shrink: bool) -> None:
        """Choose a width for the view's current content; ``shrink``: it may get narrower."""


class TextView(QPlainTextEdit):
    """A document's text with its codings highlighted, between a left and a right margin."""

    #: A highlight was clicked without dragging: the shortest coding under the pointer.
    coding_clicked = Signal(int)
    quick_key_pressed = Signal(int)
    #: A context menu was asked for: ids of the codings under the pointer, global position.
    menu_requested = Signal(list, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setAcceptDrops(False)
        self.document_id: int | None = None
        self.text = ""
        self.offsets = OffsetMap("")
        self.codings = CodingSet(lane_gap=LANE_GAP)
        self._margins: tuple[MarginWidget, MarginWidget] | None = None
        self._drag_origin: QPoint | None = None  # a press inside the selection, not yet a drag
        self._press_point: QPoint | None = None
        self._painted: tuple[object, dict[int, Extent]] | None = None

    # -- content ---------------------------------------------------------------------------

    def show_text(self, document_id: int, text: str, spans: Sequence[CodingSpan]) -> None:
        """Show ``text`` with ``spans``; the margins are fitted before the text is laid out."""
        self._set_content(document_id, text, spans)
        if self._refit_margins(shrink=True):
            super().clear()  # wrapping the old text anew for the new margins would be wasted
            self._apply_margins()
        self.setPlainText(text)

    def clear_text(self) -> None:
        """Show nothing. The margins keep their widths: the next document usually needs about
        as many lanes, and opening it then lays its text out only once."""
        self._set_content(None, "", [])
        super().clear()

    def _set_content(self, document_id: int | None, text: str, spans: Sequence[CodingSpan]) -> None:
        self.document_id = document_id
        self.text = text
        self.offsets = OffsetMap(text)
        breaks = _line_breaks(text)
        self.codings = CodingSet(spans, lane_gap=LANE_GAP, breaks=breaks)

    def set_margins(self, left: MarginWidget, right: MarginWidget) -> None:
        """Place ``left`` and ``right`` beside the text, as wide as their size hints."""
        self._margins = (left, right)
        self.updateRequest.connect(self._on_self_update_request)
        self._refit_margins(shrink=True)
        self._apply_margins()

    def refit_margins(self) -> bool:
        """Widen the margins if the codings need more room than they have (never narrower:
        that would wrap the text anew for every edit); whether they changed."""
        if self._refit_margins(shrink=False):
            self._apply_margins()
            return True
        return False

    def update_spans_area(self, spans: Iterable[CodingSpan]) -> None:
        """Repaint just the lines that ``spans`` cover (where codings came, went or changed)."""
        document = self.document()
        offset = self.contentOffset()
        area = QRect()
        for span in spans:
            first = document.findBlock(self.offsets.to_qt(span.start))
            last = document.findBlock(self.offsets.to_qt(max(span.start, span.end - 1)))
            top = self.blockBoundingGeometry(first).translated(offset).top()
            bottom = self.blockBoundingGeometry(last).translated(offset).bottom()
            area = area.united(
                QRect(0, int(top) - 2, self.viewport().width(), int(bottom - top) + 4)
            )
        area = area.intersected(self.viewport().rect())
        if not area.isEmpty():
            self.viewport().update(area)

    def _refit_margins(self, *, shrink: bool) -> bool:
        """Let the margins choose their widths; whether the text's room changes."""
        if self._margins is None:
            return False
        for margin in self._margins:
            margin.refit(shrink=shrink)
        margins = self.viewportMargins()
        left, right = (margin.sizeHint().width() for margin in self._margins)
        return (margins.left(), margins.right()) != (left, right)

    def _apply_margins(self) -> None:
        if self._margins is not None:
            left, right = (margin.sizeHint().width() for margin in self._margins)
            self.setViewportMargins(left, 0, right, 0)
            self._place_margins()

    def _place_margins(self) -> None:
        if self._margins is None:
            return
        left, right = self._margins
        area = self.viewport().geometry()
        width = left.sizeHint().width()
        left.setGeometry(QRect(area.left() - width, area.top(), width, area.height()))
        width = right.sizeHint().width()
        right.setGeometry(QRect(area.right() + 1, area.top(), width, area.height()))

    def _on_self_update_request(self, rect: QRect, dy: int) -> None:
        if self._margins is None:
            return
        left, right = self._margins
        if dy:
            left.scroll(0, dy)
        else:
            left.update(0, rect.y(), left.width(), rect.height())
        if dy or rect.contains(self.viewport().rect()):
            right.update()

    # -- positions -------------------------------------------------------------------------

    def visible_blocks(self, rect: QRect | None = None) -> Iterator[tuple[QTextBlock, float]]:
        """The blocks that meet ``rect`` (default: the viewport), each with its top (viewport
        coordinates), in order."""
        area = rect if rect is not None else self.viewport().rect()
        block = self.firstVisibleBlock()
        top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        while block.isValid() and top <= area.bottom():
            bottom = top + self.blockBoundingRect(block).height()
            if block.isVisible() and bottom >= area.top():
                yield block, top
            block = block.next()
            top = bottom

    def qt_position_at(self, point: QPoint) -> int | None:
        """The Qt position of the character under ``point`` (viewport coordinates), if any."""
        block = self.cursorForPosition(point).block()
        geometry = self.blockBoundingGeometry(block).translated(self.contentOffset())
        layout = block.layout()
        x, y = point.x() - geometry.left(), point.y() - geometry.top()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            if line.y() <= y < line.y() + line.height():
                if not line.x() <= x < line.x() + line.naturalTextWidth():
                    return None
                offset = line.xToCursor(x, QTextLine.CursorPosition.CursorOnCharacter)
                return block.position() + min(offset, max(0, block.length() - 2))
        return None

    def position_at(self, point: QPoint) -> int | None:
        """The code point of the character under ``point`` (viewport coordinates), if any."""
        position = self.qt_position_at(point)
        return None if position is None else self.offsets.from_qt(position)

    def codings_under(self, point: QPoint) -> list[CodingSpan]:
        position = self.position_at(point)
        return [] if position is None else self.codings.at(position)

    def selection(self) -> tuple[int, int] | None:
        """The selection in code points, end exclusive."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        return self.offsets.from_qt(start), self.offsets.from_qt(end)

    def select_span(self, start: int, end: int) -> None:
        """Select ``[start, end)`` (code points) with its middle in the middle of the view."""
        first, last = self.offsets.to_qt(start), self.offsets.to_qt(end)
        cursor = QTextCursor(self.document())
        cursor.setPosition((first + last) // 2)
        self.setTextCursor(cursor)
        self.centerCursor()
        # The cursor ends at the start, so a span taller than the view shows its beginning.
        cursor.setPosition(last)
        cursor.setPosition(first, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def passage_mime_data(self) -> QMimeData | None:
        """The selection as a passage to drop on a code, and as plain text; None if none."""
        selection = self.selection()
        if selection is None or self.document_id is None:
            return None
        start, end = selection
        mime = QMimeData()
        payload = {"document_id": self.document_id, "start": start, "end": end}
        mime.setData(PASSAGE_MIME, json.dumps(payload).encode())
        mime.setText(self.text[start:end])
        return mime

    @override
    def createMimeDataFromSelection(self) -> QMimeData:
        return self.passage_mime_data() or super().createMimeDataFromSelection()

    # -- painting --------------------------------------------------------------------------

    @override
    def paintEvent(self, e: QPaintEvent) -> None:
        # Qt has filled the viewport's background already; the text is drawn over the fills.
        if len(self.codings):
            painter = QPainter(self.viewport())
            try:
                self._paint_highlights(painter, e.rect())
            finally:
                painter.end()  # before Qt's own painter on the viewport begins
        super().paintEvent(e)

    def _paint_highlights(self, painter: QPainter, rect: QRect) -> None:
        blocks = list(self.visible_blocks(rect))
        if not blocks:
            return
        last = blocks[-1][0]
        codings = self.codings.overlapping(
            self.offsets.from_qt(blocks[0][0].position()),
            self.offsets.from_qt(last.position() + last.length()),
        )
        spans = [
            (coding.code_color, self.offsets.to_qt(coding.start), self.offsets.to_qt(coding.end))
            for coding in codings
        ]
        extents = paint_highlights(painter, blocks, spans, self.contentOffset().x())
        if rect.contains(self.viewport().rect()):
            ids = (coding.id for coding in codings)
            self._painted = (self._geometry(), dict(zip(ids, extents, strict=True)))

    def painted_extents(self) -> dict[int, Extent]:
        """Tops of first lines and bottoms of last lines of the codings in view, by id, as the
        last full paint found them; empty if the text has moved since."""
        if self._painted is not None and self._painted[0] == self._geometry():
            return self._painted[1]
        return {}

    def _geometry(self) -> tuple[int, float, int, int, int, int]:
        """What the lines' places in the viewport depend on."""
        viewport = self.viewport()
        return (
            self.firstVisibleBlock().blockNumber(),
            self.contentOffset().y(),
            viewport.width(),
            viewport.height(),
            self.document().revision(),
            self.codings.generation,
        )

    # -- events ----------------------------------------------------------------------------

    @override
    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._place_margins()

    @override
    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            codings = self.codings_under(event.pos())
            if codings:
                QToolTip.showText(event.globalPos(), coding_tooltip(codings), self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    @override
    def keyPressEvent(self, e: QKeyEvent) -> None:
        plain = e.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if e.key() in _QUICK_KEYS and plain == Qt.KeyboardModifier.NoModifier:
            self.quick_key_pressed.emit(e.key() - Qt.Key.Key_0.value)
            e.accept()
            return
        super().keyPressEvent(e)

    @override
    def mousePressEvent(self, e: QMouseEvent) -> None:
        point = e.position().toPoint()
        self._press_point = point
        self._drag_origin = None
        if (
            e.button() == Qt.MouseButton.LeftButton
            and e.modifiers() == Qt.KeyboardModifier.NoModifier
            and self._in_selection(point)
        ):
            self._drag_origin = point  # keep the selection: this may become a drag
            e.accept()
            return
        super().mousePressEvent(e)

    @override
    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._drag_origin is not None:
            moved = (e.position().toPoint() - self._drag_origin).manhattanLength()
            if moved >= QApplication.startDragDistance():
                self._drag_origin = None
                self._press_point = None
                self._start_drag()
            e.accept()
            return
        super().mouseMoveEvent(e)

    @override
    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        point = e.position().toPoint()
        if self._drag_origin is not None:
            # A click inside the selection without a drag: place the cursor, as anywhere else.
            self._drag_origin = None
            self.setTextCursor(self.cursorForPosition(point))
            e.accept()
        else:
            super().mouseReleaseEvent(e)
        press, self._press_point = self._press_point, None
        if (
            e.button() == Qt.MouseButton.LeftButton
            and press is not None
            and (point - press).manhattanLength() < QApplication.startDragDistance()
            and not self.textCursor().hasSelection()
        ):
            codings = self.codings_under(point)
            if codings:
                shortest = min(codings, key=lambda coding: coding.end - coding.start)
                self.coding_clicked.emit(shortest.id)

    @override
    def contextMenuEvent(self, e: QContextMenuEvent) -> None:
        ids = [coding.id for coding in self.codings_under(e.pos())]
        self.menu_requested.emit(ids, e.globalPos())
        e.accept()

    def _in_selection(self, point: QPoint) -> bool:
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return False
        position = self.qt_position_at(point)
        return position is not None and cursor.selectionStart() <= position < cursor.selectionEnd()

    def _start_drag(self) -> None:
        mime = self.passage_mime_data()
        if mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)


def _line_breaks(text: str) -> list[int]:
    """Positions of the line breaks in ``text``."""
    breaks: list[int] = []
    found = text.find("\n")
    while found >= 0:
        breaks.append(found)
        found = text.find("\n", found + 1)
    return breaks
