"""Tests for the transcript entry point: dispatch by extension, names and error messages."""

from __future__ import annotations

import os
import re
import time
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest

from storage.errors import ImportFileError, StorageError
from storage.formats.parsed import ParsedDocument
from storage.formats.transcript import SUPPORTED_SUFFIXES, read_transcript

TEXT = "INT: Hei, Bjørn Åsmund 😀\nIP: Hei.\nINT: Hvordan går det?\nIP: Bra, takk."


def write_docx(path: Path, lines: list[str]) -> Path:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def write_odt(path: Path, lines: list[str]) -> Path:
    paragraphs = "".join(f"<text:p>{line}</text:p>" for line in lines)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            f"<office:body><office:text>{paragraphs}</office:text></office:body>"
            "</office:document-content>",
        )
    return path


def write_vtt(path: Path, lines: list[str]) -> Path:
    cues = [f"00:00:{n:02}.000 --> 00:00:{n + 1:02}.000\n{line}\n" for n, line in enumerate(lines)]
    path.write_text("WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")
    return path


def write_srt(path: Path, lines: list[str]) -> Path:
    cues = [
        f"{n + 1}\n00:00:{n:02},000 --> 00:00:{n + 1:02},000\n{line}\n"
        for n, line in enumerate(lines)
    ]
    path.write_text("\n".join(cues), encoding="utf-8")
    return path


def write_text(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


WRITERS = {
    ".txt": write_text,
    ".md": write_text,
    ".docx": write_docx,
    ".odt": write_odt,
    ".vtt": write_vtt,
    ".srt": write_srt,
}


def assert_well_formed(doc: ParsedDocument) -> None:
    assert unicodedata.is_normalized("NFC", doc.text)
    assert "\r" not in doc.text
    assert doc.text == doc.text.rstrip()
    previous_end = 0
    for unit in doc.paragraphs:
        assert previous_end <= unit.start < unit.end <= len(doc.text)
        piece = doc.text[unit.start : unit.end]
        assert piece == piece.strip()
        previous_end = unit.end


def assert_researcher_message(error: ImportFileError, file_name: str) -> None:
    message = str(error)
    assert f"“{file_name}”" in message
    assert "Traceback" not in message
    assert "\n" not in message
    assert not re.search(r"[A-Z]\w*(Error|Exception)|errno", message)


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".docx", ".odt", ".vtt", ".srt")
    assert set(WRITERS) == set(SUPPORTED_SUFFIXES)


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_every_format_gives_the_same_speaker_turns(tmp_path: Path, suffix: str) -> None:
    doc = read_transcript(WRITERS[suffix](tmp_path / f"intervju 3{suffix}", TEXT.split("\n")))
    assert doc.text == TEXT
    assert doc.name == "intervju 3"
    assert doc.source_format == suffix[1:]
    assert [unit.speaker for unit in doc.paragraphs] == ["INT", "IP", "INT", "IP"]
    assert (doc.encoding is not None) == (suffix in {".txt", ".md"})
    assert_well_formed(doc)


@pytest.mark.parametrize("suffix", [".TXT", ".Md", ".DOCX", ".Odt", ".VTT", ".SrT"])
def test_extension_case_does_not_matter(tmp_path: Path, suffix: str) -> None:
    doc = read_transcript(WRITERS[suffix.lower()](tmp_path / f"STOR{suffix}", ["Bare tekst."]))
    assert doc.text == "Bare tekst."
    assert doc.source_format == suffix.lower()[1:]
    assert doc.name == "STOR"


def test_name_keeps_inner_dots_and_is_nfc(tmp_path: Path) -> None:
    nfd_name = unicodedata.normalize("NFD", "Åse.intervju.2024") + ".txt"
    doc = read_transcript(write_text(tmp_path / nfd_name, ["hei"]))
    assert doc.name == "Åse.intervju.2024"


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        (
            "gammel.doc",
            "“gammel.doc” is an old Word file (.doc); save it as .docx and import that.",
        ),
        (
            "GAMMEL.DOC",
            "“GAMMEL.DOC” is an old Word file (.doc); save it as .docx and import that.",
        ),
        ("notat.rtf", "“notat.rtf” is a Rich Text file (.rtf); save it as .docx and import that."),
        (
            "bilde.png",
            "“bilde.png” cannot be imported: Tillit reads .txt, .md, .docx, .odt, .vtt and .srt "
            "files.",
        ),
        (
            "uten_endelse",
            "“uten_endelse” cannot be imported: Tillit reads .txt, .md, .docx, .odt, .vtt and "
            ".srt files.",
        ),
    ],
)
def test_unsupported_extensions_are_explained(
    tmp_path: Path, file_name: str, expected: str
) -> None:
    path = tmp_path / file_name
    path.write_bytes(b"\xd0\xcf\x11\xe0 innhold")
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert str(caught.value) == expected
    assert_researcher_message(caught.value, file_name)


def test_pdf_gets_advice(tmp_path: Path) -> None:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(b"%PDF-1.7")
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert "PDF" in str(caught.value)
    assert_researcher_message(caught.value, "rapport.pdf")


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_missing_file_in_every_format(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_transcript(tmp_path / f"borte{suffix}")
    assert str(caught.value) == (
        f"“borte{suffix}” cannot be found: it may have been moved, renamed or deleted."
    )


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_empty_file_in_every_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"tom{suffix}"
    path.write_bytes(b"")
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert str(caught.value) == f"“tom{suffix}” is empty: there is no text to import."


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_png_renamed_to_every_format_is_refused_with_a_sentence(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"bilde{suffix}"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert isinstance(caught.value, StorageError)
    assert_researcher_message(caught.value, f"bilde{suffix}")


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_a_pipe_or_a_device_in_every_format_is_refused_at_once(tmp_path: Path, suffix: str) -> None:
    fifo = tmp_path / f"rør{suffix}"
    os.mkfifo(fifo)
    zero = tmp_path / f"null{suffix}"
    zero.symlink_to("/dev/zero")
    started = time.monotonic()
    for path, kind in [(fifo, "a pipe"), (zero, "a device")]:
        with pytest.raises(ImportFileError) as caught:
            read_transcript(path)
        assert str(caught.value) == (
            f"“{path.name}” is {kind}, not a regular file; Tillit imports only files saved on disk."
        )
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("suffix", "limit"),
    [(".txt", "text files up to 32 MB"), (".srt", "text files up to 32 MB"),
     (".docx", "Word documents up to 512 MB"), (".odt", "OpenDocument texts up to 512 MB")],
)  # fmt: skip
def test_a_file_too_large_in_every_format_is_refused_unread(
    tmp_path: Path, suffix: str, limit: str
) -> None:
    path = tmp_path / f"stor{suffix}"
    with path.open("wb") as stream:
        stream.truncate(600 * 1024 * 1024)  # sparse: takes no room on disk
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert (
        str(caught.value)
        == f"“stor{suffix}” is too large to import (600 MB); Tillit imports {limit}."
    )
