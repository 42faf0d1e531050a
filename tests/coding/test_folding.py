"""Folding for filters and name matching."""

from __future__ import annotations

import pytest

from coding.folding import fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Skjønn", "skjonn"),
        ("SKJØNN", "skjonn"),
        ("Ærlighet", "aerlighet"),
        ("Tillitsbåret", "tillitsbaret"),
        ("Élan", "elan"),
        ("straße", "strasse"),
    ],
)
def test_fold_ignores_case_and_diacritics(text: str, folded: str) -> None:
    assert fold(text) == folded
