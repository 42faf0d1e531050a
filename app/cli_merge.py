"""The command line's ``merge``: bring coders' projects into a project (see CLI.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli_output import err, out, progress, write_json
from coding.project import Project
from coding.project_merge import MergeProjects, prepare_merge, preview_merge


def add_merge_command(sub: Any) -> None:
    """Add ``merge PROJECT OTHER.tillit... [--dry-run] [--json]`` to the sub-commands."""
    merge = sub.add_parser(
        "merge",
        help="merge coders' projects (documents, codes, codings, memos, cases) into the project",
        description=(
            "Bring coders' copies into PROJECT as one step, after a backup. Documents match by "
            "UUID, then identical text, then name; codes by the codebook merge's proposal "
            "(see codebook merge --dry-run); a coding already here is not added again."
        ),
    )
    merge.add_argument("project", type=Path)
    merge.add_argument("sources", type=Path, nargs="+", metavar="OTHER.tillit")
    merge.add_argument(
        "--dry-run", action="store_true", help="say what the merge would do, change nothing"
    )
    merge.add_argument("--json", action="store_true")
    merge.set_defaults(handler=_merge)


def _merge(args: argparse.Namespace) -> int:
    with Project.open_verified(args.project) as project:
        plan = prepare_merge(
            project, args.sources, lambda d, t: progress(d, t, "reading the projects")
        )
        if args.dry_run:
            report = preview_merge(project, plan)
        else:
            command = MergeProjects(project, plan, lambda d, t: progress(d, t, "merging"))
            command.do()
            assert command.report is not None
            report = command.report
    progress(0, 0, "")
    if args.json:
        write_json(report.to_json())
    else:
        for line in report.lines():
            out(line)
    outcome = "Dry run: the project is unchanged." if args.dry_run else "Merged."
    err(f"{outcome} {report.summary()}.")
    return 0
