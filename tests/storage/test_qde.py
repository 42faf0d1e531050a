"""Reading REFI-QDA project files leniently and safely, and writing valid ones."""

from __future__ import annotations

import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xmlschema

from storage.errors import ImportFileError, StorageError
from storage.formats.qdc import QdcCode
from storage.formats.qde import (
    QdeCase,
    QdeCoding,
    QdeNote,
    QdeProject,
    QdeSelection,
    QdeSource,
    QdeUser,
    QdeValue,
    QdeVariable,
    parse_project,
    project_xml,
)
from storage.formats.qdpx import Archive, write_archive
from tests.storage.hostile_files import assert_refused, new_project, run_cli

SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "Project-mrt2019.xsd"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "refi-qda"

GUID = "8F2C7C3A-1B2D-4E5F-9A0B-C1D2E3F4A5B{}"

# A prefixed namespace, braced upper-case GUIDs, elements the format lacks, a case that names
# its documents as sets do (MemberSource), a PDF with a text representation and a picture.
LENIENT = f"""<?xml version="1.0" encoding="utf-8"?>
<qda:Project xmlns:qda="urn:QDA-XML:project:1.0" name="  Studie   1 " origin="Some program"
    modifyingUserGUID="{{{GUID.format(1)}}}">
  <qda:Users><qda:User guid="{{{GUID.format(1)}}}" id="KN"/></qda:Users>
  <qda:CodeBook><qda:Codes>
    <qda:Code guid="{GUID.format(2)}" name="Tillit" color="#f00">
      <qda:NoteRef targetGUID="{GUID.format(9)}"/>
      <qda:Code guid="{GUID.format(3)}" name="Skjønn" isCodable="false"/>
    </qda:Code>
  </qda:Codes></qda:CodeBook>
  <qda:Variables>
    <qda:Variable guid="{GUID.format(4)}" name="Alder" typeOfVariable="Integer"/>
    <qda:Variable guid="{GUID.format(5)}" name="Rar" typeOfVariable="Colour"/>
  </qda:Variables>
  <qda:Cases>
    <qda:Case guid="{GUID.format(6)}" name="Bergen">
      <qda:Description>Hjemmetjenesten</qda:Description>
      <qda:VariableValue><qda:VariableRef targetGUID="{GUID.format(4)}"/>
        <qda:IntegerValue>42</qda:IntegerValue></qda:VariableValue>
      <qda:MemberSource targetGUID="{GUID.format(7)}"/>
      <qda:SelectionRef targetGUID="{GUID.format(8)}"/>
    </qda:Case>
  </qda:Cases>
  <qda:Sources>
    <qda:TextSource guid="{GUID.format(7)}" name="Intervju" plainTextPath="internal://a.txt">
      <qda:Unknown>ignored</qda:Unknown>
      <qda:PlainTextSelection guid="{GUID.format(8)}" name="Tillit" startPosition="4"
          endPosition="x">
        <qda:Coding guid="{GUID.format(8)}" creatingUser="{GUID.format(1)}">
          <qda:CodeRef targetGUID="{{{GUID.format(2)}}}"/>
        </qda:Coding>
      </qda:PlainTextSelection>
    </qda:TextSource>
    <qda:PDFSource guid="{GUID.format(10)}" name="Rapport" path="internal://r.pdf">
      <qda:PDFSelection guid="{GUID.format(11)}" page="1" firstX="0" firstY="0" secondX="1"
          secondY="1"/>
      <qda:Representation guid="{GUID.format(12)}" plainTextPath="internal://r.txt"/>
    </qda:PDFSource>
    <qda:PictureSource guid="{GUID.format(13)}" name="Bilde"/>
  </qda:Sources>
  <qda:Notes>
    <qda:Note guid="{GUID.format(9)}" name="Om tillit"><qda:PlainTextContent>Æ ø å 😀
</qda:PlainTextContent></qda:Note>
  </qda:Notes>
  <qda:Sets><qda:Set guid="{GUID.format(14)}" name="Utvalg"/></qda:Sets>
</qda:Project>"""


def _guid(last: int) -> str:
    return GUID.format(last).lower()


