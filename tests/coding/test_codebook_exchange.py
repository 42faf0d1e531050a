"""Codebooks through .qdc: the fields under headings, the same GUIDs, nothing lost."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from coding import queries
from coding.codebook_exchange import (
    describe,
    export_codebook,
    read_codebook_file,
    read_description,
)
from coding.codebooks import AddCodebook, shipped_codebook
from coding.errors import CodingError
from coding.project import Project
from coding.records import CodeRecord


def test_description_headings_round_trip() -> None:
    fields = {
        "brief_definition": "Kort.",
        "full_definition": "Lang definisjon.\n\nMed to avsnitt.",
        "when_to_use": "Når …",
        "when_not_to_use": "",
        "example": "«Vi får bruke skjønn 😀»",
        "alt_name": "Discretion",
    }
    assert read_description(describe(fields)) == {k: v for k, v in fields.items() if v}


def test_another_programs_description_becomes_the_full_definition() -> None:
    assert read_description("Kodes når tillit nevnes.") == {
        "full_definition": "Kodes når tillit nevnes."
    }


def test_trust_codebook_survives_export_and_import(project: Project, tmp_path: Path) -> None:
    AddCodebook(project, shipped_codebook("trust")).do()
    first = tmp_path / "trust.qdc"
    second = tmp_path / "again.qdc"
    assert export_codebook(project, first) == 59
    export_codebook(project, second)
    assert first.read_bytes() == second.read_bytes()  # same GUIDs, same everything

    with Project.create(tmp_path / "ny.tillit", coder="Ola") as other:
        AddCodebook(other, read_codebook_file(first)).do()
        before = queries.codes(project)
        after = queries.codes(other)
    assert [_fields(c) for c in after] == [_fields(c) for c in before]


def _fields(code: CodeRecord) -> tuple[object, ...]:
    return (
        code.uuid, code.name, code.alt_name, code.color, code.codable, code.brief_definition,
        code.full_definition, code.when_to_use, code.when_not_to_use, code.example,
    )  # fmt: skip


def test_the_same_codebook_twice_is_refused_not_duplicated(
    project: Project, tmp_path: Path
) -> None:
    AddCodebook(project, shipped_codebook("trust")).do()
    path = tmp_path / "trust.qdc"
    export_codebook(project, path)
    with pytest.raises(CodingError, match="already in this project"):
        AddCodebook(project, read_codebook_file(path)).do()
    assert len(queries.codes(project)) == 59


def test_a_codebook_file_says_how_it_was_read(project: Project, tmp_path: Path) -> None:
    qdpx = tmp_path / "gammel.qdpx"
    with zipfile.ZipFile(qdpx, "w") as archive:
        archive.writestr(
            "project.qde",
            '<Project name="p"><CodeBook><Codes><Code guid="x" name="Tillit"/></Codes>'
            '</CodeBook><Sets><Set guid="s" name="G"><MemberCode targetGUID="x"/></Set>'
            '<Set guid="t" name="Kilder"><MemberSource targetGUID="y"/></Set></Sets></Project>',
        )
    book = read_codebook_file(qdpx)
    assert [code.name for code in book.codes] == ["Tillit"]
    assert [warning.split(";")[0] for warning in book.warnings] == [
        "“gammel.qdpx” declares no namespace, so it may not be a REFI-QDA project",
        "“gammel.qdpx” has 1 code group (Sets), which Tillit does not hold",
    ]
    export_codebook(project, tmp_path / "egen.qdc")
    assert read_codebook_file(tmp_path / "egen.qdc").warnings == ()
    assert read_codebook_file(project.path).warnings == ()
