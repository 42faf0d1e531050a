"""Speaker turns in transcript text: labels such as "P1:", "[Kari]" or "Kari Nordmann  00:03"."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from operator import itemgetter
from typing import Final, NamedTuple

from storage.formats.parsed import ParsedParagraph

# h:mm:ss or mm:ss (Whisper, Teams, Zoom, Otter, Rev), with an optional fraction of a second.
_TS: Final = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
# 1-4 words starting with a letter: "INT", "P1", "Informant 3", "Bjørn Åsmund", "SPEAKER_00".
# Words are possessive (*+, ++): backtracking happens only between words, which keeps a
# failed match on a long prose line cheap.
_NAME: Final = r"[^\W\d_][\w.'\u2019-]*+(?:[ ][\w.'\u2019-]++){0,3}"
_EMPH: Final = r"(?:\*\*|__|\*|_)?"  # Markdown transcripts often bold the label: **INT:**
_END: Final = r"(?=\s|$)"

# Run over "\n" + text: a pattern opening with a literal lets the regex engine jump from line
# to line, three times faster than "^" with MULTILINE, which matters when a project imports
# hundreds of transcripts at once.
_LABEL: Final = re.compile(
    rf"""\n[ \t]*(?P<label>
      \[(?P<w_start>{_TS})[ \t]*-->[ \t]*(?P<w_end>{_TS})\]
        (?:[ \t]+\[?(?P<w_name>{_NAME})\]?:)?{_END}
    | [\[(](?P<b_ts>{_TS})[\])]
        (?:[ \t]+(?:(?P<b_name>{_NAME})[ \t]*:|\[(?P<b_name2>{_NAME})\]:?))?{_END}
    | (?P<c_ts>{_TS})[ \t]+(?:(?P<c_name>{_NAME})[ \t]*:|\[(?P<c_name2>{_NAME})\]:?){_END}
    | \[?(?P<d_name>{_NAME})\]?[ \t]+[\[(]?(?P<d_ts>{_TS})[\])]?:?[ \t]*$
    | {_EMPH}(?:(?P<e_name>{_NAME})|\[(?P<e_name2>{_NAME})\]){_EMPH}
        [ \t]*(?:[\[(](?P<e_ts>{_TS})[\])][ \t]*)?:{_EMPH}
        (?:[ \t]+[\[(](?P<e_ts2>{_TS})[\])])?{_END}
    | \[(?P<f_name>{_NAME})\]{_END}
    )""",
    re.MULTILINE | re.VERBOSE,
)
# Getters over match.groups(), cheaper per match than groupdict(); groups are named by role.
_NAME_GROUPS: Final = itemgetter(
    *(index - 1 for group, index in _LABEL.groupindex.items() if "_name" in group)
)
_TS_GROUPS: Final = itemgetter(
    *(
        index - 1
        for group, index in _LABEL.groupindex.items()
        if "_ts" in group or group == "w_start"
    )
)
_END_GROUP: Final = _LABEL.groupindex["w_end"] - 1
_LABEL_GROUP: Final = _LABEL.groupindex["label"]
_LOOSE_GROUP: Final = _LABEL.groupindex["d_ts"] - 1
_NAME_ONLY: Final = re.compile(_NAME)
_TS_ONLY: Final = re.compile(_TS)
_PREFIX: Final = re.compile(rf"(?P<name>{_NAME})[ \t]*:[ \t]+(?P<rest>\S.*)", re.DOTALL)

# Labels that transcription conventions use for speakers, accepted even when used once.
_ROLE: Final = re.compile(
    r"(?:int|intervjuer|intervjuar|interviewer|i|r|ip|io|iv|q|a|p|mod|moderator|fasilitator"
    r"|forsker|researcher|interviewee|intervjuperson|intervjuobjekt|spm|svar|spørsmål"
    r"|(?:p|d|r|ip|inf|informant|respondent|deltaker|deltager|participant|speaker|taler"
    r"|person|interviewer|intervjuer)[ _]?\d{1,3}|informant|respondent)"
)
# Words that open a line with a colon in ordinary prose or in a transcript's header; never
# speakers, whatever their count.
# fmt: off
_NOT_SPEAKERS: Final = frozenset({
    "merk", "note", "nb", "obs", "ps", "tips", "husk", "kilde", "kilder", "source", "sources",
    "se", "see", "eksempel", "example", "dato", "date", "tid", "time", "klokkeslett", "sted",
    "place", "tema", "topic", "emne", "subject", "sak", "ref", "referanse", "til", "fra", "to",
    "from", "cc", "kopi", "vedlegg", "tittel", "title", "forfatter", "author", "varighet",
    "duration", "lengde", "length", "definisjon", "definition", "oppsummering", "summary",
    "konklusjon", "conclusion", "bakgrunn", "background", "mål", "goal", "formål", "purpose",
    "resultat", "result", "resultater", "results", "advarsel", "warning", "viktig", "important",
    "http", "https", "mailto", "fil", "file", "side", "page", "kapittel", "chapter",
})
# fmt: on
_MAX_NAME_CHARS: Final = 40
# Labelled lines per paragraph unit; prose with a stray "Note:" is far below it.
_MIN_SHARE: Final = 0.2


class TurnLabel(NamedTuple):
    """A speaker label found at the start of a line; ``start`` is its offset in the text."""

    start: int
    speaker: str | None
    start_ms: int | None = None
    end_ms: int | None = None


def timestamp_ms(value: str) -> int:
    """Milliseconds of a timestamp written ``[h:]mm:ss[.fff]`` (or with a decimal comma)."""
    main, _, fraction = value.replace(",", ".").partition(".")
    total = 0
    for field in main.split(":"):
        total = total * 60 + int(field)
    return total * 1000 + (int(fraction.ljust(3, "0")[:3]) if fraction else 0)


def is_speaker_name(value: str) -> bool:
    """Whether ``value`` (a table cell, say) reads as a speaker label such as "INT" or "Kari"."""
    name = value.strip().rstrip(":").strip()
    return (
        len(name) <= _MAX_NAME_CHARS
        and _NAME_ONLY.fullmatch(name) is not None
        and name.casefold() not in _NOT_SPEAKERS
    )


def is_timestamp(value: str) -> bool:
    """Whether ``value`` is a bare timestamp such as "00:01:02" or "1:02.5"."""
    return _TS_ONLY.fullmatch(value.strip().strip("[]()")) is not None


def speaker_prefix(line: str) -> tuple[str, str] | None:
    """Split "Kari: tekst" into ("Kari", "tekst"); None when the line has no such label."""
    match = _PREFIX.match(line)
    if match is None or len(match["name"]) > _MAX_NAME_CHARS:
        return None
    return match["name"], match["rest"]


def accepted_speakers(counts: Counter[str]) -> frozenset[str]:
    """The casefolded labels that count as speakers: used twice or more, or a role such as "INT".

    ``counts`` maps casefolded labels to the number of lines they open.
    """
    return frozenset(
        key
        for key, count in counts.items()
        if key not in _NOT_SPEAKERS and (count >= 2 or _ROLE.fullmatch(key) is not None)
    )


def find_turns(text: str, paragraph_count: int) -> list[TurnLabel]:
    """The labels that open speaker turns in ``text``, or [] when it does not read as turns.

    Labels must repeat (see ``_is_transcript``) and open at least a fifth as many lines as the
    text has paragraph units (``paragraph_count``), so prose with a "Merk:" or a sentence ending
    in a colon stays prose.
    """
    return [
        TurnLabel(found.start, found.name, _ms(found.stamp), _ms(found.end))
        for found in _turn_labels(text, paragraph_count)
    ]


def build_units(text: str, paragraphs: Sequence[tuple[int, int]]) -> tuple[ParsedParagraph, ...]:
    """Speaker turns of ``text`` when it has them, else ``paragraphs`` (spans) as they are.

    A turn runs from its label to the line before the next label, trimmed of trailing blank
    lines. Paragraphs before the first label (a title, a date) stay paragraph units.
    """
    turns = _turn_labels(text, len(paragraphs))
    if not turns:
        return tuple(ParsedParagraph(start, end) for start, end in paragraphs)
    first_line = turns[0].line_start
    units: list[ParsedParagraph] = []
    for start, end in paragraphs:
        if start >= first_line:
            break
        kept = text[start : min(end, first_line)].rstrip()
        if kept:
            units.append(ParsedParagraph(start, start + len(kept)))
    stops = [turn.line_start - 1 for turn in turns[1:]]
    stops.append(len(text))
    for turn, stop in zip(turns, stops, strict=True):
        end = stop
        while end > turn.start and text[end - 1].isspace():
            end -= 1
        units.append(ParsedParagraph(turn.start, end, turn.name, _ms(turn.stamp), _ms(turn.end)))
    return tuple(units)


def transcript_row(cells: Sequence[Sequence[str]]) -> list[str]:
    """Lines for one table row, given each cell's paragraphs.

    Rows of transcript tables ("Speaker | utterance", "time | speaker | utterance"; all cells
    filled, the speaker cell a short name) become "Speaker: utterance" lines so that speaker
    recognition sees them; other rows give one line per cell paragraph.
    """
    if len(cells) == 2 and all(cells) and len(cells[0]) == 1 and is_speaker_name(cells[0][0]):
        name = cells[0][0].strip().rstrip(":").strip()
        return [f"{name}: {cells[1][0].lstrip()}", *cells[1][1:]]
    if (
        len(cells) == 3
        and all(cells)
        and len(cells[0]) == len(cells[1]) == 1
        and is_timestamp(cells[0][0])
        and is_speaker_name(cells[1][0])
    ):
        stamp = cells[0][0].strip()
        name = cells[1][0].strip().rstrip(":").strip()
        return [f"{stamp} {name}: {cells[2][0].lstrip()}", *cells[2][1:]]
    return [line for cell in cells for line in cell]


class _Candidate(NamedTuple):
    """A label as matched: where it and its line start, its name and casefolded key ("" for
    none), and its times as written."""

    start: int
    line_start: int
    name: str | None
    key: str
    stamp: str | None
    end: str | None
    loose: bool  # a name and a time alone on a line


def _candidates(text: str) -> list[_Candidate]:
    """Every plausible label at a line start; one tight loop, as transcripts have thousands."""
    found: list[_Candidate] = []
    for match in _LABEL.finditer("\n" + text):
        groups = match.groups()
        name: str | None = next(filter(None, _NAME_GROUPS(groups)), None)
        stamp: str | None = next(filter(None, _TS_GROUPS(groups)), None)
        key = ""
        if name is not None:
            key = name.casefold()
            if len(name) > _MAX_NAME_CHARS or (stamp is None and key in _NOT_SPEAKERS):
                continue
        # Offsets in "\n" + text are one more than in text: the "\n" matched is the line start.
        start = match.start(_LABEL_GROUP) - 1
        loose = groups[_LOOSE_GROUP] is not None
        found.append(_Candidate(start, match.start(), name, key, stamp, groups[_END_GROUP], loose))
    return found


def _turn_labels(text: str, paragraph_count: int) -> list[_Candidate]:
    """The candidates that open turns (see ``find_turns``), or []."""
    candidates = _candidates(text)
    if len(candidates) < 2:
        return []
    keys = accepted_speakers(Counter(found.key for found in candidates if found.key))
    # Timestamped lines are turns once the pattern repeats. A name and a time alone on a line
    # ("Kari Nordmann  00:03") is looser: an agenda's "Lunsj 12:00" and "Møte 13:00" look the
    # same, so there some timed label must be speaker-less (Whisper) or a name must repeat.
    timed = [found for found in candidates if found.stamp]
    firm = sum(1 for found in timed if not found.loose)
    timed_counts = Counter(found.key for found in timed)
    timed_ok = len(timed) >= 2 and (
        firm >= 2 or timed_counts[""] >= 1 or max(timed_counts.values()) >= 2
    )
    chosen = [found for found in candidates if (timed_ok and found.stamp) or found.key in keys]
    if len(chosen) < 2 or len(chosen) < _MIN_SHARE * paragraph_count:
        return []
    return chosen if _is_transcript(chosen) else []


def _ms(stamp: str | None) -> int | None:
    return None if stamp is None else timestamp_ms(stamp)


def _is_transcript(turns: Sequence[_Candidate]) -> bool:
    """Whether the accepted labels repeat enough to call the text a transcript."""
    if sum(1 for turn in turns if turn.stamp) >= 2:
        return True
    counts = Counter(turn.key for turn in turns if turn.key)
    roles = [key for key in counts if _ROLE.fullmatch(key)]
    return (
        sum(1 for count in counts.values() if count >= 2) >= 2
        or len(roles) >= 2
        or any(counts[key] >= 2 for key in roles)
        or any(count >= 3 for count in counts.values())
    )
