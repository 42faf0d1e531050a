"""File → Merge projects…: read, review differing codebooks, merge off the GUI thread, report."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from app import merge_dialog
from app.merge_dialog import MergeDialog, merge_projects
from app.merge_review_model import Column, MergeReviewModel
from app.workbench import Workbench
from coding import queries
from coding.codebook_merge import Action
from coding.codings import ApplyCoding
from coding.project import Project
from storage.sqlite import online_backup
from tests.conftest import SAMPLE_TEXT, add_document


def _code(project: Project, words: str, path: str, coder: str) -> None:
    with project.read() as tx:
        document_id = tx.documents.ids_by_name("Intervju 1")[0]
    start = SAMPLE_TEXT.index(words)
    ApplyCoding(
        project, document_id, [(start, start + len(words))], code_path=path, coder=coder
    ).do()


def _copy(project: Project, tmp_path: Path, name: str, *codings: tuple[str, str]) -> Path:
    """A copy of the project in which ``name`` coded (words, code path) passages."""
    path = tmp_path / f"{name.lower()}.tillit"
    online_backup(project.path, path)
    with Project.open(path) as copy:
        for words, code_path in codings:
            _code(copy, words, code_path, name)
    return path


@pytest.fixture
def coded(project: Project) -> Project:
    """The lead's project: one transcript, coded once with Tillit/Skjønn."""
    add_document(project)
    _code(project, "Hun stoler på oss", "Tillit/Skjønn", "Kari")
    return project


def _dialog(qtbot: QtBot, workbench: Workbench, paths: list[Path]) -> MergeDialog:
    dialog = MergeDialog(workbench, paths)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    return dialog


def test_the_same_codebook_goes_straight_to_the_report_and_undo_takes_it_back(
    qtbot: QtBot, workbench: Workbench, coded: Project, tmp_path: Path
) -> None:
    ola = _copy(coded, tmp_path, "Ola", ("bruke skjønn 😀", "Tillit/Skjønn"))
    changes: list[object] = []
    workbench.events.changed.connect(changes.append)
    dialog = _dialog(qtbot, workbench, [ola])
    qtbot.waitUntil(lambda: dialog.merged, timeout=20_000)

    assert dialog.pages.currentIndex() == 2
    report = dialog.report_view.toPlainText()
    assert "1 coding added" in report and "From ola.tillit" in report
    assert "Ola added" in report and "A backup was made before the merge" in report
    assert dialog.close_button.text() == "Close" and dialog.merge_button.isHidden()
    assert "Edit ▸ Undo" in dialog.outcome
    assert len(queries.codings(coded)) == 2 and changes
    assert workbench.stack.count() == 1
    workbench.stack.undo()
    assert len(queries.codings(coded)) == 1
    workbench.stack.redo()
    assert len(queries.codings(coded)) == 2


def test_differing_codebooks_are_reviewed_first_and_the_choices_count(
    qtbot: QtBot, workbench: Workbench, coded: Project, tmp_path: Path
) -> None:
    kari = _copy(
        coded,
        tmp_path,
        "Kari",
        ("bruke skjønn 😀", "Tillit/Skjønn"),
        ("ta ansvar", "Tillit/Ansvar"),
    )
    dialog = _dialog(qtbot, workbench, [kari])
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=20_000)

    proxy = dialog.table.model()
    shown = [proxy.index(row, Column.INCOMING).data() for row in range(proxy.rowCount())]
    assert shown == ["Tillit/Ansvar"]  # the codes that are simply the same are hidden
    dialog.differing_check.setChecked(False)
    assert proxy.rowCount() == 3
    model = proxy.sourceModel()
    assert isinstance(model, MergeReviewModel) and dialog.plan is not None
    rows = dialog.plan.sources[0].review.rows
    model.choose(next(r for r in rows if r.incoming.path == "Tillit/Ansvar"), Action.SKIP)
    assert "0 new, 1 skipped" in dialog.summary_label.text()
    assert dialog.merge_button.isEnabled()
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: dialog.merged, timeout=20_000)

    report = dialog.report_view.toPlainText()
    assert "their code was left out of the codebook merge" in report
    assert "left out: “Tillit/Ansvar”" in report
    assert "Tillit/Ansvar" not in queries.paths(coded).values()


def test_cancelling_the_merge_changes_nothing(
    qtbot: QtBot,
    workbench: Workbench,
    coded: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kari = _copy(coded, tmp_path, "Kari", ("ta ansvar", "Tillit/Ansvar"))
    dialog = _dialog(qtbot, workbench, [kari])
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=20_000)
    start = merge_dialog.BackgroundTask.start

    def cancelled_at_once(task: merge_dialog.BackgroundTask) -> None:
        task.cancel()  # as if the lead pressed Cancel before the first step was done
        start(task)

    monkeypatch.setattr(merge_dialog.BackgroundTask, "start", cancelled_at_once)
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: "cancelled" in dialog.status_label.text(), timeout=20_000)

    assert not dialog.merged and dialog.merge_button.isEnabled()
    assert len(queries.codings(coded)) == 1 and workbench.stack.count() == 0
    assert "Tillit/Ansvar" not in queries.paths(coded).values()


def test_a_file_that_is_no_project_is_explained(
    qtbot: QtBot, workbench: Workbench, coded: Project, tmp_path: Path, warnings: list[str]
) -> None:
    notes = tmp_path / "notater.tillit"
    notes.write_text("Ikke et prosjekt.", encoding="utf-8")
    dialog = _dialog(qtbot, workbench, [notes])
    qtbot.waitUntil(lambda: bool(warnings), timeout=20_000)

    assert warnings == [
        "“notater.tillit” is not a Tillit project: it is another kind of file, or it is damaged."
    ]
    assert not dialog.merged and not dialog.isVisible()


def test_the_entry_point_asks_for_files_and_says_whether_it_merged(
    qtbot: QtBot,
    workbench: Workbench,
    coded: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ola = _copy(coded, tmp_path, "Ola", ("bruke skjønn 😀", "Tillit/Skjønn"))
    chosen: list[list[str]] = [[], [str(ola)]]
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *_args: (chosen.pop(0), "Tillit projects")
    )

    def run(dialog: MergeDialog) -> int:
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.merged, timeout=20_000)
        return 1

    monkeypatch.setattr(MergeDialog, "exec", run)
    assert merge_projects(workbench, workbench.window) is False  # nothing chosen
    assert merge_projects(workbench, workbench.window) is True
    assert len(queries.codings(coded)) == 2
