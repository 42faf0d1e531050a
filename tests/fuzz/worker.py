"""The in-process layer's worker: calls the readers directly on one mutated input after another.

Run as ``python -m tests.fuzz.worker SPEC.json`` by :mod:`tests.fuzz.inprocess`. Each call may
return or raise one of the project's own user errors, within :data:`settings.CALL_BOUND`;
anything else is a failure, whose input is written again under the failures folder. One JSON
line on the original stdout announces each case and one reports it, so that the parent can
name the case that hangs or kills the process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
import traceback
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coding import queries
from coding.codebook_exchange import read_codebook_file
from coding.errors import UserError
from coding.importing import read_files
from coding.project import Project
from coding.refi_import import import_project
from storage.formats.parsed import ParsedDocument
from storage.formats.qdc import read_qdc
from storage.formats.qde import parse_project
from storage.formats.qdpx import Archive, read_qdpx_codebook
from storage.formats.transcript import read_transcript
from tests.fuzz import settings
from tests.fuzz.checks import Problem, digest, leftovers, listing, message_problems
from tests.fuzz.plan import TARGETS, Case, case_at, materialise

HUGE = 1024 * 1024  # smaller than on the command line: thousands of calls must stay quick


class OvertimeError(BaseException):
    """Raised by the alarm: the call took longer than the bound (a BaseException, so that a
    reader's ``except Exception`` cannot swallow it)."""


def _alarm(_signum: int, _frame: object) -> None:
    raise OvertimeError


def document_problems(document: ParsedDocument) -> list[Problem]:
    """The promises of ``ParsedDocument``: NFC text with ``\\n`` ends, no trailing whitespace,
    units in order inside the text, not overlapping."""
    text = document.text
    problems = []
    if "\r" in text or not unicodedata.is_normalized("NFC", text) or text != text.rstrip():
        problems.append(Problem("broken result", "text not NFC, with \\r or trailing space"))
    if not text.strip():
        problems.append(Problem("broken result", "an empty document was returned"))
    previous = 0
    for unit in document.paragraphs:
        if not previous <= unit.start <= unit.end <= len(text):
            problems.append(Problem("broken result", f"unit {unit} out of order or range"))
            break
        previous = unit.end
    return problems


def _transcript(case: Case, path: Path, out: Path) -> list[Problem]:
    del out
    if case.index % 3 == 2:
        found = read_files([path])
        return [problem for document in found for problem in document_problems(document)]
    return document_problems(read_transcript(path))


def _codebook(case: Case, path: Path, out: Path) -> list[Problem]:
    del out
    if case.target == "qdc" and case.index % 2:
        read_qdc(path)
    else:
        read_codebook_file(path)
    return []


def _refi(case: Case, path: Path, out: Path) -> list[Problem]:
    if case.index % 3 == 1:
        with Archive(path) as archive:
            parse_project(archive.read(archive.project_entry()), path.name)
        return []
    if case.index % 3 == 2:
        read_qdpx_codebook(path)
        return []
    made = out / "ny.tillit"
    try:
        import_project(path, made)
    except BaseException:
        if listing(out):
            return [Problem("left behind", ", ".join(sorted(listing(out))))]
        raise
    with Project.open(made, backup=False) as project:
        queries.documents(project)
    return []


def _project(case: Case, path: Path, out: Path) -> list[Problem]:
    del out
    if case.target == "tillit-codebook" or case.index % 2:
        read_codebook_file(path)
        return []
    with Project.open(path) as project:
        queries.documents(project)
        queries.codings(project)
        queries.code_tree(project)
    return []


CALLS: dict[str, Callable[[Case, Path, Path], list[Problem]]] = {
    "txt": _transcript, "md": _transcript, "docx": _transcript, "odt": _transcript,
    "vtt": _transcript, "srt": _transcript, "special": _transcript, "qdc": _codebook,
    "qdpx-codebook": _codebook, "qdpx-refi": _refi, "tillit": _project,
    "tillit-codebook": _project,
}  # fmt: skip


def run_case(case: Case, seeds: Path, scratch: Path, bound: float) -> tuple[str, list[Problem]]:
    """("ok" | "refused" | "failed", problems) of one call on the case's input."""
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "input").mkdir(parents=True)
    (scratch / "out").mkdir()
    try:
        path = materialise(case, seeds, scratch / "input", HUGE)
    except Exception as exc:  # a bug of the harness, reported with its case
        return "failed", [Problem("harness", _summary(exc))]
    before, names = digest(path), listing(scratch / "input")
    signal.setitimer(signal.ITIMER_REAL, bound)
    try:
        problems = CALLS[case.target](case, path, scratch / "out")
        status = "ok"
    except OvertimeError:
        return "failed", [Problem("slow", f"no answer in {bound:g} s")]
    except UserError as exc:
        status, problems = "refused", message_problems(str(exc))
        if digest(path) != before:
            problems.append(Problem("changed", "the input changed although it was refused"))
    except BaseException as exc:  # anything else is a bug the fuzzing is here to find
        return "failed", [Problem("traceback", _summary(exc))]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    problems += leftovers(scratch / "input", names)
    return ("failed" if problems else status), problems


def _summary(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if any(part in f.filename for part in ("/storage/", "/coding/"))]
    chosen = own or frames
    where = ""
    if chosen:
        frame = chosen[-1]
        short = frame.filename.split("/work/main/")[-1].split("site-packages/")[-1]
        where = f" [{short}:{frame.lineno} in {frame.name}]"
    message = str(exc).replace("\n", " ")[:300]
    return f"{type(exc).__name__}: {message}{where}"


def keep(case: Case, seeds: Path, problems: list[Problem]) -> Path:
    """Write the case's input again in the failures folder, beside what went wrong."""
    saved = settings.failure_folder("inprocess") / case.id
    shutil.rmtree(saved, ignore_errors=True)
    saved.mkdir(parents=True)
    materialise(case, seeds, saved, HUGE)
    record = {
        "case": case.id,
        "mutation": case.mutation,
        "seed file": case.seed_name,
        "reader": CALLS[case.target].__name__,
        "replay": f"{settings.replay_hint(case.id)} pytest tests/fuzz/test_inprocess.py",
        "problems": [str(problem) for problem in problems],
    }
    (saved / "case.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), "utf-8")
    return saved


def main(spec_path: str) -> int:
    spec: dict[str, Any] = json.loads(Path(spec_path).read_text("utf-8"))
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # whatever a library prints goes to stderr, not into the protocol
    signal.signal(signal.SIGALRM, _alarm)
    seeds, scratch = Path(spec["seeds"]), Path(spec["scratch"])
    for target, index in spec["cases"]:
        case = case_at(TARGETS[target], "inproc", index)
        protocol.write(json.dumps({"start": case.id}) + "\n")
        started = time.monotonic()
        status, problems = run_case(case, seeds, scratch, spec["bound"])
        report: dict[str, Any] = {
            "done": case.id,
            "status": status,
            "seconds": round(time.monotonic() - started, 3),
            "problems": [[problem.kind, problem.detail] for problem in problems],
        }
        if problems:
            try:
                report["saved"] = str(keep(case, seeds, problems))
            except Exception as exc:  # the failure still counts; only its copy is missing
                report["problems"].append(["harness", f"keeping the input failed: {exc!r}"])
        protocol.write(json.dumps(report) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
