"""File → Export…: choose what and how much, see the count, export off the GUI thread."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from app.export_dialog import ExportDialog, ExportKind
from app.workbench import Workbench
from coding import queries
from coding.codings import ApplyCoding
from coding.project import Project
from tests.conftest import add_document


@pytest.fixture
def coded(project: Project) -> tuple[int, list[str]]:
    document_id = add_document(project)
    text = queries.document(project, document_id).text
    passages = ["bruke skjønn 😀", "Hun stoler på oss"]
    for words, path in zip(passages, ["Tillit/Skjønn", "Tillit/Ledelse"], strict=True):
        start = text.index(words)
        ApplyCoding(project, document_id, [(start, start + len(words))], code_path=path).do()
    return document_id, passages


def _export(
    dialog: ExportDialog, qtbot: QtBot, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered: list[Path] = []
    monkeypatch.setattr(dialog, "offer_to_open", offered.append)
    dialog.export_to(path)
    qtbot.waitUntil(lambda: offered == [path], timeout=20_000)


def test_excerpts_follow_the_chosen_codes_and_the_count_says_so(
    workbench: Workbench,
    coded: tuple[int, list[str]],
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = ExportDialog(workbench)
    qtbot.addWidget(dialog)
    assert dialog.kind() is ExportKind.EXCERPTS
    assert dialog.preview.text() == "2 excerpts will be written."
    with workbench.project.read() as tx:
        only = [c.id for c in tx.codes.all() if c.name == "Skjønn"]
    dialog.codes.set_checked(only)
    dialog.update_preview()
    assert dialog.preview.text() == "1 excerpt will be written."
    target = tmp_path / "utdrag.docx"
    _export(dialog, qtbot, target, monkeypatch)
    quotes = [
        p.text for p in docx.Document(str(target)).paragraphs if p.style and p.style.name == "Quote"
    ]
    assert quotes == ["bruke skjønn 😀"]
    assert "1 excerpt" in dialog.outcome


def test_each_kind_shows_its_own_options_and_writes_its_file(
    workbench: Workbench,
    coded: tuple[int, list[str]],
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document_id, passages = coded
    dialog = ExportDialog(workbench, document_id=document_id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(ExportKind.ANNOTATED))
    dialog.update_preview()
    assert dialog.document_combo.isVisible() and not dialog.context.isVisible()
    assert dialog.preview.text() == "2 comments will be written."
    _export(dialog, qtbot, tmp_path / "annotert.docx", monkeypatch)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(ExportKind.XLSX))
    dialog.update_preview()
    assert not dialog.document_combo.isVisible() and dialog.filters.isVisible()
    _export(dialog, qtbot, tmp_path / "kodinger.xlsx", monkeypatch)
    sheet = openpyxl.load_workbook(tmp_path / "kodinger.xlsx")["Codings"]
    texts = [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(texts) == sorted(passages)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(ExportKind.CODEBOOK))
    dialog.update_preview()
    assert dialog.preview.text() == "3 codes will be written."
    _export(dialog, qtbot, tmp_path / "kodebok.docx", monkeypatch)


def test_a_cancelled_export_leaves_no_file(
    workbench: Workbench,
    coded: tuple[int, list[str]],
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    said: list[str] = []
    monkeypatch.setattr(
        "app.export_dialog.QMessageBox.information", lambda _p, _t, text: said.append(text)
    )
    dialog = ExportDialog(workbench)
    qtbot.addWidget(dialog)
    target = tmp_path / "utdrag.docx"
    dialog.export_to(target)
    assert dialog._task is not None
    dialog._task.cancel()
    qtbot.waitUntil(lambda: bool(said) or dialog.written is not None, timeout=20_000)
    if said:  # cancelled before it finished (it may win the race on a fast machine)
        assert "cancelled" in said[0] and not target.exists()
        assert not list(tmp_path.glob("*.part"))
