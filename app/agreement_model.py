"""The agreement table as a Qt model: one row for the pooled codes, then one per code in
codebook order, with its statistics, group α and how many passages the coders differ in."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import QApplication
from typing_extensions import override

from app.code_tree.swatch import swatch_icon
from coding.agreement import AgreementReport, CodeAgreement, Statistics
from coding.agreement_report import (
    UNDEFINED,
    Measure,
    figure,
    level_of,
    statistic,
    why_undefined,
)
from coding.disagreements import Disagreements
from coding.project import PATH_SEPARATOR

#: The columns: their headers, and what each means.
COLUMNS = (
    ("Code", "The code; the first row pools every codable code"),
    (
        "% agreement",
        "Percent agreement: the share of pairs of values that agree. Text the coders left "
        "uncoded counts as agreement too, so it is high wherever most text is uncoded.",
    ),
    (
        "% specific agreement",
        "Agreement on coded text only: 2a / (2a + b + c), a the units both coders coded, b "
        "and c the units only one of them coded (pooled over pairs of coders)",
    ),
    ("Cohen’s κ", "Cohen’s kappa: agreement beyond chance, for exactly two coders"),
    ("Krippendorff’s α", "Krippendorff’s alpha for nominal data, for any number of coders"),
    ("Units", "The units (characters or paragraphs) with values from two or more coders"),
    ("Group α", "α over which of the code’s direct subcodes each coder applied"),
    ("Passages", "The passages where the coders differ: choose a code to walk through them"),
)
#: The columns of the statistics, in order from column 1.
_MEASURES = (Measure.PERCENT, Measure.SPECIFIC, Measure.KAPPA, Measure.ALPHA)
SPECIFIC_COLUMN = 2
KAPPA_COLUMN = 3
ALPHA_COLUMN = 4
UNITS_COLUMN = 5
GROUP_COLUMN = 6
PASSAGES_COLUMN = 7
_INDENT = "    "  # per level of the code tree


class AgreementTableModel(QAbstractTableModel):
    """An :class:`AgreementReport` with the passages of its :class:`Disagreements`.

    An undefined statistic shows :data:`UNDEFINED`, with a tooltip that says why; a folder's
    own statistics and the group α of a code without subcodes do not apply and stay empty.
    """

    def __init__(self) -> None:
        super().__init__()
        self.report: AgreementReport | None = None
        self._found: Disagreements | None = None
        self._colors: dict[int, str] = {}
        self._rows: dict[int, int] = {}

    def set_report(
        self, report: AgreementReport | None, found: Disagreements | None, colors: dict[int, str]
    ) -> None:
        self.beginResetModel()
        self.report, self._found, self._colors = report, found, colors
        codes = report.codes if report else ()
        self._rows = {code.code_id: row for row, code in enumerate(codes, start=1)}
        self.endResetModel()

    def code_at(self, row: int) -> CodeAgreement | None:
        """The code of a row; ``None`` for the pooled row."""
        if self.report is None or row < 1:
            return None
        return self.report.codes[row - 1]

    def code(self, code_id: int) -> CodeAgreement | None:
        row = self._rows.get(code_id)
        return self.code_at(row) if row is not None else None

    def row_of(self, code_id: int) -> int | None:
        return self._rows.get(code_id)

    def path_of(self, code_id: int) -> str:
        code = self.code(code_id)
        return code.path if code else ""

    def color_of(self, code_id: int) -> str:
        return self._colors.get(code_id, "#f4c430")

    def passages(self, row: int) -> int:
        """How many passages the coders differ in: for a code, or (row 0) for all."""
        if self._found is None:
            return 0
        code = self.code_at(row)
        return self._found.total if code is None else self._found.count(code.code_id)

    def differs(self, row: int) -> bool:
        """Whether the row's code has passages where the coders differ, or its children do
        (the pooled row always shows)."""
        code = self.code_at(row)
        if code is None:
            return True
        if self.passages(row):
            return True
        below = code.path + PATH_SEPARATOR
        return any(
            other.path.startswith(below) and self.passages(self._rows[other.code_id])
            for other in self.report.codes  # type: ignore[union-attr]
        )

    @override
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid() or self.report is None:
            return 0
        return len(self.report.codes) + 1

    @override
    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1]
        return None

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or self.report is None:
            return None
        row, column = index.row(), index.column()
        code = self.code_at(row)
        text = self._text(code, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(code, column, text)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and column == 0 and code is not None:
            return swatch_icon(self.color_of(code.code_id), code.codable)
        if role == Qt.ItemDataRole.FontRole and code is None:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and text == UNDEFINED:
            return QBrush(QApplication.palette().color(QPalette.ColorRole.PlaceholderText))
        return None

    def _text(self, code: CodeAgreement | None, column: int) -> str:
        assert self.report is not None
        if column == 0:
            if code is None:
                return f"All codes (pooled, {self.report.pooled_codes:,})"
            return _INDENT * level_of(code) + code.path.rsplit(PATH_SEPARATOR, 1)[-1]
        if column == PASSAGES_COLUMN:
            count = self.passages(0 if code is None else self._rows[code.code_id])
            return "" if code is not None and not code.codable else f"{count:,}"
        if column == GROUP_COLUMN:
            if code is None or not code.children:
                return ""
            return figure(code.group_alpha, Measure.GROUP_ALPHA)
        if code is not None and not code.codable:
            return ""  # a folder is not applied itself
        statistics = self._statistics(code)
        if column == UNITS_COLUMN:
            return f"{statistics.units:,}"
        return figure(statistic(statistics, _MEASURES[column - 1]), _MEASURES[column - 1])

    def _tip(self, code: CodeAgreement | None, column: int, text: str) -> str | None:
        assert self.report is not None
        if column == 0:
            if code is None:
                return "Every (unit, code) pair of the codable codes as one decision"
            return code.path if code.codable else f"{code.path} (a folder: see its group α)"
        if text != UNDEFINED:
            return None
        coders = len(self.report.coders)
        units = self._statistics(code).units
        measure = Measure.GROUP_ALPHA if column == GROUP_COLUMN else _MEASURES[column - 1]
        return f"Undefined. {why_undefined(measure, units, coders)}"

    def _statistics(self, code: CodeAgreement | None) -> Statistics:
        assert self.report is not None
        return self.report.overall if code is None else code.statistics
