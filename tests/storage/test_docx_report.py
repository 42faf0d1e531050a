"""The Word report writer: styles a researcher can restyle, runs, tables, the page, failures."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.errors import StorageError
from storage.formats.docx_report import (
    CONTEXT_STYLE,
    Block,
    Heading,
    Paragraph,
    ParagraphStyle,
    Run,
    Table,
    write_report,
)


def written(tmp_path: Path, blocks: list[Block], language: str = "nb") -> docx.document.Document:
    path = tmp_path / "rapport.docx"
    write_report(path, blocks, language)
    return docx.Document(str(path))


def test_headings_use_words_built_in_styles_of_their_level(tmp_path: Path) -> None:
    blocks: list[Block] = [Heading(f"Nivå {level}", level) for level in (1, 2, 3, 9, 12, 0)]
    document = written(tmp_path, blocks)
    assert [(p.style.name, p.text) for p in document.paragraphs if p.style] == [
        ("Heading 1", "Nivå 1"),
        ("Heading 2", "Nivå 2"),
        ("Heading 3", "Nivå 3"),
        ("Heading 9", "Nivå 9"),
        ("Heading 9", "Nivå 12"),  # Word has nine levels
        ("Heading 1", "Nivå 0"),
    ]


def test_tillits_styles_are_named_based_on_normal_and_in_the_gallery(tmp_path: Path) -> None:
    document = written(tmp_path, [Paragraph((Run("x"),), style) for style in ParagraphStyle])
    assert [p.style.name for p in document.paragraphs if p.style] == [
        "Normal", "Title", "Quote", "Caption", "Excerpt details", "Code definition",
        "Coding memo",
    ]  # fmt: skip
    for name in ("Excerpt details", "Code definition", "Coding memo"):
        style = document.styles[name]
        assert style.type == WD_STYLE_TYPE.PARAGRAPH and style.quick_style
        assert style.base_style is not None and style.base_style.name == "Normal"
    context = document.styles[CONTEXT_STYLE]
    assert context.type == WD_STYLE_TYPE.CHARACTER and context.quick_style
    assert context.font.color.rgb is not None and str(context.font.color.rgb) == "8C8C8C"
    assert document.styles["Quote"].paragraph_format.keep_with_next


def test_runs_carry_bold_context_shading_and_language(tmp_path: Path) -> None:
    runs = (
        Run("Før ", context=True, language="da"),
        Run("utdraget", language="nb"),
        Run(" fet", bold=True),
        Run("\u00a0\u00a0", fill="#97bff7"),
        Run(""),  # an empty run writes nothing
    )
    document = written(tmp_path, [Paragraph(runs, ParagraphStyle.QUOTE)], language="nb")
    [paragraph] = document.paragraphs
    assert paragraph.text == "Før utdraget fet\u00a0\u00a0"
    first, second, third, fourth = paragraph.runs
    assert first.style is not None and first.style.name == CONTEXT_STYLE
    assert first._r.xpath("./w:rPr/w:lang/@w:val") == ["da-DK"]
    assert second._r.xpath("./w:rPr") == []  # the document's own language needs no mark
    assert third.bold
    assert fourth._r.xpath("./w:rPr/w:shd/@w:fill") == ["97BFF7"]
    lang = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val")
    assert lang == ["nb-NO"]


def test_line_breaks_tabs_spaces_and_emoji_survive_control_characters_do_not(
    tmp_path: Path,
) -> None:
    text = "  INT: Æ\tø\nP1: å 😀 👩🏽‍⚕️  "
    document = written(tmp_path, [Paragraph((Run(text + "\x0b\x01"),))])
    [paragraph] = document.paragraphs
    assert paragraph.text == text


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@settings(max_examples=40, deadline=None)
@given(
    pieces=st.lists(
        st.text(
            st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
            max_size=12,
        )
        | st.sampled_from(["\n", "\t", "  ", "æøå", "😀", "👩🏽‍⚕️", "\x0b", "\ufffe"]),
        max_size=12,
    )
)
def test_any_text_comes_back_as_written_but_for_what_xml_cannot_hold(pieces: list[str]) -> None:
    text = "".join(pieces)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tekst.docx"
        write_report(path, [Paragraph((Run(text, context=True), Run(text, bold=True)))])
        [paragraph] = docx.Document(str(path)).paragraphs
    assert paragraph.text == _NOT_XML.sub("", text) * 2


def test_tables_have_a_repeated_header_whole_rows_and_numbers_on_the_right(
    tmp_path: Path,
) -> None:
    rows = [["Kode", "Antall"], ["Tillit", "12"], [(Run("Alle", bold=True),), "12"]]
    document = written(tmp_path, [Table(rows, widths=(120,), numbers=frozenset({1}))])
    [table] = document.tables
    assert table.style is not None and table.style.name == "Table Grid"
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["Kode", "Antall"], ["Tillit", "12"], ["Alle", "12"],
    ]  # fmt: skip
    header = table.rows[0]
    assert header._tr.xpath("./w:trPr/w:tblHeader") and header.cells[0].paragraphs[0].runs[0].bold
    assert all(row._tr.xpath("./w:trPr/w:cantSplit") for row in table.rows)
    assert table.rows[1].cells[1].paragraphs[0].alignment is not None
    assert table.rows[1].cells[0].paragraphs[0].alignment is None
    widths = [int(w) for w in table._tbl.xpath("./w:tblGrid/w:gridCol/@w:w")]
    assert widths == [6803, 2268]  # 120 mm and the rest of 160 mm, in twips
    assert not table._tbl.xpath(".//w:keepNext")
    assert document.paragraphs[-1].text == ""  # Word wants a paragraph after a last table


def test_a_table_kept_together_keeps_every_row_but_the_last_with_the_next(
    tmp_path: Path,
) -> None:
    rows = [["a", "1"], ["b", "2"], ["c", "3"]]
    document = written(tmp_path, [Heading("Kode", 1), Table(rows, keep_together=True)])
    [table] = document.tables
    kept = [bool(row._tr.xpath(".//w:keepNext")) for row in table.rows]
    assert kept == [True, True, False]


def test_the_page_is_a4_with_page_numbers(tmp_path: Path) -> None:
    document = written(tmp_path, [Paragraph((Run("x"),))])
    section = document.sections[0]
    assert section.page_width and section.page_height
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert section.footer.paragraphs[0]._p.xpath("./w:fldSimple/@w:instr") == ["PAGE"]


def test_a_failure_while_writing_leaves_the_earlier_file_and_no_partial_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rapport.docx"
    write_report(path, [Paragraph((Run("Første"),))])
    before = path.read_bytes()

    def failing() -> Iterator[Block]:
        yield Paragraph((Run("Andre"),))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_report(path, failing())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.docx"]


def test_a_missing_folder_is_named_in_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        write_report(tmp_path / "borte" / "rapport.docx", [])
    assert str(caught.value) == (
        f"Tillit could not write “rapport.docx”: the folder “{tmp_path / 'borte'}” does not exist."
    )
