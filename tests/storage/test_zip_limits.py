"""Zip archives (.qdpx, .docx, .odt) are read within bounds and refused in one sentence."""

from __future__ import annotations

import io
import random
import struct
import time
import zipfile
from pathlib import Path

import docx
import pytest

from storage.errors import ImportFileError
from storage.formats.qdpx import Archive
from storage.formats.transcript import read_transcript
from storage.formats.zip_reader import MAX_ENTRY_BYTES, ZipLimits, ZipReader
from tests.storage.hostile_files import (
    MIB,
    RawEntry,
    assert_refused,
    deflated,
    deflated_zeros,
    entries_of,
    new_project,
    run_cli,
    stored,
    write_zip,
)

GIGA_ENTRY = 1_100_000_000  # above SQLite's largest value (1,000,000,000 bytes)
QDE = b'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p"/>'
ODT_CONTENT = (
    b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
    b"<text:p>Hei</text:p></office:text></office:body></office:document-content>"
)


def _reader(data: bytes, limits: ZipLimits | None = None) -> ZipReader:
    return ZipReader(io.BytesIO(data), "a.zip", not_zip="“a.zip” is no zip.", limits=limits)


def _bytes(entries: list[RawEntry], tmp_path: Path) -> bytes:
    return write_zip(tmp_path / "a.zip", entries).read_bytes()


def _flagged(entry: RawEntry, **changes: int) -> RawEntry:
    fields = {"method": entry.method, "flags": entry.flags, "size": entry.size, "crc": entry.crc}
    return RawEntry(entry.name, entry.packed, **(fields | changes))


