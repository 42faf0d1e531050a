"""Many more mutations straight into the readers: each returns a sound result or refuses with one
of the project's own errors, within a time bound. Scale with ``TILLIT_FUZZ_INPROCESS``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fuzz import settings
from tests.fuzz.checks import Problem, report
from tests.fuzz.cli_cases import Session
from tests.fuzz.inprocess import Result, run_cases
from tests.fuzz.plan import TARGETS, cases

pytestmark = pytest.mark.fuzz

_ALL = {name: cases(target, "inproc", settings.INPROCESS_CASES) for name, target in TARGETS.items()}
_COUNT = sum(len(found) for found in _ALL.values())
_GUARD = 300 + int(_COUNT * 0.5 / settings.WORKERS)  # about 30 ms a call when healthy


@pytest.fixture(scope="module")
def results(fuzz_session: Session, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    root = tmp_path_factory.mktemp("fuzz-inprocess")
    everything = [case for found in _ALL.values() for case in found]
    found = run_cases(everything, fuzz_session.seeds, root, settings.WORKERS)
    folder = settings.failure_folder("inprocess")
    folder.mkdir(parents=True, exist_ok=True)
    summary = {
        name: {
            "cases": len(planned),
            "ok": sum(1 for case in planned if found[case.id].status == "ok"),
            "refused": sum(1 for case in planned if found[case.id].status == "refused"),
            "failed": sum(1 for case in planned if found[case.id].status == "failed"),
            "slowest_seconds": max((found[case.id].seconds for case in planned), default=0),
        }
        for name, planned in _ALL.items()
        if planned
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), "utf-8")
    lines = [
        json.dumps({"case": result.case.id, "status": result.status, "seconds": result.seconds,
                    "problems": [str(problem) for problem in result.problems]},
                   ensure_ascii=False)
        for result in found.values()
    ]  # fmt: skip
    (folder / "cases.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return found


@pytest.mark.timeout(_GUARD)
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_readers_return_or_refuse_every_input(target: str, results: dict[str, Result]) -> None:
    planned = _ALL[target]
    if not planned:
        pytest.skip("no case of this target in this layer, or in the replay")
    missing = [case.id for case in planned if case.id not in results]
    assert not missing, f"cases without a result: {missing[:10]}"
    failures: list[tuple[str, str, list[Problem], Path | None]] = [
        (target, case.id, results[case.id].problems, results[case.id].saved)
        for case in planned
        if results[case.id].status == "failed"
    ]
    title = f"{target}, seed {settings.SEED}, {len(planned)} reader call(s)"
    assert not failures, report(failures, title) + f"\nreplay: {settings.replay_hint('<case>')}"
