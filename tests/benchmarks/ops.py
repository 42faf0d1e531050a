"""The benchmark ops: each times one piece of real work on a corpus and counts what it did."""

from __future__ import annotations

import gc
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from coding import queries
from coding.codings import ApplyCoding
from coding.importing import ImportDocuments
from coding.project import Project, find_code, resolve_document
from coding.records import CodingSpan
from storage.store import Tx
from tests.benchmarks import (
    agreement_ops,
    codebook_ops,
    export_ops,
    gui_ops,
    merge_ops,
    query_ops,
    refi_ops,
    search_ops,
    window_ops,
)
from tests.benchmarks.build import copy_project, count_codes
from tests.benchmarks.codebook_plan import MAX_SPAN, MIN_SPAN
from tests.benchmarks.corpus import Corpus


@dataclass
class Result:
    """The timings of one op and the counts that show it did its work."""

    op: str
    size: str
    times_ns: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> dict[str, object]:
        """The JSON object ``run.py`` prints (BENCH.md's fields, then the counts)."""
        ms = [t / 1e6 for t in self.times_ns]
        return {
            "op": self.op,
            "size": self.size,
            "median_ms": round(statistics.median(ms), 3),
            "min_ms": round(min(ms), 3),
            "max_ms": round(max(ms), 3),
            "runs": len(ms),
            **self.counts,
        }


class Stopwatch:
    """Collects the durations of the ``with stopwatch.timing():`` blocks of one op."""

    def __init__(self) -> None:
        self.times_ns: list[int] = []

    @contextmanager
    def timing(self) -> Iterator[None]:
        gc.collect()  # garbage of the untimed set-up is not the timed work's to collect
        start = time.perf_counter_ns()
        yield
        self.times_ns.append(time.perf_counter_ns() - start)


@dataclass(frozen=True)
class Op:
    """A named benchmark: ``run(corpus, project_path, repeat, stopwatch)`` returns counts."""

    name: str
    repeat: int
    run: Callable[[Corpus, Path, int, Stopwatch], dict[str, int]]
    repeat_l: int | None = None  # fewer runs at size L where one run takes seconds
    reference: str | None = None  # the op this one is compared with in the same run (BENCH.md)

    def default_repeat(self, size: str) -> int:
        return self.repeat_l if size == "L" and self.repeat_l is not None else self.repeat


