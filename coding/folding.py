"""Folding text for matching: case and diacritics ignored, Nordic letters spelled out."""

from __future__ import annotations

import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "ł": "l"})


def fold(text: str) -> str:
    """``text`` for comparison: "Skjønn", "SKJONN" and "skjønn" all fold to "skjonn"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.translate(_LETTERS)
