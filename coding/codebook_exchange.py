"""Codebooks to and from REFI-QDA ``.qdc`` files, with the codebook fields under headings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from coding.codebook import NAME_LIMIT, kept_name
from coding.codebook_matching import flatten
from coding.codebooks import CodebookSpec, CodeSpec
from coding.errors import StorageError
from coding.project import Project
from coding.queries import CodeNode, code_tree, tree_of, walk
from storage.errors import ImportFileError
from storage.formats.qdc import QdcCode, QdcCodebook, read_qdc, write_qdc
from storage.formats.qdpx import read_qdpx_codebook
from storage.project_file import SUFFIX, read_copy
from storage.records import CodeRecord
from storage.repositories.codes import DEFINITION_FIELDS

#: The headings under which a code's fields travel in ``Description``, in this order. Another
#: Tillit reads them back into their fields; other programs show them as plain text.
HEADINGS = (
    ("brief_definition", "Brief definition"),
    ("full_definition", "Full definition"),
    ("when_to_use", "When to use"),
    ("when_not_to_use", "When not to use"),
    ("example", "Example"),
    ("alt_name", "Second-language name"),
)
_HEADING = re.compile(
    r"^(" + "|".join(re.escape(title) for _, title in HEADINGS) + r"):[ \t]*", re.MULTILINE
)


def describe(fields: dict[str, str]) -> str:
    """The ``Description`` text of a code: each non-empty field under its heading."""
    parts = [f"{title}:\n{fields[key].strip()}" for key, title in HEADINGS if fields.get(key)]
    return "\n\n".join(parts)


def read_description(text: str) -> dict[str, str]:
    """The fields of a ``Description`` written by :func:`describe`.

    Text before the first heading (all of it, when another program wrote the description)
    becomes the full definition, or is put in front of it.
    """
    by_title = {title: key for key, title in HEADINGS}
    fields: dict[str, str] = {}
    matches = list(_HEADING.finditer(text))
    lead = text[: matches[0].start()] if matches else text
    followers: list[re.Match[str] | None] = [*matches[1:], None] if matches else []
    for match, following in zip(matches, followers, strict=True):
        end = following.start() if following is not None else len(text)
        fields[by_title[match.group(1)]] = text[match.end() : end].strip()
    if lead.strip():
        full = fields.get("full_definition", "")
        fields["full_definition"] = f"{lead.strip()}\n\n{full}".strip()
    return fields


def export_codebook(project: Project, path: Path) -> int:
    """Write the project's codebook to a ``.qdc`` file; returns how many codes it holds.

    GUIDs are the codes' UUIDs, so exporting twice gives the same GUIDs. Raises
    :class:`StorageError` when the file cannot be written.
    """
    roots = code_tree(project)
    try:
        write_qdc(path, [_qdc(node) for node in roots])
    except OSError as exc:
        raise StorageError(f"Tillit could not write “{path.name}”: {exc.strerror}.") from exc
    return sum(1 for _ in walk(roots))


#: The files a codebook can be read from, by their extension.
CODEBOOK_SOURCES = (".qdc", ".qdpx", SUFFIX)


@dataclass(frozen=True)
class IncomingCodebook(CodebookSpec):
    """A codebook read from a file, with ``warnings``: sentences about how it was read (a
    namespace other than REFI-QDA's) and what it left out (code groups), for the merge's
    report."""

    warnings: tuple[str, ...] = ()


def read_codebook_file(path: Path) -> IncomingCodebook:
    """The codebook of a ``.qdc`` file, a ``.qdpx`` project or another Tillit project.

    Raises :class:`ImportFileError` or :class:`ProjectFileError` with the researcher's reason.
    """
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        return _incoming(path, read_qdpx_codebook(path))
    if suffix == SUFFIX:
        with read_copy(path) as store, store.read() as tx:
            codes, aliases = tx.codes.all(), tx.codes.aliases()
        return IncomingCodebook(path.stem, codebook_specs(codes, aliases))
    if suffix != ".qdc":
        raise ImportFileError(
            f"“{path.name}” is not a codebook Tillit reads; choose a .qdc file, "
            f"a .qdpx project or a {SUFFIX} project."
        )
    return _incoming(path, read_qdc(path))


def _incoming(path: Path, book: QdcCodebook) -> IncomingCodebook:
    incoming = IncomingCodebook(path.stem, code_specs(book.codes), tuple(book.warnings))
    for item in flatten(incoming):
        name = kept_name(item.spec.name)
        if len(name) > NAME_LIMIT:
            raise ImportFileError(
                f"“{path.name}” holds a code whose name has {len(name):,} characters "
                f"(“{name[:40]}…”); a code's name can have at most {NAME_LIMIT}, so "
                "shorten it in the program that wrote the file."
            )
    return incoming


def codebook_specs(codes: list[CodeRecord], aliases: dict[str, int]) -> tuple[CodeSpec, ...]:
    """A project's codes (in tree order) as a tree of specs, with the GUIDs they answer to."""
    answers: dict[int, list[str]] = {}
    for guid, code_id in aliases.items():
        answers.setdefault(code_id, []).append(guid)

    def spec(node: CodeNode) -> CodeSpec:
        code = node.code
        return CodeSpec(
            name=code.name,
            alt_name=code.alt_name,
            uuid=code.uuid,
            color=code.color,
            codable=code.codable,
            definitions={key: getattr(code, key) for key in DEFINITION_FIELDS},
            children=tuple(spec(child) for child in node.children),
            aliases=tuple(sorted(answers.get(code.id, []))),
        )

    return tuple(spec(root) for root in tree_of(codes))


def _qdc(node: CodeNode) -> QdcCode:
    code = node.code
    fields = {
        "brief_definition": code.brief_definition,
        "full_definition": code.full_definition,
        "when_to_use": code.when_to_use,
        "when_not_to_use": code.when_not_to_use,
        "example": code.example,
        "alt_name": code.alt_name,
    }
    return QdcCode(
        guid=code.uuid,
        name=code.name,
        codable=code.codable,
        color=code.color,
        description=describe(fields),
        children=[_qdc(child) for child in node.children],
    )


def _spec(code: QdcCode) -> CodeSpec:
    fields = read_description(code.description)
    alt_name = fields.pop("alt_name", "")
    return CodeSpec(
        name=code.name.replace("/", "-"),
        alt_name=alt_name,
        uuid=code.guid,
        color=code.color,
        codable=code.codable,
        definitions=fields,
        children=tuple(_spec(child) for child in code.children),
    )


def qdc_codes(roots: list[CodeNode]) -> list[QdcCode]:
    """The code tree as REFI-QDA codes: GUIDs are the codes' UUIDs, fields in ``Description``."""
    return [_qdc(node) for node in roots]


def code_specs(codes: list[QdcCode]) -> tuple[CodeSpec, ...]:
    """REFI-QDA codes as a tree of specs, their fields read back from ``Description``."""
    return tuple(_spec(code) for code in codes)
