"""Reading .vtt and .srt transcripts: cues merged into speaker turns, with their times."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from storage.errors import ImportFileError
from storage.formats.parsed import ParsedDocument, ParsedParagraph
from storage.formats.speakers import accepted_speakers, speaker_prefix
from storage.formats.text_file import (
    check_lines,
    decode_text,
    document_name,
    empty_error,
    normalise_text,
    quoted,
    read_bytes,
)

_VTT_TIME: Final = r"(?:\d+:)?\d{1,2}:\d{1,2}[.,]\d{1,3}"
_VTT_TIMING: Final = re.compile(rf"\s*({_VTT_TIME})\s*-->\s*({_VTT_TIME})(?:\s|$)")
_SRT_TIME: Final = r"\d+:\d{1,2}:\d{1,2}[,.]\d+"
_SRT_TIMING: Final = re.compile(rf"\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}")
_VOICE: Final = re.compile(r"<v(?:\.[\w-]+)*[ \t]+([^>]*?)[ \t]*>")
_TAG: Final = re.compile(r"<[^>]*>")
_ASS_OVERRIDE: Final = re.compile(r"\{\\[^}]*\}")  # {\an8} and the like in SRT from Aegisub
_SPACES: Final = re.compile(r"\s+")


@dataclass(slots=True)
class _Segment:
    """Text of one cue, or of one voice within a cue, with the cue's times."""

    start_ms: int
    end_ms: int
    voice: str | None
    text: str


def read_subtitles(path: Path, source_format: str) -> ParsedDocument:
    """Read a WebVTT (.vtt) or SubRip (.srt) transcript; ``source_format`` is "vtt" or "srt".

    Each unit is a turn on its own line: consecutive cues by the same speaker (a ``<v Name>``
    voice or a repeated "Name:" prefix) merged, with the first cue's start and the last one's
    end in milliseconds. Cues without a speaker stay one unit each. The format is told from
    the content, not the extension, so a .vtt without its "WEBVTT" line and a .srt that is
    really WebVTT are read too.

    Cues stay in the file's order, which is the order of the text. A cue that ends before it
    starts is given its start as its end, a merged turn spans the earliest start to the latest
    end of its cues, and the document's ``warnings`` say how many cues were out of time order;
    no unit ends before it starts.
    Raises ImportFileError when the file cannot be read, is empty or is not a subtitle file.
    """
    text, _ = decode_text(read_bytes(path), path)
    check_lines(text, path)
    text = normalise_text(text)
    captions = _captions(text, path)
    times, warnings = _cue_times(captions, path)
    segments = _segments(captions, times)
    lines: list[str] = []
    units: list[ParsedParagraph] = []
    position = 0
    for speaker, start_ms, end_ms, utterance in _turns(segments):
        line = f"{speaker}: {utterance}" if speaker else utterance
        units.append(ParsedParagraph(position, position + len(line), speaker, start_ms, end_ms))
        lines.append(line)
        position += len(line) + 1
    if not lines:
        raise empty_error(path)
    return ParsedDocument(
        document_name(path),
        "\n".join(lines),
        tuple(units),
        source_format,
        warnings=tuple(warnings),
    )


def _cue_times(
    captions: list[webvtt.Caption], path: Path
) -> tuple[list[tuple[int, int]], list[str]]:
    """Each cue's ``(start_ms, end_ms)``, an end before the start set to the start, and the
    warnings about cues out of time order."""
    times: list[tuple[int, int]] = []
    backwards: list[int] = []  # cue numbers (from 1) that end before they start
    earlier: list[int] = []  # cue numbers that start before the cue above them
    for number, caption in enumerate(captions, 1):
        start_ms = caption.start_time.in_milliseconds()
        end_ms = caption.end_time.in_milliseconds()
        if end_ms < start_ms:
            backwards.append(number)
            end_ms = start_ms
        if times and start_ms < times[-1][0]:
            earlier.append(number)
        times.append((start_ms, end_ms))
    warnings: list[str] = []
    if backwards:
        cue, one = captions[backwards[0] - 1], len(backwards) == 1
        warnings.append(
            f"{quoted(path)}: {_cues(len(backwards))} {'ends' if one else 'end'} before "
            f"{'it starts' if one else 'they start'}; Tillit kept {'it' if one else 'them'} "
            f"with the end set to the start ({'' if one else 'the first is '}cue "
            f"{backwards[0]}, {cue.start} --> {cue.end})."
        )
    if earlier:
        cue, above = captions[earlier[0] - 1], captions[earlier[0] - 2]
        one = len(earlier) == 1
        warnings.append(
            f"{quoted(path)}: {_cues(len(earlier))} {'starts' if one else 'start'} before the "
            "cue above; Tillit kept the file's order, so the times of its turns do not always "
            f"go forward ({'' if one else 'the first is '}cue {earlier[0]} at {cue.start}, "
            f"after {above.start})."
        )
    return times, warnings


