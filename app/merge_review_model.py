"""The review table of a codebook merge: its model, filter and editors."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, IntEnum
from html import escape
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QCompleter,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)
from typing_extensions import override

from app.code_tree.swatch import swatch_icon
from app.filter_model import RowFilterModel
from app.record_table import RecordTableModel
from coding.codebook_exchange import CODEBOOK_SOURCES, HEADINGS
from coding.codebook_matching import How, pair_score
from coding.codebook_merge import CARRIED_FIELDS, Action, MergeReview, MergeRow
from coding.folding import fold

#: The threshold slider re-matches this long after it stops moving.
REMATCH_DELAY_MS = 150

#: Sorting: numbers for the score, folded text for the rest.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

_NO_COLOUR = "#9e9e9e"
_CONFLICT_BACKGROUND = QColor("#ffedc2")
QDC_FILTER = "REFI-QDA codebooks (*.qdc)"
SOURCE_FILTER = (
    "Codebooks and projects (" + " ".join(f"*{s}" for s in CODEBOOK_SOURCES) + ");;"
    "REFI-QDA codebooks (*.qdc);;REFI-QDA projects (*.qdpx);;Tillit projects (*.tillit)"
)


class Column(IntEnum):
    INCOMING = 0
    ACTION = 1
    TARGET = 2
    HOW = 3
    SCORE = 4
    WHY = 5
    TAKE = 6
    REVIEW = 7


_HEADERS = (
    ("Incoming code", "The code in the codebook you are bringing in, with its path there"),
    ("Action", "What happens to the incoming code. Double-click to change it."),
    (
        "Target",
        "The code of this project it merges into (double-click to choose another), "
        "or, in grey, where a new code will be added",
    ),
    ("How", "How the match was found, or “your choice” when you set it"),
    ("Score", "How similar the two are, from 0 to 100"),
    ("Why", "What was compared to find the match"),
    (
        "Take incoming\ndefinition",
        "Replace this project's definition fields with the incoming ones. "
        "Unticked, only empty fields are filled in.",
    ),
    ("Review", "Differences to look at before you apply the merge"),
)

ACTION_TEXTS = {Action.MERGE: "Merge into", Action.NEW: "Add as new", Action.SKIP: "Skip"}
HOW_TEXTS = {
    How.UUID: "same GUID",
    How.EXACT: "same name",
    How.FUZZY: "similar name",
    How.PATH: "similar path",
}
CHOSEN = "your choice"
FIELD_TITLES = dict(HEADINGS)  # a field's title, by its key


class Show(Enum):
    """The rows the filter combo lets through."""

    ALL = "All codes"
    MATCHED = "Matched"
    NEW = "New"
    REVIEW = "To review"
    SKIPPED = "Skipped"


class MergeReviewModel(RecordTableModel[MergeRow]):
    """The rows of a merge review; editing a row records the lead's choice in the review.

    Nothing here touches the project: the review is a draft until the dialog applies it.
    """

    headers = tuple(title for title, _ in _HEADERS)

    def __init__(self) -> None:
        super().__init__()
        self.review: MergeReview | None = None
        # The lead's choices by incoming index, kept when the threshold changes the proposal.
        self._choices: dict[int, tuple[Action, int | None]] = {}
        self._takes: dict[int, bool] = {}

    def set_review(self, review: MergeReview | None) -> None:
        """Show a new review; the lead's choices are forgotten."""
        self.beginResetModel()
        self.review = review
        self._rows = list(review.rows) if review is not None else []
        self._choices.clear()
        self._takes.clear()
        self.endResetModel()

    def replace_review(self, review: MergeReview) -> None:
        """Show a new proposal for the same incoming codebook, with the lead's choices on top."""
        for index, (action, target_id) in self._choices.items():
            if action is not Action.MERGE or target_id in review.codes:
                review.set_action(review.rows[index], action, target_id)
        for index, take in self._takes.items():
            row = review.rows[index]
            if row.action is Action.MERGE:
                row.take_incoming = take
        self.review = review
        self._rows = list(review.rows)
        self._all_changed()

    def is_chosen(self, row: MergeRow) -> bool:
        return row.incoming.index in self._choices

    def target_text(self, row: MergeRow) -> str:
        if self.review is None:
            return ""
        if row.action is Action.MERGE and row.target_id is not None:
            return self.review.paths[row.target_id]
        if row.action is Action.NEW:
            return self.review.destination_path(row)
        return ""

    # --- reading --------------------------------------------------------------------------

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return _HEADERS[section][1]
        return super().headerData(section, orientation, role)

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or self.review is None:
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.EditRole:
            return row.action.value if column is Column.ACTION else row.target_id
        if role == SORT_ROLE:
            if column is Column.SCORE:
                return row.score if row.action is Action.MERGE else -1.0
            return fold(self._text(row, column))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(row, column)
        if role == Qt.ItemDataRole.CheckStateRole and column is Column.TAKE:
            if row.action is Action.MERGE:
                return Qt.CheckState.Checked if row.take_incoming else Qt.CheckState.Unchecked
            return None
        if role == Qt.ItemDataRole.BackgroundRole and row.conflicts:
            return _CONFLICT_BACKGROUND
        if role == Qt.ItemDataRole.ForegroundRole and (
            row.action is Action.SKIP or (column is Column.TARGET and row.action is Action.NEW)
        ):
            return QApplication.palette().color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        if (
            role == Qt.ItemDataRole.FontRole
            and column is Column.TARGET
            and row.action is Action.NEW
        ):
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.SCORE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: MergeRow, column: Column) -> str:
        merged = row.action is Action.MERGE
        if column is Column.INCOMING:
            return row.incoming.path
        if column is Column.ACTION:
            return ACTION_TEXTS[row.action]
        if column is Column.TARGET:
            return self.target_text(row)
        if column is Column.HOW:
            if merged:
                return HOW_TEXTS[row.how] if row.how is not None else CHOSEN
            return CHOSEN if self.is_chosen(row) else ""
        if column is Column.SCORE:
            return f"{row.score:.0f}" if merged else ""
        if column is Column.WHY:
            if merged:
                return row.basis
            return "" if self.is_chosen(row) or row.action is Action.SKIP else "no similar code"
        if column is Column.REVIEW:
            return "; ".join(sentence(conflict.detail) for conflict in row.conflicts)
        return ""

    def _tooltip(self, row: MergeRow, column: Column) -> str | None:
        assert self.review is not None
        if column is Column.INCOMING:
            spec = row.incoming.spec
            brief = spec.definitions.get("brief_definition", "")
            lines = [row.incoming.path, spec.alt_name, brief]
            return "\n".join(line for line in lines if line)
        if column is Column.TARGET:
            if row.action is Action.NEW:
                return f"A new code will be added as “{self.target_text(row)}”"
            return self.target_text(row) or None
        if column is Column.REVIEW and row.conflicts:
            return explain(row, self.review)
        if column is Column.WHY and row.action is Action.MERGE:
            return f"Score {row.score:.0f} of 100, comparing {row.basis}"
        return None

    def _icon(self, row: MergeRow, column: Column) -> QIcon | None:
        if column is Column.INCOMING:
            spec = row.incoming.spec
            return swatch_icon(spec.color or _NO_COLOUR, spec.codable)
        if column is Column.REVIEW and row.conflicts:
            style = QApplication.style()
            return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return None

    # --- editing --------------------------------------------------------------------------

    @override
    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        row = self._rows[index.row()]
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        merged = row.action is Action.MERGE
        column = index.column()
        if column == Column.ACTION or (column == Column.TARGET and merged):
            return base | Qt.ItemFlag.ItemIsEditable
        if column == Column.TAKE:
            if merged:
                return base | Qt.ItemFlag.ItemIsUserCheckable
            return Qt.ItemFlag.ItemIsSelectable
        return base

    @override
    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = 0
    ) -> bool:
        if not index.isValid() or self.review is None:
            return False
        row = self._rows[index.row()]
        column = index.column()
        if column == Column.TAKE and role == Qt.ItemDataRole.CheckStateRole:
            if row.action is not Action.MERGE:
                return False
            row.take_incoming = Qt.CheckState(value) == Qt.CheckState.Checked
            self._takes[row.incoming.index] = row.take_incoming
            self.dataChanged.emit(index, index)
            return True
        if role != Qt.ItemDataRole.EditRole:
            return False
        if column == Column.ACTION:
            action = Action(str(value))
            target = self._default_target(row) if action is Action.MERGE else None
            if action is Action.MERGE and target is None:
                return False  # the project has no codes to merge into
            return self.choose(row, action, target)
        if column == Column.TARGET and isinstance(value, int) and value in self.review.codes:
            return self.choose(row, Action.MERGE, value)
        return False

    def choose(self, row: MergeRow, action: Action, target_id: int | None = None) -> bool:
        """Record the lead's choice for ``row`` and show its effect on every row."""
        assert self.review is not None
        self.review.set_action(row, action, target_id)
        proposed = row.proposal[0]
        if (action is Action.MERGE and target_id == proposed) or (
            action is Action.NEW and proposed is None
        ):
            self._choices.pop(row.incoming.index, None)  # back to what matching proposed
        else:
            self._choices[row.incoming.index] = (action, target_id)
        if action is not Action.MERGE:
            self._takes.pop(row.incoming.index, None)
        self._all_changed()
        return True

    def _default_target(self, row: MergeRow) -> int | None:
        """The code a row merges into when the lead turns it to "Merge into"."""
        assert self.review is not None
        if row.target_id is not None:
            return row.target_id
        if row.proposal[0] is not None:
            return row.proposal[0]
        codes = self.review.codes.values()
        best = max(codes, key=lambda code: pair_score(row.incoming.spec, code)[0], default=None)
        return best.id if best is not None else None

    def _all_changed(self) -> None:
        # A parent's action changes its children's destinations and conflicts.
        if self._rows:
            last = self.index(len(self._rows) - 1, len(Column) - 1)
            self.dataChanged.emit(self.index(0, 0), last)


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def explain(row: MergeRow, review: MergeReview) -> str:
    """Rich text for the details pane: what applying does with ``row`` and what differs."""
    incoming = f"<b>{escape(row.incoming.path)}</b>"
    if row.action is Action.SKIP:
        return f"<p>{incoming} is left out.</p>"
    if row.action is Action.NEW or row.target_id is None:
        where = escape(review.destination_path(row))
        return f"<p>{incoming} will be added as a new code: <b>{where}</b>.</p>"
    ours = review.codes[row.target_id]
    how = HOW_TEXTS[row.how] if row.how is not None else CHOSEN
    fill = (
        "The incoming definition replaces this project's."
        if row.take_incoming
        else "Only the fields that are empty here are filled in from the incoming code."
    )
    parts = [
        f"<p>{incoming} merges into <b>{escape(review.paths[row.target_id])}</b> "
        f"({how}, score {row.score:.0f}, comparing {escape(row.basis)}). {fill}</p>",
        *(f"<p>⚠ {escape(sentence(conflict.detail))}.</p>" for conflict in row.conflicts),
    ]
    spec = row.incoming.spec
    for key in CARRIED_FIELDS:
        theirs = spec.alt_name if key == "alt_name" else spec.definitions.get(key, "")
        here = str(getattr(ours, key))
        if theirs.strip() and here.strip() and " ".join(theirs.split()) != " ".join(here.split()):
            parts.append(
                f"<p><b>{FIELD_TITLES[key]}</b><br>"
                f"<i>Here:</i> {escape(here)}<br><i>Incoming:</i> {escape(theirs)}</p>"
            )
    return "".join(parts)


