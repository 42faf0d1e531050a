"""The project lock: a second opener is refused by name; a dead holder's lock is recovered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from storage.errors import ProjectFileError, ProjectLockedError
from storage.lock import ProjectLock, lock_path

ROOT = Path(__file__).resolve().parents[2]


def test_second_lock_names_the_holder(tmp_path: Path) -> None:
    project = tmp_path / "studie.tillit"
    with ProjectLock(project).acquire():
        with pytest.raises(ProjectLockedError) as caught:
            ProjectLock(project).acquire()
        holder = json.loads(lock_path(project).read_text())
    assert f"process {holder['pid']}" in str(caught.value)
    assert holder["user"] in str(caught.value)
    assert not lock_path(project).exists()


def test_lock_of_a_killed_process_is_recovered(tmp_path: Path) -> None:
    project = tmp_path / "studie.tillit"
    script = (
        "import sys, time; from pathlib import Path; from storage.lock import ProjectLock;"
        "lock = ProjectLock(Path(sys.argv[1])).acquire();"
        "print('locked', flush=True); time.sleep(60)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(project)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    with pytest.raises(ProjectLockedError):
        ProjectLock(project).acquire()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert lock_path(project).exists()  # left behind by the crash
    lock = ProjectLock(project).acquire()
    assert lock.recovered_from is not None and lock.recovered_from.pid == process.pid
    lock.release()


def test_garbled_lock_file_is_recovered(tmp_path: Path) -> None:
    project = tmp_path / "studie.tillit"
    lock_path(project).write_text("{not json")
    with ProjectLock(project).acquire() as lock:
        assert lock.recovered_from is not None


@pytest.mark.parametrize(
    "record", [b"\xb1\xf6\x00garbage", b"{not json", b'{"pid": 1, "host": "x"}', b"x" * 200_000]
)
def test_a_lock_record_tillit_did_not_write_is_taken_over_as_stale(
    tmp_path: Path, record: bytes
) -> None:
    project = tmp_path / "studie.tillit"
    lock_path(project).write_bytes(record)
    with ProjectLock(project).acquire() as lock:
        assert lock.recovered_from is not None
        assert lock.recovered_from.describe().startswith("someone on an unknown computer")
        assert json.loads(lock_path(project).read_text())["pid"] == os.getpid()
    assert not lock_path(project).exists()


def test_a_pipe_where_the_lock_belongs_is_refused_without_blocking(tmp_path: Path) -> None:
    project = tmp_path / "studie.tillit"
    os.mkfifo(lock_path(project))
    with pytest.raises(ProjectFileError, match="is not a lock file Tillit made"):
        ProjectLock(project).acquire()
