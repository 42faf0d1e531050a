"""Importing and exporting REFI-QDA projects from the GUI: progress, the report, the warnings."""

from __future__ import annotations

import zipfile
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.refi_dialog import (
    ImportReportDialog,
    UnplacedModel,
    export_qdpx,
    import_qdpx,
)
from app.workbench import Workbench
from coding.codings import ApplyCoding, EditMemo
from coding.project import Project
from coding.records import MemoTarget
from coding.refi_import import ImportReport, ReadingEvidence, UnplacedCoding

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "refi-qda"
UNPLACED = UnplacedCoding(
    document="Intervju 1 – Bergen",
    code="Styring/Tillit",
    coder="Kari",
    start=120,
    end=164,
    text="Hun stoler på oss 😀",
    memo="",
    reason="its text is not in the document",
)


def _parent(qtbot: QtBot) -> QWidget:
    parent = QWidget()
    qtbot.addWidget(parent)
    return parent


def test_import_shows_the_report_and_opens_the_project(qtbot: QtBot, tmp_path: Path) -> None:
    opened: list[Path] = []
    runner = import_qdpx(
        _parent(qtbot), opened.append, source=SAMPLES / "qc-demo.qdpx", target=tmp_path / "qc"
    )
    assert runner is not None
    with qtbot.waitSignal(runner.finished, timeout=60_000) as finished:
        pass
    assert finished.args == [True]
    dialog = runner.dialog
    assert dialog is not None and dialog.isVisible()
    assert "205 placed by position only" in dialog.summary.text()
    assert "landed" not in dialog.summary.text()
    assert dialog.table.isHidden() and not dialog.readings.isHidden()
    model = dialog.readings_model
    assert model.rowCount() == 1
    row = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert row == [
        "board_2017",
        "code points over LF line ends",
        "158 of 158 selections on word boundaries",
        "certain",
    ]
    dialog.open_button.click()
    assert opened == [tmp_path / "qc.tillit"]


def test_a_failed_import_is_explained(qtbot: QtBot, tmp_path: Path, warnings: list[str]) -> None:
    (tmp_path / "qc.tillit").write_bytes(b"x")
    runner = import_qdpx(
        _parent(qtbot), None, source=SAMPLES / "qc-demo.qdpx", target=tmp_path / "qc.tillit"
    )
    assert runner is not None
    with qtbot.waitSignal(runner.finished, timeout=60_000) as finished:
        pass
    assert finished.args == [False] and runner.dialog is None
    assert len(warnings) == 1 and "already exists" in warnings[0]


def test_the_report_lists_every_unplaced_coding(
    qtbot: QtBot, qtmodeltester, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    report = ImportReport(tmp_path / "studie.tillit", "NVivo 14", documents=12, codes=48)
    for _ in range(31):
        report.count("position", "UTF-16 units, line ends counted another way")
    for _ in range(6):
        report.count("found by text", "found by its text")
    report.sources = [
        ReadingEvidence("Intervju 1 – Bergen", True, "CRLF", False, 30, 0, 29, 0, "certain", ""),
        ReadingEvidence(
            "Intervju 2", True, "CRLF", False, 2, 0, 2, 0, "guess", "producer", "NVivo"
        ),
    ]
    report.unplaced = [UNPLACED, UNPLACED]
    report.warnings = ["The file has 3 sets, which Tillit does not hold; they were not imported."]
    dialog = ImportReportDialog(report, can_open=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtmodeltester.check(UnplacedModel(report.unplaced))
    qtmodeltester.check(dialog.readings_model)
    assert dialog.model.rowCount() == 2 and not dialog.table.isHidden()
    text = dialog.summary.text()
    assert "Codings: 0 verified by their text, 31 placed by position only, 6 re-anchored" in text
    assert "The file gives no text to check" in text and "3 sets" in text
    model = dialog.readings_model
    assert model.data(model.index(1, 1)) == (
        "UTF-16 units over CRLF line ends, the byte-order mark not counted"
    )
    assert model.data(model.index(1, 3)) == (
        "a guess: the selections do not tell the ways of counting apart; NVivo counts so"
    )
    dialog.copy_button.click()
    copied = QApplication.clipboard().text().split("\n")
    assert copied[0].startswith("Document\tCode") and len(copied) == 3
    assert copied[1].endswith("Hun stoler på oss 😀\tits text is not in the document")
    dialog.grab().save(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 0


def test_export_shows_what_was_written_and_the_warnings(
    qtbot: QtBot, workbench: Workbench, project: Project, document_id: int, tmp_path: Path
) -> None:
    ApplyCoding(project, document_id, [(5, 20)], code_path="Tillit").do()
    EditMemo(project, MemoTarget(document_id=document_id), "Notat 😀").do()
    with project.transaction() as tx:
        code_id = tx.codes.child_by_name(None, "Tillit")
        assert code_id is not None
        tx.codes.add_alias("0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2c", code_id)
    target = tmp_path / "ut.qdpx"
    runner = export_qdpx(workbench, target=target)
    assert runner is not None
    with qtbot.waitSignal(runner.finished, timeout=60_000) as finished:
        pass
    assert finished.args == [True]
    assert runner.message is not None
    assert "1 document, 1 code, 1 coding and 1 memo" in runner.message.text()
    assert "no aliases" in runner.message.informativeText()
    with zipfile.ZipFile(target) as archive:
        assert "project.qde" in archive.namelist()
    runner.message.close()
