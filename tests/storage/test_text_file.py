"""Tests for reading .txt and .md transcripts: encodings, clean-up, units and errors."""

from __future__ import annotations

import codecs
import os
import re
import string
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.errors import ImportFileError
from storage.formats import text_file
from storage.formats.parsed import ParsedDocument
from storage.formats.text_file import (
    MAX_TEXT_BYTES,
    decode_text,
    normalise_text,
    paragraph_spans,
    read_text_file,
)
from storage.formats.transcript import read_transcript
from tests.storage.hostile_files import assert_refused, new_project, run_cli

TILLIT = "Tillitsreformen i hjemmetjenesten – å være tillitsfull"
SJAFOR = "Sjåføren bør være økonomisk"
LONG_NORWEGIAN = (
    "Intervjuer: Kan du fortelle om hvordan tillitsreformen har påvirket hverdagen din?\n"
    "Informant: Ja, før måtte vi føre alt i skjemaer. Nå får vi større frihet, "
    "og økonomien er ikke lenger det første vi tenker på. Sjåføren bør være økonomisk, "
    "men brukeren går foran. Det er en ærlig sak, og jeg synes det er blitt bedre.\n"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_well_formed(doc: ParsedDocument) -> None:
    """The ParsedDocument contract: clean text, ordered non-overlapping trimmed units."""
    assert unicodedata.is_normalized("NFC", doc.text)
    assert "\r" not in doc.text
    assert "\ufeff" not in doc.text
    assert doc.text == doc.text.rstrip()
    assert all(line == line.rstrip() for line in doc.text.split("\n"))
    previous_end = 0
    for unit in doc.paragraphs:
        assert previous_end <= unit.start < unit.end <= len(doc.text)
        piece = doc.text[unit.start : unit.end]
        assert piece == piece.strip()
        previous_end = unit.end
    covered: set[int] = set()
    for unit in doc.paragraphs:
        covered.update(range(unit.start, unit.end))
    position = 0
    for line in doc.text.split("\n"):
        if line.strip():
            first = position + len(line) - len(line.lstrip())
            assert first in covered, f"line {line!r} is in no unit"
        position += len(line) + 1


def assert_researcher_message(error: ImportFileError, file_name: str) -> None:
    message = str(error)
    assert f"“{file_name}”" in message
    assert "Traceback" not in message
    assert not re.search(r"[A-Z]\w*(Error|Exception)|BadZipFile|errno|\\x", message)
    assert message.endswith(".")


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ((TILLIT + " 😀").encode("utf-8"), "utf_8"),
        (codecs.BOM_UTF8 + (TILLIT + " 😀").encode("utf-8"), "utf_8_sig"),
        ((TILLIT + " 😀").encode("utf-16"), "utf_16"),
        (codecs.BOM_UTF16_LE + (TILLIT + " 😀").encode("utf-16-le"), "utf_16"),
        (codecs.BOM_UTF16_BE + (TILLIT + " 😀").encode("utf-16-be"), "utf_16"),
        (codecs.BOM_UTF32_LE + (TILLIT + " 😀").encode("utf-32-le"), "utf_32"),
        (codecs.BOM_UTF32_BE + (TILLIT + " 😀").encode("utf-32-be"), "utf_32"),
        ((TILLIT + " 😀").encode("utf-16-le"), "utf_16_le"),
        ((TILLIT + " 😀").encode("utf-16-be"), "utf_16_be"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16",
        "utf16le-bom",
        "utf16be-bom",
        "utf32le",
        "utf32be",
        "utf16le-no-bom",
        "utf16be-no-bom",
    ],
)
def test_unicode_encodings_keep_nordic_letters_and_emoji(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    doc = read_transcript(write(tmp_path, "intervju.txt", data))
    assert doc.text == TILLIT + " 😀"
    assert doc.encoding == encoding
    assert doc.source_format == "txt"


@pytest.mark.parametrize("text", [TILLIT, SJAFOR, "Ærø", "å", LONG_NORWEGIAN.rstrip()])
def test_cp1252_norwegian_comes_back_intact(tmp_path: Path, text: str) -> None:
    doc = read_transcript(write(tmp_path, "kort.txt", text.encode("cp1252")))
    assert doc.text == text
    assert doc.encoding == "cp1252"


@pytest.mark.parametrize(
    "text",
    [TILLIT.replace("–", "-"), SJAFOR, "Ærlig talt, så går det bra. Øl og å.", "Æ", LONG_NORWEGIAN],
)
def test_latin1_norwegian_comes_back_intact_read_as_cp1252(tmp_path: Path, text: str) -> None:
    # latin-1 cannot encode "–"; cp1252 reads every printable latin-1 byte the same way.
    doc = read_transcript(write(tmp_path, "latin.txt", text.encode("latin-1")))
    assert doc.text == text.rstrip()
    assert doc.encoding == "cp1252"


def test_cp1252_typography_without_nordic_letters_is_cp1252(tmp_path: Path) -> None:
    text = "“Hei”, sa hun – «nei» … 5 €"
    doc = read_transcript(write(tmp_path, "typo.txt", text.encode("cp1252")))
    assert doc.text == text


@pytest.mark.parametrize("encoding", ["mac_roman", "cp865"])
def test_old_mac_and_dos_nordic_text_is_recognised(tmp_path: Path, encoding: str) -> None:
    doc = read_transcript(write(tmp_path, "gammel.txt", LONG_NORWEGIAN.encode(encoding)))
    assert doc.text == LONG_NORWEGIAN.rstrip()
    assert doc.encoding == encoding


def test_other_code_pages_fall_back_to_charset_normalizer(tmp_path: Path) -> None:
    text = "Привет, как дела? Это длинный русский текст для проверки кодировки. " * 5
    doc = read_transcript(write(tmp_path, "russisk.txt", text.encode("cp1251")))
    assert doc.text == text.rstrip()


def test_decode_text_strips_the_bom(tmp_path: Path) -> None:
    text, encoding = decode_text(codecs.BOM_UTF8 + b"hei", tmp_path / "x.txt")
    assert (text, encoding) == ("hei", "utf_8_sig")


# --- clean-up ----------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_ends_become_newlines(tmp_path: Path, newline: str) -> None:
    raw = newline.join(["P1: første", "P2: andre  ", "", "P1: tredje"]) + newline
    doc = read_transcript(write(tmp_path, "linjer.txt", raw.encode("utf-8")))
    assert doc.text == "P1: første\nP2: andre\n\nP1: tredje"


def test_nfd_input_is_normalised_to_nfc(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Bjørn Åsmund sa «blåbær» og é")
    assert nfd != unicodedata.normalize("NFC", nfd)
    doc = read_transcript(write(tmp_path, "nfd.txt", nfd.encode("utf-8")))
    assert doc.text == "Bjørn Åsmund sa «blåbær» og é"


def test_trailing_whitespace_is_stripped_but_leading_indent_and_blank_lines_kept() -> None:
    raw = "  innrykk  \t\n\n\n\ntekst\u00a0\n\n\n"
    assert normalise_text(raw) == "  innrykk\n\n\n\ntekst"


def test_invisible_controls_and_unicode_line_separators_are_cleaned() -> None:
    raw = "a\u2028b\x0cc\u2029d\x0be\x1a\ufefff\x07"
    assert normalise_text(raw) == "a\nb\nc\nd\nef"


def test_markdown_keeps_its_syntax(tmp_path: Path) -> None:
    raw = "# Intervju\n\n**INT:** Hei\n\n**IP:** Hallo *du*\n\n**INT:** Takk\n\n**IP:** Ja\n"
    doc = read_transcript(write(tmp_path, "notat.md", raw.encode("utf-8")))
    assert doc.text == raw.rstrip()
    assert doc.source_format == "md"
    assert doc.encoding == "utf_8"
    assert [unit.speaker for unit in doc.paragraphs] == [None, "INT", "IP", "INT", "IP"]


# --- units -------------------------------------------------------------------------------


def spans_text(text: str) -> list[str]:
    return [text[start:end] for start, end in paragraph_spans(text)]


def test_blank_line_blocks_are_units_when_blank_lines_separate_paragraphs() -> None:
    text = "Første avsnitt\nfortsetter her.\n\nAndre avsnitt.\n\n  Tredje\nog siste."
    assert spans_text(text) == [
        "Første avsnitt\nfortsetter her.",
        "Andre avsnitt.",
        "Tredje\nog siste.",
    ]


def test_each_line_is_a_unit_when_one_blank_line_only_follows_a_title() -> None:
    lines = [
        f"Dette er avsnitt nummer {n}, skrevet på én lang linje " * (n % 3 + 1) for n in range(9)
    ]
    text = "Tittel\n\n" + "\n".join(line.strip() for line in lines)
    assert spans_text(text) == ["Tittel", *(line.strip() for line in lines)]


def test_hard_wrapped_prose_keeps_paragraph_blocks() -> None:
    words = ("tillit " * 200).split()
    para = "\n".join(" ".join(words[i : i + 10]) for i in range(0, 60, 10))
    text = f"{para}\n\n{para}"
    assert spans_text(text) == [para, para]


def test_every_non_blank_line_without_blank_lines_is_a_unit(tmp_path: Path) -> None:
    raw = "Første linje.\nAndre linje.\n   Tredje, med innrykk."
    doc = read_transcript(write(tmp_path, "linjer.txt", raw.encode("utf-8")))
    assert [doc.text[u.start : u.end] for u in doc.paragraphs] == [
        "Første linje.",
        "Andre linje.",
        "Tredje, med innrykk.",
    ]
    assert_well_formed(doc)


def test_speaker_turns_in_a_text_file(tmp_path: Path) -> None:
    raw = (
        "Intervju 3\nDato: 12. mars\n\n"
        "INT: Hei, kan du fortelle om jobben?\n\n"
        "IP: Ja. Jeg jobber i hjemmetjenesten.\nDet har jeg gjort i ti år. 😀\n\n\n"
        "INT: Og tillitsreformen?\n"
        "IP: Den liker jeg.\n"
    )
    doc = read_transcript(write(tmp_path, "intervju 3.txt", raw.encode("utf-8")))
    units = [(u.speaker, doc.text[u.start : u.end]) for u in doc.paragraphs]
    assert units == [
        (None, "Intervju 3\nDato: 12. mars"),
        ("INT", "INT: Hei, kan du fortelle om jobben?"),
        ("IP", "IP: Ja. Jeg jobber i hjemmetjenesten.\nDet har jeg gjort i ti år. 😀"),
        ("INT", "INT: Og tillitsreformen?"),
        ("IP", "IP: Den liker jeg."),
    ]
    assert doc.name == "intervju 3"
    assert_well_formed(doc)


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n\t\r\n  ", codecs.BOM_UTF8, codecs.BOM_UTF16_LE + " \n".encode("utf-16-le")],
    ids=["zero-bytes", "whitespace", "bom-only", "utf16-whitespace"],
)
def test_empty_file_is_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_transcript(write(tmp_path, "tom.txt", data))
    assert str(caught.value) == "“tom.txt” is empty: there is no text to import."
    assert_researcher_message(caught.value, "tom.txt")


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
)


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (PNG, "an image"),
        (b"%PDF-1.7\n\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "a Word, OpenDocument or zip file"),
        (b"{\\rtf1\\ansi hei}", "a Rich Text (.rtf) file"),
        (bytes(range(256)) * 8, None),
        (b"tekst\x00\x01\x02\x03\xff\xfe\x00binary" * 20, None),
    ],
    ids=["png", "pdf", "zip", "rtf", "all-bytes", "nul-bytes"],
)
def test_binary_file_named_txt_is_refused(tmp_path: Path, data: bytes, detail: str | None) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_transcript(write(tmp_path, "bilde.txt", data))
    assert str(caught.value).startswith("“bilde.txt” is not a text file")
    if detail:
        assert detail in str(caught.value)
    assert_researcher_message(caught.value, "bilde.txt")


