"""Starting the GUI: the application object, the error hook, and which project opens first."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

import platformdirs
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from typing_extensions import override

from app.main_window import MainWindow
from coding.demo import create_demo_project
from coding.errors import UserError

log = logging.getLogger(__name__)

ORGANIZATION = "Tillit"
APPLICATION = "Tillit"

#: Test hooks of the start-up check (``make smoke``): with ``TILLIT_SMOKE_EXIT=1`` the program
#: quits after the main window's first paint, having saved the screen's picture of the window
#: to ``TILLIT_SMOKE_SCREENSHOT`` if that names a file.
SMOKE_EXIT = "TILLIT_SMOKE_EXIT"
SMOKE_SCREENSHOT = "TILLIT_SMOKE_SCREENSHOT"


def demo_project_path() -> Path:
    """Where the demo project lives: the user's data directory."""
    return Path(platformdirs.user_data_dir(APPLICATION, ORGANIZATION)) / "Demo.tillit"


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """Report a bug (anything that is not a researcher-facing error) instead of crashing."""
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("Unexpected error:\n%s", details)
    if QApplication.instance() is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Tillit",
        "Tillit ran into a bug; your project is saved up to the last completed action.",
    )
    box.setDetailedText(details)
    box.exec()


def startup_project(args: list[str], settings: QSettings) -> Path:
    """The project to open: the one named, the last one used, or the demo (made if missing)."""
    if args:
        return Path(args[0])
    last = settings.value("project/last")
    if isinstance(last, str) and Path(last).is_file():
        return Path(last)
    demo = demo_project_path()
    if not demo.exists():
        demo.parent.mkdir(parents=True, exist_ok=True)
        create_demo_project(demo)
    return demo


class _SmokeExit(QObject):
    """Closes the window after its first paint, as a test hook; ``failed`` if the screenshot
    asked for could not be written."""

    def __init__(self, window: QWidget, screenshot: str | None) -> None:
        super().__init__(window)
        self._window = window
        self._screenshot = screenshot
        self._painted = False
        self.failed = False
        window.installEventFilter(self)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self._finish)  # once the paint is on the screen
        return False

    def _finish(self) -> None:
        if self._screenshot:
            window = self._window
            picture = window.screen().grabWindow(window.winId())
            self.failed = picture.isNull() or not picture.save(self._screenshot, "PNG")
            if self.failed:
                log.error("Could not save a screenshot to %s", self._screenshot)
        self._window.close()


def run_gui(args: list[str]) -> int:
    """Open the main window on a project and run until it closes."""
    logging.basicConfig(level=logging.INFO)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    sys.excepthook = _excepthook
    settings = QSettings()
    window = MainWindow(settings)
    try:
        window.open_project(startup_project(args, settings))
    except UserError as exc:
        QMessageBox.warning(window, "Tillit", str(exc))
    smoke = None
    if os.environ.get(SMOKE_EXIT) == "1":
        smoke = _SmokeExit(window, os.environ.get(SMOKE_SCREENSHOT))
    window.show()
    status = app.exec()
    return status or int(smoke is not None and smoke.failed)
