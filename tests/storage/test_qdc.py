"""Reading REFI-QDA codebooks leniently and safely, and writing valid ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from storage.errors import ImportFileError
from storage.formats.qdc import QdcCode, read_qdc, write_qdc

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
    [tillit, plain] = read_qdc(path)
    assert tillit.guid == "8f2c7c3a-1b2d-4e5f-9a0b-c1d2e3f4a5b6"
    assert (tillit.color, tillit.codable) == (None, True)
    assert tillit.description == "Når informanten snakker om tillit."
    [child] = tillit.children
    assert (child.name, child.codable, child.color) == ("Skjønn og ansvar", False, "#a1b2c3")
    assert child.guid == "8f2c7c3a-1b2d-4e5f-9a0b-c1d2e3f4a5b7"
    assert len(plain.guid) == 36 and plain.codable  # a malformed GUID gets a fresh one


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
    assert read_qdc(path) == codes


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
