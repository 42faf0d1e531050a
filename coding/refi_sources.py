"""The texts of a REFI-QDA project's sources and notes, found in its archive, each source's text
mapped from the other program's characters to the ones Tillit stores, and the facts Tillit
writes into descriptions so that another Tillit reads them back (a document's language).

A source's text comes from ``PlainTextContent``, else from its ``plainTextPath`` file, else from
its ``richTextPath`` document (``.docx``, ``.odt``, ``.txt``), read as Tillit reads transcripts.
Paths are looked up in the archive in any case, under ``sources/`` or where they say.
"""

from __future__ import annotations

import codecs
import re
import tempfile
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final
from urllib.parse import unquote

import numpy as np
import numpy.typing as npt

from coding.errors import ImportFileError
from storage.formats.input_file import too_large
from storage.formats.parsed import ParsedParagraph
from storage.formats.qde import QdeNote, QdeSource
from storage.formats.qdpx import Archive
from storage.formats.speakers import build_units
from storage.formats.text_file import (
    MAX_TEXT_BYTES,
    check_lines,
    decode_text,
    normalise_text,
    paragraph_spans,
)
from storage.formats.transcript import read_transcript

#: The facts Tillit writes at the start of a description, as "Heading: value" lines.
FACTS: Final = {
    "language": "Language",
    "source_name": "Source file",
    "source_format": "Source format",
    "scope": "Attribute of",
}
_FIELD_LINE: Final = re.compile(
    r"^(" + "|".join(re.escape(title) for title in FACTS.values()) + r"):[ \t]*(.*)$"
)
_SCHEME: Final = re.compile(r"^(?:internal|relative|absolute|file):/*", re.IGNORECASE)
_BOMS: Final = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LINE_BREAKS: Final = frozenset("\x0b\x0c\x85\u2028\u2029")
_INVISIBLE: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]")
# Characters of combining class 0 that NFC still joins to the one before (Hangul vowels and
# final consonants, some Indic and Southeast Asian vowel signs).
_JOINS_BACK: Final = frozenset(
    [chr(c) for c in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))]
    + list("\u0b3e\u0b57\u0bbe\u0bd7\u0cc2\u0cd5\u0cd6\u0d3e\u0d57\u0dcf\u0ddf\u102e\u1b35")
    + [chr(c) for c in (0x110BA, 0x11127, 0x1133E, 0x11357, 0x114B0, 0x114BA, 0x114BD, 0x115AF)]
)


