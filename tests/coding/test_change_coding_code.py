"""Changing a coding's code: the passage, coder, memo and UUID stay; undo and redo."""

from __future__ import annotations

import pytest

from coding import queries
from coding.codebook import AddCode
from coding.codings import ApplyCoding, ChangeCodingCode
from coding.errors import CodingError
from coding.project import Project


def _add(project: Project, name: str, *, codable: bool = True) -> int:
    command = AddCode(project, name=name, codable=codable)
    command.do()
    assert command.code_id is not None
    return command.code_id


def _apply(project: Project, document_id: int, code_id: int, coder: str | None = None) -> int:
    command = ApplyCoding(project, document_id, [(5, 15)], code_id=code_id, coder=coder, memo="M")
    command.do()
    return command.coding_ids[0]


def test_change_code_keeps_the_coding_and_undo_redo(project: Project, document_id: int) -> None:
    old = _add(project, "Tidstyring")
    new = _add(project, "Tidsstyring")
    coding_id = _apply(project, document_id, old)
    [before] = queries.codings(project)

    command = ChangeCodingCode(project, coding_id, new)
    changes = command.do()
    [after] = queries.codings(project)
    assert (after.id, after.uuid, after.code_id, after.memo) == (coding_id, before.uuid, new, "M")
    assert (after.start, after.end, after.coder_id) == (before.start, before.end, before.coder_id)
    assert changes.documents == {document_id}
    assert changes.counted == {old, new}
    assert changes.codings == {coding_id}
    assert command.label == "Change code to “Tidsstyring”"

    command.undo()
    assert queries.codings(project) == [before]
    command.do()
    assert queries.codings(project)[0].code_id == new


def test_a_folder_is_refused(project: Project, document_id: int) -> None:
    code = _add(project, "Leder")
    folder = _add(project, "Roller", codable=False)
    coding_id = _apply(project, document_id, code)
    with pytest.raises(CodingError, match="folder"):
        ChangeCodingCode(project, coding_id, folder).do()
    assert queries.codings(project)[0].code_id == code


def test_a_duplicate_is_refused(project: Project, document_id: int) -> None:
    a = _add(project, "A")
    b = _add(project, "B")
    coding_id = _apply(project, document_id, a)
    _apply(project, document_id, b)
    with pytest.raises(CodingError, match="already has the code “B”"):
        ChangeCodingCode(project, coding_id, b).do()
    with pytest.raises(CodingError, match="already has the code “A”"):
        ChangeCodingCode(project, coding_id, a).do()


def test_another_coders_identical_coding_is_no_duplicate(
    project: Project, document_id: int
) -> None:
    a = _add(project, "A")
    b = _add(project, "B")
    coding_id = _apply(project, document_id, a)
    _apply(project, document_id, b, coder="Ola")
    ChangeCodingCode(project, coding_id, b).do()
    assert {c.code_id for c in queries.codings(project)} == {b}
