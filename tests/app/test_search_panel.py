"""The search panel in the main window: find, read the hits, open one, follow edits."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.actions import ActionId
from app.main_window import MainWindow
from app.search_panel import HitColumn, Scope
from coding import queries
from coding.codings import ApplyCoding
from coding.demo import create_demo_project
from coding.project import find_code
from coding.search import SearchResult


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.open_project(create_demo_project(tmp_path / "Demo.tillit", coder="Kari"))
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


def _search(window: MainWindow, qtbot: QtBot, text: str) -> SearchResult:
    window.search.query_edit.setText(text)
    window.search.run_search()
    qtbot.waitUntil(lambda: not window.search.waiting(), timeout=20_000)
    result = window.search.result()
    assert result is not None and result.query == text
    return result


def test_ctrl_shift_f_searches_every_document_and_a_hit_opens_at_the_word(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.actions_by_id[ActionId.FIND_IN_PROJECT].trigger()
    assert window.search.scope() == Scope.PROJECT
    assert window.search.query_edit.hasFocus()
    result = _search(window, qtbot, "tillit")
    assert result.total >= 2 and len(result.documents) >= 2
    panel = window.search
    assert panel.model.rowCount() == result.total
    assert panel.document_list.count() == len(result.documents) + 1
    assert "passage" in panel.status.text()
    for row in range(panel.model.rowCount()):
        match = panel.model.index(row, HitColumn.MATCH).data()
        assert match.casefold().startswith("tillit")
    panel.document_list.setCurrentRow(2)  # the second document's hits only
    shown = {panel.model.hit_at(r).document_id for r in range(panel.model.rowCount())}
    assert shown == {result.documents[1].document_id}
    panel.table.activated.emit(panel.model.index(0, HitColumn.MATCH))
    assert window.viewer.document_id() == result.documents[1].document_id
    cursor = window.viewer.text_view().textCursor()
    assert cursor.selectedText().casefold().startswith("tillit")


def test_ctrl_f_searches_only_the_document_on_screen(window: MainWindow, qtbot: QtBot) -> None:
    window.actions_by_id[ActionId.FIND_IN_DOCUMENT].trigger()
    assert window.search.scope() == Scope.DOCUMENT
    result = _search(window, qtbot, "tillit OR ledelse")
    assert {c.document_id for c in result.documents} == {window.viewer.document_id()}


def test_a_new_coding_is_found_by_its_code_and_nothing_breaks_without_the_index(
    window: MainWindow, qtbot: QtBot
) -> None:
    assert window.project is not None and window.workbench is not None
    document_id = window.viewer.document_id()
    assert document_id is not None
    assert _search(window, qtbot, 'code:"Helt ny kode"').total == 0
    window.workbench.run(
        ApplyCoding(window.project, document_id, [(0, 12)], code_path="Helt ny kode")
    )
    window.flush_refresh()
    found = _search(window, qtbot, 'code:"Helt ny kode"')
    assert [(h.start, h.end) for h in found.hits] == [(0, 12)]
    assert found.segments and "1 coded segment" in window.search.status.text()
    keeper = window.keeper
    assert keeper is not None
    shutil.rmtree(keeper.search.index.folder)  # while the index is open
    assert _search(window, qtbot, "tillit").total >= 2  # rebuilt behind the scenes


def test_nothing_found_offers_the_nearest_word(window: MainWindow, qtbot: QtBot) -> None:
    result = _search(window, qtbot, "tilitsreformen")
    assert result.total == 0 and result.suggestion
    status = window.search.status.text()
    assert "Did you mean" in status
    keeper = window.keeper
    assert keeper is not None
    with qtbot.waitSignal(keeper.answered, timeout=20_000):
        window.search.status.linkActivated.emit(result.suggestion)
    again = window.search.result()
    assert again is not None and again.total > 0


def test_code_hits_codes_each_hit_s_turn_as_one_undoable_action(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.project is not None
    result = _search(window, qtbot, "tillit")
    with window.project.read() as tx:
        code_id = find_code(tx, "Tillit og ansvar/Tillit til ledelsen")
    assert code_id is not None
    monkeypatch.setattr("app.main_window.choose_code", lambda *a, **k: code_id)
    count_before = _count(window, code_id)
    window.search.code_hits_requested.emit(window.search.visible_hits(), "paragraph")
    after = _count(window, code_id)
    assert after == count_before + result.total  # each hit is in its own paragraph here
    assert window.stack.undoText().startswith("Code")
    window.stack.undo()
    assert _count(window, code_id) == count_before


def _count(window: MainWindow, code_id: int) -> int:
    assert window.project is not None
    return sum(1 for c in queries.codings(window.project) if c.code_id == code_id)
