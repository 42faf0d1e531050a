"""Tests for reading .odt transcripts, built as zip files in tmp_path."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from storage.errors import ImportFileError
from storage.formats.transcript import read_transcript
from tests.storage.hostile_files import assert_refused, new_project, run_cli

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'office:version="1.3"'
)


def content(body: str, kind: str = "text") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<office:document-content {NAMESPACES}><office:body><office:{kind}>{body}"
        f"</office:{kind}></office:body></office:document-content>"
    )


def write_odt(path: Path, content_xml: str | bytes | None, styles_xml: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        if content_xml is not None:
            archive.writestr("content.xml", content_xml)
        if styles_xml:
            archive.writestr("styles.xml", styles_xml)
    return path


def assert_researcher_message(error: ImportFileError, file_name: str) -> None:
    message = str(error)
    assert f"“{file_name}”" in message
    assert "Traceback" not in message
    assert not re.search(r"[A-Z]\w*(Error|Exception)|BadZipFile|content\.xml", message)


def test_paragraphs_headings_lists_and_tables_in_order(tmp_path: Path) -> None:
    body = (
        "<text:sequence-decls/>"
        '<text:h text:outline-level="1">Intervju med Bjørn Åsmund</text:h>'
        "<text:p>Første linje<text:line-break/>andre linje 😀</text:p>"
        "<text:p/>"
        "<text:list><text:list-item><text:p>punkt én</text:p></text:list-item>"
        "<text:list-item><text:p>punkt to</text:p></text:list-item></text:list>"
        "<table:table><table:table-column/><table:table-row>"
        "<table:table-cell><text:p>a1</text:p></table:table-cell>"
        "<table:table-cell><text:p>b1</text:p><text:p>b1 igjen</text:p></table:table-cell>"
        "<table:table-cell><text:p>c1</text:p></table:table-cell>"
        "</table:table-row></table:table>"
        "<text:section><text:p>I en seksjon</text:p></text:section>"
        "<text:p>før<text:tab/>etter, to<text:s/> mellomrom og<text:s text:c='3'/>fire</text:p>"
        "<text:p>  kollapset   \n  mellomrom  </text:p>"
        '<text:p>tekst<text:note text:note-class="footnote">'
        "<text:note-citation>1</text:note-citation>"
        "<text:note-body><text:p>FOTNOTE</text:p></text:note-body></text:note> videre"
        "<office:annotation><text:p>KOMMENTAR</text:p></office:annotation></text:p>"
        "<text:p><text:span>spenn</text:span> og <text:a>lenke</text:a></text:p>"
    )
    styles = content("<text:p>TOPPTEKST</text:p>")
    doc = read_transcript(write_odt(tmp_path / "intervju.odt", content(body), styles))
    assert doc.text == (
        "Intervju med Bjørn Åsmund\n"
        "Første linje\nandre linje 😀\n"
        "punkt én\npunkt to\n"
        "a1\nb1\nb1 igjen\nc1\n"
        "I en seksjon\n"
        "før\tetter, to  mellomrom og   fire\n"
        "kollapset mellomrom\n"
        "tekst videre\n"
        "spenn og lenke"
    )
    assert [doc.text[u.start : u.end] for u in doc.paragraphs][1] == "Første linje\nandre linje 😀"
    assert doc.source_format == "odt"
    assert doc.encoding is None
    assert doc.name == "intervju"


def test_tracked_deletions_are_left_out(tmp_path: Path) -> None:
    body = (
        "<text:tracked-changes><text:changed-region text:id='c1'><text:deletion>"
        "<text:p>SLETTET</text:p></text:deletion></text:changed-region></text:tracked-changes>"
        "<text:p>Igjen<text:change text:change-id='c1'/> står dette</text:p>"
    )
    doc = read_transcript(write_odt(tmp_path / "endringer.odt", content(body)))
    assert doc.text == "Igjen står dette"


def test_speaker_turns_in_odt(tmp_path: Path) -> None:
    body = (
        "<text:p>Intervju 2</text:p>"
        "<text:p>INT: Hei, Kari.</text:p>"
        "<text:p>IP: Hei.</text:p><text:p>Jeg heter Kari Nordmann.</text:p>"
        "<text:p>INT: Takk.</text:p>"
    )
    doc = read_transcript(write_odt(tmp_path / "turer.odt", content(body)))
    assert [(u.speaker, doc.text[u.start : u.end]) for u in doc.paragraphs] == [
        (None, "Intervju 2"),
        ("INT", "INT: Hei, Kari."),
        ("IP", "IP: Hei.\nJeg heter Kari Nordmann."),
        ("INT", "INT: Takk."),
    ]


def test_two_column_transcript_table_in_odt(tmp_path: Path) -> None:
    rows = "".join(
        "<table:table-row>"
        f"<table:table-cell><text:p>{speaker}</text:p></table:table-cell>"
        f"<table:table-cell><text:p>{utterance}</text:p></table:table-cell>"
        "</table:table-row>"
        for speaker, utterance in [
            ("Kari", "Hei."),
            ("Ola", "Hallo."),
            ("Kari", "Ja."),
            ("Ola", "Nei."),
        ]
    )
    body = f"<table:table><table:table-header-rows>{rows}</table:table-header-rows></table:table>"
    doc = read_transcript(write_odt(tmp_path / "tabell.odt", content(body)))
    assert doc.text == "Kari: Hei.\nOla: Hallo.\nKari: Ja.\nOla: Nei."
    assert [u.speaker for u in doc.paragraphs] == ["Kari", "Ola", "Kari", "Ola"]


# --- errors ------------------------------------------------------------------------------

DAMAGED = "cannot be read as an OpenDocument text: the file is damaged or is another kind of file."
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    f"<office:document-content {NAMESPACES}><office:body><office:text>"
    "<text:p>&lol2;</text:p></office:text></office:body></office:document-content>"
)


@pytest.mark.parametrize(
    "make",
    [
        lambda path: path.write_bytes(b"ikke en zip-fil i det hele tatt"),
        lambda path: write_odt(path, None),
        lambda path: write_odt(path, "<office:document-content><brudd"),
        lambda path: write_odt(path, content("<table:table/>", kind="spreadsheet")),
        lambda path: write_odt(path, BOMB),
        lambda path: path.write_bytes(b"PK\x03\x04" + b"\x00" * 40),
    ],
    ids=["not-zip", "no-content", "broken-xml", "spreadsheet", "entity-bomb", "zip-header"],
)
def test_damaged_or_other_file_named_odt_is_refused(tmp_path: Path, make: object) -> None:
    path = tmp_path / "intervju4.odt"
    make(path)  # type: ignore[operator]
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert str(caught.value) == f"“intervju4.odt” {DAMAGED}"
    assert_researcher_message(caught.value, "intervju4.odt")


@pytest.mark.parametrize("body", ["", "<text:p/><text:p>   </text:p>"], ids=["none", "blank"])
def test_odt_without_text_is_empty(tmp_path: Path, body: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_transcript(write_odt(tmp_path / "tom.odt", content(body)))
    assert str(caught.value) == "“tom.odt” is empty: there is no text to import."


def test_an_encoding_tillit_cannot_read_is_named(tmp_path: Path) -> None:
    xml = content("<text:p>Hei</text:p>").replace("UTF-8", "klingon")
    with pytest.raises(ImportFileError) as caught:
        read_transcript(write_odt(tmp_path / "fremmed.odt", xml))
    assert str(caught.value) == (
        "“fremmed.odt” declares its text in the encoding “klingon”, which Tillit cannot read; "
        "save it as UTF-8 and try again."
    )


def test_deeply_nested_lists_and_spans_read_up_to_a_depth(tmp_path: Path) -> None:
    lists = "<text:list><text:list-item>" * 60 + "<text:p>dypt punkt</text:p>"
    lists += "</text:list-item></text:list>" * 60
    spans = "<text:p>" + "<text:span>" * 200 + "dypt spenn" + "</text:span>" * 200 + "</text:p>"
    document = read_transcript(write_odt(tmp_path / "dyp.odt", content(lists + spans)))
    assert document.text == "dypt punkt\ndypt spenn"


@pytest.mark.parametrize("depth", [300, 5000])
def test_nesting_deeper_than_any_document_is_refused(tmp_path: Path, depth: int) -> None:
    spans = "<text:p>" + "<text:span>" * depth + "x" + "</text:span>" * depth + "</text:p>"
    with pytest.raises(ImportFileError) as caught:
        read_transcript(write_odt(tmp_path / "dyp.odt", content(spans)))
    assert str(caught.value) == (
        "“dyp.odt” nests its text more than 256 levels deep, which no document does; it is "
        "damaged or was made to break programs that read it."
    )


def test_import_of_deep_or_foreign_odt_refuses_in_one_line(tmp_path: Path) -> None:
    project = tmp_path / "p.tillit"
    before = new_project(project)
    spans = "<text:p>" + "<text:span>" * 5000 + "x" + "</text:span>" * 5000 + "</text:p>"
    deep = write_odt(tmp_path / "dyp.odt", content(spans))
    foreign = write_odt(tmp_path / "fremmed.odt", content("").replace("UTF-8", "klingon"))
    line = assert_refused(run_cli("import", project, deep, foreign))
    assert line == (
        "tillit: 2 of 2 files cannot be imported, so nothing was imported: “dyp.odt” nests its "
        "text more than 256 levels deep, which no document does; it is damaged or was made to "
        "break programs that read it. “fremmed.odt” declares its text in the encoding "
        "“klingon”, which Tillit cannot read; save it as UTF-8 and try again."
    )
    assert project.read_bytes() == before
