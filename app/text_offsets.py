"""The one place where Python string positions and Qt's UTF-16 positions are converted.

Tillit stores code points ("a😀b": ``b`` at 2); Qt counts UTF-16 units (``b`` at 3).
"""

from __future__ import annotations

import re
from bisect import bisect_right

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class OffsetMap:
    """Converts positions in one text between code points and UTF-16 units in O(log n)."""

    def __init__(self, text: str) -> None:
        # Code-point positions of the characters outside the Basic Multilingual Plane.
        self._astral = [match.start() for match in _ASTRAL.finditer(text)]
        # Their UTF-16 positions, each one unit further than the code-point count says.
        self._astral_utf16 = [i + n for n, i in enumerate(self._astral)]

    def to_qt(self, position: int) -> int:
        """The UTF-16 position of code point ``position``."""
        return position + bisect_right(self._astral, position - 1)

    def from_qt(self, position: int) -> int:
        """The code-point position of UTF-16 ``position`` (inside a surrogate pair: its start)."""
        return position - bisect_right(self._astral_utf16, position - 1)
