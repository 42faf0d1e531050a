"""Running ``main.py`` as children, a few at a time, each capped in memory, file size and time.

A job is a generator that yields the arguments of one command line after another and receives
each :class:`Run`; the scheduler drives many jobs at once from this one thread (no threads, so
``preexec_fn`` is safe) and reaps children with ``os.wait4`` to learn their peak memory.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from tests.fuzz import settings

_OUTPUT_LIMIT = 1 << 20  # what is kept of a child's stdout or stderr
_IDLE_AFTER = 3.0  # a child asleep this long (a FIFO, a lock) leaves its place to another


@dataclass
class Run:
    """One finished command line."""

    argv: list[str]
    returncode: int | None  # None when it was stopped for taking too long
    stdout: bytes
    stderr: bytes
    maxrss_kib: int
    seconds: float
    killed: bool = False  # stopped on purpose, by a :class:`KillAfter`

    @property
    def hung(self) -> bool:
        return self.returncode is None

    @property
    def error_text(self) -> str:
        return self.stderr.decode("utf-8", "replace")


@dataclass(frozen=True)
class KillAfter:
    """A command line to be killed (SIGKILL) ``seconds`` after it starts, if still running."""

    argv: list[str]
    seconds: float


Steps = Generator[list[str] | KillAfter, Run, Any]


@dataclass
class Job:
    """Command lines run one after another with the same environment; ``result`` is what the
    generator returned."""

    name: str
    steps: Steps
    env: dict[str, str]
    runs: list[Run] = field(default_factory=list)
    result: Any = None


def _limits() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (settings.MEMORY_CAP, settings.MEMORY_CAP))
    resource.setrlimit(resource.RLIMIT_FSIZE, (settings.FILE_SIZE_CAP, settings.FILE_SIZE_CAP))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass
class _Child:
    job: Job
    argv: list[str]
    process: subprocess.Popen[bytes]
    out: IO[bytes]
    err: IO[bytes]
    kill_after: float | None = None
    started: float = field(default_factory=time.monotonic)

    def asleep(self) -> bool:
        if time.monotonic() - self.started < _IDLE_AFTER:
            return False
        try:
            with open(f"/proc/{self.process.pid}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state in (b"S", b"D")

    def poll(self, timeout: float) -> Run | None:
        pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
        hung = killed = False
        if pid == 0:
            elapsed = time.monotonic() - self.started
            killed = self.kill_after is not None and elapsed >= self.kill_after
            if elapsed < timeout and not killed:
                return None
            hung = not killed
            _kill_group(self.process.pid)
            pid, status, usage = os.wait4(self.process.pid, 0)
        _kill_group(self.process.pid)  # a grandchild that outlived it
        code = os.waitstatus_to_exitcode(status)
        self.process.returncode = code  # reaped here; Popen must not wait for it again
        run = Run(
            self.argv,
            None if hung else code,
            _read(self.out),
            _read(self.err),
            usage.ru_maxrss,
            time.monotonic() - self.started,
            killed,
        )
        return run


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _read(handle: IO[bytes]) -> bytes:
    handle.seek(0)
    data = handle.read(_OUTPUT_LIMIT)
    handle.close()
    return data


def _start(job: Job, command: list[str] | KillAfter) -> _Child:
    argv = command.argv if isinstance(command, KillAfter) else command
    # Files, not pipes: a child that writes a lot never waits for us. They live as long as it.
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "main.py", *argv],
        cwd=settings.REPOSITORY,
        env=job.env,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=err,
        preexec_fn=_limits,  # noqa: PLW1509 - one thread: the scheduler never starts any
        start_new_session=True,
    )
    kill_after = command.seconds if isinstance(command, KillAfter) else None
    return _Child(job, argv, process, out, err, kill_after)


def run_jobs(
    jobs: Iterable[Job], workers: int = settings.WORKERS, timeout: float = settings.CLI_TIMEOUT
) -> list[Job]:
    """Drive every job to its end, ``workers`` busy children at a time; returns the jobs."""
    waiting = deque(jobs)
    running: list[_Child] = []
    done: list[Job] = []

    def advance(job: Job, run: Run | None) -> None:
        try:
            command = next(job.steps) if run is None else job.steps.send(run)
        except StopIteration as stop:
            job.result = stop.value
            done.append(job)
            return
        except Exception as exc:  # a bug of the harness: reported with its case, not lost
            job.result = exc
            done.append(job)
            return
        running.append(_start(job, command))

    try:
        while waiting or running:
            while waiting and sum(not child.asleep() for child in running) < workers:
                advance(waiting.popleft(), None)
            finished = [(child, run) for child in running if (run := child.poll(timeout))]
            for child, run in finished:
                running.remove(child)
                child.job.runs.append(run)
                advance(child.job, run)
            if not finished:
                time.sleep(0.02)
    finally:  # interrupted (a timeout, Ctrl-C): no child outlives the run, not even a FIFO's
        for child in running:
            _kill_group(child.process.pid)
            child.process.wait()
    return done
