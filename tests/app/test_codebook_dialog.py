"""The Codebook dialog: export, and import or merge another codebook after a review."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from app.actions import ActionId
from app.codebook_dialog import CodebookDialog
from app.main_window import MainWindow
from app.merge_review_model import Column, Show
from app.workbench import Workbench
from coding.codebook_exchange import export_codebook, read_codebook_file
from coding.codebook_matching import How, flatten
from coding.codebook_merge import Action, MergeRow
from coding.codebooks import AddCodebook, shipped_codebook
from coding.project import Project, find_code

NS = "urn:QDA-XML:codebook:1.0"
ET.register_namespace("", NS)
Edit = Callable[[ET.Element], None]


# --- building codebooks --------------------------------------------------------------------


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _code(root: ET.Element, name: str) -> ET.Element:
    return next(el for el in root.iter(_tag("Code")) if el.get("name") == name)


def _parent(root: ET.Element, element: ET.Element) -> ET.Element:
    return next(el for el in root.iter() if element in list(el))


def _rename(root: ET.Element, old: str, new: str) -> None:
    """Rename a code and drop its second-language name, so that only the names compare."""
    element = _code(root, old)
    element.set("name", new)
    description = element.find(_tag("Description"))
    assert description is not None and description.text
    description.text = description.text.split("Second-language name:")[0].strip()


def _add(root: ET.Element, parent: str, name: str) -> None:
    element = ET.SubElement(
        _code(root, parent), _tag("Code"), {"guid": str(uuid.uuid4()), "name": name}
    )
    ET.SubElement(element, _tag("Description")).text = f"Brief definition:\nNy kode: {name}."


def colleagues_edits(root: ET.Element) -> None:
    """A colleague's copy of the trust codebook: new GUIDs, three codes renamed slightly, one
    moved, one with another brief definition, two new codes."""
    for element in root.iter(_tag("Code")):
        element.set("guid", str(uuid.uuid4()))
    _rename(root, "Motstand", "Motstanden")  # fuzzy 89
    _rename(root, "Brukermedvirkning", "Bruker-medvirkning")  # fuzzy 97
    _rename(root, "Politikere", "Politikarar")  # path 91
    moved = _code(root, "Ambivalens")
    _parent(root, moved).remove(moved)
    _code(root, "Kulturell endring").append(moved)
    description = _code(root, "Selvstyrte team").find(_tag("Description"))
    assert description is not None and description.text
    description.text = description.text.replace(
        "Brief definition:\n", "Brief definition:\nTeam som styrer seg selv. ", 1
    )
    _add(root, "Samarbeid", "Samarbeid med frivillige")
    _add(root, "Roller og aktører", "Pårørende")


def write_codebook(project: Project, path: Path, edit: Edit = colleagues_edits) -> Path:
    """The project's codebook exported to ``path`` and edited as XML."""
    export_codebook(project, path)
    tree = ET.parse(path)
    edit(tree.getroot())
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def state(project: Project) -> tuple[list[Any], dict[str, int]]:
    """Everything about the codebook that a merge may touch."""
    with project.read() as tx:
        return tx.codes.all(), tx.codes.aliases()


def code_id(project: Project, path: str) -> int | None:
    with project.read() as tx:
        return find_code(tx, path)


# --- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def trust(project: Project) -> Project:
    AddCodebook(project, shipped_codebook("trust")).do()
    return project


@pytest.fixture
def theirs(trust: Project, tmp_path: Path) -> Path:
    return write_codebook(trust, tmp_path / "teamets kodebok.qdc")


@pytest.fixture
def dialog(qtbot: QtBot, workbench: Workbench) -> CodebookDialog:
    opened = CodebookDialog(workbench)
    qtbot.addWidget(opened)
    opened.show()
    qtbot.waitExposed(opened)
    return opened


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(path), ""))
    )


@pytest.fixture
def loaded(dialog: CodebookDialog, theirs: Path, monkeypatch: pytest.MonkeyPatch) -> CodebookDialog:
    choose_file(monkeypatch, theirs)
    dialog.import_button.click()
    assert dialog.review is not None
    return dialog


def row(dialog: CodebookDialog, path: str) -> MergeRow:
    assert dialog.review is not None
    return next(r for r in dialog.review.rows if r.incoming.path == path)


def cell(dialog: CodebookDialog, path: str, column: Column) -> Any:
    """The proxy index of a row's cell, as the view sees it."""
    for r in range(dialog.proxy.rowCount()):
        index = dialog.proxy.index(r, column)
        if dialog.proxy.index(r, Column.INCOMING).data() == path:
            return index
    raise KeyError(path)


