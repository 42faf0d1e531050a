"""The search ops: building and updating the index, a one-word query, and its FTS5 reference."""

from __future__ import annotations

import random
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from coding.codings import ApplyCoding
from coding.project import Project, find_code, resolve_document
from coding.search import ProjectSearch
from tests.benchmarks.build import copy_project
from tests.benchmarks.codebook_plan import MAX_SPAN, MIN_SPAN
from tests.benchmarks.corpus import Corpus

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch

#: The one-word query of ``search_term`` and ``fts5_term``: with compounds, "tillit" finds
#: every word that begins with it ("tilliten", "tillitsreformen"); FTS5 says so as a prefix.
WORD = "tillit"


def index_build(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Build the whole index of the project, as the background rebuild does."""
    units = steps = 0
    with _search(project, build=False) as finder:
        for _ in range(repeat):
            calls: list[int] = []

            def progress(done: int, _total: int, calls: list[int] = calls) -> bool:
                calls.append(done)
                return True

            with watch.timing():
                units = finder.rebuild(progress)
            steps = len(calls)
        with finder.project.read() as tx:
            paragraphs = sum(
                len(tx.documents.paragraphs(d)) for d in tx.search_units.document_ids()
            )
    _expect(0 < units <= paragraphs, f"{units} units for {paragraphs} paragraphs")
    _expect(steps > 0, "no progress was reported")
    return {"units": units, "documents": len(corpus.documents), "progress_steps": steps}


def index_update(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Bring the index up to date after one new coding (each run codes another passage)."""
    rng = random.Random(f"index-update-{corpus.size.name}")
    big = corpus.big
    reindexed = 0
    with _search(project) as finder:
        opened = finder.project
        with opened.read() as tx:
            document_id = resolve_document(tx, big.name)
            code_id = find_code(tx, corpus.codes[0].path)
        for _ in range(repeat):
            start = rng.randrange(big.characters - MAX_SPAN)
            end = start + rng.randint(MIN_SPAN, MAX_SPAN)
            ApplyCoding(opened, document_id, [(start, end)], code_id=code_id, coder="Bench").do()
            with watch.timing():
                reindexed += finder.index.catch_up()
        found = finder.search(f'coder:Bench code:"{corpus.codes[0].path}"')
    _expect(found.total == repeat, f"code: found {found.total} of {repeat} new codings")
    return {"codings": repeat, "units_reindexed": reindexed}


def search_term(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """A one-word query listing every hit: positions, speakers and counts per document."""
    total = documents = 0
    with _search(project) as finder:
        for _ in range(repeat):
            with watch.timing():
                result = finder.search(WORD)
            total, documents = result.total, len(result.documents)
        found = {hit.paragraph_id for hit in result.hits}
        with _fts5(finder.project) as fts:
            expected = {row[0] for row in fts.execute(_FTS5_QUERY, (f"{WORD}*",))}
    _expect(found == expected, f"{len(found)} hits where FTS5 finds {len(expected)}")
    return {"hits": total, "documents": documents}


def fts5_term(corpus: Corpus, project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """The reference: SQLite FTS5 over the same paragraphs, listing the matching paragraphs
    (in document order, as their ids are) for the same word as a prefix."""
    hits = 0
    with tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp:
        opened = Project.open(copy_project(project, Path(tmp)))
        try:
            with _fts5(opened) as fts:
                for _ in range(repeat):
                    with watch.timing():
                        rows = fts.execute(_FTS5_QUERY, (f"{WORD}*",)).fetchall()
                    hits = len(rows)
        finally:
            opened.close()
    _expect(hits > 0, "FTS5 found nothing")
    return {"hits": hits, "documents": len(corpus.documents)}


_FTS5_QUERY = "SELECT rowid FROM units WHERE units MATCH ?"


@contextmanager
def _fts5(project: Project) -> Iterator[sqlite3.Connection]:
    """An in-memory FTS5 table of the project's paragraphs (rowid = paragraph id)."""
    fts = sqlite3.connect(":memory:")
    fts.execute("CREATE VIRTUAL TABLE units USING fts5(body, tokenize='unicode61')")
    with project.read() as tx:
        for document_id in tx.search_units.document_ids():
            text = tx.documents.text(document_id)
            fts.executemany(
                "INSERT INTO units(rowid, body) VALUES (?, ?)",
                [(p.id, text[p.start : p.end]) for p in tx.documents.paragraphs(document_id)],
            )
    fts.commit()
    try:
        yield fts
    finally:
        fts.close()


@contextmanager
def _search(project: Path, *, build: bool = True) -> Iterator[ProjectSearch]:
    """A copy of the project with its own index folder (built unless ``build`` is False)."""
    with tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp:
        opened = Project.open(copy_project(project, Path(tmp)))
        finder = ProjectSearch(opened, Path(tmp) / "cache")
        try:
            if build:
                finder.prepare()
                finder.search(WORD)  # the first search opens the index and reads its columns
            yield finder
        finally:
            finder.close()
            opened.close()


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"the benchmark did not do its work: {message}")
