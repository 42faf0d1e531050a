"""Tests for reading .docx transcripts built with python-docx in tmp_path."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from storage.errors import ImportFileError
from storage.formats.parsed import ParsedDocument
from storage.formats.transcript import read_transcript


def save(document: object, path: Path) -> Path:
    document.save(str(path))  # type: ignore[attr-defined]
    return path


def unit_texts(doc: ParsedDocument) -> list[str]:
    return [doc.text[unit.start : unit.end] for unit in doc.paragraphs]


def assert_researcher_message(error: ImportFileError, file_name: str) -> None:
    message = str(error)
    assert f"“{file_name}”" in message
    assert "Traceback" not in message
    assert not re.search(r"[A-Z]\w*(Error|Exception)|BadZipFile|lxml|\[Content_Types\]", message)


def test_body_order_with_interleaved_table_and_line_break(tmp_path: Path) -> None:
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "TOPPTEKST skal ikke med"
    section.footer.paragraphs[0].text = "BUNNTEKST skal ikke med"
    document.add_heading("Intervju med Bjørn Åsmund", level=1)
    paragraph = document.add_paragraph("Første linje")
    run = paragraph.add_run()
    run.add_break()
    paragraph.add_run("andre linje i samme avsnitt 😀")
    document.add_paragraph("")  # an empty Word paragraph is no unit and no blank line
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [["a1", "b1", "c1"], ["a2", "", "c2"]], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    tabbed = document.add_paragraph("før")
    tabbed.add_run().add_tab()
    tabbed.add_run("etter")
    document.add_paragraph(unicodedata.normalize("NFD", "Siste avsnitt: blåbær og ærfugl."))
    doc = read_transcript(save(document, tmp_path / "intervju3.docx"))

    assert doc.text == (
        "Intervju med Bjørn Åsmund\n"
        "Første linje\nandre linje i samme avsnitt 😀\n"
        "a1\nb1\nc1\na2\nc2\n"
        "før\tetter\n"
        "Siste avsnitt: blåbær og ærfugl."
    )
    assert "TOPPTEKST" not in doc.text
    assert "BUNNTEKST" not in doc.text
    assert unit_texts(doc)[1] == "Første linje\nandre linje i samme avsnitt 😀"
    assert len(doc.paragraphs) == 9
    assert doc.source_format == "docx"
    assert doc.encoding is None
    assert doc.name == "intervju3"


def test_speaker_turns_in_word_paragraphs(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Intervju 7, Bergen")
    document.add_paragraph("INT: Hvordan var det å begynne her?")
    document.add_paragraph("IP: Det var fint.")
    document.add_paragraph("Jeg kjente mange fra før.")
    document.add_paragraph("INT: Og nå?")
    document.add_paragraph("IP: Nå er det travelt.")
    doc = read_transcript(save(document, tmp_path / "turer.docx"))
    assert [(unit.speaker, doc.text[unit.start : unit.end]) for unit in doc.paragraphs] == [
        (None, "Intervju 7, Bergen"),
        ("INT", "INT: Hvordan var det å begynne her?"),
        ("IP", "IP: Det var fint.\nJeg kjente mange fra før."),
        ("INT", "INT: Og nå?"),
        ("IP", "IP: Nå er det travelt."),
    ]


def test_two_column_transcript_table_becomes_speaker_turns(tmp_path: Path) -> None:
    document = docx.Document()
    rows = [("Kari Nordmann", "Hei, velkommen."), ("Bjørn Åsmund", "Takk!")] * 2
    table = document.add_table(rows=len(rows), cols=2)
    for row, (speaker, utterance) in zip(table.rows, rows, strict=True):
        row.cells[0].text = speaker
        row.cells[1].text = utterance
    doc = read_transcript(save(document, tmp_path / "tabell.docx"))
    assert doc.text.split("\n")[:2] == ["Kari Nordmann: Hei, velkommen.", "Bjørn Åsmund: Takk!"]
    assert [unit.speaker for unit in doc.paragraphs] == ["Kari Nordmann", "Bjørn Åsmund"] * 2


def test_teams_export_lines_with_soft_breaks(tmp_path: Path) -> None:
    document = docx.Document()
    for speaker, time, utterance in [("Kari Nordmann", "0:03", "Hei."), ("Ola", "0:09", "Hallo.")]:
        paragraph = document.add_paragraph(f"{speaker}   {time}")
        paragraph.add_run().add_break()
        paragraph.add_run(utterance)
    document.add_paragraph("Kari Nordmann   0:15")
    document.add_paragraph("Skal vi begynne?")
    doc = read_transcript(save(document, tmp_path / "teams.docx"))
    assert [(u.speaker, u.start_ms) for u in doc.paragraphs] == [
        ("Kari Nordmann", 3_000),
        ("Ola", 9_000),
        ("Kari Nordmann", 15_000),
    ]
    assert unit_texts(doc)[2] == "Kari Nordmann   0:15\nSkal vi begynne?"


def test_hyperlinks_insertions_and_content_controls_are_read_deletions_are_not(
    tmp_path: Path,
) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Se ")
    paragraph._p.append(
        parse_xml(f"<w:hyperlink {nsdecls('w')}><w:r><w:t>lenken</w:t></w:r></w:hyperlink>")
    )
    paragraph._p.append(
        parse_xml(f'<w:ins {nsdecls("w")} w:id="1" w:author="A"><w:r><w:t> ny</w:t></w:r></w:ins>')
    )
    paragraph._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="2" w:author="A"><w:r><w:delText> slettet</w:delText>'
            "</w:r></w:del>"
        )
    )
    body = document.element.body
    body.insert(
        len(body) - 1,  # before w:sectPr
        parse_xml(
            f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>I kontroll</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        ),
    )
    doc = read_transcript(save(document, tmp_path / "lenke.docx"))
    assert doc.text == "Se lenken ny\nI kontroll"


def test_uppercase_extension_is_read(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Hei")
    doc = read_transcript(save(document, tmp_path / "STOR.DOCX"))
    assert doc.text == "Hei"
    assert doc.name == "STOR"


# --- errors ------------------------------------------------------------------------------


def good_docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("hei")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rebuilt(replace: dict[str, bytes | None]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(good_docx_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            if name in replace:
                if replace[name] is None:
                    continue
                target.writestr(name, replace[name])  # type: ignore[arg-type]
            else:
                target.writestr(name, source.read(name))
    return buffer.getvalue()


DAMAGED = "cannot be read as a Word document: the file is damaged or is another kind of file."


@pytest.mark.parametrize(
    "data_factory",
    [
        lambda: b"Dette er ikke et Word-dokument, bare tekst.",
        lambda: b"PK\x03\x04" + b"\x00" * 60,
        lambda: good_docx_bytes()[:-40],
        lambda: rebuilt({"word/document.xml": None}),
        lambda: rebuilt({"[Content_Types].xml": None}),
        lambda: rebuilt({"word/document.xml": b"<w:document><broken"}),
        lambda: rebuilt({"word/document.xml": b"<?xml version='1.0'?><annet/>"}),
        lambda: _zip_with({"tekst.txt": b"hei"}),
    ],
    ids=[
        "text",
        "zip-header",
        "truncated",
        "no-document",
        "no-types",
        "broken-xml",
        "not-word-xml",
        "other-zip",
    ],
)
def test_damaged_or_other_file_named_docx_is_refused(tmp_path: Path, data_factory: object) -> None:
    path = tmp_path / "intervju3.docx"
    path.write_bytes(data_factory())  # type: ignore[operator]
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert str(caught.value) == f"“intervju3.docx” {DAMAGED}"
    assert_researcher_message(caught.value, "intervju3.docx")


def _zip_with(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_old_word_or_password_protected_file_named_docx(tmp_path: Path) -> None:
    path = tmp_path / "gammel.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert ".doc" in str(caught.value)
    assert "password" in str(caught.value)
    assert_researcher_message(caught.value, "gammel.docx")


@pytest.mark.parametrize("paragraphs", [[], ["", "   ", "\t"]], ids=["none", "blank"])
def test_docx_without_text_is_empty(tmp_path: Path, paragraphs: list[str]) -> None:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.sections[0].header.paragraphs[0].text = "Bare topptekst"
    with pytest.raises(ImportFileError) as caught:
        read_transcript(save(document, tmp_path / "tom.docx"))
    assert str(caught.value) == "“tom.docx” is empty: there is no text to import."


def test_zero_byte_docx_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "null.docx"
    path.write_bytes(b"")
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert str(caught.value) == "“null.docx” is empty: there is no text to import."
