"""The ``export_docx`` op: about 10,000 coded excerpts to a Word report, with progress."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import docx

from coding.project import Project, find_code
from coding.reports import ReportOptions, export_excerpts
from tests.benchmarks.build import copy_project
from tests.benchmarks.corpus import Corpus

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch

#: How many excerpts the report should hold; the codes are chosen to come as near as they can.
EXCERPTS = 10_000


def export_docx(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Write the excerpts of whole branches of the code tree (about 10,000 codings), with
    context and the summary tables, to a .docx; checked against the plan by reading the
    file back with python-docx: every excerpt is there, with the text of its coding."""
    chosen = _branches(corpus)
    planned = [c for c in corpus.codings if any(_under(c.code, path) for path in chosen)]
    texts = {document.file: corpus.text(document) for document in corpus.documents}
    expected = Counter(texts[c.document][c.start : c.end] for c in planned)
    written = 0
    with (
        tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp,
        Project.open(copy_project(project, Path(tmp))) as opened,
    ):
        with opened.read() as tx:
            code_ids = tuple(find_code(tx, path) or 0 for path in chosen)
        options = ReportOptions(code_ids, include_children=True, context=True, summary_table=True)
        target = Path(tmp) / "excerpts.docx"
        calls: list[int] = []

        def progress(done: int, _total: int) -> bool:
            calls.append(done)
            return True

        for _ in range(repeat):
            calls.clear()
            with watch.timing():
                written = export_excerpts(opened, options, target, progress)
        steps = len(calls)
        quotes = _quotes(target)
    _expect(written == len(planned), f"wrote {written} excerpts, planned {len(planned)}")
    _expect(Counter(quotes) == expected, "the excerpts in the file are not the planned ones")
    _expect(steps > 0, "no progress was reported")
    return {"excerpts": written, "codes": len(chosen), "progress_steps": steps}


def _branches(corpus: Corpus) -> list[str]:
    """Codes, each with its subcodes, that hold together as near :data:`EXCERPTS` codings as
    the tree allows: whole branches in tree order, skipping one that would overshoot."""
    per_code = Counter(coding.code for coding in corpus.codings)
    chosen: list[str] = []
    total = 0
    for code in corpus.codes:  # parents before children
        if any(_under(code.path, path) for path in chosen):
            continue
        n = sum(count for path, count in per_code.items() if _under(path, code.path))
        if total + n <= EXCERPTS:
            chosen.append(code.path)
            total += n
    return chosen


def _under(path: str, branch: str) -> bool:
    return path == branch or path.startswith(branch + "/")


def _quotes(path: Path) -> list[str]:
    """The excerpts of a report, without the context around them."""
    report = docx.Document(str(path))
    context = report.styles["Excerpt context"]
    quotes = []
    for paragraph in report.paragraphs:
        if paragraph.style is not None and paragraph.style.name == "Quote":
            quotes.append("".join(run.text for run in paragraph.runs if run.style != context))
    return quotes


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"the benchmark did not do its work: {message}")
