"""Fixtures of the GUI tests: a workbench on a test project, and warnings that do not block."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.events import ProjectEvents
from app.workbench import Workbench
from coding.project import Project


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of warning boxes, recorded instead of shown."""
    shown: list[str] = []

    def warn(_parent: object, _title: str, text: str, *_: object) -> QMessageBox.StandardButton:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warn)
    return shown


def make_workbench(project: Project, tmp_path: Path, qtbot: QtBot) -> Workbench:
    """A workbench on ``project`` with its own undo stack, signals and settings file."""
    window = QWidget()
    qtbot.addWidget(window)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    return Workbench(project, QUndoStack(), ProjectEvents(), window, settings)


@pytest.fixture
def workbench(project: Project, tmp_path: Path, qtbot: QtBot, warnings: list[str]) -> Workbench:
    return make_workbench(project, tmp_path, qtbot)
