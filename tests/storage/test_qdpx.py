"""Opening REFI-QDA project archives safely."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from storage.errors import ImportFileError
from storage.formats.qdpx import Archive, read_qdpx_codebook
from storage.formats.zip_reader import ZipLimits

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "refi-qda"


def _archive(path: Path, entries: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return path


def test_the_project_entry_is_found_whatever_its_name(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a.qdpx", {"Sources/x.txt": "x", "Mitt prosjekt.QDE": "<Project/>"})
    with Archive(path) as archive:
        assert archive.project_entry() == "Mitt prosjekt.QDE"
        assert archive.find("sources/X.TXT") == "Sources/x.txt"
        assert archive.find("sources/missing.txt") is None


def test_an_archive_without_a_project_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a.qdpx", {"sources/x.txt": "x"})
    with pytest.raises(ImportFileError, match=r"holds no project\.qde"):
        read_qdpx_codebook(path)


@pytest.mark.parametrize("name", ["../utenfor.txt", "/etc/passwd", "sources/../../x", "C:/x.txt"])
def test_an_entry_escaping_the_folder_is_refused(tmp_path: Path, name: str) -> None:
    path = _archive(tmp_path / "a.qdpx", {"project.qde": "<Project/>", name: "x"})
    with pytest.raises(ImportFileError, match="outside the archive"):
        Archive(path)


def test_too_many_entries_or_too_many_bytes_are_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a.qdpx", {f"sources/{n}.txt": "æøå" * 100 for n in range(5)})
    with pytest.raises(ImportFileError, match="holds 5 files"):
        Archive(path, ZipLimits(entries=4))
    with Archive(path, ZipLimits(total=1000)) as archive:
        archive.read("sources/0.txt")  # 600 bytes
        with pytest.raises(ImportFileError, match="expands to more than 1,000 bytes"):
            archive.read("sources/1.txt")  # 1,200 in all


def test_real_exports_give_their_codebooks() -> None:
    [commits] = read_qdpx_codebook(SAMPLES / "atlas23-target.qdpx").codes
    assert commits.name == "Commits"
    assert commits.guid == "a182cd3a-d83c-4d8c-bc80-26d9103ec6d6"  # upper case read as lower
    assert len(commits.children) == 2
    assert read_qdpx_codebook(SAMPLES / "atlas23-blank.qdpx").codes == []
    assert read_qdpx_codebook(SAMPLES / "nvivo-mac15.qdpx").codes[0].name == "rq1_definition"
