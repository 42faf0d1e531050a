"""The plain main window opens a project and shows its documents, text, codings and codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from coding.demo import create_demo_project


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_demo_project_opens_with_documents_codes_and_highlights(
    qtbot: QtBot, tmp_path: Path, settings: QSettings
) -> None:
    path = create_demo_project(tmp_path / "Demo.tillit", coder="Kari")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.open_project(path)
    window.show()

    assert window.documents.rowCount() == 3
    assert window.code_tree.topLevelItemCount() >= 5
    assert "tillitsreformen" in window.text_view.toPlainText()
    assert len(window.text_view.extraSelections()) >= 5  # the demo's codings, highlighted
    assert settings.value("project/last") == str(path)
    window.grab().save(str(tmp_path / "main_window.png"))
    window.close()
    assert window.project is None


def test_choosing_a_document_shows_its_text(
    qtbot: QtBot, tmp_path: Path, settings: QSettings
) -> None:
    path = create_demo_project(tmp_path / "Demo.tillit")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.open_project(path)
    window.document_view.selectRow(2)
    shown = window.text_view.toPlainText()
    assert shown.startswith("Interview med social- og sundhedsassistent, Aarhus")
    assert "tillidsbaserede" in shown
    window.close_project()