def test_lenient_with_prefixes_guids_and_what_is_missing() -> None:
    project = parse_project(LENIENT.encode("utf-8"), "a.qdpx")
    assert (project.name, project.origin, project.modifying_user) == (
        "Studie 1",
        "Some program",
        _guid(1),
    )
    assert project.users == [QdeUser(_guid(1), "KN")]  # the id stands in for a missing name
    [tillit] = project.codes
    assert (tillit.guid, tillit.color, tillit.codable, tillit.notes) == (
        _guid(2),
        "#ff0000",
        True,
        [_guid(9)],
    )
    assert [v.kind for v in project.variables] == ["Integer", "Text"]
    [case] = project.cases
    assert (case.description, case.sources, case.selections) == ("Hjemmetjenesten", [_guid(7)], 1)
    assert case.values == [QdeValue(_guid(4), "Integer", "42")]
    text, pdf = project.sources
    [selection] = text.selections
    assert (selection.start, selection.end, selection.name) == (4, None, "Tillit")
    assert selection.codings[0].code_guid == _guid(2)
    assert selection.codings[0].guid != selection.guid  # a repeated GUID gets a fresh one
    assert (pdf.kind, pdf.plain_text_path, len(pdf.other_selections)) == (
        "PDFSource",
        "internal://r.txt",
        1,
    )
    assert project.notes[0].content == "Æ ø å 😀\n"
    assert project.left_out == {"PictureSource": 1, "Sets": 1}
    assert project.warnings == []  # REFI-QDA's namespace, under a prefix


def test_no_namespace_at_all_is_read_too() -> None:
    project = parse_project(
        b'<Project name="p"><Sources><TextSource guid="x"><PlainTextContent>Hei'
        b"</PlainTextContent></TextSource></Sources></Project>",
        "p.qdpx",
    )
    [source] = project.sources
    assert source.content == "Hei" and len(source.guid) == 36
    assert project.warnings == [
        "“p.qdpx” declares no namespace, so it may not be a REFI-QDA project; Tillit read what "
        "it recognised, so check what came in."
    ]


def test_another_namespace_is_read_with_a_warning() -> None:
    project = parse_project(
        b'<Project xmlns="urn:QDA-XML:project:0:4" name="p"><CodeBook><Codes>'
        b'<Code guid="x" name="Tillit"/></Codes></CodeBook></Project>',
        "gammel.qdpx",
    )
    assert [code.name for code in project.codes] == ["Tillit"]
    assert project.warnings == [
        "“gammel.qdpx” is in the namespace “urn:QDA-XML:project:0:4”, not REFI-QDA's "
        "“urn:QDA-XML:project:1.0”; Tillit read what it recognised, so check what came in."
    ]


def deep_project(depth: int) -> bytes:
    """A project.qde whose codes nest ``depth`` levels deep."""
    codes = "".join(f'<Code guid="{_guid(0)[:-4]}{level:04x}" name="N{level}">' for level in
                    range(depth))  # fmt: skip
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
        f'name="p"><CodeBook><Codes>{codes}{"</Code>" * depth}</Codes></CodeBook></Project>'
    ).encode()


def test_codes_a_hundred_deep_read_and_five_hundred_deep_are_refused() -> None:
    codes = parse_project(deep_project(100), "p.qdpx").codes
    for _ in range(99):
        [code] = codes
        codes = code.children
    assert [code.name for code in codes] == ["N99"]
    with pytest.raises(ImportFileError) as caught:
        parse_project(deep_project(500), "p.qdpx")
    assert str(caught.value) == (
        "“p.qdpx” nests codes more than 128 levels deep; Tillit reads codebooks up to 128 "
        "levels deep."
    )


def test_an_encoding_tillit_cannot_read_is_named() -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_project(b'<?xml version="1.0" encoding="klingon"?><Project name="p"/>', "p.qdpx")
    assert str(caught.value) == (
        "“p.qdpx” declares its text in the encoding “klingon”, which Tillit cannot read; save "
        "it as UTF-8 and try again."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "x">]><Project name="&x;"/>',
            "refuses for safety",
        ),
        (b"<Project name='p'><Users>", "not well-formed XML"),
        (b"<CodeBook/>", "holds no Project"),
    ],
)
def test_unsafe_damaged_or_foreign_files_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse_project(content, "p.qdpx")


