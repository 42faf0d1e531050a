"""Hostile input files built in a test (zip bombs, huge, encrypted or oddly packed entries), and
the command line run on them in a child process with bounded memory."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from coding.project import Project

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
#: The child's address space: a reader that holds a gigabyte-sized entry fails on this.
ADDRESS_SPACE = 2 * 1024**3


@dataclass(frozen=True)
class RawEntry:
    """A zip entry as it is written: its packed bytes and the header fields around them."""

    name: str
    packed: bytes
    size: int  # what the header declares the entry expands to
    crc: int
    method: int = 8  # deflate
    flags: int = 0


def stored(name: str, data: bytes) -> RawEntry:
    return RawEntry(name, data, len(data), zlib.crc32(data), method=0)


def deflated(name: str, data: bytes) -> RawEntry:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return RawEntry(name, packer.compress(data) + packer.flush(), len(data), zlib.crc32(data))


def deflated_zeros(name: str, size: int) -> RawEntry:
    """``size`` zero bytes deflated, without packing (or holding) ``size`` bytes: after a full
    flush the compressor starts afresh, so every megabyte of zeros packs to the same bytes."""
    zeros = bytes(MIB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH) == block
    blocks, rest = divmod(size, MIB)
    packed = block * blocks + packer.compress(bytes(rest)) + packer.flush()
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    return RawEntry(name, packed, size, zlib.crc32(bytes(rest), crc))


def write_zip(path: Path, entries: list[RawEntry]) -> Path:
    """A zip archive of ``entries`` exactly as given (sizes below 4 GiB: no zip64 records)."""
    local = bytearray()
    central = bytearray()
    for entry in entries:
        name = entry.name.encode("utf-8")
        fields = (20, entry.flags, entry.method, 0, 0x21, entry.crc, len(entry.packed))
        offset = len(local)
        local += struct.pack("<4s5HLLLHH", b"PK\x03\x04", *fields, entry.size, len(name), 0)
        local += name + entry.packed
        central += struct.pack(
            "<4s6HLLLHHHHHLL", b"PK\x01\x02", 20, *fields, entry.size, len(name), 0, 0, 0, 0, 0,
            offset,
        )  # fmt: skip
        central += name
    end = struct.pack(
        "<4s4HLLH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))
    return path


def entries_of(path: Path) -> list[RawEntry]:
    """The entries of a real archive (a .docx python-docx wrote), deflated afresh."""
    with zipfile.ZipFile(path) as archive:
        return [deflated(info.filename, archive.read(info)) for info in archive.infolist()]


@dataclass(frozen=True)
class Run:
    """How a child process of the command line ended."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss: int  # bytes


# Linux keeps ru_maxrss across fork and exec, so a child forked from a test process that has
# grown (a whole suite's worth) would report that process's size. A small launcher starts the
# command line instead and reports its child's peak, which starts from the launcher's size.
_LAUNCHER = """
import os, resource, subprocess, sys
limit, report, *argv = sys.argv[1:]
def bounded():
    resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
child = subprocess.Popen([sys.executable, *argv], preexec_fn=bounded)
_pid, status, usage = os.wait4(child.pid, 0)
with open(report, "w") as handle:
    handle.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_cli(*args: str | Path) -> Run:
    """``python main.py ARGS`` in the repository, its address space bounded, with its time and
    peak memory (resident set) measured."""
    with tempfile.TemporaryDirectory(prefix="tillit-run-") as scratch:
        report = Path(scratch) / "maxrss"
        started = time.monotonic()
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                _LAUNCHER,
                str(ADDRESS_SPACE),
                str(report),
                "main.py",
                *map(str, args),
            ],
            cwd=ROOT,
            capture_output=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            check=False,
        )
        seconds = time.monotonic() - started
        max_rss = int(report.read_text()) * 1024
    return Run(
        child.returncode,
        child.stdout.decode("utf-8"),
        child.stderr.decode("utf-8"),
        seconds,
        max_rss,
    )


def assert_refused(run: Run, *, within: float = 20.0, memory: int = 1024**3) -> str:
    """The command line refused in one plain line on stderr, within ``within`` seconds (a guard
    against hangs) and ``memory`` bytes; returns that line."""
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("tillit: ")
    assert run.seconds < within
    assert run.max_rss < memory, f"{run.max_rss / MIB:.0f} MB"
    return lines[0]


def new_project(path: Path) -> bytes:
    """A new empty project at ``path`` (as ``new`` makes it); returns its bytes."""
    with Project.create(path, coder="Kari"):
        pass
    return path.read_bytes()
