"""The project file: create, open, refuse what is not a project, upgrade, lock, back up."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from storage import schema
from storage.backup import backup_dir, backups, make_backup
from storage.errors import NewerProjectError, ProjectFileError, ProjectLockedError, StorageError
from storage.lock import lock_path
from storage.project_file import ProjectFile, read_copy, staged_copy
from storage.sqlite import (
    APPLICATION_ID,
    integrity_errors,
    is_sound,
    make_engine,
    stamp_application_id,
)
from tests.conftest import damage_freelist


def _fill(project: ProjectFile) -> None:
    with project.store.transaction() as tx:
        tx.project.create("Studie", "nb")
        coder = tx.coders.add("Kari")
        document = tx.documents.add(
            name="Intervju",
            language="nb",
            text="Tillit og ansvar – æøå 😀",
            paragraphs=[],
            source_name="i.txt",
            source_format="txt",
        )
        code = tx.codes.add("Tillit")
        tx.codings.add(
            document_id=document, code_id=code, coder_id=coder, start=0, end=6, text="Tillit"
        )


def test_create_then_reopen_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    project = ProjectFile.create(path)
    _fill(project)
    project.close()
    reopened = ProjectFile.open(path)
    with reopened.store.read() as tx:
        [coding] = tx.codings.details()
    assert coding.text == "Tillit"
    assert integrity_errors(reopened.engine) == []
    reopened.close()
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0


def test_create_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    path.write_text("mine")
    with pytest.raises(ProjectFileError, match="already exists"):
        ProjectFile.create(path)
    assert path.read_text() == "mine"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a database at all", "not a Tillit project"), (b"", "not a Tillit project")],
)
def test_open_refuses_files_that_are_not_projects(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.tillit"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=message):
        ProjectFile.open(path)
    assert path.read_bytes() == content


def test_open_refuses_another_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "other.tillit"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ProjectFileError, match="not a Tillit project"):
        ProjectFile.open(path)


def test_open_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="There is no project"):
        ProjectFile.open(tmp_path / "nope.tillit")


def test_newer_project_is_refused_naming_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "new.tillit"
    ProjectFile.create(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    before = path.read_bytes()
    with pytest.raises(NewerProjectError) as caught:
        ProjectFile.open(path)
    assert "0999" in str(caught.value) and schema.head_revision() in str(caught.value)
    assert path.read_bytes() == before


def _at_first_revision(path: Path) -> Path:
    """An empty project at the schema's first revision, as the first Tillit made them."""
    engine = make_engine(path)
    stamp_application_id(engine)
    with engine.begin() as conn:
        command.upgrade(schema.alembic_config(conn), "0001")
    engine.dispose()
    return path


def test_an_older_project_found_damaged_by_the_check_is_not_upgraded(tmp_path: Path) -> None:
    path = _at_first_revision(tmp_path / "old.tillit")
    damage_freelist(path)  # where no read goes: only the check of every page finds it
    before = path.read_bytes()
    with pytest.raises(ProjectFileError, match="is damaged, so Tillit left it untouched"):
        ProjectFile.open(path)  # the upgrade writes, so it waits for the check
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.tillit"]


