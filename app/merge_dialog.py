"""File → Merge projects…: bring coders' projects into the open one.

The lead chooses the coders' ``.tillit`` files; they are read on a worker thread; when their
codebooks differ from this one, the codebook merge's review table shows how each code will
merge; the merge runs on a worker thread with progress (cancelling leaves the project as it
was); and a report says what matched, what is new and what was left out, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.background import BackgroundTask, Progress
from app.merge_report_html import report_html
from app.merge_review_model import (
    MergeReviewModel,
    ReviewFilterModel,
    Show,
    explain,
    set_up_review_table,
)
from app.undo import push_done
from app.workbench import Workbench
from coding.changes import Changes
from coding.errors import UserError
from coding.project_merge import (
    MergeCancelledError,
    MergePlan,
    MergeProjects,
    prepare_merge,
)

#: The files the lead can choose.
PROJECT_FILTER = "Tillit projects (*.tillit)"


def merge_projects(workbench: Workbench, parent: QWidget | None = None) -> bool:
    """Ask for coders' projects and merge them into the open project; True if merged.

    The merge is one step on the undo stack; the dialog ends with its report.
    """
    folder = str(workbench.project.path.parent)
    names, _ = QFileDialog.getOpenFileNames(
        parent, "Merge coders' projects into this one", folder, PROJECT_FILTER
    )
    if not names:
        return False
    dialog = MergeDialog(workbench, [Path(name) for name in names], parent)
    dialog.start()
    dialog.exec()
    return dialog.merged


class _Page(IntEnum):
    READING = 0
    REVIEW = 1
    REPORT = 2


class MergeDialog(QDialog):
    """Read the chosen projects, review their codebooks if they differ, merge, and report."""

    def __init__(
        self, workbench: Workbench, paths: list[Path], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workbench = workbench
        self.paths = paths
        self.plan: MergePlan | None = None
        self.command: MergeProjects | None = None
        self.merged = False
        self.outcome = ""  # one line for the main window's status bar
        self._task: BackgroundTask | None = None
        self._models: list[tuple[MergeReviewModel, ReviewFilterModel]] = []
        self.setWindowTitle("Merge projects")
        self.resize(1180, 720)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._reading_page())
        self.pages.addWidget(self._review_page())
        self.pages.addWidget(self._report_page())
        self.progress = QProgressBar()
        self.progress.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.merge_button = QPushButton("&Merge")
        self.merge_button.setToolTip("Merge as the table shows, as one step that Undo takes back")
        self.close_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        for button in (self.merge_button, self.close_button):
            button.setAutoDefault(False)  # Return commits a cell's edit, never the merge
        self.merge_button.clicked.connect(self._on_merge_button_clicked)
        self.close_button.clicked.connect(self._on_close_button_clicked)
        self._show_heading()

    # --- pages ---------------------------------------------------------------------------

    def _reading_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.reading_label = QLabel()
        self.reading_label.setWordWrap(True)
        self.reading_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.reading_label, 1)
        return page

    def _review_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "The codebooks differ. Check how each incoming code will merge into this codebook: "
            "double-click an Action or a Target to change it. Codings follow their code; a code "
            "that several of the projects add is added once."
        )
        intro.setWordWrap(True)
        self.source_combo = QComboBox()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by incoming code or target…")
        self.filter_edit.setClearButtonEnabled(True)
        self.show_combo = QComboBox()
        for show in Show:
            self.show_combo.addItem(show.value, show)
        self.differing_check = QCheckBox("Only codes that are not the same code here")
        self.differing_check.setToolTip(
            "Hide the codes with the same GUID, or the same name under the same parent, here"
        )
        self.differing_check.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Codebook of:"))
        row.addWidget(self.source_combo)
        row.addWidget(self.filter_edit, 1)
        row.addWidget(QLabel("Show:"))
        row.addWidget(self.show_combo)
        row.addWidget(self.differing_check)
        self.table = QTableView()
        self.details = QTextBrowser()
        self.details.setMaximumHeight(100)
        self.details.setPlaceholderText("Select a row to see what the merge does with it.")
        self.summary_label = QLabel()
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.summary_label)
        self.source_combo.currentIndexChanged.connect(self._on_source_combo_current_index_changed)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.show_combo.currentIndexChanged.connect(self._on_filter_edit_text_changed)
        self.differing_check.toggled.connect(self._on_filter_edit_text_changed)
        return page

    def _report_page(self) -> QWidget:
        self.report_view = QTextBrowser()
        self.report_view.setOpenExternalLinks(False)
        self.report_view.document().setDefaultStyleSheet(
            "h3 { margin: 14px 0 4px 0; } p, li { margin: 0 0 3px 0; } "
            ".warn { color: #8a5a00; } .muted { color: #666666; }"
        )
        return self.report_view

    def _show_heading(self, verb: str = "Merging") -> None:
        names = ", ".join(f"<b>{escape(path.name)}</b>" for path in self.paths)
        into = escape(self.workbench.project.path.name)
        self.heading.setText(f"{verb} {names} into <b>{into}</b>.")

    # --- reading -------------------------------------------------------------------------

    def start(self) -> None:
        """Read the chosen projects on a worker thread; then review or merge."""
        project, paths = self.workbench.project, list(self.paths)
        self.pages.setCurrentIndex(_Page.READING)
        self.reading_label.setText(
            "Reading the projects from copies (the files themselves are not changed)…"
        )
        self.merge_button.setEnabled(False)
        self._run(
            lambda progress: prepare_merge(project, paths, _in_steps(progress, "Reading")),
            self._on_read,
        )

    def _on_read(self, plan: object) -> None:
        assert isinstance(plan, MergePlan)
        self.plan = plan
        if not plan.needs_review():
            self.merge()  # every code is the same code here: nothing to decide
            return
        self._models = []
        self.source_combo.clear()
        for source in plan.sources:
            model = MergeReviewModel()
            model.set_review(source.review)
            model.dataChanged.connect(self._show_summary)
            self._models.append((model, ReviewFilterModel(model)))
            self.source_combo.addItem(source.incoming.name)
        self.source_combo.setEnabled(len(plan.sources) > 1)
        first = next(i for i, source in enumerate(plan.sources) if source.needs_review())
        self.source_combo.setCurrentIndex(first)
        self._on_source_combo_current_index_changed(first)
        self.pages.setCurrentIndex(_Page.REVIEW)
        self.merge_button.setEnabled(True)
        self.status_label.setText("Nothing changes until you merge.")

    def _on_source_combo_current_index_changed(self, index: int) -> None:
        if not 0 <= index < len(self._models):
            return
        model, proxy = self._models[index]
        set_up_review_table(self.table, model, proxy)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self._on_filter_edit_text_changed()
        self._show_summary()

    def _on_filter_edit_text_changed(self, *_: object) -> None:
        index = self.source_combo.currentIndex()
        if 0 <= index < len(self._models):
            proxy = self._models[index][1]
            proxy.set_needle(self.filter_edit.text())
            proxy.set_show(Show(self.show_combo.currentData()))
            proxy.set_differing_only(self.differing_check.isChecked())

    def _show_details(self) -> None:
        index = self.source_combo.currentIndex()
        current = self.table.currentIndex()
        if not 0 <= index < len(self._models) or not current.isValid():
            self.details.clear()
            return
        model, proxy = self._models[index]
        row = model.record_at(proxy.mapToSource(current).row())
        assert model.review is not None
        self.details.setHtml(explain(row, model.review))

    def _show_summary(self) -> None:
        if self.plan is None:
            return
        parts = [
            f"{escape(source.incoming.name)}: {escape(source.review.summary())}"
            for source in self.plan.sources
        ]
        self.summary_label.setText("; ".join(parts) + ".")
        self._show_details()

    # --- merging -------------------------------------------------------------------------

    def _on_merge_button_clicked(self) -> None:
        self.merge()

    def merge(self) -> None:
        """Merge the plan as reviewed, on a worker thread."""
        assert self.plan is not None
        command = MergeProjects(self.workbench.project, self.plan)
        self.command = command
        self.merge_button.setEnabled(False)
        self.table.setEnabled(False)

        def work(progress: Progress) -> Changes:
            command.progress = _in_steps(progress, "Merging")
            return command.do()

        self._run(work, self._on_merged)

    def _on_merged(self, changes: object) -> None:
        assert isinstance(changes, Changes) and self.command is not None
        command, workbench = self.command, self.workbench
        command.progress = None
        push_done(command, changes, workbench.stack, workbench.events, workbench.window)
        self.merged = True
        report = command.report
        assert report is not None
        self.outcome = f"{command.label}: {report.summary()}. Edit ▸ Undo takes it back."
        self.report_view.setHtml(report_html(report))
        self._show_heading("Merged")
        self.pages.setCurrentIndex(_Page.REPORT)
        self.merge_button.hide()
        self.close_button.setText("Close")
        self.status_label.setText("The merge is done.")

    # --- the worker ----------------------------------------------------------------------

    def _run(self, work: Callable[[Progress], object], done: Callable[[object], None]) -> None:
        """Run ``work`` on a worker thread, showing its progress; then ``done(result)``."""
        task = BackgroundTask(work)
        task.signals.progressed.connect(self._on_task_progressed)
        task.signals.finished.connect(lambda result: self._finished(done, result))
        task.signals.failed.connect(self._on_task_failed)
        self._task = task
        self.progress.setRange(0, 0)
        self.progress.show()
        self.close_button.setText("Cancel")
        task.start()

    def _finished(self, done: Callable[[object], None], result: object) -> None:
        self._task = None
        self.progress.hide()
        done(result)

    def _on_task_progressed(self, done: int, total: int, label: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.status_label.setText(label)

    def _on_task_failed(self, error: object) -> None:
        self._task = None
        self.progress.hide()
        self.table.setEnabled(True)
        if isinstance(error, MergeCancelledError):
            self.status_label.setText(str(error))
        elif isinstance(error, UserError):
            QMessageBox.warning(self, "Merge projects", str(error))
            self.status_label.setText(
                "Nothing was merged." if self.plan is None else "Nothing was merged; try again."
            )
        else:
            raise error  # type: ignore[misc]  # a bug: the application's error hook shows it
        if self.plan is None or not self.plan.needs_review():
            self.reject()  # nothing to go back to
            return
        self.merge_button.setEnabled(True)

    def _on_close_button_clicked(self) -> None:
        if self.merged:
            self.accept()
        else:
            self.reject()

    @override
    def reject(self) -> None:
        """Cancel the work under way (the dialog stays until it has stopped), or close."""
        if self._task is not None:
            self._task.cancel()
            self.status_label.setText("Cancelling…")
            return
        super().reject()


def _in_steps(progress: Progress, what: str) -> Callable[[int, int], bool]:
    """The domain's ``progress(done, total)`` shown with a label."""
    return lambda done, total: progress(done, total, f"{what}… {done:,} of {total:,} steps")
