"""What the agreement statistics read: every coding of chosen coders, and who coded at all."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CodingRow


class AgreementRepo:
    """Reads codings for inter-coder agreement; writes nothing."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def coders_with_codings(self) -> set[int]:
        """The ids of the coders who made at least one coding anywhere in the project."""
        return set(self._session.execute(select(CodingRow.coder_id).distinct()).scalars())

    def codings(self, coder_ids: Iterable[int]) -> list[tuple[int, int, int, int, int]]:
        """Every coding of ``coder_ids``, of any code, as ``(document_id, code_id, coder_id,
        start, end)`` in code points, by document and start; read from the covering index of
        document spans, with no ORM work per row."""
        query = (
            select(
                CodingRow.document_id,
                CodingRow.code_id,
                CodingRow.coder_id,
                CodingRow.start,
                CodingRow.end,
            )
            .where(CodingRow.coder_id.in_(list(coder_ids)))
            .order_by(CodingRow.document_id, CodingRow.start)
        )
        rows = self._session.connection().execute(query)
        return [(document, code, coder, start, end) for document, code, coder, start, end in rows]
