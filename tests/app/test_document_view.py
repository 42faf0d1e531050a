"""The document viewer with real widgets: selection in code points, stripes, menus, drag."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QAction, QColor, QContextMenuEvent, QHelpEvent, QImage, QTextCursor
from PySide6.QtWidgets import QApplication, QMenu, QToolTip
from pytestqt.qtbot import QtBot

from app.text_offsets import OffsetMap
from app.viewer.document_view import DocumentView
from app.viewer.speaker_gutter import timestamp
from app.viewer.text_view import TextView
from app.workbench import PASSAGE_MIME
from coding import queries
from coding.codings import ApplyCoding
from coding.demo import create_demo_project
from coding.project import Project
from coding.records import CodingSpan, ParagraphRecord

P1 = "Bjørn Åsmund Kristoffersen"  # longer than the gutter is wide
TURNS = [  # (speaker, start in ms, turn)
    ("INT", 0, "INT: Hva betyr tillitsreformen for deg?"),
    (P1, 4_000, "P1: Vi får bruke skjønn 😀 og ta ansvar. Lederen stoler på oss."),
    ("INT", 3_725_000, "INT: Og tiden?"),
    (P1, None, "P1: Før var alt styrt av minutter og vedtak."),
]
TEXT = "\n".join(turn for _, _, turn in TURNS)
OG = TEXT.index("og ta")  # the word after the emoji, in code points
DOCUMENT_ID = 7


def _paragraphs() -> list[ParagraphRecord]:
    records, start = [], 0
    for position, (speaker, start_ms, turn) in enumerate(TURNS):
        end = start + len(turn)
        records.append(ParagraphRecord(position + 1, position, start, end, speaker, start_ms, None))
        start += len(turn) + 1
    return records


def _coding(coding_id: int, passage: str, code: str, color: str, memo: str = "") -> CodingSpan:
    start = TEXT.index(passage)
    end = start + len(passage)
    return CodingSpan(coding_id, coding_id, code, color, 1, "Kari", start, end, memo)


MEMO = "Viktig sitat. " * 30  # longer than a tooltip shows
SKJONN = _coding(1, "Vi får bruke skjønn 😀 og ta ansvar.", "Profesjonelt skjønn", "#f4c430", MEMO)
ANSVAR = _coding(2, "og ta ansvar. Lederen stoler på oss.", "Tillit", "#8ecae6")
TID = _coding(3, "styrt av minutter", "Tidsstyring", "#a0c4ff")


@pytest.fixture
def view(qtbot: QtBot) -> DocumentView:
    widget = DocumentView()
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.set_document(DOCUMENT_ID, TEXT, _paragraphs(), [SKJONN, ANSVAR, TID])
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _text(view: DocumentView) -> TextView:
    text = view.text_view()
    assert isinstance(text, TextView)
    return text


def _point(view: DocumentView, position: int) -> QPoint:
    """The viewport point of the caret before code point ``position``."""
    cursor = QTextCursor(view.text_view().document())
    cursor.setPosition(OffsetMap(TEXT).to_qt(position))
    return view.text_view().cursorRect(cursor).center()


def _inside(view: DocumentView, position: int) -> QPoint:
    """A viewport point on the character at code point ``position``."""
    return (_point(view, position) + _point(view, position + 1)) / 2


def test_set_document_shows_the_text_and_its_codings(view: DocumentView) -> None:
    assert view.text_view().toPlainText() == TEXT
    assert view.document_id() == DOCUMENT_ID
    assert [c.id for c in view.codings_at(OG)] == [1, 2]
    assert view.text_view().isReadOnly()
    view.clear()
    assert view.document_id() is None
    assert view.text_view().toPlainText() == ""


def test_mouse_drag_selects_the_word_after_an_emoji_in_code_points(
    qtbot: QtBot, view: DocumentView
) -> None:
    viewport = view.text_view().viewport()
    with qtbot.waitSignal(view.selection_changed) as changed:
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=_point(view, OG))
        qtbot.mouseMove(viewport, _point(view, OG + 2))
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=_point(view, OG + 2))
    assert view.selection() == (OG, OG + 2)
    assert TEXT[OG : OG + 2] == "og"
    assert changed.args == [OG, OG + 2]


def test_shift_arrows_select_in_code_points(qtbot: QtBot, view: DocumentView) -> None:
    text = view.text_view()
    cursor = text.textCursor()
    cursor.setPosition(OffsetMap(TEXT).to_qt(OG - 2))  # before the emoji
    text.setTextCursor(cursor)
    text.setFocus()
    for _ in range(4):  # the emoji, the space, "o", "g"
        qtbot.keyClick(text, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert view.selection() == (OG - 2, OG + 2)
    assert TEXT[OG - 2 : OG + 2] == "😀 og"


def test_cursor_moves_are_reported_in_code_points(qtbot: QtBot, view: DocumentView) -> None:
    with qtbot.waitSignal(view.cursor_moved) as moved:
        qtbot.mouseClick(
            view.text_view().viewport(), Qt.MouseButton.LeftButton, pos=_point(view, OG + 3)
        )
    assert moved.args == [OG + 3]
    assert view.selection() is None


def test_select_span_selects_and_centres_a_far_passage(qtbot: QtBot) -> None:
    view = DocumentView()
    qtbot.addWidget(view)
    view.resize(700, 300)
    long_text = "\n".join(f"P{i % 3}: linje {i} 😀 med tekst." for i in range(400))
    view.set_document(1, long_text, [], [])
    view.show()
    start = long_text.index("linje 300 ")
    view.select_span(start, start + 9)
    assert view.selection() == (start, start + 9)
    text = view.text_view()
    caret = text.cursorRect()
    assert text.viewport().rect().contains(caret)
    assert abs(caret.center().y() - text.viewport().height() / 2) < text.viewport().height() / 4


def test_clicking_a_stripe_selects_its_coding(qtbot: QtBot, view: DocumentView) -> None:
    stripes = {stripe.coding.id: stripe for stripe in view.stripe_margin().stripes()}
    assert set(stripes) == {1, 2, 3}
    assert stripes[1].rect.left() != stripes[2].rect.left()  # they overlap: two lanes
    with qtbot.waitSignal(view.coding_clicked) as clicked:
        qtbot.mouseClick(
            view.stripe_margin(), Qt.MouseButton.LeftButton, pos=stripes[2].rect.center().toPoint()
        )
    assert clicked.args == [2]
    assert view.selection() == (ANSVAR.start, ANSVAR.end)


def test_clicking_a_highlight_only_moves_the_cursor(qtbot: QtBot, view: DocumentView) -> None:
    point = _inside(view, TID.start + 3)
    with qtbot.waitSignal(view.coding_clicked) as clicked:
        qtbot.mouseClick(view.text_view().viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert clicked.args == [TID.id]
    assert view.selection() is None


def test_context_menu_offers_each_coding_under_the_point(qtbot: QtBot, view: DocumentView) -> None:
    code_selection = QAction("Code selection…", view)
    view.set_context_actions([code_selection])
    menu = view.build_context_menu([TID.id])
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts[:4] == ["Code selection…", "Remove coding “Tidsstyring”", "Change code…", "Memo…"]
    actions = {action.text(): action for action in menu.actions()}
    for text, signal in (
        ("Remove coding “Tidsstyring”", view.remove_coding_requested),
        ("Change code…", view.change_code_requested),
        ("Memo…", view.memo_requested),
    ):
        with qtbot.waitSignal(signal) as emitted:
            actions[text].trigger()
        assert emitted.args == [TID.id]


def test_context_menu_has_a_submenu_per_coding_when_they_overlap(
    qtbot: QtBot, view: DocumentView
) -> None:
    ids = [coding.id for coding in view.codings_at(OG)]
    menu = view.build_context_menu(ids)
    submenus = [sub for action in menu.actions() if isinstance(sub := action.menu(), QMenu)]
    assert [sub.title() for sub in submenus] == [
        "“Profesjonelt skjønn” – Kari",
        "“Tillit” – Kari",
    ]
    memo = next(a for a in submenus[1].actions() if a.text() == "Memo…")
    with qtbot.waitSignal(view.memo_requested) as emitted:
        memo.trigger()
    assert emitted.args == [ANSVAR.id]


def test_right_click_on_a_highlight_pops_up_its_menu(qtbot: QtBot, view: DocumentView) -> None:
    viewport = view.text_view().viewport()
    point = _inside(view, TID.start + 2)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    popup = QApplication.activePopupWidget()
    assert isinstance(popup, QMenu)
    assert "Remove coding “Tidsstyring”" in [action.text() for action in popup.actions()]
    popup.close()


def test_digits_are_quick_keys_unless_modified(qtbot: QtBot, view: DocumentView) -> None:
    text = view.text_view()
    with qtbot.waitSignal(view.quick_key_pressed) as pressed:
        qtbot.keyClick(text, Qt.Key.Key_3)
    assert pressed.args == [3]
    with qtbot.assertNotEmitted(view.quick_key_pressed):
        qtbot.keyClick(text, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(text, Qt.Key.Key_0)


def test_update_spans_changes_codings_without_laying_out_the_text(
    view: DocumentView, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = view.text_view().document()
    revision = document.revision()
    text = _text(view)
    monkeypatch.setattr(text, "setPlainText", lambda _: pytest.fail("the text was set again"))
    lanes = {coding_id: text.codings.lane(coding_id) for coding_id in (1, 3)}
    new = _coding(4, "Lederen stoler", "Lederrolle", "#ffb4a2")
    recoloured = TID._replace(code_color="#ff0000", code_name="Tid")
    diff = view.update_spans([SKJONN, recoloured, new])
    assert (diff.added, diff.removed, diff.changed) == ((4,), (2,), (3,))
    assert document.revision() == revision
    assert view.text_view().document() is document
    assert {coding_id: text.codings.lane(coding_id) for coding_id in (1, 3)} == lanes
    assert [c.id for c in view.codings_at(new.start)] == [4]
    assert view.codings_at(TID.start)[0].code_name == "Tid"
    assert {stripe.coding.id for stripe in view.stripe_margin().stripes()} == {1, 3, 4}


def test_dragged_passage_carries_code_points_and_text(view: DocumentView) -> None:
    view.select_span(OG, OG + 5)
    mime = _text(view).passage_mime_data()
    assert mime is not None
    payload = json.loads(bytes(mime.data(PASSAGE_MIME).data()).decode())
    assert payload == {"document_id": DOCUMENT_ID, "start": OG, "end": OG + 5}
    assert mime.text() == "og ta"
    view.text_view().setTextCursor(QTextCursor(view.text_view().document()))
    assert _text(view).passage_mime_data() is None


def test_pressing_in_the_selection_and_moving_starts_a_drag(
    qtbot: QtBot, view: DocumentView, monkeypatch: pytest.MonkeyPatch
) -> None:
    drags: list[tuple[int, int] | None] = []
    monkeypatch.setattr(TextView, "_start_drag", lambda self: drags.append(self.selection()))
    view.select_span(OG, OG + 5)
    viewport = view.text_view().viewport()
    start = _inside(view, OG + 1)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, start + QPoint(0, 30))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(0, 30))
    assert drags == [(OG, OG + 5)]
    assert view.selection() == (OG, OG + 5)  # the drag did not change the selection


def test_a_click_in_the_selection_without_moving_clears_it(
    qtbot: QtBot, view: DocumentView
) -> None:
    view.select_span(OG, OG + 5)
    qtbot.mouseClick(
        view.text_view().viewport(), Qt.MouseButton.LeftButton, pos=_point(view, OG + 2)
    )
    assert view.selection() is None
    assert _text(view).offsets.from_qt(view.text_view().textCursor().position()) == OG + 2


def test_tooltip_lists_code_coder_and_the_start_of_the_memo(view: DocumentView) -> None:
    tip = view.tooltip_text(OG)
    assert "Profesjonelt skjønn" in tip
    assert "Tillit" in tip
    assert "Kari" in tip
    assert "Viktig sitat." in tip
    assert MEMO not in tip  # cut at 200 characters
    assert view.tooltip_text(0) == ""


def test_hovering_a_highlight_shows_its_tooltip(view: DocumentView) -> None:
    viewport = view.text_view().viewport()
    point = _inside(view, TID.start + 2)
    event = QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    assert "Tidsstyring" in QToolTip.text()
    QToolTip.hideText()


def test_speakers_have_colours_of_their_own_and_times_read_hh_mm_ss(view: DocumentView) -> None:
    gutter = view.speaker_gutter()
    assert gutter.speaker_color("INT") != gutter.speaker_color(P1)
    assert timestamp(3_725_000) == "01:02:05"
    assert timestamp(4_000) == "00:00:04"


def _most_common(image: QImage, rect: QRect) -> Counter[str]:
    return Counter(
        image.pixelColor(x, y).name()
        for x in range(rect.left(), rect.right())
        for y in range(rect.top(), rect.bottom())
    )


def test_screenshot_shows_stripes_highlights_and_overlaps(
    view: DocumentView, tmp_path: Path
) -> None:
    image = view.grab().toImage()
    assert image.save(str(tmp_path / "viewer.png"))
    margin = view.stripe_margin()
    for stripe in margin.stripes():
        # Inside the bar, beside its label (which runs down the bar's middle).
        inside = QPoint(int(stripe.rect.left()) + 2, int(stripe.rect.bottom()) - 2)
        assert image.pixelColor(margin.mapTo(view, inside)) == QColor(stripe.coding.code_color)
    text = view.text_view()
    offset = text.viewport().mapTo(view, QPoint(0, 0))

    def background(position: int) -> str:
        left, right = _point(view, position), _point(view, position + 2)
        line = text.cursorRect().height()
        box = QRect(left.x(), left.y() - line // 2, right.x() - left.x(), line)
        return _most_common(image, box.translated(offset)).most_common(1)[0][0]

    alone, overlap, plain = background(SKJONN.start + 3), background(OG), background(3)
    assert plain == "#ffffff"
    assert len({alone, overlap, plain}) == 3  # the overlap is a colour of its own


def test_demo_document_with_overlapping_codes(qtbot: QtBot, tmp_path: Path) -> None:
    path = create_demo_project(tmp_path / "Demo.tillit", coder="Kari")
    with Project.open(path) as project:
        document = next(d for d in queries.documents(project) if "Bergen" in d.name)
        text = queries.document(project, document.id).text
        for passage, code in (
            ("Vi fikk en liste på telefonen med hvert besøk", "Styring og kontroll"),
            ("hvert besøk, og hvert besøk hadde en tid", "Styring og kontroll/Tidsstyring"),
            ("hvert besøk hadde en tid: fem minutter til medisiner", "Profesjonelt skjønn"),
        ):
            start = text.index(passage)
            ApplyCoding(project, document.id, [(start, start + len(passage))], code_path=code).do()
        paragraphs = queries.paragraphs(project, document.id)
        spans = queries.document_codings(project, document.id)
    view = DocumentView()
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(document.id, text, paragraphs, spans)
    assert view.grab().save(str(tmp_path / "demo.png"))
    overlap = text.index("hvert besøk hadde en tid")
    assert {c.code_name for c in view.codings_at(overlap)} == {
        "Tidsstyring",
        "Profesjonelt skjønn",
    }
    assert len(view.stripe_margin().stripes()) == len(spans)


def test_hovering_a_stripe_names_its_code(view: DocumentView) -> None:
    margin = view.stripe_margin()
    stripe = next(s for s in margin.stripes() if s.coding.id == TID.id)
    point = stripe.rect.center().toPoint()
    QApplication.sendEvent(
        margin, QHelpEvent(QEvent.Type.ToolTip, point, margin.mapToGlobal(point))
    )
    assert "Tidsstyring" in QToolTip.text()
    QToolTip.hideText()


def test_margin_keeps_room_for_new_overlaps_and_widens_only_when_outgrown(
    view: DocumentView,
) -> None:
    text = view.text_view()
    width = text.viewportMargins().right()
    overlapping = [_coding(10 + i, "Vi får bruke skjønn", f"Kode {i}", "#cdb4db") for i in range(2)]
    view.update_spans([SKJONN, ANSVAR, TID, overlapping[0]])  # a third lane: room was kept
    assert text.viewportMargins().right() == width
    view.update_spans([SKJONN, ANSVAR, TID, *overlapping])  # a fourth: the margin widens
    assert text.viewportMargins().right() > width
    view.update_spans([TID])
    assert text.viewportMargins().right() > width  # never narrower while the document is open
    view.clear()
    assert text.viewportMargins().right() > width  # nor for nothing: the next one is alike
    view.set_document(DOCUMENT_ID, TEXT, _paragraphs(), [TID])
    assert text.viewportMargins().right() == width


def test_spans_coding_and_cursor_position_read_the_shown_document(view: DocumentView) -> None:
    assert [span.id for span in view.spans()] == [SKJONN.id, ANSVAR.id, TID.id]
    assert view.coding(TID.id) == TID
    assert view.coding(99) is None
    view.select_span(OG, OG + 2)
    assert view.cursor_position() == OG
    view.clear()
    assert view.cursor_position() is None
    assert view.spans() == []


def test_stripes_from_the_texts_paint_match_stripes_measured_afresh(qtbot: QtBot) -> None:
    view = DocumentView()
    qtbot.addWidget(view)
    view.resize(500, 300)  # narrow: codings wrap over lines and blocks
    text = "\n".join(f"P{i % 2}: " + "ord og 😀 mer tekst her " * (i % 4 + 1) for i in range(40))
    spans = [
        CodingSpan(i, i, f"Kode {i}", "#8ecae6", 1, "Kari", start, start + length, "")
        for i, (start, length) in enumerate((s, 7 + s % 90) for s in range(0, len(text) - 100, 37))
    ]
    view.show()
    qtbot.waitExposed(view)
    view.set_document(1, text, [], spans)
    view.select_span(spans[len(spans) // 2].start, spans[len(spans) // 2].end)
    view.grab()
    text_view = _text(view)
    assert text_view.painted_extents()
    from_paint = [(s.coding.id, s.rect) for s in view.stripe_margin().stripes()]
    text_view._painted = None
    afresh = [(s.coding.id, s.rect) for s in view.stripe_margin().stripes()]
    assert from_paint == afresh
    text_view.verticalScrollBar().setValue(0)
    assert not text_view.painted_extents()  # the text moved: the paint's extents are stale
