"""An open project: its file, its current coder, and how names and UUIDs resolve to records."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from coding.errors import CodingError, NotFoundError, ProjectFileError
from storage.project_file import SUFFIX, ProjectFile
from storage.records import CodeRecord, CoderRecord, ProjectRecord
from storage.store import Tx

#: Languages a document can be in: Norwegian bokmål and nynorsk, Danish, Swedish, English.
LANGUAGES = ("nb", "nn", "da", "sv", "en")

#: The separator between levels of a code's path ("Styring og kontroll/Tidsstyring").
PATH_SEPARATOR = "/"


class Project:
    """A project open for reading and writing by this process (it holds the lock)."""

    def __init__(self, file: ProjectFile) -> None:
        self._file = file
        self.store = file.store
        self.path = file.path

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        coder: str | None = None,
        language: str = "nb",
        name: str | None = None,
    ) -> Project:
        """Create a new empty project and open it; ``coder`` becomes its current coder.

        Raises :class:`ProjectFileError` when the file exists or cannot be written.
        """
        if language not in LANGUAGES:
            raise CodingError(_language_error(language))
        if path.suffix.lower() != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        file = ProjectFile.create(path)
        try:
            with file.store.transaction() as tx:
                tx.project.create(name or path.stem, language)
                coder_id = tx.coders.add(coder or default_coder_name())
                tx.project.set_current_coder(coder_id)
        except BaseException:
            file.close()
            path.unlink(missing_ok=True)
            raise
        return cls(file)

    @classmethod
    def open(cls, path: Path, *, backup: bool = True) -> Project:
        """Open an existing project (see :meth:`ProjectFile.open` for what it raises)."""
        return cls(ProjectFile.open(path, backup=backup))

    def close(self) -> None:
        """Finish pending backups and release the project for other processes."""
        self._file.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One user action; see :meth:`storage.store.Store.transaction`."""
        with self.store.transaction() as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent read; see :meth:`storage.store.Store.read`."""
        with self.store.read() as tx:
            yield tx

    def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file; empty when it is sound."""
        return self._file.integrity_problems()

    def info(self) -> ProjectRecord:
        with self.read() as tx:
            return tx.project.get()

    def current_coder(self) -> CoderRecord:
        """The coder new codings are credited to."""
        with self.read() as tx:
            coder_id = tx.project.get().current_coder_id
            if coder_id is None:
                raise ProjectFileError("This project has no current coder; set one with --coder.")
            return tx.coders.get(coder_id)


def default_coder_name() -> str:
    """The operating system's name for the user, as the first coder's name."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "Coder"


def coder_id_for(tx: Tx, name: str | None) -> int:
    """The id of coder ``name`` (added to the project if new), or of the current coder."""
    if name is None:
        coder_id = tx.project.get().current_coder_id
        if coder_id is None:
            raise ProjectFileError("This project has no current coder; name one with --coder.")
        return coder_id
    name = name.strip()
    if not name:
        raise CodingError("A coder needs a name.")
    existing = tx.coders.by_name(name)
    return existing if existing is not None else tx.coders.add(name)


def resolve_document(tx: Tx, ref: str) -> int:
    """The id of the document whose UUID or name is ``ref``."""
    by_uuid = tx.documents.id_by_uuid(_strip_guid(ref))
    if by_uuid is not None:
        return by_uuid
    ids = tx.documents.ids_by_name(ref)
    if len(ids) == 1:
        return ids[0]
    if ids:
        raise CodingError(f"Several documents are called “{ref}”; name one by its UUID.")
    raise NotFoundError(f"There is no document “{ref}” in this project.")


def split_path(path: str) -> list[str]:
    """The levels of a code path, without empty levels or surrounding spaces."""
    return [part.strip() for part in path.split(PATH_SEPARATOR) if part.strip()]


def find_code(tx: Tx, ref: str) -> int | None:
    """The id of the code whose UUID or path is ``ref``, or ``None``."""
    by_uuid = tx.codes.id_by_uuid(_strip_guid(ref))
    if by_uuid is not None:
        return by_uuid
    parent: int | None = None
    parts = split_path(ref)
    if not parts:
        return None
    for part in parts:
        parent = tx.codes.child_by_name(parent, part)
        if parent is None:
            return None
    return parent


def resolve_code(tx: Tx, ref: str) -> int:
    """Like :func:`find_code`, but a missing code is an error."""
    code_id = find_code(tx, ref)
    if code_id is None:
        raise NotFoundError(f"There is no code “{ref}” in the codebook.")
    return code_id


def code_paths(codes: list[CodeRecord]) -> dict[int, str]:
    """Each code's path, from codes in tree order (parents first)."""
    paths: dict[int, str] = {}
    for code in codes:
        prefix = paths.get(code.parent_id) if code.parent_id is not None else None
        paths[code.id] = f"{prefix}{PATH_SEPARATOR}{code.name}" if prefix else code.name
    return paths


def _strip_guid(ref: str) -> str:
    return ref.strip().strip("{}").lower()


def _language_error(language: str) -> str:
    return f"“{language}” is not a language Tillit knows; use one of {', '.join(LANGUAGES)}."
