"""Merging one code into another: codings, subcodes and memos move; undo and redo are exact."""

from __future__ import annotations

from typing import Any

import pytest

from coding import queries
from coding.codebook import AddCode, MergeCodes
from coding.codings import ApplyCoding, EditMemo
from coding.errors import CodingError, NameConflictError
from coding.project import Project
from coding.records import MemoTarget


def _add(project: Project, name: str, parent_id: int | None = None, **kwargs: Any) -> int:
    command = AddCode(project, name=name, parent_id=parent_id, **kwargs)
    command.do()
    assert command.code_id is not None
    return command.code_id


def _code(project: Project, document_id: int, code_id: int, *spans: tuple[int, int]) -> None:
    ApplyCoding(project, document_id, list(spans), code_id=code_id).do()


def _state(project: Project) -> tuple[Any, ...]:
    """Everything a merge touches, with ids and UUIDs (memo timestamps left out)."""
    with project.read() as tx:
        codes = tx.codes.all()
        memos = [
            (m.id, m.uuid, m.title, m.text, m.code_id, m.coding_id, m.coder_id)
            for m in (
                *(tx.memos.get(MemoTarget(code_id=c.id)) for c in codes),
                *(tx.memos.get(MemoTarget(coding_id=c.id)) for c in tx.codings.details()),
            )
            if m is not None
        ]
        codings = [
            (c.id, c.uuid, c.code_id, c.coder_id, c.start, c.end, c.text, c.created_at)
            for c in tx.codings.details()
        ]
    return codes, codings, memos


def _paths(project: Project) -> list[str]:
    return sorted(queries.paths(project).values())


def test_codings_move_to_the_target_and_the_source_is_deleted(
    project: Project, document_id: int
) -> None:
    source = _add(project, "Tidstyring")
    target = _add(project, "Tidsstyring")
    _code(project, document_id, source, (0, 10), (20, 30))
    _code(project, document_id, target, (40, 50))
    uuids = {c.uuid for c in queries.codings(project)}

    command = MergeCodes(project, source, target)
    changes = command.do()

    assert _paths(project) == ["Tidsstyring"]
    codings = queries.codings(project)
    assert {c.code_id for c in codings} == {target}
    assert {c.uuid for c in codings} == uuids  # moved, not copied
    assert changes.code_tree
    assert changes.documents == {document_id}
    assert command.label == "Merge code “Tidstyring” into “Tidsstyring”"


def test_a_coding_the_target_already_has_is_dropped_and_its_memo_carried(
    project: Project, document_id: int
) -> None:
    source = _add(project, "A")
    target = _add(project, "B")
    ApplyCoding(project, document_id, [(0, 10)], code_id=source, memo="Fra A").do()
    ApplyCoding(project, document_id, [(0, 10)], code_id=target, memo="Fra B").do()
    _code(project, document_id, source, (20, 30))
    ApplyCoding(project, document_id, [(20, 30)], code_id=target, coder="Ola").do()

    impact = MergeCodes(project, source, target).impact()
    assert (impact.codings, impact.duplicates, impact.subcodes) == (1, 1, 0)
    MergeCodes(project, source, target).do()

    codings = queries.codings(project)
    spans = sorted((c.start, c.coder_name) for c in codings)
    assert spans == [(0, "Kari"), (20, "Kari"), (20, "Ola")]  # another coder's is no duplicate
    kept = next(c for c in codings if c.start == 0)
    assert kept.memo == "Fra B\n\nFra A"


def test_subcodes_move_under_the_target_after_its_own(project: Project) -> None:
    source = _add(project, "Ledelse")
    _add(project, "Støttende", source)
    _add(project, "Kontrollerende", source)
    target = _add(project, "Lederrolle")
    _add(project, "Coach", target)

    impact = MergeCodes(project, source, target).impact()
    assert impact.subcodes == 2
    MergeCodes(project, source, target).do()

    with project.read() as tx:
        names = [c.name for c in tx.codes.children(target)]
        positions = [c.position for c in tx.codes.children(target)]
    assert names == ["Coach", "Støttende", "Kontrollerende"]
    assert positions == [0, 1, 2]