def shown(dialog: CodebookDialog, column: Column = Column.INCOMING) -> list[str]:
    return [dialog.proxy.index(r, column).data() for r in range(dialog.proxy.rowCount())]


def apply(dialog: CodebookDialog) -> None:
    dialog.apply_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted


MOTSTAND = "Endringsprosess/Ansattes respons/Motstanden"
BRUKER = "Utfall for brukerne/Bruker-medvirkning"
AMBIVALENS = "Strukturell og kulturell endring/Kulturell endring/Ambivalens"
SELVSTYRTE = "Styringsformer/Selvstyrte team"
FRIVILLIGE = "Samarbeid/Samarbeid med frivillige"
PARORENDE = "Roller og aktører/Pårørende"


# --- export ---------------------------------------------------------------------------------


def test_export_writes_a_qdc_that_reads_back_with_the_same_guids(
    dialog: CodebookDialog, trust: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def save(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(tmp_path / "kodebok"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save))
    dialog.export_button.click()
    written = tmp_path / "kodebok.qdc"  # the suffix is added
    assert asked[0].endswith("studie codebook.qdc")
    assert dialog.status_label.text() == f"Wrote 59 codes to {written}"
    guids = {item.spec.uuid for item in flatten(read_codebook_file(written))}
    assert guids == {code.uuid for code in state(trust)[0]}


def test_a_cancelled_export_writes_nothing(
    dialog: CodebookDialog, trust: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: ("", "")))
    dialog.export_button.click()
    assert dialog.status_label.text() == ""
    assert not list(tmp_path.glob("*.qdc"))


# --- reviewing and applying ----------------------------------------------------------------


def test_renamed_codes_show_as_fuzzy_rows_and_apply_does_what_the_table_shows(
    loaded: CodebookDialog, trust: Project, workbench: Workbench
) -> None:
    assert shown(loaded)[:2] == ["Styringsformer", "Styringsformer/Tillitsbasert styring"]
    motstand = cell(loaded, MOTSTAND, Column.ACTION).row()
    texts = [loaded.proxy.index(motstand, column).data() for column in Column]
    assert texts == [
        MOTSTAND, "Merge into", "Endringsprosess/Ansattes respons/Motstand", "similar name",
        "89", "names", "", "",
    ]  # fmt: skip
    assert cell(loaded, BRUKER, Column.HOW).data() == "similar name"
    assert cell(loaded, "Roller og aktører/Politikarar", Column.HOW).data() == "similar path"
    assert cell(loaded, FRIVILLIGE, Column.ACTION).data() == "Add as new"
    assert cell(loaded, FRIVILLIGE, Column.TARGET).data() == FRIVILLIGE
    assert cell(loaded, AMBIVALENS, Column.REVIEW).data() == (
        "“Ambivalens” is under “Endringsprosess/Ansattes respons” here and under "
        "“Strukturell og kulturell endring/Kulturell endring” in the incoming codebook"
    )
    assert cell(loaded, AMBIVALENS, Column.REVIEW).data(Qt.ItemDataRole.BackgroundRole)
    assert cell(loaded, SELVSTYRTE, Column.REVIEW).data() == "The brief definition differs"
    assert loaded.summary_label.text() == "59 matched, 2 new, 0 skipped, 2 to review."
    target = code_id(trust, "Endringsprosess/Ansattes respons/Motstand")
    incoming_guid = row(loaded, MOTSTAND).incoming.spec.uuid

    apply(loaded)
    codes, aliases = state(trust)
    assert len(codes) == 61
    assert code_id(trust, FRIVILLIGE) is not None
    assert code_id(trust, PARORENDE) is not None
    assert code_id(trust, MOTSTAND) is None  # merged, not added
    assert incoming_guid is not None
    assert aliases[incoming_guid] == target  # answers to the colleague's GUID from now on
    assert workbench.stack.count() == 1
    assert workbench.stack.undoText() == "Merge codebook “teamets kodebok”"
    assert "59 matched, 2 new" in loaded.outcome


