"""The in-process layer's parent: a few long-lived workers share the cases; a worker that hangs
past the bound or dies is replaced, and the case it was on is named as the culprit."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tests.fuzz import settings
from tests.fuzz.checks import Problem
from tests.fuzz.plan import Case

_GRACE = 20.0  # past the bound: the alarm could not interrupt the call (stuck in C code)


@dataclass
class Result:
    case: Case
    status: str  # "ok", "refused" or "failed"
    problems: list[Problem]
    seconds: float = 0.0
    saved: Path | None = None


def _limits() -> None:  # in the worker, between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (settings.MEMORY_CAP, settings.MEMORY_CAP))
    resource.setrlimit(resource.RLIMIT_FSIZE, (settings.FILE_SIZE_CAP, settings.FILE_SIZE_CAP))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass
class _Worker:
    cases: list[Case]
    scratch: Path
    seeds: Path
    process: subprocess.Popen[bytes] = field(init=False)
    errors: IO[bytes] = field(init=False)
    current: str | None = None
    since: float = 0.0
    buffer: bytes = b""

    def __post_init__(self) -> None:
        spec = self.scratch / "spec.json"
        spec.write_text(json.dumps({
            "seeds": str(self.seeds), "scratch": str(self.scratch / "work"),
            "bound": settings.CALL_BOUND,
            "cases": [[case.target, case.index] for case in self.cases],
        }), "utf-8")  # fmt: skip
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - as long as the worker lives
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.worker", str(spec)],
            cwd=settings.REPOSITORY,
            env=os.environ | {"TMPDIR": str(self.scratch / "tmp")},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            preexec_fn=_limits,  # noqa: PLW1509 - started from the test's only thread
            start_new_session=True,
        )
        self.since = time.monotonic()

    def stderr_tail(self) -> str:
        self.errors.seek(0)
        return self.errors.read()[-600:].decode("utf-8", "replace")


def run_cases(cases: list[Case], seeds: Path, root: Path, workers: int) -> dict[str, Result]:
    """Every case through the readers, ``workers`` processes at a time; results by case id."""
    by_id = {case.id: case for case in cases}
    results: dict[str, Result] = {}
    selector = selectors.DefaultSelector()
    spawned = 0

    def spawn(share: list[Case]) -> None:
        nonlocal spawned
        if not share:
            return
        spawned += 1
        scratch = root / f"worker-{spawned}"
        (scratch / "tmp").mkdir(parents=True)
        worker = _Worker(share, scratch, seeds)
        assert worker.process.stdout is not None
        os.set_blocking(worker.process.stdout.fileno(), False)
        selector.register(worker.process.stdout, selectors.EVENT_READ, worker)

    def remaining(worker: _Worker) -> list[Case]:
        return [case for case in worker.cases if case.id not in results]

    def retire(worker: _Worker, problem: Problem) -> None:
        assert worker.process.stdout is not None
        selector.unregister(worker.process.stdout)
        if worker.process.poll() is None:
            os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
        leftover = remaining(worker)
        if worker.current is not None and worker.current not in results:
            case = by_id[worker.current]
            results[case.id] = Result(case, "failed", [problem], time.monotonic() - worker.since)
            leftover = remaining(worker)
        elif leftover:  # it died between two cases: blame the next, so that this ends
            stopped = Problem("worker", f"stopped early: {worker.stderr_tail()!r}")
            results[leftover[0].id] = Result(leftover[0], "failed", [stopped])
            leftover = leftover[1:]
        spawn(leftover)

    for number in range(workers):
        spawn(cases[number::workers])
    try:
        _serve(selector, retire, by_id, results)
    finally:  # interrupted: stop every worker still running
        for key in list(selector.get_map().values()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(key.data.process.pid, signal.SIGKILL)
            key.data.process.wait()
    return results


def _serve(
    selector: selectors.BaseSelector,
    retire: Callable[[_Worker, Problem], None],
    by_id: dict[str, Case],
    results: dict[str, Result],
) -> None:
    """Read the workers' reports until every worker is done, replacing any that hangs."""
    while selector.get_map():
        for key, _ in selector.select(timeout=1.0):
            worker: _Worker = key.data
            chunk = key.fileobj.read()  # type: ignore[union-attr]
            if chunk is None:  # nothing yet after all
                continue
            if not chunk:
                code = worker.process.wait()
                crash = Problem(
                    "crashed", f"the worker ended with {code}: {worker.stderr_tail()!r}"
                )
                retire(worker, crash)
                continue
            worker.buffer += chunk
            *lines, worker.buffer = worker.buffer.split(b"\n")
            for line in lines:
                _take(json.loads(line), worker, by_id, results)
        now = time.monotonic()
        for key in list(selector.get_map().values()):
            worker = key.data
            if worker.current is not None and now - worker.since > settings.CALL_BOUND + _GRACE:
                retire(worker, Problem("hang", f"no answer in {settings.CALL_BOUND + _GRACE:g} s"))


def _take(message: dict[str, object], worker: _Worker, by_id: dict[str, Case],
          results: dict[str, Result]) -> None:  # fmt: skip
    if "start" in message:
        worker.current, worker.since = str(message["start"]), time.monotonic()
        return
    case = by_id[str(message["done"])]
    problems = [Problem(str(kind), str(detail)) for kind, detail in message["problems"]]  # type: ignore[attr-defined]
    saved = Path(str(message["saved"])) if "saved" in message else None
    results[case.id] = Result(case, str(message["status"]), problems,
                              float(message["seconds"]), saved)  # type: ignore[arg-type]  # fmt: skip
    worker.current = None
