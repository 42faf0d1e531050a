"""The document viewer the main window shows: text, speaker gutter, coding stripes, menus."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QMenu, QPlainTextEdit, QVBoxLayout, QWidget

from app.viewer.coding_look import coding_tooltip
from app.viewer.span_index import SpanDiff
from app.viewer.speaker_gutter import SpeakerGutter
from app.viewer.stripe_margin import StripeMargin
from app.viewer.text_view import TextView
from coding.records import CodingSpan, ParagraphRecord


class DocumentView(QWidget):
    """One document's text with its speaker turns and codings. Positions are code points."""

    selection_changed = Signal(int, int)  # [start, end) of the selection; (-1, -1) for none
    cursor_moved = Signal(int)  # the text cursor's position
    coding_clicked = Signal(int)  # a coding id: its stripe or its highlight was clicked
    remove_coding_requested = Signal(int)
    change_code_requested = Signal(int)
    memo_requested = Signal(int)
    quick_key_pressed = Signal(int)  # 1-9, pressed in the text without modifiers

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = TextView(self)
        self._text.setPlaceholderText("Choose a document to read it.")
        self._gutter = SpeakerGutter(self._text)
        self._stripes = StripeMargin(self._text)
        self._text.set_margins(self._gutter, self._stripes)
        self._context_actions: list[QAction] = []
        self._last_selection = (-1, -1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._text)
        self.setFocusProxy(self._text)

        self._text.selectionChanged.connect(self._on_text_selection_changed)
        self._text.cursorPositionChanged.connect(self._on_text_cursor_position_changed)
        self._text.coding_clicked.connect(self.coding_clicked)
        self._text.quick_key_pressed.connect(self.quick_key_pressed)
        self._text.menu_requested.connect(self._on_text_menu_requested)
        self._stripes.coding_clicked.connect(self._on_stripes_coding_clicked)
        self._stripes.menu_requested.connect(self._on_stripes_menu_requested)

    # -- content ---------------------------------------------------------------------------

    def set_document(
        self,
        document_id: int,
        text: str,
        paragraphs: list[ParagraphRecord],
        spans: list[CodingSpan],
    ) -> None:
        """Show a document: ``spans`` and ``paragraphs`` are in code points into ``text``."""
        self._gutter.set_paragraphs(paragraphs)
        self._text.show_text(document_id, text, spans)

    def clear(self) -> None:
        self._gutter.set_paragraphs([])
        self._text.clear_text()

    def document_id(self) -> int | None:
        return self._text.document_id

    def update_spans(self, spans: list[CodingSpan]) -> SpanDiff:
        """Show the document's new codings without setting its text again.

        Codings whose span stays keep their lane; returns what changed. The stripe margin keeps
        a spare lane, and widens (wrapping the text anew) only when the lanes outgrow it.
        """
        before = {span.id: span for span in self._text.codings}
        diff = self._text.codings.update(spans)
        if diff:
            if self._text.refit_margins():  # the lanes outgrew the room kept for them
                self._text.viewport().update()
            else:  # repaint only the lines where codings came, went or changed
                after = {span.id: span for span in spans}
                touched = [
                    span
                    for ids, spans_by_id in (
                        (diff.added + diff.changed, after),
                        (diff.removed + diff.changed, before),
                    )
                    for span in (spans_by_id[i] for i in ids if i in spans_by_id)
                ]
                self._text.update_spans_area(touched)
            self._stripes.update()
        return diff

    # -- positions -------------------------------------------------------------------------

    def selection(self) -> tuple[int, int] | None:
        return self._text.selection()

    def select_span(self, start: int, end: int) -> None:
        """Select ``[start, end)`` and scroll it into the middle of the view."""
        self._text.select_span(start, end)

    def codings_at(self, position: int) -> list[CodingSpan]:
        return self._text.codings.at(position)

    def spans(self) -> list[CodingSpan]:
        """The document's codings, in text order."""
        return sorted(self._text.codings, key=lambda span: (span.start, span.end, span.id))

    def coding(self, coding_id: int) -> CodingSpan | None:
        """One of the document's codings by id."""
        codings = self._text.codings
        return codings.get(coding_id) if coding_id in codings else None

    def cursor_position(self) -> int | None:
        """The text cursor's code point; None when no document is shown."""
        if self._text.document_id is None:
            return None
        return self._text.offsets.from_qt(self._text.textCursor().position())

    def tooltip_text(self, position: int) -> str:
        """What hovering code point ``position`` shows: its codings, or "" if none."""
        codings = self.codings_at(position)
        return coding_tooltip(codings) if codings else ""

    def text_view(self) -> QPlainTextEdit:
        return self._text

    def stripe_margin(self) -> StripeMargin:
        return self._stripes

    def speaker_gutter(self) -> SpeakerGutter:
        return self._gutter

    # -- menus -----------------------------------------------------------------------------

    def set_context_actions(self, actions: list[QAction]) -> None:
        """Actions shown first in the context menu (for example "Code selection…")."""
        self._context_actions = list(actions)

    def build_context_menu(self, coding_ids: Sequence[int], parent: QWidget | None = None) -> QMenu:
        """The context menu for the codings ``coding_ids``: the extra actions, then per coding
        "Remove coding", "Change code…" and "Memo…" (a submenu each when there are several),
        then Copy and Select All."""
        menu = QMenu(parent or self)
        menu.addActions(self._context_actions)
        menu.addSeparator()  # separators collapse where a section is empty
        codings = [self._text.codings.get(i) for i in coding_ids if i in self._text.codings]
        if len(codings) == 1:
            menu.addActions(self._coding_actions(codings[0], menu))
        else:
            for coding in codings:
                submenu = menu.addMenu(
                    _swatch(coding.code_color), f"“{coding.code_name}” – {coding.coder_name}"
                )
                submenu.addActions(self._coding_actions(coding, submenu))
        menu.addSeparator()
        standard = self._text.createStandardContextMenu()
        standard.setParent(menu, standard.windowFlags())  # it owns Copy and Select All
        menu.addActions(standard.actions())
        return menu

    def _coding_actions(self, coding: CodingSpan, parent: QMenu) -> list[QAction]:
        actions = []
        for text, signal in (
            (f"Remove coding “{coding.code_name}”", self.remove_coding_requested),
            ("Change code…", self.change_code_requested),
            ("Memo…", self.memo_requested),
        ):
            action = QAction(text, parent)
            action.setData(coding.id)
            _emit_on_trigger(action, signal, coding.id)
            actions.append(action)
        actions[0].setIcon(_swatch(coding.code_color))
        return actions

    def _pop_up_menu(self, coding_ids: list[int], global_position: QPoint) -> None:
        menu = self.build_context_menu(coding_ids)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(global_position)  # not exec(): nothing waits on the menu

    # -- slots -----------------------------------------------------------------------------

    def _on_text_selection_changed(self) -> None:
        selection = self._text.selection() or (-1, -1)
        if selection != self._last_selection:
            self._last_selection = selection
            self.selection_changed.emit(*selection)

    def _on_text_cursor_position_changed(self) -> None:
        self.cursor_moved.emit(self._text.offsets.from_qt(self._text.textCursor().position()))

    def _on_text_menu_requested(self, coding_ids: list[int], global_position: QPoint) -> None:
        self._pop_up_menu(coding_ids, global_position)

    def _on_stripes_menu_requested(self, coding_ids: list[int], global_position: QPoint) -> None:
        self._pop_up_menu(coding_ids, global_position)

    def _on_stripes_coding_clicked(self, coding_id: int) -> None:
        coding = self._text.codings.get(coding_id)
        self.select_span(coding.start, coding.end)
        self.coding_clicked.emit(coding_id)


def _emit_on_trigger(action: QAction, signal: SignalInstance, coding_id: int) -> None:
    action.triggered.connect(lambda: signal.emit(coding_id))


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)
