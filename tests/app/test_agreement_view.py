"""The agreement view: the table of statistics with specific agreement beside percent
agreement, the choice of documents, walking the passages where coders differ, accepting a
version into the consensus coding (and undoing it), opening a passage, export."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.agreement_model import ALPHA_COLUMN, KAPPA_COLUMN, SPECIFIC_COLUMN
from app.agreement_view import LEGEND, AgreementView
from app.passage_walker import passage_html
from app.workbench import Workbench
from coding.agreement_report import UNDEFINED
from coding.changes import Changes
from coding.codings import ApplyCoding
from coding.disagreements import CONSENSUS_CODER, Passage
from coding.project import Project
from tests.conftest import SAMPLE_TEXT, add_document

#: (coder, code, passage): Kari and Ola differ on where "Autonomi" starts and on one passage
#: only Ola coded; Ingrid agrees with Kari; nobody applies "Ledelse".
CODINGS = (
    ("Kari", "Autonomi", "Nå får vi bruke skjønn 😀 og ta ansvar."),
    ("Ola", "Autonomi", "bruke skjønn 😀 og ta ansvar."),
    ("Ingrid", "Autonomi", "Nå får vi bruke skjønn 😀 og ta ansvar."),
    ("Ola", "Autonomi", "Hun stoler på oss"),
    ("Kari", "Kontroll", "Før var alt styrt av minutter."),
    ("Ola", "Kontroll", "Før var alt styrt av minutter."),
    ("Ingrid", "Kontroll", "Før var alt styrt av minutter."),
)

#: What an edit of codings tells the panels (through the main window).
EDITED = Changes(documents=frozenset({1}), codings=frozenset({1}))


@pytest.fixture
def codes(project: Project) -> dict[str, int]:
    document = add_document(project)
    with project.transaction() as tx:
        ids = {name: tx.codes.add(name, color="#7fb3d5") for name in ("Autonomi", "Kontroll")}
        ids["Ledelse"] = tx.codes.add("Ledelse")
    for coder, code, passage in CODINGS:
        start = SAMPLE_TEXT.index(passage)
        span = (start, start + len(passage))
        ApplyCoding(project, document, [span], code_id=ids[code], coder=coder).do()
    return ids


@pytest.fixture
def view(workbench: Workbench, codes: dict[str, int], qtbot: QtBot) -> AgreementView:
    shown = AgreementView()
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.computed, timeout=10_000):
        shown.set_workbench(workbench)
        shown.resize(1100, 700)
        shown.show()
    return shown


def choose(view: AgreementView, qtbot: QtBot, coders: list[str]) -> None:
    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.set_coders(coders)


def cells(view: AgreementView, row: int) -> list[str]:
    model = view.model
    return [model.index(row, column).data() for column in range(model.columnCount())]


def test_the_table_fills_with_every_code_and_the_pooled_row(view: AgreementView) -> None:
    assert view.chosen_coders() == ["Ingrid", "Kari", "Ola"]
    assert view.model.rowCount() == 4
    assert cells(view, 0)[0] == "All codes (pooled, 3)"
    assert [cells(view, row)[0] for row in (1, 2, 3)] == ["Autonomi", "Kontroll", "Ledelse"]
    assert cells(view, 1)[-1] == "2"  # passages where the coders differ on Autonomi
    assert view.table.isColumnHidden(KAPPA_COLUMN)  # three coders: no κ
    assert "between Ingrid, Kari and Ola over 1 document" in view.summary.text()


def test_undefined_is_a_dash_that_says_why(view: AgreementView, qtbot: QtBot) -> None:
    choose(view, qtbot, ["Kari", "Ola"])

    ledelse = view.model.index(3, ALPHA_COLUMN)

    assert not view.table.isColumnHidden(KAPPA_COLUMN)
    assert ledelse.data() == UNDEFINED
    tip = ledelse.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Undefined.") and "nobody applied the code" in tip
    kappa = view.model.index(1, KAPPA_COLUMN).data()
    assert kappa != UNDEFINED and float(kappa) < 1


def test_the_model_keeps_qt_s_contract(view: AgreementView, qtmodeltester: object) -> None:
    qtmodeltester.check(view.model)  # type: ignore[attr-defined]


def test_choosing_a_code_walks_its_passages(view: AgreementView, codes: dict[str, int]) -> None:
    walker = view.walker

    view.show_code(codes["Autonomi"])

    assert walker.place.text() == "1 of 2"
    assert not walker.previous_button.isEnabled() and walker.next_button.isEnabled()
    assert [column.heading.text().split(":")[0] for column in walker.columns] == [
        "Ingrid", "Kari", "Ola",
    ]  # fmt: skip
    assert "Nå får vi bruke skjønn 😀" in walker.columns[0].text.toPlainText()
    first = view.current_passage()
    walker.next_button.click()
    assert walker.place.text() == "2 of 2"
    assert not walker.next_button.isEnabled()
    second = view.current_passage()
    assert first is not None and second is not None and second.start > first.start
    assert walker.columns[2].heading.text() == "Ola: 1 coding, 17 characters"
    assert walker.columns[1].heading.text() == "Kari: did not apply the code here"
    walker.previous_button.click()
    assert view.current_passage() == first


def test_a_code_the_coders_agree_on_says_so(view: AgreementView, codes: dict[str, int]) -> None:
    view.show_code(codes["Kontroll"])

    assert view.walker.title.text() == "The coders agree throughout on “Kontroll”."
    assert view.walker.columns == []


def test_accepting_a_version_codes_the_consensus_and_undo_takes_it_back(
    view: AgreementView, workbench: Workbench, codes: dict[str, int], qtbot: QtBot
) -> None:
    view.show_code(codes["Autonomi"])
    ola = view.walker.columns[2]

    ola.accept_button.click()

    assert workbench.stack.count() == 1
    assert workbench.stack.undoText() == "Accept Ola’s version"
    assert consensus(workbench, codes) == [SAMPLE_TEXT.index("bruke skjønn")]
    assert ola.accept_button.text() == "Ola’s version is accepted"
    assert not ola.accept_button.isEnabled()
    assert "has Ola’s version" in view.walker.consensus_state.text()
    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.refresh(EDITED)
    assert view.offered_coders() == ["Consensus", "Ingrid", "Kari", "Ola"]
    assert view.chosen_coders() == ["Ingrid", "Kari", "Ola"]  # the consensus is not ticked
    assert view.walker.place.text() == "1 of 2"  # the walk stays where it was

    workbench.stack.undo()

    assert consensus(workbench, codes) == []


def test_accepting_another_version_replaces_the_first(
    view: AgreementView, workbench: Workbench, codes: dict[str, int]
) -> None:
    view.show_code(codes["Autonomi"])
    view.accept(2)  # Ola's

    assert view.accept(1)  # Kari's

    assert consensus(workbench, codes) == [SAMPLE_TEXT.index("Nå får vi")]
    workbench.stack.undo()
    assert consensus(workbench, codes) == [SAMPLE_TEXT.index("bruke skjønn")]


def test_the_consensus_coder_can_be_renamed(
    view: AgreementView, workbench: Workbench, codes: dict[str, int]
) -> None:
    view.walker.consensus_edit.setText("Enighet")
    view.walker.consensus_edit.editingFinished.emit()
    view.show_code(codes["Autonomi"])

    view.accept(1)

    assert consensus(workbench, codes, "Enighet") == [SAMPLE_TEXT.index("Nå får vi")]
    key = workbench.settings_key("agreement/consensus")
    assert workbench.settings.value(key) == "Enighet"


def test_an_edit_recomputes_the_passages(
    view: AgreementView, workbench: Workbench, codes: dict[str, int], qtbot: QtBot
) -> None:
    document = view.report.document_ids[0]  # type: ignore[union-attr]
    start = SAMPLE_TEXT.index("Hun stoler")
    for coder in ("Kari", "Ingrid"):
        coding = ApplyCoding(
            workbench.project, document, [(start, start + 17)], code_id=codes["Autonomi"],
            coder=coder,
        )  # fmt: skip
        assert workbench.run(coding)

    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.refresh(EDITED)

    assert cells(view, 1)[-1] == "1"


def test_the_unit_and_documents_can_be_chosen(view: AgreementView, qtbot: QtBot) -> None:
    assert view.coverage_combo.currentData() == "pairable"  # the default
    first = view.report
    assert first is not None and first.coverage == "pairable"
    assert "those coded by at least two of them" in view.summary.text()
    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.unit_combo.setCurrentIndex(view.unit_combo.findData("paragraph"))

    assert view.report is not None and view.report.unit == "paragraph"
    assert "in paragraph (or speaker turn) units" in view.summary.text()
    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.coverage_combo.setCurrentIndex(view.coverage_combo.findData("common"))
    assert view.report.coverage == "common"
    assert "only those all of them coded" in view.summary.text()
    assert view.coverage_combo.currentText() == "Only documents coded by all"


def test_a_coder_missing_from_a_document_counts_only_where_they_coded(
    view: AgreementView, workbench: Workbench, codes: dict[str, int], qtbot: QtBot
) -> None:
    other = add_document(workbench.project, "Intervju 2", SAMPLE_TEXT)
    start = SAMPLE_TEXT.index("Hun stoler")
    for coder in ("Kari", "Ola"):  # Ingrid did not code Intervju 2
        coding = ApplyCoding(
            workbench.project, other, [(start, start + 17)], code_id=codes["Kontroll"],
            coder=coder,
        )  # fmt: skip
        assert workbench.run(coding)
    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.refresh(EDITED)
    assert view.report is not None and len(view.report.document_ids) == 2

    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.coverage_combo.setCurrentIndex(view.coverage_combo.findData("common"))

    assert view.report.document_names == ("Intervju 1",)


def test_specific_agreement_stands_beside_percent_agreement(view: AgreementView) -> None:
    model = view.model
    header = model.headerData(SPECIFIC_COLUMN, Qt.Orientation.Horizontal)
    tip = model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)

    assert header == "% specific agreement" and not view.table.isColumnHidden(SPECIFIC_COLUMN)
    assert "uncoded counts as agreement" in tip
    assert view.legend.isVisible() and view.legend.text() == LEGEND
    assert "including text the coders agree in leaving uncoded" in LEGEND
    report = view.report
    assert report is not None
    kontroll = report.codes[1].statistics  # all three coded the same sentence
    assert kontroll.specific_agreement == 1.0
    assert model.index(2, SPECIFIC_COLUMN).data() == "100.0"
    autonomi = report.codes[0].statistics.specific_agreement
    assert autonomi is not None and 0 < autonomi < 1
    assert model.index(1, SPECIFIC_COLUMN).data() == f"{100 * autonomi:.1f}"
    ledelse = model.index(3, SPECIFIC_COLUMN)  # nobody applied Ledelse
    assert ledelse.data() == UNDEFINED
    assert "no coded text to agree on" in ledelse.data(Qt.ItemDataRole.ToolTipRole)
    pooled = report.overall.specific_agreement
    assert pooled is not None and model.index(0, SPECIFIC_COLUMN).data() == f"{100 * pooled:.1f}"


def test_only_codes_where_coders_differ_can_be_shown(view: AgreementView) -> None:
    view.differing_only.setChecked(True)

    hidden = [view.table.isRowHidden(row) for row in range(view.model.rowCount())]

    assert hidden == [False, False, True, True]


def test_fewer_than_two_coders_is_explained(view: AgreementView, qtbot: QtBot) -> None:
    choose(view, qtbot, ["Kari"])

    assert view.report is None
    assert view.summary.text() == "Tick two or more coders to compare."
    assert view.model.rowCount() == 0


def test_a_project_coded_by_one_coder_is_explained(workbench: Workbench, qtbot: QtBot) -> None:
    add_document(workbench.project)
    view = AgreementView()
    qtbot.addWidget(view)

    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.set_workbench(workbench)
        view.show()

    assert "two or more coders; nobody has coded in this project" in view.summary.text()


def test_a_passage_opens_in_the_viewer(
    view: AgreementView, workbench: Workbench, codes: dict[str, int], qtbot: QtBot
) -> None:
    view.show_code(codes["Autonomi"])
    passage = view.current_passage()
    assert passage is not None

    with qtbot.waitSignal(workbench.events.document_requested) as signal:
        view.walker.open_button.click()

    assert signal.args == [passage.document_id, passage.start, passage.end]


def test_export_writes_word_and_excel(
    view: AgreementView, tmp_path: Path, warnings: list[str]
) -> None:
    assert view.export_to(tmp_path / "agreement.docx")
    assert view.export_to(tmp_path / "agreement.xlsx")

    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "agreement.docx")).paragraphs)
    assert "Inter-coder agreement between Ingrid, Kari and Ola" in text
    sheet = openpyxl.load_workbook(tmp_path / "agreement.xlsx")["Agreement"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)][2:] == [
        "Autonomi", "Kontroll", "Ledelse",
    ]  # fmt: skip
    assert not view.export_to(tmp_path / "agreement.pdf")
    assert warnings and "end the name in .docx" in warnings[0]


def test_closing_the_project_empties_the_view(view: AgreementView) -> None:
    view.set_workbench(None)

    assert view.model.rowCount() == 0
    assert view.summary.text() == "No project is open."
    assert not view.isEnabled()


def test_the_passage_is_shaded_where_the_coder_coded_it(qtbot: QtBot) -> None:
    emoji = SAMPLE_TEXT.index("😀")
    passage = Passage(1, 1, "Intervju 1", emoji - 7, emoji + 4, ((emoji - 7, emoji),), ())
    coded = (emoji, emoji + 4)

    html = passage_html(SAMPLE_TEXT, passage, [coded], "#7fb3d5")

    assert "background-color" in html.split("😀")[0].rsplit("<span", 1)[1]  # the emoji is coded
    assert "skjønn </span>" in html and "text-decoration: underline" in html
    assert html.count("background-color") == 1


def consensus(
    workbench: Workbench, codes: dict[str, int], coder: str = CONSENSUS_CODER
) -> list[int]:
    """Where the consensus coder's codings of Autonomi start."""
    with workbench.project.read() as tx:
        coder_id = tx.coders.by_name(coder)
        if coder_id is None:
            return []
        found = tx.codings.details(code_ids=[codes["Autonomi"]], coder_id=coder_id)
    return [coding.start for coding in found]
