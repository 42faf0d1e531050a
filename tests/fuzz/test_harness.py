"""The fuzzing harness itself: inputs are what their mutation says, the same every time, and the
checks catch what they are meant to catch."""

from __future__ import annotations

import io
import random
import re
import sqlite3
import stat
import zipfile
import zlib
from lzma import LZMAError
from pathlib import Path

import pytest

from coding.project import Project
from tests.fuzz import plan, zipraw
from tests.fuzz.checks import leftovers, listing, message_problems
from tests.fuzz.cli_cases import exit_problems, naming_problems
from tests.fuzz.cli_runner import Run
from tests.fuzz.mutations import Material
from tests.fuzz.seeds import PROJECT, write_files
from tests.fuzz.zip_mutations import BOMB_MEBIBYTES, entry_method

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def seed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("harness-seeds")
    write_files(folder)
    with Project.create(folder / PROJECT, coder="Kari"):
        pass
    return folder


def _make(seed_folder: Path, folder: Path, target: str, mutation: str, seed: str) -> Path:
    case = plan.Case("inproc", target, 0, mutation, seed, 7)
    folder.mkdir(parents=True, exist_ok=True)
    return plan.materialise(case, seed_folder, folder, 1 << 20)


@pytest.mark.parametrize(
    ("target", "mutation", "seed"),
    [
        ("txt", "snippet_insertion", "intervju-utf16le.txt"),
        ("docx", "inner_bad_guids", "intervju.docx"),
        ("odt", "truncated_directory", "intervju.odt"),
        ("qdpx-refi", "inner_bad_offsets", "qc-demo.qdpx"),
        ("vtt", "cue_times", "teams.vtt"),
        ("tillit", "page_garbage", PROJECT),
    ],
)
def test_a_case_makes_the_same_input_every_time(
    seed_folder: Path, tmp_path: Path, target: str, mutation: str, seed: str
) -> None:
    first = _make(seed_folder, tmp_path / "a", target, mutation, seed).read_bytes()
    second = _make(seed_folder, tmp_path / "b", target, mutation, seed).read_bytes()
    assert first == second
    assert first != (seed_folder / seed).read_bytes()


def test_case_ids_name_their_case_whatever_the_run_size() -> None:
    target = plan.TARGETS["docx"]
    small, large = plan.cases(target, "cli", 9), plan.cases(target, "cli", 900)
    assert small == large[: len(small)]
    late = plan.case_at(target, "cli", 77)
    assert late == plan.case_at(target, "cli", 77)
    assert re.fullmatch(r"cli-docx-00077-\w+", late.id)


def test_every_mutation_runs_once_before_any_repeats() -> None:
    for target in plan.TARGETS.values():
        structured = [name for name, _ in target.structured("inproc")]
        assert sorted(structured) == sorted(set(target.mutations) - target.cli_only)


def test_sound_archive_survives_being_taken_apart_and_rebuilt(seed_folder: Path) -> None:
    data = (seed_folder / "intervju.docx").read_bytes()
    rebuilt = zipraw.build(zipraw.read_entries(data))
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(io.BytesIO(rebuilt)) as new:
        assert new.testzip() is None
        assert [(i.filename, new.read(i)) for i in new.infolist()] == [
            (i.filename, old.read(i)) for i in old.infolist()
        ]


def test_bomb_promises_over_a_gigabyte_of_zeros_in_about_a_megabyte() -> None:
    archive = zipraw.build([zipraw.zeros_entry("content.xml", BOMB_MEBIBYTES)])
    assert len(archive) < 2 * 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(archive)) as package:
        info = package.getinfo("content.xml")
        assert info.file_size == BOMB_MEBIBYTES * 1024 * 1024 > 1.1e9
        with package.open(info) as member:
            assert member.read(3 * 1024 * 1024) == bytes(3 * 1024 * 1024)
    crc, mebibyte = 0, bytes(1024 * 1024)
    for _ in range(BOMB_MEBIBYTES):
        crc = zlib.crc32(mebibyte, crc)
    assert crc == info.CRC


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        ("entry_crc", zipfile.BadZipFile),
        ("entry_encrypted", RuntimeError),
        ("undecodable_name", UnicodeDecodeError),
    ],
)
def test_zip_mutations_break_what_they_say(
    seed_folder: Path, tmp_path: Path, mutation: str, expected: type[Exception]
) -> None:
    broken = _make(seed_folder, tmp_path, "odt", mutation, "intervju.odt")
    with pytest.raises(expected), zipfile.ZipFile(broken) as package:
        for info in package.infolist():
            package.read(info)


def test_unsupported_method_is_one_zipfile_lacks_or_a_wrong_one(tmp_path: Path) -> None:
    entries = [zipraw.entry("content.xml", b"<x/>" * 100)]
    material = Material(tmp_path / "x.odt", (), random.Random(3), tmp_path, 1024)
    for _ in range(20):
        mutated = entry_method("content.xml")(zipraw.build(entries), material)
        with zipfile.ZipFile(io.BytesIO(mutated)) as package:
            method = package.infolist()[0].compress_type
            assert method != zipfile.ZIP_DEFLATED
            with pytest.raises((NotImplementedError, zipfile.BadZipFile, OSError, LZMAError)):
                package.read("content.xml")


