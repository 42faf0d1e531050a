"""Every real REFI-QDA export in ``tests/data/refi-qda/samples`` through the command line: each
coding's text against what the file's coders marked, worked out here from the file itself, and
the import report's counts against that truth.

What a coder marked is cut from the source's text file as its producer counts: NVivo in UTF-16
code units over the raw text (CRLF kept, the byte-order mark not counted), every other program
in code points, as the specification says. That knowledge lives in this test only; the importer
has to find out from the file.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree

from tests.app.test_cli import tillit

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "refi-qda" / "samples"
PROJECTS = sorted(SAMPLES.glob("*.qdpx"))
CODEBOOKS = sorted(SAMPLES.glob("*.qdc"))


def _json(*args: str | Path) -> Any:
    result = tillit(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child) == name]


def _guid(value: str) -> str:
    return value.strip().strip("{}").lower()


def _same(text: str) -> str:
    """Text as compared: CRLF as LF, NFC, white space at the edges stripped."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def _squashed(text: str) -> str:
    return " ".join(_same(text).split())


@dataclass(frozen=True)
class Marked:
    """A coding of the file: its GUID, its source, its selection's name, and the text its coder
    marked (``None`` when the file does not hold the source's text)."""

    guid: str
    source: str
    name: str
    text: str | None


@dataclass(frozen=True)
class SourceFacts:
    """What the file says of one source with selections: its name, how many selections, and
    its text file's line ends and byte-order mark."""

    name: str
    selections: int
    crlf: bool
    bom: bool


class Sample:
    """A ``.qdpx`` read here with zipfile and defusedxml, apart from Tillit's own reading."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as archive:
            self.entries = {name.casefold(): name for name in archive.namelist()}
            qde = next(name for name in archive.namelist() if name.casefold().endswith(".qde"))
            self.root = ElementTree.fromstring(archive.read(qde))
            self.nvivo = "nvivo" in self.root.get("origin", "").casefold()
            self.marked: list[Marked] = []
            self.sources: list[SourceFacts] = []
            self.cuts: list[tuple[str, int, int]] = []  # each selection: its text, its positions
            self.documents = 0
            self.other_codings = 0  # of PDF areas and whole sources
            for sources in _children(self.root, "Sources"):
                for source in sources:
                    self._source(archive, source)
        codebook = _children(self.root, "CodeBook")
        self.codes = sum(1 for e in codebook[0].iter() if _local(e) == "Code") if codebook else 0

    def _source(self, archive: zipfile.ZipFile, source: Element) -> None:
        kind = _local(source)
        holder = source
        if kind == "PDFSource":
            representations = _children(source, "Representation")
            if not representations:
                return
            holder = representations[0]
        elif kind != "TextSource":
            return
        self.documents += 1
        self.other_codings += len(_children(source, "Coding"))
        for area in _children(source, "PDFSelection"):
            self.other_codings += len(_children(area, "Coding"))
        data, reference = self._text_file(archive, holder)
        bom = data is not None and data.startswith(codecs.BOM_UTF8)
        text = data.decode("utf-8-sig") if data is not None and data.strip() else None
        selections = _children(holder, "PlainTextSelection")
        if selections and text is not None:
            # A source without a name is called after its text file.
            name = source.get("name") or Path(reference).stem
            self.sources.append(SourceFacts(name, len(selections), "\r\n" in text, bom))
        for selection in selections:
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            marked = None if text is None else self._cut(text, start, end)
            if text is not None:
                self.cuts.append((text, start, end))
            for coding in _children(selection, "Coding"):
                name = selection.get("name", "")
                self.marked.append(
                    Marked(_guid(coding.get("guid")), source.get("name"), name, marked)
                )

    def _text_file(self, archive: zipfile.ZipFile, holder: Element) -> tuple[bytes | None, str]:
        """The bytes of the source's plain text (``None`` if the file lacks them), and the
        name of its text file."""
        reference = re.sub(r"^internal://", "", holder.get("plainTextPath") or "")
        content = _children(holder, "PlainTextContent")
        if content:
            return (content[0].text or "").encode("utf-8"), reference
        for candidate in (f"sources/{reference}", reference):
            entry = self.entries.get(candidate.casefold())
            if reference and entry is not None:
                return archive.read(entry), reference
        return None, reference

    def _cut(self, text: str, start: int, end: int) -> str:
        if self.nvivo:  # UTF-16 code units of the raw text, CRLF kept, the BOM not counted
            units = text.encode("utf-16-le")
            return units[2 * start : 2 * end].decode("utf-16-le")
        return text[start:end]


def _codes(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [code for node in tree for code in [node, *_codes(node["children"])]]


@pytest.mark.parametrize("path", PROJECTS, ids=[path.name for path in PROJECTS])
def test_every_coding_lands_on_the_text_its_coder_marked(path: Path, tmp_path: Path) -> None:
    sample = Sample(path)
    project = tmp_path / "imported.tillit"
    result = tillit("refi", "import", path, project, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stored = {coding["uuid"]: coding for coding in _json("codings", project)}

    # Every coding of a source with text is stored, on exactly what its coder marked.
    wrong = []
    placed = [marked for marked in sample.marked if marked.text is not None]
    for marked in placed:
        coding = stored.get(marked.guid)
        if coding is None or _same(coding["text"]) != _same(marked.text or ""):
            wrong.append((marked.text, coding and coding["text"]))
    assert wrong == [], f"{len(wrong)} of {len(placed)} codings are off, e.g. {wrong[:3]}"
    assert len(stored) == len(placed)

    # The report's counts are the truth: "verified" only where the file gives the very text.
    counts = report["codings"]
    verified = sum(
        1 for m in placed if m.name.strip() and _squashed(m.name) == _squashed(m.text or "")
    )
    assert counts["verified"] == verified
    assert counts["found_by_text"] == 0 and counts["whole_document"] == 0
    assert counts["position_only"] == len(placed) - verified
    missing = len(sample.marked) - len(placed) + sample.other_codings
    assert counts["unplaced"] == len(report["unplaced"]) == missing
    assert counts["direct"] + counts["reanchored"] == len(stored)
    assert (report["documents"], report["codes"]) == (sample.documents, sample.codes)
    assert len(_json("docs", project)) == sample.documents
    assert len(_codes(_json("codes", project))) == sample.codes

    # Each source says how its positions were read, and that is how its producer counts.
    readings = {source["document"]: source for source in report["sources"]}
    assert len(readings) == len(sample.sources)
    for facts in sample.sources:
        reading = readings[facts.name]
        assert reading["unit"] == ("utf-16" if sample.nvivo else "code points")
        assert reading["line_ends"] == ("CRLF" if facts.crlf else "LF")
        assert reading["bom_counted"] == (False if facts.bom else None)
        assert reading["selections"] == facts.selections and reading["certainty"] == "certain"
        assert f"“{facts.name}”: {reading['reading']} (" in result.stderr
    assert "landed" not in result.stderr
    assert f"Codings: {verified:,} verified by their text" in result.stderr


def _between_words(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` begins and ends between words (not inside one)."""

    def inside(position: int) -> bool:
        return (
            0 < position < len(text) and text[position - 1].isalnum() and text[position].isalnum()
        )

    return 0 <= start < end <= len(text) and not inside(start) and not inside(end)


