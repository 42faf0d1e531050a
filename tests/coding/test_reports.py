"""The coded excerpts report and the codebook in Word: contents, order, filters, failures."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest

from coding import queries
from coding.cases import CreateCase, SetAttribute
from coding.codebook import AddCode
from coding.codebooks import AddCodebook, shipped_codebook
from coding.codings import ApplyCoding, EditMemo
from coding.demo import create_demo_project
from coding.errors import NotFoundError, StorageError
from coding.project import Project
from coding.records import MemoTarget
from coding.reports import (
    CONTEXT_WINDOW,
    ExportCancelledError,
    ReportOptions,
    count_excerpts,
    export_codebook_docx,
    export_excerpts,
)
from coding.retrieval import QueryFilter
from storage.repositories.codes import DEFINITION_FIELDS
from tests.conftest import SAMPLE_TEXT, add_document

TEXT = (
    "INT: Hvordan er tilliten på arbeidsplassen?\n"
    "P1: Lederen stoler på oss, og vi får bruke skjønn 😀 i hverdagen. Det er nytt.\n"
    "INT: Og kontrollen?\n"
    "P1: Før telte vi minutter. Nå skriver vi færre rapporter, og æ ø å er med."
)


@dataclass
class Study:
    """Two interviews in two cases; codes Tillit > Skjønn > Faglig skjønn, Kontroll and Tom
    (never applied); coders Kari and Ola."""

    project: Project
    doc1: int
    doc2: int
    tillit: int
    skjonn: int
    faglig: int
    kontroll: int
    tom: int
    bergen: int
    oslo: int

    def code(
        self, code_id: int, document_id: int, phrase: str, coder: str = "Kari", memo: str = ""
    ) -> int:
        text = TEXT if document_id == self.doc1 else SAMPLE_TEXT
        start = text.index(phrase)
        command = ApplyCoding(
            self.project, document_id, [(start, start + len(phrase))], code_id, coder=coder
        )
        command.do()
        if memo:
            EditMemo(self.project, MemoTarget(coding_id=command.coding_ids[0]), memo).do()
        return command.coding_ids[0]


@pytest.fixture
def study(project: Project) -> Study:
    doc1 = add_document(project, "Intervju 1", TEXT)
    doc2 = add_document(project, "Intervju 2", SAMPLE_TEXT)
    ids = []
    for name, parent, definition in (
        ("Tillit", None, "Tillit mellom ledere og ansatte."),
        ("Skjønn", 0, "Ansattes faglige vurderinger."),
        ("Faglig skjønn", 1, ""),
        ("Kontroll", None, "Måling og kontroll av arbeidet."),
        ("Tom", None, "Aldri brukt."),
    ):
        command = AddCode(
            project,
            name,
            None if parent is None else ids[parent],
            definitions={"brief_definition": definition},
        )
        command.do()
        assert command.code_id is not None
        ids.append(command.code_id)
    cases = []
    for city, document_id in (("Bergen", doc1), ("Oslo", doc2)):
        case = CreateCase(project, city, document_ids=[document_id])
        case.do()
        assert case.case_id is not None
        SetAttribute(project, "case", case.case_id, "By", city).do()
        cases.append(case.case_id)
    s = Study(project, doc1, doc2, *ids, *cases)
    s.code(s.tillit, doc2, "Hun stoler på oss", memo="Kjernesitat – æøå 😀")
    s.code(s.tillit, doc1, "Lederen stoler på oss")
    s.code(s.skjonn, doc1, "bruke skjønn 😀", coder="Ola")
    s.code(s.faglig, doc1, "skjønn 😀")
    s.code(s.skjonn, doc2, "bruke skjønn 😀")
    s.code(s.kontroll, doc1, "Før telte vi minutter")
    s.code(s.kontroll, doc1, "Nå skriver vi færre rapporter", coder="Ola")
    return s


@dataclass(frozen=True)
class Line:
    """A paragraph of a report as python-docx reads it back."""

    style: str
    text: str
    excerpt: str  # the text without runs in the "Excerpt context" style
    context: str


def read(path: Path) -> list[Line]:
    report = docx.Document(str(path))
    lines = []
    for paragraph in report.paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        context_runs = [
            run.text
            for run in paragraph.runs
            if run.style is not None and run.style.name == "Excerpt context"
        ]
        excerpt = "".join(
            run.text
            for run in paragraph.runs
            if run.style is None or run.style.name != "Excerpt context"
        )
        lines.append(Line(style, paragraph.text, excerpt, "|".join(context_runs)))
    return lines


def export(study: Study, tmp_path: Path, **options: object) -> tuple[int, list[Line]]:
    path = tmp_path / "utdrag.docx"
    written = export_excerpts(study.project, ReportOptions(**options), path)
    return written, read(path)


def quotes(lines: list[Line]) -> list[str]:
    return [line.excerpt for line in lines if line.style == "Quote"]


def headings(lines: list[Line]) -> list[tuple[str, str]]:
    return [(line.style, line.text) for line in lines if line.style.startswith("Heading")]


def test_headings_follow_the_code_tree_and_codes_without_excerpts_are_left_out(
    study: Study, tmp_path: Path
) -> None:
    _, lines = export(study, tmp_path)
    assert headings(lines) == [
        ("Heading 1", "Tillit"),
        ("Heading 2", "Skjønn"),
        ("Heading 3", "Faglig skjønn"),
        ("Heading 1", "Kontroll"),
    ]
    assert lines[0].style == "Title" and lines[0].text == "Coded excerpts – studie"


def test_excerpts_are_in_tree_then_document_then_text_order_and_equal_the_text(
    study: Study, tmp_path: Path
) -> None:
    written, lines = export(study, tmp_path)
    assert quotes(lines) == [
        "Lederen stoler på oss",  # Tillit: Intervju 1 comes before Intervju 2 in the list
        "Hun stoler på oss",
        "bruke skjønn 😀",  # Skjønn
        "bruke skjønn 😀",
        "skjønn 😀",  # Faglig skjønn
        "Før telte vi minutter",  # Kontroll, in text order
        "Nå skriver vi færre rapporter",
    ]
    assert written == 7 == count_excerpts(study.project, ReportOptions())


def test_every_excerpt_equals_the_document_text_at_its_offsets(
    study: Study, tmp_path: Path
) -> None:
    _, lines = export(study, tmp_path, context=True)
    codings = queries.codings(study.project)
    texts = {study.doc1: TEXT, study.doc2: SAMPLE_TEXT}
    expected = sorted(texts[c.document_id][c.start : c.end] for c in codings)
    assert sorted(quotes(lines)) == expected


def test_the_demo_projects_excerpts_equal_its_texts(tmp_path: Path) -> None:
    with Project.open(create_demo_project(tmp_path / "demo.tillit", coder="Kari")) as demo:
        path = tmp_path / "demo.docx"
        written = export_excerpts(demo, ReportOptions(context=True, summary_table=True), path)
        codings = queries.codings(demo)
        texts = {c.document_id: queries.document(demo, c.document_id).text for c in codings}
    expected = sorted(texts[c.document_id][c.start : c.end] for c in codings)
    assert written == len(codings) == 20
    assert sorted(quotes(read(path))) == expected


def test_the_brief_definition_stands_under_its_heading(study: Study, tmp_path: Path) -> None:
    _, lines = export(study, tmp_path)
    styles = [line.style for line in lines]
    tillit = styles.index("Heading 1")
    assert lines[tillit + 1] == Line(
        "Code definition",
        "Tillit mellom ledere og ansatte.",
        "Tillit mellom ledere og ansatte.",
        "",
    )
    faglig = next(i for i, line in enumerate(lines) if line.text == "Faglig skjønn")
    assert lines[faglig + 1].style == "Quote"  # no definition, no empty paragraph


def test_each_excerpt_names_document_paragraph_speaker_coder_and_date(
    study: Study, tmp_path: Path
) -> None:
    _, lines = export(study, tmp_path)
    at = next(i for i, line in enumerate(lines) if line.excerpt == "Nå skriver vi færre rapporter")
    details = lines[at + 1]
    today = datetime.now(UTC).astimezone().date().strftime("%-d\u00a0%b\u00a0%Y")
    assert details.style == "Excerpt details"
    assert details.text == (f"Intervju 1 · paragraph 4 · speaker P1 · coded by Ola on {today}")


def test_an_excerpt_over_two_turns_names_both_paragraphs_and_speakers(
    study: Study, tmp_path: Path
) -> None:
    study.code(study.tom, study.doc1, "Det er nytt.\nINT: Og kontrollen?")
    _, lines = export(study, tmp_path, code_ids=(study.tom,))
    assert quotes(lines) == ["Det er nytt.\nINT: Og kontrollen?"]  # a line break in Word
    [details] = [line for line in lines if line.style == "Excerpt details"]
    assert "· paragraphs 2–3 · speakers P1, INT ·" in details.text


def test_the_memo_follows_its_excerpt(study: Study, tmp_path: Path) -> None:
    _, lines = export(study, tmp_path)
    at = next(i for i, line in enumerate(lines) if line.excerpt == "Hun stoler på oss")
    assert lines[at + 2] == Line(
        "Coding memo", "Memo: Kjernesitat – æøå 😀", "Memo: Kjernesitat – æøå 😀", ""
    )
    assert sum(1 for line in lines if line.style == "Coding memo") == 1


def test_context_is_the_rest_of_the_turn_in_the_context_style(study: Study, tmp_path: Path) -> None:
    _, lines = export(study, tmp_path, context=True)
    [line] = [line for line in lines if line.excerpt == "Før telte vi minutter"]
    assert line.context == "P1: |. Nå skriver vi færre rapporter, og æ ø å er med."
    assert line.text == TEXT.split("\n")[3]
    _, plain = export(study, tmp_path)
    assert all(line.context == "" and line.text == line.excerpt for line in plain)


def test_context_in_a_long_turn_is_cut_at_sentences(project: Project, tmp_path: Path) -> None:
    sentence = "Dette er en setning om tillit i tjenesten. "
    turn = "P1: " + sentence * 20 + "Her er utdraget. " + sentence * 20
    document_id = add_document(project, "Lang", turn.strip())
    start = turn.index("Her er utdraget.")
    ApplyCoding(project, document_id, [(start, start + 16)], code_path="Lang").do()
    export_excerpts(project, ReportOptions(context=True), tmp_path / "lang.docx")
    [line] = [line for line in read(tmp_path / "lang.docx") if line.style == "Quote"]
    before, after = line.context.split("|")
    assert before.startswith("… Dette er") and before.endswith("tjenesten. ")
    assert after.startswith(" Dette er") and after.endswith("tjenesten. …")
    assert len(before) <= CONTEXT_WINDOW + 2 and len(after) <= CONTEXT_WINDOW + 2
    assert line.excerpt == "Her er utdraget."


def test_an_excerpt_coded_with_a_code_and_its_child_appears_under_each(
    study: Study, tmp_path: Path
) -> None:
    _, lines = export(study, tmp_path)
    under: dict[str, list[str]] = {}
    heading = ""
    for line in lines:
        if line.style.startswith("Heading"):
            heading = line.text
        elif line.style == "Quote":
            under.setdefault(heading, []).append(line.excerpt)
    assert "bruke skjønn 😀" in under["Skjønn"] and "skjønn 😀" in under["Faglig skjønn"]


def test_a_code_without_its_children_keeps_its_parents_as_headings(
    study: Study, tmp_path: Path
) -> None:
    written, lines = export(study, tmp_path, code_ids=(study.faglig,), include_children=False)
    assert headings(lines) == [
        ("Heading 1", "Tillit"),
        ("Heading 2", "Skjønn"),
        ("Heading 3", "Faglig skjønn"),
    ]
    assert quotes(lines) == ["skjønn 😀"] and written == 1


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("codes with children", ["bruke skjønn 😀", "bruke skjønn 😀", "skjønn 😀"]),
        ("codes without children", ["bruke skjønn 😀", "bruke skjønn 😀"]),
        ("documents", ["Hun stoler på oss", "bruke skjønn 😀"]),
        ("cases", ["Hun stoler på oss", "bruke skjønn 😀"]),
        ("attribute values", ["Lederen stoler på oss", "bruke skjønn 😀", "skjønn 😀",
                              "Før telte vi minutter", "Nå skriver vi færre rapporter"]),
        ("coders", ["bruke skjønn 😀", "Nå skriver vi færre rapporter"]),
    ],
)  # fmt: skip
def test_filters_narrow_the_excerpts(
    study: Study, tmp_path: Path, choice: str, expected: list[str]
) -> None:
    with study.project.read() as tx:
        ola = tx.coders.by_name("Ola")
        by = tx.attributes.by_name("case", "By")
    assert ola is not None and by is not None
    options = {
        "codes with children": ReportOptions(code_ids=(study.skjonn,)),
        "codes without children": ReportOptions(code_ids=(study.skjonn,), include_children=False),
        "documents": ReportOptions(filters=QueryFilter(document_ids=frozenset({study.doc2}))),
        "cases": ReportOptions(filters=QueryFilter(case_ids=frozenset({study.oslo}))),
        "attribute values": ReportOptions(
            filters=QueryFilter(attribute_values=frozenset({(by.id, "Bergen")}))
        ),
        "coders": ReportOptions(filters=QueryFilter(coder_ids=frozenset({ola}))),
    }[choice]
    path = tmp_path / "filtered.docx"
    assert export_excerpts(study.project, options, path) == len(expected)
    assert count_excerpts(study.project, options) == len(expected)
    assert quotes(read(path)) == expected


def test_the_report_says_what_it_was_narrowed_to(study: Study, tmp_path: Path) -> None:
    with study.project.read() as tx:
        by = tx.attributes.by_name("case", "By")
    assert by is not None
    where = QueryFilter(
        document_ids=frozenset({study.doc1}),
        case_ids=frozenset({study.bergen}),
        attribute_values=frozenset({(by.id, "Bergen"), (by.id, "Oslo")}),
        coder_ids=frozenset({1}),
    )
    _, lines = export(study, tmp_path, code_ids=(study.tillit,), filters=where, title="Tillit")
    texts = [line.text for line in lines]
    assert texts[0] == "Tillit"
    assert "Codes: Tillit, with their subcodes" in texts
    assert "Documents: Intervju 1" in texts and "Cases: Bergen" in texts
    assert "Attribute values: By is Bergen or Oslo" in texts and "Coders: Kari" in texts


def summary(path: Path) -> list[list[str]]:
    [table, *_] = docx.Document(str(path)).tables
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_summary_table_counts_excerpts_per_code_and_document(
    study: Study, tmp_path: Path
) -> None:
    path = tmp_path / "summary.docx"
    export_excerpts(study.project, ReportOptions(summary_table=True), path)
    indent = "\u2003"
    assert summary(path) == [
        ["Code", "Intervju 1", "Intervju 2", "Total"],
        ["Tillit", "1", "1", "2"],
        [f"{indent}Skjønn", "1", "1", "2"],
        [f"{indent * 2}Faglig skjønn", "1", "", "1"],
        ["Kontroll", "2", "", "2"],
        ["All codes", "5", "2", "7"],
    ]
    caption = "Excerpts per code and document"
    assert read(path)[2] == Line("Caption", caption, caption, "")


def test_long_document_names_are_numbered_in_the_summary_table(
    project: Project, tmp_path: Path
) -> None:
    for name in ("Intervju 01 – hjemmesykepleier Bergen", "P2"):
        document_id = add_document(project, name)
        ApplyCoding(project, document_id, [(0, 4)], code_path="Tillit").do()
    path = tmp_path / "summary.docx"
    export_excerpts(project, ReportOptions(summary_table=True), path)
    assert summary(path) == [["Code", "1", "2", "Total"], ["Tillit", "1", "1", "2"],
                             ["All codes", "1", "1", "2"]]  # fmt: skip
    texts = [line.text for line in read(path)]
    assert "Documents: 1 = Intervju 01 – hjemmesykepleier Bergen; 2 = P2." in texts


def test_with_many_documents_the_summary_counts_codes_and_documents_apart(
    project: Project, tmp_path: Path
) -> None:
    for number in range(1, 9):
        document_id = add_document(project, f"Intervju {number}")
        ApplyCoding(project, document_id, [(0, 4)], code_path="Tillit").do()
        if number % 2:
            ApplyCoding(project, document_id, [(5, 8)], code_path="Tillit/Leder").do()
    path = tmp_path / "many.docx"
    export_excerpts(project, ReportOptions(summary_table=True), path)
    codes, documents = docx.Document(str(path)).tables
    rows = [[cell.text for cell in row.cells] for row in codes.rows]
    assert rows == [
        ["Code", "Documents", "Excerpts"],
        ["Tillit", "8", "8"],
        ["\u2003Leder", "4", "4"],
        ["All codes", "8", "12"],
    ]
    rows = [[cell.text for cell in row.cells] for row in documents.rows]
    assert rows[0] == ["Document", "Codes", "Excerpts"]
    assert rows[1:3] == [["Intervju 1", "2", "2"], ["Intervju 2", "1", "1"]]
    assert len(rows) == 9


def test_norwegian_letters_and_emoji_survive_the_round_trip(
    project: Project, tmp_path: Path
) -> None:
    text = "P1: Ærlig talt 😀 – «tillit» på Øst-Ågesund 👩🏽‍⚕️ og ZWJ."
    document_id = add_document(project, "Blåbær 🫐 intervju", text)
    ApplyCoding(
        project, document_id, [(4, len(text))], code_path="Ærlighet/Øyeblikk 😀", memo="ÆØÅ 🎉"
    ).do()
    path = tmp_path / "æøå 😀.docx"
    export_excerpts(project, ReportOptions(), path)
    lines = read(path)
    assert quotes(lines) == [text[4:]]
    assert ("Heading 2", "Øyeblikk 😀") in headings(lines)
    assert any(line.text.startswith("Blåbær 🫐 intervju · ") for line in lines)
    assert "Memo: ÆØÅ 🎉" in [line.text for line in lines]


def test_progress_reaches_the_total_and_cancelling_leaves_no_file(
    study: Study, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    folder = tmp_path / "ut"
    folder.mkdir()
    path = folder / "utdrag.docx"
    export_excerpts(study.project, ReportOptions(), path, lambda d, t: seen.append((d, t)) or True)
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)
    good = path.read_bytes()
    with pytest.raises(ExportCancelledError, match="cancelled"):
        export_excerpts(study.project, ReportOptions(title="Ny"), path, lambda d, t: False)
    assert path.read_bytes() == good  # the earlier report is untouched
    assert [p.name for p in folder.iterdir()] == ["utdrag.docx"]
    fresh = folder / "ny.docx"
    with pytest.raises(ExportCancelledError):
        export_excerpts(study.project, ReportOptions(), fresh, lambda d, t: d < 1)
    assert not fresh.exists()


def test_an_unwritable_target_gives_a_plain_sentence(study: Study, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"the folder “.*mangler” does not exist\.$"):
        export_excerpts(study.project, ReportOptions(), tmp_path / "mangler" / "utdrag.docx")
    (tmp_path / "mappe.docx").mkdir()
    with pytest.raises(StorageError, match="folder"):
        export_codebook_docx(study.project, tmp_path / "mappe.docx")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "låst"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(StorageError, match="permission denied"):
                export_excerpts(study.project, ReportOptions(), locked / "utdrag.docx")
        finally:
            locked.chmod(0o700)
    assert not list((tmp_path / "mappe.docx").iterdir())


def test_a_code_no_longer_there_is_named(study: Study, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        count_excerpts(study.project, ReportOptions(code_ids=(9999,)))
    with pytest.raises(NotFoundError):
        export_excerpts(study.project, ReportOptions(code_ids=(9999,)), tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()


def test_a_report_without_excerpts_says_so(study: Study, tmp_path: Path) -> None:
    written, lines = export(study, tmp_path, code_ids=(study.tom,), summary_table=True)
    assert written == 0
    assert [line.text for line in lines][-1] == "No coded excerpts match these choices."


def test_the_codebook_has_every_field_of_every_code_in_tree_order(
    project: Project, tmp_path: Path
) -> None:
    AddCodebook(project, shipped_codebook("trust")).do()
    path = tmp_path / "kodebok.docx"
    assert export_codebook_docx(project, path) == 59
    report = docx.Document(str(path))
    with project.read() as tx:
        codes = tx.codes.all()
    depth: dict[int, int] = {}
    for code in codes:
        depth[code.id] = 1 if code.parent_id is None else depth[code.parent_id] + 1
    found = [
        (p.style.name, p.text)
        for p in report.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert found == [(f"Heading {depth[code.id]}", code.name) for code in codes]
    assert len(report.tables) == len(codes)
    for code, table in zip(codes, report.tables, strict=True):
        rows = {row.cells[0].text: row.cells[1].text for row in table.rows}
        assert rows["Second-language name"] == code.alt_name
        assert rows["Colour"].strip() == code.color
        titles = ("Brief definition", "Full definition", "When to use", "When not to use",
                  "Example")  # fmt: skip
        for title, key in zip(titles, DEFINITION_FIELDS, strict=True):
            assert rows[title] == getattr(code, key)
        shading = table.rows[1].cells[1]._tc.xpath(".//w:shd/@w:fill")
        assert shading == [code.color.lstrip("#").upper()]
    folders = sum(1 for code in codes if not code.codable)
    notes = [p for p in report.paragraphs if p.text.startswith("A folder:")]
    assert len(notes) == folders > 0


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_report_and_the_codebook(study: Study, tmp_path: Path) -> None:
    AddCodebook(study.project, shipped_codebook("trust")).do()
    report, codebook = tmp_path / "utdrag.docx", tmp_path / "kodebok.docx"
    export_excerpts(study.project, ReportOptions(context=True, summary_table=True), report)
    export_codebook_docx(study.project, codebook)
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: tests may run side by side
    subprocess.run(
        ["libreoffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(report), str(codebook)],
        check=True, capture_output=True, timeout=110,
    )  # fmt: skip
    for name in ("utdrag.pdf", "kodebok.pdf"):
        assert (tmp_path / name).stat().st_size > 1000
    if shutil.which("pdftotext") is not None:
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "utdrag.pdf"), "-"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        assert "Nå skriver vi færre rapporter" in text and "Faglig skjønn" in text