def test_subcode_name_clashes_are_refused_before_anything_changes(
    project: Project, document_id: int
) -> None:
    source = _add(project, "A")
    _add(project, "Tid", source)
    _add(project, "Rom", source)
    _add(project, "Penger", source)
    target = _add(project, "B")
    _add(project, "tid", target)
    _add(project, "ROM", target)
    _code(project, document_id, source, (0, 5))
    before = _state(project)

    with pytest.raises(NameConflictError, match="“Tid”, “Rom”"):
        MergeCodes(project, source, target).do()
    with pytest.raises(NameConflictError):
        MergeCodes(project, source, target).impact()
    assert _state(project) == before


def test_memo_moves_when_only_the_source_has_one(project: Project) -> None:
    source = _add(project, "A")
    target = _add(project, "B")
    EditMemo(project, MemoTarget(code_id=source), "Om A", title="Tanker").do()
    uuid = queries.memo(project, MemoTarget(code_id=source)).uuid  # type: ignore[union-attr]

    MergeCodes(project, source, target).do()

    memo = queries.memo(project, MemoTarget(code_id=target))
    assert memo is not None
    assert (memo.text, memo.title, memo.uuid) == ("Om A", "Tanker", uuid)


def test_memo_is_appended_when_both_have_one(project: Project) -> None:
    source = _add(project, "A")
    target = _add(project, "B")
    EditMemo(project, MemoTarget(code_id=source), "Om A").do()
    EditMemo(project, MemoTarget(code_id=target), "Om B", title="B").do()

    MergeCodes(project, source, target).do()

    memo = queries.memo(project, MemoTarget(code_id=target))
    assert memo is not None
    assert (memo.text, memo.title) == ("Om B\n\nOm A", "B")


def test_undo_restores_everything_and_redo_merges_again(project: Project, document_id: int) -> None:
    _add(project, "Først")
    source = _add(project, "A")
    _add(project, "Sist")
    child = _add(project, "A1", source)
    _add(project, "A2", source)
    target = _add(project, "B")
    _add(project, "B1", target)
    ApplyCoding(project, document_id, [(0, 10)], code_id=source, memo="Dublett").do()
    _code(project, document_id, source, (15, 25))
    _code(project, document_id, target, (0, 10))
    _code(project, document_id, child, (30, 40))
    EditMemo(project, MemoTarget(code_id=source), "Om A").do()
    EditMemo(project, MemoTarget(code_id=target), "Om B").do()
    before = _state(project)

    command = MergeCodes(project, source, target)
    command.do()
    merged = _state(project)
    assert _paths(project) == ["B", "B/A1", "B/A2", "B/B1", "Først", "Sist"]

    changes = command.undo()
    assert _state(project) == before
    assert changes.code_tree and changes.documents == {document_id}
    assert [n.code.name for n in queries.code_tree(project)] == ["Først", "A", "Sist", "B"]

    command.do()
    assert _state(project) == merged
    command.undo()
    assert _state(project) == before


def test_merging_into_itself_or_its_own_subcode_is_refused(project: Project) -> None:
    source = _add(project, "A")
    child = _add(project, "A1", source)
    with pytest.raises(CodingError, match="into itself"):
        MergeCodes(project, source, source).do()
    with pytest.raises(CodingError, match="its own subcode"):
        MergeCodes(project, source, child).do()


def test_a_folder_cannot_take_codings_but_can_take_subcodes(
    project: Project, document_id: int
) -> None:
    folder = _add(project, "Roller", codable=False)
    coded = _add(project, "Leder")
    _code(project, document_id, coded, (0, 5))
    with pytest.raises(CodingError, match="folder"):
        MergeCodes(project, coded, folder).do()

    group = _add(project, "Gruppe", codable=False)
    _add(project, "Ansatt", group)
    MergeCodes(project, group, folder).do()
    assert "Roller/Ansatt" in _paths(project)


def test_impact_describes_what_moves_and_what_is_dropped(project: Project) -> None:
    command = MergeCodes(project, _add(project, "A"), _add(project, "B"))
    assert command.label == "Merge codes"
    text = command.impact().describe("A", "B")
    assert text == "Merging “A” into “B” moves 0 codings to “B” and deletes “A”."
    from coding.codebook import MergeImpact

    text = MergeImpact(codings=3, duplicates=1, subcodes=1).describe("A", "B")
    assert text == (
        "Merging “A” into “B” moves 3 codings and 1 subcode to “B”, "
        "drops 1 coding that “B” already has, and deletes “A”."
    )
