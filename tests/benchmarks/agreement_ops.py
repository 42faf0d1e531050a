"""The ``agreement`` op: agreement statistics for every coder and every code, character units."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from coding.agreement import AgreementReport, agreement
from coding.project import Project
from tests.benchmarks.build import copy_project
from tests.benchmarks.corpus import Corpus

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch


def agreement_statistics(
    corpus: Corpus, project: Path, repeat: int, watch: Stopwatch
) -> dict[str, int]:
    """Percent agreement, κ, α and group α per code and pooled, and segment agreement per
    pair of coders, for all coders and codes of the corpus in character units; checked
    against the plan: the documents at least two coders coded (the default rule), their
    characters, each coder's segments."""
    with (
        tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp,
        Project.open(copy_project(project, Path(tmp))) as opened,
    ):
        report: AgreementReport | None = None
        for _ in range(repeat):
            with watch.timing():
                report = agreement(opened, unit="character")
    assert report is not None
    _check(corpus, report)
    return {
        "coders": len(report.coders),
        "codes": len(report.codes),
        "documents": len(report.document_ids),
        "units": report.overall.units,
        "group_alphas": sum(1 for code in report.codes if code.group_alpha is not None),
        "pairs": len(report.segments),
    }


def _check(corpus: Corpus, report: AgreementReport) -> None:
    coded = {(coding.document, coding.coder) for coding in corpus.codings}
    pairable = [
        d for d in corpus.documents if sum((d.file, c) in coded for c in corpus.coders) >= 2
    ]
    segments = Counter(coding.coder for coding in corpus.codings)
    problems = []
    if sorted(report.coders) != sorted(corpus.coders) or len(report.codes) != len(corpus.codes):
        problems.append(f"{len(report.coders)} coders and {len(report.codes)} codes")
    if len(report.document_ids) != len(pairable):
        problems.append(f"{len(report.document_ids)} documents, planned {len(pairable)}")
    if report.overall.units != sum(d.characters for d in pairable):
        problems.append(f"{report.overall.units} characters")
    for entry in report.segments:
        for coder, count in zip(entry.coders, entry.segments, strict=True):
            if count != segments[coder]:
                problems.append(f"{count} segments of {coder}, planned {segments[coder]}")
    if report.overall.krippendorff_alpha is None:
        problems.append("no pooled α")
    if problems:
        raise AssertionError("the benchmark did not do its work: " + "; ".join(problems))
