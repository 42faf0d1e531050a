"""Tables of codings for R, Stata and SPSS: one row per coding, typed, filtered, exact text."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest

from coding.cases import CreateCase, SetAttribute
from coding.codings import ApplyCoding
from coding.errors import CodingError, ExportCancelledError, NotFoundError, StorageError
from coding.project import Project
from coding.tables import FIXED_COLUMNS, codings_table, count_codings, export_codings_table
from storage.repositories.retrieval import QueryFilter
from tests.conftest import SAMPLE_TEXT, add_document

TEXT = (
    "INT: Hvordan er tilliten?\n"
    "P1: Lederen stoler på oss, og vi får bruke skjønn 😀 i hverdagen.\n"
    'INT: Og «kontrollen», sa du "før"?\n'
    "P1: Før telte vi minutter; nå skriver vi færre rapporter, æ ø å."
)

Row = dict[str, object]


@dataclass
class Study:
    """Two interviews in two cases, codes A (with A1) and B, coders Kari and Ola."""

    project: Project
    doc1: int
    doc2: int
    bergen: int
    oslo: int

    codes: dict[str, int] = field(default_factory=dict)

    def code(self, document_id: int, phrase: str, path: str, coder: str = "Kari") -> None:
        text = TEXT if document_id == self.doc1 else SAMPLE_TEXT
        start = text.index(phrase)
        command = ApplyCoding(
            self.project, document_id, [(start, start + len(phrase))], code_path=path, coder=coder
        )
        command.do()
        assert command.code_id is not None
        self.codes[path] = command.code_id


@pytest.fixture
def study(project: Project) -> Study:
    doc1 = add_document(project, "Intervju 1 – Bergen", TEXT)
    doc2 = add_document(project, "Intervju 2 – Oslo")
    bergen = CreateCase(project, "Bergen", document_ids=[doc1])
    oslo = CreateCase(project, "Oslo", document_ids=[doc1, doc2])
    bergen.do()
    oslo.do()
    assert bergen.case_id is not None and oslo.case_id is not None
    for case_id, town, size in ((bergen.case_id, "Bergen", 290), (oslo.case_id, "Oslo", 717.5)):
        SetAttribute(project, "case", case_id, "By", town).do()
        SetAttribute(project, "case", case_id, "Innbyggere", size, "number").do()
    SetAttribute(project, "document", doc1, "Alder", 54, "number").do()
    SetAttribute(project, "document", doc2, "Alder", 33.5, "number").do()
    SetAttribute(project, "document", doc1, "Leder", True, "boolean").do()
    SetAttribute(project, "document", doc2, "Leder", False, "boolean").do()
    SetAttribute(project, "document", doc1, "Dato", "2025-03-12", "date").do()
    SetAttribute(project, "document", doc1, "By", "Årstad").do()  # shares a case attribute's name
    SetAttribute(project, "document", doc2, "Text", "notat").do()  # named like a column
    found = Study(project, doc1, doc2, bergen.case_id, oslo.case_id)
    found.code(doc1, "Lederen stoler på oss", "A")
    found.code(doc1, "skjønn 😀 i hverdagen.\nINT: Og «kontrollen»", "A/A1", coder="Ola")
    found.code(doc1, 'sa du "før"?', "B")
    found.code(doc1, "færre rapporter, æ ø å", "B", coder="Ola")
    found.code(doc2, "Før var alt styrt av minutter.", "A")
    found.code(doc2, "skjønn 😀", "B", coder="Ola")
    return found


def xlsx_rows(path: Path) -> list[Row]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Codings", "About"]
    header, *rows = list(workbook["Codings"].iter_rows(values_only=True))
    padded = [(*row, *[None] * (len(header) - len(row))) for row in rows]  # empty cells at the end
    return [dict(zip(header, row, strict=True)) for row in padded]  # type: ignore[arg-type]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def texts(project: Project) -> dict[str, str]:
    with project.read() as tx:
        return {d.name: tx.documents.text(d.id) for d in tx.documents.summaries()}


ATTRIBUTES = [
    "By (case)",
    "Innbyggere",
    "Alder",
    "Leder",
    "Dato",
    "By (document)",
    "Text (document)",
]


def test_xlsx_has_a_typed_row_per_coding_with_its_exact_text(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "kodinger.xlsx"

    assert export_codings_table(study.project, path) == 6

    rows = xlsx_rows(path)
    assert list(rows[0]) == [*FIXED_COLUMNS, *ATTRIBUTES]
    documents = texts(study.project)
    for row in rows:
        assert isinstance(row["start"], int) and isinstance(row["end"], int)
        assert row["text"] == documents[str(row["document"])][row["start"] : row["end"]]
    first = rows[0]
    assert first == {
        "document": "Intervju 1 – Bergen",
        "code": "A",
        "coder": "Kari",
        "speaker": "P1",
        "start": first["start"],
        "end": first["end"],
        "text": "Lederen stoler på oss",
        "memo": None,
        "cases": "Bergen; Oslo",
        "By (case)": "Bergen; Oslo",  # the document's two cases differ
        "Innbyggere": "290; 717.5",
        "Alder": 54,
        "By (document)": "Årstad",
        "Dato": "2025-03-12",
        "Leder": 1,
        "Text (document)": None,
    }
    spanning = rows[1]
    assert spanning["text"] == "skjønn 😀 i hverdagen.\nINT: Og «kontrollen»"
    assert (spanning["code"], spanning["coder"]) == ("A/A1", "Ola")
    last = rows[-1]
    assert (last["document"], last["cases"], last["By (case)"]) == (
        "Intervju 2 – Oslo",
        "Oslo",
        "Oslo",
    )
    assert (last["Innbyggere"], last["Alder"], last["Leder"], last["Text (document)"]) == (
        717.5,
        33.5,
        0,
        "notat",
    )


def test_xlsx_about_sheet_explains_every_column(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "kodinger.xlsx"
    export_codings_table(study.project, path)

    about = list(openpyxl.load_workbook(path, read_only=True)["About"].iter_rows(values_only=True))
    assert [row[0] for row in about[1:]] == [*FIXED_COLUMNS, *ATTRIBUTES]
    assert "code points" in str(about[5][1])


def test_csv_is_utf8_without_bom_with_quoted_line_breaks(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "kodinger.csv"

    assert export_codings_table(study.project, path) == 6

    raw = path.read_bytes()
    assert raw.startswith(b"document,code,coder,speaker,start,end,text,memo,cases,By (case),")
    assert raw.endswith(b"\r\n")
    assert '"skjønn 😀 i hverdagen.\nINT: Og «kontrollen»"'.encode() in raw
    assert b'"sa du ""f\xc3\xb8r""?"' in raw
    rows = csv_rows(path)
    documents = texts(study.project)
    for row in rows:
        text = documents[row["document"]]
        assert row["text"] == text[int(row["start"]) : int(row["end"])]
    assert [row["Alder"] for row in rows] == ["54"] * 4 + ["33.5"] * 2
    assert [row["Leder"] for row in rows] == ["1"] * 4 + ["0"] * 2
    assert rows[0]["memo"] == "" and rows[-1]["Dato"] == ""
    assert rows[-2]["text"] == "Før var alt styrt av minutter."


def test_csv_and_xlsx_hold_the_same_table(study: Study, tmp_path: Path) -> None:
    export_codings_table(study.project, tmp_path / "t.csv")
    export_codings_table(study.project, tmp_path / "t.xlsx")

    def shown(value: object) -> str:
        return "" if value is None else str(value)

    from_xlsx = [
        {key: shown(value) for key, value in row.items()} for row in xlsx_rows(tmp_path / "t.xlsx")
    ]
    assert csv_rows(tmp_path / "t.csv") == from_xlsx


def test_memo_and_speaker_are_in_their_columns(study: Study) -> None:
    with study.project.transaction() as tx:
        from storage.repositories.memos import MemoTarget

        coding = tx.codings.details(document_id=study.doc2)[0]
        tx.memos.put(MemoTarget(coding_id=coding.id), "Viktig, «sitat»", coder_id=coding.coder_id)

    table = codings_table(study.project, filters=QueryFilter(document_ids=frozenset({study.doc2})))

    rows = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    assert [(row["speaker"], row["memo"]) for row in rows] == [
        ("P1", "Viktig, «sitat»"),
        ("P1", ""),
    ]


def test_filters_choose_codes_documents_cases_values_and_coders(study: Study) -> None:
    a, b = study.codes["A"], study.codes["B"]
    with study.project.read() as tx:
        ola = tx.coders.by_name("Ola")
        alder = tx.attributes.by_name("document", "Alder")
        town = tx.attributes.by_name("case", "By")
    assert ola is not None and alder is not None and town is not None

    def passages(**options: object) -> list[str]:
        table = codings_table(study.project, **options)  # type: ignore[arg-type]
        return [str(row[FIXED_COLUMNS.index("text")]) for row in table.rows]

    assert passages(code_ids=[a]) == ["Lederen stoler på oss", "Før var alt styrt av minutter."]
    assert count_codings(study.project, [a]) == 2
    assert count_codings(study.project, [a], True, QueryFilter(coder_ids=frozenset({ola}))) == 1
    assert len(passages(code_ids=[a], include_children=True)) == 3
    assert passages(filters=QueryFilter(document_ids=frozenset({study.doc2}))) == [
        "Før var alt styrt av minutter.",
        "skjønn 😀",
    ]
    assert len(passages(filters=QueryFilter(case_ids=frozenset({study.bergen})))) == 4
    assert len(passages(filters=QueryFilter(case_ids=frozenset({study.oslo})))) == 6
    by_age = QueryFilter(attribute_values=frozenset({(alder.id, 33.5)}))
    assert len(passages(filters=by_age)) == 2
    by_town = QueryFilter(attribute_values=frozenset({(town.id, "Bergen")}))
    assert len(passages(filters=by_town)) == 4
    by_ola = QueryFilter(coder_ids=frozenset({ola}))
    assert passages(code_ids=[b], filters=by_ola) == ["færre rapporter, æ ø å", "skjønn 😀"]
    with pytest.raises(NotFoundError):
        codings_table(study.project, code_ids=[9999])


def test_other_extensions_are_refused_before_anything_is_written(
    study: Study, tmp_path: Path
) -> None:
    with pytest.raises(CodingError) as caught:
        export_codings_table(study.project, tmp_path / "kodinger.sav")

    assert str(caught.value) == (
        "“kodinger.sav” is not a table Tillit writes; end the name in .xlsx (Excel, SPSS) or "
        ".csv (R, Stata)."
    )
    assert not (tmp_path / "kodinger.sav").exists()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_cancelling_keeps_the_old_file_and_leaves_no_part(
    study: Study, tmp_path: Path, suffix: str
) -> None:
    folder = tmp_path / "ut"
    folder.mkdir()
    path = folder / f"kodinger{suffix}"
    path.write_bytes(b"old")

    with pytest.raises(ExportCancelledError):
        export_codings_table(study.project, path, progress=lambda done, total: False)

    assert path.read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == [path.name]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_missing_folder_is_a_plain_error(study: Study, tmp_path: Path, suffix: str) -> None:
    with pytest.raises(StorageError) as caught:
        export_codings_table(study.project, tmp_path / "mangler" / f"k{suffix}")

    assert f"“k{suffix}”" in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_progress_counts_rows_to_the_total(study: Study, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    export_codings_table(study.project, tmp_path / "k.csv", progress=progress)

    assert calls == [(0, 6), (6, 6)]