class SourceText:
    """A source's text as the other program has it (``raw``) and as Tillit stores it.

    :meth:`to_stored` maps a code-point index of ``raw`` to one of ``stored``: a removed
    character (a carriage return, blanks at a line's end) maps to where the next kept one is.
    """

    def __init__(self, raw: str, *, had_bom: bool = False) -> None:
        self.raw = raw
        self.had_bom = had_bom
        stored = normalise_text(raw)
        self._origins: list[int] | None = None
        self._origin_array: npt.NDArray[np.int64] | None = None
        if stored != raw:
            stored, self._origins = _normalised(raw)
        self.stored = stored

    def to_stored(self, index: int) -> int:
        """The index of ``stored`` where code point ``index`` of ``raw`` went (0 to len)."""
        if self._origins is None:
            return index
        return bisect_left(self._origins, index)

    def to_stored_many(self, indices: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """:meth:`to_stored` of each index of ``indices`` (each 0 to ``len(raw)``)."""
        if self._origins is None:
            return indices
        if self._origin_array is None:
            self._origin_array = np.asarray(self._origins, dtype=np.int64)
        return np.searchsorted(self._origin_array, indices, side="left").astype(np.int64)


def _normalised(raw: str) -> tuple[str, list[int]]:
    """``normalise_text(raw)``, built character by character with the index in ``raw`` that each
    character came from (non-decreasing)."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(raw):  # line ends and invisible characters
        line_end = char == "\r" or char in _LINE_BREAKS  # "\x85" is one, not invisible
        if (line_end and raw.startswith("\r\n", index)) or (
            not line_end and _INVISIBLE.match(char)
        ):
            continue
        chars.append("\n" if line_end else char)
        origins.append(index)
    text = "".join(chars)
    if not unicodedata.is_normalized("NFC", text):
        text, origins = _composed(text, origins)
    kept_chars: list[str] = []
    kept: list[int] = []
    position = 0
    for line in text.split("\n"):  # no blanks at the end of a line
        width = len(line.rstrip())
        kept_chars.append(line[:width] + "\n")
        kept.extend(origins[position : position + width])
        if position + len(line) < len(origins):
            kept.append(origins[position + len(line)])
        position += len(line) + 1
    stored = "".join(kept_chars)[:-1].rstrip()  # nor at the end of the text
    return stored, kept[: len(stored)]


def _composed(text: str, origins: list[int]) -> tuple[str, list[int]]:
    """NFC of ``text`` with origins; each composed cluster keeps the origin of its first
    character. Lines are composed one by one, as NFC never joins across a line end."""
    parts: list[str] = []
    composed: list[int] = []
    position = 0
    for line in text.split("\n"):
        line_origins = origins[position : position + len(line)]
        if unicodedata.is_normalized("NFC", line):
            parts.append(line)
            composed.extend(line_origins)
        else:
            nfc, nfc_origins = _composed_line(line, line_origins)
            parts.append(nfc)
            composed.extend(nfc_origins)
        if position + len(line) < len(origins):
            composed.append(origins[position + len(line)])
        position += len(line) + 1
    return "\n".join(parts), composed


def _composed_line(line: str, origins: list[int]) -> tuple[str, list[int]]:
    starts = [
        index
        for index, char in enumerate(line)
        if index == 0 or (unicodedata.combining(char) == 0 and char not in _JOINS_BACK)
    ]
    pieces: list[str] = []
    result: list[int] = []
    for first, stop in zip(starts, [*starts[1:], len(line)], strict=True):
        piece = unicodedata.normalize("NFC", line[first:stop])
        pieces.append(piece)
        result.extend([origins[first]] * len(piece))
    nfc = "".join(pieces)
    expected = unicodedata.normalize("NFC", line)
    if nfc != expected:  # a script this splitting does not know: spread the line evenly
        step = len(line) / max(len(expected), 1)
        return expected, [origins[int(j * step)] for j in range(len(expected))]
    return nfc, result


@dataclass(frozen=True)
class SourceContent:
    """A source's text and structure, ready to store, with where it came from.

    ``problem`` says, in a sentence, why the text is empty when the file gives none.
    """

    text: SourceText
    paragraphs: tuple[ParsedParagraph, ...]
    source_name: str
    source_format: str
    encoding: str | None = None
    problem: str | None = None


def with_facts(facts: dict[str, str], text: str = "") -> str:
    """A description: each fact of ``facts`` on a "Heading: value" line, then ``text``."""
    lines = [f"{title}: {facts[key]}" for key, title in FACTS.items() if facts.get(key)]
    return "\n".join([*lines, *([""] if lines and text else []), text]).strip()


def read_facts(description: str) -> tuple[dict[str, str], str]:
    """The facts of a description written by :func:`with_facts`, and the text after them."""
    by_title = {title: key for key, title in FACTS.items()}
    facts: dict[str, str] = {}
    lines = description.split("\n")
    used = 0
    for line in lines:
        match = _FIELD_LINE.match(line.strip())
        if match is None:
            break
        facts[by_title[match.group(1)]] = match.group(2).strip()
        used += 1
    return facts, "\n".join(lines[used:]).strip()


def find_entry(archive: Archive, reference: str) -> str | None:
    """The archive entry a source's or note's path names (``internal://x.txt``, ``x.txt``,
    ``sources/x.txt``, an absolute path of the exporting computer), or ``None``."""
    path = _SCHEME.sub("", unquote(reference.strip())).replace("\\", "/").lstrip("/")
    if not path:
        return None
    base = PurePosixPath(path).name
    for candidate in (f"sources/{path}", path, f"sources/{base}", base):
        found = archive.find(candidate)
        if found is not None:
            return found
    return None


def read_source(archive: Archive, source: QdeSource, scratch: Path) -> SourceContent:
    """The text of ``source``; an empty text, with its ``problem``, when the file has none.

    Text written into the project (``PlainTextContent``) and a plain text file go through the
    same checks as a text file imported on its own (at most :data:`MAX_TEXT_BYTES` and
    :data:`MAX_LINES` lines); one that fails them is empty, its problem the refusal's sentence.
    Raises :class:`ImportFileError` only for an archive entry that cannot be read at all.
    """
    if source.content is not None and source.content.strip():
        try:
            _check_inline(source.content, source.name or archive.path.name)
        except ImportFileError as exc:
            return SourceContent(SourceText(""), (), archive.path.name, "txt", problem=str(exc))
        return _plain(source.content, False, archive.path.name, "txt", None)
    problem = "its text is not in the file"
    plain = find_entry(archive, source.plain_text_path) if source.plain_text_path else None
    if plain is not None:
        data = archive.read(plain)
        entry = Path(PurePosixPath(plain).name)
        try:
            text, encoding = decode_text(data, entry)
            check_lines(text, entry)
        except ImportFileError as exc:
            # NVivo writes a bare line end beside a .docx; anything else is told as it is.
            problem = "its text file is empty" if _blank(data) else str(exc)
        else:
            had_bom = data.startswith(_BOMS)
            return _plain(text, had_bom, entry.name, "txt", encoding)
    rich = find_entry(archive, source.rich_text_path) if source.rich_text_path else None
    if rich is not None:
        read = _read_rich(archive, rich, scratch)
        if isinstance(read, SourceContent):
            return read
        problem = read
    name = PurePosixPath(rich or plain or archive.path.name).name
    return SourceContent(SourceText(""), (), name, "txt", problem=problem)


def read_note(archive: Archive, note: QdeNote) -> str:
    """A note's text, inline or from its file in the archive ("" when it has none)."""
    if note.content is not None:
        return note.content.strip()
    entry = find_entry(archive, note.plain_text_path) if note.plain_text_path else None
    if entry is None:
        return ""
    try:
        text, _encoding = decode_text(archive.read(entry), Path(PurePosixPath(entry).name))
    except ImportFileError:
        return ""
    return text.strip()


def _check_inline(raw: str, name: str) -> None:
    """Refuse text written into the project as :func:`decode_text` and :func:`check_lines`
    refuse a text file's: over :data:`MAX_TEXT_BYTES` in UTF-8, or too many lines."""
    # A source's name may hold a slash, which a path would take for a folder.
    path = Path(name.replace("/", "\u2215").replace("\\", "\u2215"))
    if len(raw) > MAX_TEXT_BYTES // 4:  # shorter texts fit however wide their characters
        size = len(raw.encode("utf-8", "surrogatepass"))
        if size > MAX_TEXT_BYTES:
            raise too_large(path, size, MAX_TEXT_BYTES, "texts")
    check_lines(raw, path)


def _blank(data: bytes) -> bool:
    """Whether a text file's bytes hold nothing but a byte-order mark and blanks."""
    for bom in _BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
            break
    return not data.replace(b"\x00", b"").strip()  # NULs: the other half of UTF-16 blanks


def _plain(
    raw: str, had_bom: bool, name: str, source_format: str, encoding: str | None
) -> SourceContent:
    text = SourceText(raw, had_bom=had_bom)
    paragraphs = build_units(text.stored, paragraph_spans(text.stored))
    return SourceContent(text, paragraphs, name, source_format, encoding)


def _read_rich(archive: Archive, entry: str, scratch: Path) -> SourceContent | str:
    """The source read from its rich text (a Word file, say), or why it could not be."""
    name = PurePosixPath(entry).name
    path = Path(tempfile.mkdtemp(dir=scratch)) / name
    path.write_bytes(archive.read(entry))
    try:
        parsed = read_transcript(path)
    except ImportFileError as exc:
        return str(exc)
    finally:
        path.unlink(missing_ok=True)
    return SourceContent(
        SourceText(parsed.text), parsed.paragraphs, name, parsed.source_format, parsed.encoding
    )
