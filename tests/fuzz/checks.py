"""What every case must hold to: the command line's exit contract, messages in plain words, the
project untouched by a failure, nothing left behind; and how failures are grouped and shown."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# A Python exception's name or repr, a traceback, or an OS error's str() leaking into a message.
PYTHON_TEXT = re.compile(
    r"Traceback \(most recent call last\)|Fatal Python error|<class '|object at 0x"
    r"|\[Errno -?\d+\]|Error -?\d+ while |\b[a-z_]\w*\.error\b\s*[(:]"
    r"|\b(?:[A-Za-z_]\w*\.)*(?:[A-Z]\w*(?:Error|Exception|Warning)|BadZipFile|BadZipfile"
    r"|StopIteration|KeyboardInterrupt|SystemExit)\b\s*[(:]"
)


@dataclass(frozen=True)
class Problem:
    """One broken promise: ``kind`` groups it (with the exception type for a traceback)."""

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def message_problems(message: str) -> list[Problem]:
    """What is wrong with a sentence meant for the researcher."""
    problems = []
    if not message.strip():
        problems.append(Problem("message", "empty"))
    elif len(message.strip().splitlines()) != 1:
        problems.append(Problem("message", f"{len(message.splitlines())} lines: {message!r:.200}"))
    found = PYTHON_TEXT.search(message)
    if found:
        problems.append(Problem("message", f"Python text “{found[0]}” in {message!r:.200}"))
    return problems


def traceback_summary(text: str) -> str:
    """The exception line of a traceback and the innermost frame of Tillit's own code."""
    lines = text.rstrip().splitlines()
    frames = [n for n, line in enumerate(lines) if line.startswith('  File "')]
    exception = "(no exception line)"
    for line in lines[frames[-1] + 1 :] if frames else lines:
        if line and not line.startswith(" "):  # after the code and ^^^ lines of the frame
            exception = line.strip()
            break
    own = [
        lines[n].strip() for n in frames if re.search(r"/(storage|coding|app)/|main\.py", lines[n])
    ]
    where = own[-1] if own else (lines[frames[-1]].strip() if frames else "")
    location = re.sub(r'^File ".*?/((?:storage|coding|app)/[^"]+|main\.py)"', r"\1", where)
    return f"{exception[:300]} [{location}]" if location else exception[:300]


def exception_type(detail: str) -> str:
    """The exception class at the start of a traceback summary ("MemoryError", "KeyError")."""
    match = re.match(r"([\w.]+)(?::|\s|$)", detail)
    return match[1] if match else detail[:40]


_HASHED = 64 * 1024 * 1024  # above this a file is known by its size, inode and time


def digest(path: Path) -> str | None:
    """The SHA-256 of a regular file (links not followed); ``None`` for anything else."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return "missing"
    if not stat.S_ISREG(info.st_mode):
        return None
    if info.st_size > _HASHED:  # a sparse giant: reading it would cost more than the case
        return f"{info.st_size}:{info.st_ino}:{info.st_mtime_ns}"
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def listing(folder: Path) -> set[str]:
    return set(os.listdir(folder)) if folder.is_dir() else set()


def leftovers(folder: Path, before: set[str], *, allowed: Iterable[str] = ()) -> list[Problem]:
    """Files that appeared in ``folder``, other than backups (and the names ``allowed``)."""
    fine = set(allowed)
    new = sorted(
        name
        for name in listing(folder) - before
        if name not in fine and not name.endswith(" backups") and not name.endswith(".bak")
    )
    return [Problem("left behind", ", ".join(new))] if new else []


def temporary_leftovers(folder: Path) -> list[Problem]:
    found = sorted(listing(folder))
    return [Problem("temporary files left", ", ".join(found)[:300])] if found else []


def group_key(target: str, problem: Problem) -> tuple[str, str, str]:
    detail = exception_type(problem.detail) if problem.kind == "traceback" else ""
    return target, problem.kind, detail


def report(failures: list[tuple[str, str, list[Problem], Path | None]], title: str) -> str:
    """Failures grouped by target, kind and exception type, each group with a reproduction.

    ``failures`` holds (target, case id, problems, saved folder).
    """
    groups: dict[tuple[str, str, str], list[tuple[str, Problem, Path | None]]] = defaultdict(list)
    for target, case_id, problems, saved in failures:
        for problem in problems[:1]:  # the first problem is the one that matters
            groups[group_key(target, problem)].append((case_id, problem, saved))
    lines = [f"{title}: {len(failures)} failing case(s) in {len(groups)} group(s)"]
    for (target, kind, kind_detail), members in sorted(groups.items()):
        case_id, problem, saved = members[0]
        label = f"{target} / {kind}" + (f" / {kind_detail}" if kind_detail else "")
        lines.append(f"- {label}: {len(members)} case(s), e.g. {case_id}")
        lines.append(f"    {problem.detail[:400]}")
        if saved is not None:
            lines.append(f"    input kept in {saved}")
        others = ", ".join(member[0] for member in members[1:6])
        if others:
            lines.append(f"    also: {others}{' …' if len(members) > 6 else ''}")
    return "\n".join(lines)
