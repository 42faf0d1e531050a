"""A real start, as ``make run`` does it: ``main.py`` on X (Xvfb), the demo project, one paint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage

from coding import queries
from coding.project import Project

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run")


@pytest.mark.slow
def test_first_start_opens_the_demo_project_and_paints_it(tmp_path: Path) -> None:
    home = {
        "XDG_DATA_HOME": tmp_path / "data",
        "XDG_CONFIG_HOME": tmp_path / "config",
        "XDG_CACHE_HOME": tmp_path / "cache",
        "TILLIT_CACHE": tmp_path / "cache" / "index",
    }
    screenshot = tmp_path / "start.png"
    env = {key: value for key, value in os.environ.items() if not key.startswith("QT_")}
    env |= {key: str(path) for key, path in home.items()}
    env |= {
        "QT_QPA_PLATFORM": "xcb",  # the platform of a desktop, not the tests' offscreen one
        "TILLIT_SMOKE_EXIT": "1",
        "TILLIT_SMOKE_SCREENSHOT": str(screenshot),
    }

    result = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "main.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    demo = tmp_path / "data" / "Tillit" / "Demo.tillit"
    assert demo.is_file()  # made in the data folder given, not the user's
    settings = QSettings(
        str(tmp_path / "config" / "Tillit" / "Tillit.conf"), QSettings.Format.IniFormat
    )
    assert settings.value("project/last") == str(demo)
    assert any((tmp_path / "cache" / "index").iterdir())  # the search index, built meanwhile

    picture = QImage(str(screenshot))
    assert (picture.width(), picture.height()) == (1400, 880)  # the whole window, as shown
    colours = {
        picture.pixel(x, y) & 0xFFFFFF
        for y in range(0, picture.height(), 2)
        for x in range(0, picture.width(), 2)
    }
    copy = shutil.copy(demo, tmp_path / "copy.tillit")
    with Project.open(Path(copy), backup=False) as project:
        first = queries.documents(project)[0]
        codings = queries.document_codings(project, first.id)
    # The first document is on screen: each of its codings' code colours is painted somewhere.
    expected = {QColor(coding.code_color).rgb() & 0xFFFFFF for coding in codings}
    assert len(expected) >= 5
    assert expected <= colours
