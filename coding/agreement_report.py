"""The agreement table as a methods section reads it: figures with undefined values marked "–"
and the reason they are undefined, the sentence that names coders, documents, unit and
statistics, the notes on definitions, and the table written to Word (.docx) or Excel (.xlsx).

What the report says is decided here; ``storage.formats.docx_report`` and
``storage.formats.xlsx_file`` only write it. The definitions are those of
:mod:`coding.agreement`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from enum import Enum
from pathlib import Path

from coding.agreement import (
    AgreementReport,
    CodeAgreement,
    SegmentAgreement,
    Statistics,
    agreement,
)
from coding.errors import CodingError
from coding.project import PATH_SEPARATOR, Project
from storage.formats.docx_report import (
    TEXT_WIDTH_MM,
    Block,
    Cell,
    Heading,
    Paragraph,
    ParagraphStyle,
    Run,
    Table,
    write_report,
)
from storage.formats.xlsx_file import Cell as SheetCell
from storage.formats.xlsx_file import Sheet, write_workbook

__all__ = [
    "AGREEMENT_SUFFIXES",
    "UNDEFINED",
    "Measure",
    "export_agreement",
    "figure",
    "level_of",
    "methods_sentence",
    "notes",
    "statistic",
    "why_undefined",
]

#: How an undefined statistic is shown: never as a number.
UNDEFINED = "–"

#: The formats the agreement table is written in, by the file's extension.
AGREEMENT_SUFFIXES = (".docx", ".xlsx")

_INDENT = "\u2003"  # an em space per level of the code tree
_RULES = {
    "pairable": "pairable: every document at least two of the coders coded",
    "common": "common: only the documents every coder coded",
}
_POOLED = "All codes (pooled)"
_MEAN = "Mean over the codes"


class Measure(Enum):
    """A statistic of the agreement table, with its name in a header."""

    PERCENT = "% agreement"
    SPECIFIC = "% specific agreement"
    KAPPA = "Cohen’s κ"
    ALPHA = "Krippendorff’s α"
    GROUP_ALPHA = "Group α"


# A page has room for the statistics' symbols, as journals print them; the caption names them.
_WORD_HEADERS = {
    Measure.PERCENT: "%",
    Measure.SPECIFIC: "% spec.",
    Measure.KAPPA: "κ",
    Measure.ALPHA: "α",
}
_SYMBOLS = {
    Measure.PERCENT: "%: percent agreement (text both coders left uncoded included)",
    Measure.SPECIFIC: "% spec.: specific agreement, on coded text only, 2a / (2a + b + c)",
    Measure.KAPPA: "κ: Cohen’s kappa",
    Measure.ALPHA: "α: Krippendorff’s alpha (nominal)",
}


def figure(value: float | None, measure: Measure) -> str:
    """A statistic as the table shows it: percent agreement with one decimal, specific
    agreement (a proportion) as a percentage with one decimal, κ and α with three, and
    :data:`UNDEFINED` for ``None``."""
    if value is None:
        return UNDEFINED
    if measure is Measure.SPECIFIC:
        return f"{100 * value:.1f}"
    return f"{value:.1f}" if measure is Measure.PERCENT else f"{value:.3f}"


def why_undefined(measure: Measure, units: int, coders: int) -> str:
    """Why ``measure`` is undefined where it is ``None``, for data with ``units`` units that
    have values from two or more of ``coders`` coders: a sentence for a tooltip or a note."""
    if measure is Measure.KAPPA and coders != 2:
        return f"Cohen’s κ compares exactly two coders; for {coders} coders read Krippendorff’s α."
    if units == 0:
        return "No unit has values from two coders, so there is nothing to compare."
    if measure is Measure.SPECIFIC:
        return (
            "Nobody applied the code in these documents, so there is no coded text to agree "
            "on (percent agreement counts the uncoded text)."
        )
    if measure is Measure.KAPPA:
        return (
            "Both coders gave every unit the same value (usually: neither applied the code "
            "in these documents), so the agreement expected by chance is 100 % and κ is 0/0."
        )
    what = "none of its subcodes was" if measure is Measure.GROUP_ALPHA else "nobody"
    verb = "applied" if measure is Measure.GROUP_ALPHA else "applied the code"
    return (
        f"Every coder gave every unit the same value (usually: {what} {verb} in these "
        "documents), so there is no variation for α to measure."
    )


def statistic(statistics: Statistics, measure: Measure) -> float | None:
    """The value of ``measure`` (percent or specific agreement, κ or α) in ``statistics``."""
    if measure is Measure.GROUP_ALPHA:
        raise ValueError("Group α belongs to a code, not to its statistics.")
    if measure is Measure.PERCENT:
        return statistics.percent_agreement
    if measure is Measure.SPECIFIC:
        return statistics.specific_agreement
    return statistics.cohen_kappa if measure is Measure.KAPPA else statistics.krippendorff_alpha


def level_of(code: CodeAgreement) -> int:
    """The code's depth in the code tree: 0 for a top-level code."""
    return code.path.count(PATH_SEPARATOR)


