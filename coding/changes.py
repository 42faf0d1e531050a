"""What an edit touched, so that views refresh only that."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Changes:
    """The parts of a project that an edit (or its undo) changed.

    ``documents``: documents whose codings or text changed; ``codes``: codes whose own fields
    changed; ``document_list``/``code_tree``: documents or codes were added, removed or moved;
    ``memos``, ``cases``, ``attributes``: those changed.
    """

    documents: frozenset[int] = frozenset()
    codes: frozenset[int] = frozenset()
    document_list: bool = False
    code_tree: bool = False
    memos: bool = False
    cases: bool = False
    attributes: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            documents=self.documents | other.documents,
            codes=self.codes | other.codes,
            document_list=self.document_list or other.document_list,
            code_tree=self.code_tree or other.code_tree,
            memos=self.memos or other.memos,
            cases=self.cases or other.cases,
            attributes=self.attributes or other.attributes,
        )
