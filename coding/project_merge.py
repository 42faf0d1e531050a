"""Merging coders' projects into the open project: the team lead's way of bringing together
what each coder coded, offline, in a copy of the same transcripts.

A merge reads each coder's project from a snapshot copy (its lock is not taken and the file is
not changed), reviews its codebook against this one (:mod:`coding.codebook_merge`), and then,
after a backup, writes everything in one transaction (:class:`MergeProjects`, one undoable
action):

- documents are matched by UUID, then by identical text, then by name (with a warning, and the
  codings placed by their coded text, since the texts differ); the others are added;
- codes follow the reviewed codebook merge, which remembers each incoming GUID;
- codings come with their coder (matched by name, else added) and their memo; one whose UUID
  is here, or that is identical in document, code, coder and span, is not added twice;
- memos, cases and attribute values fill what this project lacks; where both have one, ours
  stays and the report says so.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coding.changes import Changes
from coding.codebook_exchange import codebook_specs
from coding.codebook_matching import How
from coding.codebook_merge import DEFAULT_THRESHOLD, Action, MergeReview, review_merge
from coding.codebooks import CodebookSpec
from coding.errors import CodingError, StorageError
from coding.merge_report import MergeReport, SourceReport
from coding.merge_state import MergeCancelledError, MergeUndo, Progress
from coding.merge_writer import MergeWriter
from coding.project import Project
from storage.backup import make_backup
from storage.project_file import read_copy
from storage.repositories.content import ProjectContent
from storage.repositories.rows import Snapshot

__all__ = [
    "IncomingProject",
    "MergeCancelledError",
    "MergePlan",
    "MergeProjects",
    "MergeReport",
    "MergeSource",
    "Progress",
    "merge_projects",
    "prepare_merge",
    "preview_merge",
    "read_project",
]


@dataclass(frozen=True)
class IncomingProject:
    """A coder's project as read for a merge: all of it, and its codebook."""

    path: Path
    content: ProjectContent
    codebook: CodebookSpec

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class MergeSource:
    """A coder's project and the review of its codebook (which the lead may edit)."""

    incoming: IncomingProject
    review: MergeReview

    def needs_review(self) -> bool:
        """Whether some incoming code is not simply the same code here (same GUID or name)."""
        return any(
            row.action is not Action.MERGE or row.how not in (How.UUID, How.EXACT)
            for row in self.review.rows
        )


@dataclass
class MergePlan:
    """The coders' projects to merge, read and reviewed, in the order they will be merged."""

    sources: list[MergeSource]

    def needs_review(self) -> bool:
        return any(source.needs_review() for source in self.sources)

    def work(self) -> int:
        """The steps a merge reports progress in: a codebook, a document, a coding each."""
        return sum(
            1 + len(source.incoming.content.documents) + len(source.incoming.content.codings)
            for source in self.sources
        )


def read_project(project: Project, path: Path) -> IncomingProject:
    """Read a coder's project for merging into ``project``, from a snapshot copy.

    Raises :class:`CodingError` for the open project itself, and :class:`ProjectFileError` or
    :class:`NewerProjectError` for a file that is no Tillit project, is damaged, or comes from a
    newer Tillit; nothing is changed then.
    """
    if _same_file(path, project.path):
        raise CodingError(
            f"“{path.name}” is the project that is open; choose a coder's project to merge into it."
        )
    with read_copy(path) as store, store.read() as tx:
        content = tx.merging.content()
    codebook = CodebookSpec(path.stem, codebook_specs(content.codes, content.aliases))
    return IncomingProject(path.resolve(), content, codebook)


