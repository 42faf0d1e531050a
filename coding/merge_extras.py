"""Merging what comes beside the codings: cases with their documents, attributes with their
values, and memos. Ours stay where both projects have one; theirs fill what we lack."""

from __future__ import annotations

from dataclasses import replace

from coding.merge_report import Skip, SourceReport
from coding.merge_state import MemoKey, MergeState, SourceMap
from coding.project import code_paths
from storage.records import MemoRecord
from storage.repositories.content import ProjectContent


def merge_cases(
    state: MergeState, content: ProjectContent, mapping: SourceMap, report: SourceReport
) -> None:
    """Cases matched by UUID, then name, or added; and the documents they hold."""
    tx = state.tx
    ours = tx.cases.all()
    by_uuid = {case.uuid: case.id for case in ours}
    by_name = {case.name: case.id for case in ours}
    for case in content.cases:
        found = by_uuid.get(case.uuid) or by_name.get(case.name)
        if found is not None:
            report.cases_matched += 1
        else:
            found = tx.cases.add(case.name, case.description, state.keep(case.uuid))
            state.undo.added.cases.append(found)
            report.cases_new.append(case.name)
        mapping.cases[case.id] = found
    for case_id, document_id in content.memberships:
        pair = (mapping.cases[case_id], mapping.documents[document_id].our_id)
        if pair not in state.memberships:
            tx.merging.add_membership(*pair)
            state.memberships.add(pair)
            state.undo.added.memberships.append(pair)
            report.memberships_added += 1


def merge_attributes(
    state: MergeState, content: ProjectContent, mapping: SourceMap, report: SourceReport
) -> None:
    """Attributes matched by UUID, then scope and name, or added; then the values we lack.

    An attribute of another type here keeps its values, and theirs are not brought.
    """
    tx = state.tx
    ours = tx.attributes.all()
    by_uuid = {attribute.uuid: attribute for attribute in ours}
    by_name = {(attribute.scope, attribute.name): attribute for attribute in ours}
    attributes: dict[int, int] = {}
    for attribute in content.attributes:
        found = by_uuid.get(attribute.uuid) or by_name.get((attribute.scope, attribute.name))
        if found is None:
            uuid = state.keep(attribute.uuid)
            new_id = tx.attributes.add(attribute.name, attribute.scope, attribute.value_type, uuid)
            state.undo.added.attributes.append(new_id)
            report.attributes_new.append(attribute.name)
            attributes[attribute.id] = new_id
        elif found.value_type != attribute.value_type:
            report.warnings.append(
                f"The attribute “{attribute.name}” is {_TYPES[found.value_type]} here and "
                f"{_TYPES[attribute.value_type]} in {report.name}; its values were not brought."
            )
        else:
            attributes[attribute.id] = found.id
    for value in content.values:
        if value.attribute_id not in attributes:
            continue
        owned = replace(
            value,
            case_id=mapping.cases[value.case_id] if value.case_id is not None else None,
            document_id=(
                mapping.documents[value.document_id].our_id
                if value.document_id is not None
                else None
            ),
        )
        key = (attributes[value.attribute_id], owned.case_id, owned.document_id)
        existing = state.values.get(key)
        if existing is None:
            value_id = tx.merging.add_value(owned, key[0], state.keep(value.uuid))
            state.undo.added.values.append(value_id)
            state.values[key] = owned
            report.values_added += 1
        elif (existing.text_value, existing.number_value) != (value.text_value, value.number_value):
            report.values_kept += 1


_TYPES = {"text": "text", "number": "a number", "date": "a date", "boolean": "yes/no"}


def merge_memos(
    state: MergeState, content: ProjectContent, mapping: SourceMap, report: SourceReport
) -> None:
    """Their memos where ours are missing or empty; where both have one and they differ,
    ours stays and the report names it. A coding's memo comes with its coding."""
    tx = state.tx
    for memo in content.memos:
        key = _target(memo, mapping)
        if key is None:
            continue  # what it is about was not brought
        ours = state.memos.get(key)
        if ours is not None and not _empty(ours):
            if not _empty(memo) and _words(ours.text) != _words(memo.text):
                report.memos_kept.append(_describe(state, key))
            continue
        if _empty(memo):
            continue
        if ours is not None:  # an empty memo of ours gives way
            state.undo.replaced.extend(tx.merging.memo_rows([ours.id]))
            tx.merging.remove_memos([ours.id])
        memo_id = tx.merging.add_memo(
            memo,
            uuid=state.keep(memo.uuid),
            document_id=key[0],
            code_id=key[1],
            coding_id=key[2],
            coder_id=mapping.coders.get(memo.coder_id) if memo.coder_id is not None else None,
        )
        state.memos[key] = replace(memo, id=memo_id)
        state.undo.added.memos.append(memo_id)
        report.memos_added += 1


def _target(memo: MemoRecord, mapping: SourceMap) -> MemoKey | None:
    if memo.coding_id is not None:
        coding_id = mapping.codings.get(memo.coding_id)
        return None if coding_id is None else (None, None, coding_id)
    if memo.document_id is not None:
        return (mapping.documents[memo.document_id].our_id, None, None)
    if memo.code_id is not None:
        code_id = mapping.codes[memo.code_id]
        return None if isinstance(code_id, Skip) else (None, code_id, None)
    return (None, None, None)


def _describe(state: MergeState, key: MemoKey) -> str:
    """The memo's target in words, for the report."""
    document_id, code_id, coding_id = key
    names = {document.id: document.name for document in state.documents}
    if document_id is not None:
        return f"the memo on “{names[document_id]}”"
    if code_id is None and coding_id is None:
        return "the project memo"
    paths = code_paths(state.tx.codes.all())
    if code_id is not None:
        return f"the memo on the code “{paths[code_id]}”"
    assert coding_id is not None
    coding = state.tx.codings.get(coding_id)
    return (
        f"the memo on a coding of “{paths[coding.code_id]}” in “{names[coding.document_id]}” "
        f"({coding.start}–{coding.end})"
    )


def _empty(memo: MemoRecord) -> bool:
    return not memo.text.strip() and not memo.title.strip()


def _words(text: str) -> str:
    return " ".join(text.split())
