"""Mutated and special inputs through the real command line: every importer and the project file.

Every target's cases run together, a few children at a time, in one module fixture; each test
then judges one target. Scale with ``TILLIT_FUZZ_CASES`` (see ``settings``).
"""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path

import pytest

from tests.fuzz import settings
from tests.fuzz.checks import Problem, report
from tests.fuzz.cli_cases import Outcome, Session, job, keep
from tests.fuzz.cli_runner import run_jobs
from tests.fuzz.plan import TARGETS, cases

pytestmark = pytest.mark.fuzz

_ALL = {name: cases(target, "cli", settings.CLI_CASES) for name, target in TARGETS.items()}
_COUNT = sum(len(found) for found in _ALL.values())
# A guard far above a healthy run (about 1.5 s a command): every case hanging twice.
_GUARD = 300 + int(_COUNT * 2 * settings.CLI_TIMEOUT / settings.WORKERS)


@pytest.fixture(scope="module")
def outcomes(
    fuzz_session: Session, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[Outcome]]:
    root = tmp_path_factory.mktemp("fuzz-cli")
    planned = {case.id: case for found in _ALL.values() for case in found}
    jobs = [job(case, fuzz_session, root) for case in planned.values()]
    results: dict[str, list[Outcome]] = {name: [] for name in TARGETS}
    for done in run_jobs(jobs):
        case = planned[done.name]
        problems = done.result
        if isinstance(problems, BaseException):
            problems = [Problem("harness", f"{type(problems).__name__}: {problems}")]
        outcome = Outcome(case, problems, done.runs)
        if problems:
            outcome.saved = keep(outcome, fuzz_session, root)
        shutil.rmtree(root / case.id, ignore_errors=True)
        results[case.target].append(outcome)
    _write_summary(results, fuzz_session)
    return results


def _write_summary(results: dict[str, list[Outcome]], session: Session) -> None:
    """Counts, exit codes and peak memory per target, beside the kept failures."""
    summary: dict[str, object] = {
        "seed": settings.SEED,
        "baseline_import_kib": session.baseline_kib,
    }
    for target, found in results.items():
        runs = [run for outcome in found for run in outcome.runs]
        if not runs:
            continue
        summary[target] = {
            "cases": len(found),
            "failed": sum(1 for outcome in found if outcome.problems),
            "exit 0": sum(1 for outcome in found if outcome.runs[0].returncode == 0),
            "exit 1": sum(1 for outcome in found if outcome.runs[0].returncode == 1),
            "peak_kib": max(run.maxrss_kib for run in runs),
            "median_seconds": round(statistics.median(run.seconds for run in runs), 2),
            "slowest_seconds": round(max(run.seconds for run in runs), 2),
        }
    folder = settings.failure_folder("cli")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), "utf-8")
    lines = [
        json.dumps(
            {
                "case": outcome.case.id,
                "exit": [run.returncode for run in outcome.runs],
                "stderr": outcome.runs[0].error_text.strip()[-300:] if outcome.runs else "",
                "seconds": [round(run.seconds, 2) for run in outcome.runs],
                "peak_kib": max((run.maxrss_kib for run in outcome.runs), default=0),
                "problems": [str(problem) for problem in outcome.problems],
            },
            ensure_ascii=False,
        )
        for found in results.values()
        for outcome in found
    ]
    (folder / "cases.jsonl").write_text("\n".join(lines) + "\n", "utf-8")


@pytest.mark.timeout(_GUARD)
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_command_line_survives_every_input(target: str, outcomes: dict[str, list[Outcome]]) -> None:
    found = outcomes[target]
    if not found:
        pytest.skip("no case of this target in this layer, or in the replay")
    failures: list[tuple[str, str, list[Problem], Path | None]] = [
        (target, outcome.case.id, outcome.problems, outcome.saved)
        for outcome in found
        if outcome.problems
    ]
    title = f"{target}, seed {settings.SEED}, {len(found)} command-line case(s)"
    assert not failures, report(failures, title) + f"\nreplay: {settings.replay_hint('<case>')}"
