"""Zip archives taken apart into raw entries and written back byte by byte, so that a mutation
can break one field (a CRC, a method, a flag, a name) that ``zipfile`` would never write wrong."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")
_UTF8_FLAG = 0x800
_DOS_TIME, _DOS_DATE = 0x6000, 0x5A21  # 12:00, 2025-01-01


@dataclass(frozen=True)
class RawEntry:
    """One member as it lies in the archive: ``data`` is the compressed bytes."""

    name: bytes
    data: bytes
    method: int
    crc: int
    size: int  # uncompressed, as declared
    flags: int = 0
    external_attr: int = 0
    extra: bytes = b""
    local_name: bytes | None = None  # a different name in the local header than in the directory

    @property
    def text_name(self) -> str:
        return self.name.decode("utf-8", "replace")

    def with_(self, **changes: object) -> RawEntry:
        return replace(self, **changes)  # type: ignore[arg-type]


def entry(name: str, content: bytes, *, method: int = zipfile.ZIP_DEFLATED) -> RawEntry:
    """A sound entry holding ``content``."""
    data = content
    if method == zipfile.ZIP_DEFLATED:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = packer.compress(content) + packer.flush()
    return RawEntry(
        name.encode("utf-8"), data, method, zlib.crc32(content), len(content), _UTF8_FLAG
    )


def read_entries(data: bytes) -> list[RawEntry]:
    """The members of a sound archive, in directory order, with their compressed bytes."""
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            offset = info.header_offset
            fields = _LOCAL.unpack_from(data, offset)
            start = offset + _LOCAL.size + fields[9] + fields[10]
            name = info.orig_filename.encode("utf-8" if info.flag_bits & _UTF8_FLAG else "cp437")
            entries.append(
                RawEntry(
                    name=name,
                    data=data[start : start + info.compress_size],
                    method=info.compress_type,
                    crc=info.CRC,
                    size=info.file_size,
                    flags=info.flag_bits & ~0x8,  # sizes go in the headers, not a descriptor
                    external_attr=info.external_attr,
                    extra=info.extra,
                )
            )
    return entries


def content_of(entry_: RawEntry) -> bytes:
    """The uncompressed bytes of a sound stored or deflated entry."""
    if entry_.method == zipfile.ZIP_STORED:
        return entry_.data
    return zlib.decompressobj(-15).decompress(entry_.data)


def build(entries: Iterable[RawEntry], *, comment: bytes = b"", prefix: bytes = b"") -> bytes:
    """An archive of ``entries`` exactly as given, after ``prefix`` (a self-extractor's stub)."""
    out = io.BytesIO()
    out.write(prefix)
    central = io.BytesIO()
    count = 0
    for item in entries:
        count += 1
        offset = out.tell()
        local_name = item.local_name if item.local_name is not None else item.name
        out.write(_local_header(item, local_name))
        out.write(local_name)
        out.write(item.extra)
        out.write(item.data)
        central.write(_central_header(item, offset))
        central.write(item.name)
        central.write(item.extra)
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    if count > 0xFFFF:  # zip64: the classic end record cannot count that many members
        record = out.tell()
        out.write(_END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory),
                              start))  # fmt: skip
        out.write(_LOCATOR.pack(b"PK\x06\x07", 0, record, 1))
        count = 0xFFFF
    out.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), start, len(comment)))
    out.write(comment)
    return out.getvalue()


_MIB = 1024 * 1024


def zeros_entry(name: str, mebibytes: int, *, declared_size: int | None = None) -> RawEntry:
    """A deflated member of ``mebibytes`` MiB of zeros that is about a thousandth of that size.

    It is one compressed block repeated: after a full flush deflate starts afresh, so the same
    input gives the same bytes, and no gigabyte is ever held or written. ``declared_size``
    lies about the uncompressed size when given.
    """
    block, tail, crc = _zeros(mebibytes)
    size = mebibytes * _MIB if declared_size is None else declared_size
    data = block * mebibytes + tail
    return RawEntry(name.encode("utf-8"), data, zipfile.ZIP_DEFLATED, crc, size, _UTF8_FLAG)


@functools.cache
def _zeros(mebibytes: int) -> tuple[bytes, bytes, int]:
    zeros = bytes(_MIB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    if packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH) != block:
        raise RuntimeError("this zlib does not repeat a block after a full flush")
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    return block, packer.flush(), crc


def _local_header(item: RawEntry, name: bytes) -> bytes:
    size = len(item.data)
    return _LOCAL.pack(
        b"PK\x03\x04", 20, item.flags, item.method, _DOS_TIME, _DOS_DATE, item.crc, size,
        item.size & 0xFFFFFFFF, len(name), len(item.extra),
    )  # fmt: skip


def _central_header(item: RawEntry, offset: int) -> bytes:
    size = len(item.data)
    return _CENTRAL.pack(
        b"PK\x01\x02", 0x314, 20, item.flags, item.method, _DOS_TIME, _DOS_DATE, item.crc, size,
        item.size & 0xFFFFFFFF, len(item.name), len(item.extra), 0, 0, 0, item.external_attr,
        offset,
    )  # fmt: skip
