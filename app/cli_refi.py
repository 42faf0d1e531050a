"""The command line's exchange of whole projects with other programs: ``refi export`` and
``refi import`` (REFI-QDA ``.qdpx``; see CLI.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli_output import err, progress, write_json
from coding.errors import CodingError
from coding.project import LANGUAGES, Project
from coding.refi_export import export_project
from coding.refi_import import ImportReport, import_project


def add_refi_command(sub: Any) -> None:
    """Add ``refi export PROJECT OUT.qdpx`` and ``refi import IN.qdpx PROJECT.tillit`` to the
    sub-commands ``sub`` (what ``add_subparsers`` returned)."""
    refi = sub.add_parser(
        "refi", help="exchange whole projects with NVivo, ATLAS.ti, MAXQDA (REFI-QDA .qdpx)"
    )
    actions = refi.add_subparsers(dest="refi_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the whole project to a .qdpx file")
    export.add_argument("project", type=Path)
    export.add_argument("out", type=Path, help="OUT.qdpx")
    export.add_argument("--json", action="store_true", help="counts and warnings as JSON")
    export.set_defaults(handler=_export)
    imp = actions.add_parser("import", help="make a new project of a .qdpx file")
    imp.add_argument("qdpx", type=Path, help="IN.qdpx")
    imp.add_argument("project", type=Path, help="PROJECT.tillit (must not exist)")
    imp.add_argument("--coder", help="the current coder (default: the file's last user)")
    imp.add_argument(
        "--language", choices=LANGUAGES, help="where the file does not say (default: nb)"
    )
    imp.add_argument("--json", action="store_true", help="the report as JSON")
    imp.set_defaults(handler=_import)


def _export(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() != ".qdpx":
        raise CodingError(f"“{args.out.name}”: name the file OUT.qdpx.")
    with Project.open_verified(args.project) as project:
        result = export_project(project, args.out, progress)
    progress(0, 0, "")
    err(f"Wrote {result.summary()} to {args.out}")
    for warning in result.warnings:
        err(f"warning: {warning}")
    if args.json:
        write_json({"file": str(args.out), "counts": result.counts, "warnings": result.warnings})
    return 0


def _import(args: argparse.Namespace) -> int:
    report = import_project(
        args.qdpx, args.project, coder=args.coder, language=args.language, progress=progress
    )
    progress(0, 0, "")
    _print_report(report)
    if args.json:
        write_json(report.to_json())
    return 0


def _print_report(report: ImportReport) -> None:
    err(f"Made {report.project_path}")
    for line in report.summary():
        err(line)
    if report.unplaced:
        err("Codings that could not be placed:")
    for item in report.unplaced:
        where = f" [{item.start}:{item.end}]" if item.start is not None else ""
        text = f" “{item.text[:60]}”" if item.text else ""
        err(f"  {item.document}{where}, {item.code}, {item.coder}{text}: {item.reason}")
