"""Bad days, through the command line: a full disk, a read-only file or folder, a damaged
project. Each writing command ends in one sentence and exit status 1, the project as it was."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage.backup import backup_dir, backups, make_backup
from storage.lock import ProjectLock
from storage.staging import remove_stale, staging_path
from tests.app.test_cli import tillit
from tests.conftest import damage_freelist

TRANSCRIPT = (
    "INT: Hva betyr tillitsreformen for hjemmetjenesten?\n"
    "P1: Vi får bruke skjønn igjen 😀 og ta ansvar for brukerne.\n"
    "INT: Og lederen?\n"
    "P1: Hun stoler på oss. Tillit er ikke det samme som frihet.\n"
)


def _content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, read without changing anything."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


def _one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused command, checked to be plain."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    return lines[0]


def _make_project(folder: Path, transcripts: Path) -> Path:
    """A project with two documents and two codings, made through the command line."""
    project = folder / "studie.tillit"
    assert tillit("new", project, "--coder", "Kari").returncode == 0
    sources = []
    for name in ("Intervju Oslo", "Intervju Bergen"):
        source = transcripts / f"{name}.txt"
        source.write_text(TRANSCRIPT, encoding="utf-8")
        sources.append(source)
    imported = tillit("import", project, *sources)
    assert imported.returncode == 0, imported.stderr
    for document, words in (("Intervju Oslo", "bruke skjønn"), ("Intervju Bergen", "ta ansvar")):
        coded = tillit("code", project, document, "Tillit/Skjønn", "--match", words)
        assert coded.returncode == 0, coded.stderr
    return project


def _codings(project: Path) -> list[dict[str, object]]:
    result = tillit("codings", project, "--json")
    assert result.returncode == 0, result.stderr
    return sorted(json.loads(result.stdout), key=lambda c: str(c["uuid"]))


# --- a full disk -------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB file system of its own, unmounted afterwards."""
    point = tmp_path / "disk"
    point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("there is no mount command here")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a small file system is not permitted here: {mounted.stderr}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _fill(disk: Path) -> Path:
    """Fill the disk to the last byte; returns the filler, to be removed to make room."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (1 << 16, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_disk_ends_every_writing_command_in_one_sentence(
    small_disk: Path, tmp_path: Path
) -> None:
    project = _make_project(small_disk, tmp_path)
    extra = tmp_path / "Intervju Tromsø.txt"
    extra.write_text(TRANSCRIPT, encoding="utf-8")
    before = _content(project)
    codings = _codings(project)
    filler = _fill(small_disk)
    names = {p.name for p in small_disk.iterdir()}

    commands = [
        ("code", project, "Intervju Oslo", "Tillit/Ansvar", "--match", "ta ansvar"),
        ("import", project, extra),
        ("uncode", project, str(codings[0]["uuid"])),
        ("new", small_disk / "ny.tillit"),
        ("copy", project, small_disk / "kopi.tillit", "--coder", "Ola"),
        ("export", "docx", project, small_disk / "utdrag.docx"),
    ]
    for command in commands:
        sentence = _one_sentence(tillit(*command))
        assert "full" in sentence or "no space left" in sentence.lower(), sentence
        assert _content(project) == before, command
        assert {p.name for p in small_disk.iterdir()} == names, command  # nothing left behind

    # A second writer is still kept out, though the lock has no room to name its holder.
    with ProjectLock(project.resolve()).acquire():
        held = _one_sentence(tillit("import", project, extra))
    assert "already open in Tillit" in held

    # Reading still works on the full disk.
    docs = tillit("docs", project, "--json")
    assert docs.returncode == 0, docs.stderr
    assert [d["name"] for d in json.loads(docs.stdout)] == ["Intervju Oslo", "Intervju Bergen"]

    filler.unlink()  # room again: the project opens with exactly its earlier content
    assert _codings(project) == codings
    assert _content(project) == before
    coded = tillit("code", project, "Intervju Oslo", "Tillit/Ansvar", "--match", "ta ansvar")
    assert coded.returncode == 0, coded.stderr
    assert len(_codings(project)) == len(codings) + 1


def test_an_edit_that_landed_is_reported_as_done_when_the_backup_then_fails(
    tmp_path: Path,
) -> None:
    project = _make_project(tmp_path, tmp_path)
    shutil.rmtree(backup_dir(project), ignore_errors=True)
    backup_dir(project).write_text("not a folder")  # so that the opening backup fails
    extra = tmp_path / "Intervju Tromsø.txt"
    extra.write_text(TRANSCRIPT, encoding="utf-8")

    result = tillit("import", project, extra)

    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Imported 1 document(s)."
    assert len(lines) == 2 and "saved" in lines[1] and "back it up" in lines[1]
    assert "Traceback" not in result.stderr
    docs = json.loads(tillit("docs", project, "--json").stdout)
    assert [d["name"] for d in docs][-1] == "Intervju Tromsø"


# --- read-only files and folders ----------------------------------------------------------


@contextlib.contextmanager
def _immutable(path: Path) -> Iterator[None]:
    """Make ``path`` unchangeable even for root (``chattr +i``), or skip the test."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available to make a file read-only for root")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"this file system or user cannot make files immutable: {made.stderr}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_project_can_be_read_but_not_changed(tmp_path: Path, what: str) -> None:
    folder = tmp_path / "prosjekt"
    folder.mkdir()
    project = _make_project(folder, tmp_path)
    make_backup(project)  # so that opening it wants no backup either way
    before = _content(project)
    codings = _codings(project)
    extra = tmp_path / "Intervju Tromsø.txt"
    extra.write_text(TRANSCRIPT, encoding="utf-8")

    with _immutable(project if what == "file" else folder):
        names = sorted(p.name for p in folder.iterdir())
        for command in (
            ("code", project, "Intervju Oslo", "Tillit/Ansvar", "--match", "ta ansvar"),
            ("import", project, extra),
            ("uncode", project, str(codings[0]["uuid"])),
        ):
            sentence = _one_sentence(tillit(*command))
            assert "can only be read" in sentence and project.name in sentence, sentence
        assert _codings(project) == codings
        docs = tillit("docs", project, "--json")
        assert docs.returncode == 0 and docs.stderr == "", docs.stderr
        assert [d["codings"] for d in json.loads(docs.stdout)] == [1, 1]
        copied = tillit("copy", project, tmp_path / "kopi.tillit", "--coder", "Ola")
        assert copied.returncode == 0, copied.stderr
        assert sorted(p.name for p in folder.iterdir()) == names
        assert _content(project) == before
    assert len(_codings(tmp_path / "kopi.tillit")) == len(codings)


