"""One passage where coders differ, walked with Previous and Next: each coder's version in
a column of its own, the text in context with what the coder coded shaded in the code's
colour, and a button under each that accepts that version into the consensus coding."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from itertools import pairwise

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.viewer.coding_look import highlight_colors
from coding.disagreements import Passage, Span, Version

#: Code points of context shown on each side of a passage, within its paragraph.
CONTEXT = 240
#: Opacity of the shading of what a coder coded: stronger than the viewer's highlight, since
#: here one shade alone must show the difference between the columns.
SHADE_ALPHA = 190


class PassageWalker(QWidget):
    """One passage at a time: where it is, Previous and Next, one column per coder with
    their version in context, and the buttons that accept a version."""

    #: Previous (-1) or Next (+1) was pressed.
    moved = Signal(int)
    #: The version in this column (from 0) is to be accepted.
    accepted = Signal(int)
    #: Open in the viewer was pressed.
    opened = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.place = QLabel()
        self.open_button = QPushButton("Open in viewer")
        self.open_button.setToolTip("Show this passage in its document")
        self.consensus_edit = QLineEdit()
        self.consensus_edit.setMaximumWidth(160)
        self.consensus_edit.setToolTip(
            "The coder whose codings hold the accepted versions: the consensus coding"
        )
        self.consensus_state = QLabel()
        self.consensus_state.setTextFormat(Qt.TextFormat.PlainText)
        self.columns: list[VersionColumn] = []
        self._columns_row = QHBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.previous_button)
        top.addWidget(self.place)
        top.addWidget(self.next_button)
        top.addWidget(self.open_button)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Consensus coder:"))
        bottom.addWidget(self.consensus_edit)
        bottom.addWidget(self.consensus_state, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self._columns_row, 1)
        layout.addLayout(bottom)
        self.previous_button.clicked.connect(lambda: self.moved.emit(-1))
        self.next_button.clicked.connect(lambda: self.moved.emit(1))
        self.open_button.clicked.connect(self.opened.emit)

    def show_nothing(self, message: str) -> None:
        self.title.setText(message)
        self.place.setText("")
        self._set_columns(0)
        self.consensus_state.setText("")
        for button in (self.previous_button, self.next_button, self.open_button):
            button.setEnabled(False)

    def show_passage(
        self,
        passage: Passage,
        text: str,
        *,
        path: str,
        color: str,
        place: tuple[int, int],
        consensus: Version,
    ) -> None:
        """Show ``passage`` of a code at ``path`` in ``color``, number ``place[0]`` (from 0)
        of ``place[1]``, with what the consensus coder has of it now."""
        index, count = place
        self.title.setText(f"“{path}” in “{passage.document_name}”")
        self.place.setText(f"{index + 1:,} of {count:,}")
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index + 1 < count)
        self.open_button.setEnabled(True)
        self._set_columns(len(passage.versions))
        for column, version in zip(self.columns, passage.versions, strict=True):
            column.show_version(passage, version, text, color, consensus)
        self.consensus_state.setText(_consensus_state(passage, consensus))

    def _set_columns(self, count: int) -> None:
        while len(self.columns) > count:
            column = self.columns.pop()
            self._columns_row.removeWidget(column)
            column.deleteLater()
        while len(self.columns) < count:
            column = VersionColumn(len(self.columns))
            column.accept_button.clicked.connect(
                lambda _=False, i=column.index: self.accepted.emit(i)
            )
            self._columns_row.addWidget(column, 1)
            self.columns.append(column)


class VersionColumn(QWidget):
    """One coder's version of a passage: who, how much, the text with what they coded."""

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.accept_button = QPushButton()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.accept_button)

    def show_version(
        self, passage: Passage, version: Version, text: str, color: str, consensus: Version
    ) -> None:
        self.heading.setText(f"{version.coder}: {_describe(version)}")
        self.text.setHtml(passage_html(text, passage, version.spans, color))
        accepted = bool(consensus.spans) and consensus.spans == version.spans
        if not version.present:
            label = "Did not code this document"
        elif accepted:
            label = f"{version.coder}’s version is accepted"
        elif version.spans:
            label = f"Accept {version.coder}’s version"
        else:
            label = f"Accept {version.coder}’s version (not coded)"
        self.accept_button.setText(label)
        has_some = bool(consensus.spans)
        self.accept_button.setEnabled(
            version.present and not accepted and (bool(version.spans) or has_some)
        )
        self.accept_button.setToolTip(
            f"Make this the coding of “{consensus.coder}” here (one undoable edit)"
        )


def passage_html(text: str, passage: Passage, spans: Sequence[Span], color: str) -> str:
    """The passage with its context as rich text: what the coder coded shaded in the code's
    colour, the differing units underlined, and the context around the passage greyed."""
    low, high = passage.extent
    start = max(low - CONTEXT, text.rfind("\n", 0, low) + 1)
    if start > text.rfind("\n", 0, low) + 1:  # cut inside a paragraph: from a word's start
        space = text.find(" ", start, low)
        start = space + 1 if space >= 0 else low
    line_end = text.find("\n", high)
    end = min(high + CONTEXT, line_end if line_end >= 0 else len(text))
    if end < (line_end if line_end >= 0 else len(text)):
        space = text.rfind(" ", high, end)
        end = space if space >= 0 else high
    cuts = {start, end, passage.start, passage.end}
    for span in (*spans, *passage.differing):
        cuts.update(min(max(bound, start), end) for bound in span)
    fill = _on_white(highlight_colors(color)[0], SHADE_ALPHA)
    grey = QApplication.palette().color(QPalette.ColorRole.PlaceholderText).name()
    parts = ["…"] if start > 0 and text[start - 1] != "\n" else []
    ordered = sorted(cuts)
    for a, b in pairwise(ordered):
        styles = []
        if any(s <= a and b <= e for s, e in spans):
            styles.append(f"background-color: {fill}")
        if any(s <= a and b <= e for s, e in passage.differing):
            styles.append("text-decoration: underline")
        elif not passage.start <= a < passage.end and not styles:
            styles.append(f"color: {grey}")
        parts.append(f"<span style='{'; '.join(styles)}'>{escape(text[a:b])}</span>")
    if end < len(text) and text[end] != "\n":
        parts.append("…")
    return f"<div style='white-space: pre-wrap'>{''.join(parts)}</div>"


def _on_white(color: QColor, alpha: int) -> str:
    """``color`` at opacity ``alpha`` (0–255) as it shows on white: rich text knows no alpha."""
    parts = (color.red(), color.green(), color.blue())
    return QColor(*(255 - (255 - part) * alpha // 255 for part in parts)).name()


def _describe(version: Version) -> str:
    if not version.present:
        return "made no coding in this document"
    if not version.spans:
        return "did not apply the code here"
    count = len(version.spans)
    characters = sum(end - start for start, end in version.spans)
    codings = f"{count} coding" + ("" if count == 1 else "s")
    return f"{codings}, {characters:,} character{'' if characters == 1 else 's'}"


def _consensus_state(passage: Passage, consensus: Version) -> str:
    if not consensus.spans:
        return f"“{consensus.coder}” has no coding of this code here yet."
    same = [v.coder for v in passage.versions if v.spans == consensus.spans]
    if same:
        return f"“{consensus.coder}” has {' and '.join(same)}’s version."
    return f"“{consensus.coder}” has a version of its own here."
