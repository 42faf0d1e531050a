"""REFI-QDA project archives (``.qdpx``): a zip with ``project.qde`` and a sources folder.

Opening one is guarded: an entry whose name escapes the archive's folder, too many entries, or
more expanded bytes than a project could hold are refused before anything is extracted.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from storage.errors import ImportFileError
from storage.formats.qdc import QdcCode, parse_codebook
from storage.formats.staged_file import staged_write

MAX_ENTRIES = 100_000
MAX_EXPANDED = 8 * 1024**3  # 8 GiB of sources is far past any interview project


class Archive:
    """A checked ``.qdpx`` archive, open for reading its entries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise ImportFileError(
                f"“{path.name}” is not a REFI-QDA project: it is not a zip archive, "
                "or it is damaged."
            ) from exc
        except OSError as exc:
            raise ImportFileError(f"Tillit could not read “{path.name}”: {exc.strerror}.") from exc
        try:
            self._check()
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def names(self) -> list[str]:
        return [info.filename for info in self._zip.infolist() if not info.is_dir()]

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
        try:
            return self._zip.read(name)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ImportFileError(
                f"“{self.path.name}” is damaged: its entry “{name}” cannot be read."
            ) from exc

    def find(self, name: str) -> str | None:
        """The entry called ``name``, its folder names matched in any case (``Sources/``)."""
        wanted = name.replace("\\", "/").lstrip("/").lower()
        for entry in self.names():
            if entry.lower() == wanted:
                return entry
        return None

    def _check(self) -> None:
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ImportFileError(
                f"“{self.path.name}” holds {len(infos):,} files, more than Tillit accepts "
                f"in a project ({MAX_ENTRIES:,})."
            )
        expanded = 0
        for info in infos:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename:
                raise ImportFileError(
                    f"“{self.path.name}” is refused: its entry “{info.filename}” points "
                    "outside the archive."
                )
            expanded += info.file_size
        if expanded > MAX_EXPANDED:
            raise ImportFileError(
                f"“{self.path.name}” would expand to {expanded / 1024**3:.1f} GB, "
                "more than Tillit accepts from one project."
            )


def read_qdpx_codebook(path: Path) -> list[QdcCode]:
    """The codebook inside a ``.qdpx`` project (its codes as a tree)."""
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
