"""An open project: its file, its current coder, and how names and UUIDs resolve to records."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from coding.errors import CodingError, NotFoundError, ProjectFileError
from storage.project_file import SUFFIX, ProjectFile, staged_copy
from storage.records import CodeRecord, CoderRecord, ProjectRecord
from storage.store import Store, Tx

#: Languages a document can be in: Norwegian bokmål and nynorsk, Danish, Swedish, English.
LANGUAGES = ("nb", "nn", "da", "sv", "en")

#: The separator between levels of a code's path ("Styring og kontroll/Tidsstyring").
PATH_SEPARATOR = "/"

#: Where problems that came after the work was saved are told (a backup that could not be
#: made): the command line prints them after its outcome; the GUI shows what ``close`` returns.
notices = logging.getLogger("tillit.notices")


class Project:
    """A project open in this process: for writing (it holds the lock), or for reading only
    where its file or folder cannot be written (see :attr:`read_only`)."""

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
        coder_name = (coder or default_coder_name()).strip()
        if not coder_name:
            raise CodingError("A coder needs a name.")

        def fill(store: Store) -> None:
            with store.transaction() as tx:
                tx.project.create(name or path.stem, language)
                tx.project.set_current_coder(tx.coders.add(coder_name))

        return cls(ProjectFile.create(path, fill))

    @classmethod
    def open(cls, path: Path, *, backup: bool = True) -> Project:
        """Open an existing project (see :meth:`ProjectFile.open` for what it raises).

        The check of every page of the file goes on beside the first reads: the first change
        waits for it, and :meth:`verify` (or :meth:`when_checked`) tells what it found.
        """
        return cls(ProjectFile.open(path, backup=backup))

    @classmethod
    def open_verified(cls, path: Path) -> Project:
        """Open a project once the check of its file has found it sound, for a caller that
        reports what it reads (the command line); raises what :meth:`open` and
        :meth:`verify` raise."""
        project = cls.open(path)
        try:
            project.verify()
        except BaseException:
            project.close()
            raise
        return project

    def verify(self) -> None:
        """Wait for the check of the file begun on opening it; raises
        :class:`ProjectFileError` when it found the file damaged."""
        self._file.verify()

    def when_checked(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once that check has finished: at once when it has, else on the
        check's own thread; :meth:`verify` then answers without waiting."""
        self._file.when_checked(callback)

    @property
    def read_only(self) -> str | None:
        """Why the project can only be read (its file or folder cannot be written), as the
        sentence that refuses each change; ``None`` when it can be changed."""
        return self._file.read_only

    def close(self) -> list[str]:
        """Finish pending backups and release the project for other processes.

        Never fails for a condition of the disk, since every edit was saved when it was made;
        returns a sentence for each problem meanwhile (also told through :data:`notices`).
        """
        problems = self._file.close()
        for problem in problems:
            notices.warning(problem)
        return problems

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


def copy_project(source: Path, target: Path, *, coder: str | None = None) -> Path:
    """Make a consistent copy of the project ``source`` at ``target``, e.g. for a coder.

    The copy holds every edit committed before it (the source may be open, here or in
    another Tillit) and keeps the project's and documents' UUIDs, so that merging it back
    later matches them; with ``coder``, that coder (added if new) becomes its current coder.
    The copy is written whole or not at all. ``.tillit`` is added to a target without it.
    Returns the copy's path.

    Raises :class:`ProjectFileError` (the source cannot be read, the target exists or cannot
    be written), :class:`NewerProjectError`, and :class:`CodingError` for an empty name.
    """
    if target.suffix.lower() != SUFFIX:
        target = target.with_name(target.name + SUFFIX)
    if coder is not None and not coder.strip():
        raise CodingError("A coder needs a name.")
    # realpath, not resolve: a link that loops is refused by staged_copy, in one sentence.
    if os.path.realpath(target) == os.path.realpath(source):
        raise ProjectFileError(f"“{target.name}” is the project itself; name another file.")
    with staged_copy(source, target) as store:
        if coder is not None:
            with store.transaction() as tx:
                tx.project.set_current_coder(coder_id_for(tx, coder))
    return Path(os.path.realpath(target))


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
