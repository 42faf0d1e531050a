"""Reading REFI-QDA codebooks leniently and safely, and writing valid ones."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
import xmlschema

from storage.errors import ImportFileError
from storage.formats.qdc import MAX_CODE_DEPTH, NAMESPACE, QdcCode, read_qdc, write_qdc

SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "Codebook-mrt2019.xsd"

ATLAS_LIKE = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:0:4" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="urn:QDA-XML:codebook:0:4">
  <Codes>
    <Code guid="{8F2C7C3A-1B2D-4E5F-9A0B-C1D2E3F4A5B6}" name="Tillit" isCodable="true">
      <Description>Når informanten snakker om tillit.</Description>
      <Code guid="8F2C7C3A-1B2D-4E5F-9A0B-C1D2E3F4A5B7" name="Skjønn  og ansvar" isCodable="false"
            color="#A1B2C3"/>
    </Code>
    <Code guid="not-a-guid" name="Uten farge"/>
  </Codes>
</CodeBook>"""


def test_lenient_with_namespaces_guids_and_missing_colours(tmp_path: Path) -> None:
    path = tmp_path / "atlas.qdc"
    path.write_text(ATLAS_LIKE, encoding="utf-8")
    book = read_qdc(path)
    [tillit, plain] = book.codes
    assert tillit.guid == "8f2c7c3a-1b2d-4e5f-9a0b-c1d2e3f4a5b6"
    assert (tillit.color, tillit.codable) == (None, True)
    assert tillit.description == "Når informanten snakker om tillit."
    [child] = tillit.children
    assert (child.name, child.codable, child.color) == ("Skjønn og ansvar", False, "#a1b2c3")
    assert child.guid == "8f2c7c3a-1b2d-4e5f-9a0b-c1d2e3f4a5b7"
    assert len(plain.guid) == 36 and plain.codable  # a malformed GUID gets a fresh one
    [warning] = book.warnings  # read leniently, and said so
    assert "“atlas.qdc” is in the namespace “urn:QDA-XML:codebook:0:4”" in warning


def test_written_codebook_validates_and_reads_back(tmp_path: Path) -> None:
    codes = [
        QdcCode(
            "0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2c",
            "Styring",
            codable=False,
            color="#8ecae6",
            description="Brief definition:\nOm styring – æøå 😀",
            children=[QdcCode("1b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2c", "Tidsstyring")],
        )
    ]
    path = tmp_path / "out.qdc"
    write_qdc(path, codes)
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(path))
    assert read_qdc(path).codes == codes
    assert read_qdc(path).warnings == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            '"&lol;&lol;&lol;&lol;">]><CodeBook><Codes><Code guid="x" name="&lol2;"/>'
            "</Codes></CodeBook>",
            "refuses for safety",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<CodeBook><Codes><Code guid="x" name="&x;"/></Codes></CodeBook>',
            "refuses for safety",
        ),
        ("<CodeBook><Codes><Code name='a'>", "not well-formed"),
        ("<Something/>", "not a REFI-QDA codebook"),
    ],
)
def test_unsafe_or_broken_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.qdc"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=message) as caught:
        read_qdc(path)
    assert "bad.qdc" in str(caught.value)


def _nested(depth: int, namespace: str = NAMESPACE) -> str:
    """A codebook whose codes nest ``depth`` levels deep."""
    opening = "".join(f'<Code guid="{uuid.UUID(int=level)}" name="Nivå {level}">' for level in
                      range(1, depth + 1))  # fmt: skip
    declared = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><CodeBook{declared}><Codes>{opening}'
        f"{'</Code>' * depth}</Codes></CodeBook>"
    )


def _depth(codes: list[QdcCode]) -> int:
    depth = 0
    while codes:
        depth, codes = depth + 1, codes[0].children
    return depth


@pytest.mark.parametrize("depth", [100, MAX_CODE_DEPTH])
def test_a_deep_codebook_still_reads(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "dyp.qdc"
    path.write_text(_nested(depth), encoding="utf-8")
    book = read_qdc(path)
    assert _depth(book.codes) == depth
    assert book.warnings == []


@pytest.mark.parametrize("depth", [MAX_CODE_DEPTH + 1, 500, 5000])
def test_codes_nested_deeper_than_tillit_reads_are_refused(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "dyp.qdc"
    path.write_text(_nested(depth), encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        read_qdc(path)
    assert str(caught.value) == (
        "“dyp.qdc” nests codes more than 128 levels deep; Tillit reads codebooks up to 128 "
        "levels deep."
    )


@pytest.mark.parametrize("encoding", ["klingon", "rot13", "utf-32"])
def test_an_encoding_tillit_cannot_read_is_named(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "fremmed.qdc"
    path.write_bytes(_nested(2).replace("utf-8", encoding).encode("utf-8"))
    with pytest.raises(ImportFileError) as caught:
        read_qdc(path)
    assert str(caught.value) == (
        f"“fremmed.qdc” declares its text in the encoding “{encoding}”, which Tillit cannot "
        "read; save it as UTF-8 and try again."
    )


def test_a_codebook_without_namespace_or_with_code_groups_says_so(tmp_path: Path) -> None:
    sets = (
        '<Sets><Set guid="{}" name="Gruppe"><MemberCode targetGUID="{}"/></Set>'
        '<Set guid="{}" name="Tom"/></Sets>'
    ).format(*(uuid.UUID(int=n) for n in (90, 1, 91)))
    path = tmp_path / "grupper.qdc"
    path.write_text(_nested(1, namespace="").replace("</Codes>", "</Codes>" + sets), "utf-8")
    book = read_qdc(path)
    assert [code.name for code in book.codes] == ["Nivå 1"]
    assert book.warnings == [
        "“grupper.qdc” declares no namespace, so it may not be a REFI-QDA codebook; Tillit "
        "read what it recognised, so check what came in.",
        "“grupper.qdc” has 1 code group (Sets), which Tillit does not hold; it was left out, "
        "and the codes in it are read like any other.",
    ]


def test_only_a_regular_file_of_a_codebook_s_size_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "rør.qdc"
    os.mkfifo(fifo)
    zero = tmp_path / "null.qdc"
    zero.symlink_to("/dev/zero")
    huge = tmp_path / "stor.qdc"
    with huge.open("wb") as stream:
        stream.truncate(60 * 1024 * 1024)  # sparse: takes no room on disk
    started = time.monotonic()
    for path, message in [
        (fifo, "“rør.qdc” is a pipe, not a regular file; Tillit imports only files saved on disk."),
        (zero, "“null.qdc” is a device, not a regular file; Tillit imports only files saved on "
               "disk."),
        (huge, "“stor.qdc” is too large to import (60 MB); Tillit imports codebooks up to 50 MB."),
    ]:  # fmt: skip
        with pytest.raises(ImportFileError) as caught:
            read_qdc(path)
        assert str(caught.value) == message
    assert time.monotonic() - started < 2
