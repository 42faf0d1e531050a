"""Every QAction of the main window, built in one place and keyed by ActionId."""

from __future__ import annotations

from enum import Enum, auto

from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QWidget


class ActionId(Enum):
    NEW_PROJECT = auto()
    OPEN_PROJECT = auto()
    IMPORT_DOCUMENTS = auto()
    QUIT = auto()
    UNDO = auto()
    REDO = auto()
    CODE_SELECTION = auto()
    CODE_IN_VIVO = auto()
    REMOVE_CODING_AT_CURSOR = auto()
    MEMO_AT_CURSOR = auto()
    CODEBOOK_DIALOG = auto()
    FOCUS_DOCUMENTS = auto()
    FOCUS_TEXT = auto()
    FOCUS_CODES = auto()
    FIND_IN_DOCUMENT = auto()
    FIND_IN_PROJECT = auto()
    CODING_QUERY = auto()
    EXPORT = auto()
    CHANGE_CODER = auto()
    AGREEMENT = auto()
    MERGE_PROJECTS = auto()
    IMPORT_PROJECT = auto()
    EXPORT_PROJECT = auto()
    CODE_SPEAKER_TURNS = auto()
    SAVE_COPY_FOR_CODER = auto()


#: (text, shortcuts, status tip) of each action that is not built by the undo stack.
_SPECS: dict[ActionId, tuple[str, tuple[QKeySequence.StandardKey | str, ...], str]] = {
    ActionId.NEW_PROJECT: (
        "&New project…",
        (QKeySequence.StandardKey.New,),
        "Create an empty project",
    ),
    ActionId.OPEN_PROJECT: ("&Open project…", (QKeySequence.StandardKey.Open,), "Open a project"),
    ActionId.IMPORT_DOCUMENTS: (
        "&Import documents…",
        ("Ctrl+Shift+I",),
        "Import transcripts: .docx, .odt, .txt, .md, .vtt, .srt",
    ),
    ActionId.QUIT: ("&Quit", (QKeySequence.StandardKey.Quit,), "Close Tillit"),
    ActionId.CODE_SELECTION: (
        "&Code selection…",
        ("Ctrl+K",),
        "Choose a code for the selected passage",
    ),
    ActionId.CODE_IN_VIVO: (
        "Code in &vivo",
        ("Ctrl+Shift+K",),
        "Create a code named after the selected words and apply it",
    ),
    ActionId.REMOVE_CODING_AT_CURSOR: (
        "&Remove coding at cursor…",
        ("Ctrl+Shift+Backspace",),
        "Remove a coding that covers the text cursor",
    ),
    ActionId.MEMO_AT_CURSOR: (
        "&Memo on coding at cursor…",
        ("Ctrl+Shift+M",),
        "Write the memo of a coding that covers the text cursor",
    ),
    ActionId.CODEBOOK_DIALOG: (
        "Code&book…",
        (),
        "Export the codebook, or import or merge another codebook",
    ),
    ActionId.FOCUS_DOCUMENTS: ("Go to &documents", ("Ctrl+1",), "Move the focus to the documents"),
    ActionId.FOCUS_TEXT: ("Go to &text", ("Ctrl+2",), "Move the focus to the text"),
    ActionId.FOCUS_CODES: ("Go to c&odes", ("Ctrl+3",), "Move the focus to the code tree"),
    ActionId.FIND_IN_DOCUMENT: (
        "&Find in document…",
        (QKeySequence.StandardKey.Find,),
        "Search the document on screen",
    ),
    ActionId.IMPORT_PROJECT: (
        "Import pro&ject (REFI-QDA)…",
        (),
        "Make a new project of a .qdpx file from NVivo, ATLAS.ti, MAXQDA or QualCoder",
    ),
    ActionId.EXPORT_PROJECT: (
        "Export pro&ject (REFI-QDA)…",
        (),
        "Write the whole project to a .qdpx file that other programs read",
    ),
    ActionId.SAVE_COPY_FOR_CODER: (
        "Save a &copy for a coder…",
        (),
        "A copy of the project (everything saved so far) for a coder to work in on their own; "
        "merge it back later",
    ),
    ActionId.MERGE_PROJECTS: (
        "&Merge coders' projects…",
        (),
        "Bring coders' copies of this project in: their codings, codes, memos and cases",
    ),
    ActionId.AGREEMENT: (
        "Inter-coder &agreement…",
        (),
        "Percent agreement, Cohen's kappa and Krippendorff's alpha per code; walk through the "
        "passages where coders differ and accept a version",
    ),
    ActionId.CHANGE_CODER: (
        "Change &coder…",
        (),
        "Choose who is coding: new codings are credited to this coder",
    ),
    ActionId.EXPORT: (
        "&Export…",
        ("Ctrl+E",),
        "Coded excerpts, an annotated transcript or the codebook to Word; codings to Excel or CSV",
    ),
    ActionId.CODING_QUERY: (
        "Coding &queries and matrices…",
        ("Ctrl+Shift+Q",),
        "Combine codes (AND, NOT, NEAR, same paragraph), count them by document or attribute, "
        "and see which codes occur together",
    ),
    ActionId.CODE_SPEAKER_TURNS: (
        "Code every &turn of a speaker…",
        (),
        "Code every turn of one speaker, in this document or in all of them",
    ),
    ActionId.FIND_IN_PROJECT: (
        "Search &project…",
        ("Ctrl+Shift+F",),
        "Search every document: words, phrases, codes, speakers, cases and attributes",
    ),
}


def build_actions(parent: QWidget, stack: QUndoStack) -> dict[ActionId, QAction]:
    """The window's actions; undo and redo come from the stack and name what they do."""
    actions: dict[ActionId, QAction] = {}
    for action_id, (text, shortcuts, tip) in _SPECS.items():
        action = QAction(text, parent)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setStatusTip(tip)
        actions[action_id] = action
    undo = stack.createUndoAction(parent, "&Undo")
    undo.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Undo))
    redo = stack.createRedoAction(parent, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    actions[ActionId.UNDO] = undo
    actions[ActionId.REDO] = redo
    return actions
