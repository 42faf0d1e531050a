"""The main window as a researcher uses it: open, read, code, undo, import, persist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.actions import ActionId
from app.import_runner import ImportRunner
from app.main_window import MainWindow
from coding import queries
from coding.demo import create_demo_project
from coding.project import Project, find_code


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record message boxes instead of blocking on them."""
    shown: list[str] = []
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda _p, _t, text, *a, **k: shown.append(text))
        )
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    return shown


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return create_demo_project(tmp_path / "Demo.tillit", coder="Kari")


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings, demo: Path) -> Iterator[MainWindow]:
    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.open_project(demo)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


def _code_id(window: MainWindow, path: str) -> int:
    assert window.project is not None
    with window.project.read() as tx:
        code_id = find_code(tx, path)
    assert code_id is not None
    return code_id


def _tree_point(window: MainWindow, code_id: int) -> QPoint:
    """Where a code's row is in the tree's viewport."""
    panel = window.codes
    index = panel.proxy.mapFromSource(panel.model.index_of(code_id))
    panel.view.scrollTo(index)
    return panel.view.visualRect(index).center()


def _select(window: MainWindow, words: str) -> None:
    text = window.viewer.text_view().toPlainText()
    start = text.index(words)
    window.viewer.select_span(start, start + len(words))


def _codings(window: MainWindow) -> list[tuple[str, str]]:
    assert window.project is not None
    return [(c.code_name, c.text) for c in queries.codings(window.project)]


def test_demo_project_opens_with_everything_visible(window: MainWindow, tmp_path: Path) -> None:
    assert window.documents.model.rowCount() == 3
    assert "tillitsreformen" in window.viewer.text_view().toPlainText()
    assert len(window.viewer.spans()) == 8
    assert "Demo.tillit" in window.windowTitle() or "Demo" in window.windowTitle()
    window.grab().save(str(tmp_path / "main_window.png"))


def test_code_by_click_then_undo_and_redo(window: MainWindow) -> None:
    text = window.viewer.text_view().toPlainText()
    start = text.index("stoppeklokka")
    window.viewer.select_span(start, start + len("stoppeklokka"))
    before = len(_codings(window))
    window.codes.code_clicked.emit(_code_id(window, "Styringsformer/Tids- og oppgavestyring"))
    assert ("Tids- og oppgavestyring", "stoppeklokka") in _codings(window)
    assert any(s.start == start for s in window.viewer.spans())
    assert window.actions_by_id[next(iter(window.actions_by_id))] is not None
    window.stack.undo()
    assert len(_codings(window)) == before
    assert not any(s.start == start for s in window.viewer.spans())
    window.stack.redo()
    assert ("Tids- og oppgavestyring", "stoppeklokka") in _codings(window)


def test_code_by_mouse_click_and_double_click_on_the_tree(window: MainWindow, qtbot: QtBot) -> None:
    view = window.codes.view.viewport()
    _select(window, "stoppeklokka")
    point = _tree_point(window, _code_id(window, "Roller og aktører/Teamledere"))
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=point)
    assert ("Teamledere", "stoppeklokka") in _codings(window)
    _select(window, "Det var stoppeklokka")
    point = _tree_point(window, _code_id(window, "Utfall for brukerne/Kontinuitet"))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=point)  # a double click's first press
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=point)
    assert _codings(window).count(("Kontinuitet", "Det var stoppeklokka")) == 1


