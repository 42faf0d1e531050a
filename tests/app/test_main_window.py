"""The main window as a researcher uses it: open, read, code, undo, import, persist."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox
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


def test_the_agreement_behind_another_tab_waits_until_it_is_brought_forward(
    window: MainWindow, qtbot: QtBot
) -> None:
    """Computing agreement reads the whole project, and a save waits for reads: a coding made
    while the Agreement tab is behind another starts no computation; bringing it forward
    computes what changed meanwhile."""
    computed: list[None] = []
    window.agreement.computed.connect(lambda: computed.append(None))
    assert window.agreement.visibleRegion().isEmpty()  # behind "Coded segments"
    _select(window, "stoppeklokka")
    window.coding.apply_code(_code_id(window, "Roller og aktører/Teamledere"))
    window.flush_refresh()
    qtbot.wait(50)
    assert computed == []
    with qtbot.waitSignal(window.agreement.computed, timeout=10_000):
        window.actions_by_id[ActionId.AGREEMENT].trigger()
    _select(window, "Hun spør hva vi trenger")
    with qtbot.waitSignal(window.agreement.computed, timeout=10_000):
        window.coding.apply_code(_code_id(window, "Roller og aktører/Teamledere"))
        window.flush_refresh()  # in front: every edit computes again


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


# --- copies of the project while the window has it open ----------------------------------

#: Runs the real program (``main.main``) on a project; each line on stdin names words of the
#: first document to code by clicking a code in the tree, as a researcher would, and the
#: answer "coded UUID" comes once the edit is acknowledged. "quit" closes the window.
GUI_DRIVER = """
import sys, threading
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication
import main
from coding import queries
from coding.project import find_code

app = QApplication(sys.argv[:1])

class Bridge(QObject):
    asked = Signal(str)

def window():
    return next(w for w in app.topLevelWidgets() if type(w).__name__ == "MainWindow")

def on_asked(line):
    win = window()
    if line == "quit":
        win.close()
        return
    text = win.viewer.text_view().toPlainText()
    start = text.index(line)
    win.viewer.select_span(start, start + len(line))
    with win.project.read() as tx:
        code_id = find_code(tx, "Roller og aktører/Teamledere")
    before = {c.id for c in queries.codings(win.project)}
    win.codes.code_clicked.emit(code_id)
    made = [c for c in queries.codings(win.project) if c.id not in before]
    print("coded", made[0].uuid if made else "nothing", flush=True)

