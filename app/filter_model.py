"""The one way Tillit's filter proxies refilter their rows when their own settings change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QSortFilterProxyModel

#: Qt 6.10 added ``endFilterChange()`` and deprecated ``invalidateRowsFilter()``; the oldest Qt
#: that Tillit admits (pyproject.toml) has only the latter, so use whichever this Qt has.
_HAS_FILTER_CHANGE = hasattr(QSortFilterProxyModel, "endFilterChange")


class RowFilterModel(QSortFilterProxyModel):
    """A proxy whose ``filterAcceptsRow`` reads settings of its own (a search text, a kind)."""

    @contextmanager
    def changing_row_filter(self) -> Iterator[None]:
        """Wrap a change to those settings: the rows shown follow it when the block ends."""
        if _HAS_FILTER_CHANGE:
            self.beginFilterChange()
            try:
                yield
            finally:
                self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            try:
                yield
            finally:
                self.invalidateRowsFilter()