def test_the_nvivo_selections_cut_out_here_are_what_a_coder_would_mark() -> None:
    """The cutting above is right: NVivo's selections, cut in UTF-16 units over the raw text,
    nearly all begin and end between words, as a coder's do; cut in code points, most do not."""
    for name, selections in (("nvivo-win12.6-oltas.qdpx", 97), ("nvivo-mac12.7-oltas.qdpx", 297)):
        cuts = Sample(SAMPLES / name).cuts
        assert len(cuts) == selections
        code_points: dict[str, dict[int, int]] = {}  # UTF-16 position -> code point, per text
        as_units = 0
        for text, start, end in cuts:
            if text not in code_points:
                units, places = 0, {0: 0}
                for index, char in enumerate(text, 1):
                    units += 2 if ord(char) > 0xFFFF else 1
                    places[units] = index
                code_points[text] = places
            places = code_points[text]
            assert start in places and end in places  # never inside a character
            as_units += _between_words(text, places[start], places[end])
        as_code_points = sum(_between_words(text, start, end) for text, start, end in cuts)
        assert as_units >= 0.98 * selections and as_code_points <= 0.7 * selections


@pytest.mark.parametrize("path", CODEBOOKS, ids=[path.name for path in CODEBOOKS])
def test_every_codebook_merges_into_a_new_project_or_is_refused(path: Path, tmp_path: Path) -> None:
    project = tmp_path / "fresh.tillit"
    assert tillit("new", project, "--codebook", "empty").returncode == 0
    try:
        root = ElementTree.fromstring(path.read_bytes())
    except ElementTree.ParseError:
        root = None
    result = tillit("codebook", "merge", project, path, "--json")
    codes = _codes(_json("codes", project))
    if root is None:  # the truncated ATLAS.ti codebook
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.strip().count("\n") == 0 and "not well-formed" in result.stderr
        assert codes == []  # the project is as it was
        return
    assert result.returncode == 0, result.stderr
    expected = {_guid(e.get("guid")): e.get("name") for e in root.iter() if _local(e) == "Code"}
    assert {code["uuid"]: code["name"] for code in codes} == expected
    assert len(json.loads(result.stdout)["new"]) == len(expected)
