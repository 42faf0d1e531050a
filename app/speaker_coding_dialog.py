"""The dialog "Code every turn of a speaker": choose a speaker, the documents and a code."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.code_tree.dialogs import CodeChooserDialog
from app.code_tree.swatch import swatch_icon
from app.workbench import Workbench
from coding import queries
from coding.autocode import CodeSpeakerTurns, SpeakerSummary, speaker_key, speakers
from coding.project import code_paths

_TITLE = "Code every turn of a speaker"
_PATH_SEPARATOR = " › "
_KEY = Qt.ItemDataRole.UserRole + 1


def code_speaker_turns(
    workbench: Workbench, current_document_id: int | None, current_code_id: int | None
) -> bool:
    """Ask whose turns to code, where and with which code; code them as one undoable edit.

    ``current_document_id`` offers "only this document"; ``current_code_id`` is the code
    proposed. False when the project has no speaker turns, the researcher cancels, or the edit
    is refused (which :meth:`Workbench.run` explains).
    """
    dialog = SpeakerCodingDialog(
        workbench, current_document_id, current_code_id, parent=workbench.window
    )
    try:
        if dialog.speaker_count() == 0:
            QMessageBox.information(
                workbench.window,
                _TITLE,
                "No document of this project has speaker turns. Tillit recognises speakers "
                "when a transcript's lines begin with a name and a colon (“P3: …”).",
            )
            return False
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        command = dialog.command()
        return command is not None and workbench.run(command)
    finally:
        dialog.deleteLater()


class SpeakerCodingDialog(QDialog):
    """Choose a speaker (with their turns and documents), the documents, and a code.

    Tests drive it without ``exec()``: ``select_speaker``, ``set_scope_current``,
    ``set_code``, then ``command()``.
    """

    def __init__(
        self,
        workbench: Workbench,
        current_document_id: int | None = None,
        current_code_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_TITLE)
        self.resize(480, 460)
        self._project = workbench.project
        self._current_document_id = current_document_id
        records = queries.codes(self._project)
        self._codes = {code.id: code for code in records}
        self._paths = code_paths(records)
        self._roots = queries.tree_of(records)
        self._code_id: int | None = None
        self._summaries: dict[str, SpeakerSummary] = {}

        self.speaker_list = _speaker_list()
        self.all_documents = QRadioButton("&All documents")
        self.current_document = QRadioButton()
        self._scope = QButtonGroup(self)
        self._scope.addButton(self.all_documents)
        self._scope.addButton(self.current_document)
        self.all_documents.setChecked(True)
        self._label_current_document()
        self.code_button = QPushButton()
        self.code_button.setToolTip("Choose the code to apply to every turn")
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Code turns")

        form = QFormLayout()
        form.addRow("&Speaker:", self.speaker_list)
        scope = QVBoxLayout()
        scope.addWidget(self.all_documents)
        scope.addWidget(self.current_document)
        form.addRow("Documents:", scope)
        form.addRow("C&ode:", self.code_button)
        intro = QLabel(
            "Each turn – the paragraphs a speaker says in a row – becomes one coded passage, "
            "credited to the current coder. One undo takes them all back."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form, 1)
        layout.addWidget(self.preview)
        layout.addWidget(self._buttons)

        self.speaker_list.currentItemChanged.connect(self._update_preview)
        self.speaker_list.itemDoubleClicked.connect(self._on_speaker_list_item_double_clicked)
        self._scope.buttonToggled.connect(self._on_scope_button_toggled)
        self.code_button.clicked.connect(self._on_code_button_clicked)
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        self._load_speakers()
        self.set_code(current_code_id)
        self.speaker_list.setFocus()

    def speaker_count(self) -> int:
        """The number of speakers listed (of the documents chosen)."""
        return self.speaker_list.topLevelItemCount()

    def select_speaker(self, name: str) -> bool:
        """Make the speaker called ``name`` (any case) the chosen one; False when not listed."""
        item = self._item_of(speaker_key(name))
        if item is not None:
            self.speaker_list.setCurrentItem(item)
        return item is not None

    def chosen_speaker(self) -> SpeakerSummary | None:
        item = self.speaker_list.currentItem()
        return None if item is None else self._summaries[str(item.data(0, _KEY))]

    def set_scope_current(self, current: bool) -> None:
        """Limit the coding to the current document (True) or code in all documents."""
        (self.current_document if current else self.all_documents).setChecked(True)

    def set_code(self, code_id: int | None) -> None:
        """Make ``code_id`` the code to apply; a folder or an unknown code leaves none chosen."""
        code = self._codes.get(code_id) if code_id is not None else None
        if code is None or not code.codable:
            self._code_id = None
            self.code_button.setIcon(QIcon())
            self.code_button.setText("Choose a code…")
        else:
            self._code_id = code.id
            self.code_button.setIcon(swatch_icon(code.color, True))
            self.code_button.setText(self._paths[code.id].replace("/", _PATH_SEPARATOR))
        self._update_preview()

    def chosen_code_id(self) -> int | None:
        return self._code_id

    def command(self) -> CodeSpeakerTurns | None:
        """The edit the dialog describes, or None while a speaker or the code is missing."""
        speaker = self.chosen_speaker()
        if speaker is None or self._code_id is None:
            return None
        return CodeSpeakerTurns(
            self._project, speaker.name, code_id=self._code_id, document_ids=self._document_ids()
        )

    def _document_ids(self) -> list[int] | None:
        if self.current_document.isChecked() and self._current_document_id is not None:
            return [self._current_document_id]
        return None

    def _label_current_document(self) -> None:
        if self._current_document_id is None:
            self.current_document.setText("Only the open document (none is open)")
            self.current_document.setEnabled(False)
            return
        [summary] = queries.documents(self._project, [self._current_document_id])
        self.current_document.setText(f"Only “{summary.name}”".replace("&", "&&"))
        self.current_document.setToolTip("The document open in the viewer")

    def _load_speakers(self) -> None:
        """List the speakers of the documents chosen, keeping the chosen speaker if still there."""
        chosen = self.chosen_speaker()
        with QSignalBlocker(self.speaker_list):
            self.speaker_list.clear()
            self._summaries = {
                speaker_key(summary.name): summary
                for summary in speakers(self._project, self._document_ids())
            }
            for key, summary in self._summaries.items():
                item = QTreeWidgetItem(
                    [summary.name, f"{summary.turns:,}", f"{summary.documents:,}"]
                )
                for column in (1, 2):
                    item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
                item.setData(0, _KEY, key)
                self.speaker_list.addTopLevelItem(item)
            first = self.speaker_list.topLevelItem(0)
            if (chosen is None or not self.select_speaker(chosen.name)) and first is not None:
                self.speaker_list.setCurrentItem(first)
        self._update_preview()

    def _item_of(self, key: str) -> QTreeWidgetItem | None:
        items = (self.speaker_list.topLevelItem(row) for row in range(self.speaker_count()))
        return next((item for item in items if item and item.data(0, _KEY) == key), None)

    def _update_preview(self, *_: object) -> None:
        speaker = self.chosen_speaker()
        code = self._codes.get(self._code_id) if self._code_id is not None else None
        if speaker is None:
            text = "Choose a speaker."
        elif code is None:
            text = "Choose the code to apply."
        else:
            turns = "1 turn" if speaker.turns == 1 else f"{speaker.turns:,} turns"
            where = "1 document" if speaker.documents == 1 else f"{speaker.documents:,} documents"
            text = (
                f"Codes {turns} of “{speaker.name}” in {where} with “{code.name}”. "
                "Turns that already have this code from you are left as they are."
            )
        self.preview.setText(text)
        self.ok_button.setEnabled(self.command() is not None)

    def _on_scope_button_toggled(self, _button: object, checked: bool) -> None:
        if checked:
            self._load_speakers()

    def _on_code_button_clicked(self) -> None:
        chooser = CodeChooserDialog(
            self._roots, "Code every turn with", self, current=self._code_id
        )
        try:
            if chooser.exec() == QDialog.DialogCode.Accepted:
                self.set_code(chooser.chosen_code_id())
        finally:
            chooser.deleteLater()

    def _on_speaker_list_item_double_clicked(self, *_: object) -> None:
        if self.ok_button.isEnabled():
            self.accept()


def _speaker_list() -> QTreeWidget:
    """An empty list of speakers: name, turns and documents, one row each."""
    speaker_list = QTreeWidget()
    speaker_list.setHeaderLabels(["Speaker", "Turns", "Documents"])
    speaker_list.setRootIsDecorated(False)
    speaker_list.setUniformRowHeights(True)
    speaker_list.setAlternatingRowColors(True)
    speaker_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = speaker_list.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in (1, 2):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return speaker_list