def test_add_as_new_and_skip_change_what_apply_does(
    loaded: CodebookDialog, trust: Project, qtbot: QtBot
) -> None:
    # Through the cell's combo box, as the lead does it.
    index = cell(loaded, MOTSTAND, Column.ACTION)
    loaded.table.setCurrentIndex(index)
    loaded.table.edit(index)
    editor = loaded.table.viewport().findChild(QComboBox)
    assert editor is not None
    assert [editor.itemText(i) for i in range(editor.count())] == [
        "Merge into", "Add as new", "Skip",
    ]  # fmt: skip
    editor.setCurrentIndex(editor.findText("Add as new"))
    editor.activated.emit(editor.currentIndex())
    assert row(loaded, MOTSTAND).action is Action.NEW
    assert cell(loaded, MOTSTAND, Column.TARGET).data() == MOTSTAND
    assert cell(loaded, MOTSTAND, Column.HOW).data() == "your choice"
    # Through the model, as the delegate does it.
    assert loaded.proxy.setData(cell(loaded, FRIVILLIGE, Column.ACTION), Action.SKIP.value)
    assert loaded.summary_label.text() == "58 matched, 2 new, 1 skipped, 2 to review."

    apply(loaded)
    assert code_id(trust, MOTSTAND) is not None  # a new code beside the old one
    assert code_id(trust, "Endringsprosess/Ansattes respons/Motstand") is not None
    assert code_id(trust, FRIVILLIGE) is None
    assert code_id(trust, PARORENDE) is not None
    assert len(state(trust)[0]) == 61


