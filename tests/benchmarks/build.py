"""Building (and caching) the benchmark project from a corpus, through Tillit's own API."""

from __future__ import annotations

import json
import os
import shutil
from itertools import groupby
from pathlib import Path

from coding import queries
from coding.codebook import AddCode
from coding.importing import ImportDocuments
from coding.project import Project, resolve_document
from storage import schema
from storage.backup import make_backup, needs_backup
from tests.benchmarks.corpus import VERSION, Corpus, progress

#: Codings stored per transaction while building; one transaction of 50,000 would hold them
#: all in memory, one per coding would wait for 50,000 syncs.
BATCH = 2_000


class CorpusMismatchError(Exception):
    """The project does not hold what the corpus planned (the importer changed the text)."""


def ensure_project(corpus: Corpus) -> Path:
    """The corpus's cached project, built first if missing or made by another schema."""
    stamp_path = corpus.root / "project.json"
    stamp = {"corpus": VERSION, "schema": schema.head_revision()}
    if (
        corpus.project_path.is_file()
        and stamp_path.is_file()
        and json.loads(stamp_path.read_text(encoding="utf-8")) == stamp
    ):
        return corpus.project_path
    progress(f"corpus {corpus.size.name}: building {corpus.project_path}")
    partial = corpus.root / f"building-{os.getpid()}.tillit"
    _remove_project(partial)
    build_project(corpus, partial)
    _remove_project(corpus.project_path)
    partial.rename(corpus.project_path)
    _remove_project(partial)  # its lock file
    stamp_path.write_text(json.dumps(stamp) + "\n", encoding="utf-8")
    return corpus.project_path


def build_project(corpus: Corpus, path: Path) -> None:
    """Import the corpus's documents, add its codes and apply its codings, then check them.

    Raises :class:`CorpusMismatchError` when a stored text differs from the generated one,
    which would put every planned offset in the wrong place.
    """
    with Project.create(path, coder=corpus.coders[0], language="nb") as project:
        for language, group in groupby(
            zip(corpus.documents, corpus.paths, strict=True), key=lambda pair: pair[0].language
        ):
            ImportDocuments(project, [file for _, file in group], language=language).do()
        code_ids = _add_codes(project, corpus)
        with project.transaction() as tx:
            coder_ids = {
                name: tx.coders.by_name(name) or tx.coders.add(name) for name in corpus.coders
            }
            document_ids = {
                document.file: resolve_document(tx, document.name) for document in corpus.documents
            }
        texts = _checked_texts(project, corpus, document_ids)
        for first in range(0, len(corpus.codings), BATCH):
            with project.transaction() as tx:
                for coding in corpus.codings[first : first + BATCH]:
                    tx.codings.add(
                        document_id=document_ids[coding.document],
                        code_id=code_ids[coding.code],
                        coder_id=coder_ids[coding.coder],
                        start=coding.start,
                        end=coding.end,
                        text=texts[coding.document][coding.start : coding.end],
                    )
        _check_counts(project, corpus)


def copy_project(source: Path, folder: Path, name: str = "bench") -> Path:
    """A copy of ``source`` in ``folder`` with a fresh backup, so opening starts no backup.

    ``Project.open`` backs up a project that has no recent backup on a thread of its own;
    that thread would compete with the work being timed.
    """
    target = folder / f"{name}.tillit"
    shutil.copyfile(source, target)
    make_backup(target)
    if needs_backup(target):
        raise RuntimeError(f"{target} still wants a backup; timings would include one")
    return target


def _add_codes(project: Project, corpus: Corpus) -> dict[str, int]:
    code_ids: dict[str, int] = {}
    for code in corpus.codes:
        parent, _, name = code.path.rpartition("/")
        command = AddCode(project, name=name, parent_id=code_ids.get(parent), color=code.color)
        command.do()
        assert command.code_id is not None
        code_ids[code.path] = command.code_id
    return code_ids


def _checked_texts(
    project: Project, corpus: Corpus, document_ids: dict[str, int]
) -> dict[str, str]:
    texts: dict[str, str] = {}
    for document in corpus.documents:
        stored = queries.document(project, document_ids[document.file]).text
        expected = corpus.text(document)
        if stored != expected:
            at = next(
                (i for i, (a, b) in enumerate(zip(stored, expected, strict=False)) if a != b),
                min(len(stored), len(expected)),
            )
            raise CorpusMismatchError(
                f"{document.file}: the imported text differs from the generated one at "
                f"offset {at} ({expected[at : at + 20]!r} became {stored[at : at + 20]!r})"
            )
        texts[document.file] = stored
    return texts


def _check_counts(project: Project, corpus: Corpus) -> None:
    overview = queries.overview(project)
    found = (
        len(overview.documents),
        count_codes(overview.code_tree),
        sum(document.codings for document in overview.documents),
    )
    planned = (len(corpus.documents), len(corpus.codes), len(corpus.codings))
    if found != planned:
        raise CorpusMismatchError(
            f"the project holds {found} (documents, codes, codings), the plan {planned}"
        )


def _walk(nodes: list[queries.CodeNode]) -> list[queries.CodeNode]:
    """Every node of a code tree, parents first."""
    out: list[queries.CodeNode] = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.children))
    return out


def count_codes(nodes: list[queries.CodeNode]) -> int:
    """How many codes a code tree holds."""
    return len(_walk(nodes))


def _remove_project(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.name + " backups"), ignore_errors=True)
