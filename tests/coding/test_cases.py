"""Cases and typed attributes on cases and documents."""

from __future__ import annotations

import pytest

from coding.cases import CreateCase, SetAttribute
from coding.errors import CodingError, NameConflictError
from coding.project import Project


def test_create_case_with_documents_and_undo(project: Project, document_id: int) -> None:
    command = CreateCase(project, "Bergen – sone Nord", document_ids=[document_id])
    command.do()
    with project.read() as tx:
        assert [c.name for c in tx.cases.all()] == ["Bergen – sone Nord"]
        assert tx.cases.cases_of_documents() == {document_id: ["Bergen – sone Nord"]}
    with pytest.raises(NameConflictError):
        CreateCase(project, "Bergen – sone Nord").do()
    command.undo()
    with project.read() as tx:
        assert tx.cases.all() == []
    command.do()
    with project.read() as tx:
        assert tx.cases.cases_of_documents() == {document_id: ["Bergen – sone Nord"]}


@pytest.mark.parametrize(
    ("value_type", "given", "stored"),
    [
        ("text", "Oslo", "Oslo"),
        ("number", "12,5", 12.5),
        ("boolean", "ja", True),
        ("date", "2025-03-12", "2025-03-12"),
    ],
)
def test_typed_attribute_values(
    project: Project, document_id: int, value_type: str, given: str, stored: object
) -> None:
    case = CreateCase(project, "P1")
    case.do()
    assert case.case_id is not None
    SetAttribute(project, "case", case.case_id, "verdi", given, value_type=value_type).do()
    with project.read() as tx:
        [value] = tx.attributes.values_of(case_id=case.case_id)
    assert value.value == stored


def test_wrong_value_for_the_type_is_refused(project: Project, document_id: int) -> None:
    SetAttribute(project, "document", document_id, "Alder", 54, value_type="number").do()
    with pytest.raises(CodingError, match="not a number"):
        SetAttribute(project, "document", document_id, "Alder", "femti").do()


def test_set_attribute_undo_restores_old_value_and_removes_new_attribute(
    project: Project, document_id: int
) -> None:
    first = SetAttribute(project, "document", document_id, "By", "Oslo")
    first.do()
    second = SetAttribute(project, "document", document_id, "By", "Bergen")
    second.do()
    second.undo()
    with project.read() as tx:
        [value] = tx.attributes.values_of(document_id=document_id)
        assert value.value == "Oslo"
    first.undo()
    with project.read() as tx:
        assert tx.attributes.all() == []
    first.do()
    with project.read() as tx:
        assert [v.value for v in tx.attributes.values_of(document_id=document_id)] == ["Oslo"]