def _cues(count: int) -> str:
    return f"{count:,} cue{'' if count == 1 else 's'}"


def _invalid(path: Path, reason: str) -> ImportFileError:
    return ImportFileError(f"{quoted(path)} is not a valid subtitle file: {reason}.")


def _captions(text: str, path: Path) -> list[webvtt.Caption]:
    """The cues of ``text``: WebVTT when it says so, SRT when it starts like SRT, else WebVTT."""
    stripped = text.lstrip()
    first_line = text.count("\n", 0, len(text) - len(stripped)) + 1  # of ``lines[0]`` in the file
    lines = stripped.split("\n")
    srt = False
    if not stripped.startswith("WEBVTT"):
        srt = lines[0].isdigit() and len(lines) > 1 and "-->" in lines[1]
        if not srt:  # a WebVTT file without its header line: tolerated
            lines[:0] = ["WEBVTT", ""]
            first_line -= 2
    timing = _SRT_TIMING if srt else _VTT_TIMING
    found = False
    for number, line in enumerate(lines):
        if "-->" not in line:
            continue
        found = True
        # webvtt-py skips a cue whose times it cannot read; say so instead of losing its text.
        match = timing.match(line)
        if not match or not (srt or (_in_range(match[1]) and _in_range(match[2]))):
            shown = f"line {number + first_line} (“{line.strip()[:60]}”)"
            raise _invalid(path, f"the cue time on {shown} cannot be read")
        if not srt and "," in line:
            lines[number] = line.replace(",", ".")  # an SRT habit that WebVTT players forgive
    if not found:
        if not "\n".join(lines[1:]).strip():
            raise empty_error(path)
        raise _invalid(path, "it has no cue times such as “00:00:01.000 --> 00:00:04.000”")
    try:
        parsed = webvtt.from_buffer(lines, format="srt" if srt else "vtt")
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise _invalid(path, "a cue is badly formed") from exc
    if not parsed.captions:
        raise _invalid(path, "none of its cues can be read")
    return list(parsed.captions)


def _in_range(stamp: str) -> bool:
    """Whether the minutes and seconds of a WebVTT time are below 60, as webvtt-py requires."""
    fields = stamp.replace(",", ".").split(".")[0].split(":")
    return all(int(field) < 60 for field in fields[-2:])


def _segments(captions: list[webvtt.Caption], times: list[tuple[int, int]]) -> list[_Segment]:
    """Each cue's text, split where the voice changes, without tags; "Kari:" taken as a voice.
    ``times`` are the cues' checked ``(start_ms, end_ms)``.

    A "Name:" prefix (Zoom, Teams) counts as a voice when such labels repeat in the file.
    """
    cues = [
        (caption, [(_voice(line), _clean(line)) for line in caption.lines]) for caption in captions
    ]
    prefixes = Counter(
        found[0].casefold()
        for _, lines in cues
        for voice, words in lines
        if voice is None and (found := speaker_prefix(words))
    )
    speakers = accepted_speakers(prefixes)
    segments: list[_Segment] = []
    for (_caption, lines), (start_ms, end_ms) in zip(cues, times, strict=True):
        current: _Segment | None = None
        voice: str | None = None
        for tag, line_words in lines:
            found = speaker_prefix(line_words) if tag is None else None
            tagged, words = (
                found if found and found[0].casefold() in speakers else (tag, line_words)
            )
            if tagged is not None and tagged != voice:
                voice, current = tagged, None
            if not words:
                continue
            if current is None:
                current = _Segment(start_ms, end_ms, voice, words)
                segments.append(current)
            else:
                current.text += " " + words
    return segments


def _turns(segments: list[_Segment]) -> list[tuple[str | None, int, int, str]]:
    """(speaker, start_ms, end_ms, utterance) with a speaker's consecutive segments merged;
    a merged turn runs from its segments' earliest start to their latest end."""
    turns: list[tuple[str | None, int, int, str]] = []
    for segment in segments:
        if turns and segment.voice is not None and turns[-1][0] == segment.voice:
            speaker, start_ms, end_ms, utterance = turns[-1]
            turns[-1] = (
                speaker,
                min(start_ms, segment.start_ms),
                max(end_ms, segment.end_ms),
                f"{utterance} {segment.text}",
            )
        else:
            turns.append((segment.voice, segment.start_ms, segment.end_ms, segment.text))
    return turns


def _voice(line: str) -> str | None:
    """The speaker of a ``<v Kari Nordmann>`` voice tag opening the line, if any."""
    match = _VOICE.match(line.lstrip())
    return (_clean(match[1]) or None) if match else None


def _clean(cue_text: str) -> str:
    """Cue text without tags or entities, NFC, on one line."""
    text = html.unescape(_ASS_OVERRIDE.sub("", _TAG.sub("", cue_text)))
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())