def test_damaged_utf16_is_refused(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "hei".encode("utf-16-le") + b"\x00\xdc"  # lone low surrogate
    with pytest.raises(ImportFileError) as caught:
        read_transcript(write(tmp_path, "skadet.txt", data))
    assert_researcher_message(caught.value, "skadet.txt")


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_transcript(tmp_path / "borte.txt")
    assert "cannot be found" in str(caught.value)
    assert_researcher_message(caught.value, "borte.txt")


def test_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "mappe.txt").mkdir()
    with pytest.raises(ImportFileError) as caught:
        read_transcript(tmp_path / "mappe.txt")
    assert "is a folder" in str(caught.value)
    assert_researcher_message(caught.value, "mappe.txt")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "låst.txt", b"hemmelig")
    path.chmod(0)
    try:
        with pytest.raises(ImportFileError) as caught:
            read_transcript(path)
    finally:
        path.chmod(0o600)
    assert "permission" in str(caught.value)
    assert_researcher_message(caught.value, "låst.txt")


# --- property ----------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    [
        *string.ascii_letters,
        *"æøåÆØÅéü😀🎉👍🏽",
        "e\u0301",
        "a\u030a",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        *[":", "P1: ", "INT: ", "[00:01:02] ", "Kari Nordmann 0:03\n", ".", ",", "1", "\u00a0"],
    ]
)


