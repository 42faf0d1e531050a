"""The agreement table in Word and Excel, read back: the methods sentence with the rule for the
documents, a row for every code, specific agreement beside percent agreement, undefined values
as a dash and never a number, the notes on definitions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest

from coding.agreement import AgreementReport, CodeAgreement, agreement
from coding.agreement_report import (
    UNDEFINED,
    Measure,
    export_agreement,
    figure,
    methods_sentence,
    why_undefined,
)
from coding.errors import CodingError, StorageError
from coding.project import Project
from tests.conftest import SAMPLE_TEXT, add_document
from tests.storage.test_docx_annotated import convert, needs_libreoffice

#: The codebook: A with the child A1, B (which nobody applies), the folder F with F1 and F2.
CODES = ("A", "A/A1", "B", "F", "F/F1", "F/F2")


@pytest.fixture
def coded(project: Project) -> Project:
    """Kari, Ola and Ingrid coded two documents; nobody applied B."""
    documents = [add_document(project, f"Intervju {n}", SAMPLE_TEXT) for n in (1, 2)]
    with project.transaction() as tx:
        ids: dict[str, int] = {}
        for path in CODES:
            parent, _, name = path.rpartition("/")
            ids[path] = tx.codes.add(name, parent_id=ids.get(parent), codable=path != "F")
        coders = {n: tx.coders.by_name(n) or tx.coders.add(n) for n in ("Kari", "Ola", "Ingrid")}
        made = [
            ("Kari", "A", 0, 30), ("Ola", "A", 5, 30), ("Ingrid", "A", 0, 30),
            ("Kari", "A/A1", 40, 80), ("Ola", "A/A1", 40, 80), ("Ingrid", "A/A1", 50, 90),
            ("Kari", "F/F1", 100, 130), ("Ola", "F/F2", 100, 130), ("Ingrid", "F/F1", 100, 120),
        ]  # fmt: skip
        for document in documents:
            for coder, path, start, end in made:
                tx.codings.add(
                    document_id=document, code_id=ids[path], coder_id=coders[coder],
                    start=start, end=end, text=SAMPLE_TEXT[start:end],
                )  # fmt: skip
    return project


def table_rows(path: Path) -> list[list[str]]:
    (table, *_) = docx.Document(str(path)).tables
    return [[cell.text for cell in row.cells] for row in table.rows]


def body(path: Path) -> str:
    return "\n".join(paragraph.text for paragraph in docx.Document(str(path)).paragraphs)


def test_the_word_table_names_coders_unit_and_statistics(coded: Project, tmp_path: Path) -> None:
    report = agreement(coded, coders=["Kari", "Ola"])
    path = tmp_path / "agreement.docx"

    assert export_agreement(report, path, project_name="Tillitsreformen") == len(CODES)

    text = body(path)
    assert (
        "Inter-coder agreement between Kari and Ola over 2 documents, those both coded, in "
        "character units; Krippendorff’s α (nominal), Cohen’s κ, percent agreement and "
        "specific agreement (agreement on coded text); undefined values are marked –." in text
    )
    assert "Tillitsreformen, computed by Tillit on" in text
    assert "Documents (2)\nIntervju 1; Intervju 2.\nDefinitions" in text
    for term in ("Units.", "Documents.", "Statistics.", "Pooled.", "Group α.", "Undefined."):
        assert term in text
    rows = table_rows(path)
    assert rows[0] == ["Code", "%", "% spec.", "κ", "α", "Units", "Group α"]
    assert "κ: Cohen’s kappa; α: Krippendorff’s alpha (nominal)" in text
    assert "% spec.: specific agreement, on coded text only, 2a / (2a + b + c)" in text
    assert [row[0].strip("\u2003") for row in rows[1:]] == [
        "All codes (pooled)", "Mean over the codes", "A", "A1", "B", "F", "F1", "F2",
    ]  # fmt: skip
    assert rows[4][0] == "\u2003A1"  # indented by its level


def test_undefined_values_are_a_dash_and_never_a_number(coded: Project, tmp_path: Path) -> None:
    report = agreement(coded, coders=["Kari", "Ola"])
    path = tmp_path / "agreement.docx"
    export_agreement(report, path)

    by_code = {row[0].strip("\u2003"): row for row in table_rows(path)}

    assert by_code["B"][1:5] == ["100.0", UNDEFINED, UNDEFINED, UNDEFINED]  # nobody applied B
    assert by_code["F"][1:6] == ["", "", "", "", ""]  # a folder is not applied itself
    assert by_code["F"][6] == figure(_code(report, "F").group_alpha, Measure.GROUP_ALPHA)
    assert by_code["B"][6] == ""  # no subcodes: group α does not apply
    kappa = _code(report, "A").statistics.cohen_kappa
    assert kappa is not None and by_code["A"][3] == f"{kappa:.3f}"
    # A: Kari 0-30, Ola 5-30 in both documents: a = 25, b = 5 per document, as a percentage.
    assert by_code["A"][2] == f"{100 * 50 / 55:.1f}"


def test_three_coders_have_no_kappa_column(coded: Project, tmp_path: Path) -> None:
    report = agreement(coded)
    path = tmp_path / "agreement.docx"
    export_agreement(report, path)

    assert table_rows(path)[0] == ["Code", "%", "% spec.", "α", "Units", "Group α"]
    assert "κ: Cohen’s kappa" not in body(path)
    assert "Cohen’s κ compares two coders and is not reported" in methods_sentence(report)
    assert (
        "between Ingrid, Kari and Ola over 2 documents, those coded by at least two of them "
        "(a coder who did not code a document is missing there)" in body(path)
    )
    assert "specific agreement (agreement on coded text), pooled over pairs" in body(path)


def test_the_methods_sentence_names_the_rule_for_the_documents(coded: Project) -> None:
    common = methods_sentence(agreement(coded, coverage="common"))
    pairable = methods_sentence(agreement(coded))

    assert "over 2 documents, only those all of them coded, in character units" in common
    assert "over 2 documents, those coded by at least two of them" in pairable


def test_the_excel_table_has_numbers_and_dashes(coded: Project, tmp_path: Path) -> None:
    report = agreement(coded, coders=["Kari", "Ola"], unit="paragraph")
    path = tmp_path / "agreement.xlsx"

    export_agreement(report, path)

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Agreement", "Segments", "Documents", "About"]
    rows = [list(row) for row in workbook["Agreement"].iter_rows(values_only=True)]
    assert rows[0] == [
        "Code", "Level", "Folder", "% agreement", "% specific agreement", "Cohen’s κ",
        "Krippendorff’s α", "Units", "Group α",
    ]  # fmt: skip
    by_code = {row[0]: row for row in rows[1:]}
    assert list(by_code) == ["All codes (pooled)", "Mean over the codes", *CODES]
    assert by_code["B"][4:7] == [UNDEFINED, UNDEFINED, UNDEFINED]
    assert by_code["A/A1"][1] == 1
    alpha = _code(report, "A").statistics.krippendorff_alpha
    assert alpha is not None and by_code["A"][6] == pytest.approx(alpha, abs=1e-4)
    specific = _code(report, "A").statistics.specific_agreement
    assert specific is not None and by_code["A"][4] == pytest.approx(100 * specific, abs=1e-2)
    assert isinstance(by_code["A"][3], int | float) and isinstance(by_code["A"][7], int)
    assert by_code["F"][2] == "yes" and by_code["F"][3:8] == [None] * 5
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Summary"] == methods_sentence(report)
    assert "in paragraph (or speaker turn) units" in about["Summary"]
    assert about["Coders"] == "Kari, Ola"
    assert about["Documents counted"].startswith("pairable: every document at least two")
    documents = [row[0] for row in workbook["Documents"].iter_rows(min_row=2, values_only=True)]
    assert documents == ["Intervju 1", "Intervju 2"]
    segments = list(workbook["Segments"].iter_rows(min_row=2, values_only=True))
    assert segments[0][:2] == ("Kari", "Ola")


def test_a_project_is_exported_with_the_default_agreement(coded: Project, tmp_path: Path) -> None:
    path = tmp_path / "agreement.xlsx"

    assert export_agreement(coded, path) == len(CODES)

    about = dict(openpyxl.load_workbook(path)["About"].iter_rows(min_row=2, values_only=True))
    assert about["Coders"] == "Ingrid, Kari, Ola"


def test_another_extension_is_refused_in_a_sentence(coded: Project, tmp_path: Path) -> None:
    with pytest.raises(CodingError, match=r"end the name in \.docx \(Word\) or \.xlsx"):
        export_agreement(agreement(coded), tmp_path / "agreement.pdf")
    assert not list(tmp_path.glob("*agreement*"))


def test_a_file_that_cannot_be_written_leaves_nothing(coded: Project, tmp_path: Path) -> None:
    report = agreement(coded)
    for name in ("agreement.docx", "agreement.xlsx"):
        path = tmp_path / "no such folder" / name
        with pytest.raises(StorageError, match="could not write"):
            export_agreement(report, path)
    assert not (tmp_path / "no such folder").exists()


def test_why_undefined_says_why_in_a_sentence() -> None:
    assert "exactly two coders" in why_undefined(Measure.KAPPA, 100, 3)
    assert "nothing to compare" in why_undefined(Measure.ALPHA, 0, 2)
    assert "chance is 100 %" in why_undefined(Measure.KAPPA, 100, 2)
    assert "no coded text to agree on" in why_undefined(Measure.SPECIFIC, 100, 2)
    assert "nobody applied the code" in why_undefined(Measure.ALPHA, 100, 3)
    assert "none of its subcodes" in why_undefined(Measure.GROUP_ALPHA, 100, 3)
    assert figure(None, Measure.ALPHA) == UNDEFINED
    assert figure(0.71234, Measure.KAPPA) == "0.712"
    assert figure(85.26, Measure.PERCENT) == "85.3"
    assert figure(0.4, Measure.SPECIFIC) == "40.0"  # a proportion, shown as a percentage


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_converts_the_report_to_pdf(coded: Project, tmp_path: Path) -> None:
    path = tmp_path / "agreement.docx"
    export_agreement(agreement(coded, coders=["Kari", "Ola"]), path, project_name="Studie")

    pdf = convert(path, "pdf")

    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Inter-coder agreement between Kari and Ola" in text
        assert "All codes (pooled)" in text


def _code(report: AgreementReport, path: str) -> CodeAgreement:
    return next(code for code in report.codes if code.path == path)
