"""The ``merge_project`` op: the lead merges one coder's copy of the project into theirs."""

from __future__ import annotations

import random
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from coding.project import Project
from coding.project_merge import MergeProjects, MergeReport, prepare_merge
from tests.benchmarks.build import copy_project
from tests.benchmarks.corpus import Corpus

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch

#: Codes the coder renamed in their copy: half keep their GUID, half got a new one (as when
#: a code is deleted and made again), so that those match by a similar name.
RENAMED = 12


def merge_project(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Merge the last coder's copy (their codings only, a few codes renamed) into a copy of the
    project without their codings, with progress; checked: every one of their codings lands,
    on the lead's codes, and merging the copy again adds nothing."""
    coder = corpus.coders[-1]
    theirs = sum(1 for coding in corpus.codings if coding.coder == coder)
    steps: list[int] = []
    with tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp:
        folder = Path(tmp)
        copy = _coders_copy(project, folder, coder)
        lead = _without_coder(project, folder, coder)
        report: MergeReport | None = None
        for index in range(repeat):
            path = copy_project(lead, folder, f"lead-{index}")
            with Project.open(path) as opened:
                with watch.timing():
                    plan = prepare_merge(opened, [copy])
                    command = MergeProjects(opened, plan, lambda done, _total: _step(steps, done))
                    command.do()
                report = command.report
                assert report is not None
                again = MergeProjects(opened, prepare_merge(opened, [copy]))
                again.do()
                assert again.report is not None
                _expect(again.report.codings_added == 0, "the second merge added codings")
    assert report is not None
    source = report.sources[0]
    _expect(report.codings_added == theirs, f"{report.codings_added} codings, planned {theirs}")
    _expect(not source.codes_new, f"renamed codes became new codes: {source.codes_new}")
    _expect(len(steps) >= 2 * repeat, "too little progress was reported")
    return {
        "codings": report.codings_added,
        "documents": sum(source.documents_matched.values()),
        "codes_by_guid": source.codes_matched["uuid"],
        "codes_by_name": source.codes_matched["fuzzy"] + source.codes_matched["path"],
        "progress_steps": len(steps),
    }


def _coders_copy(project: Path, folder: Path, coder: str) -> Path:
    """The project as one coder sends it back: their codings only, some codes renamed."""
    copy = folder / f"{coder}.tillit"
    with _connection(project) as source, _connection(copy) as target:
        source.backup(target)
    rng = random.Random("merge-project")
    with _connection(copy) as conn:
        conn.execute(
            "DELETE FROM codings WHERE coder_id <> (SELECT id FROM coders WHERE name = ?)",
            (coder,),
        )
        leaves = [
            row
            for row in conn.execute("SELECT id, name FROM codes ORDER BY id")
            if not conn.execute("SELECT 1 FROM codes WHERE parent_id = ?", (row[0],)).fetchone()
        ]
        for index, (code_id, name) in enumerate(rng.sample(leaves, RENAMED)):
            conn.execute("UPDATE codes SET name = ? WHERE id = ?", (f"{name}e", code_id))
            if index % 2:
                conn.execute("UPDATE codes SET uuid = ? WHERE id = ?", (str(uuid.uuid4()), code_id))
    return copy


def _without_coder(project: Path, folder: Path, coder: str) -> Path:
    """The lead's project before the merge: the project without that coder's codings."""
    lead = folder / "lead.tillit"
    with _connection(project) as source, _connection(lead) as target:
        source.backup(target)
    with _connection(lead) as conn:
        conn.execute(
            "DELETE FROM codings WHERE coder_id = (SELECT id FROM coders WHERE name = ?)", (coder,)
        )
    return lead


@contextmanager
def _connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that commits what it did and closes."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        with conn:
            yield conn


def _step(steps: list[int], done: int) -> bool:
    steps.append(done)
    return True


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"the benchmark did not do its work: {message}")
