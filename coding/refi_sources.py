"""The texts of a REFI-QDA project's sources and notes, found in its archive, and the facts Tillit
writes into descriptions so that another Tillit reads them back (a document's language).

A source's text comes from ``PlainTextContent``, else from its ``plainTextPath`` file, else from
its ``richTextPath`` document (``.docx``, ``.odt``, ``.txt``), read as Tillit reads transcripts.
Paths are looked up in the archive in any case, under ``sources/`` or where they say.
"""

from __future__ import annotations

import codecs
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final
from urllib.parse import unquote

from coding.errors import ImportFileError
from coding.refi_anchoring import SourceText
from storage.formats.parsed import ParsedParagraph
from storage.formats.qde import QdeNote, QdeSource
from storage.formats.qdpx import Archive
from storage.formats.speakers import build_units
from storage.formats.text_file import decode_text, paragraph_spans
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

    Raises :class:`ImportFileError` only for an archive entry that cannot be read at all.
    """
    if source.content is not None and source.content.strip():
        return _plain(source.content, False, archive.path.name, "txt", None)
    problem = "its text is not in the file"
    plain = find_entry(archive, source.plain_text_path) if source.plain_text_path else None
    if plain is not None:
        data = archive.read(plain)
        try:
            text, encoding = decode_text(data, Path(PurePosixPath(plain).name))
        except ImportFileError:
            problem = "its text file is empty"  # NVivo writes a bare line end beside a .docx
        else:
            had_bom = data.startswith(_BOMS)
            return _plain(text, had_bom, PurePosixPath(plain).name, "txt", encoding)
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