def test_a_sound_project_opens_beside_its_check_and_is_written_after_it(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    _big_project(path)
    project = ProjectFile.open(path)
    try:
        with project.store.read() as tx:  # reads need not wait for the check
            assert len(tx.documents.summaries()) == 41  # _fill's one and 40 more
        with project.store.transaction() as tx:
            tx.coders.add("Ola")
        project.verify()
        assert project.sound()
    finally:
        assert project.close() == []
    assert [backup for backup in backups(path) if is_sound(backup)] == backups(path) != []


def test_older_project_is_backed_up_and_upgraded_without_losing_data(tmp_path: Path) -> None:
    path = tmp_path / "old.tillit"
    engine = make_engine(path)
    stamp_application_id(engine)
    with engine.begin() as conn:
        command.upgrade(schema.alembic_config(conn), "0001")
        conn.exec_driver_sql(
            "INSERT INTO coders (uuid, name, created_at) VALUES ('c', 'Kari', '2025-01-01')"
        )
        conn.exec_driver_sql(
            "INSERT INTO codes (uuid, name, color, codable, position, brief_definition, "
            "full_definition, when_to_use, when_not_to_use, example, created_at) "
            "VALUES ('k', 'Tillit', '#ffffff', 1, 0, '', '', '', '', '', '2025-01-01')"
        )
        conn.exec_driver_sql(
            "INSERT INTO documents (uuid, name, position, language, text, characters, text_hash, "
            "source_name, source_format, imported_at) VALUES "
            "('d', 'Intervju', 0, 'nb', 'Tillit', 6, 'h', 'i.txt', 'txt', '2025-01-01')"
        )
        conn.exec_driver_sql(
            'INSERT INTO codings (uuid, document_id, code_id, coder_id, start, "end", text, '
            "created_at) VALUES ('g', 1, 1, 1, 0, 6, 'Tillit', '2025-01-01')"
        )
    engine.dispose()

    project = ProjectFile.open(path)
    with project.store.read() as tx:
        [code] = tx.codes.all()
        assert code.alt_name == ""
        assert len(tx.codings.details()) == 1  # the table copy did not cascade
    assert schema.current_revision(project.engine) == schema.head_revision()
    project.close()
    backup = path.with_name("old.tillit.0001.bak")
    assert backup.exists()
    check = create_engine(f"sqlite:///{backup}")
    assert schema.current_revision(check) == "0001"
    check.dispose()


def test_models_and_migrations_do_not_drift(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "drift.tillit")
    schema.upgrade_to_head(engine)
    with engine.connect() as conn:
        command.check(schema.alembic_config(conn))  # raises when autogenerate finds changes


def test_second_opener_is_told_who_holds_the_project(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    first = ProjectFile.create(path)
    with pytest.raises(ProjectLockedError, match="already open in Tillit by"):
        ProjectFile.open(path)
    first.close()
    ProjectFile.open(path).close()


def test_backups_rotate_and_are_complete_copies(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    project = ProjectFile.create(path)
    _fill(project)
    made = [make_backup(path, keep=3) for _ in range(5)]
    project.close()
    kept = backups(path)
    assert len(kept) == 3 and kept[0] == made[-1]
    with sqlite3.connect(kept[0]) as conn:
        assert conn.execute("SELECT text FROM codings").fetchall() == [("Tillit",)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_opening_a_changed_project_makes_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    project = ProjectFile.create(path)
    _fill(project)
    project.close()
    opened = ProjectFile.open(path)
    opened.close()
    assert opened.backup is not None and opened.backup.path is not None
    assert opened.backup.path.exists()
    again = ProjectFile.open(path)  # unchanged since: no second copy
    again.close()
    assert again.backup is None


def test_head_constant_matches_the_revision_files() -> None:
    assert schema.head_revision() == schema.script_head()


def test_read_copy_reads_a_project_open_elsewhere_without_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "kari.tillit"
    holder = ProjectFile.create(path)
    _fill(holder)
    holder.close()
    before = path.read_bytes()
    holder = ProjectFile.open(path, backup=False)  # another Tillit has it open
    try:
        with read_copy(path) as store, store.read() as tx:
            assert [code.name for code in tx.codes.all()] == ["Tillit"]
    finally:
        holder.close()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kari.tillit"]


def test_read_copy_upgrades_only_the_copy_of_an_older_project(tmp_path: Path) -> None:
    path = _at_first_revision(tmp_path / "old.tillit")
    with read_copy(path) as store, store.read() as tx:
        assert tx.codes.all() == []
    check = create_engine(f"sqlite:///{path}")
    assert schema.current_revision(check) == "0001"
    check.dispose()
    assert not path.with_name("old.tillit.0001.bak").exists()


def test_read_copy_refuses_what_open_refuses(tmp_path: Path) -> None:
    garbage = tmp_path / "tull.tillit"
    garbage.write_bytes(b"ikke en database")
    with pytest.raises(ProjectFileError, match="not a Tillit project"), read_copy(garbage):
        pass
    newer = tmp_path / "ny.tillit"
    ProjectFile.create(newer).close()
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(NewerProjectError), read_copy(newer):
        pass


# --- a copy of the file alone holds every acknowledged edit ------------------------------


def test_a_plain_copy_of_the_open_file_holds_every_committed_edit(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    project = ProjectFile.create(path)
    try:
        _fill(project)
        for n in range(5):
            with project.store.transaction() as tx:
                tx.coders.add(f"Koder {n}")
            copy = tmp_path / f"kopi {n}.tillit"
            shutil.copyfile(path, copy)  # as a file manager would, while the project is open
            assert not Path(f"{path}-wal").exists() and not Path(f"{path}-journal").exists()
            with sqlite3.connect(copy) as conn:
                names = {row[0] for row in conn.execute("SELECT name FROM coders")}
            assert names == {"Kari", *(f"Koder {i}" for i in range(n + 1))}
    finally:
        project.close()


def test_a_project_left_in_wal_mode_is_switched_to_the_rollback_journal(tmp_path: Path) -> None:
    path = tmp_path / "gammel.tillit"
    project = ProjectFile.create(path)
    _fill(project)
    project.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    reopened = ProjectFile.open(path, backup=False)
    try:
        with reopened.store.read() as tx:
            assert [coding.text for coding in tx.codings.details()] == ["Tillit"]
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        reopened.close()


def test_writers_wait_for_each_other_and_for_a_reader(tmp_path: Path) -> None:
    """Writing transactions take the write lock first, so two that read before they write
    do not refuse each other, and a reader only delays a commit."""
    path = tmp_path / "studie.tillit"
    project = ProjectFile.create(path)
    _fill(project)
    store = project.store
    failures: list[BaseException] = []
    started = threading.Barrier(3)

    def write(name: str) -> None:
        try:
            started.wait()
            for n in range(15):
                with store.transaction() as tx:
                    count = len(tx.coders.all())  # reads first, then writes
                    time.sleep(0.002)
                    tx.coders.add(f"{name} {n} {count}")
        except BaseException as exc:
            failures.append(exc)

    def read() -> None:
        try:
            started.wait()
            for _ in range(15):
                with store.read() as tx:
                    tx.coders.all()
                    time.sleep(0.01)  # an open read, as the search worker's used to be
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=f, args=a) for f, a in ((write, ("A",)), (write, ("B",)))]
    threads.append(threading.Thread(target=read))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.read() as tx:
        added = [coder.name for coder in tx.coders.all() if coder.name != "Kari"]
    project.close()
    assert failures == []
    assert len(added) == 30


def test_a_foreign_database_is_refused_byte_for_byte_unchanged(tmp_path: Path) -> None:
    for mode in ("delete", "wal"):
        path = tmp_path / f"fremmed-{mode}.tillit"
        with sqlite3.connect(path) as conn:
            conn.execute(f"PRAGMA journal_mode={mode}")
            conn.execute("CREATE TABLE t (x)")
            conn.execute("INSERT INTO t VALUES (1)")
        conn.close()
        before = path.read_bytes()
        with pytest.raises(ProjectFileError, match="not a Tillit project"):
            ProjectFile.open(path)
        assert path.read_bytes() == before
        assert not lock_path(path).exists()


# --- damage ------------------------------------------------------------------------------


def _damage(path: Path) -> None:
    """Overwrite pages in the middle of a database file with garbage."""
    size = path.stat().st_size
    pages = size // 4096
    assert pages >= 6, "the file is too small to damage in the middle"
    with path.open("r+b") as handle:
        for page in range(pages // 3, pages // 3 + 3):
            handle.seek(page * 4096)
            handle.write(random.Random(page).randbytes(4096))


def _big_project(path: Path) -> None:
    project = ProjectFile.create(path)
    _fill(project)
    with project.store.transaction() as tx:
        for n in range(40):
            tx.documents.add(
                name=f"Intervju {n}",
                language="nb",
                text=f"Tekst {n}: " + "tillit og ansvar " * 400,
                paragraphs=[],
                source_name=f"{n}.txt",
                source_format="txt",
            )
    project.close()


def test_a_damaged_project_is_refused_naming_its_newest_good_backup(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    _big_project(path)
    older = make_backup(path)
    newest = make_backup(path)
    _damage(newest)  # backups can be damaged too: the sentence names the good one
    _damage(path)
    before = path.read_bytes()
    kept = {backup: backup.read_bytes() for backup in backups(path)}

    project = ProjectFile.open(path)  # the check of every page goes on beside opening
    try:
        with pytest.raises(ProjectFileError) as caught, project.store.transaction() as tx:
            tx.coders.add("Ola")  # the first write waits for the check, which refuses it
        with pytest.raises(ProjectFileError) as verified:
            project.verify()
    finally:
        assert project.close() == []  # no backup was tried of the damaged file

    message = str(caught.value)
    assert "damaged" in message and older.name in message and newest.name not in message
    assert "\n" not in message and str(verified.value) == message
    assert path.read_bytes() == before
    assert {backup: backup.read_bytes() for backup in backups(path)} == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["studie.tillit", "studie.tillit backups"]


def test_a_damaged_project_is_never_backed_up_over_good_backups(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    _big_project(path)
    good = [make_backup(path, keep=2) for _ in range(2)]
    _damage(path)
    with pytest.raises(sqlite3.DatabaseError):
        make_backup(path, keep=2)
    assert backups(path) == sorted(good, reverse=True)
    assert all(is_sound(backup) for backup in good)
    assert [p.name for p in backup_dir(path).iterdir() if p.name.startswith(".")] == []


# --- copies ------------------------------------------------------------------------------


def test_staged_copy_keeps_the_uuids_and_appears_only_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    holder = ProjectFile.create(path)
    _fill(holder)
    target = tmp_path / "kopi.tillit"
    try:
        with pytest.raises(RuntimeError), staged_copy(path, target) as store:
            with store.transaction() as tx:
                tx.coders.add("Ola")
            raise RuntimeError("stopped halfway")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["studie.tillit", "studie.tillit.lock"]

        with staged_copy(path, target) as store, store.transaction() as tx:
            tx.project.set_current_coder(tx.coders.add("Ola"))
        with pytest.raises(ProjectFileError, match="already exists"), staged_copy(path, target):
            pass
    finally:
        holder.close()
    copy = ProjectFile.open(target, backup=False)
    original = ProjectFile.open(path, backup=False)
    try:
        with copy.store.read() as tx, original.store.read() as mine:
            assert tx.project.get().uuid == mine.project.get().uuid
            assert [d.uuid for d in tx.documents.summaries()] == [
                d.uuid for d in mine.documents.summaries()
            ]
            assert tx.coders.get(tx.project.get().current_coder_id or 0).name == "Ola"
            assert mine.coders.by_name("Ola") is None
    finally:
        copy.close()
        original.close()


# --- damaged and odd files: one sentence, the file as it was ----------------------------------


def _made(path: Path, *statements: str) -> bytes:
    """A filled project at ``path`` with ``statements`` run on it afterwards; its bytes."""
    project = ProjectFile.create(path)
    _fill(project)
    project.close()
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA writable_schema=ON")
        for statement in statements:
            conn.executescript(statement)
    return path.read_bytes()


def _refusal(path: Path, reader: str) -> str:
    """The sentence that opening ``path`` (and reading everything) or copying it ends in."""
    with pytest.raises(StorageError) as caught:
        if reader == "open":
            project = ProjectFile.open(path, backup=False)
            try:
                with project.store.read() as tx:
                    tx.codes.all(), tx.codings.details(), tx.documents.summaries()
            finally:
                project.close()
        else:
            with read_copy(path) as store, store.read() as tx:
                tx.codes.all(), tx.codes.aliases()
    sentence = str(caught.value)
    assert "\n" not in sentence and len(sentence) < 400, sentence
    return sentence


@pytest.mark.parametrize("reader", ["open", "read_copy"])
def test_a_link_that_loops_is_refused_in_one_sentence(tmp_path: Path, reader: str) -> None:
    link = tmp_path / "b.tillit"
    link.symlink_to("b.tillit")
    assert "“b.tillit” is a link that leads round in a loop" in _refusal(link, reader)


@pytest.mark.parametrize("reader", ["open", "read_copy"])
def test_a_pipe_is_refused_as_a_pipe_by_its_own_name(tmp_path: Path, reader: str) -> None:
    pipe = tmp_path / "x.tillit"
    os.mkfifo(pipe)
    assert _refusal(pipe, reader) == (
        "“x.tillit” is a pipe, not a Tillit project; a project is a file saved on disk."
    )


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE codes",
        "DROP TABLE code_aliases",
        "UPDATE codes SET name = CAST(x'54ff6c6c6974' AS TEXT)",
        "UPDATE codes SET full_definition = CAST(x'ff' AS TEXT)",
        "DELETE FROM alembic_version",
        "DROP TABLE alembic_version; CREATE TABLE alembic_version (version_num VARCHAR(32)); "
        "INSERT INTO alembic_version VALUES (NULL)",
        f"UPDATE alembic_version SET version_num = '{'9' * 100_000}'",
        "INSERT INTO alembic_version VALUES ('0004')",
        # A schema entry SQLite cannot parse, whose message quotes bytes that are not UTF-8.
        "UPDATE sqlite_master SET name = CAST(x'6d656d6f73ff' AS TEXT), "
        "sql = CAST(x'435245415445205441424c4520742878ff' AS TEXT) WHERE name = 'memos'",
    ],
)
@pytest.mark.parametrize("reader", ["open", "read_copy"])
def test_a_damaged_project_is_refused_as_damaged_and_left_as_it_was(
    tmp_path: Path, statement: str, reader: str
) -> None:
    path = tmp_path / "studie.tillit"
    before = _made(path, statement)
    sentence = _refusal(path, reader)
    assert sentence.startswith("“studie.tillit” is damaged, so Tillit left it untouched"), sentence
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["studie.tillit"]


def test_a_sound_project_still_shows_a_bug_as_a_bug(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    _made(path)
    project = ProjectFile.open(path, backup=False)
    try:
        with (
            pytest.raises(OperationalError, match="no such function"),
            project.store.read() as tx,
        ):
            tx.session.execute(text("SELECT no_such_function(1)"))
    finally:
        project.close()


def test_a_foreign_database_with_tillits_stamp_is_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "annen.tillit"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0005')")
    for reader in ("open", "read_copy"):
        assert _refusal(path, reader) == "“annen.tillit” is a database, but not a Tillit project."


@pytest.mark.parametrize("stamp", ["0001", "0003"])
def test_a_failed_upgrade_leaves_the_file_as_it_was_and_no_backup(
    tmp_path: Path, stamp: str
) -> None:
    path = tmp_path / "studie.tillit"
    before = _made(path, f"UPDATE alembic_version SET version_num = '{stamp}'")
    assert _refusal(path, "open") == (
        "Tillit could not upgrade “studie.tillit” (the file is damaged); it was left as it is."
    )
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["studie.tillit"]
    assert _refusal(path, "read_copy").startswith("Tillit could not upgrade “studie.tillit”")


def test_a_name_that_is_not_utf8_opens_copies_and_backs_up(tmp_path: Path) -> None:
    path = tmp_path / os.fsdecode(b"intervju \xff\xfe.tillit")
    try:
        path.write_bytes(b"")
        path.unlink()
    except (OSError, UnicodeError):
        pytest.skip("this file system takes only UTF-8 names")
    _made(path)
    project = ProjectFile.open(path)
    with project.store.read() as tx:
        assert [code.name for code in tx.codes.all()] == ["Tillit"]
    assert project.close() == []
    assert len(backups(path)) == 1
    with read_copy(path) as store, store.read() as tx:
        assert [code.name for code in tx.codes.all()] == ["Tillit"]
    with staged_copy(path, tmp_path / os.fsdecode(b"kopi \xff.tillit")):
        pass
    assert is_sound(tmp_path / os.fsdecode(b"kopi \xff.tillit"))


def test_damage_found_while_open_names_no_backup_made_since_opening(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    _made(path)
    older = make_backup(path)
    an_hour_ago = time.time() - 3600
    os.utime(older, (an_hour_ago, an_hour_ago))
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("UPDATE codes SET name = CAST(x'54ff' AS TEXT)")
    project = ProjectFile.open(path)  # backs up the damaged text too: SQLite finds it sound
    assert project.backup is not None
    project.backup.wait()
    assert project.backup.path is not None and is_sound(project.backup.path)
    try:
        for begin in (project.store.read, project.store.transaction):
            with pytest.raises(ProjectFileError) as caught, begin() as tx:
                tx.codes.all()
            assert f"its newest good backup is “{older.name}”" in str(caught.value)
    finally:
        project.close()
