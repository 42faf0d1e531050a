"""``refi export`` and ``refi import`` as scripts use them: real processes, exit codes, stderr
and JSON."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.app.test_cli import tillit

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "refi-qda"


def test_import_then_export_then_import_again(tmp_path: Path) -> None:
    first = tmp_path / "qc.tillit"
    result = tillit("refi", "import", SAMPLES / "qc-demo.qdpx", first, "--coder", "Kari")
    assert result.returncode == 0, result.stderr
    assert "Imported from qc 1.3.2: 2 documents, 262 codes, 205 codings" in result.stderr
    assert (
        "Codings: 0 verified by their text, 205 placed by position only, 0 re-anchored "
        "(found by their text elsewhere), 0 could not be placed." in result.stderr
    )
    assert (
        "“board_2017”: code points over LF line ends (158 of 158 selections on word "
        "boundaries) — certain." in result.stderr
    )
    assert "landed" not in result.stderr and result.stdout == ""

    out = tmp_path / "qc.qdpx"
    result = tillit("refi", "export", first, out, "--json")
    assert result.returncode == 0, result.stderr
    exported = json.loads(result.stdout)
    assert exported["counts"]["codings"] == 205 and exported["warnings"] == []
    assert f"to {out}" in result.stderr
    with zipfile.ZipFile(out) as archive:
        assert len([n for n in archive.namelist() if n.startswith("sources/")]) == 2

    result = tillit("refi", "import", out, tmp_path / "again", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["codings"] == {
        "direct": 205,
        "reanchored": 0,
        "reanchored_by": {},
        "unplaced": 0,
        "verified": 205,
        "position_only": 0,
        "found_by_text": 0,
        "whole_document": 0,
    }
    [source] = report["sources"]  # Tillit writes each selection's text: all verified
    assert source == {
        "document": "board_2017",
        "unit": "code points",
        "line_ends": "LF",
        "bom_counted": None,
        "reading": "code points over LF line ends",
        "selections": 205,
        "verified": 205,
        "on_word_boundaries": None,
        "outside": 0,
        "certainty": "certain",
        "decided_by": "text",
    }
    assert report["project"].endswith("again.tillit") and report["coders"] == 2


def test_unplaced_codings_are_listed_on_stderr(tmp_path: Path) -> None:
    project = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook><Codes>'
        '<Code guid="0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2c" name="Tillit" isCodable="true"/>'
        '</Codes></CodeBook><Sources><TextSource guid="0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2d" '
        'name="Intervju"><PlainTextContent>Hei på deg</PlainTextContent>'
        '<PlainTextSelection guid="0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2e" name="Finnes ikke her" '
        'startPosition="0" endPosition="3"><Coding guid="0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2f">'
        '<CodeRef targetGUID="0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2c"/></Coding>'
        '</PlainTextSelection><PlainTextSelection guid="0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b30" '
        'name="på deg" startPosition="4" endPosition="10"><Coding '
        'guid="0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b31"><CodeRef '
        'targetGUID="0b1d8a0e-4bd1-4c6e-8a38-3f1e0c0a1b2c"/></Coding></PlainTextSelection>'
        "</TextSource></Sources></Project>"
    )
    path = tmp_path / "a.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
    result = tillit("refi", "import", path, tmp_path / "b.tillit")
    assert result.returncode == 0, result.stderr
    assert "1 verified by their text" in result.stderr and "1 could not be placed" in result.stderr
    assert "Intervju [0:3], Tillit" in result.stderr
    assert "its text is not in the document" in result.stderr


def test_errors_are_one_line_and_leave_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.qdpx"
    broken.write_bytes(b"not a zip")
    result = tillit("refi", "import", broken, tmp_path / "b.tillit")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "is not a zip archive" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.qdpx"]

    existing = tmp_path / "b.tillit"
    existing.write_bytes(b"x")
    result = tillit("refi", "import", SAMPLES / "qc-demo.qdpx", existing)
    assert result.returncode == 1 and "already exists" in result.stderr

    result = tillit("refi", "export", existing, tmp_path / "out.zip")
    assert result.returncode == 1 and "OUT.qdpx" in result.stderr
    assert tillit("refi").returncode == 2


def test_a_project_in_another_namespace_imports_and_the_json_carries_the_warning(
    tmp_path: Path,
) -> None:
    """The qc sample with its project.qde moved to an older namespace (ATLAS.ti 23.4 writes
    ``urn:QDA-XML:codebook:0:4`` in its codebooks): read as it is, and the report says so."""
    with zipfile.ZipFile(SAMPLES / "qc-demo.qdpx") as original:
        entries = {name: original.read(name) for name in original.namelist()}
    qde = entries["project.qde"].decode("utf-8")
    assert qde.count('xmlns="urn:QDA-XML:project:1.0"') == 1
    entries["project.qde"] = qde.replace(
        'xmlns="urn:QDA-XML:project:1.0"', 'xmlns="urn:QDA-XML:project:0:4"'
    ).encode("utf-8")
    moved = tmp_path / "gammel.qdpx"
    with zipfile.ZipFile(moved, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    expected = (
        "“gammel.qdpx” is in the namespace “urn:QDA-XML:project:0:4”, not REFI-QDA's "
        "“urn:QDA-XML:project:1.0”; Tillit read what it recognised, so check what came in."
    )

    result = tillit("refi", "import", moved, tmp_path / "gammel.tillit", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["warnings"][0] == expected  # first: it bears on everything after it
    assert report["documents"] == qde.count("<TextSource ") == 2
    assert report["codings"]["direct"] + report["codings"]["reanchored"] == qde.count("<Coding ")
    assert report["codes"] == qde.count("<Code ")
    assert expected in result.stderr.splitlines()

    plain = tillit("refi", "import", SAMPLES / "qc-demo.qdpx", tmp_path / "qc.tillit", "--json")
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["warnings"] == []
