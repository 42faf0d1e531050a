"""Reading zip archives (``.qdpx``, ``.docx``, ``.odt``) within bounds, refusing in a sentence.

An entry is read in chunks, and reading stops as soon as it passes its bound, whatever its
header says: at most :data:`MAX_ENTRY_BYTES`, at most :data:`MAX_RATIO` times its packed size
(zip bombs expand a thousandfold), and at most :data:`MAX_TOTAL_BYTES` from one archive. A
document's text lands in one SQLite value, which holds at most 1,000,000,000 bytes by default;
the bounds stay well below that and below what reading, decoding and parsing an entry can hold
in memory at once (a few times the entry's size). Encrypted entries, compression methods
``zipfile`` lacks, damaged data and archives with more entries than any real file are refused.
"""

from __future__ import annotations

import lzma
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from storage.errors import ImportFileError
from storage.formats.input_file import MIB, empty_error, megabytes, os_error, too_large
from storage.formats.safe_xml import check_xml

#: Bytes read from one entry: a transcript's or a project's XML is far smaller.
MAX_ENTRY_BYTES: Final = 128 * MIB
#: Bytes read from one archive, all entries together.
MAX_TOTAL_BYTES: Final = 512 * MIB
#: How many times its packed size an entry may expand to; text and XML expand 3 to 20 times.
MAX_RATIO: Final = 100
#: Below this an entry may expand any number of times (a page of spaces packs to nothing).
RATIO_FLOOR: Final = 1 * MIB
#: Entries in one archive.
MAX_ENTRIES: Final = 100_000

_CHUNK: Final = 1 * MIB
_METHODS: Final = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
_ENCRYPTED: Final = 0x1
# What zipfile and its decompressors raise for damaged data; bz2 raises OSError and
# ValueError, a traditional password-protected entry RuntimeError.
_DAMAGED: Final = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    struct.error,
)
_EOCD: Final = b"PK\x05\x06"
_ZIP64_LOCATOR: Final = b"PK\x06\x07"


@dataclass(frozen=True)
class ZipLimits:
    """The bounds of one archive's reading (see the module's description)."""

    entry: int = MAX_ENTRY_BYTES
    total: int = MAX_TOTAL_BYTES
    ratio: int = MAX_RATIO
    entries: int = MAX_ENTRIES


