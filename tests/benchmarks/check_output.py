"""CI check of the harness: a seeded corpus, a faithful import, and run.py's JSON lines.

``python tests/benchmarks/check_output.py`` exits non-zero, naming the problem, when the
generator is not deterministic, the imported text moves a planned offset, or ``run.py --size S
--repeat 1`` fails or prints anything on stdout that is not a well-formed result line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.benchmarks.build import CorpusMismatchError, build_project  # noqa: E402
from tests.benchmarks.codebook_plan import MAX_SPAN, MIN_SPAN  # noqa: E402
from tests.benchmarks.corpus import SIZES, generate, load  # noqa: E402
from tests.benchmarks.ops import OPS  # noqa: E402

_NUMBERS = ("median_ms", "min_ms", "max_ms")


def check_corpus() -> list[str]:
    """Generate size S twice, compare the bytes, and build a project from it."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="tillit-bench-check-") as tmp:
        first, second = Path(tmp) / "a", Path(tmp) / "b"
        generate(SIZES["S"], first)
        generate(SIZES["S"], second)
        files = sorted(path.relative_to(first) for path in first.rglob("*") if path.is_file())
        others = sorted(path.relative_to(second) for path in second.rglob("*") if path.is_file())
        if files != others:
            problems.append("two generations of size S wrote different files")
        problems.extend(
            f"{name}: two generations of size S differ"
            for name in files
            if (second / name).is_file()
            and (first / name).read_bytes() != (second / name).read_bytes()
        )
        corpus = load(first)
        lengths = {document.file: document.characters for document in corpus.documents}
        for coding in corpus.codings:
            if not (
                MIN_SPAN <= coding.end - coding.start <= MAX_SPAN
                and 0 <= coding.start < coding.end <= lengths[coding.document]
            ):
                problems.append(f"a planned coding is out of bounds: {coding}")
                break
        try:
            build_project(corpus, Path(tmp) / "check.tillit")  # checks every imported text
        except CorpusMismatchError as exc:
            problems.append(f"the S project does not hold the plan: {exc}")
    return problems


def check_run() -> list[str]:
    """Run ``run.py --size S --repeat 1`` and check every line it prints on stdout."""
    command = [sys.executable, str(Path(__file__).with_name("run.py")), "--size", "S"]
    done = subprocess.run(
        [*command, "--repeat", "1"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        return [f"run.py exited with {done.returncode}:\n{done.stderr[-3000:]}"]
    problems: list[str] = []
    seen: list[str] = []
    for number, line in enumerate(done.stdout.splitlines(), 1):
        try:
            result = json.loads(line)
        except json.JSONDecodeError:
            problems.append(f"stdout line {number} is not JSON: {line[:200]!r}")
            continue
        problems.extend(f"line {number}: {problem}" for problem in _check_line(result))
        seen.append(str(result.get("op")))
    expected = [op.name for op in OPS]
    if seen != expected:
        problems.append(f"ops printed {seen}, expected {expected}")
    return problems


def _check_line(result: object) -> list[str]:
    if not isinstance(result, dict):
        return ["not a JSON object"]
    problems = []
    if result.get("size") != "S":
        problems.append(f"size is {result.get('size')!r}, not 'S'")
    if result.get("runs") != 1:
        problems.append(f"runs is {result.get('runs')!r}, not 1")
    numbers = [result.get(key) for key in _NUMBERS]
    if not all(isinstance(value, int | float) and value >= 0 for value in numbers):
        problems.append(f"timings are not non-negative numbers: {numbers}")
    elif not numbers[1] <= numbers[0] <= numbers[2]:  # type: ignore[operator]
        problems.append(f"min <= median <= max does not hold: {numbers}")
    if "reference" in result and not {"reference_median_ms", "ratio"} <= result.keys():
        problems.append("a reference without reference_median_ms and ratio")
    counts = {key: value for key, value in result.items() if key not in {*_NUMBERS, "op", "size"}}
    if not any(
        isinstance(value, int) and value > 0 for key, value in counts.items() if key != "runs"
    ):
        problems.append("no count shows that the op did its work")
    return problems


def main() -> int:
    problems = check_corpus() + check_run()
    for problem in problems:
        print(f"check_output: {problem}", file=sys.stderr)
    if not problems:
        print("check_output: corpus and run.py output are fine", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
