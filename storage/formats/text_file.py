"""Reading .txt and .md transcripts: file bytes, encoding detection and plain-text clean-up."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from charset_normalizer import from_bytes

from storage.errors import ImportFileError
from storage.formats.input_file import MIB, empty_error, quoted, read_input, too_large
from storage.formats.parsed import ParsedDocument
from storage.formats.speakers import build_units

__all__ = [
    "MAX_LINES",
    "MAX_TEXT_BYTES",
    "check_lines",
    "decode_text",
    "document_from_paragraphs",
    "document_name",
    "empty_error",
    "join_paragraphs",
    "normalise_text",
    "paragraph_spans",
    "quoted",
    "read_bytes",
    "read_text_file",
]

#: The largest text file read (.txt, .md, .vtt, .srt). A long interview is a few hundred
#: kilobytes and a book a few megabytes; importing takes about twenty times the file's size in
#: memory at its peak, so this keeps a refused or accepted file well under a gigabyte.
MAX_TEXT_BYTES: Final = 32 * MIB
#: The most lines one document may have: each becomes records of a few hundred bytes.
MAX_LINES: Final = 200_000

# UTF-32 first: its little-endian BOM begins with the UTF-16 one.
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf_32"),
    (codecs.BOM_UTF32_BE, "utf_32"),
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
_MAGIC: Final = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a Word, OpenDocument or zip file"),
    (b"\xd0\xcf\x11\xe0", "an old Word (.doc) or other Office file"),
    (b"{\\rtf", "a Rich Text (.rtf) file"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
)
# Single-byte code pages tried, in this order, before charset-normalizer, which guesses
# wrongly on short Norwegian text (it reads cp1252 "Sjåføren" as cp1250 "Sjĺfřren").
_NORDIC_CODE_PAGES: Final = ("cp1252", "mac_roman", "cp865")
_NORDIC: Final = frozenset("æøåÆØÅ")
# Letters of Swedish, German and loanwords, and the typography of cp1252 (dashes, quotes, ...).
_WESTERN: Final = frozenset(
    "äöüÄÖÜéÉèÈáóß\u2013\u2014\u2018\u2019\u201a“”„…«»•·§°½¼¾€£\xb4¨\xd7\xa0©®™"
)
_CONTENT_LINE: Final = re.compile(r"[^\S\n]*([^\n]+)")  # in normalised text: a non-blank line
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
_OTHER_LINE_ENDS: Final = ("\x0b", "\x0c", "\x85", "\u2028", "\u2029")  # besides \r and \n
_LINE_BREAKS: Final = re.compile(f"[{''.join(_OTHER_LINE_ENDS)}]")
# Controls no viewer shows (a DOS end-of-file mark, C1 left by a wrong decoder, stray BOMs).
_INVISIBLE: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]")
_SPECIAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_BAD_CONTROLS: Final = re.compile("[\x00-\x08\x0e-\x19\x1c-\x1f\x7f-\x9f]")  # not ^Z, ESC


def read_bytes(path: Path) -> bytes:
    """The contents of a text transcript, at most :data:`MAX_TEXT_BYTES`.

    Raises ImportFileError when the file is missing, a folder, not a regular file (a pipe, a
    device), unreadable or too large.
    """
    return read_input(path, MAX_TEXT_BYTES, "text files")


def check_lines(text: str, path: Path) -> None:
    """Refuse a text of more than :data:`MAX_LINES` lines (each would be a unit to store).

    A line ends at each character :func:`normalise_text` turns into a line end (``\\r\\n`` is
    one); a line end at the very end closes the last line rather than starting another, so
    ``"a\\nb\\n"`` has two lines, as it has for ``str.splitlines``.
    """
    lines = text.count("\n") + text.count("\r") - text.count("\r\n")
    lines += sum(text.count(char) for char in _OTHER_LINE_ENDS)
    if text and not text.endswith(("\n", "\r", *_OTHER_LINE_ENDS)):
        lines += 1  # the last line, which has no line end of its own
    if lines > MAX_LINES:
        raise ImportFileError(
            f"{quoted(path)} has more than {MAX_LINES:,} lines, more than Tillit imports as "
            "one document; split it into several files."
        )


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """The text of ``data`` (without a BOM) and the name of the encoding it was read with.

    BOMs decide first, then UTF-16 without a BOM when NULs fill alternate bytes, then strict
    UTF-8, then the Nordic code pages (cp1252 preferred), then charset-normalizer.
    Raises ImportFileError when the file is empty, is not text or is larger than
    :data:`MAX_TEXT_BYTES`.
    """
    if len(data) > MAX_TEXT_BYTES:
        raise too_large(path, len(data), MAX_TEXT_BYTES, "text files")
    if not data.strip():
        raise empty_error(path)
    if any(data.startswith(magic) for magic, _ in _MAGIC):
        raise _not_text(data, path)
    text, encoding = _decode(data, path)
    if not text.strip():
        raise empty_error(path)
    return text, encoding


def normalise_text(text: str) -> str:
    """``text`` with ``\\n`` line ends, NFC, no invisible controls and no trailing whitespace.

    Vertical tabs, form feeds and Unicode line separators become line ends too, so that a
    line means the same thing to ``str.splitlines``, to the viewer and to offsets.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _SPECIAL.search(text):  # one scan for the rare case; each costs about 0.3 ms per 60 KB
        text = _INVISIBLE.sub("", _LINE_BREAKS.sub("\n", text))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


