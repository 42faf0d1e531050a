"""The current coder: changed, undone and redone; later codings credited to the new coder."""

from __future__ import annotations

import pytest

from coding import queries
from coding.coders import SetCurrentCoder
from coding.codings import ApplyCoding
from coding.errors import CodingError
from coding.project import Project


def test_a_new_coder_gets_the_codings_and_undo_puts_the_old_one_back(
    project: Project, document_id: int
) -> None:
    assert project.current_coder().name == "Kari"
    command = SetCurrentCoder(project, "  Ola Åsen ")
    command.do()
    assert project.current_coder().name == "Ola Åsen"
    coding = ApplyCoding(project, document_id, [(0, 4)], code_path="Tillit")
    coding.do()
    assert [c.coder_name for c in queries.codings(project)] == ["Ola Åsen"]
    coding.undo()
    command.undo()
    assert project.current_coder().name == "Kari"
    command.do()
    coding.do()  # redo finds the same coder
    assert [c.coder_name for c in queries.codings(project)] == ["Ola Åsen"]


def test_a_coder_needs_a_name(project: Project) -> None:
    with pytest.raises(CodingError):
        SetCurrentCoder(project, "   ").do()
    assert project.current_coder().name == "Kari"
