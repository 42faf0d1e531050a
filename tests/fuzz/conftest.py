"""The fuzzing session: the seeds, made once, with the seed project made on the command line."""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.fuzz import seeds
from tests.fuzz.cli_cases import Session
from tests.fuzz.cli_runner import Job, Run, run_jobs


def _build(folder: Path) -> Generator[list[str], Run, tuple[int, int, int]]:
    peak = 0
    for argv in seeds.tillit_steps(folder):
        run = yield argv
        if run.returncode != 0:
            raise RuntimeError(f"making the seed project failed at {argv}: {run.error_text}")
        if argv[0] == "import":
            peak = run.maxrss_kib
    documents = yield ["docs", str(folder / seeds.PROJECT), "--json"]
    codings = yield ["codings", str(folder / seeds.PROJECT), "--json"]
    return len(json.loads(documents.stdout)), len(json.loads(codings.stdout)), peak


@pytest.fixture(scope="session")
def fuzz_session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    """The seeds folder with every seed, the project and Tillit's own exports of it."""
    folder = tmp_path_factory.mktemp("fuzz-seeds")
    seeds.write_files(folder)
    scratch = tmp_path_factory.mktemp("fuzz-seed-scratch")
    env = os.environ | {"TILLIT_CACHE": str(scratch), "TMPDIR": str(scratch)}
    (job,) = run_jobs([Job("seed project", _build(folder), env)], workers=1)
    if isinstance(job.result, BaseException):
        raise job.result
    documents, codings, peak = job.result
    return Session(folder, documents, codings, peak)
