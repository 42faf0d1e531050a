"""The annotated transcript writer: comments anchored on exactly their passages, the text kept."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from storage.errors import StorageError
from storage.formats.docx_annotated import (
    AnnotatedText,
    Remark,
    Shade,
    Span,
    Swatch,
    write_annotated,
)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

TEXT = (
    "INT: Hva betyr tillitsreformen for deg?\n"
    "P1: Før var alt styrt av minutter.\n"
    "Nå får vi bruke skjønn 😀 og ta ansvar.\n"
    "\n"
    "INT: Og lederen din?\n"
    "P1: Hun stoler på oss – æ, ø og å overlever."
)


def units_of(text: str, joined: tuple[int, ...] = ()) -> list[Span]:
    """One unit per line, except lines ``joined`` to the line before (a turn of two lines);
    blank lines are no unit."""
    spans: list[Span] = []
    start = 0
    for number, line in enumerate(text.split("\n")):
        end = start + len(line)
        if number in joined and spans:
            spans[-1] = (spans[-1][0], end)
        elif line:
            spans.append((start, end))
        start = end + 1
    return spans


def remark(start: int, end: int, heading: str = "Kode") -> Remark:
    return Remark(start, end, "Kari Nordmann", "KN", heading)


def anchored_texts(path: Path) -> dict[int, str]:
    """The text between each comment's range start and end, by comment id, a paragraph end
    read as "\\n", a line break as "\\n" and a tab as "\\t"."""
    with zipfile.ZipFile(path) as archive:
        body = etree.fromstring(archive.read("word/document.xml")).find(f"{_W}body")
    assert body is not None
    open_ranges: dict[int, list[str]] = {}
    texts: dict[int, str] = {}

    def emit(piece: str) -> None:
        for parts in open_ranges.values():
            parts.append(piece)

    def walk(element: etree._Element) -> None:
        tag = element.tag
        if tag in (f"{_W}pPr", f"{_W}rPr"):
            return
        if tag == f"{_W}commentRangeStart":
            open_ranges[int(element.get(f"{_W}id", "-1"))] = []
        elif tag == f"{_W}commentRangeEnd":
            comment_id = int(element.get(f"{_W}id", "-1"))
            texts[comment_id] = "".join(open_ranges.pop(comment_id))
        elif tag == f"{_W}t":
            emit(element.text or "")
        elif tag == f"{_W}tab":
            emit("\t")
        elif tag == f"{_W}br":
            emit("\n")
        for child in element:
            walk(child)
        if tag == f"{_W}p":
            emit("\n")

    walk(body)
    assert not open_ranges, "every range that starts also ends"
    return texts


def body_text(path: Path, front: int) -> str:
    """The text of the paragraphs after the first ``front`` ones, joined by "\\n"."""
    paragraphs = docx.Document(str(path)).paragraphs[front:]
    return "\n".join(paragraph.text for paragraph in paragraphs)


def write(tmp_path: Path, content: AnnotatedText, name: str = "annotert.docx") -> Path:
    path = tmp_path / name
    assert write_annotated(path, content)
    return path


def test_comments_enclose_exactly_their_passages(tmp_path: Path) -> None:
    start = TEXT.index("minutter")
    emoji = TEXT.index("😀")
    remarks = [
        remark(TEXT.index("Før"), TEXT.index("ansvar.") + 7),  # two lines of one turn
        remark(start, emoji + 1),  # overlaps the first, ends on the emoji
        remark(emoji, emoji + 1),  # the emoji alone
        remark(TEXT.index("skjønn"), TEXT.index("Og lederen")),  # over a blank line
        remark(0, len(TEXT)),  # everything
    ]
    content = AnnotatedText("Intervju 1", TEXT, units_of(TEXT, joined=(2,)), remarks=remarks)
    path = write(tmp_path, content)

    anchored = anchored_texts(path)
    assert [anchored[i] for i in range(len(remarks))] == [TEXT[r.start : r.end] for r in remarks]


def test_body_reproduces_the_text_with_its_turns_and_blank_lines(tmp_path: Path) -> None:
    content = AnnotatedText("Intervju 1", TEXT, units_of(TEXT, joined=(2,)))
    path = write(tmp_path, content)

    assert body_text(path, front=1) == TEXT
    paragraphs = docx.Document(str(path)).paragraphs
    assert (
        paragraphs[2].text
        == "P1: Før var alt styrt av minutter.\nNå får vi bruke skjønn 😀 og ta ansvar."
    )
    assert paragraphs[3].text == ""  # the blank line


def _starts_on_break() -> Span:
    start = TEXT.index("\nP1: Før")
    return start, TEXT.index("var", start) + 3


def _ends_after_break() -> Span:
    return TEXT.index("Og lederen"), TEXT.index("\nP1: Hun") + 1


def _blank_line() -> Span:
    start = TEXT.index("\n\nINT: Og")
    return start, start + 2


def _one_break() -> Span:
    start = TEXT.index("\nINT: Og")
    return start, start + 1


@pytest.mark.parametrize("span", [_starts_on_break, _ends_after_break, _blank_line, _one_break])
def test_passages_that_begin_or_end_on_a_paragraph_break(tmp_path: Path, span: object) -> None:
    start, end = span()  # type: ignore[operator]
    content = AnnotatedText("Intervju 1", TEXT, units_of(TEXT), remarks=[remark(start, end)])
    path = write(tmp_path, content)

    assert anchored_texts(path) == {0: TEXT[start:end]}
    assert body_text(path, front=1) == TEXT


def test_a_comment_spans_paragraphs_from_the_first_to_the_last(tmp_path: Path) -> None:
    start, end = TEXT.index("deg?"), TEXT.index("Og lederen")
    content = AnnotatedText("Intervju 1", TEXT, units_of(TEXT), remarks=[remark(start, end)])
    path = write(tmp_path, content)

    paragraphs = docx.Document(str(path)).paragraphs
    first = next(p for p in paragraphs if p._p.xpath("./w:commentRangeStart"))
    last = next(p for p in paragraphs if p._p.xpath("./w:commentRangeEnd"))
    assert first.text.startswith("INT: Hva betyr")
    assert last.text == "INT: Og lederen din?"


def test_comment_carries_author_heading_lines_and_date(tmp_path: Path) -> None:
    from datetime import datetime

    made = datetime(2025, 3, 12, 9, 30)
    start = TEXT.index("skjønn")
    content = AnnotatedText(
        "Intervju 1",
        TEXT,
        units_of(TEXT),
        remarks=[
            Remark(start, start + 6, "Ola", "O", "Tillit/Skjønn", ("Memo: viktig", "æøå 😀"), made)
        ],
    )
    path = write(tmp_path, content)

    comments = list(docx.Document(str(path)).comments)
    assert len(comments) == 1
    comment = comments[0]
    assert (comment.author, comment.initials) == ("Ola", "O")
    assert comment.text == "Tillit/Skjønn\nMemo: viktig\næøå 😀"
    assert comment.paragraphs[0].runs[-1].bold
    assert comment.timestamp is not None
    assert comment.timestamp.replace(tzinfo=None) == made


def test_shades_bold_and_underline_land_on_their_runs(tmp_path: Path) -> None:
    start = TEXT.index("minutter")
    content = AnnotatedText(
        "Intervju 1",
        TEXT,
        units_of(TEXT),
        bold=[(0, 4)],
        shades=[Shade(start, start + 8, "FFE0B3")],
        underlined=[(start, start + 3)],
    )
    path = write(tmp_path, content)

    paragraphs = docx.Document(str(path)).paragraphs
    first = paragraphs[1].runs
    assert (first[0].text, first[0].bold) == ("INT:", True)
    runs = {run.text: run for run in paragraphs[2].runs}
    assert runs["min"].underline is not None
    assert runs["utter"].underline is None
    for text in ("min", "utter"):
        fills = runs[text]._r.xpath("./w:rPr/w:shd/@w:fill")
        assert fills == ["FFE0B3"]
    assert not runs["."]._r.xpath("./w:rPr/w:shd")


def test_front_matter_and_legend(tmp_path: Path) -> None:
    content = AnnotatedText(
        "Intervju 1 – Bergen",
        TEXT,
        units_of(TEXT),
        subtitle="Case: Bergen · Alder: 54",
        notes=["2 codings by Kari."],
        legend_title="Codes",
        legend=[Swatch("Tillit/Godt skjønn", "E0F0FF", "(2)"), Swatch("Styring", "FFE0E0")],
    )
    path = write(tmp_path, content)

    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert texts[:5] == [
        "Intervju 1 – Bergen",
        "Case: Bergen · Alder: 54",
        "2 codings by Kari.",
        "Codes",
        "Tillit/Godt\u00a0skjønn\u00a0(2)   Styring",
    ]
    assert body_text(path, front=5) == TEXT


def test_control_characters_become_replacement_characters_in_place(tmp_path: Path) -> None:
    text = "P1: side\x0cto\x01tre og en\ttab"
    content = AnnotatedText("Kontroll", text, [(0, len(text))], remarks=[remark(4, len(text))])
    path = write(tmp_path, content)

    assert anchored_texts(path) == {0: "side\ufffdto\ufffdtre og en\ttab"}


def test_a_missing_folder_is_a_plain_error_and_leaves_nothing(tmp_path: Path) -> None:
    content = AnnotatedText("Intervju 1", TEXT, units_of(TEXT))
    with pytest.raises(StorageError) as caught:
        write_annotated(tmp_path / "finnes ikke" / "annotert.docx", content)

    assert str(caught.value) == (
        f"Tillit could not write “annotert.docx”: the folder “{tmp_path / 'finnes ikke'}” "
        "does not exist."
    )


def test_cancelling_writes_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "annotert.docx"
    path.write_bytes(b"old")
    content = AnnotatedText("Intervju 1", TEXT, units_of(TEXT), remarks=[remark(0, 4)])

    assert not write_annotated(path, content, progress=lambda done, total: False)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["annotert.docx"]


_PIECES = st.sampled_from(["a", "æ", "Ø", "å", "😀", " ", "\n", "\t", "P1: ", "ord"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pieces=st.lists(_PIECES, min_size=1, max_size=40),
    spans=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 60)), max_size=8),
    joined=st.sets(st.integers(1, 20), max_size=4),
)
def test_any_passage_is_anchored_exactly(
    tmp_path: Path, pieces: list[str], spans: list[tuple[int, int]], joined: set[int]
) -> None:
    text = "".join(pieces)
    remarks = []
    for offset, length in spans:
        start = offset % len(text)
        end = min(start + length, len(text))
        remarks.append(remark(start, end))
    content = AnnotatedText("Hypotese", text, units_of(text, tuple(joined)), remarks=remarks)
    path = tmp_path / "h.docx"
    assert write_annotated(path, content)

    anchored = anchored_texts(path)
    assert [anchored[i] for i in range(len(remarks))] == [text[r.start : r.end] for r in remarks]
    assert body_text(path, front=1) == text


_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
needs_libreoffice = pytest.mark.skipif(
    shutil.which("libreoffice") is None, reason="LibreOffice is not installed"
)


def convert(path: Path, to: str) -> Path:
    """``path`` converted by LibreOffice (with a profile of its own, so that it never waits
    for another LibreOffice running on the machine)."""
    profile = f"-env:UserInstallation={(path.parent / 'lo-profile').as_uri()}"
    subprocess.run(
        ["libreoffice", profile, "--headless", "--convert-to", to, "--outdir", str(path.parent),
         str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )  # fmt: skip
    return path.with_suffix(f".{to}")


def libreoffice_ranges(odt: Path) -> list[tuple[str, str]]:
    """``(comment, anchored text)`` for each comment LibreOffice read, in document order."""
    with zipfile.ZipFile(odt) as archive:
        root = etree.fromstring(archive.read("content.xml"))
    open_ranges: dict[str, list[str]] = {}
    headings: dict[str, str] = {}
    found: list[tuple[str, str]] = []

    def emit(piece: str | None) -> None:
        for parts in open_ranges.values():
            parts.append(piece or "")

    def walk(element: etree._Element) -> None:
        tag = element.tag
        if tag == f"{_ODF_OFFICE}annotation":  # its own text is the comment, not the passage
            name = element.get(f"{_ODF_OFFICE}name", "")
            headings[name] = "".join(element.find(f"{_ODF_TEXT}p").itertext())  # type: ignore[union-attr]
            open_ranges[name] = []
            return
        if tag == f"{_ODF_OFFICE}annotation-end":
            name = element.get(f"{_ODF_OFFICE}name", "")
            found.append((headings[name], "".join(open_ranges.pop(name))))
            return
        if tag == f"{_ODF_TEXT}s":
            emit(" " * int(element.get(f"{_ODF_TEXT}c", "1")))
        elif tag == f"{_ODF_TEXT}tab":
            emit("\t")
        elif tag == f"{_ODF_TEXT}line-break":
            emit("\n")
        else:
            emit(element.text)
        for child in element:
            walk(child)
            emit(child.tail)
        if tag in (f"{_ODF_TEXT}p", f"{_ODF_TEXT}h"):
            emit("\n")

    walk(root)
    return found


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_reads_each_comment_on_exactly_its_passage(tmp_path: Path) -> None:
    emoji = TEXT.index("😀")
    spans = [
        (TEXT.index("Før"), TEXT.index("Og lederen")),  # over turns and a blank line
        (TEXT.index("minutter"), emoji + 1),  # overlapping it, ending on the emoji
        (emoji, emoji + 1),
        (TEXT.index("æ, ø"), len(TEXT)),
    ]
    remarks = [remark(start, end, f"Kode {n}") for n, (start, end) in enumerate(spans)]
    content = AnnotatedText("Intervju 1", TEXT, units_of(TEXT, joined=(2,)), remarks=remarks)

    ranges = libreoffice_ranges(convert(write(tmp_path, content), "odt"))

    assert sorted(ranges) == sorted((r.heading, TEXT[r.start : r.end]) for r in remarks)


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_converts_the_transcript_to_pdf(tmp_path: Path) -> None:
    start = TEXT.index("Før")
    remarks = [remark(start, TEXT.index("Og lederen")), remark(start + 4, start + 30)]
    content = AnnotatedText("Intervju 1", TEXT, units_of(TEXT), remarks=remarks)

    pdf = convert(write(tmp_path, content), "pdf")

    assert pdf.read_bytes().startswith(b"%PDF")
