"""The targets (one per importer and command), their seeds and mutations, and the cases of a run.

A case follows from ``(TILLIT_FUZZ_SEED, layer, target, index)`` alone: the first indexes take
each mutation once (the command line's most telling first), later ones draw at random. So a
case id names its input exactly, whatever the size of the run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from storage.formats import qdc as qdc_format
from storage.formats import text_file
from tests.fuzz import settings
from tests.fuzz.mutations import (
    BYTE_MUTATIONS,
    SUBTITLE_MUTATIONS,
    TEXT_MUTATIONS,
    ByteMutation,
    Material,
    Mutator,
    as_file,
    reencoding,
    snippet_insertion,
)
from tests.fuzz.project_mutations import PROJECT_MUTATIONS
from tests.fuzz.seeds import TEXT_SEEDS
from tests.fuzz.special_files import SPECIAL, near_limit_text, sparse
from tests.fuzz.xml_mutations import DOCX, ODT, QDC, QDE, XmlShape, xml_mutations
from tests.fuzz.zip_mutations import inside, zip_mutations

MIB = 1024 * 1024
#: The size of the user test's oversized text file.
USER_TEST_SIZE = 200 * MIB


def _limit(module: ModuleType, names: tuple[str, ...], default: int) -> int:
    """The first of ``names`` that ``module`` defines: the limit its reader states."""
    return next((getattr(module, name) for name in names if hasattr(module, name)), default)


#: The size limits the readers state; a file just over one is refused by its size alone.
TEXT_LIMIT = _limit(text_file, ("MAX_TEXT_BYTES", "MAX_FILE_BYTES"), USER_TEST_SIZE)
CODEBOOK_LIMIT = _limit(qdc_format, ("MAX_CODEBOOK_BYTES", "_LIMIT"), 50 * MIB)


def _package_limit() -> int:
    try:
        from storage.formats import zip_reader
    except ImportError:
        return USER_TEST_SIZE
    return _limit(zip_reader, ("MAX_TOTAL_BYTES",), USER_TEST_SIZE)


PACKAGE_LIMIT = _package_limit()


def size_limit(suffix: str) -> int:
    """The limit a transcript with ``suffix`` is held to."""
    return PACKAGE_LIMIT if suffix in (".docx", ".odt") else TEXT_LIMIT


@dataclass(frozen=True)
class Target:
    """One importer as a command reaches it: the seeds it starts from and what breaks them."""

    name: str
    seeds: tuple[str, ...]
    mutations: Mapping[str, Mutator]
    first: tuple[tuple[str, str | None], ...]  # (mutation, seed) the command line runs first
    cli_share: int  # command-line cases out of every 90
    inprocess_share: int  # reader calls out of every 3,000
    expensive: frozenset[str] = frozenset()  # never drawn at random
    cli_only: frozenset[str] = frozenset()

    def structured(self, layer: str) -> list[tuple[str, str | None]]:
        names = [name for name in self.mutations if layer == "cli" or name not in self.cli_only]
        ordered = list(self.first) if layer == "cli" else []
        taken = {name for name, _ in ordered}
        return ordered + [(name, None) for name in names if name not in taken]

    def pool(self, layer: str) -> list[str]:
        """The mutations drawn at random, the slow ones a quarter as often as the rest."""
        return [
            name
            for name in self.mutations
            if name not in self.expensive and (layer == "cli" or name not in self.cli_only)
            for _ in range(1 if name in HEAVY else 4)
        ]


@dataclass(frozen=True)
class Case:
    """One input and what to do with it."""

    layer: str  # "cli" or "inproc"
    target: str
    index: int
    mutation: str
    seed_name: str
    number: int = field(repr=False)  # the case's own seed

    @property
    def id(self) -> str:
        return f"{self.layer}-{self.target}-{self.index:05d}-{self.mutation}"


def _files(mutations: Mapping[str, ByteMutation]) -> dict[str, Mutator]:
    return {name: as_file(mutation) for name, mutation in mutations.items()}


def _packaged(main: str, shape: XmlShape) -> dict[str, Mutator]:
    """Zip-level mutations, XML mutations of the main member, and bytes of either."""
    inner = {f"inner_{name}": inside(main, m) for name, m in xml_mutations(shape).items()}
    inner |= {
        f"inner_{name}": inside(main, BYTE_MUTATIONS[name], others=0.3)
        for name in ("bit_flips", "truncation", "duplication", "splice", "huge_insertion")
    }
    whole = {name: BYTE_MUTATIONS[name] for name in ("bit_flips", "truncation", "splice")}
    return _files(zip_mutations(main) | inner | whole)


_SPECIAL_FEW = ("fifo", "dev_zero_link", "folder", "empty", "broken_link", "awkward_name")
_TEXT = _files(BYTE_MUTATIONS | TEXT_MUTATIONS)
_TRANSCRIPTS = ("intervju-utf8.txt", "intervju.docx", "intervju.odt", "teams.vtt", "zoom.srt",
                "intervju.md")  # fmt: skip
_QDPX_SEEDS = ("tillit-export.qdpx", "qc-demo.qdpx", "nvivo-mac15.qdpx", "atlas23-target.qdpx",
               "atlas23-blank.qdpx")  # fmt: skip
_QDC_SEEDS = ("kodebok.qdc", "tillit-kodebok.qdc", "taguette1.4.1-codebook.qdc",
              "atlas23.4-codebook.qdc")  # fmt: skip
_EXPENSIVE = frozenset({"bomb", "many_entries", "near_limit_text", "fifo", "near_limit_sparse"})
#: Mutations that make inputs slow to read by design (megabytes, many units).
HEAVY = frozenset(
    {"huge_insertion", "inner_huge_insertion", "many_cues", "many_turns", "long_line",
     "blank_lines", "combining_flood", "repetition", "huge_attribute", "inner_huge_attribute",
     "oversized", "oversized_200mb", "bomb_lying"}
)  # fmt: skip


def _qdpx_mutations() -> dict[str, Mutator]:
    mutations = _packaged("project.qde", QDE)
    for name in ("snippet_insertion", "reencoding"):
        text: ByteMutation = snippet_insertion if name == "snippet_insertion" else reencoding
        mutations[f"source_{name}"] = as_file(inside("sources/", text, others=0.0))
    return mutations | {name: SPECIAL[name] for name in _SPECIAL_FEW}


def _targets() -> dict[str, Target]:
    text_seeds = tuple(TEXT_SEEDS)
    qdpx = _qdpx_mutations()
    qdpx_first = (("bomb", "tillit-export.qdpx"), ("entry_method", None),
                  ("entry_encrypted", None), ("inner_deep_nesting", None),
                  ("inner_bad_offsets", "qc-demo.qdpx"), ("inner_bad_guids", "qc-demo.qdpx"),
                  ("inner_unknown_encoding", None), ("truncated_directory", None),
                  ("escaping_names", None), ("inner_bad_paths", "nvivo-mac15.qdpx"),
                  ("undecodable_name", None), ("dev_zero_link", None))  # fmt: skip
    tillit = _files(
        {
            name: BYTE_MUTATIONS[name]
            for name in ("bit_flips", "byte_overwrite", "random_insertion", "deletion")
        }
    )
    tillit |= PROJECT_MUTATIONS | {name: SPECIAL[name] for name in _SPECIAL_FEW}
    targets = [
        Target("txt", text_seeds, _TEXT | {
            "oversized": sparse(TEXT_LIMIT, over=True),
            "oversized_200mb": sparse(USER_TEST_SIZE, over=True, name="oversized_200mb"),
            "near_limit_text": near_limit_text(TEXT_LIMIT)},
            (("near_limit_text", "intervju-utf8.txt"), ("oversized", None), ("reencoding", None),
             ("many_turns", None), ("combining_flood", None), ("long_line", None),
             ("snippet_insertion", None), ("mixed_encodings", None)),
            8, 300, _EXPENSIVE, frozenset({"near_limit_text"})),
        Target("md", ("intervju.md",), _TEXT, (("snippet_insertion", None), ("many_turns", None),
               ("bit_flips", None)), 3, 100),
        Target("docx", ("intervju.docx", "samtale.docx"), _packaged("word/document.xml", DOCX),
               (("bomb", None), ("entry_method", None), ("entry_encrypted", None),
                ("entry_crc", None), ("truncated_directory", None), ("inner_deep_nesting", None),
                ("inner_unknown_encoding", None), ("inner_dtd_entities", None),
                ("undecodable_name", None), ("duplicate_names", None)),
               10, 400, _EXPENSIVE),
        Target("odt", ("intervju.odt",), _packaged("content.xml", ODT),
               (("bomb", None), ("entry_method", None), ("entry_encrypted", None),
                ("inner_deep_nesting", None), ("inner_unknown_encoding", None),
                ("inner_dtd_entities", None), ("inner_bad_offsets", None),
                ("truncated_directory", None)),
               8, 350, _EXPENSIVE),
        Target("vtt", ("teams.vtt",), _TEXT | _files(SUBTITLE_MUTATIONS),
               (("cue_shuffle", None), ("cue_times", None), ("many_cues", None),
                ("cue_structure", None), ("reencoding", None)), 5, 200),
        Target("srt", ("zoom.srt",), _TEXT | _files(SUBTITLE_MUTATIONS),
               (("cue_shuffle", None), ("cue_times", None), ("many_cues", None),
                ("cue_structure", None), ("snippet_insertion", None)), 5, 200),
        Target("special", _TRANSCRIPTS, SPECIAL | {
            "oversized": sparse(size_limit, over=True),
            "near_limit_sparse": sparse(size_limit, over=False)},
            (("fifo", "intervju-utf8.txt"), ("dev_zero_link", "intervju-utf8.txt"),
             ("folder", "intervju.docx"), ("empty", "intervju.odt"),
             ("awkward_name", "intervju-utf8.txt"), ("device_link", "teams.vtt"),
             ("broken_link", "zoom.srt"), ("socket_file", "intervju.md"),
             ("oversized", "intervju.docx")),
            9, 100, _EXPENSIVE),
        Target("qdc", _QDC_SEEDS, _files(BYTE_MUTATIONS | xml_mutations(QDC)) | {
            name: SPECIAL[name] for name in _SPECIAL_FEW} | {
            "oversized": sparse(CODEBOOK_LIMIT, over=True)},
            (("deep_nesting", "kodebok.qdc"), ("unknown_encoding", None), ("dtd_entities", None),
             ("wrong_namespace", None), ("huge_attribute", None), ("bad_guids", None),
             ("fifo", None), ("dev_zero_link", None)),
            8, 300, _EXPENSIVE),
        Target("qdpx-refi", _QDPX_SEEDS, qdpx, qdpx_first, 12, 450, _EXPENSIVE),
        Target("qdpx-codebook", _QDPX_SEEDS, qdpx,
               (("inner_deep_nesting", "tillit-export.qdpx"), ("entry_method", None),
                ("bomb", None), ("undecodable_name", None), ("inner_unknown_encoding", None)),
               5, 150, _EXPENSIVE),
        Target("tillit", ("studie.tillit",), tillit,
               (("newer_schema", None), ("foreign_sqlite", None), ("truncated_project", None),
                ("page_garbage", None), ("odd_revision", None), ("dropped_table", None),
                ("row_damage", None), ("header_garbage", None), ("debris", None),
                ("fifo", None), ("dev_zero_link", None), ("folder", None)),
               12, 250, _EXPENSIVE),
        Target("tillit-codebook", ("studie.tillit",), tillit,
               (("newer_schema", None), ("foreign_sqlite", None), ("page_garbage", None),
                ("truncated_project", None), ("dropped_table", None)),
               5, 200, _EXPENSIVE),
        Target("sigkill", ("studie.tillit",), {"kill_import": _copy, "kill_code": _copy},
               (("kill_import", None), ("kill_code", None)), 3, 0),
    ]  # fmt: skip
    return {target.name: target for target in targets}


def _copy(material: Material) -> Path:
    """The seed as it is (the case breaks the command, not the file)."""
    path = material.output()
    path.write_bytes(material.seed.read_bytes())
    return path


TARGETS = _targets()
_ONLY = re.compile(r"^(cli|inproc)-(.+)-(\d{5})(?:-\w+)?$")


def case_at(target: Target, layer: str, index: int) -> Case:
    """The case at ``index`` of ``target`` in ``layer``: a pure function of the run's seed."""
    rng = random.Random(f"{settings.SEED}:{layer}:{target.name}:{index}")
    structured = target.structured(layer)
    if index < len(structured):
        mutation, seed = structured[index]
    else:
        mutation, seed = rng.choice(target.pool(layer)), None
    return Case(layer, target.name, index, mutation, seed or rng.choice(target.seeds),
                rng.getrandbits(64))  # fmt: skip


def cases(target: Target, layer: str, total: int) -> list[Case]:
    """The cases of ``target`` in a run of ``total`` cases of ``layer`` (or the replayed ones)."""
    if settings.ONLY:
        wanted = [
            int(match[3])
            for only in settings.ONLY
            if (match := _ONLY.match(only)) and match[1] == layer and match[2] == target.name
        ]
        return [case_at(target, layer, index) for index in sorted(set(wanted))]
    share = target.cli_share / 90 if layer == "cli" else target.inprocess_share / 3000
    count = max(1, round(total * share)) if share else 0
    return [case_at(target, layer, index) for index in range(count)]


def materialise(case: Case, seeds: Path, folder: Path, huge: int) -> Path:
    """Write the case's input in ``folder`` (which must exist) and return its path."""
    target = TARGETS[case.target]
    others = tuple(sorted(p for p in seeds.iterdir() if p.is_file() and p.name != case.seed_name))
    material = Material(seeds / case.seed_name, others, random.Random(case.number), folder, huge)
    return target.mutations[case.mutation](material)
