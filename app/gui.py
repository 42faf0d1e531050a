"""Starting the GUI: the application object, the error hook, and which project opens first."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

import platformdirs
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from app.main_window import MainWindow
from coding.demo import create_demo_project
from coding.errors import UserError

log = logging.getLogger(__name__)

ORGANIZATION = "Tillit"
APPLICATION = "Tillit"


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
    window.show()
    return app.exec()
