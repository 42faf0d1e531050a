"""The command line's exports (Word, Excel, CSV) and agreement statistics (see CLI.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli_output import err, out, progress, write_json
from coding.agreement import AgreementReport, agreement, report_json
from coding.annotated import export_annotated
from coding.errors import CodingError, NotFoundError
from coding.project import Project, resolve_code, resolve_document
from coding.reports import ReportOptions, export_excerpts
from coding.retrieval import QueryFilter
from coding.tables import export_codings_table


def add_export_commands(sub: Any) -> None:
    export = sub.add_parser("export", help="write coded excerpts, a transcript or a table")
    kinds = export.add_subparsers(dest="export_command", required=True, metavar="KIND")
    docx = kinds.add_parser("docx", help="a Word report of coded excerpts under the code tree")
    docx.add_argument("project", type=Path)
    docx.add_argument("out", type=Path, help="OUT.docx")
    _add_filters(docx)
    docx.add_argument(
        "--context", action="store_true", help="add the sentence or turn around each excerpt"
    )
    docx.add_argument(
        "--summary", action="store_true", help="begin with a table of counts per code and document"
    )
    docx.set_defaults(handler=_export_docx)
    annotated = kinds.add_parser(
        "annotated", help="a transcript with every coding as a Word comment"
    )
    annotated.add_argument("project", type=Path)
    annotated.add_argument("doc", help="the document's name or UUID")
    annotated.add_argument("out", type=Path, help="OUT.docx")
    annotated.set_defaults(handler=_export_annotated)
    for suffix, what in (("xlsx", "Excel and SPSS"), ("csv", "R and Stata")):
        table = kinds.add_parser(suffix, help=f"every coding as a row, for {what}")
        table.add_argument("project", type=Path)
        table.add_argument("out", type=Path, help=f"OUT.{suffix}")
        _add_filters(table)
        table.set_defaults(handler=_export_table, suffix=f".{suffix}")


def add_agreement_command(sub: Any) -> None:
    command = sub.add_parser("agreement", help="inter-coder agreement per code and overall")
    command.add_argument("project", type=Path)
    command.add_argument("--coders", help="A,B,...: the coders to compare (default: all)")
    command.add_argument("--code", action="append", default=[], help="a code (repeatable)")
    command.add_argument("--unit", choices=("character", "paragraph"), default="character")
    command.add_argument(
        "--documents",
        choices=("pairable", "common"),
        default="pairable",
        help="pairable: every document two or more of the coders coded (a coder who did not "
        "code a document is missing there); common: only those every coder coded",
    )
    command.add_argument("--json", action="store_true")
    command.set_defaults(handler=_agreement)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--code", action="append", default=[], help="a code (repeatable)")
    parser.add_argument(
        "--no-subcodes", action="store_true", help="a --code without the codes under it"
    )
    parser.add_argument("--doc", action="append", default=[], help="a document (repeatable)")
    parser.add_argument("--coder", action="append", default=[], help="a coder (repeatable)")


def _selection(
    project: Project, args: argparse.Namespace
) -> tuple[tuple[int, ...] | None, QueryFilter]:
    """The codes and the filter that ``--code``, ``--doc`` and ``--coder`` ask for."""
    with project.read() as tx:
        codes = tuple(resolve_code(tx, ref) for ref in args.code) or None
        documents = frozenset(resolve_document(tx, ref) for ref in args.doc) or None
        coders: set[int] = set()
        for name in args.coder:
            coder_id = tx.coders.by_name(name)
            if coder_id is None:
                raise NotFoundError(f"There is no coder “{name}” in this project.")
            coders.add(coder_id)
    return codes, QueryFilter(document_ids=documents, coder_ids=frozenset(coders) or None)


def _suffix(path: Path, suffix: str) -> None:
    if path.suffix.lower() != suffix:
        raise CodingError(f"“{path.name}”: name the file OUT{suffix}.")


def _export_docx(args: argparse.Namespace) -> int:
    _suffix(args.out, ".docx")
    with Project.open_verified(args.project) as project:
        codes, where = _selection(project, args)
        options = ReportOptions(
            code_ids=codes,
            include_children=not args.no_subcodes,
            filters=where,
            context=args.context,
            summary_table=args.summary,
        )
        count = export_excerpts(
            project, options, args.out, lambda d, t: progress(d, t, "writing excerpts")
        )
    progress(0, 0, "")
    err(f"Wrote {count:,} excerpt{'s' if count != 1 else ''} to {args.out}")
    return 0


def _export_annotated(args: argparse.Namespace) -> int:
    _suffix(args.out, ".docx")
    with Project.open_verified(args.project) as project:
        with project.read() as tx:
            document_id = resolve_document(tx, args.doc)
        count = export_annotated(project, document_id, args.out)
    err(f"Wrote the transcript with {count:,} comment{'s' if count != 1 else ''} to {args.out}")
    return 0


def _export_table(args: argparse.Namespace) -> int:
    _suffix(args.out, args.suffix)
    with Project.open_verified(args.project) as project:
        codes, where = _selection(project, args)
        count = export_codings_table(
            project,
            args.out,
            code_ids=codes,
            include_children=not args.no_subcodes,
            filters=where,
            progress=lambda d, t: progress(d, t, "writing codings"),
        )
    progress(0, 0, "")
    err(f"Wrote {count:,} coding{'s' if count != 1 else ''} to {args.out}")
    return 0


def _agreement(args: argparse.Namespace) -> int:
    coders = [name.strip() for name in args.coders.split(",")] if args.coders else None
    with Project.open_verified(args.project) as project:
        with project.read() as tx:
            codes = [resolve_code(tx, ref) for ref in args.code] or None
        report = agreement(
            project, coders=coders, code_ids=codes, unit=args.unit, coverage=args.documents
        )
    if args.json:
        write_json(report_json(report))
    else:
        _print_agreement(report)
    return 0


def _print_agreement(report: AgreementReport) -> None:
    rule = {"pairable": "coded by two or more of them", "common": "coded by all of them"}
    count = len(report.document_ids)
    out(
        f"Agreement of {', '.join(report.coders)} over {count} document{'s' * (count != 1)} "
        f"{rule[report.coverage]}, in {report.unit} units"
    )
    out(f"{'code':<44} {'agree %':>8} {'spec. %':>8} {'kappa':>7} {'alpha':>7} {'units':>12}")
    rows = [("All codes (pooled)", report.overall)]
    rows += [(code.path, code.statistics) for code in report.codes if code.codable]
    for name, stats in rows:
        specific = None if stats.specific_agreement is None else 100 * stats.specific_agreement
        out(
            f"{name[-44:]:<44} {_number(stats.percent_agreement, 1):>8} "
            f"{_number(specific, 1):>8} {_number(stats.cohen_kappa, 3):>7} "
            f"{_number(stats.krippendorff_alpha, 3):>7} {stats.units:>12,}"
        )
    err(
        "agree %: text both coders left uncoded counts as agreement; spec. %: agreement on "
        "coded text only, 2a / (2a + b + c)."
    )
    err("A dash means the statistic is undefined for these data (no variation, or no units).")


def _number(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