def methods_sentence(report: AgreementReport) -> str:
    """One sentence for a methods section: who, over which documents (and by which rule),
    in which units, with which statistics ("Inter-coder agreement between Ingrid, Kari and
    Ola over 12 documents, those coded by at least two of them (…), in character units; …")."""
    coders = _listing(list(report.coders))
    count = len(report.document_ids)
    documents = f"{count:,} document" + ("" if count == 1 else "s")
    if len(report.coders) == 2:
        documents += ", those both coded"  # the two rules agree for two coders
    elif report.coverage == "pairable":
        documents += (
            ", those coded by at least two of them (a coder who did not code a document is "
            "missing there)"
        )
    else:
        documents += ", only those all of them coded"
    unit = "character" if report.unit == "character" else "paragraph (or speaker turn)"
    specific = "specific agreement (agreement on coded text)"
    if len(report.coders) == 2:
        statistics = f"Krippendorff’s α (nominal), Cohen’s κ, percent agreement and {specific}"
    else:
        statistics = (
            f"Krippendorff’s α (nominal), percent agreement and {specific}, pooled over pairs "
            "of coders; Cohen’s κ compares two coders and is not reported"
        )
    return (
        f"Inter-coder agreement between {coders} over {documents}, in {unit} units; "
        f"{statistics}; undefined values are marked {UNDEFINED}."
    )


def notes(report: AgreementReport) -> list[tuple[str, str]]:
    """The definitions behind the figures, as ``(term, explanation)`` pairs."""
    if report.unit == "character":
        units = (
            "Every character (Unicode code point) of the documents’ text. A coder applied a "
            "code to a character when one of their codings of that code covers it."
        )
    else:
        units = (
            "Every non-empty paragraph or speaker turn of the documents. A coder applied a "
            "code to a paragraph when one of their codings of that code overlaps it."
        )
    missing = (
        "A coder who made no coding at all in a document did not code it: that is missing "
        "data, not disagreement."
    )
    if report.coverage == "common":
        documents = (
            "Only the documents every coder coded count (chosen instead of the default, the "
            f"documents at least two of them coded). {missing}"
        )
    else:
        documents = (
            "The documents at least two of the coders coded count (the default; the other "
            f"choice is only the documents every coder coded). {missing} A coder missing "
            "from a document gives no values there, which α allows."
        )
    documents += (
        " Everything that compares two coders compares them where both coded: percent "
        "agreement, specific agreement and κ count each pair of coders over the documents "
        "both coded."
    )
    pooled = (
        f"“{_POOLED}” treats every (unit, code) pair of the {report.pooled_codes:,} codes as "
        "one decision and computes each statistic once over all of them. "
        f"“{_MEAN}” is the unweighted mean of the codes’ values where they are defined."
    )
    return [
        (
            "Units",
            units + " Text nobody coded counts (in every statistic but specific agreement): "
            "coders agree there on “not this code”.",
        ),
        ("Documents", documents),
        (
            "Statistics",
            "Percent agreement is the share of pairs of values that agree, text both coders "
            "left uncoded included, so it is high wherever most text is uncoded. Specific "
            "agreement is 2a / (2a + b + c), a counting the pairs of values in which both "
            "coders applied the code and b + c those in which only one did: the agreement "
            "on coded text, shown as a percentage. With more than two coders both pool the "
            "pairs of coders. Cohen’s κ (1960) is "
            "(pₒ − pₑ) / (1 − pₑ) for two coders; Krippendorff’s α (2011) is computed for "
            "nominal data, for any number of coders, with missing values allowed. "
            "“Units” counts the units with values from at least two coders.",
        ),
        ("Pooled", pooled),
        (
            "Group α",
            "For a code with subcodes: α over which of its direct subcodes each coder "
            "applied to each unit, the subcodes taken as alternatives. A folder is not "
            "applied itself, so its row shows only its group α.",
        ),
        (
            "Undefined",
            f"{UNDEFINED} marks a statistic the data leave undefined: no variation (for "
            "example, nobody applied the code), no coded text for specific agreement, no "
            "unit with values from two coders, or κ for more than two coders. An empty "
            "cell does not apply (group α of a code without subcodes).",
        ),
        (
            "Segments",
            "Segment agreement (as MAXQDA reports it): a coder’s segment is matched when the "
            "other coder applied the same code to a segment that shares at least "
            f"{report.overlap:.0%} of the text the two cover together.",
        ),
    ]


