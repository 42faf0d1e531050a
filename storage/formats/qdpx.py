"""REFI-QDA project archives (``.qdpx``): a zip with ``project.qde`` and a sources folder.

Opening one is guarded: only a regular file is opened, an entry whose name escapes the
archive's folder or too many entries are refused before anything is extracted, and every entry
is read within the bounds of :mod:`storage.formats.zip_reader` (size, expansion, encryption,
damage), each refusal one sentence.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from storage.errors import ImportFileError
from storage.formats.input_file import open_input
from storage.formats.qdc import QdcCodebook, parse_codebook
from storage.formats.staged_file import staged_write
from storage.formats.zip_reader import MAX_ENTRIES, ZipLimits, ZipReader

__all__ = ["MAX_ENTRIES", "Archive", "read_qdpx_codebook", "write_archive"]


class Archive:
    """A checked ``.qdpx`` archive, open for reading its entries."""

    def __init__(self, path: Path, limits: ZipLimits | None = None) -> None:
        self.path = path
        stream = open_input(path)
        try:
            self._zip = ZipReader(
                stream,
                path.name,
                not_zip=f"“{path.name}” is not a REFI-QDA project: it is not a zip archive, "
                "or it is damaged.",
                limits=limits,
            )
        except BaseException:
            stream.close()
            raise
        self._stream = stream
        self._folded: dict[str, str] | None = None  # entries by their name in lower case
        try:
            self._check()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._stream.close()

    def names(self) -> list[str]:
        return self._zip.names()

    def project_entry(self) -> str:
        """The name of the project's ``.qde`` entry (``project.qde`` or any other name)."""
        entries = [name for name in self.names() if name.lower().endswith(".qde")]
        if not entries:
            raise ImportFileError(
                f"“{self.path.name}” is not a REFI-QDA project: it holds no project.qde."
            )
        # The specification's name first, then the one nearest the archive's root.
        entries.sort(key=lambda name: (PurePosixPath(name).name.lower() != "project.qde",
                                       name.count("/"), name))  # fmt: skip
        return entries[0]

    def read(self, name: str) -> bytes:
        """The entry ``name``, read within the bounds; raises :class:`ImportFileError` for an
        entry that is missing, encrypted, damaged, too large or a zip bomb."""
        return self._zip.read(name)

    def find(self, name: str) -> str | None:
        """The entry called ``name``, its folder names matched in any case (``Sources/``)."""
        if self._folded is None:
            self._folded = {}
            for entry in self.names():
                self._folded.setdefault(entry.lower(), entry)
        return self._folded.get(name.replace("\\", "/").lstrip("/").lower())

    def _check(self) -> None:
        for info in self._zip.infos():
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename:
                raise ImportFileError(
                    f"“{self.path.name}” is refused: its entry “{info.filename}” points "
                    "outside the archive."
                )


def read_qdpx_codebook(path: Path) -> QdcCodebook:
    """The codebook inside a ``.qdpx`` project (its codes as a tree, and what it left out)."""
    with Archive(path) as archive:
        entry = archive.project_entry()
        data = archive.read(entry)
    return parse_codebook(data, path.name)


def write_archive(path: Path, project: bytes, sources: Iterable[tuple[str, str]]) -> None:
    """Write a ``.qdpx``: ``project.qde``, and each ``(name, text)`` of ``sources`` as
    ``sources/NAME`` in UTF-8 without a byte-order mark.

    ``sources`` is read as the archive is written, so that a generator can report progress or
    stop the export by raising. The file appears whole or not at all; raises
    :class:`StorageError` when it cannot be written.
    """
    # The fastest deflate: a large project's XML and texts shrink nearly as well (about a
    # third larger than at the default level) in a third of the time.
    with (
        staged_write(path) as stream,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):
        archive.writestr("project.qde", project)
        for name, text in sources:
            archive.writestr(f"sources/{name}", text.encode("utf-8"))