def expected_text(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.lists(_ALPHABET, min_size=1, max_size=120).map("".join))
def test_any_utf8_text_round_trips_with_valid_units(tmp_path: Path, raw: str) -> None:
    path = write(tmp_path, "egenskap.txt", raw.encode("utf-8"))
    expected = expected_text(raw)
    if not expected.strip():
        with pytest.raises(ImportFileError):
            read_transcript(path)
        return
    doc = read_transcript(path)
    assert doc.text == expected
    assert_well_formed(doc)


def _sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no room on disk."""
    with path.open("wb") as stream:
        stream.truncate(size)
    return path


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "stor.txt", 200 * 1024 * 1024)
    started = time.monotonic()
    with pytest.raises(ImportFileError) as caught:
        read_text_file(path, "txt")
    assert time.monotonic() - started < 1
    assert str(caught.value) == (
        "“stor.txt” is too large to import (200 MB); Tillit imports text files up to 32 MB."
    )
    assert MAX_TEXT_BYTES == 32 * 1024 * 1024


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_file, "MAX_TEXT_BYTES", 1000)
    path = tmp_path / "grense.txt"
    path.write_bytes(b"Kari: hei\n" * 100)
    assert len(read_text_file(path, "txt").paragraphs) == 100
    path.write_bytes(b"Kari: hei\n" * 100 + b"!")
    with pytest.raises(ImportFileError, match=r"\(1,001 bytes\); Tillit imports text files up to"):
        read_text_file(path, "txt")


@pytest.mark.parametrize(
    ("make", "kind"),
    [(os.mkfifo, "a pipe"), (lambda path: path.symlink_to("/dev/zero"), "a device")],
    ids=["fifo", "dev-zero"],
)
def test_only_regular_files_are_read(tmp_path: Path, make: object, kind: str) -> None:
    path = tmp_path / "x.txt"
    make(path)  # type: ignore[operator]
    started = time.monotonic()
    with pytest.raises(ImportFileError) as caught:
        read_text_file(path, "txt")
    assert time.monotonic() - started < 1
    assert str(caught.value) == (
        f"“x.txt” is {kind}, not a regular file; Tillit imports only files saved on disk."
    )


@pytest.mark.parametrize("separator", ["\n", "\r\n", "\r", "\x0c", "\u2028"])
def test_more_lines_than_one_document_holds_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, separator: str
) -> None:
    monkeypatch.setattr(text_file, "MAX_LINES", 1000)
    path = tmp_path / "linjer.txt"
    # Exactly the limit, whether or not the last line has a line end of its own.
    for text in (f"a{separator}" * 1000, separator.join(["a"] * 1000)):
        path.write_text(text, encoding="utf-8", newline="")
        assert len(read_text_file(path, "txt").paragraphs) == 1000
    for text in (
        f"a{separator}" * 1001,
        separator.join(["a"] * 1001),
        f"a{separator}" * 1000 + "a",
    ):
        path.write_text(text, encoding="utf-8", newline="")
        with pytest.raises(ImportFileError) as caught:
            read_text_file(path, "txt")
        assert str(caught.value) == (
            "“linjer.txt” has more than 1,000 lines, more than Tillit imports as one document; "
            "split it into several files."
        )


def test_every_kind_of_line_end_counts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_file, "MAX_LINES", 6)
    # Lone \r and lone \n are a line end each, \r\n one; blank lines are lines.
    six = "a\rb\nc\r\nd\x0be\x85\n"
    assert len(six.splitlines()) == 6
    text_file.check_lines(six, Path("x.txt"))
    for seven in (f"{six}g", f"{six}\u2029", f"\r{six}", six.replace("\r\n", "\n\r")):
        with pytest.raises(ImportFileError, match="more than 6 lines"):
            text_file.check_lines(seven, Path("x.txt"))


def test_a_file_of_exactly_the_most_lines_is_read(tmp_path: Path) -> None:
    limit = text_file.MAX_LINES
    assert limit == 200_000
    path = tmp_path / "linjer.txt"
    path.write_bytes(b"a\n" * limit)
    assert len(read_text_file(path, "txt").paragraphs) == limit
    text_file.check_lines("a\r\n" * limit, path)
    text_file.check_lines("\n".join(["a"] * limit), path)
    path.write_bytes(b"a\n" * (limit + 1))
    with pytest.raises(ImportFileError, match="has more than 200,000 lines"):
        read_text_file(path, "txt")
    with pytest.raises(ImportFileError, match="has more than 200,000 lines"):
        text_file.check_lines("\n".join(["a"] * (limit + 1)), path)


def test_decoding_refuses_more_than_a_text_file_holds() -> None:
    with pytest.raises(ImportFileError, match="Tillit imports text files up to 32 MB"):
        decode_text(b"a" * (MAX_TEXT_BYTES + 1), Path("kilde.txt"))


def test_import_of_a_huge_file_a_pipe_or_a_device_refuses_quickly(tmp_path: Path) -> None:
    project = tmp_path / "p.tillit"
    before = new_project(project)
    huge = _sparse(tmp_path / "stor.txt", 200 * 1024 * 1024)
    fifo = tmp_path / "rør.txt"
    os.mkfifo(fifo)
    zero = tmp_path / "null.md"
    zero.symlink_to("/dev/zero")
    run = run_cli("import", project, huge, fifo, zero)
    assert assert_refused(run, memory=300 * 1024 * 1024) == (
        "tillit: 3 of 3 files cannot be imported, so nothing was imported: “stor.txt” is too "
        "large to import (200 MB); Tillit imports text files up to 32 MB. “rør.txt” is a pipe, "
        "not a regular file; Tillit imports only files saved on disk. “null.md” is a device, "
        "not a regular file; Tillit imports only files saved on disk."
    )
    assert project.read_bytes() == before
