"""The command line (see CLI.md): headless work on a project through the ``coding`` API."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.cli_merge import add_merge_command
from app.cli_output import err, out, progress, write_json
from app.cli_refi import add_refi_command
from app.cli_reports import add_agreement_command, add_export_commands
from coding import queries
from coding.codebook_apply import ApplyCodebookMerge
from coding.codebook_exchange import CODEBOOK_SOURCES, export_codebook, read_codebook_file
from coding.codebook_merge import (
    DEFAULT_THRESHOLD,
    Action,
    MergeReview,
    read_incoming,
    review_merge,
)
from coding.codebooks import CodebookSpec, shipped_codebook
from coding.codings import ApplyCoding, RemoveCoding
from coding.errors import CodingError, NotFoundError, UserError
from coding.importing import ImportDocuments
from coding.project import (
    LANGUAGES,
    Project,
    copy_project,
    find_code,
    notices,
    resolve_code,
    resolve_document,
)
from coding.records import CodingDetail
from coding.reports import export_codebook_docx
from coding.search import ProjectSearch, SearchHit, SearchResult

Handler = Callable[[argparse.Namespace], int]

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tillit", description="Tillit: qualitative coding of interview transcripts."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = sub.add_parser("new", help="create a new project")
    new.add_argument("project", type=Path)
    new.add_argument("--coder", help="your name, credited on your codings")
    new.add_argument("--language", choices=LANGUAGES, default="nb")
    new.add_argument(
        "--codebook", default="empty", help="trust, empty, or a .qdc, .qdpx or .tillit file"
    )
    new.set_defaults(handler=_new)

    imp = sub.add_parser("import", help="import transcripts (.txt .md .docx .odt .vtt .srt)")
    imp.add_argument("project", type=Path)
    imp.add_argument("files", type=Path, nargs="+")
    imp.add_argument("--language", choices=LANGUAGES)
    imp.set_defaults(handler=_import)

    docs = sub.add_parser("docs", help="list the documents")
    docs.add_argument("project", type=Path)
    docs.add_argument("--json", action="store_true")
    docs.set_defaults(handler=_docs)

    codes = sub.add_parser("codes", help="show the code tree")
    codes.add_argument("project", type=Path)
    codes.add_argument("--json", action="store_true")
    codes.set_defaults(handler=_codes)

    code = sub.add_parser("code", help="code a passage of a document")
    code.add_argument("project", type=Path)
    code.add_argument("doc", help="the document's name or UUID")
    code.add_argument("code", help="the code's path (A/B) or UUID; a new path is created")
    where = code.add_mutually_exclusive_group(required=True)
    where.add_argument("--span", help="START:END in characters, end exclusive")
    where.add_argument("--match", help="code the first occurrence of this text")
    code.add_argument("--all", action="store_true", help="with --match: every occurrence")
    code.add_argument("--coder")
    code.add_argument("--memo", default="")
    code.set_defaults(handler=_code)

    uncode = sub.add_parser("uncode", help="remove a coding")
    uncode.add_argument("project", type=Path)
    uncode.add_argument("coding", help="the coding's UUID")
    uncode.set_defaults(handler=_uncode)

    codings = sub.add_parser("codings", help="list codings")
    codings.add_argument("project", type=Path)
    codings.add_argument("--doc")
    codings.add_argument("--code")
    codings.add_argument("--coder")
    codings.add_argument("--json", action="store_true")
    codings.set_defaults(handler=_codings)
    _add_copy_command(sub)
    _add_search_command(sub)
    _add_codebook_commands(sub)
    add_export_commands(sub)
    add_agreement_command(sub)
    add_merge_command(sub)
    add_refi_command(sub)
    return parser


def _add_copy_command(sub: Any) -> None:
    copy = sub.add_parser(
        "copy", help="a consistent copy of the project (also while it is open), e.g. for a coder"
    )
    copy.add_argument("project", type=Path)
    copy.add_argument("dest", type=Path, metavar="DEST.tillit")
    copy.add_argument("--coder", help="the copy's current coder, credited on its new codings")
    copy.set_defaults(handler=_copy)


def _add_search_command(sub: Any) -> None:
    search = sub.add_parser("search", help="search the text, codes and speakers")
    search.add_argument("project", type=Path)
    search.add_argument(
        "query",
        help='words, "a phrase", wild*cards, fuzzy~, AND OR NOT, and fields: code:, coder:, '
        "speaker:, case:, document:, or an attribute by its name (city:Oslo)",
    )
    search.add_argument("--limit", type=int, help="list at most this many hits")
    search.add_argument(
        "--whole-words",
        action="store_true",
        help="do not also find the compounds a Nordic word begins (tillit → tillitsreformen)",
    )
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=_search)


def _add_codebook_commands(sub: Any) -> None:
    codebook = sub.add_parser("codebook", help="export or merge codebooks")
    codebook_sub = codebook.add_subparsers(dest="codebook_command", required=True, metavar="ACTION")
    export = codebook_sub.add_parser(
        "export", help="write the codebook to a REFI-QDA .qdc file or a Word appendix"
    )
    export.add_argument("project", type=Path)
    export.add_argument("out", type=Path, help="OUT.qdc or OUT.docx")
    export.set_defaults(handler=_codebook_export)
    merge = codebook_sub.add_parser(
        "merge", help="merge a codebook (.qdc, .qdpx or another .tillit) into the project"
    )
    merge.add_argument("project", type=Path)
    merge.add_argument("source", type=Path, help="FILE.qdc, FILE.qdpx or OTHER.tillit")
    merge.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"lowest similarity (0-100) for a fuzzy match (default {DEFAULT_THRESHOLD:g})",
    )
    merge.add_argument("--dry-run", action="store_true", help="show the matches, change nothing")
    merge.add_argument("--json", action="store_true")
    merge.set_defaults(handler=_codebook_merge)


class _Notices(logging.Handler):
    """Collects what went wrong after the work was saved, to be said after the outcome."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _unraisable(unraisable: Any) -> None:
    """Log what a finalizer raised instead of printing it. A library object left half-way by a
    failed write (a zip archive whose file was closed when the disk filled) complains when it
    is collected; the failure itself was already reported in one line."""
    log.info("Ignored while cleaning up: %r", unraisable.exc_value)