bridge = Bridge()
bridge.asked.connect(on_asked)
threading.Thread(
    target=lambda: [bridge.asked.emit(l.strip()) for l in sys.stdin], daemon=True
).start()
QTimer.singleShot(0, lambda: print("ready", window().project is not None, flush=True))
sys.exit(main.main([sys.argv[1]]))
"""


def test_a_file_copy_taken_right_after_an_edit_in_the_open_window_holds_it(
    demo: Path, tmp_path: Path
) -> None:
    import shutil
    import subprocess
    import sys

    from tests.app.test_cli import ROOT, tillit

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # the program's settings, not the user's
    }
    gui = subprocess.Popen(
        [sys.executable, "-c", GUI_DRIVER, str(demo)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert gui.stdin is not None and gui.stdout is not None
    try:
        assert gui.stdout.readline().split() == ["ready", "True"]
        made: list[str] = []
        for index, words in enumerate(["stoppeklokka", "Det var stoppeklokka", "tillit"]):
            gui.stdin.write(words + "\n")
            gui.stdin.flush()
            answer = gui.stdout.readline().split()
            assert answer[0] == "coded" and answer[1] != "nothing", answer
            made.append(answer[1])
            copy = tmp_path / f"kopi {index}.tillit"
            shutil.copyfile(demo, copy)  # a file manager's copy, the window still open

            listed = tillit("codings", copy, "--json")

            assert listed.returncode == 0, listed.stderr
            uuids = {coding["uuid"] for coding in json.loads(listed.stdout)}
            assert set(made) <= uuids, f"the copy lacks edits {set(made) - uuids}"
        gui.stdin.write("quit\n")
        gui.stdin.flush()
        assert gui.wait(timeout=60) == 0, gui.stderr.read() if gui.stderr else ""
    finally:
        if gui.poll() is None:
            gui.kill()
            gui.wait()


def test_save_a_copy_for_a_coder_from_the_file_menu(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.copy_dialog import CopyDialog

    target = tmp_path / "til Ola.tillit"
    assert window.project is not None
    _select(window, "stoppeklokka")
    window.codes.code_clicked.emit(_code_id(window, "Roller og aktører/Teamledere"))

    def fill_in(dialog: CopyDialog) -> int:
        dialog.set_target(target)
        dialog.set_coder("Ola Nordmann")
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(CopyDialog, "exec", fill_in)
    action = window.actions_by_id[ActionId.SAVE_COPY_FOR_CODER]
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu) and action in file_menu.actions()
    action.trigger()

    assert str(target) in window.statusBar().currentMessage()
    assert window.project.current_coder().name == "Kari"  # the open project is unchanged
    with Project.open(target) as copy:
        assert copy.current_coder().name == "Ola Nordmann"
        assert copy.info().uuid == window.project.info().uuid
        assert ("Teamledere", "stoppeklokka") in [
            (c.code_name, c.text) for c in queries.codings(copy)
        ]


def test_a_project_that_can_only_be_read_opens_and_refuses_edits_in_a_dialog(
    qtbot: QtBot, settings: QSettings, demo: Path, tmp_path: Path, no_dialogs: list[str]
) -> None:
    import shutil
    import subprocess

    folder = tmp_path / "delt"
    folder.mkdir()
    path = folder / "Demo.tillit"
    shutil.copyfile(demo, path)
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available to make a folder read-only for root")
    if subprocess.run(["chattr", "+i", str(folder)], check=False).returncode != 0:
        pytest.skip("this file system or user cannot make folders immutable")
    main = MainWindow(settings)
    qtbot.addWidget(main)
    try:
        main.open_project(path)
        assert "(read-only)" in main.windowTitle()
        before = len(_codings(main))
        _select(main, "stoppeklokka")
        main.codes.code_clicked.emit(_code_id(main, "Roller og aktører/Teamledere"))
        assert len(_codings(main)) == before
        assert no_dialogs and "can only be read" in no_dialogs[-1]
        main.close_project()
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_damaged_project_is_refused_in_a_dialog(
    qtbot: QtBot,
    settings: QSettings,
    tmp_path: Path,
    no_dialogs: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import random

    path = tmp_path / "Skadet.tillit"
    with Project.create(path, coder="Kari") as project:
        from tests.conftest import add_document

        for n in range(20):
            add_document(project, f"Intervju {n}", "Tillit og ansvar. " * 500)
    pages = path.stat().st_size // 4096
    with path.open("r+b") as handle:
        handle.seek(pages // 2 * 4096)
        handle.write(random.Random(7).randbytes(3 * 4096))
    before = path.read_bytes()
    main = MainWindow(settings)
    qtbot.addWidget(main)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    main.actions_by_id[ActionId.OPEN_PROJECT].trigger()
    assert main.project is None
    assert no_dialogs and "damaged" in no_dialogs[-1]
    assert path.read_bytes() == before


def test_damage_found_by_the_check_after_opening_closes_the_project_in_a_dialog(
    qtbot: QtBot, settings: QSettings, tmp_path: Path, no_dialogs: list[str]
) -> None:
    from storage.sqlite import check_file
    from tests.conftest import add_document, damage_freelist

    path = tmp_path / "Skadet.tillit"
    with Project.create(path, coder="Kari") as project:
        for n in range(5):
            add_document(project, f"Intervju {n}", "Tillit og ansvar. " * 500)
    damage_freelist(path)
    assert check_file(path, quick_check=False).problems == []  # what opening reads is sound
    before = path.read_bytes()
    main = MainWindow(settings)
    qtbot.addWidget(main)

    main.open_project(path)  # the project opens, its check going on beside
    assert main.project is not None
    qtbot.waitUntil(lambda: main.project is None, timeout=10_000)

    assert no_dialogs and no_dialogs[-1].startswith("“Skadet.tillit” is damaged"), no_dialogs
    assert main.windowTitle() == "Tillit"
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("Skadet.tillit backups/*.tillit"))  # no damaged backup
