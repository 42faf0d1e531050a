"""A process killed mid-work leaves a sound project holding everything it reported as done."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coding import queries
from coding.project import Project
from tests.conftest import SAMPLE_TEXT, add_document

ROOT = Path(__file__).resolve().parents[2]

IMPORT_WORKER = """
import sys
from pathlib import Path
from coding.importing import ImportDocuments
from coding.project import Project
files = sorted(Path(sys.argv[2]).glob("*.txt"))
with Project.open(Path(sys.argv[1]), backup=False) as project:
    for batch in range(1000):
        command = ImportDocuments(project, files)
        command.do()
        print("batch", batch, len(command.document_ids), flush=True)
"""

CODING_WORKER = """
import sys
from pathlib import Path
from coding import queries
from coding.codings import ApplyCoding
from coding.project import Project
with Project.open(Path(sys.argv[1]), backup=False) as project:
    document_id = queries.documents(project)[0].id
    length = queries.documents(project)[0].characters
    for n in range(100000):
        start = n % (length - 10)
        command = ApplyCoding(project, document_id, [(start, start + 5 + n % 5)],
                              code_path=f"Kode {n % 7}", coder="Ola")
        command.do()
        uuid = [c.uuid for c in queries.codings(project) if c.id == command.coding_ids[0]][0]
        print(uuid, flush=True)
"""


def _run_and_kill(script: str, args: list[str], lines_before_kill: int) -> list[str]:
    """Start ``script``, read what it reports, and SIGKILL it at a random moment of its work."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    reported: list[str] = []
    try:
        while len(reported) < lines_before_kill:
            line = process.stdout.readline()
            if not line:
                pytest.fail(
                    f"the worker stopped early: {process.stderr.read() if process.stderr else ''}"
                )
            reported.append(line.strip())
        time.sleep(random.uniform(0.0, 0.05))  # somewhere inside the next transaction
        process.send_signal(signal.SIGKILL)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    # Lines written before the kill reached the pipe; they were reported as done too.
    reported.extend(line.strip() for line in rest.splitlines() if line.strip())
    return reported


@pytest.mark.slow
def test_kill_during_bulk_import_keeps_whole_batches(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    Project.create(path, coder="Kari").close()
    files = tmp_path / "files"
    files.mkdir()
    for n in range(12):
        (files / f"intervju {n:02}.txt").write_text(SAMPLE_TEXT * 40, encoding="utf-8")

    reported = _run_and_kill(IMPORT_WORKER, [str(path), str(files)], lines_before_kill=3)

    with Project.open(path) as project:  # also recovers the dead process's lock
        assert project.integrity_problems() == []
        documents = queries.documents(project)
    done = [line for line in reported if line.startswith("batch")]
    assert len(documents) % 12 == 0, "a batch was half-imported"
    assert len(documents) >= 12 * len(done)
    assert all(d.characters == len(SAMPLE_TEXT * 40) for d in documents)


@pytest.mark.slow
def test_kill_during_burst_of_codings_keeps_every_reported_coding(tmp_path: Path) -> None:
    path = tmp_path / "studie.tillit"
    with Project.create(path, coder="Kari") as project:
        add_document(project)

    reported = _run_and_kill(CODING_WORKER, [str(path)], lines_before_kill=40)

    with Project.open(path) as project:
        assert project.integrity_problems() == []
        stored = {c.uuid: c for c in queries.codings(project)}
    assert set(reported) <= set(stored)
    assert len(reported) >= 40
    for coding in stored.values():
        assert coding.text == SAMPLE_TEXT[coding.start : coding.end]


EXPORT_WORKER = """
import sys, time
from pathlib import Path
from storage.formats.staged_file import staged_write
with staged_write(Path(sys.argv[1])) as stream:
    stream.write(b"half a report")
    stream.flush()
    print("writing", flush=True)
    time.sleep(120)
"""

STAGED_PROJECT_WORKER = """
import sys, time
from pathlib import Path
from storage.project_file import ProjectFile
from storage.staging import staging_path

def fill(store):
    with store.transaction() as tx:
        tx.project.create("Halvferdig", "nb")
        print("writing", flush=True)
        time.sleep(120)

# Staged as a project made from a REFI-QDA file is, inside a new project's first transaction.
ProjectFile.create(staging_path(Path(sys.argv[1]), "importing"), fill)
"""


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "writing", process.stderr
    return process


def _hidden(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir() if path.name.startswith(".")}


@pytest.mark.slow
def test_what_killed_writers_leave_is_removed_on_the_next_run(tmp_path: Path) -> None:
    from tests.app.test_cli import tillit

    path = tmp_path / "studie.tillit"
    with Project.create(path, coder="Kari") as project:
        add_document(project)
    killed = [
        _start(EXPORT_WORKER, str(tmp_path / "utdrag.docx")),
        _start(STAGED_PROJECT_WORKER, str(tmp_path / "importert.tillit")),
    ]
    for process in killed:
        process.send_signal(signal.SIGKILL)
        process.wait()
    left = _hidden(tmp_path)
    assert any(name.endswith(".part") for name in left)
    assert any(name.endswith(".partial-journal") for name in left)  # mid-transaction
    alive = _start(EXPORT_WORKER, str(tmp_path / "annet.docx"))
    try:
        working = _hidden(tmp_path) - left

        result = tillit("export", "docx", path, tmp_path / "utdrag.docx")  # the next run

        assert result.returncode == 0, result.stderr
        assert _hidden(tmp_path) == working  # the live writer's file is left alone
    finally:
        alive.kill()
        alive.wait()
    assert (tmp_path / "utdrag.docx").read_bytes()[:2] == b"PK"
    assert not (tmp_path / "importert.tillit").exists()
