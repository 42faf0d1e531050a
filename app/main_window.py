"""The main window: documents on the left, the text with its codings, and the code tree."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, QSettings, Qt
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QIcon,
    QKeySequence,
    QPixmap,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
)

from app.document_list import DocumentListModel
from app.text_offsets import OffsetMap
from coding import queries
from coding.errors import UserError
from coding.project import Project

PROJECT_FILTER = "Tillit projects (*.tillit)"


class MainWindow(QMainWindow):
    """A window on one open project."""

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self._settings = settings
        self.project: Project | None = None
        self.setWindowTitle("Tillit")
        self.resize(1200, 760)

        self.documents = DocumentListModel()
        self.document_view = QTableView()
        self.document_view.setModel(self.documents)
        self.document_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.document_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.document_view.verticalHeader().hide()
        _stretch_first_column(self.document_view.horizontalHeader())
        self.document_view.setWordWrap(False)
        self.document_view.selectionModel().selectionChanged.connect(
            self._on_documents_selection_changed
        )

        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setPlaceholderText("Choose a document on the left to read it.")

        self.code_tree = QTreeWidget()
        self.code_tree.setHeaderLabels(["Code", "Codings"])
        _stretch_first_column(self.code_tree.header())

        splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.document_view, self.text_view, self.code_tree):
            splitter.addWidget(widget)
        splitter.setSizes([320, 600, 280])
        self.setCentralWidget(splitter)

        self._project_label = QLabel()
        self._coder_label = QLabel()
        self.statusBar().addWidget(self._project_label)
        self.statusBar().addPermanentWidget(self._coder_label)
        self._build_menu()

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (
            ("&New project…", QKeySequence.StandardKey.New, self._on_new_triggered),
            ("&Open project…", QKeySequence.StandardKey.Open, self._on_open_triggered),
            ("&Quit", QKeySequence.StandardKey.Quit, self.close),
        ):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)

    def open_project(self, path: Path) -> None:
        """Open ``path`` (closing the current project); raises a researcher-facing error."""
        if self.project is not None and self.project.path == path.resolve():
            return
        project = Project.open(path)
        self.close_project()
        self.project = project
        self._settings.setValue("project/last", str(project.path))
        overview = queries.overview(project)
        self.documents.set_documents(overview.documents)
        self._fill_code_tree(overview.code_tree)
        self.setWindowTitle(f"{project.path.stem} – Tillit")
        self._project_label.setText(f"Project: {project.path}")
        self._coder_label.setText(f"Coder: {project.current_coder().name}")
        if overview.documents:
            self.document_view.selectRow(0)

    def close_project(self) -> None:
        if self.project is not None:
            self.project.close()
            self.project = None
        self.documents.set_documents([])
        self.code_tree.clear()
        self.text_view.clear()

    def _fill_code_tree(self, nodes: list[queries.CodeNode]) -> None:
        self.code_tree.clear()

        def add(parent: QTreeWidget | QTreeWidgetItem, node: queries.CodeNode) -> None:
            item = QTreeWidgetItem([node.code.name, str(node.codings)])
            pixmap = QPixmap(14, 14)
            pixmap.fill(QColor(node.code.color))
            item.setIcon(0, QIcon(pixmap))
            item.setToolTip(0, node.code.brief_definition or node.path)
            if isinstance(parent, QTreeWidget):
                parent.addTopLevelItem(item)
            else:
                parent.addChild(item)
            for child in node.children:
                add(item, child)

        for node in nodes:
            add(self.code_tree, node)
        self.code_tree.expandAll()

    def show_document(self, document_id: int) -> None:
        assert self.project is not None
        document = queries.document(self.project, document_id)
        self.text_view.setPlainText(document.text)
        offsets = OffsetMap(document.text)
        selections = []
        for coding in queries.document_codings(self.project, document_id):
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text_view.document())
            cursor.setPosition(offsets.to_qt(coding.start))
            cursor.setPosition(offsets.to_qt(coding.end), QTextCursor.MoveMode.KeepAnchor)
            char_format = QTextCharFormat()
            color = QColor(coding.code_color)
            color.setAlpha(140)
            char_format.setBackground(QBrush(color))
            char_format.setToolTip(f"{coding.code_name} ({coding.coder_name})")
            selection.cursor = cursor
            selection.format = char_format
            selections.append(selection)
        self.text_view.setExtraSelections(selections)

    def _on_documents_selection_changed(
        self, selected: QItemSelection, _old: QItemSelection
    ) -> None:
        indexes = selected.indexes()
        if indexes:
            self.show_document(self.documents.document_at(indexes[0].row()).id)

    def _on_new_triggered(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "New project", "", PROJECT_FILTER)
        if not name:
            return
        try:
            Project.create(Path(name)).close()
            self.open_project(Path(name).with_suffix(".tillit"))
        except UserError as exc:
            QMessageBox.warning(self, "New project", str(exc))

    def _on_open_triggered(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if not name:
            return
        try:
            self.open_project(Path(name))
        except UserError as exc:
            QMessageBox.warning(self, "Open project", str(exc))

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self.close_project()
        super().closeEvent(event)  # type: ignore[arg-type]


def _stretch_first_column(header: QHeaderView) -> None:
    """Names take the room; the small columns fit their contents."""
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
