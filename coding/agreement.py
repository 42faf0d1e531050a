"""Inter-coder agreement: percent and specific agreement, Cohen's κ and Krippendorff's α per
code and pooled, α over a parent's children as alternatives, and segment agreement.

The study design is a team lead's: several coders code the same transcripts, each in their own
copy, and the copies are merged, so the project holds every coder's codings. The definitions:

- **Documents.** A coder who made no coding at all in a document (of any code) did not code
  it: they are *missing* there, which is not the same as disagreeing. By default
  (``coverage="pairable"``) every document at least two of the chosen coders coded counts; a
  coder missing from a document gives no value for its units, which Krippendorff's α allows
  (it is the case of Krippendorff's worked example with missing values). With
  ``coverage="common"`` only the documents every chosen coder coded count: a smaller,
  fully crossed sample. With two coders the two are the same.
- **Pairs.** Whatever compares two coders' values does so where both have one: each pair of
  coders over the documents both coded. Percent agreement and specific agreement pool the
  pairs of values of every pair of coders over those documents (so a pair counts in
  proportion to the units both coded); Cohen's κ is defined for two coders, over the
  documents both coded; segment agreement is per pair of coders, over the documents both
  coded.
- **Units.** ``unit="character"``: every character (code point) of those documents.
  ``unit="paragraph"``: every non-empty paragraph or speaker turn as stored with the document
  (a document stored without any is one unit). Text in no unit counts in neither.
- **Values.** Per code, each coder gives each unit 1 (coded with this code) or 0 (not): a
  character is coded when one of the coder's codings of the code covers it, a paragraph when
  one of them overlaps it by at least one character. Uncoded text counts: two coders who both
  left a stretch uncoded agree on "not this code" there.
- **Per code**: percent agreement (0–100; the share of agreeing pairs of values; with more
  than two coders who all coded every document, the mean pairwise agreement), specific
  agreement (0–1; ``2a / (2a + b + c)``, the agreement on coded text: ``a`` pairs of values
  where both coded the unit, ``b + c`` where one did; text both left uncoded does not count,
  as it does in percent agreement), Cohen's κ (two coders only; ``None`` for more) and
  Krippendorff's α for nominal data, defined in :mod:`coding.agreement_stats`.
- **Overall** pools the chosen codable codes: every (unit, code) pair is one binary decision
  ("did this coder apply this code to this unit?") and each coefficient is computed once over
  all of them, exactly as for one code whose units are all the (unit, code) pairs: for α the
  codes' coincidence matrices are summed (as α-binary is computed over all the codes of a
  domain), for κ their 2 × 2 tables, for percent agreement their pairs (which makes it the
  mean of the per-code percentages, each code having the same units), for specific
  agreement their ``a``, ``b`` and ``c``. Codes nobody applied change the pooled κ and α
  only by adding agreement on "not coded", and the pooled specific agreement not at all.
  The unweighted means
  of the per-code κ and α, over the codes where they are defined, are reported beside them
  (the summary MAXQDA- and NVivo-style tables give); folders (codes that cannot be applied)
  are in neither.
- **group_alpha**, for a code with children: nominal α over which of its direct children each
  coder applied to each unit, the children taken as alternatives (a coding of a child's
  subcode counts as that child; the parent's own codings do not count). A unit with none of
  them takes the value "none"; a unit a coder gave two or more of them takes that
  combination as a value of its own, which agrees only with the same combination.
- **Segment agreement** (MAXQDA's): see :mod:`coding.agreement_segments`; per pair of coders
  and code, over the documents both coded.

Every statistic that the data leaves undefined (no variation, no pairable values, κ with
chance agreement 1, specific agreement where nobody applied the code) is ``None``, never a
number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from coding.agreement_stats import (
    Counts,
    cohen_kappa,
    nominal_alpha,
    pairable_units,
    specific_agreement,
)
from coding.agreement_stats import percent_agreement as percent_of
from coding.agreement_study import Coverage, Study, Unit, UnitPatterns, segment_counts
from coding.agreement_units import Patterns
from coding.errors import CodingError
from coding.project import Project, code_paths
from storage.records import CodeRecord, CoderRecord

__all__ = [
    "DEFAULT_OVERLAP",
    "AgreementCancelledError",
    "AgreementReport",
    "CodeAgreement",
    "Coverage",
    "Progress",
    "SegmentAgreement",
    "Statistics",
    "Unit",
    "agreement",
    "report_json",
]

#: ``progress(done, total)`` between the steps of the computation; returns False to cancel.
Progress = Callable[[int, int], bool]

#: The share of two segments' joint extent they must share to match (MAXQDA's default, 90 %).
DEFAULT_OVERLAP = 0.9

_STEPS = 4


class AgreementCancelledError(CodingError):
    """The researcher cancelled the agreement statistics."""


@dataclass(frozen=True, slots=True)
class Statistics:
    """Percent agreement (0–100), specific agreement (0–1, on coded text), Cohen's κ and
    Krippendorff's α on some units; ``None`` where undefined. ``units`` counts the units with
    values from at least two coders."""

    percent_agreement: float | None
    specific_agreement: float | None
    cohen_kappa: float | None
    krippendorff_alpha: float | None
    units: int


@dataclass(frozen=True, slots=True)
class SegmentAgreement:
    """Segment agreement of two coders: each one's segments, and how many the other matched."""

    coders: tuple[str, str]
    segments: tuple[int, int]
    matched: tuple[int, int]

    @property
    def unmatched(self) -> tuple[int, int]:
        return (self.segments[0] - self.matched[0], self.segments[1] - self.matched[1])

    @property
    def percent(self) -> float | None:
        """Matched segments of both coders as a percentage of all their segments."""
        total = sum(self.segments)
        return None if total == 0 else 100 * sum(self.matched) / total


