"""Command-line cases: each input through the command its target names, checked against the
exit contract, with the project's bytes compared and a failing input kept for replay."""

from __future__ import annotations

import json
import os
import random
import shlex
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.fuzz import seeds, settings
from tests.fuzz.checks import (
    PYTHON_TEXT,
    Problem,
    digest,
    leftovers,
    listing,
    temporary_leftovers,
    traceback_summary,
)
from tests.fuzz.cli_runner import Job, KillAfter, Run, Steps
from tests.fuzz.plan import Case, materialise
from tests.fuzz.seeds import PROJECT, PROJECT_DOCUMENT, PROJECT_MATCH

HUGE = 16 * 1024 * 1024  # the largest chunk a mutation adds on the command line


@dataclass(frozen=True)
class Session:
    """What the seed build left: the seeds folder and how many documents its project holds."""

    seeds: Path
    documents: int
    codings: int
    baseline_kib: int  # peak memory of importing the seed transcripts


@dataclass
class Outcome:
    case: Case
    problems: list[Problem]
    runs: list[Run]
    saved: Path | None = None


def exit_problems(run: Run) -> list[Problem]:
    """The exit contract: 0, or 1 with one plain line on stderr; never a traceback or 2."""
    text = run.error_text
    if run.hung:
        return [Problem("hang", f"no answer in {settings.CLI_TIMEOUT:g} s")]
    if "Traceback (most recent call last)" in text or "Fatal Python error" in text:
        return [Problem("traceback", traceback_summary(text))]
    if run.returncode is not None and run.returncode < 0:
        return [Problem("killed", f"signal {-run.returncode}; stderr {text[-300:]!r}")]
    if run.returncode == 2:
        return [Problem("usage", f"exit status 2: {text.strip()[:300]}")]
    if run.returncode not in (0, 1):
        return [Problem("exit status", f"{run.returncode}: {text.strip()[:300]}")]
    if run.returncode == 0:
        return []
    lines = text.strip("\n").splitlines()
    if len(lines) != 1:
        return [Problem("stderr", f"{len(lines)} lines: {text[:300]!r}")]
    if not lines[0].startswith("tillit: ") or not lines[0][8:].strip():
        return [Problem("stderr", f"not a Tillit message: {lines[0][:300]!r}")]
    found = PYTHON_TEXT.search(lines[0])
    if found:
        return [Problem("stderr", f"Python text “{found[0]}” in {lines[0][:300]!r}")]
    return []


def naming_problems(run: Run, *paths: Path) -> list[Problem]:
    """A refusal names the file it is about, as the researcher gave it (not where a link
    leads): the input or the project."""
    if run.returncode != 1 or exit_problems(run):
        return []
    names = [unicodedata.normalize("NFC", path.name) for path in paths]
    if not all(name.isprintable() for name in names):
        return []  # a line break or an undecodable byte: stderr cannot show the name as it is
    said = unicodedata.normalize("NFC", run.error_text)  # a name in NFD is said as given
    if any(name in said for name in names):
        return []
    return [Problem("message", f"names none of {names}: {run.error_text.strip()[:300]!r}")]


