"""The main window: documents, the viewer, the code tree, segments, memos and definitions."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QWidget,
)
from typing_extensions import override

from app.actions import ActionId, build_actions
from app.agreement_view import AgreementView
from app.code_tree.code_panel import CodePanel
from app.code_tree.definition_panel import DefinitionPanel
from app.codebook_dialog import CodebookDialog
from app.coding_controller import CodingController
from app.copy_dialog import save_copy_for_coder
from app.document_panel import DocumentPanel
from app.events import ProjectEvents
from app.export_dialog import ExportDialog
from app.import_runner import ImportRunner
from app.memo_panel import MemoPanel
from app.merge_dialog import merge_projects
from app.query_panel import QueryPanel, choose_code
from app.refi_dialog import export_qdpx, import_qdpx
from app.search_keeper import SearchKeeper
from app.search_panel import SearchPanel
from app.segments_panel import SegmentsPanel
from app.speaker_coding_dialog import code_speaker_turns
from app.viewer.document_view import DocumentView
from app.workbench import Workbench
from coding import queries
from coding.autocode import AutoCode, Unit
from coding.changes import Changes
from coding.coders import SetCurrentCoder
from coding.errors import UserError
from coding.importing import SUPPORTED_SUFFIXES
from coding.project import Project
from coding.records import MemoTarget, ParagraphRecord
from coding.search import SearchHit

PROJECT_FILTER = "Tillit projects (*.tillit)"
TRANSCRIPT_FILTER = "Transcripts (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ")"
RECENT_LIMIT = 8

#: The lists and counts follow an edit this long after the text shows it, so that a burst of
#: codings repaints the highlight at once and refreshes the lists once.
REFRESH_DELAY_MS = 80


class MainWindow(QMainWindow):
    """A window on one open project (or none)."""

    #: The check of an opened project's file has finished (emitted on the check's thread).
    _checked = Signal(object)

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.project: Project | None = None
        self.workbench: Workbench | None = None
        self.stack = QUndoStack(self)
        self.events = ProjectEvents(self)
        self._paragraphs: list[ParagraphRecord] = []
        self._paragraph_starts: list[int] = []
        self._imports: list[ImportRunner] = []
        self.keeper: SearchKeeper | None = None
        self._pending = Changes()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.flush_refresh)
        self._checked.connect(self._on_checked, Qt.ConnectionType.QueuedConnection)
        self.setWindowTitle("Tillit")
        self.resize(1400, 880)

        self.viewer = DocumentView()
        self.documents = DocumentPanel()
        self.codes = CodePanel()
        self.definitions = DefinitionPanel()
        self.segments = SegmentsPanel()
        self.memos = MemoPanel()
        self.search = SearchPanel()
        self.queries = QueryPanel()
        self.agreement = AgreementView()
        self.setCentralWidget(self.viewer)
        self._docks = self._build_docks()

        self.actions_by_id = build_actions(self, self.stack)
        self.coding = CodingController(
            self.viewer,
            self.codes,
            self.memos,
            self,
            lambda text: self.statusBar().showMessage(text, 5000),
        )
        self._project_label = QLabel()
        self._coder_label = QLabel()
        self._position_label = QLabel()
        self._index_progress = QProgressBar()
        self._build_status_bar()
        self._build_menus()
        self._connect()
        self._restore_layout()
        self._set_workbench(None)

    # --- building -------------------------------------------------------------------------

    def _build_docks(self) -> dict[str, QDockWidget]:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        docks = {
            "documents": self._dock("Documents", self.documents, left),
            "codes": self._dock("Codes", self.codes, right),
            "definition": self._dock("Code definition", self.definitions, right),
            "segments": self._dock("Coded segments", self.segments, bottom),
            "memo": self._dock("Memo", self.memos, bottom),
            "search": self._dock("Search", self.search, bottom),
            "queries": self._dock("Queries and matrices", self.queries, bottom),
            "agreement": self._dock("Agreement", self.agreement, bottom),
        }
        self.splitDockWidget(docks["codes"], docks["definition"], Qt.Orientation.Vertical)
        self.splitDockWidget(docks["segments"], docks["memo"], Qt.Orientation.Horizontal)
        self.tabifyDockWidget(docks["segments"], docks["search"])
        self.tabifyDockWidget(docks["search"], docks["queries"])
        self.tabifyDockWidget(docks["queries"], docks["agreement"])
        docks["agreement"].visibilityChanged.connect(
            lambda visible: self.agreement.set_behind(not visible)
        )
        docks["segments"].raise_()
        return docks

    def _build_status_bar(self) -> None:
        self.statusBar().addWidget(self._project_label, 1)
        self._index_progress.setMaximumWidth(220)
        self._index_progress.setFormat("Indexing for search… %p%")
        self._index_progress.hide()
        self.statusBar().addPermanentWidget(self._index_progress)
        self.statusBar().addPermanentWidget(self._position_label)
        self.statusBar().addPermanentWidget(self._coder_label)

    def _panels(
        self,
    ) -> tuple[
        DocumentPanel,
        CodePanel,
        DefinitionPanel,
        SegmentsPanel,
        MemoPanel,
        QueryPanel,
        AgreementView,
    ]:
        """The panels that follow the open project and its edits on their own."""
        return (
            self.documents,
            self.codes,
            self.definitions,
            self.segments,
            self.memos,
            self.queries,
            self.agreement,
        )

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        a = self.actions_by_id
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([a[ActionId.NEW_PROJECT], a[ActionId.OPEN_PROJECT]])
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addSeparator()
        file_menu.addAction(a[ActionId.IMPORT_DOCUMENTS])
        file_menu.addAction(a[ActionId.EXPORT])
        file_menu.addSeparator()
        file_menu.addActions([a[ActionId.IMPORT_PROJECT], a[ActionId.EXPORT_PROJECT]])
        file_menu.addSeparator()
        file_menu.addAction(a[ActionId.SAVE_COPY_FOR_CODER])
        file_menu.addSeparator()
        file_menu.addAction(a[ActionId.QUIT])
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([a[ActionId.UNDO], a[ActionId.REDO]])
        edit_menu.addSeparator()
        edit_menu.addActions([a[ActionId.FIND_IN_DOCUMENT], a[ActionId.FIND_IN_PROJECT]])
        edit_menu.addSeparator()
        edit_menu.addAction(a[ActionId.CHANGE_CODER])
        code_menu = self.menuBar().addMenu("&Code")
        coding_actions = [a[ActionId.CODE_SELECTION], a[ActionId.CODE_IN_VIVO]]
        code_menu.addActions(coding_actions)
        code_menu.addActions([a[ActionId.REMOVE_CODING_AT_CURSOR], a[ActionId.MEMO_AT_CURSOR]])
        code_menu.addSeparator()
        code_menu.addActions(self.codes.actions())
        code_menu.addSeparator()
        code_menu.addAction(a[ActionId.CODE_SPEAKER_TURNS])
        code_menu.addSeparator()
        code_menu.addAction(a[ActionId.CODEBOOK_DIALOG])
        code_menu.addAction(a[ActionId.CODING_QUERY])
        team_menu = self.menuBar().addMenu("&Team")
        team_menu.addAction(a[ActionId.MERGE_PROJECTS])
        team_menu.addAction(a[ActionId.AGREEMENT])
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addActions(
            [a[ActionId.FOCUS_DOCUMENTS], a[ActionId.FOCUS_TEXT], a[ActionId.FOCUS_CODES]]
        )
        view_menu.addSeparator()
        for dock in self._docks.values():
            view_menu.addAction(dock.toggleViewAction())
        self.viewer.set_context_actions(coding_actions)
        self._fill_recent_menu()

    def _connect(self) -> None:
        a = self.actions_by_id
        a[ActionId.NEW_PROJECT].triggered.connect(self._on_new_triggered)
        a[ActionId.OPEN_PROJECT].triggered.connect(self._on_open_triggered)
        a[ActionId.IMPORT_DOCUMENTS].triggered.connect(self._on_import_triggered)
        a[ActionId.QUIT].triggered.connect(self.close)
        a[ActionId.CODE_SELECTION].triggered.connect(self.coding.code_selection)
        a[ActionId.CODE_IN_VIVO].triggered.connect(self.coding.code_in_vivo)
        a[ActionId.REMOVE_CODING_AT_CURSOR].triggered.connect(self.coding.remove_coding_at_cursor)
        a[ActionId.MEMO_AT_CURSOR].triggered.connect(self.coding.memo_at_cursor)
        a[ActionId.CODEBOOK_DIALOG].triggered.connect(self._on_codebook_triggered)
        a[ActionId.FOCUS_DOCUMENTS].triggered.connect(lambda: self._focus("documents"))
        a[ActionId.FOCUS_CODES].triggered.connect(lambda: self._focus("codes"))
        a[ActionId.FOCUS_TEXT].triggered.connect(self.viewer.text_view().setFocus)
        a[ActionId.FIND_IN_DOCUMENT].triggered.connect(
            lambda: self._find(self.search.find_in_document)
        )
        a[ActionId.FIND_IN_PROJECT].triggered.connect(
            lambda: self._find(self.search.find_in_project)
        )
        self.search.hit_activated.connect(self.show_document_at)
        self.search.code_hits_requested.connect(self._on_search_code_hits_requested)
        a[ActionId.CODING_QUERY].triggered.connect(self._on_coding_query_triggered)
        a[ActionId.EXPORT].triggered.connect(self._on_export_triggered)
        a[ActionId.CHANGE_CODER].triggered.connect(self._on_change_coder_triggered)
        a[ActionId.AGREEMENT].triggered.connect(lambda: self._raise("agreement"))
        a[ActionId.MERGE_PROJECTS].triggered.connect(self._on_merge_projects_triggered)
        a[ActionId.IMPORT_PROJECT].triggered.connect(lambda: import_qdpx(self, self._open_or_warn))
        a[ActionId.EXPORT_PROJECT].triggered.connect(self._on_export_project_triggered)
        a[ActionId.CODE_SPEAKER_TURNS].triggered.connect(self._on_code_speaker_turns_triggered)
        a[ActionId.SAVE_COPY_FOR_CODER].triggered.connect(self._on_save_copy_triggered)
        self.events.changed.connect(self._on_events_changed)
        self.documents.document_chosen.connect(self.show_document)
        self.documents.files_dropped.connect(self.import_files)
        self.codes.current_code_changed.connect(self._on_codes_current_code_changed)
        self.segments.segment_activated.connect(self.show_document_at)
        self.events.document_requested.connect(self.show_document_at)
        self.viewer.cursor_moved.connect(self._on_viewer_cursor_moved)
        self.viewer.coding_clicked.connect(self._on_viewer_coding_clicked)

    # --- projects -------------------------------------------------------------------------

    def open_project(self, path: Path) -> None:
        """Open ``path`` instead of the current project; raises a researcher-facing error."""
        if self.project is not None and self.project.path == path.resolve():
            return
        project = Project.open(path)
        self.close_project()
        self.project = project
        self._remember(project.path)
        try:
            self._set_workbench(Workbench(project, self.stack, self.events, self, self.settings))
            first = self.documents.model.rowCount() and self.documents.model.document_at(0).id
            if first:
                self.documents.select_document(first)
        except UserError:  # a read found the file damaged before its check did
            self.close_project()
            raise
        project.when_checked(lambda: self._checked.emit(project))

    def _on_checked(self, project: Project) -> None:
        """The check of every page, begun on opening, has finished: a damaged project is
        closed (nothing was written to it) and the researcher told where its good copy is."""
        if project is not self.project:
            return
        try:
            project.verify()
        except UserError as exc:
            self.close_project()
            QMessageBox.warning(self, "Open project", str(exc))

    def close_project(self) -> None:
        if self.project is None:
            return
        self.memos.save()
        self._set_workbench(None)
        problems = self.project.close()  # every edit is saved; these came besides
        self.project = None
        if problems:
            QMessageBox.warning(self, "Tillit", " ".join(problems))

    def _set_workbench(self, workbench: Workbench | None) -> None:
        if self.keeper is not None:
            self.keeper.close()
            self.keeper.deleteLater()
            self.keeper = None
        self._index_progress.hide()
        if workbench is not None:
            self.keeper = SearchKeeper(workbench.project, self)
            self.keeper.building.connect(self._on_keeper_building)
            self.keeper.ready.connect(self._index_progress.hide)
        self.search.set_workbench(workbench, self.keeper)
        self._refresh_timer.stop()
        self._pending = Changes()
        self.workbench = workbench
        self.stack.clear()
        self.coding.workbench = workbench
        for panel in self._panels():
            panel.set_workbench(workbench)
        self.viewer.clear()
        self._paragraphs, self._paragraph_starts = [], []
        project = workbench.project if workbench else None
        reading = " (read-only)" if project is not None and project.read_only else ""
        self.setWindowTitle(f"{project.path.stem}{reading} – Tillit" if project else "Tillit")
        self._project_label.setText(
            f"Project: {project.path}{reading}" if project else "No project open"
        )
        self._show_coder()
        if self.keeper is not None:
            self.keeper.start()
        self._position_label.setText("")
        for action_id in (
            ActionId.IMPORT_DOCUMENTS, ActionId.CODE_SELECTION, ActionId.CODE_IN_VIVO,
            ActionId.REMOVE_CODING_AT_CURSOR, ActionId.MEMO_AT_CURSOR, ActionId.CODEBOOK_DIALOG,
            ActionId.SAVE_COPY_FOR_CODER,
        ):  # fmt: skip
            self.actions_by_id[action_id].setEnabled(workbench is not None)

    def _remember(self, path: Path) -> None:
        recent = [str(path)] + [p for p in self._recent() if p != str(path)]
        self.settings.setValue("project/recent", recent[:RECENT_LIMIT])
        self.settings.setValue("project/last", str(path))
        self._fill_recent_menu()

    def _recent(self) -> list[str]:
        value = self.settings.value("project/recent", [])
        if isinstance(value, str):  # QSettings returns a lone item as a string
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            action = QAction(Path(path).name, self.recent_menu)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self._open_or_warn(Path(p)))
            self.recent_menu.addAction(action)
        self.recent_menu.setEnabled(bool(self._recent()))

    def _open_or_warn(self, path: Path) -> None:
        try:
            self.open_project(path)
        except UserError as exc:
            QMessageBox.warning(self, "Open project", str(exc))

    # --- documents ------------------------------------------------------------------------

    def show_document(self, document_id: int) -> None:
        if self.project is None or document_id == self.viewer.document_id():
            return
        document = queries.document(self.project, document_id)
        self._paragraphs = queries.paragraphs(self.project, document_id)
        self._paragraph_starts = [p.start for p in self._paragraphs]
        spans = queries.document_codings(self.project, document_id)
        self.viewer.set_document(document_id, document.text, self._paragraphs, spans)
        self.segments.show_document(document_id)
        self.search.set_current_document(document_id)
        self.memos.show_memo(MemoTarget(document_id=document_id), f"the document “{document.name}”")

    def show_document_at(self, document_id: int, start: int, end: int) -> None:
        self.documents.select_document(document_id)
        self.show_document(document_id)
        if start >= 0:
            self.viewer.select_span(start, end)
            self.viewer.text_view().setFocus()

    def import_files(self, paths: list[Path]) -> ImportRunner | None:
        """Import files off the GUI thread, with a progress dialog that can be cancelled."""
        if self.workbench is None or not paths:
            return None
        runner = ImportRunner(self.workbench, paths)
        self._imports.append(runner)
        runner.finished.connect(lambda _ok, r=runner: self._imports.remove(r))
        runner.start()
        return runner

    # --- reacting to edits ----------------------------------------------------------------

    def _on_events_changed(self, changes: Changes) -> None:
        if self.project is None:
            return
        current = self.viewer.document_id()
        if current is not None:
            self._update_viewer(current, changes)
        if self.keeper is not None:
            self.keeper.project_changed(changes)
        self._pending = self._pending | changes
        self._refresh_timer.start()

    def _update_viewer(self, document_id: int, changes: Changes) -> None:
        """Show an edit's codings in the viewer, re-reading only what the edit touched."""
        assert self.project is not None
        if (
            changes.code_tree
            or changes.codes
            or (document_id in changes.documents and not changes.codings)
        ):
            self.viewer.update_spans(queries.document_codings(self.project, document_id))
        elif changes.codings:
            fresh = queries.document_codings(self.project, document_id, changes.codings)
            kept = [span for span in self.viewer.spans() if span.id not in changes.codings]
            if fresh or len(kept) != len(self.viewer.spans()):
                spans = sorted(kept + fresh, key=lambda s: (s.start, s.end, s.id))
                self.viewer.update_spans(spans)

    def flush_refresh(self) -> None:
        """Bring the lists, the code tree and the side panels up to date with recent edits."""
        self._refresh_timer.stop()
        changes, self._pending = self._pending, Changes()
        if self.project is None:
            return
        self._show_coder()  # an undone change of coder changes nothing else
        if changes == Changes():
            return
        for panel in (*self._panels(), self.search):
            panel.refresh(changes)
        current = self.viewer.document_id()
        if (
            changes.document_list
            and current is not None
            and self.documents.model.row_of(current) is None  # its import was undone
        ):
            self.viewer.clear()

    def _on_codes_current_code_changed(self, code_id: int) -> None:
        self.definitions.show_code(code_id if code_id >= 0 else None)
        if code_id >= 0:
            self.segments.show_code(code_id)

    def _on_viewer_coding_clicked(self, coding_id: int) -> None:
        span = next((s for s in self.viewer.spans() if s.id == coding_id), None)
        if span is not None:
            self.memos.show_memo(MemoTarget(coding_id=coding_id), f"the coding “{span.code_name}”")

    def _on_viewer_cursor_moved(self, position: int) -> None:
        if not self._paragraphs:
            self._position_label.setText(f"Character {position:,}")
            return
        index = max(0, bisect_right(self._paragraph_starts, position) - 1)
        paragraph = self._paragraphs[index]
        speaker = f" · {paragraph.speaker}" if paragraph.speaker else ""
        count = len(self._paragraphs)
        self._position_label.setText(
            f"Paragraph {index + 1:,} of {count:,}{speaker} · character {position:,}"
        )

    def _find(self, start: Callable[[], None]) -> None:
        self._docks["search"].show()
        self._docks["search"].raise_()
        start()

    def _on_keeper_building(self, done: int, total: int) -> None:
        self._index_progress.setRange(0, max(total, 1))
        self._index_progress.setValue(done)
        self._index_progress.setVisible(done < total)

    def _focus(self, name: str) -> None:
        self._docks[name].show()
        self._docks[name].raise_()
        (self.documents.table if name == "documents" else self.codes).setFocus()

    # --- menus ----------------------------------------------------------------------------

    def _on_new_triggered(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "New project", "", PROJECT_FILTER)
        if not name:
            return
        try:
            created = Project.create(Path(name))
            path = created.path
            created.close()
            self.open_project(path)
        except UserError as exc:
            QMessageBox.warning(self, "New project", str(exc))

    def _on_open_triggered(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if name:
            self._open_or_warn(Path(name))

    def _on_import_triggered(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import documents", "", TRANSCRIPT_FILTER)
        self.import_files([Path(n) for n in names])

    def _on_search_code_hits_requested(self, hits: list[SearchHit], unit: str) -> None:
        """Code every hit (or its paragraph or speaker turn) with a code the researcher
        chooses, as one undoable action."""
        if self.workbench is None or not hits:
            return
        what = {"hit": "each hit", "paragraph": "each hit’s paragraph", "turn": "each hit’s turn"}
        code_id = choose_code(
            self,
            queries.code_tree(self.workbench.project),
            f"Code {what[unit]} ({len(hits):,} hits) with",
            self.codes.current_code_id(),
        )
        if code_id is None:
            return
        spans = [(hit.document_id, hit.start, hit.end) for hit in hits]
        command = AutoCode(self.workbench.project, spans, Unit(unit), code_id=code_id)
        if self.workbench.run(command):
            self.statusBar().showMessage(f"{command.label}: done. Undo takes it back.", 8000)

    def _on_code_speaker_turns_triggered(self) -> None:
        if self.workbench is not None:
            code_speaker_turns(
                self.workbench, self.viewer.document_id(), self.codes.current_code_id()
            )

    def _on_export_project_triggered(self) -> None:
        if self.workbench is not None:
            export_qdpx(self.workbench, self)

    def _on_save_copy_triggered(self) -> None:
        if self.project is None:
            return
        self.memos.save()  # the memo being written goes into the copy too
        made = save_copy_for_coder(self.project, self)
        if made is not None:
            self.statusBar().showMessage(f"Saved a copy for a coder: {made}", 10000)

    def _on_merge_projects_triggered(self) -> None:
        if self.workbench is not None:
            merge_projects(self.workbench, self)

    def _on_change_coder_triggered(self) -> None:
        if self.workbench is None:
            return
        project = self.workbench.project
        names = [coder.name for coder in queries.coders(project)]
        current = project.current_coder().name
        name, chosen = QInputDialog.getItem(
            self,
            "Change coder",
            "New codings are credited to:",
            names,
            names.index(current) if current in names else 0,
            True,
        )
        if chosen and name.strip() not in ("", current):
            self.workbench.run(SetCurrentCoder(project, name))
            self._show_coder()

    def _show_coder(self) -> None:
        project = self.project
        self._coder_label.setText(f"Coder: {project.current_coder().name}" if project else "")

    def _on_export_triggered(self) -> None:
        if self.workbench is not None:
            ExportDialog(self.workbench, self, document_id=self.viewer.document_id()).exec()

    def _on_coding_query_triggered(self) -> None:
        self._raise("queries")

    def _raise(self, name: str) -> None:
        self._docks[name].show()
        self._docks[name].raise_()
        self._docks[name].widget().setFocus()

    def _on_codebook_triggered(self) -> None:
        if self.workbench is None:
            return
        dialog = CodebookDialog(self.workbench, self)
        if dialog.exec():
            self.statusBar().showMessage(dialog.outcome, 10000)

    # --- layout ---------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None and self.restoreState(state):
            return
        docks = self._docks
        self.resizeDocks(
            [docks["documents"], docks["codes"]], [330, 360], Qt.Orientation.Horizontal
        )
        self.resizeDocks([docks["segments"]], [250], Qt.Orientation.Vertical)
        self.resizeDocks([docks["codes"], docks["definition"]], [380, 300], Qt.Orientation.Vertical)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.close_project()
        super().closeEvent(event)
