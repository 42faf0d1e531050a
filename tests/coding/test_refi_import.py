"""Importing REFI-QDA projects: real exports, the traps of real files, and nothing left behind."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding import queries
from coding.errors import ImportFileError, ProjectFileError
from coding.importing import ImportCancelledError
from coding.project import Project
from coding.records import MemoTarget
from coding.refi_anchoring import (
    BY_POSITION,
    BY_TEXT,
    DIRECT,
    FOUND_BY_TEXT,
    VERIFIED,
    WHOLE,
    Anchoring,
    Placement,
    Selection,
)
from coding.refi_import import ImportReport, import_project
from coding.refi_sources import SourceText, read_facts, with_facts
from storage.formats.input_file import MIB
from storage.formats.text_file import MAX_LINES, MAX_TEXT_BYTES, normalise_text

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "refi-qda"
CODE = "0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2c"
TEXT = (
    "INT: Hva betyr tillitsreformen for deg?\n"
    "P1: Vi får bruke skjønn 😀 og ta ansvar.\n"
    "INT: Og lederen?\n"
    "P1: Hun stoler på oss – Æ, ø og å."
)


def _qdpx(path: Path, project: str, files: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project.encode("utf-8"))
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def _project(sources: str, code_guid: str = CODE) -> str:
    return (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Studie" origin="Tester">'
        '<Users><User guid="11111111-2222-3333-4444-555555555555" name="Kari"/></Users>'
        f'<CodeBook><Codes><Code guid="{code_guid}" name="Skjønn" isCodable="true"/>'
        f"</Codes></CodeBook><Sources>{sources}</Sources></Project>"
    )


def _selection(start: int, end: int, name: str, guid_end: int = 1) -> str:
    return (
        f'<PlainTextSelection guid="aaaaaaaa-0000-0000-0000-{guid_end:012d}" name="{name}" '
        f'startPosition="{start}" endPosition="{end}"><Coding guid="bbbbbbbb-0000-0000-0000-'
        f'{guid_end:012d}" creatingUser="11111111-2222-3333-4444-555555555555"><CodeRef '
        f'targetGUID="{CODE.upper()}"/></Coding></PlainTextSelection>'
    )


def _codings(path: Path) -> list[str]:
    with Project.open(path, backup=False) as project:
        return [coding.text for coding in queries.codings(project)]


def test_every_sample_imports(tmp_path: Path) -> None:
    expected = {
        "atlas23-blank.qdpx": (0, 0, 0, 2),
        "atlas23-target.qdpx": (0, 3, 0, 2),
        "nvivo-mac15.qdpx": (2, 262, 0, 2),
        "qc-demo.qdpx": (2, 262, 205, 1),
    }
    for path in sorted(SAMPLES.glob("*.qdpx")):
        report = import_project(path, tmp_path / f"{path.stem}.tillit")
        assert (report.documents, report.codes, report.codings, report.coders) == expected[
            path.name
        ]
        assert report.unplaced == [] and report.codings_reanchored == 0
        assert report.codings_found_by_text == 0
        with Project.open(report.project_path, backup=False) as project:
            assert len(queries.codes(project)) == report.codes
    atlas = tmp_path / "atlas23-target.tillit"
    with Project.open(atlas, backup=False) as project:
        [commits, *_] = queries.codes(project)
        assert commits.uuid == "a182cd3a-d83c-4d8c-bc80-26d9103ec6d6"  # lower case, no braces
        assert project.current_coder().name == "Enric Llagostera"  # the modifying user


def test_the_qc_sample_codes_the_lines_its_selections_name(tmp_path: Path) -> None:
    """qc names each selection "line:N"; each coding must hold exactly that line."""
    report = import_project(SAMPLES / "qc-demo.qdpx", tmp_path / "qc.tillit")
    with Project.open(report.project_path, backup=False) as project:
        texts = {
            doc.id: queries.document(project, doc.id).text for doc in queries.documents(project)
        }
        codings = queries.codings(project)
    with zipfile.ZipFile(SAMPLES / "qc-demo.qdpx") as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert len(codings) == 205 == qde.count("<Coding ")
    for coding in codings:
        lines = texts[coding.document_id].split("\n")
        line = texts[coding.document_id][: coding.start].count("\n")
        assert coding.text.rstrip("\n") == lines[line]
        assert f'name="line:{line}"' in qde


def test_an_nvivo_source_without_text_is_imported_empty_with_a_warning(tmp_path: Path) -> None:
    report = import_project(SAMPLES / "nvivo-mac15.qdpx", tmp_path / "n.tillit")
    assert len([w for w in report.warnings if "imported as an empty document" in w]) == 2


def test_offsets_counted_in_utf16_over_crlf_with_a_bom_are_re_anchored(tmp_path: Path) -> None:
    raw = TEXT.replace("\n", "\r\n")
    start = raw.index("Vi får")
    end = raw.index(" og ta")

    def utf16(index: int) -> int:
        return len(raw[:index].encode("utf-16-le")) // 2

    excerpt = raw[start:end]
    sources = (
        '<TextSource guid="{C0FFEE00-0000-0000-0000-000000000001}" name="Intervju" '
        'plainTextPath="internal://Intervju.txt">'
        + _selection(utf16(start), utf16(end), excerpt, 1)
        + _selection(start, end, excerpt, 2)
        + "</TextSource>"
    )
    path = _qdpx(
        tmp_path / "nvivo.qdpx",
        _project(sources),
        {"Sources/Intervju.txt": codecs.BOM_UTF8 + raw.encode("utf-8")},
    )
    report = import_project(path, tmp_path / "out")
    assert report.project_path.name == "out.tillit"
    assert report.codings_direct == 1 and report.codings_reanchored == 1
    assert set(report.reanchored_by) == {"UTF-16 units"}
    assert report.codings_verified == 2 and report.codings_by_position == 0
    assert _codings(report.project_path) == ["Vi får bruke skjønn 😀"] * 2
    [source] = report.sources
    assert (source.selections, source.verified, source.line_ends) == (2, 2, "CRLF")


def _nvivo_like(tmp_path: Path, origin: str, raw: str, spans: list[tuple[int, int]]) -> Path:
    """A file as NVivo for Windows writes it: the text with a BOM in ``Sources/``, selections
    without names, positions in UTF-16 units of ``raw`` (``spans`` are code points of it)."""

    def utf16(index: int) -> int:
        return len(raw[:index].encode("utf-16-le")) // 2

    selections = "".join(
        _selection(utf16(start), utf16(end), "", number)
        for number, (start, end) in enumerate(spans, 1)
    )
    sources = (
        '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Intervju" '
        f'plainTextPath="internal://i.txt">{selections}</TextSource>'
    )
    project = _project(sources).replace('origin="Tester"', f'origin="{origin}"')
    files = {"Sources/i.txt": codecs.BOM_UTF8 + raw.encode("utf-8")}
    return _qdpx(tmp_path / "nvivo.qdpx", project, files)


def test_offsets_without_excerpts_are_read_the_way_their_edges_show(tmp_path: Path) -> None:
    """No excerpt to check, no hint from the producer: the selections' edges fall between words
    only when read as UTF-16 units over CRLF, the byte-order mark not counted."""
    raw = (TEXT.replace("\n", "\r\n") + "\r\n") * 3
    words = ["Hva betyr", "skjønn", "ta ansvar", "stoler på oss", "Og lederen?", "Æ, ø og å"]
    spans = []
    for occurrence, word in enumerate(words):
        start = raw.index(word, raw.index("INT", len(TEXT) * (occurrence % 3)))
        spans.append((start, start + len(word)))
    report = import_project(_nvivo_like(tmp_path, "Tester", raw, spans), tmp_path / "b")
    assert report.codings_by_position == len(words) and report.codings_verified == 0
    assert sorted(_codings(report.project_path)) == sorted(words)
    [source] = report.sources
    assert (source.utf16, source.line_ends, source.bom_counted) == (True, "CRLF", False)
    assert (source.on_boundaries, source.certainty) == (len(words), "certain")
    assert source.sentence() == (
        "“Intervju”: UTF-16 units over CRLF line ends, the byte-order mark not counted "
        "(6 of 6 selections on word boundaries) — certain."
    )


def test_a_tie_goes_to_the_way_the_producer_counts(tmp_path: Path) -> None:
    """One selection favours UTF-16 units, the other code points: the file's producer decides,
    and the report calls it a guess."""
    raw = "😀 alpha beta gamma delta"
    utf16_word = (raw.index("beta"), raw.index("beta") + 4)
    as_code_points = (raw.index("gamma") - 1, raw.index("gamma") + 4)  # UTF-16 of "gamma"
    results = {}
    for origin in ("NVivo for Windows 12.6", "ATLAS.ti 23"):
        folder = tmp_path / origin.split()[0]
        folder.mkdir()
        path = _nvivo_like(folder, origin, raw, [utf16_word, as_code_points])
        report = import_project(path, folder / "b")
        [source] = report.sources
        results[origin] = (source.utf16, source.certainty, source.decided_by)
        texts = sorted(_codings(report.project_path))
        assert texts == ([" gamm", "beta"] if source.utf16 else ["eta ", "gamma"])
        assert "a guess: the selections do not tell the ways of counting apart" in (
            source.sentence()
        )
    assert results == {
        "NVivo for Windows 12.6": (True, "guess", "producer"),
        "ATLAS.ti 23": (False, "guess", "specification"),
    }


def test_a_selection_whose_offsets_miss_is_found_by_its_text(tmp_path: Path) -> None:
    start = TEXT.index("Hun stoler")
    selections = (
        _selection(start - 30, start - 20, "Hun stoler på oss", 1)  # offsets far off
        + _selection(start, start + 10, "Hun stoler…", 2)  # a name cut short
        + _selection(0, 5, "Dette står ikke i teksten i det hele tatt", 3)
    )
    sources = (
        '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Intervju">'
        f"<PlainTextContent>{TEXT}</PlainTextContent>{selections}</TextSource>"
    )
    report = import_project(_qdpx(tmp_path / "a.qdpx", _project(sources)), tmp_path / "b")
    assert report.codings_direct == 1 and report.reanchored_by == {BY_TEXT: 1}
    assert (report.codings_verified, report.codings_found_by_text) == (1, 1)
    [unplaced] = report.unplaced
    assert unplaced.reason == "its text is not in the document" and unplaced.coder == "Kari"
    assert unplaced.code == "Skjønn" and unplaced.start == 0
    assert sorted(_codings(report.project_path)) == ["Hun stoler", "Hun stoler på oss"]


def test_a_word_source_without_plain_text_is_read_from_the_docx(tmp_path: Path) -> None:
    word = docx.Document()
    for line in TEXT.split("\n"):
        word.add_paragraph(line)
        word.add_paragraph("")  # blank paragraphs Tillit leaves out: offsets move
    word.save(str(tmp_path / "w.docx"))
    position = TEXT.index("Og lederen") + 6  # as the other program counted, blank lines too
    sources = (
        '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Word" '
        'plainTextPath="internal://w.txt" richTextPath="internal://w.docx">'
        + _selection(position, position + 10, "Og lederen")
        + "</TextSource>"
    )
    path = _qdpx(
        tmp_path / "w.qdpx",
        _project(sources),
        {"sources/w.docx": (tmp_path / "w.docx").read_bytes(), "sources/w.txt": b"\r\n"},
    )
    report = import_project(path, tmp_path / "w.tillit")
    assert report.reanchored_by == {BY_TEXT: 1} and report.codings_found_by_text == 1
    assert _codings(report.project_path) == ["Og lederen"]
    with Project.open(report.project_path, backup=False) as project:
        [document] = queries.documents(project)
        assert [p.speaker for p in queries.paragraphs(project, document.id)] == [
            "INT",
            "P1",
            "INT",
            "P1",
        ]


def test_labels_instead_of_excerpts_trust_the_offsets(tmp_path: Path) -> None:
    start = TEXT.index("Vi får")
    sources = (
        '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Intervju">'
        f"<PlainTextContent>{TEXT}</PlainTextContent>"
        + _selection(start, start + 6, "Segment 1", 1)
        + _selection(start, 10_000, "Segment 2", 2)
        + "</TextSource>"
    )
    report = import_project(_qdpx(tmp_path / "a.qdpx", _project(sources)), tmp_path / "b")
    assert report.codings_direct == 1 and report.codings_by_position == 1
    assert report.codings_verified == 0
    assert [u.reason for u in report.unplaced] == ["its position lies outside the document's text"]
    [source] = report.sources
    assert (source.selections, source.outside) == (2, 1)


def test_a_coding_of_a_code_not_in_the_codebook_is_listed(tmp_path: Path) -> None:
    sources = (
        '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Intervju">'
        f"<PlainTextContent>{TEXT}</PlainTextContent>{_selection(0, 3, 'INT')}</TextSource>"
    )
    other = "99999999-4bd1-4c6e-8a38-3f1e0c0a1b2c"
    report = import_project(_qdpx(tmp_path / "a.qdpx", _project(sources, other)), tmp_path / "b")
    assert [u.reason for u in report.unplaced] == ["its code is not in the codebook"]


def test_another_qde_name_and_upper_case_sources_folder(tmp_path: Path) -> None:
    path = tmp_path / "a.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        sources = (
            '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Intervju" '
            'plainTextPath="internal://x.txt"/>'
        )
        archive.writestr("Mitt prosjekt.qde", _project(sources))
        archive.writestr("SOURCES/X.TXT", TEXT.encode("utf-16"))
    report = import_project(path, tmp_path / "b")
    with Project.open(report.project_path, backup=False) as project:
        [document] = queries.documents(project)
        assert queries.document(project, document.id).text == normalise_text(TEXT)


def test_an_existing_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "b.tillit").write_bytes(b"mine")
    with pytest.raises(ProjectFileError, match="already exists"):
        import_project(SAMPLES / "qc-demo.qdpx", tmp_path / "b.tillit")
    assert (tmp_path / "b.tillit").read_bytes() == b"mine"


def test_a_cancelled_or_refused_import_leaves_no_project(tmp_path: Path) -> None:
    calls: list[str] = []

    def cancel(done: int, total: int, label: str) -> bool:
        calls.append(label)
        return not label.startswith("Placing")

    with pytest.raises(ImportCancelledError):
        import_project(SAMPLES / "qc-demo.qdpx", tmp_path / "b.tillit", progress=cancel)
    assert calls and list(tmp_path.iterdir()) == []
    unsafe = tmp_path / "unsafe.qdpx"
    with zipfile.ZipFile(unsafe, "w") as archive:
        archive.writestr("project.qde", _project(""))
        archive.writestr("../../evil.txt", "x")
    with pytest.raises(ImportFileError, match="outside the archive"):
        import_project(unsafe, tmp_path / "c.tillit")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unsafe.qdpx"]


def test_the_report_says_how_each_coding_was_placed(tmp_path: Path) -> None:
    report = ImportReport(tmp_path / "p.tillit", "NVivo", documents=2)
    for kind, how in [
        (VERIFIED, DIRECT),
        (VERIFIED, DIRECT),
        (BY_POSITION, "UTF-16 units"),
        (BY_POSITION, "UTF-16 units"),
        (BY_POSITION, DIRECT),
        (FOUND_BY_TEXT, BY_TEXT),
        (WHOLE, DIRECT),
    ]:
        report.count(kind, how)
    lines = report.summary()
    assert lines[0].startswith("Imported from NVivo: 2 documents, 0 codes, 7 codings")
    assert lines[1] == (
        "Codings: 2 verified by their text, 3 placed by position only, 1 on whole documents, "
        "1 re-anchored (found by their text elsewhere), 0 could not be placed."
    )
    assert lines[2].startswith("The file gives no text to check the codings placed by position")
    assert not any("landed" in line for line in lines)
    assert report.to_json()["codings"] == {
        "direct": 4,
        "reanchored": 3,
        "reanchored_by": {"UTF-16 units": 2, BY_TEXT: 1},
        "unplaced": 0,
        "verified": 2,
        "position_only": 3,
        "found_by_text": 1,
        "whole_document": 1,
    }


def test_offsets_map_through_crlf_nfd_and_trailing_blanks() -> None:
    raw = "Sjåfør  \r\nKa\u0308re 😀 ja\r\n\r\n"
    text = SourceText(raw)
    assert text.stored == "Sjåfør\nKäre 😀 ja"
    start = raw.index("Ka")
    assert text.to_stored(start) == text.stored.index("Kä")
    assert text.to_stored(raw.index("😀")) == text.stored.index("😀")
    [placement] = Anchoring(text).place([Selection(start, raw.index(" ja"), "Käre 😀")]).placements
    assert isinstance(placement, Placement) and placement.kind == VERIFIED
    assert text.stored[placement.start : placement.end] == "Käre 😀"


def test_tillit_facts_in_descriptions_read_back() -> None:
    description = with_facts({"language": "da", "scope": "cases"}, "Fri tekst")
    assert read_facts(description) == ({"language": "da", "scope": "cases"}, "Fri tekst")
    assert read_facts("Language is English") == ({}, "Language is English")


#: Pieces of text that normalising changes, drops or keeps: line ends of every kind, blanks,
#: a decomposed letter, Hangul jamo, an emoji, a byte-order mark, control characters.
PIECES = ["a", "ø", " ", "\t", "\n", "\r", "\r\n", "e\u0301", "😀", "\u2028", "\ufeff", "\x0b"]
PIECES += ["\x85", "\x07", "\xa0", "\u1100\u1161", "  \n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_the_offset_map_follows_what_tillit_stores(parts: list[str]) -> None:
    raw = "".join(parts)
    text = SourceText(raw)
    assert text.stored == normalise_text(raw)
    positions = [text.to_stored(index) for index in range(len(raw) + 1)]
    assert positions == sorted(positions) and positions[-1] == len(text.stored)
    for index, char in enumerate(raw):  # a letter kept as it was lands on itself
        if char in "aø😀":
            assert text.stored[positions[index]] == char


def test_cases_variables_and_notes_of_another_program(tmp_path: Path) -> None:
    guid = "c0ffee00-0000-0000-0000-0000000000{:02d}".format
    project = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Annen">'
        f'<CodeBook><Codes><Code guid="{CODE}" name="Skjønn" isCodable="true">'
        f'<NoteRef targetGUID="{guid(10)}"/></Code></Codes></CodeBook>'
        f'<Variables><Variable guid="{guid(20)}" name="Alder" typeOfVariable="Integer"/>'
        f'<Variable guid="{guid(21)}" name="Intervjuet" typeOfVariable="DateTime"/></Variables>'
        f'<Cases><Case guid="{guid(30)}" name="Kari"><Description>Sykepleier</Description>'
        f'<VariableValue><VariableRef targetGUID="{guid(20)}"/><IntegerValue>44</IntegerValue>'
        f'</VariableValue><SourceRef targetGUID="{guid(1)}"/>'
        f'<NoteRef targetGUID="{guid(12)}"/></Case></Cases>'
        f'<Sources><TextSource guid="{guid(1)}" name="Intervju">'
        f"<Description>Tatt opp i Bergen</Description><PlainTextContent>{TEXT}</PlainTextContent>"
        f'<PlainTextSelection guid="{guid(2)}" name="Og lederen?" startPosition="0" '
        f'endPosition="3"><NoteRef targetGUID="{guid(13)}"/></PlainTextSelection>'
        f'<NoteRef targetGUID="{guid(11)}"/><VariableValue><VariableRef targetGUID="{guid(21)}"/>'
        "<DateTimeValue>2024-05-01T10:00:00Z</DateTimeValue></VariableValue></TextSource></Sources>"
        f'<Notes><Note guid="{guid(10)}" name="Om koden"><PlainTextContent>Kode-notat'
        f'</PlainTextContent></Note><Note guid="{guid(11)}" plainTextPath="internal://n.txt"/>'
        f'<Note guid="{guid(12)}"><PlainTextContent>Om Kari</PlainTextContent></Note>'
        f'<Note guid="{guid(13)}"><PlainTextContent>Løs</PlainTextContent></Note>'
        f'<Note guid="{guid(14)}"><PlainTextContent>Alene</PlainTextContent></Note></Notes>'
        "</Project>"
    )
    path = _qdpx(tmp_path / "a.qdpx", project, {"sources/n.txt": "Dokument-notat æøå".encode()})
    report = import_project(path, tmp_path / "b")
    assert (report.cases, report.attributes, report.memos) == (1, 2, 3)
    assert any("dates with times" in warning for warning in report.warnings)
    assert any("1 selection of the file carried no code" in w for w in report.warnings)
    assert any("1 note belonged to nothing" in warning for warning in report.warnings)
    with Project.open(report.project_path, backup=False) as project, project.read() as tx:
        [case] = tx.cases.all()
        assert (case.name, case.description) == ("Kari", "Sykepleier\n\nOm Kari")
        [document] = tx.documents.summaries()
        assert tx.cases.document_ids(case.id) == [document.id]
        assert [v.value for v in tx.attributes.values_of(case_id=case.id)] == [44.0]
        assert [v.value for v in tx.attributes.values_of(document_id=document.id)] == [
            "2024-05-01T10:00:00Z"
        ]
        code_memo = tx.memos.get(MemoTarget(code_id=tx.codes.all()[0].id))
        assert code_memo is not None and code_memo.text == "Kode-notat"
        document_memo = tx.memos.get(MemoTarget(document_id=document.id))
        assert document_memo is not None
        assert document_memo.text == "Dokument-notat æøå\n\nDescription\nTatt opp i Bergen"
        project_memo = tx.memos.get(MemoTarget())
        assert project_memo is not None and project_memo.text == "Løs\n\nAlene"


# --- sources whose text Tillit refuses ------------------------------------------------------


def _empty_document(report: ImportReport) -> str:
    """The sentence that says why the one document is empty; its coding is listed unplaced."""
    with Project.open(report.project_path, backup=False) as project:
        [document] = queries.documents(project)
        assert queries.document(project, document.id).text == ""
    assert [u.reason for u in report.unplaced] == ["the document has no text in the file"]
    [warning] = [w for w in report.warnings if "imported as an empty document" in w]
    return warning


_MB = f"{MAX_TEXT_BYTES // MIB} MB"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\r\n", "its text file is empty."),  # NVivo beside a .docx
        (codecs.BOM_UTF8 + b" \r\n", "its text file is empty."),
        ("\r\n".encode("utf-16"), "its text file is empty."),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
            "“x.txt” is not a text file: it looks like a PDF document.",
        ),
        (
            b"a" * (MAX_TEXT_BYTES + 1),
            f"“x.txt” is too large to import ({_MB}); Tillit imports text files up to {_MB}.",
        ),
        (
            b"linje\n" * (MAX_LINES + 1),
            f"“x.txt” has more than {MAX_LINES:,} lines, more than Tillit imports as one "
            "document; split it into several files.",
        ),
    ],
    ids=["line-end", "bom-and-blanks", "utf16-line-end", "pdf", "too-large", "too-many-lines"],
)
def test_a_plain_text_file_tillit_refuses_is_named_for_what_it_is(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    sources = (
        '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Intervju" '
        f'plainTextPath="internal://x.txt">{_selection(0, 3, "INT")}</TextSource>'
    )
    path = _qdpx(tmp_path / "a.qdpx", _project(sources), {"sources/x.txt": data})
    report = import_project(path, tmp_path / "b")
    assert _empty_document(report) == (f"“Intervju” was imported as an empty document: {problem}")


def test_text_in_the_project_file_goes_through_the_checks_of_a_text_file(tmp_path: Path) -> None:
    lines = "\n".join(["P1: ja"] * (MAX_LINES + 1))
    sources = (
        '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Lang/samtale">'
        f"<PlainTextContent>{lines}</PlainTextContent>{_selection(0, 2, 'P1')}</TextSource>"
    )
    report = import_project(_qdpx(tmp_path / "a.qdpx", _project(sources)), tmp_path / "b")
    assert _empty_document(report) == (
        "“Lang/samtale” was imported as an empty document: “Lang\u2215samtale” has more than "
        f"{MAX_LINES:,} lines, more than Tillit imports as one document; split it into several "
        "files."
    )
    # Counted in UTF-8 bytes, as a file's are: fewer characters than the limit, more bytes.
    wide = "ø" * (MAX_TEXT_BYTES // 2 + 1)
    sources = (
        '<TextSource guid="c0ffee00-0000-0000-0000-000000000001" name="Intervju">'
        f"<PlainTextContent>{wide}</PlainTextContent>{_selection(0, 2, 'øø')}</TextSource>"
    )
    report = import_project(_qdpx(tmp_path / "c.qdpx", _project(sources)), tmp_path / "d")
    size = f"{len(wide.encode()) // MIB} MB"
    assert _empty_document(report) == (
        f"“Intervju” was imported as an empty document: “Intervju” is too large to import "
        f"({size}); Tillit imports texts up to {_MB}."
    )
