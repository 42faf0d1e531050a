"""Codebook commands: add, rename, recolour, move, edit, delete, each with undo and redo."""

from __future__ import annotations

import pytest

from coding import queries
from coding.codebook import AddCode, DeleteCode, EditCode, MoveCode, RecolourCode, RenameCode
from coding.codings import ApplyCoding, EditMemo
from coding.errors import CodingError, NameConflictError
from coding.project import Project, find_code
from coding.records import MemoTarget


def _add(project: Project, name: str, parent_id: int | None = None) -> int:
    command = AddCode(project, name=name, parent_id=parent_id)
    command.do()
    assert command.code_id is not None
    return command.code_id


def _names(project: Project) -> list[str]:
    return [node.path for node in _walk(queries.code_tree(project))]


def _walk(nodes: list[queries.CodeNode]) -> list[queries.CodeNode]:
    result = []
    for node in nodes:
        result.append(node)
        result.extend(_walk(node.children))
    return result


def test_add_code_builds_a_tree_with_paths(project: Project) -> None:
    parent = _add(project, "Styring og kontroll")
    _add(project, "Tidsstyring", parent)
    _add(project, "Mål- og resultatstyring", parent)
    assert _names(project) == [
        "Styring og kontroll",
        "Styring og kontroll/Tidsstyring",
        "Styring og kontroll/Mål- og resultatstyring",
    ]


def test_add_code_undo_and_redo_keep_the_same_uuid(project: Project) -> None:
    command = AddCode(project, name="Tillit", definitions={"brief_definition": "Om tillit."})
    command.do()
    uuid = queries.codes(project)[0].uuid
    command.undo()
    assert queries.codes(project) == []
    command.do()
    [code] = queries.codes(project)
    assert (code.uuid, code.brief_definition) == (uuid, "Om tillit.")


def test_sibling_names_must_differ_ignoring_case(project: Project) -> None:
    _add(project, "Tillit")
    with pytest.raises(NameConflictError, match="already a code “Tillit”"):
        AddCode(project, name="tillit").do()


def test_name_with_slash_is_refused(project: Project) -> None:
    with pytest.raises(CodingError, match="cannot contain"):
        AddCode(project, name="A/B").do()


def test_rename_and_undo(project: Project) -> None:
    code_id = _add(project, "Tillitt")
    command = RenameCode(project, code_id, name="Tillit")
    command.do()
    assert _names(project) == ["Tillit"]
    command.undo()
    assert _names(project) == ["Tillitt"]


def test_recolour_checks_the_colour_and_undoes(project: Project) -> None:
    code_id = _add(project, "Tillit")
    before = queries.codes(project)[0].color
    with pytest.raises(CodingError, match="not a colour"):
        RecolourCode(project, code_id, color="red").do()
    command = RecolourCode(project, code_id, color="#FF0000")
    command.do()
    assert queries.codes(project)[0].color == "#ff0000"
    command.undo()
    assert queries.codes(project)[0].color == before


def test_edit_definition_fields_and_undo(project: Project) -> None:
    code_id = _add(project, "Skjønn")
    command = EditCode(
        project, code_id, values={"when_to_use": "Når informanten vurderer selv.", "codable": False}
    )
    command.do()
    code = queries.codes(project)[0]
    assert (code.when_to_use, code.codable) == ("Når informanten vurderer selv.", False)
    command.undo()
    code = queries.codes(project)[0]
    assert (code.when_to_use, code.codable) == ("", True)


def test_move_under_another_parent_and_back(project: Project) -> None:
    a = _add(project, "A")
    b = _add(project, "B")
    c = _add(project, "C")
    command = MoveCode(project, b, parent_id=c)
    command.do()
    assert _names(project) == ["A", "C", "C/B"]
    command.undo()
    assert _names(project) == ["A", "B", "C"]
    MoveCode(project, c, parent_id=None, position=0).do()
    assert _names(project) == ["C", "A", "B"]
    assert a


def test_move_into_own_subtree_is_refused(project: Project) -> None:
    parent = _add(project, "Parent")
    child = _add(project, "Child", parent)
    with pytest.raises(CodingError, match="under itself"):
        MoveCode(project, parent, parent_id=child).do()


def test_delete_code_reports_impact_and_undo_restores_everything(
    project: Project, document_id: int
) -> None:
    parent = _add(project, "Ledelse")
    child = _add(project, "Lederrolle", parent)
    ApplyCoding(project, document_id, [(0, 10), (40, 60)], code_id=child, memo="Viktig").do()
    ApplyCoding(project, document_id, [(5, 20)], code_id=parent).do()
    EditMemo(project, MemoTarget(code_id=child), "Kodens memo").do()
    before = queries.codings(project)

    command = DeleteCode(project, parent)
    impact = command.impact()
    assert (impact.codings, impact.subcodes) == (3, 1)
    assert "1 subcode and 3 codings" in impact.describe("Ledelse")

    command.do()
    assert queries.codes(project) == []
    assert queries.codings(project) == []

    command.undo()
    assert queries.codings(project) == before  # same ids, uuids, memos
    assert _names(project) == ["Ledelse", "Ledelse/Lederrolle"]
    assert queries.memo(project, MemoTarget(code_id=child)) is not None

    command.do()
    assert queries.codings(project) == []


def test_delete_keeps_sibling_order(project: Project) -> None:
    _add(project, "A")
    b = _add(project, "B")
    _add(project, "C")
    command = DeleteCode(project, b)
    command.do()
    assert _names(project) == ["A", "C"]
    command.undo()
    assert _names(project) == ["A", "B", "C"]


def test_find_code_by_path_and_uuid(project: Project) -> None:
    parent = _add(project, "Styring")
    child = _add(project, "Tidsstyring", parent)
    uuid = next(c.uuid for c in queries.codes(project) if c.id == child)
    with project.read() as tx:
        assert find_code(tx, "Styring/Tidsstyring") == child
        assert find_code(tx, " Styring / Tidsstyring ") == child
        assert find_code(tx, "{" + uuid.upper() + "}") == child
        assert find_code(tx, "Styring/Nope") is None
