"""The ``refi_roundtrip`` op: the whole project to a ``.qdpx`` and back into a new project."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from coding.project import Project
from coding.refi_export import export_project
from coding.refi_import import ImportReport, import_project
from tests.benchmarks.build import copy_project
from tests.benchmarks.corpus import Corpus

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch


def refi_roundtrip(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Export a copy of the project to REFI-QDA and import the file into a new project, both
    with progress; checked against the plan: every document, code and coding comes back, and
    every coding lands directly where the file put it."""
    steps: list[str] = []

    def progress(_done: int, _total: int, label: str) -> bool:
        steps.append(label)
        return True

    report: ImportReport | None = None
    size = 0
    with tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp:
        folder = Path(tmp)
        with Project.open(copy_project(project, folder)) as opened:
            for index in range(repeat):
                archive = folder / f"round-{index}.qdpx"
                steps.clear()
                with watch.timing():
                    result = export_project(opened, archive, progress)
                    report = import_project(archive, folder / f"back-{index}", progress=progress)
                size = archive.stat().st_size
                _expect(result.warnings == [], f"the export warned: {result.warnings}")
    assert report is not None
    planned = (len(corpus.documents), len(corpus.codes), len(corpus.codings))
    landed = (report.documents, report.codes, report.codings)
    _expect(landed == planned, f"came back {landed}, planned {planned}")
    _expect(report.codings_direct == len(corpus.codings), "a coding did not land directly")
    _expect(not report.unplaced and not report.warnings, "the import lost something")
    _expect(len(steps) > 2 * len(corpus.documents), "no progress was reported")
    return {
        "documents": report.documents,
        "codes": report.codes,
        "codings": report.codings,
        "codings_direct": report.codings_direct,
        "qdpx_bytes": size,
        "progress_steps": len(steps),
    }


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"the benchmark did not do its work: {message}")
