"""An annotated transcript: a document's whole text in Word with every coding a comment on its
passage and the passage shaded in its code's colour, to send a colleague the coding visible."""

from __future__ import annotations

import colorsys
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from coding.errors import ExportCancelledError
from coding.project import Project, code_paths
from coding.retrieval import value_label
from coding.tables import DocumentContext, Progress, admitted_codings, document_context
from storage.formats.docx_annotated import (
    AnnotatedText,
    Remark,
    Shade,
    Span,
    Swatch,
    write_annotated,
)
from storage.records import ParagraphRecord
from storage.repositories.retrieval import QueryFilter

__all__ = ["OVERLAP_RULE", "annotated_text", "export_annotated", "tint"]

#: How overlapping codings are shaded, in the words the document itself uses.
OVERLAP_RULE = (
    "Where codings overlap, the text takes the colour of the shortest coding over it (the "
    "innermost) and is underlined with dots."
)

#: The least lightness (HLS) a shade has, so that black text on it stays easy to read.
MIN_LIGHTNESS = 0.8

_NEUTRAL = "D9D9D9"  # for a code whose colour cannot be read
_TIMESTAMP = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
# What may follow a speaker's name in its label: a bracket, a timestamp, Markdown emphasis
# and the colon, as in "[Kari]", "Kari Nordmann  00:03", "**INT:**" or "P1 (00:01:02):".
_LABEL_TAIL = re.compile(
    rf"[\])]?(?:[ \t]*[\[(]?{_TIMESTAMP}[\])]?)?[ \t]*(?:\*\*|__|\*|_)?:?(?:\*\*|__|\*|_)?"
)
_LABEL_LEAD = re.compile(r"[\W\d_]*")  # no letters before the name: "[", "**", a timestamp
_MAX_LABEL_OFFSET = 40


@dataclass(frozen=True, slots=True)
class _Coding:
    id: int
    start: int
    end: int
    fill: str


def annotated_text(
    project: Project,
    document_id: int,
    *,
    code_ids: Sequence[int] | None = None,
    include_children: bool = False,
    coder_ids: Iterable[int] | None = None,
) -> AnnotatedText:
    """What the annotated transcript of a document shows: its name, cases and attribute
    values, a legend of the codes in it, the text in its paragraphs or speaker turns with
    speaker labels in bold, and one comment for each coding, in text order.

    The codings are those of ``code_ids`` (every code when ``None``; with their subcodes'
    when ``include_children``) by ``coder_ids`` (every coder when ``None``). Each comment
    names the code's path, has the coder as its author and the time of the coding as its
    date, and holds the coding's memo. Each passage is shaded in a light version of its
    code's colour (see :func:`tint`); :data:`OVERLAP_RULE` says how overlaps look.

    Raises :class:`NotFoundError` for a document or code no longer in the project.
    """
    coders = None if coder_ids is None else frozenset(coder_ids)
    where = QueryFilter(document_ids=frozenset({document_id}), coder_ids=coders)
    with project.read() as tx:
        document = tx.documents.get(document_id)
        turns = tx.documents.paragraphs(document_id)
        codes = tx.codes.all()
        chosen = {hit.id for hit in admitted_codings(tx, code_ids, include_children, where)}
        codings = [c for c in tx.codings.details(document_id=document_id) if c.id in chosen]
        context = document_context(tx, [document_id])
    paths = code_paths(codes)
    fills = {code.id: tint(code.color) for code in codes}
    spans = [_Coding(c.id, c.start, c.end, fills[c.code_id]) for c in codings]
    shades, overlaps = _shading(spans)
    remarks = [
        Remark(
            coding.start,
            coding.end,
            coding.coder_name,
            _initials(coding.coder_name),
            paths[coding.code_id],
            _memo_lines(coding.memo),
            coding.created_at,
        )
        for coding in codings
    ]
    counts = Counter(coding.code_id for coding in codings)
    legend = [
        Swatch(paths[code.id], fills[code.id], f"({counts[code.id]})")
        for code in codes  # tree order
        if code.id in counts
    ]
    coder_names = list(dict.fromkeys(coding.coder_name for coding in codings))
    return AnnotatedText(
        title=document.name,
        text=document.text,
        units=[(turn.start, turn.end) for turn in turns],
        subtitle=_context_line(context, document_id),
        notes=[_explanation(len(codings), coder_names, bool(overlaps))],
        legend_title="Codes (codings in this transcript)" if legend else "",
        legend=legend,
        bold=_speaker_labels(document.text, turns),
        shades=shades,
        underlined=overlaps,
        remarks=remarks,
    )