@dataclass(frozen=True, slots=True)
class CodeAgreement:
    """The agreement on one code; ``group_alpha`` is meaningful where ``children`` > 0."""

    code_id: int
    uuid: str
    path: str
    codable: bool
    statistics: Statistics
    children: int
    group_alpha: float | None
    segments: tuple[SegmentAgreement, ...]


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """What :func:`agreement` found; ``codes`` in codebook order, ``segments`` summed over
    the codable codes, one entry per pair of coders."""

    unit: Unit
    coverage: Coverage
    overlap: float
    coders: tuple[str, ...]
    document_ids: tuple[int, ...]
    document_names: tuple[str, ...]
    overall: Statistics
    pooled_codes: int
    mean_cohen_kappa: float | None
    mean_krippendorff_alpha: float | None
    codes: tuple[CodeAgreement, ...]
    segments: tuple[SegmentAgreement, ...]


def agreement(
    project: Project,
    *,
    coders: Sequence[str] | None = None,
    code_ids: Sequence[int] | None = None,
    unit: Unit = "character",
    overlap: float = DEFAULT_OVERLAP,
    coverage: Coverage = "pairable",
    progress: Progress | None = None,
) -> AgreementReport:
    """The agreement of ``coders`` (by name; default: every coder with a coding) on
    ``code_ids`` (default: every codable code, and every code with children for its
    ``group_alpha``), over the documents of ``coverage``, in units of ``unit``; segments match
    when they share ``overlap`` (0 < overlap <= 1) of their joint extent. The module's
    docstring gives every definition. Reads the project; changes nothing.

    Raises :class:`CodingError` with a sentence for the researcher when fewer than two coders
    are chosen (or have coded), a coder or code is unknown, an option is out of range, or no
    document was coded by two of the chosen coders (by all of them, with
    ``coverage="common"``);
    :class:`AgreementCancelledError` when ``progress`` returns False.
    """
    _check_options(unit, overlap, coverage)
    _step(progress, 0)
    with project.read() as tx:
        chosen = _chosen_coders(tx.coders.all(), tx.agreement.coders_with_codings(), coders)
        codes = tx.codes.all()
        rows = _chosen_codes(codes, code_ids)
        raw = np.array(tx.agreement.codings([c.id for c in chosen]), dtype=np.int64)
        summaries = tx.documents.summaries()
        study = Study.of(chosen, summaries, raw.reshape(-1, 5), coverage)
        paragraphs = (
            tx.documents.paragraphs_by_document(study.document_ids) if unit == "paragraph" else {}
        )
    _step(progress, 1)
    units = UnitPatterns(study, unit, paragraphs)
    code_patterns = units.patterns(study.code_spans([code.id for code in rows]), len(rows))
    _step(progress, 2)
    children = Counter(code.parent_id for code in codes)
    groups = [code for code in rows if children[code.id]]
    group_patterns = units.patterns(study.group_spans(codes, groups), len(groups))
    _step(progress, 3)
    segments = segment_counts(study, rows, Fraction(str(overlap)))
    _step(progress, _STEPS)
    paths = code_paths(codes)
    pooled = [index for index, code in enumerate(rows) if code.codable]
    per_code = [_statistics(code_patterns, [index], len(chosen)) for index in range(len(rows))]
    group_alpha = {code.id: nominal_alpha(*group_patterns.of([i])) for i, code in enumerate(groups)}
    names = tuple(coder.name for coder in chosen)
    return AgreementReport(
        unit=unit,
        coverage=coverage,
        overlap=overlap,
        coders=names,
        document_ids=study.document_ids,
        document_names=study.document_names,
        overall=_statistics(code_patterns, pooled, len(chosen)),
        pooled_codes=len(pooled),
        mean_cohen_kappa=_mean([per_code[i].cohen_kappa for i in pooled]),
        mean_krippendorff_alpha=_mean([per_code[i].krippendorff_alpha for i in pooled]),
        codes=tuple(
            CodeAgreement(
                code.id,
                code.uuid,
                paths[code.id],
                code.codable,
                per_code[index],
                children[code.id],
                group_alpha.get(code.id),
                _segment_rows(names, segments, [index]),
            )
            for index, code in enumerate(rows)
        ),
        segments=_segment_rows(names, segments, pooled),
    )