@pytest.fixture(scope="module")
def giga_qdpx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A .qdpx whose project.qde is 1.1 GB of zeros, packed to about a megabyte."""
    folder = tmp_path_factory.mktemp("giga")
    return write_zip(folder / "stor.qdpx", [deflated_zeros("project.qde", GIGA_ENTRY)])


# --- the reader ------------------------------------------------------------------------------


def test_a_gigabyte_entry_is_refused_at_once_without_reading_it(giga_qdpx: Path) -> None:
    started = time.monotonic()
    with Archive(giga_qdpx) as archive, pytest.raises(ImportFileError) as caught:
        archive.read("project.qde")
    assert time.monotonic() - started < 2
    assert str(caught.value) == (
        "“stor.qdpx” is refused: its entry “project.qde” expands to more than 100 times its "
        "packed size, as zip bombs do."
    )


def test_an_entry_over_the_size_bound_is_refused_whatever_it_packs_to(tmp_path: Path) -> None:
    noise = random.Random(1).randbytes(3 * MIB)
    data = _bytes([stored("big.bin", noise), deflated("small.txt", b"hei")], tmp_path)
    with _reader(data, ZipLimits(entry=2 * MIB)) as reader:
        assert reader.read("small.txt") == b"hei"
        with pytest.raises(ImportFileError, match="expands to more than 2 MB, more than Tillit"):
            reader.read("big.bin")
    assert MAX_ENTRY_BYTES < 1_000_000_000  # below what one SQLite value holds


def test_a_header_understating_the_size_never_yields_more_than_it_says(tmp_path: Path) -> None:
    lying = _flagged(deflated_zeros("x.txt", 20 * MIB), size=1000)  # 20 MB packed in 20 kB
    with _reader(_bytes([lying], tmp_path)) as reader, pytest.raises(ImportFileError) as caught:
        reader.read("x.txt")
    assert str(caught.value) == "“a.zip” is damaged: its entry “x.txt” cannot be read."


def test_reading_stops_at_the_bound_for_the_whole_archive(tmp_path: Path) -> None:
    entries = [deflated(f"{n}.txt", random.Random(n).randbytes(400_000)) for n in range(4)]
    with _reader(_bytes(entries, tmp_path), ZipLimits(total=MIB)) as reader:
        reader.read("0.txt")
        reader.read("1.txt")
        with pytest.raises(ImportFileError, match="expands to more than 1 MB, more than Tillit"):
            reader.read("2.txt")


def test_small_entries_may_pack_as_tightly_as_they_like(tmp_path: Path) -> None:
    spaces = b" " * (MIB - 1)  # packs about a thousandfold, under the megabyte floor
    with _reader(_bytes([deflated("blank.txt", spaces)], tmp_path)) as reader:
        assert reader.read("blank.txt") == spaces


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"flags": 0x1}, "is protected by a password (its entry “x.txt” is encrypted)"),
        ({"flags": 0x41}, "is protected by a password"),
        ({"method": 9}, "compressed with a method Tillit does not know (method 9)"),
        ({"method": 99}, "compressed with a method Tillit does not know (method 99)"),
        ({"crc": 12345}, "is damaged: its entry “x.txt” cannot be read"),
        ({"method": 12}, "is damaged: its entry “x.txt” cannot be read"),  # bzip2 of deflate
        ({"method": 14}, "is damaged: its entry “x.txt” cannot be read"),  # lzma of deflate
    ],
    ids=["encrypted", "strong-encryption", "deflate64", "aes", "bad-crc", "bad-bzip2", "bad-lzma"],
)
def test_entries_that_cannot_be_read_are_named(
    tmp_path: Path, change: dict[str, int], message: str
) -> None:
    entry = _flagged(deflated("x.txt", "Intervju med Kari: æøå. ".encode() * 200), **change)
    with _reader(_bytes([entry], tmp_path)) as reader, pytest.raises(ImportFileError) as caught:
        reader.read("x.txt")
    assert message in str(caught.value)
    assert str(caught.value).startswith("“a.zip” ")


def test_an_archive_declaring_millions_of_entries_is_refused_before_they_are_read() -> None:
    end = struct.pack("<4s4HLLH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0, 0, 0)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1)
    zip64_end = struct.pack("<4sQ2H2L2Q2Q", b"PK\x06\x06", 44, 45, 45, 0, 0, *(5_000_000,) * 2,
                            0, 0)  # fmt: skip
    with pytest.raises(ImportFileError, match="holds 5,000,000 files, more than Tillit"):
        _reader(zip64_end + locator + end)


def test_whatever_is_damaged_in_an_archive_gives_one_sentence(tmp_path: Path) -> None:
    text = "Kari: Vi har fått mer tillit. ".encode() * 300
    original = _bytes(
        [
            deflated("a.xml", b"<a>" + text + b"</a>"),
            _flagged(stored("b.txt", text), method=0),
            deflated("c.txt", bytes(range(256)) * 20),
        ],
        tmp_path,
    )
    rng = random.Random(20250312)
    for _ in range(400):
        damaged = bytearray(original)
        if rng.random() < 0.3:
            damaged = damaged[: rng.randrange(len(damaged))]
        else:
            for _ in range(rng.randint(1, 4)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            with _reader(bytes(damaged)) as reader:
                reader.verify(is_xml=lambda name: name.endswith(".xml"))
        except ImportFileError as error:
            assert str(error).endswith(".") and "\n" not in str(error)


def test_checking_a_package_finds_xml_nested_too_deep(tmp_path: Path) -> None:
    deep = b"<a>" * 300 + b"</a>" * 300
    data = _bytes([deflated("word/document.xml", deep)], tmp_path)
    with _reader(data) as reader, pytest.raises(ImportFileError, match="than 256 levels deep"):
        reader.verify(is_xml=lambda name: name.endswith(".xml"))


# --- through the readers ---------------------------------------------------------------------


def _docx_with(tmp_path: Path, *extra: RawEntry) -> Path:
    document = docx.Document()
    document.add_paragraph("Kari: Vi har fått mer tillit.")
    document.save(str(tmp_path / "plain.docx"))
    entries = entries_of(tmp_path / "plain.docx")
    return write_zip(tmp_path / "intervju.docx", [*entries, *extra])


def test_a_sound_docx_rebuilt_by_hand_still_reads(tmp_path: Path) -> None:
    assert read_transcript(_docx_with(tmp_path)).text == "Kari: Vi har fått mer tillit."


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda tmp: _docx_with(tmp, deflated_zeros("word/media/image1.png", 300 * MIB)),
            "“intervju.docx” is refused: its entry “word/media/image1.png” expands to more "
            "than 100 times its packed size, as zip bombs do.",
        ),
        (
            lambda tmp: _docx_with(tmp, _flagged(deflated("word/x.xml", b"<x/>"), flags=1)),
            "“intervju.docx” is protected by a password (its entry “word/x.xml” is encrypted); "
            "Tillit cannot read encrypted files, so save it without a password and import that.",
        ),
        (
            lambda tmp: write_zip(
                tmp / "intervju.odt", [deflated_zeros("content.xml", GIGA_ENTRY)]
            ),
            "“intervju.odt” is refused: its entry “content.xml” expands to more than 100 times "
            "its packed size, as zip bombs do.",
        ),
    ],
    ids=["docx-bomb", "docx-encrypted", "odt-bomb"],
)
def test_word_and_opendocument_bombs_are_refused(
    tmp_path: Path, make: object, message: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(ImportFileError) as caught:
        read_transcript(path)
    assert str(caught.value) == message


def _corrupt_layout(path: Path) -> Path:
    """A zip whose end record puts the central directory further on than it is, so that the
    first entry seems to start before the file does (``zipfile`` seeks to a negative place)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", ODT_CONTENT)
        archive.writestr("word/document.xml", b"<w:document/>")
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    (offset,) = struct.unpack_from("<L", data, end + 16)
    struct.pack_into("<L", data, end + 16, offset + 1000)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("suffix", [".odt", ".docx"])