def export_annotated(
    project: Project,
    document_id: int,
    path: Path,
    *,
    code_ids: Sequence[int] | None = None,
    include_children: bool = False,
    coder_ids: Iterable[int] | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the annotated transcript of :func:`annotated_text` to ``path`` (a ``.docx``);
    returns the number of comments, one per coding.

    Each comment is anchored on exactly its coding's passage, also where it spans
    paragraphs or overlaps another. ``progress(done, total)`` is called while the document
    is built; when it returns False the export stops and no file is left.

    Raises :class:`ExportCancelledError` when cancelled, :class:`NotFoundError` for a
    document or code no longer in the project, and :class:`StorageError` when the file
    cannot be written (the folder missing, no permission); the file is written beside
    ``path`` and moved into place, so a failure leaves no half-written file.
    """
    content = annotated_text(
        project,
        document_id,
        code_ids=code_ids,
        include_children=include_children,
        coder_ids=coder_ids,
    )
    if not write_annotated(path, content, progress):
        raise ExportCancelledError
    return len(content.remarks)


def tint(color: str) -> str:
    """A code's colour (``#rrggbb``) as a shade to read black text on: as it is when it is
    light already, else raised to :data:`MIN_LIGHTNESS` with its hue kept; ``RRGGBB``."""
    try:
        red, green, blue = (int(color.strip().lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return _NEUTRAL
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    lightness = max(lightness, MIN_LIGHTNESS)
    channels = colorsys.hls_to_rgb(hue, lightness, saturation)
    return "".join(f"{round(channel * 255):02X}" for channel in channels)


def _shading(codings: list[_Coding]) -> tuple[list[Shade], list[Span]]:
    """The shades under the coded text and the stretches where codings overlap.

    Between any two boundaries the text takes the fill of the shortest coding over it
    (ties: the one starting later, then the newer), so a coding nested in another stands
    out in its own colour; neighbouring stretches of one fill are joined.
    """
    starting: dict[int, list[_Coding]] = {}
    ending: dict[int, list[int]] = {}
    for coding in codings:
        starting.setdefault(coding.start, []).append(coding)
        ending.setdefault(coding.end, []).append(coding.id)
    points = sorted({*starting, *ending})
    active: dict[int, _Coding] = {}
    shades: list[Shade] = []
    overlaps: list[Span] = []
    for left, right in itertools.pairwise(points):
        for coding_id in ending.get(left, []):
            del active[coding_id]
        for coding in starting.get(left, []):
            active[coding.id] = coding
        if not active:
            continue
        inner = min(active.values(), key=lambda c: (c.end - c.start, -c.start, -c.id))
        if shades and shades[-1].end == left and shades[-1].fill == inner.fill:
            shades[-1] = Shade(shades[-1].start, right, inner.fill)
        else:
            shades.append(Shade(left, right, inner.fill))
        if len(active) > 1:
            if overlaps and overlaps[-1][1] == left:
                overlaps[-1] = (overlaps[-1][0], right)
            else:
                overlaps.append((left, right))
    return shades, overlaps


def _speaker_labels(text: str, turns: list[ParagraphRecord]) -> list[Span]:
    """The speaker label at the start of each turn, as written: "P1:", "[Kari]", "**INT:**"."""
    labels: list[Span] = []
    for turn in turns:
        if not turn.speaker:
            continue
        line_end = text.find("\n", turn.start, turn.end)
        line = text[turn.start : turn.end if line_end < 0 else line_end]
        index = line.find(turn.speaker, 0, _MAX_LABEL_OFFSET + len(turn.speaker))
        if index < 0 or not _LABEL_LEAD.fullmatch(line, 0, index):
            continue
        tail = _LABEL_TAIL.match(line, index + len(turn.speaker))
        end = tail.end() if tail else index + len(turn.speaker)
        labels.append((turn.start, turn.start + len(line[:end].rstrip())))
    return labels


def _context_line(context: DocumentContext, document_id: int) -> str:
    """The document's cases and attribute values in one line (empty when it has none)."""
    cases = context.cases.get(document_id, [])
    parts = [f"{'Case' if len(cases) == 1 else 'Cases'}: {', '.join(cases)}"] if cases else []
    values = context.values.get(document_id, {})
    for attribute in context.attributes:
        shown = [value_label(value) for value in values.get(attribute.id, [])]
        if shown:
            parts.append(f"{attribute.name}: {', '.join(shown)}")
    return " · ".join(parts)


def _explanation(codings: int, coders: list[str], overlapping: bool) -> str:
    """What the reader sees: how many codings, whose, and how they are marked."""
    if not codings:
        return "No codings are shown in this transcript."
    names = coders[0] if len(coders) == 1 else f"{', '.join(coders[:-1])} and {coders[-1]}"
    explanation = (
        f"{_codings(codings)} by {names}, each a comment on its passage. Coded text is shaded "
        "in its code's colour."
    )
    return f"{explanation} {OVERLAP_RULE}" if overlapping else explanation


def _codings(count: int) -> str:
    return f"{count} coding" if count == 1 else f"{count} codings"


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:3]).upper()


def _memo_lines(memo: str) -> tuple[str, ...]:
    lines = memo.strip().split("\n")
    return (f"Memo: {lines[0]}", *lines[1:]) if memo.strip() else ()
