"""Run Tillit's benchmarks and print one JSON object per op on stdout (see BENCH.md)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.benchmarks import corpus as corpus_module  # noqa: E402
from tests.benchmarks.build import ensure_project  # noqa: E402
from tests.benchmarks.corpus import SIZES, progress  # noqa: E402
from tests.benchmarks.ops import OPS, Result, Stopwatch, warm_up  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    names = [op.name for op in OPS]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="M", help="corpus size (M)")
    parser.add_argument(
        "--only", nargs="+", action="extend", choices=names, metavar="OP",
        help=f"run only these ops: {', '.join(names)}",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, metavar="N", help="timed runs per op (default: per op, 3-20)"
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = _stdout_for_results()
    corpus = corpus_module.ensure(args.size)
    project = ensure_project(corpus)
    progress("warming up")
    warm_up(corpus)
    wanted = set(args.only or ()) | {op.reference for op in OPS if op.name in (args.only or ())}
    medians: dict[str, float] = {}
    for op in OPS:
        if args.only and op.name not in wanted:
            continue
        repeat = args.repeat or op.default_repeat(args.size)
        progress(f"{op.name}: {repeat} run{'s' if repeat != 1 else ''}")
        watch = Stopwatch()
        counts = op.run(corpus, project, repeat, watch)
        line = Result(op.name, args.size, watch.times_ns, counts).line()
        medians[op.name] = statistics.median(watch.times_ns) / 1e6
        if op.reference is not None and op.reference in medians:
            reference = medians[op.reference]
            line |= {
                "reference": op.reference,
                "reference_median_ms": round(reference, 3),
                "ratio": round(medians[op.name] / reference, 3),
            }
        print(json.dumps(line, ensure_ascii=False), file=results, flush=True)
    return 0


def _stdout_for_results() -> TextIO:
    """A private handle on stdout, with fd 1 and ``sys.stdout`` pointed at stderr.

    Whatever else writes to stdout (a library's print, a C extension) then lands on stderr,
    so that stdout carries the JSON lines and nothing else.
    """
    sys.stdout.flush()
    results = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return results


if __name__ == "__main__":
    sys.exit(main())
