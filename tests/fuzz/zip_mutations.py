"""Mutations of zip packages (.docx, .odt, .qdpx): broken CRCs, methods, flags and directories,
bombs, duplicate and escaping names, and mutations of one member's content re-packed."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable

from tests.fuzz import zipraw
from tests.fuzz.mutations import ByteMutation, Material
from tests.fuzz.zipraw import RawEntry

#: The bomb: more zeros than the children's address space, in about a megabyte.
BOMB_MEBIBYTES = 1100


def _pick(entries: list[RawEntry], main: str, m: Material) -> int:
    """The index of the member to break: the format's main one more often than not."""
    names = [item.text_name for item in entries]
    if main in names and m.rng.random() < 0.6:
        return names.index(main)
    return m.rng.randrange(len(entries))


def _each_entry(change: Callable[[RawEntry, Material], RawEntry]) -> Callable[[str], ByteMutation]:
    def bind(main: str) -> ByteMutation:
        def mutation(data: bytes, m: Material) -> bytes:
            entries = zipraw.read_entries(data)
            index = _pick(entries, main, m)
            entries[index] = change(entries[index], m)
            return zipraw.build(entries)

        mutation.__name__ = change.__name__
        return mutation

    return bind


def _crc(item: RawEntry, m: Material) -> RawEntry:
    return item.with_(crc=item.crc ^ m.rng.randint(1, 0xFFFFFFFF))


def _method(item: RawEntry, m: Material) -> RawEntry:
    # 1 shrink, 6 implode, 9 deflate64, 97-99 WavPack, PPMd, AES: none of them in zipfile;
    # 0, 12 and 14 are, but not for deflated bytes.
    return item.with_(method=m.rng.choice([1, 6, 9, 93, 97, 98, 99, 0, 12, 14, 255]))


def _encrypted(item: RawEntry, m: Material) -> RawEntry:
    return item.with_(flags=item.flags | 1 | (0x40 if m.rng.random() < 0.3 else 0))


def _compressed_bytes(item: RawEntry, m: Material) -> RawEntry:
    data = bytearray(item.data)
    for _ in range(m.rng.randint(1, 8)):
        if data:
            data[m.rng.randrange(len(data))] ^= 1 << m.rng.randrange(8)
    if data and m.rng.random() < 0.3:
        data = data[: m.rng.randrange(len(data))]
    return item.with_(data=bytes(data))


def _declared_size(item: RawEntry, m: Material) -> RawEntry:
    return item.with_(size=m.rng.choice([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, item.size * 1000]))


def _symlink(item: RawEntry, m: Material) -> RawEntry:
    target = m.rng.choice([b"/etc/passwd", b"../../../../dev/zero", item.name])
    return item.with_(external_attr=(0o120777 << 16), data=target, method=zipfile.ZIP_STORED,
                      size=len(target), crc=zlib.crc32(target))  # fmt: skip


def _undecodable_name(item: RawEntry, m: Material) -> RawEntry:
    bad = m.rng.choice([b"\xff\xfe", b"\xc3(", b"\xed\xa0\x80", b"\x80"])
    return item.with_(name=item.name + bad, flags=item.flags | 0x800)


def _local_name(item: RawEntry, m: Material) -> RawEntry:
    return item.with_(local_name=item.name[::-1] if m.rng.random() < 0.5 else b"x")


def _bad_extra(item: RawEntry, m: Material) -> RawEntry:
    extra = m.rng.choice([b"\x01\x00\x08\x00" + b"\xff" * 4, b"\x01\x00\xff\xff", b"\x01",
                          b"\x75\x70\x03\x00\x01\xff\xff"])  # fmt: skip
    return item.with_(extra=extra)


entry_crc = _each_entry(_crc)
entry_method = _each_entry(_method)
entry_encrypted = _each_entry(_encrypted)
entry_bytes = _each_entry(_compressed_bytes)
declared_size = _each_entry(_declared_size)
symlink_entry = _each_entry(_symlink)
undecodable_name = _each_entry(_undecodable_name)
local_name_mismatch = _each_entry(_local_name)
bad_extra_field = _each_entry(_bad_extra)


def truncated_directory(data: bytes, m: Material) -> bytes:
    """The central directory cut, its end record lying about it, or gone."""
    entries = zipraw.read_entries(data)
    whole = zipraw.build(entries)
    end = whole.rfind(b"PK\x05\x06")
    start = int.from_bytes(whole[end + 16 : end + 20], "little")
    roll = m.rng.random()
    if roll < 0.4:
        return whole[: m.rng.randint(start, end + 21)]
    if roll < 0.6:
        return whole[:start] + whole[end:]  # no directory, an end record that promises one
    record = bytearray(whole[end:])
    field = m.rng.choice([8, 10, 12, 16, 20])
    width = 2 if field in (8, 10, 20) else 4
    record[field : field + width] = m.rng.randbytes(width)
    return whole[:end] + bytes(record)