def test_deep_nesting_is_five_thousand_levels_of_the_format(
    seed_folder: Path, tmp_path: Path
) -> None:
    nested = _make(seed_folder, tmp_path, "qdc", "deep_nesting", "kodebok.qdc").read_bytes()
    depth = deepest = 0
    for token in re.finditer(rb"<(/?)[A-Za-z]", nested):
        depth += -1 if token[1] else 1
        deepest = max(deepest, depth)
    assert deepest >= 5000


def test_special_files_are_what_they_are_named(seed_folder: Path, tmp_path: Path) -> None:
    fifo = _make(seed_folder, tmp_path / "f", "special", "fifo", "intervju-utf8.txt")
    assert fifo.name == "x.txt" and stat.S_ISFIFO(fifo.lstat().st_mode)
    link = _make(seed_folder, tmp_path / "l", "special", "dev_zero_link", "intervju-utf8.txt")
    assert link.name == "y.txt" and link.readlink() == Path("/dev/zero")
    folder = _make(seed_folder, tmp_path / "d", "special", "folder", "intervju.docx")
    assert folder.name == "z.docx" and folder.is_dir()
    big = _make(seed_folder, tmp_path / "b", "special", "oversized", "intervju.docx")
    assert big.stat().st_size == plan.PACKAGE_LIMIT + 1
    assert big.stat().st_blocks * 512 < 1024 * 1024  # sparse: nothing like 200 MB on disk


def test_newer_schema_names_a_revision_this_tillit_does_not_know(
    seed_folder: Path, tmp_path: Path
) -> None:
    for number in range(6):
        case = plan.Case("inproc", "tillit", 0, "newer_schema", PROJECT, number)
        folder = tmp_path / str(number)
        folder.mkdir()
        path = plan.materialise(case, seed_folder, folder, 1024)
        with sqlite3.connect(path) as db:
            revision = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            user_version = db.execute("PRAGMA user_version").fetchone()[0]
        assert revision != "0005" or user_version > 0


def _run(code: int | None, stderr: str) -> Run:
    return Run(["import"], code, b"", stderr.encode(), 90_000, 1.0)


@pytest.mark.parametrize(
    ("code", "stderr", "kind"),
    [
        (0, "Imported 1 document(s).\n", None),
        (1, "tillit: “x.txt” is not a text file.\n", None),
        (1, "Traceback (most recent call last):\n  File x\nKeyError: 'a'\n", "traceback"),
        (1, "tillit: Tillit could not read “x”: KeyError('word/document.xml').\n", "stderr"),
        (1, "tillit: “x.odt” cannot be read: [Errno 21] Is a directory.\n", "stderr"),
        (1, "tillit: one\ntillit: two\n", "stderr"),
        (1, "something went wrong\n", "stderr"),
        (2, "usage: tillit ...\n", "usage"),
        (None, "", "hang"),
        (-9, "", "killed"),
        (3, "", "exit status"),
    ],
)
def test_exit_contract_is_checked(code: int | None, stderr: str, kind: str | None) -> None:
    found = exit_problems(_run(code, stderr))
    assert [problem.kind for problem in found] == ([kind] if kind else [])


def test_messages_must_be_one_plain_line() -> None:
    assert (
        message_problems("“x.qdc” is not well-formed XML (syntax error: line 1, column 0).") == []
    )
    assert message_problems("")
    assert message_problems("two\nlines")
    assert message_problems("zlib.error: Error -3 while decompressing data")
    assert message_problems("<class 'KeyError'>")


def test_debris_beside_a_project_is_noticed(tmp_path: Path) -> None:
    (tmp_path / "p.tillit").write_bytes(b"x")
    before = listing(tmp_path)
    (tmp_path / "p.tillit backups").mkdir()
    (tmp_path / "p.tillit.0004.bak").write_bytes(b"x")
    assert leftovers(tmp_path, before) == []
    for name in ("p.tillit-wal", ".p.tillit.importing", "p.tillit.partial"):
        (tmp_path / name).write_bytes(b"")
    (found,) = leftovers(tmp_path, before)
    assert found.detail == ".p.tillit.importing, p.tillit-wal, p.tillit.partial"


def test_a_refusal_must_name_the_file_it_was_given() -> None:
    link, project = Path("/tmp/in/y.tillit"), Path("/tmp/p/studie.tillit")
    wrong = _run(1, "tillit: “zero” is a folder, not a Tillit project.\n")
    assert [problem.kind for problem in naming_problems(wrong, link)] == ["message"]
    right = _run(1, "tillit: “y.tillit” is not a regular file.\n")
    assert naming_problems(right, link, project) == []
    assert naming_problems(_run(0, ""), link) == []
