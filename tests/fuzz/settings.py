"""The size, seed, limits and folders of a fuzzing run, read from the environment.

``TILLIT_FUZZ_CASES`` (command-line cases, spread over the targets), ``TILLIT_FUZZ_INPROCESS``
(reader calls), ``TILLIT_FUZZ_SEED`` (every input follows from it), ``TILLIT_FUZZ_WORKERS``
(children run at once), ``TILLIT_FUZZ_ONLY`` (comma-separated case ids, to replay some) and
``TILLIT_FUZZ_FAILURES`` (where failing inputs are kept).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


REPOSITORY: Final = Path(__file__).resolve().parents[2]
CLI_CASES: Final = _int("TILLIT_FUZZ_CASES", 66)
INPROCESS_CASES: Final = _int("TILLIT_FUZZ_INPROCESS", 3000)
SEED: Final = _int("TILLIT_FUZZ_SEED", 20260312)
WORKERS: Final = max(1, _int("TILLIT_FUZZ_WORKERS", min(2, os.cpu_count() or 1)))
ONLY: Final = frozenset(
    part.strip() for part in os.environ.get("TILLIT_FUZZ_ONLY", "").split(",") if part.strip()
)
FAILURES: Final = Path(os.environ.get("TILLIT_FUZZ_FAILURES", "/tmp/tillit-fuzz-failures"))

#: A command that has not answered by then is taken to hang.
CLI_TIMEOUT: Final = 30.0
#: The address space of every child (``RLIMIT_AS``); a normal import peaks near 100 MB RSS.
MEMORY_CAP: Final = 1024**3
#: No child writes a file larger than this (``RLIMIT_FSIZE``): a bomb must not fill the disk.
FILE_SIZE_CAP: Final = 3 * 1024**3
#: The longest one reader call may take in the in-process layer.
CALL_BOUND: Final = 10.0


def failure_folder(layer: str) -> Path:
    """Where the failing inputs of ``layer`` ("cli" or "inprocess") are kept for this seed."""
    return FAILURES / f"seed-{SEED}" / layer


def replay_hint(case_id: str) -> str:
    """The environment that reruns exactly one case."""
    return f"TILLIT_FUZZ_SEED={SEED} TILLIT_FUZZ_ONLY={case_id}"