def bomb(main: str, *, lying: bool = False) -> ByteMutation:
    """The main member replaced by 1.1 GB of zeros; ``lying``: its declared size is tiny."""

    def mutation(data: bytes, m: Material) -> bytes:
        entries = zipraw.read_entries(data)
        names = [item.text_name for item in entries]
        name = main if m.rng.random() < 0.8 or not names else m.rng.choice(names)
        big = zipraw.zeros_entry(name, BOMB_MEBIBYTES, declared_size=4096 if lying else None)
        kept = [item for item in entries if item.text_name != name]
        kept.insert(m.rng.randint(0, len(kept)), big)
        return zipraw.build(kept)

    mutation.__name__ = "bomb_lying" if lying else "bomb"
    return mutation


def duplicate_names(data: bytes, m: Material) -> bytes:
    entries = zipraw.read_entries(data)
    original = m.rng.choice(entries)
    source = m.rng.choice(entries)
    twin = zipraw.entry(original.text_name, m.rng.choice([zipraw.content_of(source), b"",
                                                          m.rng.randbytes(300)]))  # fmt: skip
    entries.insert(m.rng.randint(0, len(entries)), twin)
    return zipraw.build(entries)


_ESCAPING = (
    "../../evil.txt", "/etc/evil.txt", "C:\\evil.txt", "sources/../../evil.txt",
    "sources\\..\\..\\evil.txt", "a/./../../b.txt", "..", "sources/..", "//server/share/x",
    "sources/\x00.txt", "~/.bashrc",
)  # fmt: skip


def escaping_names(data: bytes, m: Material) -> bytes:
    entries = zipraw.read_entries(data)
    name = m.rng.choice(_ESCAPING)
    if m.rng.random() < 0.5:
        index = m.rng.randrange(len(entries))
        entries[index] = entries[index].with_(name=name.encode())
    else:
        entries.append(zipraw.entry(name, "Før 😀".encode()))
    return zipraw.build(entries)


def many_entries(data: bytes, m: Material) -> bytes:
    """Just over a hundred thousand empty members besides the real ones."""
    entries = zipraw.read_entries(data)
    count = m.rng.choice([100_001, 120_000])
    filler = [zipraw.entry(f"sources/f{n}.txt", b"", method=zipfile.ZIP_STORED)
              for n in range(count)]  # fmt: skip
    return zipraw.build(entries + filler)


def missing_member(main: str) -> ByteMutation:
    def mutation(data: bytes, m: Material) -> bytes:
        entries = zipraw.read_entries(data)
        names = [item.text_name for item in entries]
        gone = main if main in names and m.rng.random() < 0.6 else m.rng.choice(names)
        return zipraw.build([item for item in entries if item.text_name != gone])

    mutation.__name__ = "missing_member"
    return mutation


def prefixed(data: bytes, m: Material) -> bytes:
    return m.rng.randbytes(m.rng.randint(1, 70_000)) + data


def empty_archive(data: bytes, m: Material) -> bytes:
    del data
    return zipraw.build([], comment=m.rng.randbytes(m.rng.randint(0, 100)))


def inside(main: str, mutation: ByteMutation, *, others: float = 0.2) -> ByteMutation:
    """``mutation`` applied to the content of the main member (sometimes another), re-packed.

    A ``main`` ending in "/" means any member in that folder (``sources/``), in any case.
    """

    def mutate(data: bytes, m: Material) -> bytes:
        entries = zipraw.read_entries(data)
        names = [item.text_name for item in entries]
        if main.endswith("/"):
            inside_folder = [n for n, name in enumerate(names) if name.lower().startswith(main)]
            index = m.rng.choice(inside_folder) if inside_folder else 0
        else:
            index = names.index(main) if main in names else 0
        if m.rng.random() < others:
            index = m.rng.randrange(len(entries))
        item = entries[index]
        changed = mutation(zipraw.content_of(item), m)
        method = zipfile.ZIP_STORED if item.method == zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED
        entries[index] = zipraw.entry(item.text_name, changed, method=method)
        return zipraw.build(entries)

    mutate.__name__ = f"inner_{mutation.__name__}"
    return mutate


def zip_mutations(main: str) -> dict[str, ByteMutation]:
    """Every zip-level mutation, with ``main`` the member that matters most to the reader."""
    return {
        "entry_crc": entry_crc(main),
        "entry_method": entry_method(main),
        "entry_encrypted": entry_encrypted(main),
        "entry_bytes": entry_bytes(main),
        "declared_size": declared_size(main),
        "symlink_entry": symlink_entry(main),
        "undecodable_name": undecodable_name(main),
        "local_name_mismatch": local_name_mismatch(main),
        "bad_extra_field": bad_extra_field(main),
        "truncated_directory": truncated_directory,
        "bomb": bomb(main),
        "bomb_lying": bomb(main, lying=True),
        "duplicate_names": duplicate_names,
        "escaping_names": escaping_names,
        "missing_member": missing_member(main),
        "prefixed": prefixed,
        "empty_archive": empty_archive,
        "many_entries": many_entries,
    }


#: Zip mutations too slow or large to draw at random; each still runs once per target.
EXPENSIVE = frozenset({"bomb", "many_entries"})
