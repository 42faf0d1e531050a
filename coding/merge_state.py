"""What one merge knows while it writes: the project's keys as they grow, the UUIDs in use,
what it added (for undo), and its progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from coding.codebook_apply import ApplyCodebookMerge
from coding.errors import CodingError
from coding.merge_matching import PlacedDocument
from coding.merge_report import Skip
from storage.models import new_uuid
from storage.records import MemoRecord
from storage.repositories.content import ValueContent
from storage.repositories.merging import AddedRows
from storage.repositories.rows import Snapshot
from storage.store import Tx

#: ``progress(done, total)``; returns False to cancel.
Progress = Callable[[int, int], bool]

#: A memo's target: (document, code, coding) ids; all ``None`` is the project memo.
MemoKey = tuple[int | None, int | None, int | None]


class MergeCancelledError(CodingError):
    """The lead cancelled a merge; nothing was changed."""

    def __init__(self) -> None:
        super().__init__("The merge was cancelled; the project is unchanged.")


@dataclass
class MergeUndo:
    """What a merge wrote, for undo and redo."""

    codebooks: list[ApplyCodebookMerge] = field(default_factory=list)
    added: AddedRows = field(default_factory=AddedRows)
    replaced: Snapshot = field(default_factory=list)  # our empty memos that theirs replaced
    documents: set[int] = field(default_factory=set)  # documents that got codings
    counted: set[int] = field(default_factory=set)  # codes that got codings


@dataclass
class SourceMap:
    """One coder's project mapped onto this one: their ids to ours."""

    codes: dict[int, int | Skip]  # a code left out maps to why
    coders: dict[int, int]
    documents: dict[int, PlacedDocument]
    cases: dict[int, int] = field(default_factory=dict)
    codings: dict[int, int] = field(default_factory=dict)  # added, or the same one here


class MergeState:
    """The project as the merge's transaction sees it, kept up to date as the merge writes."""

    def __init__(self, tx: Tx, total: int, progress: Progress | None) -> None:
        self.tx = tx
        self.undo = MergeUndo()
        self.documents = tx.merging.document_keys()
        self.codings_by_uuid = tx.merging.codings_by_uuid()
        self.coding_keys = tx.merging.coding_keys()  # ids; -1 while waiting in a batch
        self.memos: dict[MemoKey, MemoRecord] = {}
        for memo in tx.merging.memos():
            self.memos.setdefault((memo.document_id, memo.code_id, memo.coding_id), memo)
        self.memberships = tx.merging.memberships()
        self.values: dict[tuple[int, int | None, int | None], ValueContent] = {
            (value.attribute_id, value.case_id, value.document_id): value
            for value in tx.merging.values()
        }
        self.created_codes: set[int] = set()
        self._taken = tx.merging.taken_uuids()
        self._total = total
        self._done = 0
        self._progress = progress

    def keep(self, uuid: str) -> str:
        """``uuid`` if it is free here, else a new one; either is taken from now on."""
        kept = uuid if uuid not in self._taken else new_uuid()
        self._taken.add(kept)
        return kept

    def is_taken(self, uuid: str) -> bool:
        return uuid in self._taken

    def take(self, uuids: list[str]) -> None:
        self._taken.update(uuids)

    def tick(self, steps: int) -> None:
        """Count ``steps`` of work done; raises :class:`MergeCancelledError` when cancelled."""
        self._done += steps
        if self._progress is not None and not self._progress(self._done, self._total):
            raise MergeCancelledError
