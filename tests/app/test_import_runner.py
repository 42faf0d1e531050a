"""Importing transcripts from the main window: the status bar says what came in, and a box lists
what the files said about how they were read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.import_runner import SHOWN_WARNINGS, ImportRunner
from app.main_window import MainWindow
from coding import queries
from coding.project import Project

#: Cue 2 starts before cue 1, as in a file two people put together by hand.
OUT_OF_ORDER = """1
00:00:05,000 --> 00:00:07,500
Kari: Vi fikk mer tillit.

2
00:00:01,000 --> 00:00:04,000
Ola: Det begynte med tidsstyring.

3
00:00:08,000 --> 00:00:09,000
Kari: Og så ble det bedre.
"""

IN_ORDER = """1
00:00:01,000 --> 00:00:02,000
Kari: Hei.

2
00:00:03,000 --> 00:00:04,000
Ola: Hei på deg.
"""


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    path = tmp_path / "Studie.tillit"
    Project.create(path, coder="Kari").close()
    main = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.open_project(path)
    main.resize(1100, 700)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


def _import(qtbot: QtBot, window: MainWindow, paths: list[Path]) -> ImportRunner:
    runner = window.import_files(paths)
    assert runner is not None
    with qtbot.waitSignal(runner.finished, timeout=20000) as blocker:
        pass
    assert blocker.args == [True]
    return runner


def _boxes(window: MainWindow) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_cues_out_of_order_are_listed_after_the_import(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    disorder = tmp_path / "uorden.srt"
    disorder.write_text(OUT_OF_ORDER, encoding="utf-8")
    fine = tmp_path / "orden.srt"
    fine.write_text(IN_ORDER, encoding="utf-8")
    runner = _import(qtbot, window, [disorder, fine])

    assert window.project is not None
    assert sorted(d.name for d in queries.documents(window.project)) == ["orden", "uorden"]
    assert window.statusBar().currentMessage() == (
        "Imported 2 documents. 1 thing to check: see the list."
    )
    [box] = _boxes(window)
    assert box.text() == "Imported 2 documents. Please check this:"
    [warning] = runner.command.warnings
    assert box.informativeText() == f"• {warning}"
    # Cue 2 (at one second) is the one that starts before the cue above it (at five).
    assert warning.startswith("“uorden.srt”: 1 cue starts before the cue above")
    assert "cue 2 at 00:00:01" in warning and "after 00:00:05" in warning
    window.flush_refresh()
    assert window.documents.model.rowCount() == 2
    box.grab().save(str(tmp_path / "import-warnings.png"))
    window.grab().save(str(tmp_path / "import-status.png"))
    box.close()


def test_an_import_without_warnings_says_so_in_the_status_bar_only(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    fine = tmp_path / "orden.srt"
    fine.write_text(IN_ORDER, encoding="utf-8")
    runner = _import(qtbot, window, [fine])
    assert runner.command.warnings == []
    assert window.statusBar().currentMessage() == (
        "Imported 1 document. Edit ▸ Undo takes it back."
    )
    assert _boxes(window) == []


def test_many_warnings_list_the_first_and_keep_all_under_details(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    paths = []
    for number in range(SHOWN_WARNINGS + 2):
        path = tmp_path / f"uorden {number}.srt"
        path.write_text(OUT_OF_ORDER, encoding="utf-8")
        paths.append(path)
    runner = _import(qtbot, window, paths)
    assert len(runner.command.warnings) == len(paths)
    [box] = _boxes(window)
    listed = box.informativeText()
    assert listed.count("• ") == SHOWN_WARNINGS
    assert listed.endswith("… and 2 more (Show Details…).")
    assert box.detailedText() == "\n\n".join(runner.command.warnings)
    assert all(f"“{path.name}”" in box.detailedText() for path in paths)
    box.close()