# --- damaged projects ---------------------------------------------------------------------


def _damage(path: Path) -> None:
    """Overwrite three pages in the middle of the file with garbage."""
    pages = path.stat().st_size // 4096
    with path.open("r+b") as handle:
        for page in range(pages // 2 - 1, pages // 2 + 2):
            handle.seek(page * 4096)
            handle.write(random.Random(page).randbytes(4096))


@pytest.mark.parametrize(
    "damage", [_damage, damage_freelist], ids=["pages with data", "pages no read reaches"]
)
def test_a_damaged_project_is_refused_naming_its_newest_good_backup(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    project = _make_project(tmp_path, tmp_path)
    sources = [tmp_path / f"Intervju {n}.txt" for n in range(30)]
    for source in sources:  # enough pages that the middle of the file holds data
        source.write_text(TRANSCRIPT * 30, encoding="utf-8")
    assert tillit("import", project, *sources).returncode == 0
    good = make_backup(project)
    damaged_backup = make_backup(project)
    _damage(damaged_backup)
    damage(project)
    before = project.read_bytes()
    kept = {p: p.read_bytes() for p in backups(project)}
    names = sorted(p.name for p in tmp_path.iterdir())

    for command in (
        ("docs", project),
        ("code", project, "Intervju Oslo", "Tillit/Ansvar", "--match", "ta ansvar"),
        ("import", project, tmp_path / "Intervju 0.txt"),
        ("copy", project, tmp_path / "kopi.tillit"),
    ):
        sentence = _one_sentence(tillit(*command))
        assert "damaged" in sentence and good.name in sentence, sentence
        assert damaged_backup.name not in sentence
        assert project.read_bytes() == before
        assert {p: p.read_bytes() for p in backups(project)} == kept
        assert sorted(p.name for p in tmp_path.iterdir()) == names


# --- what stopped writers leave behind ------------------------------------------------------


def test_only_staged_files_of_stopped_writers_on_this_computer_are_removed(
    tmp_path: Path,
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # its process id now names no running process
    target = tmp_path / "utdrag.docx"
    mine = staging_path(target, "part")
    dead = Path(str(mine).replace(f"~{os.getpid()}.", f"~{gone.pid}."))
    companions = [Path(f"{dead}-journal"), Path(f"{dead}.lock")]
    elsewhere = tmp_path / f".utdrag.docx~en-annen-maskin~{gone.pid}.part"
    unrelated = [tmp_path / ".utdrag.docx.part", tmp_path / "utdrag.docx", tmp_path / ".skjult"]
    for path in [mine, dead, *companions, elsewhere, *unrelated]:
        path.write_bytes(b"x")

    removed = remove_stale(tmp_path)

    assert sorted(removed) == sorted([dead, *companions])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in [mine, elsewhere, *unrelated]
    )


# --- a damaged or odd project file ------------------------------------------------------------


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project made through the command line, copied by each test that damages it."""
    folder = tmp_path_factory.mktemp("made")
    return _make_project(folder, folder)


def _copy_of(made: Path, folder: Path, *statements: str) -> Path:
    """A copy of ``made`` in ``folder`` with ``statements`` run on it, checks off."""
    project = folder / made.name
    shutil.copyfile(made, project)
    with contextlib.closing(sqlite3.connect(project, isolation_level=None)) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        for statement in statements:
            conn.execute(statement)
    return project


def _refused_untouched(folder: Path, project: Path, *command: str | Path) -> str:
    """The one sentence ``command`` ends in, checked to leave ``project`` byte for byte as it
    was and nothing new beside it but backups."""
    before, names = project.read_bytes(), set(os.listdir(folder))
    sentence = _one_sentence(tillit(*command))
    assert project.read_bytes() == before
    new = {name for name in set(os.listdir(folder)) - names if not name.endswith(" backups")}
    assert not new, new
    return sentence


def test_a_link_that_loops_is_refused_by_its_name(tmp_path: Path) -> None:
    link = tmp_path / "b.tillit"
    link.symlink_to(link.name)
    for command in (("docs", link), ("codings", link, "--json")):
        sentence = _one_sentence(tillit(*command))
        assert "“b.tillit”" in sentence and "loop" in sentence, sentence
    assert link.is_symlink() and os.readlink(link) == "b.tillit"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_or_a_pipe_is_refused_by_the_name_given_before_anything_reads_it(
    tmp_path: Path, made: Path
) -> None:
    device = tmp_path / "y.tillit"
    device.symlink_to("/dev/zero")
    pipe = tmp_path / "x.tillit"
    os.mkfifo(pipe)
    project = _copy_of(made, tmp_path)
    for name, kind, command in (
        ("y.tillit", "a device", ("code", device, "Intervju Oslo", "Ny", "--match", "skjønn")),
        ("x.tillit", "a pipe", ("docs", pipe)),
        ("y.tillit", "a device", ("codebook", "merge", project, device)),
    ):
        sentence = _refused_untouched(tmp_path, project, *command)
        assert f"“{name}” is {kind}, not a Tillit project" in sentence, sentence


def test_a_project_missing_a_table_is_refused_as_damaged(tmp_path: Path, made: Path) -> None:
    project = _copy_of(made, tmp_path, "DROP TABLE documents")
    for command in (("codings", project, "--json"), ("docs", project), ("codes", project)):
        sentence = _refused_untouched(tmp_path, project, *command)
        assert "“studie.tillit” is damaged" in sentence, sentence


def test_a_foreign_database_stamped_like_a_project_is_not_merged(
    tmp_path: Path, made: Path
) -> None:
    project = _copy_of(made, tmp_path)
    other = tmp_path / "annen.tillit"
    with contextlib.closing(sqlite3.connect(other, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("PRAGMA application_id=1414286420")  # Tillit's own ("TLLT")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0005')")
    theirs = other.read_bytes()
    sentence = _refused_untouched(tmp_path, project, "codebook", "merge", project, other)
    assert sentence == "tillit: “annen.tillit” is a database, but not a Tillit project."
    assert other.read_bytes() == theirs


def test_text_that_is_not_utf8_is_refused_as_damage(tmp_path: Path, made: Path) -> None:
    project = _copy_of(made, tmp_path, "UPDATE codes SET name = CAST(x'54ff6c6c6974' AS TEXT)")
    for command in (("codes", project), ("codings", project, "--json")):
        sentence = _refused_untouched(tmp_path, project, *command)
        assert "“studie.tillit” is damaged" in sentence, sentence


@pytest.mark.parametrize("stamp", ["0003", "0001"])
def test_a_stamp_older_than_the_tables_is_refused_as_it_was(
    tmp_path: Path, made: Path, stamp: str
) -> None:
    project = _copy_of(made, tmp_path, f"UPDATE alembic_version SET version_num = '{stamp}'")
    sentence = _refused_untouched(tmp_path, project, "docs", project)
    assert sentence == (
        "tillit: Tillit could not upgrade “studie.tillit” (the file is damaged); "
        "it was left as it is."
    )
    assert not (tmp_path / f"studie.tillit.{stamp}.bak").exists()