class ReviewFilterModel(RowFilterModel):
    """Rows whose incoming path or target contains the filter text, of the kind shown."""

    def __init__(self, model: MergeReviewModel) -> None:
        super().__init__()
        self._model = model
        self._needle = ""
        self._show = Show.ALL
        self._differing_only = False
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)

    def set_needle(self, text: str) -> None:
        with self.changing_row_filter():
            self._needle = fold(text.strip())

    def set_show(self, show: Show) -> None:
        with self.changing_row_filter():
            self._show = show

    def set_differing_only(self, differing_only: bool) -> None:
        """Hide the codes that are simply the same code here (same GUID, or same name under
        the same parent, and nothing to review)."""
        with self.changing_row_filter():
            self._differing_only = differing_only

    @override
    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        row = self._model.record_at(source_row)
        if not _SHOWS[self._show](row) or (self._differing_only and _same_code(row)):
            return False
        if not self._needle:
            return True
        return self._needle in fold(row.incoming.path) or self._needle in fold(
            self._model.target_text(row)
        )


def _same_code(row: MergeRow) -> bool:
    return row.action is Action.MERGE and row.how in (How.UUID, How.EXACT) and not row.conflicts


_SHOWS: dict[Show, Callable[[MergeRow], bool]] = {
    Show.ALL: lambda row: True,
    Show.MATCHED: lambda row: row.action is Action.MERGE,
    Show.NEW: lambda row: row.action is Action.NEW,
    Show.REVIEW: lambda row: bool(row.conflicts),
    Show.SKIPPED: lambda row: row.action is Action.SKIP,
}


