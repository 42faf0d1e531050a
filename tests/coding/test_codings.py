"""Applying and removing codings, and memos, with undo and redo."""

from __future__ import annotations

import pytest

from coding import queries
from coding.codings import ApplyCoding, EditMemo, RemoveCoding
from coding.errors import CodingError, InvalidSpanError
from coding.project import Project
from coding.records import MemoTarget
from tests.conftest import SAMPLE_TEXT


def test_apply_coding_stores_the_exact_text_with_emoji(project: Project, document_id: int) -> None:
    start = SAMPLE_TEXT.index("skjønn 😀")
    end = start + len("skjønn 😀")
    ApplyCoding(project, document_id, [(start, end)], code_path="Profesjonelt skjønn").do()
    [span] = queries.document_codings(project, document_id)
    assert SAMPLE_TEXT[span.start : span.end] == "skjønn 😀"
    assert (span.code_name, span.coder_name) == ("Profesjonelt skjønn", "Kari")
    [coding] = queries.codings(project, document_id=document_id)
    assert coding.text == "skjønn 😀"


def test_code_path_creates_missing_levels_and_undo_removes_them(
    project: Project, document_id: int
) -> None:
    command = ApplyCoding(project, document_id, [(0, 4)], code_path="Styring/Tidsstyring")
    command.do()
    assert len(command.created_codes) == 2
    assert queries.paths(project) and sorted(queries.paths(project).values()) == [
        "Styring",
        "Styring/Tidsstyring",
    ]
    command.undo()
    assert queries.codes(project) == []
    assert queries.codings(project) == []
    command.do()
    assert len(queries.codings(project)) == 1
    assert len(queries.codes(project)) == 2


def test_undo_and_redo_keep_coding_uuid_and_memo(project: Project, document_id: int) -> None:
    command = ApplyCoding(project, document_id, [(5, 15)], code_path="Tillit", memo="Se også P2")
    command.do()
    before = queries.codings(project)
    command.undo()
    assert queries.codings(project) == []
    command.do()
    assert queries.codings(project) == before
    assert before[0].memo == "Se også P2"


@pytest.mark.parametrize(("start", "end"), [(3, 3), (5, 2), (-1, 4), (0, len(SAMPLE_TEXT) + 1)])
def test_invalid_spans_are_refused(
    project: Project, document_id: int, start: int, end: int
) -> None:
    with pytest.raises(InvalidSpanError):
        ApplyCoding(project, document_id, [(start, end)], code_path="Tillit").do()
    assert queries.codings(project) == []
    assert queries.codes(project) == []  # the code path was not half-created


def test_the_same_coding_twice_is_refused(project: Project, document_id: int) -> None:
    ApplyCoding(project, document_id, [(0, 4)], code_path="Tillit").do()
    with pytest.raises(CodingError, match="already has the code"):
        ApplyCoding(project, document_id, [(0, 4)], code_path="Tillit").do()
    ApplyCoding(project, document_id, [(0, 4)], code_path="Tillit", coder="Ola").do()
    assert {c.coder_name for c in queries.codings(project)} == {"Kari", "Ola"}


def test_folders_cannot_be_applied(project: Project, document_id: int) -> None:
    from coding.codebook import AddCode

    folder = AddCode(project, name="Roller", codable=False)
    folder.do()
    with pytest.raises(CodingError, match="folder"):
        ApplyCoding(project, document_id, [(0, 4)], code_id=folder.code_id).do()


def test_remove_coding_and_undo(project: Project, document_id: int) -> None:
    ApplyCoding(project, document_id, [(0, 4)], code_path="Tillit", memo="m").do()
    [coding] = queries.codings(project)
    command = RemoveCoding(project, coding.id)
    command.do()
    assert queries.codings(project) == []
    command.undo()
    assert queries.codings(project) == [coding]


def test_codings_filter_by_code_with_children_and_coder(project: Project, document_id: int) -> None:
    ApplyCoding(project, document_id, [(0, 4)], code_path="Styring").do()
    ApplyCoding(project, document_id, [(10, 20)], code_path="Styring/Tid", coder="Ola").do()
    with project.read() as tx:
        parent = tx.codes.child_by_name(None, "Styring")
        ola = tx.coders.by_name("Ola")
    assert parent is not None
    assert len(queries.codings(project, code_id=parent)) == 1
    assert len(queries.codings(project, code_id=parent, include_children=True)) == 2
    assert [c.start for c in queries.codings(project, coder_id=ola)] == [10]


def test_memos_on_every_target_with_undo(project: Project, document_id: int) -> None:
    ApplyCoding(project, document_id, [(0, 4)], code_path="Tillit").do()
    [coding] = queries.codings(project)
    targets = [
        MemoTarget(),
        MemoTarget(document_id=document_id),
        MemoTarget(code_id=coding.code_id),
        MemoTarget(coding_id=coding.id),
    ]
    for number, target in enumerate(targets):
        EditMemo(project, target, f"Memo {number} – æøå").do()
    for number, target in enumerate(targets):
        memo = queries.memo(project, target)
        assert memo is not None and memo.text == f"Memo {number} – æøå"
    edit = EditMemo(project, targets[1], "Ny tekst")
    edit.do()
    edit.undo()
    memo = queries.memo(project, targets[1])
    assert memo is not None and memo.text == "Memo 1 – æøå"
    clear = EditMemo(project, targets[0], "")
    clear.do()
    assert queries.memo(project, targets[0]) is None
    clear.undo()
    assert queries.memo(project, targets[0]) is not None


def test_many_spans_and_few_spans_store_the_same_text(project: Project, document_id: int) -> None:
    words = [(i, i + 3) for i in range(0, 60, 5)]  # more spans than are read one by one
    ApplyCoding(project, document_id, words, code_path="Mange").do()
    ApplyCoding(project, document_id, words[:2], code_path="Få").do()
    for coding in queries.codings(project):
        assert coding.text == SAMPLE_TEXT[coding.start : coding.end]