def prepare_merge(
    project: Project,
    paths: Sequence[Path],
    progress: Progress | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> MergePlan:
    """Read the coders' projects and propose how each one's codebook merges into this one.

    ``progress(done, total)`` is called per project read; False cancels
    (:class:`MergeCancelledError`). Raises what :func:`read_project` raises, and
    :class:`CodingError` for no project or one named twice. Changes nothing.
    """
    if not paths:
        raise CodingError("Choose at least one project to merge.")
    seen: list[Path] = []
    for path in paths:
        if any(_same_file(path, other) for other in seen):
            raise CodingError(f"“{path.name}” is chosen twice; choose each project once.")
        seen.append(path)
    sources: list[MergeSource] = []
    for index, path in enumerate(paths):
        if progress is not None and not progress(index, len(paths)):
            raise MergeCancelledError
        incoming = read_project(project, path)
        sources.append(MergeSource(incoming, review_merge(project, incoming.codebook, threshold)))
    if progress is not None:
        progress(len(paths), len(paths))
    return MergePlan(sources)


def preview_merge(project: Project, plan: MergePlan) -> MergeReport:
    """What merging ``plan`` would do, found by doing it in a transaction that is rolled back."""
    with project.read() as tx:
        writer = MergeWriter(project, tx, plan.work(), None)
        reports = [_write(writer, source) for source in plan.sources]
    return MergeReport(reports, applied=False)


def merge_projects(
    project: Project,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> MergeReport:
    """Merge the coders' projects at ``paths`` with the codebook merges proposed for them (the
    command line's way); with ``dry_run``, only say what the merge would do."""
    plan = prepare_merge(project, paths)
    if dry_run:
        return preview_merge(project, plan)
    command = MergeProjects(project, plan, progress)
    command.do()
    assert command.report is not None
    return command.report


@dataclass
class MergeProjects:
    """Merge coders' projects as one action, after a backup; undo takes it all back.

    ``progress(done, total)`` is called as the merge writes (see :meth:`MergePlan.work`);
    False cancels it, and then nothing was changed (:class:`MergeCancelledError`). Raises
    :class:`StorageError` when the backup cannot be made or the project cannot be written.
    ``report`` says what the merge did.
    """

    project: Project
    plan: MergePlan
    progress: Progress | None = field(default=None, repr=False)
    report: MergeReport | None = field(default=None, init=False)
    _undo: MergeUndo | None = field(default=None, init=False, repr=False)
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        sources = self.plan.sources
        if len(sources) == 1:
            return f"Merge project “{sources[0].incoming.path.stem}”"
        return f"Merge {len(sources)} projects"

    def do(self) -> Changes:
        if self._undo is not None:
            return self._redo(self._undo)
        backup = _backup(self.project)
        with self.project.transaction() as tx:
            writer = MergeWriter(self.project, tx, self.plan.work(), self.progress)
            reports = [_write(writer, source) for source in self.plan.sources]
        self._undo = writer.state.undo
        self.report = MergeReport(reports, applied=True, backup=backup)
        return self._changes(self._undo)

    def undo(self) -> Changes:
        done = self._undo
        assert done is not None
        with self.project.transaction() as tx:
            self._snapshot = tx.merging.snapshot(done.added)
            tx.merging.delete(done.added)
            tx.merging.put_back_memos(done.replaced)
            for codebook in reversed(done.codebooks):
                codebook.undo_in(tx)
        return self._changes(done)

    def _redo(self, done: MergeUndo) -> Changes:
        assert self._snapshot is not None
        with self.project.transaction() as tx:
            for codebook in done.codebooks:
                codebook.apply_in(tx)
            tx.merging.remove_memos(row["id"] for row in done.replaced)
            tx.merging.restore(self._snapshot)
        return self._changes(done)

    def _changes(self, done: MergeUndo) -> Changes:
        return Changes(
            documents=frozenset(done.documents),
            codings=frozenset(done.added.codings),
            counted=frozenset(done.counted),
            document_list=True,
            code_tree=True,
            memos=True,
            cases=True,
            attributes=True,
        )


def _write(writer: MergeWriter, source: MergeSource) -> SourceReport:
    incoming = source.incoming
    return writer.write(incoming.path, incoming.content, source.review)


def _backup(project: Project) -> Path:
    """A backup of the project before the merge changes it."""
    try:
        return make_backup(project.path)
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror.lower() if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StorageError(
            f"Tillit could not back up “{project.path.name}” before the merge ({reason}); "
            "nothing was merged."
        ) from exc


def _same_file(path: Path, other: Path) -> bool:
    try:
        return path.resolve() == other.resolve() or os.path.samefile(path, other)
    except OSError:  # one of them does not exist: read_copy says so
        return False
