"""Quick keys 1–9: the code each digit applies, remembered per project in the settings."""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)

DIGITS = range(1, 10)


class QuickKeys:
    """Digits assigned to codes, by the codes' UUIDs (stable across undo, export and merge).

    A digit applies one code, and a code has at most one digit. Stored as JSON
    (``{"3": "<uuid>"}``) under ``key`` in ``settings``, written on every change.
    """

    def __init__(self, settings: QSettings, key: str) -> None:
        self._settings = settings
        self._key = key
        self._uuids: dict[int, str] = self._load()

    def uuid_for(self, digit: int) -> str | None:
        return self._uuids.get(digit)

    def digit_for(self, uuid: str) -> int | None:
        return next((digit for digit, held in self._uuids.items() if held == uuid), None)

    def by_uuid(self) -> dict[str, int]:
        """Each code's digit, keyed by the code's UUID."""
        return {uuid: digit for digit, uuid in self._uuids.items()}

    def assign(self, uuid: str, digit: int | None) -> None:
        """Give code ``uuid`` the key ``digit`` (taking it from another code), or none."""
        if digit is not None and digit not in DIGITS:
            raise ValueError(f"A quick key is a digit from 1 to 9, not {digit}.")
        self._uuids = {d: held for d, held in self._uuids.items() if held != uuid}
        if digit is not None:
            self._uuids[digit] = uuid
        self._settings.setValue(
            self._key, json.dumps({str(d): held for d, held in sorted(self._uuids.items())})
        )

    def _load(self) -> dict[int, str]:
        raw = self._settings.value(self._key, "")
        if not raw:
            return {}
        try:
            stored = json.loads(str(raw))
        except json.JSONDecodeError:
            log.warning("Ignoring unreadable quick keys under %s: %r", self._key, raw)
            return {}
        if not isinstance(stored, dict):
            return {}
        return {
            int(digit): str(uuid)
            for digit, uuid in stored.items()
            if str(digit).isdigit() and int(digit) in DIGITS and isinstance(uuid, str)
        }
