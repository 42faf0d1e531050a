"""What an edit touched, so that views refresh only that."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Changes:
    """The parts of a project that an edit (or its undo) changed.

    ``documents``: documents whose codings or text changed; ``codings``: the codings added,
    removed or changed (their ids), so that a view can update just those; ``codes``: codes whose
    own fields changed (name, colour, definitions); ``counted``: codes whose number of codings
    changed; ``document_list``/``code_tree``: documents or codes were added, removed or moved;
    ``memos``, ``cases``, ``attributes``: those changed.
    """

    documents: frozenset[int] = frozenset()
    codings: frozenset[int] = frozenset()
    codes: frozenset[int] = frozenset()
    counted: frozenset[int] = frozenset()
    document_list: bool = False
    code_tree: bool = False
    memos: bool = False
    cases: bool = False
    attributes: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            documents=self.documents | other.documents,
            codings=self.codings | other.codings,
            codes=self.codes | other.codes,
            counted=self.counted | other.counted,
            document_list=self.document_list or other.document_list,
            code_tree=self.code_tree or other.code_tree,
            memos=self.memos or other.memos,
            cases=self.cases or other.cases,
            attributes=self.attributes or other.attributes,
        )

    @property
    def structural(self) -> bool:
        """Whether documents or codes were added, removed, moved or restyled: reload whole."""
        return self.document_list or self.code_tree or bool(self.codes)
