"""The ``cooccurrence`` op: the co-occurrence matrix of every code over every coding."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from coding.matrices import cooccurrence_matrix
from coding.project import Project
from tests.benchmarks.build import copy_project
from tests.benchmarks.corpus import Corpus

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch


def cooccurrence(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Count, for each pair of codes, the passages coded with both (the matrix's diagonal:
    each code's codings), over every code and coding of the project."""
    with (
        tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp,
        Project.open(copy_project(project, Path(tmp))) as opened,
    ):
        for _ in range(repeat):
            with watch.timing():
                matrix = cooccurrence_matrix(opened)
    codings = int(matrix.counts.trace())
    passages = int(matrix.counts.sum() - codings) // 2
    if len(matrix.row_ids) != len(corpus.codes) or codings != len(corpus.codings):
        raise AssertionError(
            f"the benchmark did not do its work: {len(matrix.row_ids)} codes and {codings} "
            f"codings, planned {len(corpus.codes)} and {len(corpus.codings)}"
        )
    return {"codes": len(matrix.row_ids), "codings": codings, "passages": passages}
