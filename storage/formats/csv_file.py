"""Writing tables to CSV for R, Stata and SPSS: UTF-8, a header row, RFC 4180 quoting."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from storage.formats.staged_file import staged_write

#: What a cell holds: text, a number, or nothing (an empty field, read as missing).
CsvCell = str | int | float | None


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[CsvCell]]) -> None:
    """Write a header row and ``rows`` to ``path`` as CSV, replacing any file there.

    UTF-8 without a byte order mark (R's ``read.csv`` would otherwise put the mark into the
    first column's name), commas between fields, CRLF after each record, and RFC 4180 quoting:
    a field is put in double quotes when it holds a comma, a quote or a line break (the
    ``\\n`` inside a passage stays in its field), and quotes inside are doubled. Integers are
    written as such, other numbers in Python's shortest exact form (``0.1``, ``54.5``),
    ``True`` and ``False`` as 1 and 0, and ``None`` as an empty field. The file is written
    beside ``path`` and then moved into place, so a failure, or an exception raised while
    ``rows`` is read, leaves no half-written file.

    Raises :class:`StorageError` when the file cannot be written.
    """
    with staged_write(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows([_field(value) for value in row] for row in rows)
        text.flush()
        text.detach()  # the stream stays open for staged_write, which closes it


def _field(value: CsvCell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