def set_up_review_table(
    table: QTableView, model: MergeReviewModel, proxy: ReviewFilterModel
) -> None:
    """Show ``proxy`` in ``table`` with the review's editors, editing keys, tree order until a
    header is clicked, and column widths that leave the paths the room."""
    table.setModel(proxy)
    table.setItemDelegate(ReviewDelegate(model, table))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.SelectedClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
    )
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.setSortingEnabled(True)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    widths = {Column.ACTION: 92, Column.HOW: 92, Column.SCORE: 58, Column.WHY: 110}
    for column, width in (widths | {Column.TAKE: 112, Column.REVIEW: 240}).items():
        table.setColumnWidth(column, width)
    for column in (Column.INCOMING, Column.TARGET):  # paths take what the dialog can spare
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


class ReviewDelegate(QStyledItemDelegate):
    """Combo boxes for the Action cell and the Target cell (searchable, over every code)."""

    def __init__(self, model: MergeReviewModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model

    @override
    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.column() in (Column.INCOMING, Column.TARGET):  # paths: keep the code's name
            option.textElideMode = Qt.TextElideMode.ElideLeft

    @override
    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        review = self._model.review
        combo = QComboBox(parent)
        if index.column() == Column.ACTION:
            for action, text in ACTION_TEXTS.items():
                if action is not Action.MERGE or (review is not None and review.codes):
                    combo.addItem(text, action.value)
        else:
            paths = review.paths if review is not None else {}
            for code_id, path in sorted(paths.items(), key=lambda item: fold(item[1])):
                combo.addItem(path, code_id)
                combo.setItemData(combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(combo.model(), combo)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            combo.setCompleter(completer)
            line = combo.lineEdit()
            if line is not None:
                line.setPlaceholderText("Type part of a code's path")
            completer.activated.connect(lambda *_: self._commit(combo))
        combo.activated.connect(lambda _index: self._commit(combo))
        return combo

    @override
    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        found = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        if found >= 0:
            editor.setCurrentIndex(found)
        line = editor.lineEdit()
        if line is not None:
            line.selectAll()

    @override
    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        assert isinstance(editor, QComboBox)
        found = editor.findText(editor.currentText(), Qt.MatchFlag.MatchFixedString)
        if editor.isEditable() and found < 0:
            return  # typed text that is no code's path: leave the row as it was
        value = editor.itemData(found if found >= 0 else editor.currentIndex())
        if value != index.data(Qt.ItemDataRole.EditRole):
            model.setData(index, value, Qt.ItemDataRole.EditRole)

    def _commit(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo, QAbstractItemDelegate.EndEditHint.NoHint)
