"""The code tree model: contract, data, filter, drags of codes and drops of passages."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, Qt
from PySide6.QtGui import QFont, QIcon
from pytestqt.qtbot import QtBot

from app.code_tree.code_model import (
    CODE_ID_ROLE,
    CODES_MIME,
    CodeTreeModel,
    Column,
)
from app.code_tree.code_view import CodeFilterModel
from app.workbench import PASSAGE_MIME, Workbench
from coding import queries
from coding.codebook import AddCode
from coding.codings import ApplyCoding
from coding.project import Project


def _add(project: Project, name: str, parent: int | None = None, **kwargs: object) -> int:
    command = AddCode(project, name=name, parent_id=parent, **kwargs)  # type: ignore[arg-type]
    command.do()
    assert command.code_id is not None
    return command.code_id


@pytest.fixture
def ids(project: Project, document_id: int) -> dict[str, int]:
    """Styring (folder) > Tidsstyring, Tillit; Profesjonelt skjønn; Lederrolle."""
    styring = _add(project, "Styring", codable=False)
    made = {
        "Styring": styring,
        "Tidsstyring": _add(project, "Tidsstyring", styring),
        "Tillit": _add(project, "Tillit", styring),
        "Profesjonelt skjønn": _add(
            project, "Profesjonelt skjønn", definitions={"brief_definition": "Faglig vurdering"}
        ),
        "Lederrolle": _add(project, "Lederrolle"),
    }
    ApplyCoding(project, document_id, [(0, 5), (10, 20)], code_id=made["Tidsstyring"]).do()
    ApplyCoding(project, document_id, [(30, 40)], code_id=made["Tillit"]).do()
    return made


@pytest.fixture
def model(workbench: Workbench, ids: dict[str, int]) -> CodeTreeModel:
    model = CodeTreeModel()
    model.set_workbench(workbench)
    model.set_tree(queries.code_tree(workbench.project))
    workbench.events.changed.connect(lambda _: model.set_tree(queries.code_tree(workbench.project)))
    return model


def _passage(document_id: int, start: int, end: int) -> QMimeData:
    data = QMimeData()
    payload = {"document_id": document_id, "start": start, "end": end}
    data.setData(PASSAGE_MIME, json.dumps(payload).encode())
    return data


def _codes(*code_ids: int) -> QMimeData:
    data = QMimeData()
    data.setData(CODES_MIME, json.dumps(list(code_ids)).encode())
    return data


def _paths(project: Project) -> list[str]:
    return [node.path for node in _flatten(queries.code_tree(project))]


def _flatten(nodes: list[queries.CodeNode]) -> list[queries.CodeNode]:
    flat = []
    for node in nodes:
        flat += [node, *_flatten(node.children)]
    return flat


def test_model_obeys_the_model_contract(qtmodeltester, model: CodeTreeModel) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(model)


def test_filter_model_obeys_the_model_contract(qtmodeltester, model: CodeTreeModel) -> None:  # type: ignore[no-untyped-def]
    proxy = CodeFilterModel()
    proxy.setSourceModel(model)
    proxy.set_filter_text("tid")
    qtmodeltester.check(proxy)


def test_rows_show_name_colour_key_and_own_codings(
    model: CodeTreeModel, ids: dict[str, int]
) -> None:
    folder = model.index_of(ids["Styring"])
    assert model.rowCount() == 3
    assert model.rowCount(folder) == 2
    child = model.index(0, Column.CODE, folder)
    assert child.data() == "Tidsstyring"
    assert isinstance(child.data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert child.parent() == folder
    assert child.siblingAtColumn(Column.CODINGS).data() == "2"
    model.set_quick_keys({model.node(ids["Tidsstyring"]).code.uuid: 3})  # type: ignore[union-attr]
    assert child.siblingAtColumn(Column.KEY).data() == "3"
    assert folder.siblingAtColumn(Column.KEY).data() == ""


def test_folders_are_italic_and_tooltips_give_definition_and_totals(
    model: CodeTreeModel, ids: dict[str, int]
) -> None:
    folder = model.index_of(ids["Styring"])
    font = folder.data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.italic()
    assert "folder" in folder.data(Qt.ItemDataRole.ToolTipRole)
    assert folder.siblingAtColumn(Column.CODINGS).data() == "0"
    totals = folder.siblingAtColumn(Column.CODINGS).data(Qt.ItemDataRole.ToolTipRole)
    assert totals == "0 codings of its own, 3 with its subcodes"
    skjonn = model.index_of(ids["Profesjonelt skjønn"])
    assert skjonn.data(Qt.ItemDataRole.FontRole) is None
    assert "Faglig vurdering" in skjonn.data(Qt.ItemDataRole.ToolTipRole)


def test_same_shape_updates_data_without_reset(
    qtbot: QtBot, model: CodeTreeModel, workbench: Workbench, ids: dict[str, int]
) -> None:
    from coding.codebook import RenameCode

    RenameCode(workbench.project, ids["Tillit"], name="Tillitsbasert").do()
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged):
        assert model.set_tree(queries.code_tree(workbench.project)) is False
    assert model.index_of(ids["Tillit"]).data() == "Tillitsbasert"
    _add(workbench.project, "Ny")
    with qtbot.waitSignal(model.modelReset):
        assert model.set_tree(queries.code_tree(workbench.project)) is True


@pytest.mark.parametrize("needle", ["skjonn", "SKJØNN", "skjønn", " Skjonn "])
def test_filter_ignores_case_and_diacritics(model: CodeTreeModel, needle: str) -> None:
    proxy = CodeFilterModel()
    proxy.setSourceModel(model)
    proxy.set_filter_text(needle)
    assert proxy.rowCount() == 1
    assert proxy.index(0, 0).data() == "Profesjonelt skjønn"


def test_filter_keeps_ancestors_of_matches(model: CodeTreeModel) -> None:
    proxy = CodeFilterModel()
    proxy.setSourceModel(model)
    proxy.set_filter_text("tidss")
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["Styring"]
    folder = proxy.index(0, 0)
    assert [proxy.index(r, 0, folder).data() for r in range(proxy.rowCount(folder))] == [
        "Tidsstyring"
    ]


def test_set_data_renames_through_the_undo_stack(
    model: CodeTreeModel, workbench: Workbench, ids: dict[str, int]
) -> None:
    index = model.index_of(ids["Lederrolle"])
    assert model.setData(index, "Ledelse", Qt.ItemDataRole.EditRole)
    assert model.index_of(ids["Lederrolle"]).data() == "Ledelse"
    assert workbench.stack.count() == 1
    workbench.stack.undo()
    assert model.index_of(ids["Lederrolle"]).data() == "Lederrolle"
    assert not model.setData(index, "Lederrolle", Qt.ItemDataRole.EditRole)  # unchanged


def test_refused_rename_warns_and_changes_nothing(
    model: CodeTreeModel, workbench: Workbench, ids: dict[str, int], warnings: list[str]
) -> None:
    index = model.index_of(ids["Lederrolle"])
    assert not model.setData(index, "Tillit / x", Qt.ItemDataRole.EditRole)
    assert warnings and "cannot contain" in warnings[0]
    assert workbench.stack.count() == 0


def test_mime_data_names_the_dragged_code(model: CodeTreeModel, ids: dict[str, int]) -> None:
    index = model.index_of(ids["Tillit"])
    data = model.mimeData([index, index.siblingAtColumn(Column.CODINGS)])
    assert json.loads(bytes(data.data(CODES_MIME).data())) == [ids["Tillit"]]
    assert set(model.mimeTypes()) == {CODES_MIME, PASSAGE_MIME}


def test_dropping_a_code_on_another_moves_it_under_it(
    model: CodeTreeModel, workbench: Workbench, ids: dict[str, int]
) -> None:
    target = model.index_of(ids["Profesjonelt skjønn"])
    data = _codes(ids["Lederrolle"])
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0, target)
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, target)
    assert "Profesjonelt skjønn/Lederrolle" in _paths(workbench.project)
    workbench.stack.undo()
    assert "Lederrolle" in _paths(workbench.project)


def test_dropping_between_codes_reorders(
    model: CodeTreeModel, workbench: Workbench, ids: dict[str, int]
) -> None:
    root = QModelIndex()
    assert model.dropMimeData(_codes(ids["Lederrolle"]), Qt.DropAction.MoveAction, 0, 0, root)
    assert [n.code.name for n in queries.code_tree(workbench.project)] == [
        "Lederrolle", "Styring", "Profesjonelt skjønn",
    ]  # fmt: skip
    # Down past the next sibling: row counts the code itself, so row 2 lands after "Styring".
    assert model.dropMimeData(_codes(ids["Lederrolle"]), Qt.DropAction.MoveAction, 2, 0, root)
    assert [n.code.name for n in queries.code_tree(workbench.project)] == [
        "Styring", "Lederrolle", "Profesjonelt skjønn",
    ]  # fmt: skip
    folder = model.index_of(ids["Styring"])
    assert model.dropMimeData(_codes(ids["Lederrolle"]), Qt.DropAction.MoveAction, 1, 0, folder)
    assert _paths(workbench.project)[:4] == [
        "Styring", "Styring/Tidsstyring", "Styring/Lederrolle", "Styring/Tillit",
    ]  # fmt: skip


def test_dropping_where_it_already_is_does_nothing(
    model: CodeTreeModel, workbench: Workbench, ids: dict[str, int]
) -> None:
    root = QModelIndex()
    for row in (1, 2):  # just above and just below itself
        code = _codes(ids["Profesjonelt skjønn"])
        assert not model.dropMimeData(code, Qt.DropAction.MoveAction, row, 0, root)
    assert workbench.stack.count() == 0


def test_a_code_cannot_be_dropped_into_itself_or_its_subcodes(
    model: CodeTreeModel, ids: dict[str, int]
) -> None:
    data = _codes(ids["Styring"])
    for target in ("Styring", "Tidsstyring"):
        index = model.index_of(ids[target])
        assert not model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0, index)
        assert not model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, index)


def test_a_passage_dropped_on_a_code_is_announced(
    qtbot: QtBot, model: CodeTreeModel, ids: dict[str, int], document_id: int
) -> None:
    target = model.index_of(ids["Tillit"])
    with qtbot.waitSignal(model.passage_dropped) as dropped:
        assert model.dropMimeData(
            _passage(document_id, 4, 12), Qt.DropAction.CopyAction, -1, 0, target
        )
    assert dropped.args == [ids["Tillit"], document_id, 4, 12]


def test_a_passage_is_not_dropped_on_a_folder_or_between_codes(
    qtbot: QtBot, model: CodeTreeModel, ids: dict[str, int], document_id: int
) -> None:
    data = _passage(document_id, 4, 12)
    with qtbot.assertNotEmitted(model.passage_dropped):
        folder = model.index_of(ids["Styring"])
        assert not model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, folder)
        assert not model.dropMimeData(data, Qt.DropAction.CopyAction, 0, 0, folder)
        assert not model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, QModelIndex())


def test_totals_and_lookup_helpers(model: CodeTreeModel, ids: dict[str, int]) -> None:
    assert model.total(ids["Styring"]) == 3
    assert model.subtree(ids["Styring"]) == {ids["Styring"], ids["Tidsstyring"], ids["Tillit"]}
    node = model.node(ids["Tillit"])
    assert node is not None
    assert model.id_for_uuid(node.code.uuid) == ids["Tillit"]
    assert model.index_of(ids["Tillit"]).data(CODE_ID_ROLE) == ids["Tillit"]
    assert not model.index_of(99999).isValid()
