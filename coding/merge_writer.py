"""Writing coders' projects into the open one, one after another, inside one transaction.

Each coder's project goes in this order: its codebook (through the reviewed codebook merge),
its coders, documents, cases and attributes, codings, and memos. What one project brought is
seen by the next: a document or code it added is matched, and a coding it added is not added
twice.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from coding.codebook_apply import ApplyCodebookMerge
from coding.codebook_merge import Action, MergeReview
from coding.merge_extras import merge_attributes, merge_cases, merge_memos
from coding.merge_matching import PlacedDocument, match_documents, place_passage
from coding.merge_report import Skip, SourceReport
from coding.merge_state import MergeState, Progress, SourceMap
from coding.project import Project, code_paths
from storage.records import CodingRecord
from storage.repositories.content import DocumentContent, ProjectContent
from storage.repositories.merging import DocumentKey, NewCoding
from storage.store import Tx

#: Codings inserted per statement, and between two progress reports.
BATCH = 2_000


class MergeWriter:
    """The writes of one merge; :meth:`write` takes one coder's project at a time."""

    def __init__(self, project: Project, tx: Tx, total: int, progress: Progress | None) -> None:
        self.project = project
        self.state = MergeState(tx, total, progress)
        self._texts: dict[int, str] = {}
        self._codable: dict[int, bool] = {}

    @property
    def tx(self) -> Tx:
        return self.state.tx

    def write(self, path: Path, content: ProjectContent, review: MergeReview) -> SourceReport:
        """Merge one coder's project, whose codebook was reviewed as ``review``."""
        report = SourceReport(path)
        mapping = SourceMap(
            codes=self._codebook(content, review, report),
            coders=self._coders(content, report),
            documents=self._documents(content, report),
        )
        merge_cases(self.state, content, mapping, report)
        merge_attributes(self.state, content, mapping, report)
        self._codings(content, mapping, report)
        merge_memos(self.state, content, mapping, report)
        for document in content.documents:
            warning = mapping.documents[document.id].warning(document.name)
            if warning is not None:
                report.warnings.append(warning)
        return report

    # --- the codebook ------------------------------------------------------------------------

    def _codebook(
        self, content: ProjectContent, review: MergeReview, report: SourceReport
    ) -> dict[int, int | Skip]:
        """Apply the codebook merge; each incoming code's id mapped to its code here."""
        earlier: set[int] = set()
        if self.state.created_codes:
            review, earlier = self._rebased(review)
        command = ApplyCodebookMerge(self.project, review)
        command.apply_in(self.tx)
        self.state.undo.codebooks.append(command)
        self.state.created_codes.update(command.created)
        new_rows = [row for row in review.rows if row.action is Action.NEW]
        made = dict(zip((row.incoming.index for row in new_rows), command.created, strict=True))
        by_uuid: dict[str, int | Skip] = {}
        for row in review.rows:
            guid = (row.incoming.spec.uuid or "").lower()
            if row.action is Action.MERGE and row.target_id is not None:
                by_uuid[guid] = row.target_id
                how = row.how.value if row.how is not None else "chosen"
                report.codes_matched["earlier" if row.incoming.index in earlier else how] += 1
            elif row.action is Action.NEW:
                by_uuid[guid] = made[row.incoming.index]
                report.codes_new.append(review.destination_path(row))
            else:
                by_uuid[guid] = Skip.CODE_LEFT_OUT
                report.codes_skipped.append(row.incoming.path)
        self.state.tick(1)
        return {code.id: by_uuid.get(code.uuid, Skip.CODE_LEFT_OUT) for code in content.codes}

    def _rebased(self, review: MergeReview) -> tuple[MergeReview, set[int]]:
        """``review`` with its new codes that an earlier project of this merge already added
        (the same GUID, or the same name under the same parent) merged into those instead;
        and the indexes of the rows that changed."""
        codes = self.tx.codes.all()
        rows = [replace(row, conflicts=list(row.conflicts)) for row in review.rows]
        rebased = MergeReview(
            review.source, rows, {c.id: c for c in codes}, code_paths(codes), review.threshold
        )
        created = self.state.created_codes
        by_name = {(c.parent_id, c.name.casefold()): c.id for c in codes if c.id in created}
        earlier: set[int] = set()
        for row in rows:
            if row.action is not Action.NEW:
                continue
            spec = row.incoming.spec
            target = next(
                (
                    found
                    for guid in (spec.uuid, *spec.aliases)
                    if guid and (found := self.tx.codes.id_by_uuid(guid)) in created
                ),
                None,
            )
            parent = rebased.destination_parent(row)
            if target is None and (parent is None or parent >= 0):
                target = by_name.get((parent, spec.name.casefold()))
            if target is not None:
                rebased.set_action(row, Action.MERGE, target)
                earlier.add(row.incoming.index)
        return rebased, earlier

    # --- coders and documents ----------------------------------------------------------------

    def _coders(self, content: ProjectContent, report: SourceReport) -> dict[int, int]:
        """The coders who coded or wrote memos, matched by name (then UUID) or added."""
        used = {coding.coder_id for coding in content.codings}
        used |= {memo.coder_id for memo in content.memos if memo.coder_id is not None}
        ours = self.tx.coders.all()
        by_name = {coder.name: coder.id for coder in ours}
        by_folded = {coder.name.casefold(): coder.id for coder in ours}
        by_uuid = {coder.uuid: coder.id for coder in ours}
        mapped: dict[int, int] = {}
        for coder in content.coders:
            if coder.id not in used:
                continue
            found = (
                by_name.get(coder.name)
                or by_folded.get(coder.name.casefold())
                or by_uuid.get(coder.uuid)
            )
            if found is not None:
                report.coders_matched.append(coder.name)
            else:
                found = self.tx.coders.add(coder.name, self.state.keep(coder.uuid))
                self.state.undo.added.coders.append(found)
                report.coders_new.append(coder.name)
            mapped[coder.id] = found
        return mapped

    def _documents(
        self, content: ProjectContent, report: SourceReport
    ) -> dict[int, PlacedDocument]:
        """Each incoming document matched here (by UUID, then text, then name) or added."""
        found = match_documents(self.state.documents, content.documents)
        placed: dict[int, PlacedDocument] = {}
        for document in content.documents:
            if document.id in found:
                ours, how = found[document.id]
                same_text = ours.text_hash == document.text_hash
                placed[document.id] = PlacedDocument(
                    ours.id, ours.name, how, same_text, len(document.text)
                )
                report.documents_matched[how] += 1
            else:
                placed[document.id] = self._add_document(document, report)
            self.state.tick(1)
        return placed

    def _add_document(self, document: DocumentContent, report: SourceReport) -> PlacedDocument:
        """Add a document with its paragraphs, keeping its UUIDs where they are free."""
        taken_names = {key.name for key in self.state.documents}
        name, number = document.name, 2
        while name in taken_names:
            name, number = f"{document.name} ({number})", number + 1
        uuid = self.state.keep(document.uuid)
        kept = [paragraph.uuid for paragraph in document.paragraphs]
        fresh = any(self.state.is_taken(paragraph) for paragraph in kept)
        our_id = self.tx.merging.add_document(document, name=name, uuid=uuid, fresh=fresh)
        if not fresh:
            self.state.take(kept)
        self.state.documents.append(DocumentKey(our_id, uuid, name, document.text_hash))
        self.state.undo.added.documents.append(our_id)
        report.documents_new.append(name)
        return PlacedDocument(our_id, name, None, True, len(document.text))

    # --- codings -------------------------------------------------------------------------

    def _codings(self, content: ProjectContent, mapping: SourceMap, report: SourceReport) -> None:
        """Add the codings that are not here yet, in batches; note in ``mapping.codings``
        each incoming coding's coding here (added, or the one it is the same as)."""
        batch: list[tuple[int, NewCoding]] = []
        total = len(content.codings)
        for count, coding in enumerate(content.codings, start=1):
            skip, new = self._coding(coding, mapping)
            if skip is not None:
                report.codings_skipped[skip] += 1
            elif new is not None:
                batch.append((coding.id, new))
            if len(batch) >= BATCH or count == total:
                self._flush(batch, mapping, report)
                batch = []
            if count % BATCH == 0 or count == total:
                self.state.tick(count % BATCH or BATCH)

    def _coding(
        self, coding: CodingRecord, mapping: SourceMap
    ) -> tuple[Skip | None, NewCoding | None]:
        """Why an incoming coding is skipped, or the coding to add for it."""
        state = self.state
        target = mapping.codes[coding.code_id]
        if isinstance(target, Skip):
            return target, None
        if not self._is_codable(target):
            return Skip.CODE_IS_FOLDER, None
        existing = state.codings_by_uuid.get(coding.uuid)
        if existing is not None:
            if existing > 0:
                mapping.codings[coding.id] = existing
            return Skip.ALREADY_HERE, None
        place = mapping.documents[coding.document_id]
        start, end, text = coding.start, coding.end, coding.text
        if not place.same_text:
            ours = self._text(place.our_id)
            span = place_passage(ours, coding.text, place.hint(coding.start, len(ours)))
            if span is None:
                place.lost += 1
                return Skip.TEXT_NOT_FOUND, None
            start, end = span
            text = ours[start:end]
        key = (place.our_id, target, mapping.coders[coding.coder_id], start, end)
        if key in state.coding_keys:
            if state.coding_keys[key] > 0:
                mapping.codings[coding.id] = state.coding_keys[key]
            return Skip.IDENTICAL, None
        if not place.same_text:
            place.placed += 1
        state.coding_keys[key] = -1  # its id comes with the batch
        state.codings_by_uuid[coding.uuid] = -1
        return None, NewCoding(coding.uuid, *key, text, coding.created_at)

    def _flush(
        self, batch: list[tuple[int, NewCoding]], mapping: SourceMap, report: SourceReport
    ) -> None:
        state = self.state
        ids = self.tx.merging.add_codings([new for _, new in batch])
        for (source_id, new), coding_id in zip(batch, ids, strict=True):
            mapping.codings[source_id] = coding_id
            state.coding_keys[new.document_id, new.code_id, new.coder_id, new.start, new.end] = (
                coding_id
            )
            state.codings_by_uuid[new.uuid] = coding_id
            state.undo.documents.add(new.document_id)
            state.undo.counted.add(new.code_id)
        state.undo.added.codings.extend(ids)
        report.codings_added += len(ids)

    def _is_codable(self, code_id: int) -> bool:
        if code_id not in self._codable:  # codes are read once per project merged
            self._codable = {code.id: code.codable for code in self.tx.codes.all()}
        return self._codable[code_id]

    def _text(self, document_id: int) -> str:
        if document_id not in self._texts:
            self._texts[document_id] = self.tx.documents.text(document_id)
        return self._texts[document_id]
