"""Read queries for what the GUI and the command line show; none of them writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from coding.project import Project, code_paths
from storage.records import (
    CodeRecord,
    CoderRecord,
    CodingDetail,
    CodingSpan,
    DocumentRecord,
    DocumentSummary,
    MemoRecord,
    ParagraphRecord,
)
from storage.repositories.memos import MemoTarget


@dataclass(slots=True)
class CodeNode:
    """A code in the tree, with its path, its own number of codings, and its children."""

    code: CodeRecord
    path: str
    codings: int
    children: list[CodeNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProjectOverview:
    """What the main window shows first: the documents and the codebook."""

    documents: list[DocumentSummary]
    code_tree: list[CodeNode]


def documents(project: Project, ids: Iterable[int] | None = None) -> list[DocumentSummary]:
    """Every document (or those of ``ids``) in list order, with size and number of codings."""
    with project.read() as tx:
        return tx.documents.summaries(ids)


def document_cases(project: Project) -> dict[int, list[str]]:
    """The names of the cases each document belongs to (documents in no case are absent)."""
    with project.read() as tx:
        return tx.cases.cases_of_documents()


def document(project: Project, document_id: int) -> DocumentRecord:
    """One document with its full text."""
    with project.read() as tx:
        return tx.documents.get(document_id)


def paragraphs(project: Project, document_id: int) -> list[ParagraphRecord]:
    """A document's paragraphs or speaker turns, in order."""
    with project.read() as tx:
        return tx.documents.paragraphs(document_id)


def codes(project: Project) -> list[CodeRecord]:
    """Every code in tree order (parents first, siblings in order)."""
    with project.read() as tx:
        return tx.codes.all()


def code_tree(project: Project) -> list[CodeNode]:
    """The codebook as a tree with each code's path and number of codings."""
    with project.read() as tx:
        return tree_of(tx.codes.all(), tx.codes.coding_counts())


def overview(project: Project) -> ProjectOverview:
    """The document list and the code tree, read together in one consistent read."""
    with project.read() as tx:
        return ProjectOverview(
            tx.documents.summaries(), tree_of(tx.codes.all(), tx.codes.coding_counts())
        )


def coders(project: Project) -> list[CoderRecord]:
    with project.read() as tx:
        return tx.coders.all()


def document_codings(
    project: Project, document_id: int, coding_ids: Iterable[int] | None = None
) -> list[CodingSpan]:
    """A document's codings (all, or those of ``coding_ids`` still there) in text order."""
    with project.read() as tx:
        return tx.codings.spans(document_id, coding_ids)


def coding_counts(project: Project, code_ids: Iterable[int]) -> dict[int, int]:
    """The number of codings of each code in ``code_ids``."""
    with project.read() as tx:
        return tx.codes.coding_counts(code_ids)


def codings(
    project: Project,
    *,
    document_id: int | None = None,
    code_id: int | None = None,
    include_children: bool = False,
    coder_id: int | None = None,
    coding_ids: Iterable[int] | None = None,
) -> list[CodingDetail]:
    """Codings filtered by document, code (optionally with its descendants), coder and ids."""
    with project.read() as tx:
        code_ids: list[int] | None = None
        if code_id is not None:
            code_ids = tx.codes.subtree_ids(code_id) if include_children else [code_id]
        return tx.codings.details(
            document_id=document_id, code_ids=code_ids, coder_id=coder_id, coding_ids=coding_ids
        )


def memo(project: Project, target: MemoTarget) -> MemoRecord | None:
    """The memo on ``target`` (the project, a document, a code or a coding), if any."""
    with project.read() as tx:
        return tx.memos.get(target)


def paths(project: Project) -> dict[int, str]:
    """Every code's path by its id."""
    with project.read() as tx:
        return code_paths(tx.codes.all())


def walk(nodes: list[CodeNode]) -> Iterator[CodeNode]:
    """Every node of a code tree, parents before their children, in tree order."""
    for node in nodes:
        yield node
        yield from walk(node.children)


def tree_of(records: list[CodeRecord], counts: dict[int, int] | None = None) -> list[CodeNode]:
    """Codes in tree order (parents first) as a tree, with their counts of codings if given."""
    counts = counts or {}
    all_paths = code_paths(records)
    nodes = {c.id: CodeNode(c, all_paths[c.id], counts.get(c.id, 0)) for c in records}
    roots: list[CodeNode] = []
    for record in records:  # tree order keeps siblings in order
        node = nodes[record.id]
        if record.parent_id is None:
            roots.append(node)
        else:
            nodes[record.parent_id].children.append(node)
    return roots
