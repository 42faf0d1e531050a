"""The one entry point for reading a transcript file of any supported format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from storage.errors import ImportFileError
from storage.formats.docx_file import read_docx
from storage.formats.odt_file import read_odt
from storage.formats.parsed import ParsedDocument
from storage.formats.subtitles import read_subtitles
from storage.formats.text_file import quoted, read_text_file

SUPPORTED_SUFFIXES: Final = (".txt", ".md", ".docx", ".odt", ".vtt", ".srt")

_READERS: Final[dict[str, Callable[[Path], ParsedDocument]]] = {
    ".txt": lambda path: read_text_file(path, "txt"),
    ".md": lambda path: read_text_file(path, "md"),
    ".docx": read_docx,
    ".odt": read_odt,
    ".vtt": lambda path: read_subtitles(path, "vtt"),
    ".srt": lambda path: read_subtitles(path, "srt"),
}
# Formats researchers often have, with what to do instead.
_ADVICE: Final = {
    ".doc": "is an old Word file (.doc); save it as .docx and import that.",
    ".rtf": "is a Rich Text file (.rtf); save it as .docx and import that.",
    ".pages": "is a Pages document; export it as .docx and import that.",
    ".pdf": "is a PDF; Tillit cannot take text from PDFs, so import the .docx or .txt it "
    "was made from.",
}


def read_transcript(path: Path) -> ParsedDocument:
    """Read the transcript at ``path``, choosing the reader by its extension (any case).

    Returns the NFC text with ``\\n`` line ends and its paragraph or speaker-turn units.
    Raises ImportFileError, with one sentence naming the file, when the extension is not one of
    ``SUPPORTED_SUFFIXES`` or the file is missing, unreadable, empty, damaged or not what its
    extension says.
    """
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is not None:
        return reader(path)
    if suffix in _ADVICE:
        raise ImportFileError(f"{quoted(path)} {_ADVICE[suffix]}")
    supported = ", ".join(SUPPORTED_SUFFIXES[:-1]) + " and " + SUPPORTED_SUFFIXES[-1]
    raise ImportFileError(f"{quoted(path)} cannot be imported: Tillit reads {supported} files.")
