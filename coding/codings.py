"""Commands that apply, remove and recode codings, and edit memos."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from coding.changes import Changes
from coding.codebook import add_code
from coding.errors import CodingError, InvalidSpanError
from coding.project import Project, coder_id_for, split_path
from storage.records import CodeRecord
from storage.repositories.memos import MemoTarget
from storage.repositories.rows import Snapshot
from storage.store import Tx

Span = tuple[int, int]


#: Up to this many spans, each passage is read alone rather than the whole document's text.
_FEW_SPANS = 8


def check_span(length: int, start: int, end: int) -> None:
    """Refuse an empty span or one outside a text of ``length`` code points (end exclusive)."""
    if not 0 <= start < end:
        raise InvalidSpanError("Select some text before applying a code.")
    if end > length:
        raise InvalidSpanError(
            f"The passage {start}:{end} runs past the end of the document, "
            f"which has {length} characters."
        )


@dataclass
class AddsCodings:
    """The base of commands that add codings (and perhaps the codes they apply).

    A subclass implements ``_first_do`` (record the ids in ``coding_ids`` and any code it
    created in ``created_codes``, parents first) and ``_changes``. Undo snapshots and deletes
    exactly those rows; redo restores them with the same ids and UUIDs.
    """

    project: Project
    coding_ids: list[int] = field(default_factory=list, init=False)
    created_codes: list[int] = field(default_factory=list, init=False)
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)
    _code_snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            if self._snapshot is not None:
                if self._code_snapshot is not None:
                    tx.codes.restore(self._code_snapshot)
                tx.codings.restore(self._snapshot)
            else:
                # A refused first run rolled back: forget what it had noted.
                self.coding_ids.clear()
                self.created_codes.clear()
                self._first_do(tx)
        return self._changes()

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            self._snapshot = tx.codings.snapshot(self.coding_ids)
            tx.codings.delete(self.coding_ids)
            if self.created_codes:
                self._code_snapshot = tx.codes.snapshot(self.created_codes)
                tx.codes.delete(self.created_codes[0])
        return self._changes()

    def _first_do(self, tx: Tx) -> None:
        raise NotImplementedError

    def _changes(self) -> Changes:
        raise NotImplementedError


@dataclass
class ApplyCoding(AddsCodings):
    """Code one or more spans of a document with one code, as one undoable action.

    Give the code by ``code_id``, or by ``code_path``: a path whose missing levels are created
    (and removed again by undo). ``coder`` is a coder's name (new names are added); ``None``
    means the project's current coder. Spans already coded identically are skipped; if every
    span is, that is an error.
    """

    document_id: int
    spans: Sequence[Span]
    code_id: int | None = None
    code_path: str | None = None
    coder: str | None = None
    memo: str = ""

    @property
    def label(self) -> str:
        name = (self.code_path or "").rsplit("/", 1)[-1]
        return f"Apply code “{name}”" if name else "Apply code"

    def _changes(self) -> Changes:
        return Changes(
            documents=frozenset({self.document_id}),
            codings=frozenset(self.coding_ids),
            counted=frozenset({self.code_id}) if self.code_id else frozenset(),
            code_tree=bool(self.created_codes),
        )

    def _first_do(self, tx: Tx) -> None:
        length = tx.documents.length(self.document_id)
        for start, end in self.spans:
            check_span(length, start, end)
        code = codable_code(tx, self.code_id, self.code_path, self.created_codes)
        self.code_path = self.code_path or code.name
        coder_id = coder_id_for(tx, self.coder)
        self.coding_ids = add_codings(tx, self.document_id, self.spans, code.id, coder_id)
        if not self.coding_ids:
            raise CodingError(f"This passage already has the code “{code.name}”.")
        if self.memo.strip():
            for coding_id in self.coding_ids:
                tx.memos.put(MemoTarget(coding_id=coding_id), self.memo, coder_id=coder_id)
        self.code_id = code.id


def codable_code(
    tx: Tx, code_id: int | None, code_path: str | None, created: list[int]
) -> CodeRecord:
    """The code to apply: ``code_id``, or the code at ``code_path`` with its missing levels.

    The ids of the codes created are appended to ``created``, parents first. Raises
    :class:`CodingError` for an empty path or a folder (a code that is not codable), and
    :class:`NotFoundError` for a code that is no longer there.
    """
    code = tx.codes.get(code_id if code_id is not None else _code_for_path(tx, code_path, created))
    if not code.codable:
        raise CodingError(f"“{code.name}” is a folder of codes; apply one of its codes.")
    return code


def _code_for_path(tx: Tx, code_path: str | None, created: list[int]) -> int:
    parts = split_path(code_path or "")
    if not parts:
        raise CodingError("Name the code to apply.")
    parent: int | None = None
    for part in parts:
        existing = tx.codes.child_by_name(parent, part)
        if existing is None:
            existing = add_code(tx, part, parent)
            created.append(existing)
        parent = existing
    assert parent is not None
    return parent


def add_codings(
    tx: Tx, document_id: int, spans: Iterable[Span], code_id: int, coder_id: int
) -> list[int]:
    """Code checked spans of one document (see :func:`check_span`); the new codings' ids.

    A span given twice is coded once, and a span the coder already coded with this code is
    skipped, so the result may be shorter than ``spans`` (or empty). Writes in ``tx``; the
    caller commits.
    """
    coded = tx.codings.coded_spans(document_id, code_id, coder_id)
    new = [span for span in dict.fromkeys(spans) if span not in coded]
    # A click codes one passage: read it alone, not a 200,000-character transcript.
    text = tx.documents.text(document_id) if len(new) > _FEW_SPANS else None
    passages = [
        (
            start,
            end,
            text[start:end] if text is not None else tx.documents.passage(document_id, start, end),
        )
        for start, end in new
    ]
    return tx.codings.add_many(
        document_id=document_id, code_id=code_id, coder_id=coder_id, passages=passages
    )


@dataclass
class RemoveCoding:
    """Remove one coding (and its memo); undo puts it back unchanged."""

    project: Project
    coding_id: int
    _snapshot: dict[str, Snapshot] | None = field(default=None, init=False, repr=False)
    _document_id: int = field(default=0, init=False)
    _code_id: int = field(default=0, init=False)

    @property
    def label(self) -> str:
        return "Remove coding"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            coding = tx.codings.get(self.coding_id)
            self._document_id, self._code_id = coding.document_id, coding.code_id
            self._snapshot = tx.codings.snapshot([self.coding_id])
            tx.codings.delete([self.coding_id])
        return self._changes()

    def undo(self) -> Changes:
        assert self._snapshot is not None
        with self.project.transaction() as tx:
            tx.codings.restore(self._snapshot)
        return self._changes()

    def _changes(self) -> Changes:
        return Changes(
            documents=frozenset({self._document_id}),
            codings=frozenset({self.coding_id}),
            counted=frozenset({self._code_id}),
        )


@dataclass
class ChangeCodingCode:
    """Give a coding another code, keeping its passage, coder, memo and UUID; undo reverts it.

    Refuses a folder (a code that is not codable) and a code the same coder already applied to
    the same passage.
    """

    project: Project
    coding_id: int
    code_id: int
    _old_code_id: int | None = field(default=None, init=False, repr=False)
    _document_id: int = field(default=0, init=False, repr=False)
    _name: str = field(default="", init=False, repr=False)

    @property
    def label(self) -> str:
        return f"Change code to “{self._name}”" if self._name else "Change the coding's code"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            coding = tx.codings.get(self.coding_id)
            code = tx.codes.get(self.code_id)
            if not code.codable:
                raise CodingError(f"“{code.name}” is a folder of codes; choose one of its codes.")
            duplicate = tx.codings.find(
                coding.document_id, code.id, coding.coder_id, coding.start, coding.end
            )
            if coding.code_id == code.id or duplicate is not None:
                raise CodingError(f"This passage already has the code “{code.name}”.")
            self._name = code.name
            self._old_code_id = coding.code_id
            self._document_id = coding.document_id
            tx.codings.update(self.coding_id, code_id=code.id)
        return self._changes()

    def undo(self) -> Changes:
        assert self._old_code_id is not None
        with self.project.transaction() as tx:
            tx.codings.update(self.coding_id, code_id=self._old_code_id)
        return self._changes()

    def _changes(self) -> Changes:
        assert self._old_code_id is not None
        return Changes(
            documents=frozenset({self._document_id}),
            codings=frozenset({self.coding_id}),
            counted=frozenset({self._old_code_id, self.code_id}),
        )


@dataclass
class EditMemo:
    """Write the memo of the project, a document, a code or a coding; empty text removes it."""

    project: Project
    target: MemoTarget
    text: str
    title: str = ""
    _old: tuple[str, str, str | None] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return "Edit memo"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            _check_target(tx, self.target)
            current = tx.memos.get(self.target)
            self._old = None if current is None else (current.text, current.title, current.uuid)
            self._write(tx, self.text, self.title, current.uuid if current else None)
        return self._changes()

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            if self._old is None:
                tx.memos.delete(self.target)
            else:
                self._write(tx, *self._old)
        return self._changes()

    def _write(self, tx: Tx, text: str, title: str, uuid: str | None) -> None:
        if text.strip() or title.strip():
            tx.memos.put(self.target, text, title=title, coder_id=coder_id_for(tx, None), uuid=uuid)
        else:
            tx.memos.delete(self.target)

    def _changes(self) -> Changes:
        coding_id = self.target.coding_id
        return Changes(memos=True, codings=frozenset({coding_id}) if coding_id else frozenset())


def _check_target(tx: Tx, target: MemoTarget) -> None:
    if target.document_id is not None:
        tx.documents.get(target.document_id)
    if target.code_id is not None:
        tx.codes.get(target.code_id)
    if target.coding_id is not None:
        tx.codings.get(target.coding_id)
