"""Coding queries (AND, NOT, NEAR, same paragraph), their filters, the matrices and Excel export."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from coding import matrices
from coding.cases import CreateCase, SetAttribute
from coding.errors import CodingError, NotFoundError, StorageError
from coding.matrices import MatrixKind
from coding.project import Project
from coding.retrieval import (
    CodingQuery,
    Operator,
    QueryFilter,
    Segment,
    export_segments,
    filter_choices,
    run_query,
    value_label,
)
from tests.conftest import SAMPLE_TEXT, add_document

TEXT = (
    "INT: Hvordan er tilliten på arbeidsplassen?\n"
    "P1: Lederen stoler på oss, og vi får bruke skjønn 😀 i hverdagen. Det er nytt.\n"
    "INT: Og kontrollen?\n"
    "P1: Før telte vi minutter. Nå skriver vi færre rapporter, og æ ø å er med."
)


def at(phrase: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


@dataclass
class Study:
    """Two interviews, codes A (with subcode A1), B and C, coders Kari and Ola, two cases."""

    project: Project
    doc1: int
    doc2: int
    a: int
    a1: int
    b: int
    c: int
    kari: int
    ola: int
    bergen: int
    oslo: int
    by: int  # case attribute "By" (text)
    alder: int  # document attribute "Alder" (number)
    leder: int  # case attribute "Leder" (boolean)

    def code(self, code_id: int, document_id: int, phrase: str, coder: int | None = None) -> int:
        text = TEXT if document_id == self.doc1 else SAMPLE_TEXT
        start, end = at(phrase, text)
        with self.project.transaction() as tx:
            return tx.codings.add(
                document_id=document_id,
                code_id=code_id,
                coder_id=coder or self.kari,
                start=start,
                end=end,
                text=phrase,
            )

    def query(self, code_id: int, operator: Operator = Operator.ONLY, other: int | None = None,
              **options: object) -> list[Segment]:  # fmt: skip
        return run_query(self.project, CodingQuery(code_id, operator, other, **options))  # type: ignore[arg-type]


@pytest.fixture
def study(project: Project) -> Study:
    doc1 = add_document(project, "Intervju 1", TEXT)
    doc2 = add_document(project, "Intervju 2", SAMPLE_TEXT)
    with project.transaction() as tx:
        a = tx.codes.add("A")
        a1 = tx.codes.add("A1", parent_id=a)
        b, c = tx.codes.add("B"), tx.codes.add("C")
        kari = tx.coders.by_name("Kari")
        ola = tx.coders.add("Ola")
    assert kari is not None
    bergen, oslo = CreateCase(project, "Bergen", document_ids=[doc1]), CreateCase(project, "Oslo")
    bergen.do()
    oslo.do()
    assert bergen.case_id is not None and oslo.case_id is not None
    with project.transaction() as tx:
        tx.cases.add_documents(oslo.case_id, [doc2])
    SetAttribute(project, "case", bergen.case_id, "By", "Bergen").do()
    SetAttribute(project, "case", oslo.case_id, "By", "Oslo").do()
    SetAttribute(project, "case", bergen.case_id, "Leder", True, value_type="boolean").do()
    SetAttribute(project, "case", oslo.case_id, "Leder", False, value_type="boolean").do()
    SetAttribute(project, "document", doc1, "Alder", 54, value_type="number").do()
    SetAttribute(project, "document", doc2, "Alder", 31, value_type="number").do()
    with project.read() as tx:
        by, alder, leder = (
            tx.attributes.by_name(scope, name) for scope, name in
            (("case", "By"), ("document", "Alder"), ("case", "Leder"))
        )  # fmt: skip
    assert by and alder and leder
    s = Study(project, doc1, doc2, a, a1, b, c, kari, ola, bergen.case_id, oslo.case_id,
              by.id, alder.id, leder.id)  # fmt: skip
    s.code(a, doc1, "Lederen stoler på oss")
    s.code(a, doc1, "på oss, og vi får", s.ola)
    s.code(b, doc1, "stoler på oss, og")
    s.code(a1, doc1, "skjønn 😀")
    s.code(a, doc1, "Før telte vi minutter")
    s.code(b, doc1, "Nå skriver", s.ola)
    s.code(c, doc1, "Og kontrollen")
    s.code(a, doc2, "Hva betyr")
    s.code(b, doc2, "Hun stoler på oss", s.ola)
    return s


def texts(segments: list[Segment]) -> list[str]:
    return [segment.text for segment in segments]


def test_only_a_lists_its_codings_with_or_without_subcodes(study: Study) -> None:
    assert texts(study.query(study.a)) == [
        "Lederen stoler på oss", "på oss, og vi får", "Før telte vi minutter", "Hva betyr",
    ]  # fmt: skip
    with_children = study.query(study.a, include_children=True)
    assert "skjønn 😀" in texts(with_children) and len(with_children) == 5
    [skjonn] = [s for s in with_children if s.text == "skjønn 😀"]
    assert skjonn.codes == ("A/A1",) and skjonn.coders == ("Kari",)
    assert skjonn.document_name == "Intervju 1" and skjonn.speaker == "P1"
    assert skjonn.context == TEXT.split("\n")[1]
    assert TEXT[skjonn.start : skjonn.end] == "skjønn 😀"
    assert skjonn.context[skjonn.start - skjonn.context_start :].startswith("skjønn 😀")


def test_and_returns_the_text_coded_with_both_once_per_stretch(study: Study) -> None:
    [passage] = study.query(study.a, Operator.AND, study.b)
    assert passage.text == "stoler på oss, og"
    assert (passage.start, passage.end) == at("stoler på oss, og")
    assert len(passage.coding_ids) == 3  # both codings of A (Kari's, Ola's) and B's
    assert passage.codes == ("A", "B") and set(passage.coders) == {"Kari", "Ola"}
    assert passage.context.startswith("P1: Lederen")


def test_and_with_a_coder_filter_counts_only_that_coders_codings(study: Study) -> None:
    kari = QueryFilter(coder_ids=frozenset({study.kari}))
    [passage] = study.query(study.a, Operator.AND, study.b, filters=kari)
    assert passage.text == "stoler på oss"
    ola = QueryFilter(coder_ids=frozenset({study.ola}))
    assert study.query(study.a, Operator.AND, study.b, filters=ola) == []


def test_not_keeps_codings_of_a_that_no_coding_of_b_overlaps(study: Study) -> None:
    assert texts(study.query(study.a, Operator.NOT, study.b)) == [
        "Før telte vi minutter", "Hva betyr",
    ]  # fmt: skip
    with_children = study.query(study.a, Operator.NOT, study.b, include_children=True)
    assert texts(with_children) == ["skjønn 😀", "Før telte vi minutter", "Hva betyr"]


def test_near_counts_characters_between_the_codings(study: Study) -> None:
    # "Før telte vi minutter" and "Nå skriver" are two characters (". ") apart.
    near = texts(study.query(study.a, Operator.NEAR, study.b, distance=2))
    assert near == ["Lederen stoler på oss", "på oss, og vi får", "Før telte vi minutter"]
    assert "Før telte vi minutter" not in texts(
        study.query(study.a, Operator.NEAR, study.b, distance=1)
    )
    with pytest.raises(CodingError, match="0 or more"):
        study.query(study.a, Operator.NEAR, study.b, distance=-1)


def test_same_paragraph_needs_a_coding_of_b_in_that_paragraph(study: Study) -> None:
    found = study.query(study.a, Operator.SAME_PARAGRAPH, study.b, include_children=True)
    assert texts(found) == [
        "Lederen stoler på oss", "på oss, og vi får", "skjønn 😀", "Før telte vi minutter",
    ]  # fmt: skip
    kari = QueryFilter(coder_ids=frozenset({study.kari}))
    found = study.query(
        study.a, Operator.SAME_PARAGRAPH, study.b, include_children=True, filters=kari
    )
    assert texts(found) == ["Lederen stoler på oss", "skjønn 😀"]  # Ola's B in P3 is left out
    assert study.query(study.a, Operator.SAME_PARAGRAPH, study.c) == []  # C is in its own turn
    assert texts(study.query(study.c, Operator.SAME_PARAGRAPH, study.c)) == ["Og kontrollen"]


def test_code_b_is_required_and_codes_must_exist(study: Study) -> None:
    with pytest.raises(CodingError, match="code B"):
        study.query(study.a, Operator.AND)
    with pytest.raises(NotFoundError):
        study.query(9999)


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("document", ["Hva betyr"]),
        ("case", ["Lederen stoler på oss", "på oss, og vi får", "Før telte vi minutter"]),
        ("city", ["Hva betyr"]),
        ("either city", ["Lederen stoler på oss", "på oss, og vi får", "Før telte vi minutter",
                         "Hva betyr"]),
        ("city and age", []),
        ("age", ["Lederen stoler på oss", "på oss, og vi får", "Før telte vi minutter"]),
        ("leader", ["Hva betyr"]),
        ("coder", ["på oss, og vi får"]),
        ("nothing", []),
    ],
)  # fmt: skip
def test_each_filter_narrows_the_segments(study: Study, which: str, expected: list[str]) -> None:
    filters = {
        "document": QueryFilter(document_ids=frozenset({study.doc2})),
        "case": QueryFilter(case_ids=frozenset({study.bergen})),
        "city": QueryFilter(attribute_values=frozenset({(study.by, "Oslo")})),
        "either city": QueryFilter(
            attribute_values=frozenset({(study.by, "Oslo"), (study.by, "Bergen")})
        ),
        "city and age": QueryFilter(
            attribute_values=frozenset({(study.by, "Oslo"), (study.alder, 54.0)})
        ),
        "age": QueryFilter(attribute_values=frozenset({(study.alder, 54.0)})),
        "leader": QueryFilter(attribute_values=frozenset({(study.leder, False)})),
        "coder": QueryFilter(coder_ids=frozenset({study.ola})),
        "nothing": QueryFilter(document_ids=frozenset()),
    }
    assert texts(study.query(study.a, filters=filters[which])) == expected


def test_filter_choices_list_every_value_of_every_attribute(study: Study) -> None:
    choices = filter_choices(study.project)
    assert [d.name for d in choices.documents] == ["Intervju 1", "Intervju 2"]
    assert [c.name for c in choices.cases] == ["Bergen", "Oslo"]
    assert {c.name for c in choices.coders} == {"Kari", "Ola"}
    shown = [(c.attribute_name, value_label(c.value)) for c in choices.attributes]
    assert shown == [
        ("By", "Bergen"), ("By", "Oslo"), ("Leder", "no"), ("Leder", "yes"),
        ("Alder", "31"), ("Alder", "54"),
    ]  # fmt: skip


def test_code_document_matrix_counts_codings(study: Study) -> None:
    matrix = matrices.code_document_matrix(study.project)
    assert matrix.row_labels == ("A", "A/A1", "B", "C")
    assert matrix.column_labels == ("Intervju 1", "Intervju 2")
    assert matrix.counts.tolist() == [[3, 1], [1, 0], [2, 1], [1, 0]]
    with_children = matrices.code_document_matrix(
        study.project, code_ids=[study.a], include_children=True
    )
    assert with_children.counts.tolist() == [[4, 1]]
    narrowed = matrices.code_document_matrix(
        study.project, filters=QueryFilter(coder_ids=frozenset({study.ola}))
    )
    assert narrowed.counts.tolist() == [[1, 0], [0, 0], [1, 1], [0, 0]]
    assert texts(matrices.cell_segments(study.project, matrix, 0, 1)) == ["Hva betyr"]


def test_code_attribute_matrix_counts_codings_by_value_through_cases(study: Study) -> None:
    matrix = matrices.code_attribute_matrix(study.project, study.by)
    assert matrix.title == "Codes × By" and matrix.column_labels == ("Bergen", "Oslo")
    assert matrix.counts.tolist() == [[3, 1], [1, 0], [2, 1], [1, 0]]
    assert texts(matrices.cell_segments(study.project, matrix, 2, 0)) == [
        "stoler på oss, og", "Nå skriver",
    ]  # fmt: skip
    ages = matrices.code_attribute_matrix(study.project, study.alder, include_children=True)
    assert ages.column_labels == ("31", "54") and ages.counts[0].tolist() == [1, 4]
    # A document in two cases that differ counts in both columns, once in each.
    with study.project.transaction() as tx:
        tx.cases.add_documents(study.oslo, [study.doc1])
    both = matrices.code_attribute_matrix(study.project, study.by)
    assert both.counts[0].tolist() == [3, 4]
    with pytest.raises(NotFoundError):
        matrices.code_attribute_matrix(study.project, 9999)


def test_cooccurrence_counts_passages_coded_with_both(study: Study) -> None:
    matrix = matrices.cooccurrence_matrix(study.project)
    assert matrix.kind is MatrixKind.COOCCURRENCE
    assert matrix.counts.tolist() == [
        [4, 0, 1, 0],  # A: four codings; one passage with B (two coders' A count once)
        [0, 1, 0, 0],
        [1, 0, 3, 0],
        [0, 0, 0, 1],
    ]
    with_children = matrices.cooccurrence_matrix(study.project, include_children=True)
    assert with_children.counts[0].tolist() == [5, 1, 1, 0]  # A includes A1's coding
    [passage] = matrices.cell_segments(study.project, matrix, 2, 0)
    assert passage.text == "stoler på oss, og"
    assert len(matrices.cell_segments(study.project, matrix, 0, 0)) == 4


def _brute_force(codings: list[tuple[int, int, int, int]], rows: list[set[int]]) -> list[list[int]]:
    """Co-occurrence by definition: per document, merge each row's spans where they overlap or
    touch, and count the pairs of merged stretches of two rows that overlap."""

    def stretches(members: set[int], document: int) -> list[tuple[int, int]]:
        merged: list[list[int]] = []
        for start, end in sorted(
            (s, e) for d, c, s, e in codings if d == document and c in members
        ):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(s, e) for s, e in merged]

    documents = {coding[0] for coding in codings}
    counts = [[0] * len(rows) for _ in rows]
    for r, row in enumerate(rows):
        counts[r][r] = sum(1 for coding in codings if coding[1] in row)
        for c, column in enumerate(rows):
            if c == r:
                continue
            for document in documents:
                counts[r][c] += sum(
                    1
                    for s1, e1 in stretches(row, document)
                    for s2, e2 in stretches(column, document)
                    if s1 < e2 and s2 < e1
                )
    return counts


@pytest.mark.parametrize("seed", range(4))
def test_cooccurrence_matches_a_brute_force_count_on_random_codings(
    project: Project, seed: int
) -> None:
    rng = random.Random(seed)
    documents = [add_document(project, f"D{n}", "x" * 400) for n in range(3)]
    with project.transaction() as tx:
        top = [tx.codes.add(f"K{n}") for n in range(4)]
        children = [tx.codes.add(f"K{n}.{m}", parent_id=top[n]) for n in (0, 1) for m in (1, 2)]
        coders = [tx.coders.by_name("Kari") or 0, tx.coders.add("Ola")]
        codings = []
        for _ in range(160):
            document, code = rng.choice(documents), rng.choice(top + children)
            start = rng.randrange(390)
            end = min(400, start + rng.randint(1, 40))
            codings.append((document, code, start, end))
            tx.codings.add(document_id=document, code_id=code, coder_id=rng.choice(coders),
                           start=start, end=end, text="x" * (end - start))  # fmt: skip
        codes = [code.id for code in tx.codes.all()]
    for include_children in (False, True):
        matrix = matrices.cooccurrence_matrix(project, include_children=include_children)
        assert list(matrix.row_ids) == codes
        rows = [
            {code} | ({c for c in children if _parent(project, c) == code} if include_children
                      else set())
            for code in codes
        ]  # fmt: skip
        assert matrix.counts.tolist() == _brute_force(codings, rows)
    for _ in range(12):  # every cell lists as many segments as it counts
        r, c = rng.randrange(len(codes)), rng.randrange(len(codes))
        assert len(matrices.cell_segments(project, matrix, r, c)) == matrix.counts[r, c]
    assert np.array_equal(matrix.counts, matrix.counts.T)


def _parent(project: Project, code_id: int) -> int | None:
    with project.read() as tx:
        return tx.codes.get(code_id).parent_id


def test_segments_survive_a_round_trip_through_excel(study: Study, tmp_path: Path) -> None:
    with study.project.transaction() as tx:
        d = tx.documents.add(name="Ærlig talt 😀", language="nb", text="=1+1 ær ødelagt å\x07 🎉",
                             paragraphs=[], source_name="x.txt", source_format="txt")  # fmt: skip
        tx.codings.add(document_id=d, code_id=study.c, coder_id=study.kari, start=0, end=10,
                       text="=1+1 ær ød")  # fmt: skip
    segments = study.query(study.c)
    path = tmp_path / "utdrag æøå.xlsx"
    export_segments(path, segments, "Utdrag: C?")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None and sheet.title == "Utdrag C"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Document", "Code", "Coder", "Speaker", "Start", "End", "Segment", "Context"]
    assert rows[2][:3] == ["Ærlig talt 😀", "C", "Kari"] and rows[2][4:7] == [0, 10, "=1+1 ær ød"]
    assert rows[2][7] == "=1+1 ær ødelagt å 🎉"  # the bell character XML cannot hold is gone
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_matrix_survives_a_round_trip_through_excel(study: Study, tmp_path: Path) -> None:
    with study.project.transaction() as tx:
        tx.codes.update(study.c, name="Økt ansvar 🎯")
    matrix = matrices.code_document_matrix(study.project)
    path = tmp_path / "matrise.xlsx"
    matrices.export_matrix(path, matrix)
    book = openpyxl.load_workbook(path)
    sheet = book["Codes × documents"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["Code", "Intervju 1", "Intervju 2"],
        ["A", 3, 1], ["A/A1", 1, 0], ["B", 2, 1], ["Økt ansvar 🎯", 1, 0],
    ]  # fmt: skip
    assert sheet.freeze_panes == "B2" and sheet["B1"].font.bold and sheet["A2"].font.bold
    assert "codings" in str(book["About"]["A2"].value)


def test_export_to_a_missing_folder_says_so(study: Study, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="could not write"):
        export_segments(tmp_path / "nowhere" / "x.xlsx", study.query(study.a))
    assert not (tmp_path / "nowhere").exists()
