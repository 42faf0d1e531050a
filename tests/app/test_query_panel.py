"""The query panel: building and running coding queries, opening results, matrices, export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton
from pytestqt.qtbot import QtBot

from app import query_panel
from app.matrix_view import MatrixModel
from app.query_panel import QueryPanel
from app.segment_results import SegmentResultModel
from app.workbench import Workbench
from coding.cases import CreateCase, SetAttribute
from coding.changes import Changes
from coding.matrices import MatrixKind
from coding.project import Project
from coding.retrieval import Operator
from tests.conftest import SAMPLE_TEXT


def span(phrase: str) -> tuple[int, int]:
    start = SAMPLE_TEXT.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def codes(project: Project, document_id: int) -> dict[str, int]:
    """Codes "Tillit" (with "Tillit/Skjønn"), "Styring" and "Ledelse æøå 😀", coded by Kari and
    Ola in the sample interview, which is in a case with the attribute By = Bergen."""
    with project.transaction() as tx:
        tillit = tx.codes.add("Tillit")
        made = {
            "Tillit": tillit,
            "Skjønn": tx.codes.add("Skjønn", parent_id=tillit),
            "Styring": tx.codes.add("Styring"),
            "Ledelse": tx.codes.add("Ledelse æøå 😀"),
        }
        kari, ola = tx.coders.by_name("Kari") or 0, tx.coders.add("Ola")
        for code, phrase, coder in (
            ("Tillit", "Nå får vi bruke skjønn 😀", kari),
            ("Skjønn", "skjønn 😀 og ta ansvar", kari),
            ("Styring", "styrt av minutter. Nå får", ola),
            ("Ledelse", "Hun stoler på oss", kari),
        ):
            start, end = span(phrase)
            tx.codings.add(document_id=document_id, code_id=made[code], coder_id=coder,
                           start=start, end=end, text=phrase)  # fmt: skip
    case = CreateCase(project, "Bergen 1", document_ids=[document_id])
    case.do()
    assert case.case_id is not None
    SetAttribute(project, "case", case.case_id, "By", "Bergen").do()
    return made


@pytest.fixture
def panel(qtbot: QtBot, workbench: Workbench, codes: dict[str, int]) -> QueryPanel:
    panel = QueryPanel()
    qtbot.addWidget(panel)
    workbench.events.changed.connect(panel.refresh)
    panel.set_workbench(workbench)
    panel.resize(900, 600)
    return panel


Build = Callable[..., None]


@pytest.fixture
def build(
    panel: QueryPanel, codes: dict[str, int], monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> Build:
    """Build a query with the widgets: code A, the operator, code B, named as in ``codes``
    (each picked with its button, the chooser answered)."""

    def choose(button: QPushButton, code_id: int) -> None:
        monkeypatch.setattr(query_panel, "choose_code", lambda *_a: code_id)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def build(a: str, operator: Operator = Operator.ONLY, b: str | None = None) -> None:
        choose(panel.code_a, codes[a])
        panel.operator_combo.setCurrentIndex(panel.operator_combo.findData(operator))
        if b is not None:
            choose(panel.code_b, codes[b])

    return build


def test_a_query_built_with_the_widgets_lists_the_text_coded_with_both(
    panel: QueryPanel, build: Build, qtbot: QtBot
) -> None:
    build("Tillit", Operator.AND, "Styring")
    assert panel.code_a.text() == "Tillit" and panel.code_b.isEnabled()
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    [segment] = panel.segments()
    assert segment.text == "Nå får" and segment.codes == ("Tillit", "Styring")
    assert panel.summary.text().startswith("1 segment in 1 document")
    index = panel.model.index(0, 4)
    assert panel.model.data(index) == (
        "P1: Før var alt styrt av minutter. [Nå får] vi bruke skjønn 😀 og ta ansvar."
    )
    panel.table.selectRow(0)
    assert "Nå får" in panel.preview.toPlainText() and "P1" in panel.preview.toPlainText()


def test_subcodes_and_near_distance_come_from_the_widgets(panel: QueryPanel, build: Build) -> None:
    build("Tillit")
    assert not panel.code_b.isEnabled() and not panel.distance_spin.isVisibleTo(panel)
    panel.children_a.setChecked(True)
    panel.run()
    assert [s.text for s in panel.segments()] == [
        "Nå får vi bruke skjønn 😀",
        "skjønn 😀 og ta ansvar",
    ]
    build("Ledelse", Operator.NEAR, "Tillit")
    assert panel.distance_spin.isVisibleTo(panel)
    panel.distance_spin.setValue(5)
    panel.run()
    assert panel.segments() == []
    panel.distance_spin.setValue(60)
    panel.run()
    assert [s.text for s in panel.segments()] == ["Hun stoler på oss"]


def test_activating_a_row_opens_the_document_at_the_segment(
    panel: QueryPanel, document_id: int, workbench: Workbench, build: Build, qtbot: QtBot
) -> None:
    build("Ledelse")
    panel.run()
    with qtbot.waitSignal(workbench.events.document_requested) as blocker:
        panel.table.doubleClicked.emit(panel.model.index(0, 3))
    assert blocker.args == [document_id, *span("Hun stoler på oss")]


def test_filters_narrow_the_query(panel: QueryPanel, build: Build) -> None:
    build("Tillit", Operator.AND, "Styring")
    coders = panel.filter_bar.coders
    assert coders.text() == "Coders: all"
    kari = next(key for key, item in _items(coders) if item == "Kari")
    coders.set_checked([kari])
    assert coders.text() == "Coders: Kari"
    panel.run()
    assert panel.segments() == [] and "(filtered)" in panel.summary.text()
    panel.filter_bar.clear()  # the list on screen follows the filters
    assert len(panel.segments()) == 1 and "(filtered)" not in panel.summary.text()
    [bergen] = [key for key, _ in _items(panel.filter_bar.attributes)]
    panel.filter_bar.attributes.set_checked([bergen])
    assert panel.filter_bar.attributes.text() == "Attributes: By = Bergen"
    assert len(panel.segments()) == 1 and "(filtered)" in panel.summary.text()


def _items(button: object) -> list[tuple[object, str]]:
    widget = button.list  # type: ignore[attr-defined]
    return [
        (widget.item(row).data(Qt.ItemDataRole.UserRole + 1), widget.item(row).text())
        for row in range(widget.count())
    ]


def test_running_without_code_a_says_what_to_do(panel: QueryPanel, warnings: list[str]) -> None:
    assert not panel.run()
    assert warnings == ["Choose code A first."]


def test_results_follow_edits(
    panel: QueryPanel, workbench: Workbench, build: Build, codes: dict[str, int]
) -> None:
    build("Ledelse")
    panel.run()
    [segment] = panel.segments()
    with workbench.project.transaction() as tx:
        tx.codings.delete(segment.coding_ids)
    workbench.events.changed.emit(Changes(codings=frozenset(segment.coding_ids)))
    assert panel.segments() == [] and panel.summary.text().startswith("0 segments")
    with workbench.project.transaction() as tx:
        tx.codes.delete(codes["Ledelse"])
    workbench.events.changed.emit(Changes(code_tree=True))
    assert panel.code_a.code_id is None and panel.code_a.text() == "Choose a code…"
    assert "no longer in the codebook" in panel.summary.text()


def test_segments_export_to_excel(
    panel: QueryPanel, build: Build, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, tmp_path: Path
) -> None:
    build("Ledelse")
    panel.run()
    target = tmp_path / "utdrag"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(target), "")))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    sheet = openpyxl.load_workbook(tmp_path / "utdrag.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet[2]][:3] == ["Intervju 1", "Ledelse æøå 😀", "Kari"]


def test_cooccurrence_matrix_shows_opens_and_exports(
    panel: QueryPanel, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, tmp_path: Path
) -> None:
    view = panel.matrix_view
    panel.tabs.setCurrentIndex(1)
    view.kind_combo.setCurrentIndex(view.kind_combo.findData(MatrixKind.COOCCURRENCE))
    qtbot.mouseClick(view.compute_button, Qt.MouseButton.LeftButton)
    model = view.model
    labels = [model.headerData(r, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole)
              for r in range(model.rowCount())]  # fmt: skip
    assert labels == ["Tillit", "Tillit/Skjønn", "Styring", "Ledelse æøå 😀"]
    tillit, styring = labels.index("Tillit"), labels.index("Styring")
    cell = model.index(tillit, styring)
    assert model.data(cell) == "1"
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert model.data(cell, Qt.ItemDataRole.TextAlignmentRole) == int(right)
    assert model.data(
        model.index(tillit, labels.index("Ledelse æøå 😀")), Qt.ItemDataRole.ForegroundRole
    )
    view.table.doubleClicked.emit(cell)
    assert panel.tabs.currentIndex() == 0
    assert [s.text for s in panel.segments()] == ["Nå får"]
    target = tmp_path / "matrise.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(target), "")))
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    rows = list(openpyxl.load_workbook(target)["Code co-occurrence"].values)
    assert rows[0] == ("Code", "Tillit", "Tillit/Skjønn", "Styring", "Ledelse æøå 😀")
    assert rows[1] == ("Tillit", 1, 1, 1, 0)


def test_attribute_matrix_and_filters_recompute(
    panel: QueryPanel, codes: dict[str, int], workbench: Workbench
) -> None:
    view = panel.matrix_view
    view.kind_combo.setCurrentIndex(view.kind_combo.findData(MatrixKind.ATTRIBUTE))
    assert view.attribute_combo.currentText() == "By (case)"
    assert view.compute()
    assert view.model.matrix is not None and view.model.matrix.column_labels == ("Bergen",)
    assert view.model.rowCount() == 4
    [ola] = [key for key, label in _items(panel.filter_bar.coders) if label == "Ola"]
    panel.filter_bar.coders.set_checked([ola])  # the matrix on screen counts again
    assert view.model.rowCount() == 1
    workbench.events.changed.emit(Changes(codings=frozenset({1})))
    assert "changed since" in view.explanation.text()


def test_models_obey_the_model_contract(
    panel: QueryPanel, codes: dict[str, int], qtmodeltester: object
) -> None:
    panel.matrix_view.compute()
    panel.code_a.set_code(codes["Tillit"])
    panel.children_a.setChecked(True)
    panel.run()
    assert isinstance(panel.model, SegmentResultModel) and panel.model.rowCount() == 2
    assert isinstance(panel.matrix_view.model, MatrixModel)
    qtmodeltester.check(panel.model)  # type: ignore[attr-defined]
    qtmodeltester.check(panel.matrix_view.model)  # type: ignore[attr-defined]
