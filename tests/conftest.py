"""Shared fixtures: projects in temporary folders, headless Qt."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from collections.abc import Iterator
from pathlib import Path

import pytest

from coding.project import Project
from storage.formats.parsed import ParsedParagraph

#: A short transcript with Norwegian letters, a Danish one and an emoji outside the BMP.
SAMPLE_TEXT = (
    "INT: Hva betyr tillitsreformen for deg?\n"
    "P1: Før var alt styrt av minutter. Nå får vi bruke skjønn 😀 og ta ansvar.\n"
    "INT: Og lederen din?\n"
    "P1: Hun stoler på oss – det er det viktigste. Æ, ø og å overlever."
)


def sample_paragraphs(text: str) -> list[ParsedParagraph]:
    """One unit per line, with the speaker label before the first colon."""
    units = []
    start = 0
    for line in text.split("\n"):
        speaker = line.split(":", 1)[0] if ":" in line else None
        units.append(ParsedParagraph(start, start + len(line), speaker))
        start += len(line) + 1
    return units


def add_document(project: Project, name: str = "Intervju 1", text: str = SAMPLE_TEXT) -> int:
    """Store a document directly (importers are tested on their own)."""
    with project.transaction() as tx:
        return tx.documents.add(
            name=name,
            language="nb",
            text=text,
            paragraphs=sample_paragraphs(text),
            source_name=f"{name}.txt",
            source_format="txt",
        )


def damage_freelist(path: Path) -> None:
    """Damage a project where no read goes, only SQLite's check of every page: free pages
    are made (a table filled and dropped) and the first one's count of pages is falsified."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE scratch (b BLOB)")
        conn.execute("INSERT INTO scratch VALUES (zeroblob(200000))")
        conn.execute("DROP TABLE scratch")
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    with path.open("r+b") as handle:
        handle.seek(32)  # the header's number of the first freelist trunk page
        trunk = struct.unpack(">I", handle.read(4))[0]
        handle.seek((trunk - 1) * page_size + 4)  # the trunk page's count of leaf pages
        handle.write(struct.pack(">I", 100_000))


@pytest.fixture(autouse=True)
def _cache_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search indexes go to a temporary folder, never the user's cache (subprocesses too)."""
    monkeypatch.setenv("TILLIT_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A new, empty project with the coder "Kari"."""
    with Project.create(tmp_path / "studie.tillit", coder="Kari") as opened:
        yield opened


@pytest.fixture
def document_id(project: Project) -> int:
    return add_document(project)
