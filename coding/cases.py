"""Commands for cases and attributes: create a case, set an attribute's value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from coding.changes import Changes
from coding.errors import CodingError, NameConflictError
from coding.project import Project
from storage.models import CaseDocumentRow, CaseRow
from storage.repositories.cases import VALUE_TYPES, Value
from storage.repositories.rows import Snapshot, dump, restore


@dataclass
class CreateCase:
    """Create a case, optionally holding some documents."""

    project: Project
    name: str
    description: str = ""
    document_ids: list[int] = field(default_factory=list)
    case_id: int | None = field(default=None, init=False)
    _snapshot: tuple[Snapshot, Snapshot] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return f"Create case “{self.name}”"

    def do(self) -> Changes:
        with self.project.transaction() as tx:
            if self._snapshot is not None:
                restore(tx.session, CaseRow, self._snapshot[0])
                restore(tx.session, CaseDocumentRow, self._snapshot[1])
            else:
                name = " ".join(self.name.split())
                if not name:
                    raise CodingError("A case needs a name.")
                if tx.cases.by_name(name) is not None:
                    raise NameConflictError(f"There is already a case “{name}”.")
                for document_id in self.document_ids:
                    tx.documents.get(document_id)
                self.case_id = tx.cases.add(name, self.description)
                tx.cases.add_documents(self.case_id, self.document_ids)
        return Changes(cases=True, document_list=True)

    def undo(self) -> Changes:
        assert self.case_id is not None
        with self.project.transaction() as tx:
            self._snapshot = (
                dump(tx.session, CaseRow, CaseRow.id == self.case_id),
                dump(tx.session, CaseDocumentRow, CaseDocumentRow.case_id == self.case_id),
            )
            tx.cases.delete(self.case_id)
        return Changes(cases=True, document_list=True)


@dataclass
class SetAttribute:
    """Set the value of an attribute on a case or a document, creating the attribute if new.

    ``scope`` is ``case`` or ``document``; ``owner_id`` the case's or document's id;
    ``value_type`` (``text``, ``number``, ``date``, ``boolean``) is used when the attribute is
    new. ``value=None`` clears the value.
    """

    project: Project
    scope: str
    owner_id: int
    name: str
    value: Value
    value_type: str = "text"
    _old: Value = field(default=None, init=False, repr=False)
    _created: int | None = field(default=None, init=False, repr=False)
    _attribute_uuid: str | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return f"Set “{self.name}”"

    def do(self) -> Changes:
        if self.scope not in ("case", "document"):
            raise CodingError("Attributes belong to cases or documents.")
        with self.project.transaction() as tx:
            owner = self._owner()
            if self.scope == "case":
                tx.cases.get(self.owner_id)
            else:
                tx.documents.get(self.owner_id)
            attribute = tx.attributes.by_name(self.scope, self.name)
            if attribute is None:
                if self.value_type not in VALUE_TYPES:
                    raise CodingError(
                        f"“{self.value_type}” is not an attribute type; use one of "
                        f"{', '.join(VALUE_TYPES)}."
                    )
                attribute_id = tx.attributes.add(
                    self.name, self.scope, self.value_type, uuid=self._attribute_uuid
                )
                self._created = attribute_id
                value_type = self.value_type
            else:
                attribute_id, value_type = attribute.id, attribute.value_type
            self._old = tx.attributes.value(attribute_id, **owner)
            tx.attributes.set_value(attribute_id, _convert(self.value, value_type), **owner)
        return Changes(attributes=True)

    def undo(self) -> Changes:
        with self.project.transaction() as tx:
            attribute = tx.attributes.by_name(self.scope, self.name)
            assert attribute is not None
            if self._created is not None:
                self._attribute_uuid = attribute.uuid
                tx.attributes.delete(attribute.id)
                self._created = None
            else:
                tx.attributes.set_value(attribute.id, self._old, **self._owner())
        return Changes(attributes=True)

    def _owner(self) -> dict[str, int]:
        return {"case_id" if self.scope == "case" else "document_id": self.owner_id}


def _convert(value: Value, value_type: str) -> Value:
    """The value in the attribute's type, or a :class:`CodingError` saying what is expected."""
    if value is None:
        return None
    try:
        if value_type == "number":
            return float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        if value_type == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"yes", "ja", "true", "1", "y", "j"}:
                return True
            if text in {"no", "nei", "nej", "false", "0", "n"}:
                return False
            raise ValueError(text)
        if value_type == "date":
            return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        expected = {"number": "a number", "boolean": "yes or no", "date": "a date (YYYY-MM-DD)"}
        raise CodingError(f"“{value}” is not {expected[value_type]}.") from None
    return str(value)
