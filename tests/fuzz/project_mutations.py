"""Damaged and foreign project files: truncated, pages overwritten, another program's SQLite,
a newer or unknown schema, rows no Tillit would write, and debris beside the file."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.fuzz.mutations import Material, Mutator

APPLICATION_ID = 0x544C4C54  # "TLLT", as storage.sqlite stamps it
_PAGE_DEFAULT = 4096


def _copy(material: Material) -> Path:
    path = material.output()
    path.write_bytes(material.seed.read_bytes())
    return path


def _edit(material: Material, *statements: str) -> Path:
    """A copy of the seed with ``statements`` run on it, foreign keys and checks off."""
    path = _copy(material)
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute("PRAGMA ignore_check_constraints=ON")
        for statement in statements:
            db.execute(statement)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _page_size(data: bytes | bytearray) -> int:
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else size or _PAGE_DEFAULT


def truncated_project(material: Material) -> Path:
    data = material.seed.read_bytes()
    page = _page_size(data)
    pages = len(data) // page
    if material.rng.random() < 0.5 and pages > 1:
        cut = page * material.rng.randrange(1, pages)  # whole pages missing from the end
    else:
        cut = material.rng.randrange(1, len(data))
    path = material.output()
    path.write_bytes(data[:cut])
    return path


def page_garbage(material: Material) -> Path:
    data = bytearray(material.seed.read_bytes())
    page = _page_size(data)
    pages = len(data) // page
    for _ in range(material.rng.randint(1, 3)):
        number = material.rng.randrange(pages)
        fill = material.rng.choice(
            [material.rng.randbytes(page), bytes(page), b"\xff" * page, data[:page]]
        )
        start = number * page + (100 if number == 0 and material.rng.random() < 0.7 else 0)
        data[start : (number + 1) * page] = fill[: (number + 1) * page - start]
    path = material.output()
    path.write_bytes(bytes(data))
    return path


def header_garbage(material: Material) -> Path:
    data = bytearray(material.seed.read_bytes())
    for _ in range(material.rng.randint(1, 4)):
        data[material.rng.randrange(16, 100)] = material.rng.randrange(256)
    path = material.output()
    path.write_bytes(bytes(data))
    return path


def foreign_sqlite(material: Material) -> Path:
    """Another program's database, or one that looks half like a Tillit project."""
    path = material.output()
    kind = material.rng.choice(["other", "other-wal", "tillit-id", "revision", "both"])
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        if kind == "other-wal":
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('Firefox, Anki or a phone backup')")
        if kind in ("tillit-id", "both"):
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
        if kind in ("revision", "both"):
            db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            db.execute("INSERT INTO alembic_version VALUES ('0005')")
    return path


def newer_schema(material: Material) -> Path:
    revision = material.rng.choice(["0006", "9999", "0100_from_the_future", "a1b2c3d4e5f6"])
    if material.rng.random() < 0.3:
        return _edit(material, f"PRAGMA user_version={material.rng.randint(1, 2**31 - 1)}")
    return _edit(material, f"UPDATE alembic_version SET version_num = '{revision}'")


def odd_revision(material: Material) -> Path:
    """The revision table older than the tables, empty, doubled, NULL or dropped."""
    choice = material.rng.choice(
        [
            ("UPDATE alembic_version SET version_num = '0003'",),
            ("UPDATE alembic_version SET version_num = '0001'",),
            ("DELETE FROM alembic_version",),
            ("INSERT INTO alembic_version VALUES ('0004')",),
            ("DROP TABLE alembic_version",
             "CREATE TABLE alembic_version (version_num VARCHAR(32))",
             "INSERT INTO alembic_version VALUES (NULL)"),
            (f"UPDATE alembic_version SET version_num = '{'9' * 100_000}'",),
            ("PRAGMA application_id=0",),
        ]
    )  # fmt: skip
    return _edit(material, *choice)


def dropped_table(material: Material) -> Path:
    table = material.rng.choice(
        ["documents", "codings", "codes", "paragraphs", "coders", "projects", "index_journal",
         "memos", "code_aliases"]
    )  # fmt: skip
    return _edit(material, f"DROP TABLE {table}")


def row_damage(material: Material) -> Path:
    """Rows no Tillit writes: wrong types, undecodable text, a code its own parent, spans
    outside their text, a coding of a document that is gone."""
    choice = material.rng.choice(
        [
            "UPDATE codings SET start = 'abc'",
            'UPDATE codings SET start = -5, "end" = 1000000000',
            'UPDATE codings SET start = "end" + 10',
            "UPDATE documents SET text = CAST(x'fffe41c3' AS TEXT)",
            "UPDATE documents SET name = CAST(x'ff' AS TEXT)",
            "UPDATE codes SET parent_id = id",
            "UPDATE codes SET parent_id = (SELECT max(id) FROM codes) "
            "WHERE id = (SELECT min(id) FROM codes)",
            "DELETE FROM documents WHERE id = (SELECT min(document_id) FROM codings)",
            "UPDATE documents SET characters = -1, text = ''",
            'UPDATE paragraphs SET start = "end" + 5',
            "UPDATE projects SET current_coder_id = 424242",
            "UPDATE codings SET coder_id = 424242",
            "UPDATE documents SET uuid = 'x' WHERE id = (SELECT min(id) FROM documents)",
            "UPDATE codes SET created_at = 'not a date'",
            "UPDATE documents SET language = 'klingon'",
        ]
    )
    return _edit(material, choice)


def debris(material: Material) -> Path:
    """The project with a stranger's files beside it: a garbage lock, WAL or shared memory."""
    path = _copy(material)
    suffix = material.rng.choice([".lock", "-wal", "-shm", ".lock"])
    content = material.rng.choice(
        [b"", b"{not json", material.rng.randbytes(5000), b'{"pid": 1, "host": "x"}',
         b'{"user": "Kari", "host": "elsewhere", "pid": 99999999, "since": 5}']
    )  # fmt: skip
    Path(f"{path}{suffix}").write_bytes(content)
    return path


PROJECT_MUTATIONS: dict[str, Mutator] = {
    "truncated_project": truncated_project,
    "page_garbage": page_garbage,
    "header_garbage": header_garbage,
    "foreign_sqlite": foreign_sqlite,
    "newer_schema": newer_schema,
    "odd_revision": odd_revision,
    "dropped_table": dropped_table,
    "row_damage": row_damage,
    "debris": debris,
}