def run(argv: Sequence[str]) -> int:
    """Run one command; returns the exit status (0 done, 1 refused with a reason, 2 usage)."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    # Only errors reach stderr as log lines: a script reading it gets one line per problem.
    logging.basicConfig(level=logging.ERROR, format="tillit: %(message)s")
    sys.unraisablehook = _unraisable
    told = _Notices()
    notices.addHandler(told)
    level, notices.propagate = notices.level, False
    notices.setLevel(logging.WARNING)  # heard even though other log lines are not
    try:
        status = handler(args)
    except UserError as exc:
        print(f"tillit: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "tillit: interrupted; the project is as it was before the last change.", file=sys.stderr
        )
        return 130
    except BrokenPipeError:  # the reader went away (`… --json | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        notices.removeHandler(told)
        notices.setLevel(level)
        notices.propagate = True
    for line in told.lines:  # the work is done: say what went wrong besides
        err(f"tillit: {line}")
    return status


def _new(args: argparse.Namespace) -> int:
    codebook: CodebookSpec | None = None
    if Path(args.codebook).suffix.lower() in CODEBOOK_SOURCES:
        codebook = read_codebook_file(Path(args.codebook))
    elif args.codebook != "empty":
        codebook = shipped_codebook(args.codebook)
    project = Project.create(args.project, coder=args.coder, language=args.language)
    try:
        if codebook is not None:
            # A merge into the empty project: it also keeps the GUIDs a code answers to.
            review = review_merge(project, codebook)
            ApplyCodebookMerge(project, review).do()
            _warn(review.warnings)
    except BaseException:
        project.close()  # a new project without its codebook is not what was asked for
        project.path.unlink(missing_ok=True)
        raise
    project.close()
    err(f"Created {project.path}")
    return 0


def _copy(args: argparse.Namespace) -> int:
    target = copy_project(args.project, args.dest, coder=args.coder)
    credited = f"; its new codings are credited to {args.coder.strip()}" if args.coder else ""
    err(f"Copied {args.project} to {target}{credited}.")
    return 0


def _codebook_merge(args: argparse.Namespace) -> int:
    with Project.open_verified(args.project) as project:
        incoming = read_incoming(project, args.source)
        review = review_merge(project, incoming, args.threshold)
        if not args.dry_run:
            ApplyCodebookMerge(project, review).do()
    _warn(review.warnings)
    if args.json:
        write_json(review.to_json() | {"applied": not args.dry_run})
    else:
        _print_review(review)
    outcome = "Dry run: the project is unchanged." if args.dry_run else "Merged the codebook."
    err(f"{outcome} {review.summary()} (threshold {review.threshold:g}).")
    return 0


def _print_review(review: MergeReview) -> None:
    for row in review.rows:
        path = row.incoming.path
        if row.action is Action.MERGE and row.target_id is not None:
            how = row.how.value if row.how is not None else "chosen"
            target = review.paths[row.target_id]
            out(f"{how:<6} {row.score:>5.1f}  {path}  →  {target}  ({row.basis})")
            for conflict in row.conflicts:
                out(f"{'':<14}review: {conflict.detail}")
        elif row.action is Action.NEW:
            out(f"{'new':<6} {'':>5}  {path}  →  {review.destination_path(row)}")
        else:
            out(f"{'skip':<6} {'':>5}  {path}")


def _codebook_export(args: argparse.Namespace) -> int:
    suffix = args.out.suffix.lower()
    if suffix not in (".qdc", ".docx"):
        raise CodingError(
            f"“{args.out.name}”: Tillit writes codebooks as REFI-QDA .qdc files (for other "
            "programs) or as Word .docx files (an appendix); name the file OUT.qdc or OUT.docx."
        )
    with Project.open_verified(args.project) as project:
        write = export_codebook if suffix == ".qdc" else export_codebook_docx
        count = write(project, args.out)
    err(f"Wrote {count} codes to {args.out}")
    return 0


def _import(args: argparse.Namespace) -> int:
    with Project.open_verified(args.project) as project:
        command = ImportDocuments(project, args.files, args.language, progress=progress)
        command.do()
        err(f"Imported {len(command.document_ids)} document(s).")
    _warn(command.warnings)
    return 0


def _warn(warnings: Sequence[str]) -> None:
    """Say on stderr what was read other than the file has it (the work itself is done)."""
    for warning in warnings:
        err(f"tillit: warning: {warning}")


def _docs(args: argparse.Namespace) -> int:
    with Project.open_verified(args.project) as project:
        documents = queries.documents(project)
    if args.json:
        write_json(
            [
                {
                    "uuid": d.uuid,
                    "name": d.name,
                    "language": d.language,
                    "characters": d.characters,
                    "paragraphs": d.paragraphs,
                    "codings": d.codings,
                }
                for d in documents
            ]
        )
    else:
        for d in documents:
            out(f"{d.name}\t{d.language}\t{d.characters} characters\t{d.codings} codings")
    return 0


def _codes(args: argparse.Namespace) -> int:
    with Project.open_verified(args.project) as project:
        tree = queries.code_tree(project)
    if args.json:
        write_json([_code_json(node) for node in tree])
    else:
        _print_tree(tree, 0)
    return 0


def _code_json(node: queries.CodeNode) -> dict[str, Any]:
    return {
        "uuid": node.code.uuid,
        "path": node.path,
        "name": node.code.name,
        "color": node.code.color,
        "codable": node.code.codable,
        "codings": node.codings,
        "children": [_code_json(child) for child in node.children],
    }


def _print_tree(nodes: list[queries.CodeNode], depth: int) -> None:
    for node in nodes:
        out(f"{'  ' * depth}{node.code.name}\t{node.code.color}\t{node.codings}")
        _print_tree(node.children, depth + 1)


def _code(args: argparse.Namespace) -> int:
    with Project.open_verified(args.project) as project:
        with project.read() as tx:
            document_id = resolve_document(tx, args.doc)
            text = tx.documents.text(document_id)
            code_id = find_code(tx, args.code)
        spans = _spans(args, text)
        command = ApplyCoding(
            project,
            document_id,
            spans,
            code_id=code_id,
            code_path=None if code_id is not None else args.code,
            coder=args.coder,
            memo=args.memo,
        )
        command.do()
        if command.created_codes:
            err(f"Created the code “{args.code}”.")
        coded = {c.id: c.uuid for c in queries.codings(project, document_id=document_id)}
    for coding_id in command.coding_ids:
        out(coded[coding_id])
    return 0


def _spans(args: argparse.Namespace, text: str) -> list[tuple[int, int]]:
    if args.span is not None:
        try:
            start_text, end_text = args.span.split(":")
            return [(int(start_text), int(end_text))]
        except ValueError:
            raise CodingError(
                f"“{args.span}” is not a span; write START:END, e.g. --span 120:245."
            ) from None
    needle: str = args.match
    if not needle:
        raise CodingError("--match needs some text to look for.")
    spans: list[tuple[int, int]] = []
    start = text.find(needle)
    while start >= 0:
        spans.append((start, start + len(needle)))
        if not args.all:
            break
        start = text.find(needle, start + len(needle))
    if not spans:
        raise NotFoundError(f"“{needle}” does not occur in the document.")
    return spans


def _uncode(args: argparse.Namespace) -> int:
    with Project.open_verified(args.project) as project:
        with project.read() as tx:
            coding_id = tx.codings.id_by_uuid(args.coding.strip("{}"))
        if coding_id is None:
            raise NotFoundError(f"There is no coding “{args.coding}” in this project.")
        RemoveCoding(project, coding_id).do()
    return 0


def _codings(args: argparse.Namespace) -> int:
    with Project.open_verified(args.project) as project:
        with project.read() as tx:
            document_id = resolve_document(tx, args.doc) if args.doc else None
            code_id = resolve_code(tx, args.code) if args.code else None
            coder_id = None
            if args.coder:
                coder_id = tx.coders.by_name(args.coder)
                if coder_id is None:
                    raise NotFoundError(f"There is no coder “{args.coder}” in this project.")
        found = queries.codings(
            project, document_id=document_id, code_id=code_id, coder_id=coder_id
        )
        paths = queries.paths(project)
    rows = [_coding_json(c, paths) for c in found]
    if args.json:
        write_json(rows)
    else:
        for row in rows:
            out(
                f"{row['document']}\t{row['start']}:{row['end']}\t{row['code']}\t"
                f"{row['coder']}\t{row['text'][:60]!r}"
            )
    return 0


def _search(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 0:
        raise CodingError("--limit must be 0 or more.")
    with Project.open_verified(args.project) as project:
        finder = ProjectSearch(project)
        try:
            result = finder.search(
                args.query,
                compounds=not args.whole_words,
                progress=lambda done, total: progress(done, total, "building the search index"),
            )
            progress(0, 0, "")
            names = {count.document_id: count.name for count in result.documents}
            hits = result.hits if args.limit is None else result.hits[: args.limit]
            rows = [_hit_json(finder, result, hit, names) for hit in hits]
        finally:
            finder.close()
    if args.json:
        found: dict[str, Any] = {"query": result.query, "total": result.total, "hits": rows}
        if result.suggestion:
            found["suggestion"] = result.suggestion
        write_json(found)
        return 0
    for row in rows:
        speaker = f"{row['speaker']}\t" if row["speaker"] else ""
        out(f"{row['document']}\t{row['start']}:{row['end']}\t{speaker}{row['snippet']}")
    err(_search_summary(result, len(rows)))
    return 0


def _hit_json(
    finder: ProjectSearch, result: SearchResult, hit: SearchHit, names: dict[int, str]
) -> dict[str, Any]:
    snippet = finder.snippet(result, hit)
    return {
        "document": names[hit.document_id],
        "start": hit.start,
        "end": hit.end,
        "speaker": hit.speaker,
        "snippet": snippet.text,
        "marks": [list(mark) for mark in finder.marks(result, hit)],
    }


def _search_summary(result: SearchResult, shown: int) -> str:
    if not result.total:
        maybe = f" Did you mean: {result.suggestion}" if result.suggestion else ""
        return f"Nothing found for “{result.query}”.{maybe}"
    return result.counted() + (f" (first {shown:,} shown)" if shown < result.total else "")


def _coding_json(coding: CodingDetail, paths: dict[int, str]) -> dict[str, Any]:
    return {
        "uuid": coding.uuid,
        "document": coding.document_name,
        "code": paths[coding.code_id],
        "coder": coding.coder_name,
        "start": coding.start,
        "end": coding.end,
        "text": coding.text,
        "memo": coding.memo,
    }
