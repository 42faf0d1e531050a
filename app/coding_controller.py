"""Coding from the GUI: every way a researcher codes, uncodes or annotates a passage."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from app.code_tree.code_panel import CodePanel
from app.memo_panel import MemoPanel
from app.viewer.document_view import DocumentView
from app.workbench import Workbench
from coding.codings import ApplyCoding, ChangeCodingCode, RemoveCoding
from coding.records import CodingSpan, MemoTarget

_IN_VIVO_LIMIT = 60


def in_vivo_name(text: str) -> str:
    """A code name from the researcher's selection: one line, no "/", at most 60 characters."""
    name = " ".join(text.replace("/", "-").split()).strip(" .,:;!?«»\"“”'")
    if len(name) > _IN_VIVO_LIMIT:
        name = name[:_IN_VIVO_LIMIT].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return name


class CodingController:
    """Connects the viewer, the code tree and the memo editor to the coding commands."""

    def __init__(
        self,
        viewer: DocumentView,
        codes: CodePanel,
        memos: MemoPanel,
        window: QWidget,
        notify: Callable[[str], None],
    ) -> None:
        self.viewer = viewer
        self.codes = codes
        self.memos = memos
        self.window = window
        self._notify = notify
        self.workbench: Workbench | None = None
        viewer.quick_key_pressed.connect(self._on_viewer_quick_key_pressed)
        viewer.remove_coding_requested.connect(self.remove_coding)
        viewer.change_code_requested.connect(self.change_code)
        viewer.memo_requested.connect(self.edit_memo)
        codes.code_clicked.connect(self._on_codes_code_clicked)
        codes.code_activated.connect(self._on_codes_code_activated)
        codes.passage_dropped.connect(self._on_codes_passage_dropped)

    def apply_code(self, code_id: int) -> bool:
        """Code the viewer's selection with ``code_id``; False when nothing is selected."""
        selection = self.viewer.selection()
        document_id = self.viewer.document_id()
        if self.workbench is None or selection is None or document_id is None:
            return False
        command = ApplyCoding(self.workbench.project, document_id, [selection], code_id=code_id)
        return self.workbench.run(command)

    def code_selection(self) -> None:
        """Choose a code for the selection from a filterable list (keyboard coding)."""
        if not self._has_selection():
            return
        code_id = self.codes.choose_code("Code the selection with")
        if code_id is not None:
            self.apply_code(code_id)

    def code_in_vivo(self) -> None:
        """Create a code named after the selected words and apply it."""
        selection = self.viewer.selection()
        document_id = self.viewer.document_id()
        if self.workbench is None or selection is None or document_id is None:
            self._ask_for_selection()
            return
        text = self.viewer.text_view().textCursor().selectedText()
        name = in_vivo_name(text.replace("\u2029", " "))
        if not name:
            self._ask_for_selection()
            return
        command = ApplyCoding(self.workbench.project, document_id, [selection], code_path=name)
        self.workbench.run(command)

    def remove_coding(self, coding_id: int) -> None:
        if self.workbench is not None:
            self.workbench.run(RemoveCoding(self.workbench.project, coding_id))

    def change_code(self, coding_id: int) -> None:
        if self.workbench is None:
            return
        code_id = self.codes.choose_code("Change the coding's code to")
        if code_id is not None:
            self.workbench.run(ChangeCodingCode(self.workbench.project, coding_id, code_id))

    def edit_memo(self, coding_id: int) -> None:
        span = next((s for s in self.viewer.spans() if s.id == coding_id), None)
        label = f"the coding “{span.code_name}”" if span is not None else "the coding"
        self.memos.show_memo(MemoTarget(coding_id=coding_id), label)
        self.memos.editor.setFocus()

    def remove_coding_at_cursor(self) -> None:
        span = self._pick_at_cursor("Remove coding")
        if span is not None:
            self.remove_coding(span.id)

    def memo_at_cursor(self) -> None:
        span = self._pick_at_cursor("Memo on coding")
        if span is not None:
            self.edit_memo(span.id)

    def _pick_at_cursor(self, title: str) -> CodingSpan | None:
        spans = self._spans_at_cursor()
        if not spans:
            QMessageBox.information(self.window, title, "No coding covers the text cursor.")
            return None
        if len(spans) == 1:
            return spans[0]
        labels = [f"{s.code_name} ({s.coder_name})" for s in spans]
        label, ok = QInputDialog.getItem(self.window, title, "Which coding?", labels, 0, False)
        return spans[labels.index(label)] if ok else None

    def _spans_at_cursor(self) -> list[CodingSpan]:
        position = self.viewer.cursor_position()
        return [] if position is None else self.viewer.codings_at(position)

    def _has_selection(self) -> bool:
        if self.viewer.selection() is None:
            self._ask_for_selection()
            return False
        return True

    def _ask_for_selection(self) -> None:
        QMessageBox.information(
            self.window, "Code", "Select a passage in the text first (mouse, or Shift+arrows)."
        )

    def _on_viewer_quick_key_pressed(self, digit: int) -> None:
        code_id = self.codes.code_for_quick_key(digit)
        if code_id is None:
            self._notify(f"No code has the quick key {digit}; assign one in the code tree.")
        elif not self.apply_code(code_id):
            self._notify("Select a passage first, then press the code's quick key.")

    def _on_codes_code_clicked(self, code_id: int) -> None:
        self.apply_code(code_id)  # only when text is selected; else the click just selects

    def _on_codes_code_activated(self, code_id: int) -> None:
        if not self.apply_code(code_id) and self.viewer.selection() is None:
            self._ask_for_selection()

    def _on_codes_passage_dropped(
        self, code_id: int, document_id: int, start: int, end: int
    ) -> None:
        if self.workbench is None:
            return
        command = ApplyCoding(self.workbench.project, document_id, [(start, end)], code_id=code_id)
        self.workbench.run(command)