def report_json(report: AgreementReport) -> dict[str, Any]:
    """The report in the shape of ``agreement --json`` (CLI.md): ``unit``, ``coders``,
    ``documents`` (their names, in list order), ``documents_rule`` (``"pairable"`` or
    ``"common"``), ``overall`` and ``codes`` (one entry per code with ``code`` (its path), the
    three coefficients, ``specific_agreement`` (0–1) and ``units``, and ``group_alpha`` for a
    code with children); ``overall`` has the same statistics; ``null`` where a statistic is
    undefined.

    Beyond CLI.md: ``overlap``; in ``overall`` the number of pooled
    ``codes``, ``mean_cohen_kappa``, ``mean_krippendorff_alpha`` and ``segments``; in each
    code's entry its ``uuid``, ``codable`` and ``segments``. A segments entry is ``{"coders":
    [A, B], "segments": [a, b], "matched": [a, b], "unmatched": [a, b], "percent"}``.
    """
    return {
        "unit": report.unit,
        "coders": list(report.coders),
        "documents": list(report.document_names),
        "documents_rule": report.coverage,
        "overall": {
            **_statistics_json(report.overall),
            "codes": report.pooled_codes,
            "mean_cohen_kappa": report.mean_cohen_kappa,
            "mean_krippendorff_alpha": report.mean_krippendorff_alpha,
            "segments": [_segments_json(entry) for entry in report.segments],
        },
        "codes": [
            {
                "code": code.path,
                **_statistics_json(code.statistics),
                **({"group_alpha": code.group_alpha} if code.children else {}),
                "uuid": code.uuid,
                "codable": code.codable,
                "segments": [_segments_json(entry) for entry in code.segments],
            }
            for code in report.codes
        ],
        "overlap": report.overlap,
    }


def _statistics(patterns: Patterns, variables: list[int], coders: int) -> Statistics:
    values, weights = patterns.of(variables)
    return Statistics(
        percent_of(values, weights),
        specific_agreement(values, weights),
        cohen_kappa(values, weights) if coders == 2 else None,
        nominal_alpha(values, weights),
        pairable_units(*patterns.of(variables[:1])),
    )


def _segment_rows(
    names: tuple[str, ...], counts: dict[tuple[int, int], Counts], variables: list[int]
) -> tuple[SegmentAgreement, ...]:
    rows = []
    for (first, second), table in counts.items():
        mine, mine_matched, theirs, theirs_matched = table[variables].sum(axis=0).tolist()
        rows.append(
            SegmentAgreement(
                (names[first], names[second]), (mine, theirs), (mine_matched, theirs_matched)
            )
        )
    return tuple(rows)


def _chosen_coders(
    every: list[CoderRecord], coding: set[int], names: Sequence[str] | None
) -> list[CoderRecord]:
    if names is None:
        chosen = [coder for coder in every if coder.id in coding]
        if len(chosen) < 2:
            raise CodingError(
                "Agreement needs codings by at least two coders; "
                f"this project has codings by {len(chosen)}."
            )
        return chosen
    by_name = {coder.name: coder for coder in every}
    chosen = []
    for name in names:
        coder = by_name.get(name.strip())
        if coder is None:
            raise CodingError(f"There is no coder “{name}” in this project.")
        if coder in chosen:
            raise CodingError(f"The coder “{coder.name}” is named twice.")
        chosen.append(coder)
    if len(chosen) < 2:
        raise CodingError("Agreement needs at least two coders; name two or more.")
    return chosen


def _chosen_codes(codes: list[CodeRecord], code_ids: Sequence[int] | None) -> list[CodeRecord]:
    if code_ids is None:
        parents = {code.parent_id for code in codes}
        return [code for code in codes if code.codable or code.id in parents]
    wanted = set(code_ids)
    missing = wanted - {code.id for code in codes}
    if missing:
        raise CodingError("A chosen code is no longer in the codebook.")
    return [code for code in codes if code.id in wanted]


def _check_options(unit: str, overlap: float, coverage: str) -> None:
    if unit not in ("character", "paragraph"):
        raise CodingError(f"“{unit}” is not a unit of agreement; use character or paragraph.")
    if not 0 < overlap <= 1:
        raise CodingError("The overlap of matching segments must be above 0 % and at most 100 %.")
    if coverage not in ("common", "pairable"):
        raise CodingError(f"“{coverage}” is not a choice of documents; use common or pairable.")


def _step(progress: Progress | None, done: int) -> None:
    if progress is not None and not progress(done, _STEPS):
        raise AgreementCancelledError("The agreement statistics were cancelled.")


def _mean(values: list[float | None]) -> float | None:
    defined = [value for value in values if value is not None]
    return sum(defined) / len(defined) if defined else None


def _statistics_json(statistics: Statistics) -> dict[str, Any]:
    return {
        "percent_agreement": statistics.percent_agreement,
        "specific_agreement": statistics.specific_agreement,
        "cohen_kappa": statistics.cohen_kappa,
        "krippendorff_alpha": statistics.krippendorff_alpha,
        "units": statistics.units,
    }


def _segments_json(entry: SegmentAgreement) -> dict[str, Any]:
    return {
        "coders": list(entry.coders),
        "segments": list(entry.segments),
        "matched": list(entry.matched),
        "unmatched": list(entry.unmatched),
        "percent": entry.percent,
    }