def test_choosing_another_target_and_taking_the_incoming_definition(
    loaded: CodebookDialog, trust: Project, qtbot: QtBot
) -> None:
    index = cell(loaded, SELVSTYRTE, Column.TARGET)
    loaded.table.setCurrentIndex(index)
    loaded.table.edit(index)
    editor = loaded.table.viewport().findChild(QComboBox)
    assert editor is not None and editor.isEditable()
    assert editor.completer().filterMode() == Qt.MatchFlag.MatchContains
    line = editor.lineEdit()
    assert line is not None
    line.setText("Styringsformer/Tillitsbasert styring")
    qtbot.keyClick(line, Qt.Key.Key_Return)  # commits the cell, not the whole dialog
    assert loaded.review is not None  # the merge was not applied
    chosen = row(loaded, SELVSTYRTE)
    assert chosen.target_id == code_id(trust, "Styringsformer/Tillitsbasert styring")
    assert chosen.how is None
    assert cell(loaded, SELVSTYRTE, Column.HOW).data() == "your choice"
    # Back to the proposed code: the match is as proposed again.
    target = code_id(trust, SELVSTYRTE)
    assert loaded.proxy.setData(cell(loaded, SELVSTYRTE, Column.TARGET), target)
    assert chosen.how is How.EXACT
    assert cell(loaded, SELVSTYRTE, Column.REVIEW).data() == "The brief definition differs"

    take = cell(loaded, SELVSTYRTE, Column.TAKE)
    assert take.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert not cell(loaded, FRIVILLIGE, Column.TAKE).flags() & Qt.ItemFlag.ItemIsEnabled
    assert loaded.proxy.setData(take, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert chosen.take_incoming
    incoming = chosen.incoming.spec.definitions["brief_definition"]
    apply(loaded)
    with trust.read() as tx:
        assert target is not None
        assert tx.codes.get(target).brief_definition == incoming


def test_the_threshold_slider_rematches_and_keeps_the_leads_choices(
    loaded: CodebookDialog, qtbot: QtBot
) -> None:
    assert loaded.proxy.setData(cell(loaded, BRUKER, Column.ACTION), Action.SKIP.value)
    assert loaded.proxy.setData(cell(loaded, AMBIVALENS, Column.ACTION), Action.NEW.value)
    loaded.threshold_slider.setValue(100)
    assert loaded.threshold_label.text() == "100"
    assert loaded.review is not None and loaded.review.threshold == 85  # not yet: debounced
    qtbot.waitUntil(lambda: loaded.review is not None and loaded.review.threshold == 100)

    assert row(loaded, MOTSTAND).action is Action.NEW  # 89 is below 100 now
    assert cell(loaded, MOTSTAND, Column.HOW).data() == ""
    assert row(loaded, BRUKER).action is Action.SKIP  # the lead's choices survive
    assert row(loaded, AMBIVALENS).action is Action.NEW
    assert loaded.summary_label.text() == "55 matched, 5 new, 1 skipped, 1 to review."

    loaded.threshold_slider.setValue(85)
    loaded.rematch()  # at once, as the timer would
    assert row(loaded, MOTSTAND).action is Action.MERGE
    assert row(loaded, BRUKER).action is Action.SKIP


def test_filter_and_sort_work_on_the_proxy(loaded: CodebookDialog) -> None:
    loaded.filter_edit.setText("MOTSTAND")
    assert shown(loaded) == [MOTSTAND]
    loaded.filter_edit.setText("AKTORER/parorende")  # case and diacritics folded
    assert shown(loaded) == [PARORENDE]
    loaded.filter_edit.setText("ansattes respons/motstand")  # matches the target too
    assert shown(loaded) == [MOTSTAND]
    loaded.filter_edit.clear()

    loaded.show_combo.setCurrentIndex(loaded.show_combo.findData(Show.NEW))
    assert sorted(shown(loaded)) == sorted([FRIVILLIGE, PARORENDE])
    loaded.show_combo.setCurrentIndex(loaded.show_combo.findData(Show.REVIEW))
    assert sorted(shown(loaded)) == sorted([AMBIVALENS, SELVSTYRTE])
    loaded.show_combo.setCurrentIndex(loaded.show_combo.findData(Show.SKIPPED))
    assert shown(loaded) == []
    loaded.show_combo.setCurrentIndex(loaded.show_combo.findData(Show.MATCHED))
    assert loaded.proxy.rowCount() == 59

    loaded.table.sortByColumn(Column.SCORE, Qt.SortOrder.AscendingOrder)
    assert shown(loaded, Column.SCORE)[:4] == ["89", "91", "97", "100"]  # numbers, not text
    loaded.table.sortByColumn(Column.SCORE, Qt.SortOrder.DescendingOrder)
    assert shown(loaded, Column.SCORE)[-1] == "89"
    loaded.table.sortByColumn(Column.INCOMING, Qt.SortOrder.DescendingOrder)
    assert shown(loaded)[0] == "Utfall for brukerne/Tjenestekvalitet"


def test_undo_restores_the_codebook_exactly(
    loaded: CodebookDialog, trust: Project, workbench: Workbench
) -> None:
    before = state(trust)
    assert loaded.proxy.setData(
        cell(loaded, SELVSTYRTE, Column.TAKE),
        Qt.CheckState.Checked.value,
        Qt.ItemDataRole.CheckStateRole,
    )
    apply(loaded)
    after = state(trust)
    assert after != before
    workbench.stack.undo()
    assert state(trust) == before
    workbench.stack.redo()
    assert state(trust) == after
    workbench.stack.undo()
    assert state(trust) == before


def test_cancel_leaves_the_project_untouched(
    loaded: CodebookDialog, trust: Project, workbench: Workbench
) -> None:
    before = state(trust)
    assert loaded.close_button.text() == "Cancel"
    loaded.close_button.click()
    assert loaded.result() == QDialog.DialogCode.Rejected
    assert state(trust) == before
    assert workbench.stack.count() == 0


def test_into_a_project_without_codes_every_row_is_new(
    dialog: CodebookDialog,
    project: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Project.create(tmp_path / "andre.tillit") as other:
        AddCodebook(other, shipped_codebook("trust")).do()
        guids = {code.uuid for code in state(other)[0]}
    choose_file(monkeypatch, tmp_path / "andre.tillit")  # another project's codebook
    dialog.import_button.click()
    assert dialog.review is not None
    assert {r.action for r in dialog.review.rows} == {Action.NEW}
    assert dialog.apply_button.text() == "&Import codes"
    assert not dialog.threshold_slider.isEnabled()
    apply(dialog)
    assert {code.uuid for code in state(project)[0]} == guids


def test_the_open_project_is_refused(
    dialog: CodebookDialog, project: Project, warnings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    choose_file(monkeypatch, project.path)
    dialog.import_button.click()
    assert "is the project that is open" in warnings[0]
    assert dialog.review is None


HOSTILE = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&lol2;"/>'
    "</Codes></CodeBook>"
)


@pytest.mark.parametrize(
    "case",
    [
        (HOSTILE, "refuses for safety"),
        ("<CodeBook><Codes><Code name='a'>", "not well-formed XML"),
        ("<Document><Text>Intervju</Text></Document>", "is not a REFI-QDA codebook"),
    ],
)
def test_a_file_that_is_no_codebook_is_explained_and_changes_nothing(
    dialog: CodebookDialog,
    trust: Project,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[str, str],
) -> None:
    content, message = case
    before = state(trust)
    bad = trust.path.with_name("bad.qdc")
    bad.write_text(content, encoding="utf-8")
    choose_file(monkeypatch, bad)
    dialog.import_button.click()
    assert len(warnings) == 1
    assert message in warnings[0]
    assert dialog.review is None
    assert not dialog.apply_button.isEnabled()
    assert state(trust) == before


def test_a_project_without_a_codebook_brings_nothing(
    dialog: CodebookDialog, tmp_path: Path, warnings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "atlas.qdpx.qdc"
    empty.write_text("<Project><Sources/></Project>", encoding="utf-8")  # ATLAS.ti writes these
    choose_file(monkeypatch, empty)
    dialog.import_button.click()
    assert warnings == []
    assert dialog.status_label.text() == "“atlas.qdpx.qdc” holds no codes."
    assert not dialog.apply_button.isEnabled()


def test_the_review_model_obeys_the_model_contract(
    loaded: CodebookDialog, qtmodeltester: Any
) -> None:
    qtmodeltester.check(loaded.model)


def test_the_details_explain_the_current_row(loaded: CodebookDialog) -> None:
    loaded.table.setCurrentIndex(cell(loaded, SELVSTYRTE, Column.INCOMING))
    text = loaded.details.toPlainText()
    assert "merges into Styringsformer/Selvstyrte team" in text
    assert "Brief definition" in text and "Here:" in text and "Incoming:" in text
    loaded.table.setCurrentIndex(cell(loaded, PARORENDE, Column.INCOMING))
    assert loaded.details.toPlainText() == (
        f"{PARORENDE} will be added as a new code: {PARORENDE}."
    )


def test_the_code_menu_opens_the_dialog(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "meny.tillit"
    Project.create(path).close()
    window = MainWindow(QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    action = window.actions_by_id[ActionId.CODEBOOK_DIALOG]
    assert not action.isEnabled()  # no project yet
    window.open_project(path)
    opened: list[CodebookDialog] = []
    monkeypatch.setattr(CodebookDialog, "exec", lambda self: opened.append(self) or 0)
    code_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Code")
    assert action in code_menu.actions()
    action.trigger()
    assert len(opened) == 1
    window.close_project()


ATLAS_QDC = Path(__file__).resolve().parents[1] / "data/refi-qda/samples/atlas23.4-codebook.qdc"


def _code_groups(path: Path) -> int:
    """The Sets of a codebook that group codes, counted from its XML."""
    root = ET.parse(path).getroot()
    return sum(
        1
        for element in root.iter()
        if element.tag.endswith("}Set") and any(m.tag.endswith("}MemberCode") for m in element)
    )


def test_how_the_file_was_read_is_shown_above_the_review(
    dialog: CodebookDialog,
    tmp_path: Path,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert dialog.warnings_label.isHidden()
    original = ATLAS_QDC.read_text(encoding="utf-8")
    assert _code_groups(ATLAS_QDC) == 1
    moved = tmp_path / "eldre kodebok.qdc"  # ATLAS.ti's codebook in an older namespace
    assert original.count('xmlns="urn:QDA-XML:codebook:1.0"') == 1
    moved.write_text(
        original.replace('xmlns="urn:QDA-XML:codebook:1.0"', 'xmlns="urn:QDA-XML:codebook:0:4"'),
        encoding="utf-8",
    )
    choose_file(monkeypatch, moved)
    dialog.import_button.click()
    assert warnings == [] and dialog.review is not None
    shown_lines = dialog.warnings_label.text().split("<br>")
    assert dialog.warnings_label.isVisible() and len(shown_lines) == 2
    assert (
        "“urn:QDA-XML:codebook:0:4”, not REFI-QDA's “urn:QDA-XML:codebook:1.0”" in (shown_lines[0])
    )
    assert "has 1 code group (Sets)" in shown_lines[1]
    assert shown_lines == [f"⚠ {escape(w, quote=False)}" for w in dialog.review.warnings]
    y_warnings = dialog.warnings_label.mapTo(dialog, dialog.warnings_label.rect().topLeft()).y()
    assert y_warnings < dialog.table.mapTo(dialog, dialog.table.rect().topLeft()).y()
    dialog.warnings_label.window().grab().save(str(tmp_path / "codebook-warnings.png"))

    dialog.threshold_slider.setValue(60)
    dialog.rematch()  # matching again reads no file: the warnings stay
    assert dialog.warnings_label.isVisible()
    assert dialog.warnings_label.text().split("<br>") == shown_lines

    choose_file(monkeypatch, ATLAS_QDC)  # the file as ATLAS.ti wrote it: its code group only
    dialog.import_button.click()
    assert dialog.warnings_label.text().count("⚠") == 1
    apply(dialog)
    assert dialog.warnings_label.isHidden()
