"""The format-neutral result of reading a transcript file, before it enters a project."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParsedParagraph:
    """One paragraph or speaker turn: ``text[start:end]`` of its document (code points).

    ``speaker`` is the speaker's label as written ("P1", "Kari Nordmann", "INT") when the unit is
    a speaker turn. ``start_ms``/``end_ms`` are the media timestamps in milliseconds where the
    source has them (subtitles, Teams/Zoom/Whisper transcripts).
    """

    start: int
    end: int
    speaker: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A transcript read from a file.

    ``text`` is NFC-normalised with ``\\n`` line ends and no trailing whitespace at its end.
    ``paragraphs`` are in text order, do not overlap, and cover every non-blank line of ``text``.
    ``warnings`` are sentences about what was read other than the file has it (subtitle cues
    out of time order, say), for the import to report.
    """

    name: str
    text: str
    paragraphs: tuple[ParsedParagraph, ...]
    source_format: str  # "txt", "md", "docx", "odt", "vtt", "srt"
    encoding: str | None = None  # the detected encoding of a text file, else None
    warnings: tuple[str, ...] = ()
