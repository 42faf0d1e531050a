"""The dialog "Code every turn of a speaker": choices, preview, the edit and its undo."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app import speaker_coding_dialog
from app.speaker_coding_dialog import SpeakerCodingDialog, code_speaker_turns
from app.workbench import Workbench
from coding import queries
from coding.changes import Changes
from coding.codebook import AddCode
from coding.project import Project
from tests.conftest import add_document


def _add_code(project: Project, name: str, *, codable: bool = True) -> int:
    command = AddCode(project, name=name, codable=codable)
    command.do()
    assert command.code_id is not None
    return command.code_id


@pytest.fixture
def code_id(project: Project) -> int:
    return _add_code(project, "Autonomi")


@pytest.fixture
def other_document(project: Project, document_id: int) -> int:
    return add_document(project, "Intervju 2", "P2: Ja.\nP1: Nei.\nP1: Kanskje.")


def _dialog(qtbot: QtBot, workbench: Workbench, *args: int | None) -> SpeakerCodingDialog:
    dialog = SpeakerCodingDialog(workbench, *args)
    qtbot.addWidget(dialog)
    return dialog


def _speakers(dialog: SpeakerCodingDialog) -> list[list[str]]:
    items = (dialog.speaker_list.topLevelItem(row) for row in range(dialog.speaker_count()))
    return [[item.text(column) for column in range(3)] for item in items if item is not None]


def test_pick_a_speaker_and_code_then_undo_removes_the_codings(
    qtbot: QtBot, workbench: Workbench, document_id: int, other_document: int, code_id: int
) -> None:
    dialog = _dialog(qtbot, workbench, document_id, None)
    assert _speakers(dialog) == [["INT", "2", "1"], ["P1", "3", "2"], ["P2", "1", "1"]]
    assert not dialog.ok_button.isEnabled()  # no code yet
    assert dialog.select_speaker("p1")
    dialog.set_code(code_id)
    assert dialog.preview.text().startswith("Codes 3 turns of “P1” in 2 documents with “Autonomi”.")
    assert dialog.ok_button.isEnabled()
    announced: list[Changes] = []
    workbench.events.changed.connect(announced.append)
    command = dialog.command()
    assert command is not None

    assert workbench.run(command)
    coded = queries.codings(workbench.project, code_id=code_id)
    assert [(c.document_id, c.text) for c in coded] == [
        (document_id, "P1: Før var alt styrt av minutter. Nå får vi bruke skjønn 😀 og ta ansvar."),
        (document_id, "P1: Hun stoler på oss – det er det viktigste. Æ, ø og å overlever."),
        (other_document, "P1: Nei.\nP1: Kanskje."),
    ]
    assert announced[-1].codings == {c.id for c in coded}
    assert workbench.stack.undoText() == "Code 3 turns of “P1” with “Autonomi”"

    workbench.stack.undo()
    assert queries.codings(workbench.project) == []
    workbench.stack.redo()
    assert queries.codings(workbench.project, code_id=code_id) == coded


def test_the_current_document_alone(
    qtbot: QtBot, workbench: Workbench, document_id: int, other_document: int, code_id: int
) -> None:
    dialog = _dialog(qtbot, workbench, other_document, code_id)
    assert dialog.select_speaker("P1")
    dialog.set_scope_current(True)
    assert _speakers(dialog) == [["P1", "1", "1"], ["P2", "1", "1"]]
    speaker = dialog.chosen_speaker()
    assert speaker is not None
    assert speaker.name == "P1"
    assert "1 turn of “P1” in 1 document" in dialog.preview.text()
    command = dialog.command()
    assert command is not None
    assert workbench.run(command)
    assert [c.document_id for c in queries.codings(workbench.project)] == [other_document]


def test_without_a_current_document_only_all_documents(
    qtbot: QtBot, workbench: Workbench, document_id: int
) -> None:
    dialog = _dialog(qtbot, workbench, None, None)
    assert dialog.all_documents.isChecked()
    assert not dialog.current_document.isEnabled()


def test_a_folder_is_not_a_code_to_choose(
    qtbot: QtBot, workbench: Workbench, document_id: int
) -> None:
    folder = _add_code(workbench.project, "Roller", codable=False)
    dialog = _dialog(qtbot, workbench, document_id, folder)
    assert dialog.chosen_code_id() is None
    assert dialog.command() is None
    assert dialog.preview.text() == "Choose the code to apply."


def test_the_code_button_opens_the_chooser(
    qtbot: QtBot,
    workbench: Workbench,
    document_id: int,
    code_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = _add_code(workbench.project, "Kontroll")

    def choose(chooser: speaker_coding_dialog.CodeChooserDialog) -> int:
        chooser.set_filter("kontr")
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(speaker_coding_dialog.CodeChooserDialog, "exec", choose)
    dialog = _dialog(qtbot, workbench, document_id, code_id)
    dialog.code_button.click()
    assert dialog.chosen_code_id() == other
    assert dialog.code_button.text() == "Kontroll"


def test_the_entry_point_runs_the_edit_through_the_stack(
    workbench: Workbench,
    warnings: list[str],
    document_id: int,
    code_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def accept(dialog: SpeakerCodingDialog) -> int:
        dialog.select_speaker("INT")
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(SpeakerCodingDialog, "exec", accept)
    assert code_speaker_turns(workbench, document_id, code_id)
    assert len(queries.codings(workbench.project)) == 2
    assert workbench.stack.count() == 1
    # Again: every turn is coded already, which the warning explains; nothing is pushed.
    assert not code_speaker_turns(workbench, document_id, code_id)
    assert warnings == ["All 2 passages already have the code “Autonomi”."]
    assert workbench.stack.count() == 1


def test_the_entry_point_cancelled_or_without_speakers(
    workbench: Workbench, code_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []

    def inform(_parent: object, _title: str, text: str, *_: object) -> int:
        told.append(text)
        return int(QMessageBox.StandardButton.Ok)

    monkeypatch.setattr(QMessageBox, "information", inform)
    assert not code_speaker_turns(workbench, None, code_id)
    assert told and "No document of this project has speaker turns" in told[0]

    add_document(workbench.project)
    monkeypatch.setattr(SpeakerCodingDialog, "exec", lambda _d: int(QDialog.DialogCode.Rejected))
    assert not code_speaker_turns(workbench, None, code_id)
    assert queries.codings(workbench.project) == []
    assert workbench.stack.count() == 0
