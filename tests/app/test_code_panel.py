"""The code panel: editing the codebook through the undo stack, quick keys, filter, keyboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from app.code_tree import dialogs
from app.code_tree.code_model import CODES_MIME, Column
from app.code_tree.code_panel import CodePanel
from app.workbench import PASSAGE_MIME, Workbench
from coding import queries
from coding.changes import Changes
from coding.codebook import AddCode
from coding.codings import ApplyCoding
from coding.demo import create_demo_project
from coding.project import Project
from tests.app.conftest import make_workbench as _workbench


def _add(project: Project, name: str, parent: int | None = None, codable: bool = True) -> int:
    command = AddCode(project, name=name, parent_id=parent, codable=codable)
    command.do()
    assert command.code_id is not None
    return command.code_id


@pytest.fixture
def ids(project: Project, document_id: int) -> dict[str, int]:
    styring = _add(project, "Styring", codable=False)
    made = {
        "Styring": styring,
        "Tidsstyring": _add(project, "Tidsstyring", styring),
        "Tillit": _add(project, "Tillit", styring),
        "Profesjonelt skjønn": _add(project, "Profesjonelt skjønn"),
        "Lederrolle": _add(project, "Lederrolle"),
    }
    ApplyCoding(project, document_id, [(0, 5), (10, 20)], code_id=made["Tidsstyring"]).do()
    ApplyCoding(project, document_id, [(30, 40)], code_id=made["Lederrolle"]).do()
    return made


def _panel(qtbot: QtBot, workbench: Workbench) -> CodePanel:
    panel = CodePanel()
    qtbot.addWidget(panel)
    workbench.events.changed.connect(panel.refresh)
    panel.set_workbench(workbench)
    panel.resize(360, 400)
    return panel


@pytest.fixture
def panel(qtbot: QtBot, workbench: Workbench, ids: dict[str, int]) -> CodePanel:
    return _panel(qtbot, workbench)


def _names(project: Project) -> list[str]:
    return sorted(queries.paths(project).values())


def _agreeing(asked: list[str]) -> Callable[..., bool]:
    """A stand-in for ``dialogs.confirm`` that records the question and agrees."""

    def confirm(_parent: object, _title: str, text: str, _action: str) -> bool:
        asked.append(text)
        return True

    return confirm


def _row_center(panel: CodePanel, code_id: int) -> QPoint:
    index = panel.proxy.mapFromSource(panel.model.index_of(code_id))
    return panel.view.visualRect(index).center()


def test_without_a_project_the_panel_is_empty_and_disabled(qtbot: QtBot) -> None:
    panel = CodePanel()
    qtbot.addWidget(panel)
    assert not panel.isEnabled()
    assert panel.model.rowCount() == 0
    assert panel.current_code_id() is None
    assert not panel.code_actions.add_code.isEnabled()


def test_actions_for_the_codes_menu(panel: CodePanel) -> None:
    texts = [a.text().replace("&", "") for a in panel.actions()]
    assert texts == [
        "Add code…", "Add subcode…", "Rename", "Colour…", "Delete…", "Merge into…",
        "Quick key", "Expand all", "Collapse all",
    ]  # fmt: skip
    assert not panel.code_actions.delete.isEnabled()  # no current code yet


def test_add_code_and_subcode_select_the_new_code(
    panel: CodePanel, workbench: Workbench, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs, "ask_name", lambda *_: "Autonomi")
    panel.code_actions.add_code.trigger()
    assert "Autonomi" in _names(workbench.project)
    assert panel.current_node() is not None
    assert panel.current_node().path == "Autonomi"  # type: ignore[union-attr]

    panel.select_code(ids["Lederrolle"])
    monkeypatch.setattr(dialogs, "ask_name", lambda *_: "Coach")
    panel.code_actions.add_subcode.trigger()
    assert "Lederrolle/Coach" in _names(workbench.project)
    assert panel.current_node().path == "Lederrolle/Coach"  # type: ignore[union-attr]
    workbench.stack.undo()
    assert "Lederrolle/Coach" not in _names(workbench.project)


def test_cancelled_add_changes_nothing(
    panel: CodePanel, workbench: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs, "ask_name", lambda *_: None)
    panel.code_actions.add_code.trigger()
    assert workbench.stack.count() == 0


def test_rename_in_place_with_f2(
    qtbot: QtBot, panel: CodePanel, workbench: Workbench, ids: dict[str, int]
) -> None:
    panel.show()
    panel.select_code(ids["Tillit"])
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_F2)
    editor = panel.view.viewport().findChild(QLineEdit)
    assert editor is not None
    editor.setText("Tillitsbasert styring")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event loop
    qtbot.waitUntil(lambda: "Styring/Tillitsbasert styring" in _names(workbench.project))
    assert workbench.stack.count() == 1
    assert panel.current_code_id() == ids["Tillit"]  # selection kept


def test_recolour_through_an_injectable_colour_dialog(
    panel: CodePanel, workbench: Workbench, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs, "choose_color", lambda *_: "#123456")
    panel.select_code(ids["Tillit"])
    panel.code_actions.colour.trigger()
    assert panel.current_node().code.color == "#123456"  # type: ignore[union-attr]
    workbench.stack.undo()
    assert panel.current_node().code.color != "#123456"  # type: ignore[union-attr]


def test_delete_asks_with_counts_and_undo_restores_codings(
    panel: CodePanel, workbench: Workbench, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "confirm", _agreeing(asked))
    before = queries.codings(workbench.project)
    panel.select_code(ids["Styring"])
    panel.code_actions.delete.trigger()
    assert "2 subcodes and 2 codings" in asked[0]
    assert "Styring" not in _names(workbench.project)
    assert len(queries.codings(workbench.project)) == 1
    assert panel.current_code_id() == ids["Profesjonelt skjønn"]  # its neighbour

    workbench.stack.undo()
    assert queries.codings(workbench.project) == before
    assert panel.model.total(ids["Styring"]) == 2


def test_delete_cancelled_keeps_the_code(
    panel: CodePanel, workbench: Workbench, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs, "confirm", lambda *_: False)
    panel.select_code(ids["Lederrolle"])
    panel.code_actions.delete.trigger()
    assert "Lederrolle" in _names(workbench.project)
    assert workbench.stack.count() == 0


def test_merge_into_a_chosen_code_and_undo(
    panel: CodePanel, workbench: Workbench, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def exec_(dialog: dialogs.CodeChooserDialog) -> int:
        seen["paths"] = dialog.visible_paths()
        dialog.set_filter("skjonn")
        return QDialog.DialogCode.Accepted

    asked: list[str] = []
    monkeypatch.setattr(dialogs.CodeChooserDialog, "exec", exec_)
    monkeypatch.setattr(dialogs, "confirm", _agreeing(asked))
    panel.select_code(ids["Lederrolle"])
    panel.code_actions.merge.trigger()

    assert "Lederrolle" not in seen["paths"]  # type: ignore[operator]
    assert "Styring" in seen["paths"]  # type: ignore[operator]  # folders can take subcodes
    assert asked == [
        "Merging “Lederrolle” into “Profesjonelt skjønn” moves 1 coding to "
        "“Profesjonelt skjønn” and deletes “Lederrolle”. You can take it back with Edit ▸ Undo."
    ]
    assert "Lederrolle" not in _names(workbench.project)
    assert panel.current_code_id() == ids["Profesjonelt skjønn"]
    assert panel.model.node(ids["Profesjonelt skjønn"]).codings == 1  # type: ignore[union-attr]

    workbench.stack.undo()
    assert "Lederrolle" in _names(workbench.project)
    assert panel.model.node(ids["Lederrolle"]).codings == 1  # type: ignore[union-attr]
    workbench.stack.redo()
    assert "Lederrolle" not in _names(workbench.project)


def test_a_refused_merge_is_explained_before_asking(
    panel: CodePanel,
    workbench: Workbench,
    ids: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    warnings: list[str],
) -> None:
    monkeypatch.setattr(panel, "choose_code", lambda *_a, **_k: ids["Styring"])
    monkeypatch.setattr(dialogs, "confirm", lambda *_: pytest.fail("should not ask"))
    panel.select_code(ids["Lederrolle"])
    panel.code_actions.merge.trigger()
    assert "folder" in warnings[0]
    assert workbench.stack.count() == 0


def test_drop_a_code_on_another_and_reorder(
    panel: CodePanel, workbench: Workbench, ids: dict[str, int]
) -> None:
    data = QMimeData()
    data.setData(CODES_MIME, json.dumps([ids["Lederrolle"]]).encode())
    target = panel.proxy.mapFromSource(panel.model.index_of(ids["Profesjonelt skjønn"]))
    # On a row the view passes row and column -1 (a proxy maps column 0 to the parent).
    assert panel.proxy.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, target)
    assert "Profesjonelt skjønn/Lederrolle" in _names(workbench.project)
    assert panel.view.isExpanded(panel.proxy.mapFromSource(panel.model.index_of(ids["Styring"])))

    assert panel.proxy.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert queries.code_tree(workbench.project)[0].code.name == "Lederrolle"
    workbench.stack.undo()
    workbench.stack.undo()
    assert [n.code.name for n in queries.code_tree(workbench.project)][-1] == "Lederrolle"


def test_dragging_a_code_onto_another_row_in_the_view_moves_it(
    panel: CodePanel, workbench: Workbench, ids: dict[str, int]
) -> None:
    panel.show()
    data = panel.proxy.mimeData([panel.proxy.mapFromSource(panel.model.index_of(ids["Tillit"]))])
    point = _row_center(panel, ids["Lederrolle"])
    args = (
        Qt.DropAction.MoveAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    viewport = panel.view.viewport()
    QApplication.sendEvent(viewport, QDragEnterEvent(point, *args))
    QApplication.sendEvent(viewport, QDragMoveEvent(point, *args))
    QApplication.sendEvent(viewport, QDropEvent(point.toPointF(), *args))
    assert "Lederrolle/Tillit" in _names(workbench.project)
    assert panel.model.index_of(ids["Tillit"]).parent() == panel.model.index_of(ids["Lederrolle"])


def test_a_view_clearing_cells_never_renames(panel: CodePanel, ids: dict[str, int]) -> None:
    index = panel.proxy.mapFromSource(panel.model.index_of(ids["Tillit"]))
    assert not panel.proxy.setData(index, None, Qt.ItemDataRole.EditRole)
    assert index.data() == "Tillit"


def test_context_menu_offers_the_actions(panel: CodePanel, ids: dict[str, int]) -> None:
    panel.select_code(ids["Tillit"])
    menu = panel.context_menu()
    assert [a for a in menu.actions() if not a.isSeparator()] == panel.actions()
    assert len(menu.actions()) == len(panel.actions()) + 2


def test_a_passage_dragged_onto_a_row_is_announced(
    qtbot: QtBot, panel: CodePanel, ids: dict[str, int], document_id: int
) -> None:
    panel.show()
    data = QMimeData()
    passage = {"document_id": document_id, "start": 3, "end": 9}
    data.setData(PASSAGE_MIME, json.dumps(passage).encode())
    rect = panel.view.visualRect(panel.proxy.mapFromSource(panel.model.index_of(ids["Tillit"])))
    point = QPoint(rect.center().x(), rect.top() + 1)  # near the edge: still "on" the code
    args = (
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    viewport = panel.view.viewport()
    for event in (QDragEnterEvent(point, *args), QDragMoveEvent(point, *args)):
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted()
    with qtbot.waitSignal(panel.passage_dropped) as dropped:
        QApplication.sendEvent(viewport, QDropEvent(point.toPointF(), *args))
    assert dropped.args == [ids["Tillit"], document_id, 3, 9]
    assert not panel.view.dragDropOverwriteMode()  # codes can be dropped between rows again


def test_a_passage_cannot_be_dragged_onto_a_folder(
    panel: CodePanel, ids: dict[str, int], document_id: int
) -> None:
    panel.show()
    data = QMimeData()
    passage = {"document_id": document_id, "start": 3, "end": 9}
    data.setData(PASSAGE_MIME, json.dumps(passage).encode())
    point = _row_center(panel, ids["Styring"])
    args = (
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    event = QDragMoveEvent(point, *args)
    QApplication.sendEvent(panel.view.viewport(), QDragEnterEvent(point, *args))
    QApplication.sendEvent(panel.view.viewport(), event)
    assert not event.isAccepted()


def test_quick_keys_are_shown_and_persist_for_the_project(
    qtbot: QtBot, panel: CodePanel, workbench: Workbench, ids: dict[str, int]
) -> None:
    panel.assign_quick_key(ids["Tillit"], 3)
    panel.assign_quick_key(ids["Lederrolle"], 1)
    panel.assign_quick_key(ids["Tidsstyring"], 3)  # takes 3 from Tillit
    assert panel.code_for_quick_key(3) == ids["Tidsstyring"]
    assert panel.code_for_quick_key(2) is None
    index = panel.model.index_of(ids["Tidsstyring"], Column.KEY)
    assert index.data() == "3"

    again = _panel(qtbot, workbench)
    assert again.code_for_quick_key(3) == ids["Tidsstyring"]
    assert again.code_for_quick_key(1) == ids["Lederrolle"]
    again.select_code(ids["Lederrolle"])
    none = next(a for a in again.code_actions.quick_key_menu.actions() if a.data() == 0)
    none.trigger()
    assert again.code_for_quick_key(1) is None


def test_quick_key_menu_marks_the_current_key(panel: CodePanel, ids: dict[str, int]) -> None:
    panel.assign_quick_key(ids["Tillit"], 2)
    panel.select_code(ids["Lederrolle"])
    menu = panel.code_actions.quick_key_menu
    menu.aboutToShow.emit()
    two = next(a for a in menu.actions() if a.data() == 2)
    assert two.text() == "&2\tTillit"
    next(a for a in menu.actions() if a.data() == 5).trigger()
    assert panel.code_for_quick_key(5) == ids["Lederrolle"]
    panel.select_code(ids["Styring"])
    assert not menu.isEnabled()  # folders get no quick key


def test_filter_finds_diacritics_and_clearing_restores_expansion(
    panel: CodePanel, ids: dict[str, int]
) -> None:
    folder = panel.proxy.mapFromSource(panel.model.index_of(ids["Styring"]))
    panel.view.collapse(folder)
    panel.filter_edit.setText("skjonn")
    assert panel.proxy.rowCount() == 1
    assert panel.proxy.index(0, 0).data() == "Profesjonelt skjønn"
    panel.filter_edit.setText("tidsstyr")
    folder = panel.proxy.index(0, 0)
    assert panel.view.isExpanded(folder)  # matches are shown open
    panel.filter_edit.clear()
    folder = panel.proxy.mapFromSource(panel.model.index_of(ids["Styring"]))
    assert panel.proxy.rowCount() == 3
    assert not panel.view.isExpanded(folder)


def test_keyboard_enter_activates_and_click_applies_but_not_folders(
    qtbot: QtBot, panel: CodePanel, ids: dict[str, int]
) -> None:
    panel.show()
    panel.select_code(ids["Tillit"])
    with qtbot.waitSignal(panel.code_activated) as activated:
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert activated.args == [ids["Tillit"]]
    with qtbot.waitSignal(panel.code_clicked) as clicked:
        qtbot.mouseClick(
            panel.view.viewport(),
            Qt.MouseButton.LeftButton,
            pos=_row_center(panel, ids["Lederrolle"]),
        )
    assert clicked.args == [ids["Lederrolle"]]
    folder = panel.proxy.mapFromSource(panel.model.index_of(ids["Styring"]))
    panel.select_code(ids["Styring"])
    with qtbot.assertNotEmitted(panel.code_activated):
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert not panel.view.isExpanded(folder)  # Enter on a folder closes it


def test_delete_and_insert_keys_in_the_tree(
    qtbot: QtBot,
    panel: CodePanel,
    workbench: Workbench,
    ids: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dialogs, "confirm", lambda *_: True)
    monkeypatch.setattr(dialogs, "ask_name", lambda *_: "Ny kode")
    panel.show()
    panel.activateWindow()
    panel.view.setFocus()
    qtbot.waitUntil(panel.view.hasFocus)
    panel.select_code(ids["Lederrolle"])
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert "Lederrolle" not in _names(workbench.project)
    qtbot.keyClick(panel.view, Qt.Key.Key_Insert)
    assert "Ny kode" in _names(workbench.project)
    qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Delete)  # no code deleted from the filter box
    assert workbench.stack.count() == 2


def test_current_code_changes_are_announced(
    qtbot: QtBot, panel: CodePanel, workbench: Workbench, ids: dict[str, int]
) -> None:
    with qtbot.waitSignal(panel.current_code_changed) as changed:
        panel.select_code(ids["Tillit"])
    assert changed.args == [ids["Tillit"]]
    with qtbot.assertNotEmitted(panel.current_code_changed):
        _add(workbench.project, "Ny")
        panel.refresh(Changes(code_tree=True))
    with qtbot.waitSignal(panel.current_code_changed) as changed:
        panel.set_workbench(None)
    assert changed.args == [-1]


def test_refresh_keeps_expansion_and_selection(
    panel: CodePanel, workbench: Workbench, ids: dict[str, int]
) -> None:
    folder = panel.proxy.mapFromSource(panel.model.index_of(ids["Styring"]))
    panel.view.collapse(folder)
    panel.select_code(ids["Profesjonelt skjønn"])
    _add(workbench.project, "Annet", ids["Profesjonelt skjønn"])
    panel.refresh(Changes(code_tree=True))
    folder = panel.proxy.mapFromSource(panel.model.index_of(ids["Styring"]))
    assert not panel.view.isExpanded(folder)
    assert panel.current_code_id() == ids["Profesjonelt skjønn"]


def test_choose_code_offers_codable_codes_only(
    panel: CodePanel, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def exec_(dialog: dialogs.CodeChooserDialog) -> int:
        assert "Styring" not in dialog.visible_paths()
        dialog.set_filter("sty tid")
        assert dialog.visible_paths() == ["Styring › Tidsstyring"]
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.CodeChooserDialog, "exec", exec_)
    assert panel.choose_code("Code the selection with") == ids["Tidsstyring"]
    monkeypatch.setattr(dialogs.CodeChooserDialog, "exec", lambda _: QDialog.DialogCode.Rejected)
    assert panel.choose_code("Code the selection with") is None


def test_chooser_dialog_by_keyboard(qtbot: QtBot, panel: CodePanel, ids: dict[str, int]) -> None:
    dialog = dialogs.CodeChooserDialog(panel.model.roots(), "Choose")
    qtbot.addWidget(dialog)
    dialog.show()  # as exec() would: Enter presses the visible default button
    assert dialog.chosen_code_id() == ids["Tidsstyring"]  # the first codable code
    qtbot.keyClick(dialog.filter_edit, Qt.Key.Key_Down)
    assert dialog.chosen_code_id() == ids["Tillit"]
    dialog.set_filter("zzz")
    assert dialog.chosen_code_id() is None
    dialog.set_filter("LEDER")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.filter_edit, Qt.Key.Key_Return)
    assert dialog.chosen_code_id() == ids["Lederrolle"]


def test_refresh_of_300_codes_keeps_the_current_code(
    qtbot: QtBot, project: Project, tmp_path: Path, warnings: list[str]
) -> None:
    with project.transaction() as tx:
        for top in range(30):
            parent = tx.codes.add(f"Tema {top}")
            for child in range(9):
                tx.codes.add(f"Kode {top}.{child}", parent_id=parent)
    workbench = _workbench(project, tmp_path, qtbot)
    panel = _panel(qtbot, workbench)
    panel.show()
    panel.select_code(panel.model.roots()[5].children[3].code.id)
    for number in range(2):
        _add(project, f"Ny {number}")  # a new shape each time: a full reset
        panel.refresh(Changes(code_tree=True))
    assert panel.current_node().path == "Tema 5/Kode 5.3"  # type: ignore[union-attr]
    assert [node.code.name for node in panel.model.roots()][-2:] == ["Ny 0", "Ny 1"]


def test_screenshot_of_the_demo_codebook(qtbot: QtBot, tmp_path: Path, warnings: list[str]) -> None:
    path = create_demo_project(tmp_path / "Demo.tillit", coder="Kari")
    with Project.open(path, backup=False) as project:
        workbench = _workbench(project, tmp_path, qtbot)
        panel = _panel(qtbot, workbench)
        panel.show()
        first = panel.model.roots()[0].children[0].code.id
        panel.assign_quick_key(first, 3)
        panel.select_code(first)
        image = panel.grab()
        assert not image.isNull()
        image.save(str(tmp_path / "code_panel.png"))
        panel.set_workbench(None)
