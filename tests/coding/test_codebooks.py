"""The shipped trust-management codebook, and adding a codebook as one undoable action."""

from __future__ import annotations

import re

import pytest

from coding import queries
from coding.codebooks import AddCodebook, CodebookSpec, CodeSpec, shipped_codebook
from coding.errors import CodingError
from coding.project import Project
from storage.repositories.codes import DEFINITION_FIELDS


def _walk(codes: tuple[CodeSpec, ...], depth: int = 1) -> list[tuple[CodeSpec, int]]:
    found = []
    for code in codes:
        found.append((code, depth))
        found.extend(_walk(code.children, depth + 1))
    return found


def test_trust_codebook_is_complete() -> None:
    codebook = shipped_codebook("trust")
    codes = _walk(codebook.codes)
    assert len(codes) >= 40
    assert max(depth for _, depth in codes) in (2, 3)
    for code, _depth in codes:
        assert code.name and code.alt_name and "/" not in code.name
        assert code.color is not None and re.fullmatch(r"#[0-9a-f]{6}", code.color)
        for name in DEFINITION_FIELDS:
            if name != "example" or code.codable:
                assert code.definitions[name].strip(), (code.name, name)
        names = [child.name.casefold() for child in code.children]
        assert len(names) == len(set(names)), code.name


def test_unknown_codebook_is_named() -> None:
    with pytest.raises(CodingError, match="no codebook called “nope”"):
        shipped_codebook("nope")


def test_add_codebook_then_undo_and_redo(project: Project) -> None:
    codebook = shipped_codebook("trust")
    command = AddCodebook(project, codebook)
    command.do()
    codes = queries.codes(project)
    assert len(codes) == codebook.count()
    assert all(code.alt_name for code in codes)
    command.undo()
    assert queries.codes(project) == []
    command.do()
    assert queries.codes(project) == codes  # same ids, uuids and order


def test_add_codebook_beside_existing_codes_keeps_them(project: Project) -> None:
    small = CodebookSpec("Små", (CodeSpec("A", children=(CodeSpec("B"),)), CodeSpec("C")))
    AddCodebook(project, small).do()
    command = AddCodebook(project, CodebookSpec("Mer", (CodeSpec("D"),)))
    command.do()
    assert [node.code.name for node in queries.code_tree(project)] == ["A", "C", "D"]
    command.undo()
    assert [node.code.name for node in queries.code_tree(project)] == ["A", "C"]
    with pytest.raises(CodingError):
        AddCodebook(project, CodebookSpec("Igjen", (CodeSpec("A"),))).do()
    assert [node.code.name for node in queries.code_tree(project)] == ["A", "C"]
