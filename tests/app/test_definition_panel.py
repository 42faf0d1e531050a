"""The definition panel: codebook fields saved as one EditCode when left, undo shows up."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.code_tree.definition_panel import DefinitionPanel, FieldEdit
from app.workbench import Workbench
from coding import queries
from coding.changes import Changes
from coding.codebook import AddCode, DeleteCode, EditCode
from coding.demo import create_demo_project
from coding.errors import StorageError
from coding.project import Project, find_code
from tests.app.conftest import make_workbench as _workbench


def _panel(qtbot: QtBot, workbench: Workbench) -> DefinitionPanel:
    panel = DefinitionPanel()
    qtbot.addWidget(panel)
    workbench.events.changed.connect(panel.refresh)
    panel.set_workbench(workbench)
    return panel


@pytest.fixture
def panel(qtbot: QtBot, workbench: Workbench) -> DefinitionPanel:
    return _panel(qtbot, workbench)


def _add(project: Project, name: str, parent: int | None = None) -> int:
    command = AddCode(
        project, name=name, parent_id=parent, definitions={"brief_definition": "Kort"}
    )
    command.do()
    assert command.code_id is not None
    return command.code_id


def _code(project: Project, code_id: int) -> object:
    return next(c for c in queries.codes(project) if c.id == code_id)


def _leave(edit: QWidget) -> None:
    """What moving the focus elsewhere sends to the field."""
    QApplication.sendEvent(edit, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))


def test_shows_the_fields_of_the_code(panel: DefinitionPanel, workbench: Workbench) -> None:
    parent = _add(workbench.project, "Styring")
    code_id = _add(workbench.project, "Tidsstyring", parent)
    EditCode(workbench.project, code_id, values={"alt_name": "Time management"}).do()
    panel.show_code(code_id)
    assert panel.name_label.text() == "Tidsstyring"
    assert panel.path_label.text() == "Styring"
    assert panel.alt_name_edit.text() == "Time management"
    assert panel.fields["brief_definition"].toPlainText() == "Kort"  # type: ignore[union-attr]
    assert panel.codable_check.isChecked()
    assert panel.alt_name_edit.isEnabled()


def test_without_a_code_the_fields_are_empty_and_disabled(
    panel: DefinitionPanel, workbench: Workbench
) -> None:
    panel.show_code(None)
    assert "Choose a code" in panel.name_label.text()
    assert all(not edit.isEnabled() for edit in panel.fields.values())
    assert not panel.codable_check.isEnabled()


def test_leaving_a_field_saves_one_edit_and_undo_restores_it(
    panel: DefinitionPanel, workbench: Workbench
) -> None:
    code_id = _add(workbench.project, "Skjønn")
    panel.show_code(code_id)
    field = panel.fields["when_to_use"]
    assert isinstance(field, FieldEdit)
    field.setPlainText("Når informanten vurderer selv.")
    field.moveCursor(QTextCursor.MoveOperation.End)
    field.insertPlainText(" Også ledere.")  # typing does not save
    assert workbench.stack.count() == 0
    _leave(field)
    assert workbench.stack.count() == 1
    assert workbench.stack.undoText() == "Edit code definition"
    stored = _code(workbench.project, code_id)
    assert stored.when_to_use == "Når informanten vurderer selv. Også ledere."  # type: ignore[attr-defined]
    _leave(field)
    assert workbench.stack.count() == 1  # nothing new to save

    workbench.stack.undo()
    assert field.toPlainText() == ""
    assert _code(workbench.project, code_id).when_to_use == ""  # type: ignore[attr-defined]
    workbench.stack.redo()
    assert field.toPlainText() == "Når informanten vurderer selv. Også ledere."


def test_second_language_name_saves_when_editing_finishes(
    qtbot: QtBot, panel: DefinitionPanel, workbench: Workbench
) -> None:
    code_id = _add(workbench.project, "Tillit")
    panel.show_code(code_id)
    panel.alt_name_edit.setText("Trust")
    qtbot.keyClick(panel.alt_name_edit, Qt.Key.Key_Return)
    assert _code(workbench.project, code_id).alt_name == "Trust"  # type: ignore[attr-defined]


def test_several_changed_fields_are_one_command(
    panel: DefinitionPanel, workbench: Workbench
) -> None:
    code_id = _add(workbench.project, "Tillit")
    panel.show_code(code_id)
    panel.fields["full_definition"].setPlainText("Lang")  # type: ignore[union-attr]
    panel.fields["example"].setPlainText("«Min leder stoler på oss»")  # type: ignore[union-attr]
    assert panel.save()
    assert workbench.stack.count() == 1
    code = _code(workbench.project, code_id)
    assert (code.full_definition, code.example) == ("Lang", "«Min leder stoler på oss»")  # type: ignore[attr-defined]


def test_choosing_another_code_saves_pending_edits(
    panel: DefinitionPanel, workbench: Workbench
) -> None:
    first = _add(workbench.project, "A")
    second = _add(workbench.project, "B")
    panel.show_code(first)
    panel.fields["example"].setPlainText("Eksempel")  # type: ignore[union-attr]
    panel.show_code(second)
    assert _code(workbench.project, first).example == "Eksempel"  # type: ignore[attr-defined]
    assert panel.fields["example"].toPlainText() == ""  # type: ignore[union-attr]


def test_codable_checkbox_is_one_command_and_undo_shows(
    qtbot: QtBot, panel: DefinitionPanel, workbench: Workbench
) -> None:
    code_id = _add(workbench.project, "Roller")
    panel.show_code(code_id)
    panel.codable_check.click()
    assert not _code(workbench.project, code_id).codable  # type: ignore[attr-defined]
    workbench.stack.undo()
    assert panel.codable_check.isChecked()


def test_refresh_leaves_a_field_being_edited(panel: DefinitionPanel, workbench: Workbench) -> None:
    code_id = _add(workbench.project, "Tillit")
    panel.show_code(code_id)
    panel.fields["full_definition"].setPlainText("Halvskrevet")  # type: ignore[union-attr]
    command = EditCode(
        workbench.project, code_id, values={"example": "Nytt", "brief_definition": "Ny"}
    )
    workbench.run(command)
    assert panel.fields["example"].toPlainText() == "Nytt"  # type: ignore[union-attr]
    assert panel.fields["full_definition"].toPlainText() == "Halvskrevet"  # type: ignore[union-attr]


def test_a_deleted_code_empties_the_panel(panel: DefinitionPanel, workbench: Workbench) -> None:
    code_id = _add(workbench.project, "Tillit")
    panel.show_code(code_id)
    workbench.run(DeleteCode(workbench.project, code_id))
    assert panel.code_id() is None
    panel.refresh(Changes(code_tree=True))
    assert "Choose a code" in panel.name_label.text()


def test_a_refused_edit_is_explained_and_kept_in_the_field(
    panel: DefinitionPanel,
    workbench: Workbench,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code_id = _add(workbench.project, "Tillit")
    panel.show_code(code_id)
    panel.fields["example"].setPlainText("x")  # type: ignore[union-attr]

    def refuse() -> object:
        raise StorageError("Tillit could not save to “studie.tillit” (the disk is full).")

    monkeypatch.setattr(workbench.project, "transaction", refuse)
    assert not panel.save()
    assert warnings == ["Tillit could not save to “studie.tillit” (the disk is full)."]
    assert panel.fields["example"].toPlainText() == "x"  # type: ignore[union-attr]


def test_screenshot_of_a_demo_code(qtbot: QtBot, tmp_path: Path, warnings: list[str]) -> None:
    path = create_demo_project(tmp_path / "Demo.tillit", coder="Kari")
    with Project.open(path, backup=False) as project:
        workbench = _workbench(project, tmp_path, qtbot)
        panel = _panel(qtbot, workbench)
        with project.read() as tx:
            code_id = find_code(tx, "Styringsformer/Tids- og oppgavestyring")
        assert code_id is not None
        panel.show_code(code_id)
        panel.resize(340, 620)
        panel.show()
        image = panel.grab()
        assert not image.isNull()
        image.save(str(tmp_path / "definition_panel.png"))
        panel.set_workbench(None)
