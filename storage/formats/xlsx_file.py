"""Writing tables to Excel workbooks (.xlsx): a bold header row, frozen panes, text kept as text."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage.errors import StorageError
from storage.staging import remove_stale, staging_path

#: What a cell holds: text, a number, or nothing.
Cell = str | int | float | None

#: The most characters Excel keeps in one cell.
MAX_CELL_TEXT = 32_767
_TITLE_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\"})


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: a header row and rows below it.

    The first ``label_columns`` columns label the rows (a matrix's codes): they stay in view
    with the header when the sheet scrolls. ``widths`` are column widths in characters.
    """

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    label_columns: int = 0
    widths: Sequence[float] = ()
    wrap: bool = False  # wrap long text in the cells below the header


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to a new workbook at ``path``, replacing any file there.

    Text is stored as text even where it starts with ``=`` (never as a formula); characters
    that XML cannot hold (control characters) are dropped, and text beyond Excel's 32,767
    characters a cell is cut. The workbook is written beside ``path`` first and then moved
    into place, so a failed export, or an exception raised while ``rows`` is read (a
    cancelled export), leaves no half-written file.

    Raises :class:`StorageError` when the file cannot be written (a folder that is not
    there, no permission, the file open in another program, a full disk).
    """
    remove_stale(path.parent)
    partial = staging_path(path)
    try:
        with partial.open("wb") as stream:  # opened first: a refusal comes before any work
            workbook = Workbook(write_only=True)
            try:
                for sheet in sheets:
                    _write_sheet(workbook.create_sheet(_sheet_title(sheet.title)), sheet)
            except BaseException:  # openpyxl's sheet writers fail noisily when merely dropped
                for worksheet in workbook.worksheets:
                    worksheet.close()
                raise
            workbook.save(stream)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        reason = exc.strerror or type(exc).__name__
        raise StorageError(
            f"Tillit could not write “{path.name}” ({reason}); if it is open in another "
            "program, close it there and export again."
        ) from exc
    except BaseException:  # a cancelled export, say: leave nothing half-written behind
        partial.unlink(missing_ok=True)
        raise


def _write_sheet(worksheet: WriteOnlyWorksheet, sheet: Sheet) -> None:
    for index, width in enumerate(sheet.widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = f"{get_column_letter(sheet.label_columns + 1)}2"
    bold = Font(bold=True)
    header = []
    for title in sheet.header:
        cell = _cell(worksheet, title)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    wrapped = Alignment(wrap_text=True, vertical="top") if sheet.wrap else None
    for row in sheet.rows:
        cells = []
        for column, value in enumerate(row):
            cell = _cell(worksheet, value)
            if column < sheet.label_columns:
                cell.font = bold
            elif wrapped is not None and isinstance(value, str):
                cell.alignment = wrapped
            cells.append(cell)
        worksheet.append(cells)


def _cell(worksheet: WriteOnlyWorksheet, value: Cell) -> WriteOnlyCell:
    if not isinstance(value, str):
        return WriteOnlyCell(worksheet, value=value)
    cell = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT])
    cell.data_type = "s"  # "=1+1" in a transcript is text, not a formula
    return cell


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: none of ``[]:*?/\\``, at most 31 characters, not empty."""
    cleaned = " ".join(title.translate(_TITLE_FORBIDDEN).split()).strip("'")
    return cleaned[:31] or "Sheet"