def test_code_by_dragging_the_selection_onto_a_code(window: MainWindow) -> None:
    _select(window, "Hun spør hva vi trenger")
    mime = window.viewer.text_view().passage_mime_data()
    assert mime is not None
    point = _tree_point(window, _code_id(window, "Endringsprosess/Ansattes respons/Motstand"))
    drop = QDropEvent(
        QPointF(point),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.codes.view.dropEvent(drop)
    assert ("Motstand", "Hun spør hva vi trenger") in _codings(window)
    window.stack.undo()
    assert ("Motstand", "Hun spør hva vi trenger") not in _codings(window)


def test_edit_menu_names_what_undo_will_undo(window: MainWindow) -> None:
    _select(window, "stoppeklokka")
    window.coding.apply_code(_code_id(window, "Roller og aktører/Teamledere"))
    undo = window.actions_by_id[ActionId.UNDO]
    assert undo.isEnabled() and "Apply code “Teamledere”" in undo.text()
    undo.trigger()
    assert ("Teamledere", "stoppeklokka") not in _codings(window)
    window.actions_by_id[ActionId.REDO].trigger()
    assert ("Teamledere", "stoppeklokka") in _codings(window)


def test_quick_key_codes_the_selection(window: MainWindow, qtbot: QtBot) -> None:
    code_id = _code_id(window, "Roller og aktører/Teamledere")
    window.codes.assign_quick_key(code_id, 3)
    text = window.viewer.text_view().toPlainText()
    start = text.index("Hun spør hva vi trenger")
    window.viewer.select_span(start, start + len("Hun spør hva vi trenger"))
    window.viewer.text_view().setFocus()
    qtbot.keyClick(window.viewer.text_view(), Qt.Key.Key_3)
    assert ("Teamledere", "Hun spør hva vi trenger") in _codings(window)


def test_drop_of_a_passage_on_a_code_codes_it(window: MainWindow) -> None:
    document_id = window.viewer.document_id()
    assert document_id is not None
    window.codes.passage_dropped.emit(
        _code_id(window, "Styringsformer/Selvstyrte team"), document_id, 0, 9
    )
    assert ("Selvstyrte team", "Intervju ") in _codings(window)


def test_code_in_vivo_creates_a_code_named_after_the_words(window: MainWindow) -> None:
    text = window.viewer.text_view().toPlainText()
    start = text.index("stoppeklokka som bestemte")
    window.viewer.select_span(start, start + len("stoppeklokka som bestemte"))
    window.coding.code_in_vivo()
    assert ("stoppeklokka som bestemte", "stoppeklokka som bestemte") in _codings(window)


def test_coding_after_an_emoji_stores_code_points(window: MainWindow) -> None:
    window.documents.select_document(window.documents.model.document_at(1).id)
    text = window.viewer.text_view().toPlainText()
    assert "😀" in text
    start = text.index("det fungerer")
    window.viewer.select_span(start, start + len("det fungerer"))
    window.codes.code_clicked.emit(_code_id(window, "Styringsformer/Selvstyrte team"))
    assert window.project is not None
    document = queries.document(window.project, window.viewer.document_id() or 0)
    [coding] = [c for c in queries.codings(window.project) if c.text == "det fungerer"]
    assert document.text[coding.start : coding.end] == "det fungerer"


def test_remove_coding_from_the_viewer_and_undo(window: MainWindow) -> None:
    span = window.viewer.spans()[0]
    window.viewer.remove_coding_requested.emit(span.id)
    assert span.id not in {s.id for s in window.viewer.spans()}
    window.stack.undo()
    assert span.id in {s.id for s in window.viewer.spans()}


def test_import_by_drop_on_the_document_list(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    transcript = tmp_path / "Intervju 04.txt"
    transcript.write_text("INT: Hva med tillit?\nP4: Den er viktig 😀 – æøå.\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(transcript))])
    table = window.documents.table
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.events.changed, timeout=10000):
        table.dropEvent(drop)
    window.flush_refresh()
    model = window.documents.model
    names = [model.document_at(row).name for row in range(model.rowCount())]
    assert "Intervju 04" in names
    assert window.stack.undoText() == "Import 1 document"
    window.stack.undo()
    window.flush_refresh()
    assert window.documents.model.rowCount() == 3


def test_import_of_a_bad_file_lists_it_and_imports_nothing(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, no_dialogs: list[str]
) -> None:
    good = tmp_path / "ok.txt"
    good.write_text("P1: hei\n", encoding="utf-8")
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a word file")
    runner = window.import_files([good, bad])
    assert runner is not None
    with qtbot.waitSignal(runner.finished, timeout=10000) as blocker:
        pass
    assert blocker.args == [False]
    window.flush_refresh()
    assert window.documents.model.rowCount() == 3
    [report] = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert "nothing was imported" in report.text()
    assert "broken.docx" in report.informativeText()
    report.close()


def test_layout_and_recent_projects_persist(
    qtbot: QtBot, window: MainWindow, settings: QSettings, demo: Path
) -> None:
    window._docks["memo"].hide()
    window.save_layout()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    assert not again._docks["memo"].isVisible()
    assert again._docks["codes"].isVisible()
    assert [a.statusTip() for a in again.recent_menu.actions()] == [str(demo.resolve())]


def test_second_window_on_the_same_project_is_refused(
    qtbot: QtBot, window: MainWindow, settings: QSettings, demo: Path
) -> None:
    from coding.errors import ProjectLockedError

    other = MainWindow(settings)
    qtbot.addWidget(other)
    with pytest.raises(ProjectLockedError):
        other.open_project(demo)
    assert Project  # the first window keeps working
    assert window.documents.model.rowCount() == 3


def test_cancelled_import_imports_nothing(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    files = []
    for number in range(3):
        path = tmp_path / f"Intervju {number}.txt"
        path.write_text(f"P{number}: tillit og ansvar\n", encoding="utf-8")
        files.append(path)
    assert window.workbench is not None
    runner = ImportRunner(window.workbench, files)
    runner._dialog.canceled.emit()  # the progress dialog's Cancel button, before any file
    with qtbot.waitSignal(runner.finished, timeout=10000) as blocker:
        runner.start()
    assert blocker.args == [False]
    window.flush_refresh()
    assert window.documents.model.rowCount() == 3
    assert window.stack.count() == 0


def test_change_coder_credits_new_codings_and_undo_brings_the_old_one_back(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "app.main_window.QInputDialog.getItem", staticmethod(lambda *a, **k: ("Ola", True))
    )
    window.actions_by_id[ActionId.CHANGE_CODER].trigger()
    assert window._coder_label.text() == "Coder: Ola"
    assert window.project is not None and window.project.current_coder().name == "Ola"
    window.stack.undo()
    window.flush_refresh()
    assert window._coder_label.text() == "Coder: Kari"
