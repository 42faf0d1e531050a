"""Inter-coder agreement: the statistics per code for the chosen coders, unit and documents,
and the passages where the coders differ on a code, walked one by one with each coder's
version side by side, to accept one into the consensus coding or open it in the viewer.

The statistics and the passages are computed on a worker thread when the view is shown and
after every edit that changes codings, so a large project never stalls the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from app.agreement_model import KAPPA_COLUMN, AgreementTableModel
from app.background import BackgroundTask
from app.passage_walker import PassageWalker
from app.workbench import Workbench
from coding import queries
from coding.agreement import AgreementReport, Coverage, Unit, agreement
from coding.agreement_report import export_agreement, methods_sentence
from coding.changes import Changes
from coding.disagreements import (
    CONSENSUS_CODER,
    AcceptVersion,
    Disagreements,
    Passage,
    coders_with_codings,
    consensus_version,
    disagreements,
)
from coding.errors import UserError

REPORT_FILTERS = "Word document (*.docx);;Excel workbook (*.xlsx)"
_UNITS: tuple[tuple[Unit, str, str], ...] = (
    ("character", "Characters", "Every character is a unit: boundaries count"),
    ("paragraph", "Paragraphs", "Every paragraph or speaker turn is a unit"),
)
_COVERAGES: tuple[tuple[Coverage, str, str], ...] = (
    (
        "pairable",
        "Documents coded by two or more",
        "Every document at least two of the chosen coders coded; a coder who did not code a "
        "document is missing there (not disagreeing)",
    ),
    (
        "common",
        "Only documents coded by all",
        "Only the documents every chosen coder coded: a smaller sample",
    ),
)
#: What the two kinds of agreement count, under the table.
LEGEND = (
    "% agreement counts every unit, including text the coders agree in leaving uncoded, so "
    "it is high wherever most text is uncoded; % specific agreement counts only text at "
    "least one of them coded: 2a / (2a + b + c)."
)


@dataclass(frozen=True, slots=True)
class _Computed:
    """What the worker thread found for one choice of coders, unit and documents."""

    report: AgreementReport
    found: Disagreements
    colors: dict[int, str]


class AgreementView(QWidget):
    """The agreement table and the walk through the passages where coders differ."""

    #: A computation finished and its result (or its error) is on screen.
    computed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workbench: Workbench | None = None
        self._task: BackgroundTask | None = None
        self._generation = 0
        self._again = False
        self._stale = False
        self._behind = False  # its tab is behind another's: see set_behind
        self._texts: dict[int, str] = {}
        self._passages: tuple[Passage, ...] = ()
        self._index = 0
        self._code_id: int | None = None
        self._restoring = False
        self.report: AgreementReport | None = None
        self.found: Disagreements | None = None
        self.model = AgreementTableModel()
        self._coder_boxes: dict[str, QCheckBox] = {}
        self._coders_row = QHBoxLayout()
        self._coders_row.setContentsMargins(0, 0, 0, 0)
        self.unit_combo = _combo(_UNITS)
        self.coverage_combo = _combo(_COVERAGES)
        self.differing_only = QCheckBox("Only codes where coders differ")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write the agreement table to Word or Excel")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = _agreement_table(self.model)
        self.legend = QLabel(LEGEND)
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.PlainText)
        self.legend.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.legend.hide()  # until there is a table to explain
        self.walker = PassageWalker()
        self._lay_out()
        self._connect()
        self._show_state()

    def _lay_out(self) -> None:
        statistics = QWidget()
        column = QVBoxLayout(statistics)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.table, 1)
        column.addWidget(self.legend)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(statistics)
        splitter.addWidget(self.walker)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        top = QHBoxLayout()
        top.addWidget(QLabel("Coders:"))
        top.addLayout(self._coders_row)
        top.addSpacing(12)
        top.addWidget(self.unit_combo)
        top.addWidget(self.coverage_combo)
        top.addWidget(self.differing_only)
        top.addStretch(1)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.unit_combo.currentIndexChanged.connect(self._on_options_changed)
        self.coverage_combo.currentIndexChanged.connect(self._on_options_changed)
        self.differing_only.toggled.connect(self._hide_agreeing_rows)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.walker.moved.connect(self._on_walker_moved)
        self.walker.accepted.connect(self.accept)
        self.walker.opened.connect(self.open_passage)
        self.walker.consensus_edit.editingFinished.connect(self._on_consensus_edited)

    # --- the panel's protocol -------------------------------------------------------------

    def set_workbench(self, workbench: Workbench | None) -> None:
        self._workbench = workbench
        self._generation += 1
        self.report, self.found, self._texts = None, None, {}
        self._code_id = None
        self.model.set_report(None, None, {})
        name = CONSENSUS_CODER
        if workbench is not None:
            saved = workbench.settings.value(workbench.settings_key("agreement/consensus"))
            name = str(saved) if saved else CONSENSUS_CODER
        self.walker.consensus_edit.setText(name)
        self._offer_coders(reset=True)
        self._show_code(None)
        self._stale = workbench is not None
        if self._stale and self._on_screen():
            self.compute()
        self._show_state()

    def refresh(self, changes: Changes) -> None:
        """Compute again after an edit of codings, documents or codes (when shown; else
        when next shown). Every edit of codings names their documents; a memo's does not."""
        if self._workbench is None:
            return
        if changes.structural or changes.documents:
            self._texts = {}
            self._offer_coders(reset=False)
            self._stale = True
            if self._on_screen():
                self.compute()

    def set_behind(self, behind: bool) -> None:
        """Its tab was put behind another (True) or brought forward (False): a tab behind
        another computes nothing until it is brought forward, since a computation reads the
        whole project and an edit's save waits for reads."""
        self._behind = behind
        if self._stale and self._on_screen():
            self.compute()

    # --- computing ------------------------------------------------------------------------

    def offered_coders(self) -> list[str]:
        """The coders with codings, each with a box to tick."""
        return list(self._coder_boxes)

    def chosen_coders(self) -> list[str]:
        return [name for name, box in self._coder_boxes.items() if box.isChecked()]

    def set_coders(self, names: Sequence[str]) -> None:
        """Tick exactly ``names`` (those offered) and compute again."""
        for name, box in self._coder_boxes.items():
            box.blockSignals(True)
            box.setChecked(name in names)
            box.blockSignals(False)
        self._on_options_changed()

    def compute(self) -> None:
        """Compute the statistics and passages for the chosen options on a worker thread;
        :attr:`computed` is emitted when they are on screen."""
        if self._workbench is None:
            return
        if self._task is not None:  # one at a time: the newest choice runs next
            self._again = True
            return
        coders = self.chosen_coders()
        if len(coders) < 2:
            self._generation += 1
            self._show_result(None, _too_few(len(self._coder_boxes)))
            self.computed.emit()
            return
        self._stale = False
        self._generation += 1
        generation = self._generation
        project = self._workbench.project
        unit: Unit = self.unit_combo.currentData()
        coverage: Coverage = self.coverage_combo.currentData()

        def work(_progress: object) -> _Computed:
            report = agreement(project, coders=coders, unit=unit, coverage=coverage)
            colors = {code.id: code.color for code in queries.codes(project)}
            return _Computed(report, disagreements(project, report), colors)

        self._task = BackgroundTask(work)
        self._task.signals.finished.connect(lambda result: self._on_task_done(generation, result))
        self._task.signals.failed.connect(lambda error: self._on_task_done(generation, error))
        self.summary.setText("Computing the agreement…")
        self._task.start()

    def _on_task_done(self, generation: int, outcome: object) -> None:
        self._task = None
        if self._again:
            self._again = False
            self.compute()
            return
        if generation != self._generation:
            return  # a project closed or options changed meanwhile
        if isinstance(outcome, _Computed):
            self._show_result(outcome, "")
        elif isinstance(outcome, UserError):
            self._show_result(None, str(outcome))
        else:
            raise outcome  # type: ignore[misc]  # a bug: the application's error hook shows it
        self.computed.emit()

    def _show_result(self, result: _Computed | None, problem: str) -> None:
        code_id = self._code_id
        self.report = result.report if result else None
        self.found = result.found if result else None
        self._restoring = True  # the table's selection follows, not leads, from here
        self.model.set_report(self.report, self.found, result.colors if result else {})
        two = self.report is not None and len(self.report.coders) == 2
        self.table.setColumnHidden(KAPPA_COLUMN, not two)  # κ compares exactly two coders
        self.legend.setVisible(self.report is not None)
        self.summary.setText(problem or (methods_sentence(self.report) if self.report else ""))
        self._hide_agreeing_rows()
        row = self.model.row_of(code_id) if code_id is not None else None
        if row is not None and not self.table.isRowHidden(row):
            self.table.selectRow(row)
        self._restoring = False
        self._show_code(code_id if row is not None else None, keep_place=True)
        self._show_state()

    # --- walking the passages -------------------------------------------------------------

    def show_code(self, code_id: int | None) -> None:
        """Walk the passages of ``code_id`` from the first (select it in the table)."""
        row = self.model.row_of(code_id) if code_id is not None else None
        if row is None:
            self.table.clearSelection()
            self._show_code(None)
        else:
            self.table.selectRow(row)  # selecting shows it

    def go_to(self, index: int) -> None:
        """Show passage ``index`` (from 0) of the current code."""
        if self._passages:
            self._index = max(0, min(index, len(self._passages) - 1))
            self._show_passage()

    def current_passage(self) -> Passage | None:
        return self._passages[self._index] if self._passages else None

    def accept(self, coder_index: int) -> bool:
        """Accept the version of the coder in column ``coder_index`` of the current passage
        into the consensus coding, as one undoable edit."""
        passage = self.current_passage()
        if self._workbench is None or passage is None:
            return False
        version = passage.versions[coder_index]
        command = AcceptVersion(
            self._workbench.project,
            passage.document_id,
            passage.code_id,
            version.spans,
            coder=self.consensus_name(),
            replace=(passage.start, passage.end),
            source=version.coder,
        )
        done = self._workbench.run(command)
        self._show_passage()
        return done

    def open_passage(self) -> None:
        """Open the current passage in the document viewer."""
        passage = self.current_passage()
        if self._workbench is not None and passage is not None:
            self._workbench.events.document_requested.emit(
                passage.document_id, passage.start, passage.end
            )

    def consensus_name(self) -> str:
        return self.walker.consensus_edit.text().strip() or CONSENSUS_CODER

    def _show_code(self, code_id: int | None, *, keep_place: bool = False) -> None:
        self._code_id = code_id
        self._passages = self.found.of(code_id) if self.found and code_id is not None else ()
        self._index = min(self._index, len(self._passages) - 1) if keep_place else 0
        self._index = max(self._index, 0)
        self._show_passage()

    def _show_passage(self) -> None:
        passage = self.current_passage()
        if self._workbench is None or passage is None or self.report is None:
            self.walker.show_nothing(self._nothing_to_walk())
            return
        text = self._text(passage.document_id)
        consensus = consensus_version(self._workbench.project, passage, self.consensus_name())
        self.walker.show_passage(
            passage,
            text,
            path=self.model.path_of(passage.code_id),
            color=self.model.color_of(passage.code_id),
            place=(self._index, len(self._passages)),
            consensus=consensus,
        )

    def _nothing_to_walk(self) -> str:
        if self.report is None:
            return ""
        code = self.model.code(self._code_id) if self._code_id is not None else None
        if code is None:
            return "Choose a code to walk through the passages where the coders differ."
        if not code.codable:
            return f"“{code.path}” is a folder; choose one of its codes."
        return f"The coders agree throughout on “{code.path}”."

    def _text(self, document_id: int) -> str:
        if document_id not in self._texts and self._workbench is not None:
            self._texts[document_id] = queries.document(self._workbench.project, document_id).text
        return self._texts.get(document_id, "")

    # --- exporting ------------------------------------------------------------------------

    def export_to(self, path: Path) -> bool:
        """Write the table on screen to ``path`` (.docx or .xlsx); False when it could not."""
        if self.report is None or self._workbench is None:
            return False
        try:
            export_agreement(self.report, path, project_name=self._workbench.project.info().name)
        except UserError as exc:
            QMessageBox.warning(self, "Export the agreement table", str(exc))
            return False
        self.summary.setText(f"“{path.name}” is written. {methods_sentence(self.report)}")
        return True

    def _on_export_button_clicked(self) -> None:
        if self._workbench is None or self.report is None:
            return
        project = self._workbench.project.path
        suggested = project.with_name(f"{project.stem} – agreement.docx")
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export the agreement table", str(suggested), REPORT_FILTERS
        )
        if name:
            path = Path(name)
            if path.suffix.lower() not in (".docx", ".xlsx"):
                path = path.with_name(path.name + (".xlsx" if "xlsx" in chosen else ".docx"))
            self.export_to(path)

    # --- the rest -------------------------------------------------------------------------

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and self._on_screen():
            self.compute()

    def _offer_coders(self, *, reset: bool) -> None:
        """One box per coder with codings; new coders are ticked, except the consensus."""
        names = coders_with_codings(self._workbench.project) if self._workbench else []
        ticked = {name for name, box in self._coder_boxes.items() if box.isChecked()}
        offered = set(self._coder_boxes)
        if not reset and names == list(self._coder_boxes):
            return
        for box in self._coder_boxes.values():
            self._coders_row.removeWidget(box)
            box.deleteLater()
        self._coder_boxes = {}
        for name in names:
            box = QCheckBox(name)
            new = reset or name not in offered
            box.setChecked(name in ticked or (new and name != self.consensus_name()))
            box.toggled.connect(self._on_options_changed)
            self._coders_row.addWidget(box)
            self._coder_boxes[name] = box

    def _on_options_changed(self, *_: object) -> None:
        self._stale = True
        if self._on_screen():
            self.compute()

    def _on_screen(self) -> bool:
        return self.isVisible() and not self._behind

    def _on_consensus_edited(self) -> None:
        if self._workbench is not None:
            key = self._workbench.settings_key("agreement/consensus")
            self._workbench.settings.setValue(key, self.consensus_name())
        self._show_passage()

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._restoring:
            return
        code = self.model.code_at(current.row()) if current.isValid() else None
        self._show_code(code.code_id if code is not None else None)

    def _on_walker_moved(self, step: int) -> None:
        self.go_to(self._index + step)

    def _hide_agreeing_rows(self, *_: object) -> None:
        only = self.differing_only.isChecked()
        for row in range(self.model.rowCount()):
            self.table.setRowHidden(row, only and not self.model.differs(row))

    def _show_state(self) -> None:
        has_project = self._workbench is not None
        self.setEnabled(has_project)
        self.export_button.setEnabled(self.report is not None)
        if not has_project:
            self.summary.setText("No project is open.")
            self.walker.show_nothing("")


def _too_few(coders: int) -> str:
    if coders < 2:
        who = "nobody has coded" if coders == 0 else "only one coder has coded"
        return (
            f"Agreement compares the codings of two or more coders; {who} in this project. "
            "Merge the coders’ projects into it first."
        )
    return "Tick two or more coders to compare."


def _combo(choices: Sequence[tuple[str, str, str]]) -> QComboBox:
    combo = QComboBox()
    for value, label, tip in choices:
        combo.addItem(label, value)
        combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
    return combo


def _agreement_table(model: AgreementTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    metrics = header.fontMetrics()
    for column in range(1, model.columnCount()):
        label = str(model.headerData(column, Qt.Orientation.Horizontal))
        header.resizeSection(column, max(metrics.horizontalAdvance(label) + 24, 72))
    rows = table.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
    return table