def test_a_corrupt_zip_layout_is_damage(tmp_path: Path, suffix: str) -> None:
    path = _corrupt_layout(tmp_path / f"intervju{suffix}")
    with pytest.raises(ImportFileError, match="the file is damaged or is another kind of file"):
        read_transcript(path)


# --- the command line ------------------------------------------------------------------------


def test_refi_import_of_a_gigabyte_entry_refuses_quickly_in_little_memory(
    tmp_path: Path, giga_qdpx: Path
) -> None:
    run = run_cli("refi", "import", giga_qdpx, tmp_path / "ny.tillit")
    line = assert_refused(run, within=20, memory=300 * MIB)
    assert "“stor.qdpx” is refused: its entry “project.qde” expands" in line
    assert not (tmp_path / "ny.tillit").exists()


def test_codebook_merge_of_a_bomb_or_an_encrypted_project_leaves_the_project_alone(
    tmp_path: Path, giga_qdpx: Path
) -> None:
    project = tmp_path / "lead.tillit"
    before = new_project(project)
    run = run_cli("codebook", "merge", project, giga_qdpx)
    assert "zip bombs do" in assert_refused(run, memory=300 * MIB)
    encrypted = write_zip(tmp_path / "låst.qdpx", [_flagged(deflated("project.qde", QDE), flags=1)])
    run = run_cli("codebook", "merge", project, encrypted)
    assert "“låst.qdpx” is protected by a password" in assert_refused(run)
    assert project.read_bytes() == before


@pytest.mark.parametrize("kind", ["docx", "odt"])
def test_import_of_a_word_or_opendocument_bomb_leaves_the_project_alone(
    tmp_path: Path, kind: str
) -> None:
    project = tmp_path / "p.tillit"
    before = new_project(project)
    if kind == "docx":
        bomb = _docx_with(tmp_path, deflated_zeros("word/media/image1.png", GIGA_ENTRY))
    else:
        bomb = write_zip(tmp_path / "intervju.odt", [deflated_zeros("content.xml", GIGA_ENTRY)])
    line = assert_refused(run_cli("import", project, bomb), memory=300 * MIB)
    assert f"“intervju.{kind}” is refused" in line
    if kind == "odt":  # a corrupt layout made zipfile seek before the file's start
        damaged = _corrupt_layout(tmp_path / "skadet.odt")
        assert "“skadet.odt” cannot be read" in assert_refused(run_cli("import", project, damaged))
    assert project.read_bytes() == before