def test_every_sample_parses() -> None:
    for path in sorted(SAMPLES.glob("*.qdpx")):
        with Archive(path) as archive:
            project = parse_project(archive.read(archive.project_entry()), path.name)
        assert project.users, path.name


def _full_project() -> QdeProject:
    when = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    coding = QdeCoding(_guid(5), _guid(2), _guid(1), when, [_guid(9)])
    return QdeProject(
        name="Tillit – studie",
        origin="Tillit",
        modifying_user=_guid(1),
        description="Language: nb",
        users=[QdeUser(_guid(1), "Kari Nordmann")],
        codes=[QdcCode(_guid(2), "Tillit", color="#8ecae6", notes=[_guid(9)])],
        variables=[QdeVariable(_guid(3), "Alder", "Float", "Attribute of: cases")],
        cases=[QdeCase(_guid(4), "Bergen", "Hjem", [QdeValue(_guid(3), "Float", "42.5")])],
        sources=[
            QdeSource(
                guid=_guid(6),
                name="Intervju\x0c 1",  # a control character XML cannot hold
                plain_text_path=f"internal://{_guid(6)}.txt",
                created=when,
                selections=[QdeSelection(_guid(7), "Æ\nø 😀", 0, 5, _guid(1), when, [coding])],
                notes=[_guid(9)],
                values=[QdeValue(_guid(3), "Float", "1")],
            )
        ],
        notes=[QdeNote(_guid(9), "Memo", "Tekst\nmed æøå", creating_user=_guid(1))],
        project_notes=[_guid(9)],
    )


def test_a_written_project_validates_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "project.qde"
    path.write_bytes(project_xml(_full_project()))
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(path))
    back = parse_project(path.read_bytes(), path.name)
    [source] = back.sources
    assert source.name == "Intervju 1"
    assert source.selections[0].name == "Æ\nø 😀"  # line ends in attributes survive
    assert source.selections[0].codings[0].notes == [_guid(9)]
    assert back.codes[0].notes == [_guid(9)] and back.project_notes == [_guid(9)]
    assert back.notes[0].content == "Tekst\nmed æøå"
    assert back.cases[0].values == [QdeValue(_guid(3), "Float", "42.5")]


def test_an_archive_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "out.qdpx"
    write_archive(path, b"<Project/>", [("a.txt", "æøå 😀")])
    with zipfile.ZipFile(path) as archive:
        assert archive.read("sources/a.txt").decode("utf-8") == "æøå 😀"

    def failing() -> list[tuple[str, str]]:
        raise StorageError("stopped")

    target = tmp_path / "failed.qdpx"
    with pytest.raises(StorageError):
        write_archive(target, b"<Project/>", (item for item in failing()))
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    ("qde", "message"),
    [
        (
            b'<?xml version="1.0" encoding="klingon"?><Project name="p"/>',
            "tillit: “p.qdpx” declares its text in the encoding “klingon”, which Tillit cannot "
            "read; save it as UTF-8 and try again.",
        ),
        (
            deep_project(500),
            "tillit: “p.qdpx” nests codes more than 128 levels deep; Tillit reads codebooks up "
            "to 128 levels deep.",
        ),
    ],
    ids=["klingon", "deep"],
)
def test_refi_import_and_codebook_merge_refuse_in_one_line(
    tmp_path: Path, qde: bytes, message: str
) -> None:
    qdpx = tmp_path / "p.qdpx"
    with zipfile.ZipFile(qdpx, "w") as archive:
        archive.writestr("project.qde", qde)
    assert assert_refused(run_cli("refi", "import", qdpx, tmp_path / "ny.tillit")) == message
    assert not (tmp_path / "ny.tillit").exists()
    project = tmp_path / "lead.tillit"
    before = new_project(project)
    assert assert_refused(run_cli("codebook", "merge", project, qdpx)) == message
    assert project.read_bytes() == before


def test_a_pipe_or_a_device_named_qdpx_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "rør.qdpx"
    os.mkfifo(fifo)
    zero = tmp_path / "null.qdpx"
    zero.symlink_to("/dev/zero")
    for path, kind in [(fifo, "a pipe"), (zero, "a device")]:
        with pytest.raises(ImportFileError) as caught:
            Archive(path)
        assert str(caught.value) == (
            f"“{path.name}” is {kind}, not a regular file; Tillit imports only files saved on disk."
        )