class ZipReader:
    """A zip archive, read entry by entry within :class:`ZipLimits`.

    ``name`` is the archive's file name for messages; ``not_zip`` the sentence for a file that
    is no zip archive at all, ``damaged`` the one for an entry whose data cannot be read (by
    default one naming the entry). Every refusal is an :class:`ImportFileError`. The stream
    stays open (and owned by the caller) after :meth:`close`.
    """

    def __init__(
        self,
        stream: BinaryIO,
        name: str,
        *,
        not_zip: str,
        damaged: str | None = None,
        limits: ZipLimits | None = None,
    ) -> None:
        self.name = name
        self.limits = limits or ZipLimits()
        self._damaged = damaged
        self._read = 0
        entries = _declared_entries(stream)
        if entries is not None and entries > self.limits.entries:
            raise self._too_many(entries)
        try:
            self._zip = zipfile.ZipFile(stream)
        except _DAMAGED as exc:
            raise ImportFileError(not_zip) from exc
        self._infos = [info for info in self._zip.infolist() if not info.is_dir()]
        if len(self._zip.infolist()) > self.limits.entries:
            self.close()
            raise self._too_many(len(self._zip.infolist()))
        self._by_name = {info.filename: info for info in self._infos}

    def __enter__(self) -> ZipReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def infos(self) -> list[zipfile.ZipInfo]:
        """The entries that are files, in the archive's order."""
        return list(self._infos)

    def names(self) -> list[str]:
        return [info.filename for info in self._infos]

    def read(self, entry: str) -> bytes:
        """The whole entry ``entry`` (a missing one counts as damage)."""
        return b"".join(self.chunks(entry))

    def chunks(self, entry: str) -> Iterator[bytes]:
        """The entry's bytes in chunks of a megabyte, checked against the bounds as they come."""
        info = self._by_name.get(entry)
        if info is None:
            raise self._unreadable(entry)
        if info.flag_bits & _ENCRYPTED:
            raise ImportFileError(
                f"“{self.name}” is protected by a password (its entry “{entry}” is encrypted); "
                "Tillit cannot read encrypted files, so save it without a password and "
                "import that."
            )
        if info.compress_type not in _METHODS:
            raise ImportFileError(
                f"“{self.name}” cannot be read: its entry “{entry}” is compressed with a method "
                f"Tillit does not know (method {info.compress_type}); save it again with "
                "ordinary zip compression."
            )
        limit = self._limit(info)
        if info.file_size > limit:
            raise self._too_big(info, limit)
        size = 0
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    self._read += len(chunk)
                    if size > limit:
                        raise self._too_big(info, limit)
                    if self._read > self.limits.total:
                        raise ImportFileError(
                            f"“{self.name}” is refused: it expands to more than "
                            f"{megabytes(self.limits.total)}, more than Tillit reads from one "
                            "archive."
                        )
                    yield chunk
        except _DAMAGED as exc:
            raise self._unreadable(entry) from exc

    def verify(self, is_xml: Callable[[str], bool] | None = None) -> None:
        """Read every entry through the bounds, so that a reader handed the archive afterwards
        (python-docx opens its own) finds nothing unbounded or damaged in it; entries for which
        ``is_xml`` holds are checked as XML on the way (depth, element count, safety)."""
        for info in self._infos:
            chunks = self.chunks(info.filename)
            if is_xml is not None and is_xml(info.filename):
                check_xml(
                    chunks,
                    self.name,
                    damaged=self._damaged
                    or f"“{self.name}” is damaged: its entry "
                    f"“{info.filename}” is not well-formed XML.",
                )
            else:
                for _chunk in chunks:
                    pass

    def _limit(self, info: zipfile.ZipInfo) -> int:
        """What the entry may expand to: its own bound and the ratio to its packed size."""
        by_ratio = max(RATIO_FLOOR, self.limits.ratio * info.compress_size)
        if info.compress_type == zipfile.ZIP_STORED:
            by_ratio = self.limits.entry
        return min(self.limits.entry, by_ratio)

    def _too_big(self, info: zipfile.ZipInfo, limit: int) -> ImportFileError:
        if limit < self.limits.entry:
            return ImportFileError(
                f"“{self.name}” is refused: its entry “{info.filename}” expands to more than "
                f"{self.limits.ratio} times its packed size, as zip bombs do."
            )
        return ImportFileError(
            f"“{self.name}” is refused: its entry “{info.filename}” expands to more than "
            f"{megabytes(self.limits.entry)}, more than Tillit reads from one entry."
        )

    def _too_many(self, entries: int) -> ImportFileError:
        return ImportFileError(
            f"“{self.name}” holds {entries:,} files, more than Tillit accepts in one archive "
            f"({self.limits.entries:,})."
        )

    def _unreadable(self, entry: str) -> ImportFileError:
        return ImportFileError(
            self._damaged or f"“{self.name}” is damaged: its entry “{entry}” cannot be read."
        )


def _declared_entries(stream: BinaryIO) -> int | None:
    """How many entries the archive's end record declares, read before ``zipfile`` builds one
    record per entry (millions of them would fill memory); ``None`` if it has no end record."""
    try:
        end = stream.seek(0, 2)
        start = max(0, end - (65_535 + 22 + 20))  # the longest comment, the record, zip64's
        stream.seek(start)
        tail = stream.read()
        stream.seek(0)
    except (OSError, ValueError):
        return None
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        return None
    entries: int = struct.unpack_from("<H", tail, at + 10)[0]
    locator = at - 20
    if entries == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == _ZIP64_LOCATOR:
        offset: int = struct.unpack_from("<Q", tail, locator + 8)[0]
        try:
            stream.seek(offset + 32)
            field = stream.read(8)
            stream.seek(0)
        except (OSError, ValueError, OverflowError):
            return None
        if len(field) == 8:
            entries = struct.unpack("<Q", field)[0]
    return entries


def package_head(path: Path, stream: BinaryIO, what: str) -> bytes:
    """The first 4 KiB of the package ``stream`` opened from ``path``, after refusing one over
    :data:`MAX_TOTAL_BYTES` (``what`` names such files: "Word documents") or one that holds
    nothing; leaves ``stream`` where the head ends."""
    try:
        size = os.fstat(stream.fileno()).st_size
        if size > MAX_TOTAL_BYTES:
            raise too_large(path, size, MAX_TOTAL_BYTES, what)
        head = stream.read(4096)
    except OSError as exc:  # e.g. /proc/self/mem: a "regular" file that cannot be read
        raise os_error(path, exc) from exc
    if not head.strip() and size <= len(head):
        raise empty_error(path)
    return head