def join_paragraphs(paragraphs: Iterable[str]) -> tuple[str, list[tuple[int, int]]]:
    """Normalised non-blank ``paragraphs`` joined by ``\\n``, and each one's span (trimmed).

    A paragraph may hold ``\\n`` (a soft line break); its leading blank lines are dropped.
    """
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for paragraph in paragraphs:
        clean = normalise_text(paragraph)
        content = clean.lstrip()
        if not content:
            continue
        clean = clean[clean.rfind("\n", 0, len(clean) - len(content)) + 1 :]
        start = position + len(clean) - len(content)
        spans.append((start, position + len(clean)))
        parts.append(clean)
        position += len(clean) + 1
    return "\n".join(parts), spans


def document_name(path: Path) -> str:
    """A document's name: its file name without the extension, NFC-normalised."""
    return unicodedata.normalize("NFC", path.stem)


def document_from_paragraphs(
    path: Path, paragraphs: Iterable[str], source_format: str
) -> ParsedDocument:
    """A document from a word processor's paragraphs, with speaker turns recognised."""
    text, spans = join_paragraphs(paragraphs)
    if not text:
        raise empty_error(path)
    check_lines(text, path)
    return ParsedDocument(document_name(path), text, build_units(text, spans), source_format)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraph units of normalised plain text: blank-line blocks if they separate paragraphs.

    Blank lines count as separators when they are frequent (blocks of two lines or fewer on
    average) or when the lines are hard-wrapped at a fixed width; otherwise each non-blank line
    is a unit, so that one blank line after a title does not merge a whole transcript.
    """
    blocks: list[list[tuple[int, int]]] = []
    previous_end = -2
    for match in _CONTENT_LINE.finditer(text):
        span = match.span(1)
        if match.start() == previous_end + 1:
            blocks[-1].append(span)
        else:
            blocks.append([span])
        previous_end = span[1]
    lines = [span for block in blocks for span in block]
    if len(blocks) < 2 or (len(lines) > 2 * len(blocks) and not _hard_wrapped(blocks)):
        return lines
    return [(block[0][0], block[-1][1]) for block in blocks]


def read_text_file(path: Path, source_format: str) -> ParsedDocument:
    """Read a .txt or .md transcript; ``source_format`` is "txt" or "md".

    Raises ImportFileError when the file cannot be read, is empty or is not text.
    """
    text, encoding = decode_text(read_bytes(path), path)
    check_lines(text, path)  # before normalising, which splits the text into lines
    text = normalise_text(text)
    if not text.strip():
        raise empty_error(path)
    units = build_units(text, paragraph_spans(text))
    return ParsedDocument(document_name(path), text, units, source_format, encoding)


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decoded(data, encoding, path), encoding
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise _not_text(data, path)
        return _decoded(data, utf16, path), utf16
    try:
        return data.decode("utf_8"), "utf_8"
    except UnicodeDecodeError:
        pass
    for encoding in _NORDIC_CODE_PAGES:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _reads_as_nordic(text, western_ok=encoding == "cp1252"):
            return text, encoding
    best = from_bytes(data).best()
    if best is None or len(_BAD_CONTROLS.findall(str(best))) > max(1, len(data) // 100):
        raise _not_text(data, path)
    if best.encoding in {"latin_1", "iso8859_15"}:
        # cp1252 is latin-1 with printable characters where latin-1 has C1 controls.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best), best.encoding


def _decoded(data: bytes, encoding: str, path: Path) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        message = f"{quoted(path)} is not a text file, or its text is damaged."
        raise ImportFileError(message) from exc
    if "\x00" in text:
        raise _not_text(data, path)
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """The UTF-16 codec whose byte order the NULs show, as in mostly-Latin UTF-16; else None."""
    if len(data) % 2:
        return None
    sample = data[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf_16_le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf_16_be"
    return None


def _reads_as_nordic(text: str, *, western_ok: bool) -> bool:
    """Whether ``text``'s non-ASCII characters are those of Norwegian or Danish text.

    Most must be æøå (or common Western letters and typography); Cyrillic or Greek bytes
    decoded with a Western code page scatter over other accented letters. With
    ``western_ok``, text whose every non-ASCII character is Western passes without æøå.
    """
    if _BAD_CONTROLS.search(text):
        return False
    others = _NON_ASCII.findall(text)
    nordic = sum(1 for char in others if char in _NORDIC)
    good = nordic + sum(1 for char in others if char in _WESTERN)
    return (nordic > 0 and good >= 0.9 * len(others)) or (western_ok and good == len(others))


def _hard_wrapped(blocks: list[list[tuple[int, int]]]) -> bool:
    """Whether lines inside blocks are wrapped at one width, as in e-mail or plain-text prose."""
    widths = [end - start for block in blocks for start, end in block[:-1]]
    if not widths:
        return False
    widest = max(widths)
    return widest <= 100 and sum(1 for width in widths if width >= widest - 20) >= 0.7 * len(widths)


def _not_text(data: bytes, path: Path) -> ImportFileError:
    kind = next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        return ImportFileError(f"{quoted(path)} is not a text file.")
    return ImportFileError(f"{quoted(path)} is not a text file: it looks like {kind}.")