def export_agreement(
    source: Project | AgreementReport, path: Path, *, project_name: str = ""
) -> int:
    """Write the agreement table to ``path``: a Word document (``.docx``) or an Excel
    workbook (``.xlsx``), by its extension; returns how many codes it holds.

    ``source`` is a report from :func:`coding.agreement.agreement`, or a project, whose
    agreement is then computed with the defaults (every coder with codings, character
    units, the documents at least two of them coded). Both formats begin with
    :func:`methods_sentence`, hold one row per code (its path, indented by level in Word),
    the pooled row and the means, group α for codes with subcodes, segment agreement per
    pair of coders, the documents, and :func:`notes`. Undefined values are
    :data:`UNDEFINED`, never numbers; in Excel the defined ones are numbers (percent to
    two decimals, κ and α to four). ``project_name`` is named under the title.

    The file is written whole or not at all. Raises :class:`CodingError` for another
    extension (and whatever :func:`~coding.agreement.agreement` raises for a project), and
    :class:`StorageError` when the file cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in AGREEMENT_SUFFIXES:
        raise CodingError(
            f"“{path.name}” is not a format Tillit writes the agreement table in; end the "
            "name in .docx (Word) or .xlsx (Excel)."
        )
    if isinstance(source, Project):
        report = agreement(source)
        project_name = project_name or source.info().name
    else:
        report = source
    if suffix == ".docx":
        write_report(path, _word_blocks(report, project_name))
    else:
        write_workbook(path, _sheets(report))
    return len(report.codes)


# --- Word ---------------------------------------------------------------------------------


def _measures(report: AgreementReport) -> list[Measure]:
    """The columns of statistics: specific agreement beside percent agreement (which alone
    would mislead where most text is uncoded), κ only for two coders."""
    kappa = [Measure.KAPPA] if len(report.coders) == 2 else []
    return [Measure.PERCENT, Measure.SPECIFIC, *kappa, Measure.ALPHA]


def _word_blocks(report: AgreementReport, project_name: str) -> Iterator[Block]:
    yield Paragraph((Run("Inter-coder agreement"),), ParagraphStyle.TITLE)
    today = date.today()
    made = f"computed by Tillit on {today.day}\u00a0{today:%B}\u00a0{today.year}"
    yield Paragraph((Run(f"{project_name}, {made}." if project_name else f"C{made[1:]}."),))
    yield Paragraph((Run(methods_sentence(report)),))
    measures = _measures(report)
    symbols = "; ".join(_SYMBOLS[m] for m in measures)
    yield _caption(
        f"Agreement per code, in {report.unit} units. {symbols}; units: units with values from "
        "at least two coders; group α: α over which of a code’s subcodes was applied"
    )
    header: list[Cell] = ["Code", *(_WORD_HEADERS[m] for m in measures), "Units", "Group α"]
    rows: list[list[Cell]] = [header]
    pooled = [figure(statistic(report.overall, m), m) for m in measures]
    rows.append([_bold(_POOLED), *map(_bold, pooled), _bold(f"{report.overall.units:,}"), ""])
    means = {Measure.KAPPA: report.mean_cohen_kappa, Measure.ALPHA: report.mean_krippendorff_alpha}
    rows.append([_MEAN, *(figure(means[m], m) if m in means else "" for m in measures), "", ""])
    for code in report.codes:
        name = _INDENT * level_of(code) + code.path.rsplit(PATH_SEPARATOR, 1)[-1]
        own = [figure(statistic(code.statistics, m), m) for m in measures]
        units = f"{code.statistics.units:,}"
        if not code.codable:
            own, units = [""] * len(measures), ""
        group = figure(code.group_alpha, Measure.GROUP_ALPHA) if code.children else ""
        rows.append([name, *own, units, group])
    widths = [17.0] * len(measures) + [19.0, 21.0]
    yield Table(
        rows,
        widths=(TEXT_WIDTH_MM - sum(widths), *widths),
        numbers=frozenset(range(1, len(measures) + 3)),
    )
    if report.segments:
        yield _caption(
            f"Segment agreement per pair of coders (overlap {report.overlap:.0%}); each cell "
            "gives the first coder’s count / the second’s"
        )
        segment_rows: list[list[Cell]] = [
            ["Coders", "Segments", "Matched", "Not matched", "% matched"]
        ]
        segment_rows.extend(_segment_cells(entry) for entry in report.segments)
        yield Table(segment_rows, widths=(48, 28, 28, 28, 28), numbers=frozenset({1, 2, 3, 4}))
    count = len(report.document_names)
    yield Heading(f"Documents ({count:,})", 2)
    yield Paragraph((Run("; ".join(report.document_names) + "."),))
    yield Heading("Definitions", 2)
    for term, text in notes(report):
        yield Paragraph((Run(f"{term}. ", bold=True), Run(text)))


def _segment_cells(entry: SegmentAgreement) -> list[Cell]:
    first, second = entry.coders
    percent = entry.percent
    return [
        f"{first} – {second}",
        f"{entry.segments[0]:,} / {entry.segments[1]:,}",
        f"{entry.matched[0]:,} / {entry.matched[1]:,}",
        f"{entry.unmatched[0]:,} / {entry.unmatched[1]:,}",
        UNDEFINED if percent is None else f"{percent:.1f}",
    ]


def _caption(text: str) -> Paragraph:
    return Paragraph((Run(text),), ParagraphStyle.CAPTION)


def _bold(text: str) -> tuple[Run, ...]:
    return (Run(text, bold=True),)


# --- Excel --------------------------------------------------------------------------------


def _sheets(report: AgreementReport) -> list[Sheet]:
    measures = _measures(report)
    header = ["Code", "Level", "Folder", *(m.value for m in measures), "Units", "Group α"]
    means = {Measure.KAPPA: report.mean_cohen_kappa, Measure.ALPHA: report.mean_krippendorff_alpha}
    pooled = [_number(statistic(report.overall, m), m) for m in measures]
    mean = [_number(means[m], m) if m in means else None for m in measures]
    rows: list[list[SheetCell]] = [
        [_POOLED, None, None, *pooled, report.overall.units, None],
        [_MEAN, None, None, *mean, None, None],
    ]
    for code in report.codes:
        own: list[SheetCell] = [_number(statistic(code.statistics, m), m) for m in measures]
        units: SheetCell = code.statistics.units
        if not code.codable:
            own, units = [None] * len(measures), None
        group = _number(code.group_alpha, Measure.GROUP_ALPHA) if code.children else None
        folder = "" if code.codable else "yes"
        rows.append([code.path, level_of(code), folder, *own, units, group])
    segments = [
        [*entry.coders, *entry.segments, *entry.matched, _number(entry.percent, Measure.PERCENT)]
        for entry in report.segments
    ]
    about: list[list[SheetCell]] = [
        ["Summary", methods_sentence(report)],
        ["Coders", ", ".join(report.coders)],
        ["Unit", report.unit],
        ["Documents", f"{len(report.document_ids):,} (listed on the sheet Documents)"],
        ["Documents counted", _RULES[report.coverage]],
    ]
    about.extend([term, text] for term, text in notes(report))
    about.append(
        [
            "Figures",
            "Percent and specific agreement (as percentages) are rounded to two decimals, "
            "κ and α to four; "
            f"{UNDEFINED} marks an undefined value, an empty cell one that does not apply.",
        ]
    )
    pairs = ("Coder A", "Coder B", "Segments A", "Segments B", "Matched A", "Matched B")
    widths = (44, 7, 8, *(22 if m is Measure.SPECIFIC else 15 for m in measures), 12, 10)
    return [
        Sheet("Agreement", header, rows, label_columns=1, widths=widths),
        Sheet("Segments", (*pairs, "% matched"), segments, widths=(16, 16, 12, 12, 12, 12, 12)),
        Sheet("Documents", ("Document",), [[name] for name in report.document_names], widths=(60,)),
        Sheet("About", ("Item", "What it says"), about, widths=(16, 110), wrap=True),
    ]


def _number(value: float | None, measure: Measure) -> SheetCell:
    if value is None:
        return UNDEFINED
    if measure is Measure.SPECIFIC:
        return round(100 * value, 2)
    return round(value, 2 if measure is Measure.PERCENT else 4)


def _listing(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" and {names[-1]}"
