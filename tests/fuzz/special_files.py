"""Inputs that are not ordinary files, or are ordinary files at the edge: FIFOs, links to devices,
folders, sockets, empty and oversized files, and names that are hard to print or store."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from tests.fuzz.mutations import Material, Mutator


def _name(material: Material, stem: str) -> Path:
    return material.output(stem + material.seed.suffix)


def fifo(material: Material) -> Path:
    """A named pipe nobody writes to (``x.txt``): opening it waits for ever."""
    path = _name(material, "x")
    os.mkfifo(path)
    return path


def device_link(material: Material) -> Path:
    """A link (``y.txt``) to ``/dev/zero`` (endless), ``/dev/urandom``, ``/dev/null`` or worse."""
    path = _name(material, "y")
    target = material.rng.choice(
        ["/dev/zero", "/dev/zero", "/dev/urandom", "/dev/null", "/proc/self/mem", "/"]
    )
    path.symlink_to(target)
    return path


def dev_zero_link(material: Material) -> Path:
    path = _name(material, "y")
    path.symlink_to("/dev/zero")
    return path


def broken_link(material: Material) -> Path:
    """A link to nothing, or to itself."""
    path = _name(material, "b")
    path.symlink_to(path.name if material.rng.random() < 0.5 else "nowhere/at/all")
    return path


def folder(material: Material) -> Path:
    """A folder named like a file (``z.docx``), with something in it."""
    path = _name(material, "z")
    path.mkdir()
    (path / "content.xml").write_bytes(material.seed.read_bytes()[:1000])
    return path


def empty(material: Material) -> Path:
    path = _name(material, "e")
    path.write_bytes(material.rng.choice([b"", b"", b" ", b"\n\r\n\t", b"\xef\xbb\xbf"]))
    return path


def socket_file(material: Material) -> Path:
    path = _name(material, "s")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
    finally:
        server.close()
    return path


def sparse(size_of: int | Callable[[str], int], *, over: bool, name: str = "") -> Mutator:
    """A file just over (or just under) ``size_of`` bytes (or ``size_of(suffix)``), made sparse:
    the seed's own bytes first, so that it looks like what it is named, then a hole."""

    def mutate(material: Material) -> Path:
        size = size_of if isinstance(size_of, int) else size_of(material.seed.suffix.lower())
        path = material.output()
        with path.open("wb") as handle:
            handle.write(material.seed.read_bytes())
            handle.truncate(size + 1 if over else size - 1)
        return path

    mutate.__name__ = name or ("oversized" if over else "near_limit_sparse")
    return mutate


def near_limit_text(size_of: int) -> Mutator:
    """Real text (the seed's lines repeated) just under ``size_of`` bytes: nothing is refused by
    its size, so what it costs to read shows."""

    def mutate(material: Material) -> Path:
        path = material.output()
        unit = material.seed.read_bytes().strip() + b"\n"
        block = unit * max(1, (1 << 20) // len(unit))
        with path.open("wb") as handle:
            while handle.tell() + len(block) < size_of - 1:
                handle.write(block)
        return path

    mutate.__name__ = "near_limit_text"
    return mutate


def awkward_name(material: Material) -> Path:
    """The seed (or garbage) under a name with a line break, undecodable bytes, NFD letters,
    typographic quotes or 250 characters."""
    stem = material.rng.choice(
        [b"a\nb", b"a\rb", b"\xff\xfe", b"Bjo\xcc\x88rn", "“sitat”".encode(), b"n" * 240,
         "\x1b[31mrød".encode(), b"-v", b"tab\there"]
    )  # fmt: skip
    name = os.fsdecode(stem + material.seed.suffix.encode())
    data = material.seed.read_bytes()
    if material.rng.random() < 0.5:
        data = b"\x00\x01" + data[: len(data) // 2]  # garbage, so that an error names the file
    path = material.output(name)
    path.write_bytes(data)
    return path


SPECIAL: dict[str, Mutator] = {
    "fifo": fifo,
    "device_link": device_link,
    "dev_zero_link": dev_zero_link,
    "broken_link": broken_link,
    "folder": folder,
    "empty": empty,
    "socket_file": socket_file,
    "awkward_name": awkward_name,
}