def _json(run: Run) -> object:
    try:
        return json.loads(run.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _opens(project: Path, expected: int | None = None) -> Steps:
    """``docs --json`` on ``project`` works (and lists ``expected`` documents)."""
    run = yield ["docs", str(project), "--json"]
    documents = _json(run)
    if run.returncode != 0 or not isinstance(documents, list):
        return [Problem("does not open", f"docs --json: {run.returncode}, {run.error_text!r:.300}")]
    if expected is not None and len(documents) != expected:
        return [Problem("wrong result", f"{len(documents)} documents, expected {expected}")]
    return []


class _Folders:
    """A case's folder: ``input/`` (its file), ``project/`` (what it changes), ``tmp/``."""

    def __init__(self, root: Path, case: Case) -> None:
        self.root = root / case.id
        self.input = self.root / "input"
        self.project = self.root / "project"
        self.tmp = self.root / "tmp"
        for folder in (self.input, self.project, self.tmp, self.root / "cache"):
            folder.mkdir(parents=True)

    def env(self) -> dict[str, str]:
        return os.environ | {"TILLIT_CACHE": str(self.root / "cache"), "TMPDIR": str(self.tmp)}


def _import(case: Case, session: Session, folders: _Folders, path: Path) -> Steps:
    project = folders.project / PROJECT
    shutil.copyfile(session.seeds / PROJECT, project)
    # Every fifth case brings a sound file along: a batch lands whole or not at all.
    extra = [str(session.seeds / "intervju.md")] if case.index % 5 == 4 else []
    before, names, source = digest(project), listing(folders.project), digest(path)
    run = yield ["import", str(project), str(path), *extra]
    problems = exit_problems(run) + naming_problems(run, path, project)
    problems += leftovers(folders.project, names)
    problems += temporary_leftovers(folders.tmp)
    if digest(path) != source:
        problems.append(Problem("changed", "the input file was changed"))
    if run.returncode == 0 and not run.hung:
        problems += yield from _opens(project, session.documents + 1 + len(extra))
    elif digest(project) != before:
        problems.append(Problem("changed", "the project changed although the import failed"))
    return problems


def _codebook_merge(case: Case, session: Session, folders: _Folders, path: Path) -> Steps:
    project = folders.project / PROJECT
    shutil.copyfile(session.seeds / PROJECT, project)
    flags = [["--json"], [], ["--dry-run", "--json"]][case.index % 3]
    before, names, source = digest(project), listing(folders.project), digest(path)
    input_names = listing(folders.input)
    run = yield ["codebook", "merge", str(project), str(path), *flags]
    problems = exit_problems(run) + naming_problems(run, path, project)
    problems += leftovers(folders.project, names)
    problems += temporary_leftovers(folders.tmp) + leftovers(folders.input, input_names)
    if digest(path) != source:
        problems.append(Problem("changed", "the codebook's file was changed"))
    succeeded = run.returncode == 0 and not run.hung
    if succeeded and "--json" in flags and not isinstance(_json(run), dict):
        problems.append(Problem("wrong result", f"--json printed {run.stdout[:200]!r}"))
    if (not succeeded or "--dry-run" in flags) and digest(project) != before:
        problems.append(Problem("changed", "the project changed although nothing was merged"))
    if succeeded:
        problems += yield from _opens(project, session.documents)
    return problems


def _refi_import(case: Case, session: Session, folders: _Folders, path: Path) -> Steps:
    del session
    project = folders.project / "ny.tillit"
    flags = ["--json"] if case.index % 2 else []
    run = yield ["refi", "import", str(path), str(project), *flags]
    problems = exit_problems(run) + naming_problems(run, path, project)
    problems += temporary_leftovers(folders.tmp)
    if run.returncode == 0 and not run.hung:
        problems += leftovers(folders.project, set(), allowed=[project.name])
        problems += yield from _opens(project)
    else:
        problems += leftovers(folders.project, set())
    return problems


def _project_command(case: Case, session: Session, folders: _Folders, path: Path) -> Steps:
    """A read or an edit on the damaged project itself."""
    del session
    argv = [
        ["docs", str(path), "--json"],
        ["codings", str(path), "--json"],
        ["code", str(path), PROJECT_DOCUMENT, "Fuzz/Ny kode", "--match", PROJECT_MATCH],
        ["codes", str(path), "--json"],
    ][case.index % 4]
    before, names = digest(path), listing(folders.input)
    run = yield argv
    problems = exit_problems(run) + naming_problems(run, path)
    problems += leftovers(folders.input, names)
    problems += temporary_leftovers(folders.tmp)
    if run.returncode == 0 and not run.hung:
        if "--json" in argv and _json(run) is None:
            problems.append(Problem("wrong result", f"--json printed {run.stdout[:200]!r}"))
        if argv[0] == "code":
            problems += yield from _opens(path)
    elif digest(path) != before:
        problems.append(Problem("changed", "the project file changed although the command failed"))
    return problems


def _killed(case: Case, session: Session, folders: _Folders, path: Path) -> Steps:
    """An import or a coding killed at a random moment: the project opens afterwards, holds
    all of the edit or none of it, and everything the command acknowledged."""
    names = listing(folders.input)
    delay = random.Random(case.number).uniform(0.3, 5.0)
    if case.mutation == "kill_import":
        files = [str(session.seeds / name) for name in ("intervju-utf8.txt", "teams.vtt")]
        run = yield KillAfter(["import", str(path), *files], delay)
        acknowledged = "Imported 2 document(s)" in run.error_text
        after = yield ["docs", str(path), "--json"]
        counted, whole = session.documents, session.documents + 2
    else:
        argv = ["code", str(path), PROJECT_DOCUMENT, "Fuzz/Drept", "--match", "P1", "--all"]
        run = yield KillAfter(argv, delay)
        acknowledged = bool(run.stdout.strip())
        after = yield ["codings", str(path), "--json"]
        counted = session.codings
        whole = counted + (seeds.INTERVIEW + seeds.EMOJI).count("P1")
    # Opening the project after the kill folds in its log and takes over its lock: neither stays.
    problems = ([] if run.killed else exit_problems(run)) + leftovers(folders.input, names)
    found = _json(after)
    if after.returncode != 0 or not isinstance(found, list):
        return [*problems, Problem("does not open", f"after the kill: {after.error_text!r:.300}")]
    if len(found) not in (counted, whole) or (acknowledged and len(found) != whole):
        detail = f"{len(found)} rows after the kill at {delay:.2f} s; {counted} or {whole} expected"
        problems.append(
            Problem("lost or half an edit", detail + f" (acknowledged: {acknowledged})")
        )
    printed = set(run.stdout.decode("utf-8", "replace").split())
    missing = printed - {row.get("uuid") for row in found if isinstance(row, dict)}
    if case.mutation == "kill_code" and missing:
        problems.append(Problem("lost or half an edit", f"acknowledged codings gone: {missing}"))
    return problems


COMMANDS: dict[str, Callable[[Case, Session, _Folders, Path], Steps]] = {
    "txt": _import, "md": _import, "docx": _import, "odt": _import, "vtt": _import,
    "srt": _import, "special": _import, "qdc": _codebook_merge, "qdpx-refi": _refi_import,
    "qdpx-codebook": _codebook_merge, "tillit": _project_command,
    "tillit-codebook": _codebook_merge, "sigkill": _killed,
}  # fmt: skip


def job(case: Case, session: Session, root: Path) -> Job:
    """The job of one case; its input is written only when the job starts."""
    folders = _Folders(root, case)

    def steps() -> Steps:
        path = materialise(case, session.seeds, folders.input, HUGE)
        return (yield from COMMANDS[case.target](case, session, folders, path))

    return Job(case.id, steps(), folders.env())


def keep(outcome: Outcome, session: Session, root: Path) -> Path:
    """Write the failing case again under the failures folder, with what it did and how to
    replay it; returns that folder. Huge inputs are not kept (replay makes them again)."""
    case = outcome.case
    saved = settings.failure_folder("cli") / case.id
    shutil.rmtree(saved, ignore_errors=True)
    (saved / "input").mkdir(parents=True)
    (saved / "project").mkdir()
    if case.mutation != "near_limit_text":
        materialise(case, session.seeds, saved / "input", HUGE)
    if case.target not in ("tillit", "qdpx-refi"):
        shutil.copyfile(session.seeds / PROJECT, saved / "project" / PROJECT)
    here = str(root / case.id)
    commands = [[part.replace(here, str(saved)) for part in run.argv] for run in outcome.runs]
    record = {
        "case": case.id,
        "mutation": case.mutation,
        "seed file": case.seed_name,
        "case seed": case.number,
        "replay": f"{settings.replay_hint(case.id)} pytest tests/fuzz/test_cli.py",
        "problems": [str(problem) for problem in outcome.problems],
        "runs": [
            {
                "argv": command,
                "returncode": run.returncode,
                "seconds": round(run.seconds, 2),
                "maxrss_kib": run.maxrss_kib,
                "stderr": run.error_text[-4000:],
            }
            for command, run in zip(commands, outcome.runs, strict=True)
        ],
    }
    (saved / "case.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), "utf-8")
    script = "\n".join(f"python main.py {shlex.join(command)}" for command in commands[:1])
    (saved / "command.sh").write_text(f"cd {shlex.quote(str(settings.REPOSITORY))}\n{script}\n")
    return saved