def import_txt(corpus: Corpus, _project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Import every ``.txt`` file of the corpus into a new project, as one command."""
    counts: dict[str, int] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp:
            with Project.create(Path(tmp) / "import.tillit", coder="Bench") as project:
                command = ImportDocuments(project, corpus.paths)
                with watch.timing():
                    command.do()
                documents = queries.documents(project)
            counts = {
                "documents": len(documents),
                "characters": sum(document.characters for document in documents),
            }
            _expect(counts["documents"] == len(corpus.documents), "not every document landed")
    return counts


def open_project(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Open a copy of the project and read its document list and code tree."""
    counts: dict[str, int] = {}
    for index in range(repeat):
        with tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp:
            path = copy_project(project, Path(tmp), f"open-{index}")
            opened: Project | None = None
            try:
                with watch.timing():
                    opened = Project.open(path)
                    overview = queries.overview(opened)
            finally:
                if opened is not None:
                    opened.close()  # untimed: it checkpoints and releases the lock
        counts = {"documents": len(overview.documents), "codes": count_codes(overview.code_tree)}
        _expect(counts["documents"] == len(corpus.documents), "documents are missing")
        _expect(counts["codes"] == len(corpus.codes), "codes are missing")
    return counts


def read_document_codings(
    corpus: Corpus, project: Path, repeat: int, watch: Stopwatch
) -> dict[str, int]:
    """Read the codings of the 30,000-word document with their codes, coders and memos."""
    with _opened_copy(project) as opened:
        with opened.read() as tx:
            document_id = resolve_document(tx, corpus.big.name)
        codings: list[CodingSpan] = []
        for _ in range(repeat):
            with watch.timing():
                codings = queries.document_codings(opened, document_id)
    planned = sum(1 for coding in corpus.codings if coding.document == corpus.big.file)
    _expect(len(codings) == planned, f"read {len(codings)} codings, planned {planned}")
    return {"codings": len(codings), "characters": corpus.big.characters}


def apply_coding(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Apply one coding to the large document, one committed transaction per run."""
    rng = random.Random(f"apply-{corpus.size.name}")
    big = corpus.big
    taken = {
        (coding.code, coding.start, coding.end)
        for coding in corpus.codings
        if coding.document == big.file and coding.coder == corpus.coders[0]
    }
    applied = 0
    with _opened_copy(project) as opened:
        with opened.read() as tx:
            document_id = resolve_document(tx, big.name)
            code_ids = {code.path: _code_id(tx, code.path) for code in corpus.codes}
        for _ in range(repeat):
            code = rng.choice(corpus.codes).path
            start = rng.randrange(big.characters - MAX_SPAN)
            end = start + rng.randint(MIN_SPAN, MAX_SPAN)
            while (code, start, end) in taken:
                end -= 1
            taken.add((code, start, end))
            command = ApplyCoding(opened, document_id, [(start, end)], code_id=code_ids[code])
            with watch.timing():
                command.do()
            applied += len(command.coding_ids)
        after = len(queries.document_codings(opened, document_id))
    before = sum(1 for coding in corpus.codings if coding.document == big.file)
    _expect(applied == repeat and after == before + repeat, "a coding was not stored")
    return {"codings": applied, "document_codings": after}


OPS = (
    Op("import_txt", 5, import_txt, repeat_l=3),
    Op("open_project", 10, open_project),
    Op("read_document_codings", 20, read_document_codings),
    Op("apply_coding", 20, apply_coding),
    Op("show_plain_text", 20, gui_ops.show_plain_text),
    Op("show_document", 20, gui_ops.show_document, reference="show_plain_text"),
    Op("open_window", 5, window_ops.open_window),
    Op("apply_coding_gui", 20, window_ops.apply_coding_gui),
    Op("codebook_match", 10, codebook_ops.codebook_match),
    Op("index_build", 3, search_ops.index_build),
    Op("index_update", 20, search_ops.index_update),
    Op("fts5_term", 20, search_ops.fts5_term),
    Op("search_term", 20, search_ops.search_term, reference="fts5_term"),
    Op("cooccurrence", 10, query_ops.cooccurrence),
    Op("agreement", 5, agreement_ops.agreement_statistics, repeat_l=3),
    Op("export_docx", 5, export_ops.export_docx, repeat_l=3),
    Op("merge_project", 5, merge_ops.merge_project, repeat_l=3),
    Op("refi_roundtrip", 5, refi_ops.refi_roundtrip, repeat_l=3),
)


def warm_up(corpus: Corpus) -> None:
    """Do each op's kind of work once on a scratch project, so that one-off costs (ORM set-up,
    lazy imports) fall on no op's first run."""
    smallest = min(corpus.paths, key=lambda path: path.stat().st_size)
    with (
        tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp,
        Project.create(Path(tmp) / "warm.tillit", coder="Bench") as project,
    ):
        command = ImportDocuments(project, [smallest])
        command.do()
        ApplyCoding(project, command.document_ids[0], [(0, 20)], code_path="Warm/Up").do()
        queries.overview(project)
        queries.document_codings(project, command.document_ids[0])


@contextmanager
def _opened_copy(project: Path) -> Iterator[Project]:
    with (
        tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp,
        Project.open(copy_project(project, Path(tmp))) as opened,
    ):
        yield opened


def _code_id(tx: Tx, path: str) -> int:
    code_id = find_code(tx, path)
    _expect(code_id is not None, f"the code {path} is missing")
    assert code_id is not None
    return code_id


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"the benchmark did not do its work: {message}")
