"""The generated benchmark corpus: sizes, generation from a fixed seed, and its cache folder."""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from tests.benchmarks.codebook_plan import PlannedCode, PlannedCoding, code_tree, plan_codings
from tests.benchmarks.text import ENGLISH, NORWEGIAN, transcript

#: Bump when the generated corpus changes; caches of other versions are regenerated.
VERSION = "v1"
SEED = 20250312


@dataclass(frozen=True)
class Size:
    """A corpus size as BENCH.md defines it; document 0 is the large one."""

    name: str
    documents: int
    words: int
    codes: int
    codings: int
    coders: tuple[str, ...]
    big_words: int
    big_codings: int


SIZES = {
    "S": Size("S", 5, 2_000, 40, 500, ("Kari", "Ola"), 6_000, 300),
    "M": Size("M", 50, 10_000, 150, 10_000, ("Kari", "Ola"), 30_000, 1_500),
    "L": Size("L", 200, 10_000, 300, 50_000, ("Kari", "Ola", "Ingrid"), 30_000, 1_500),
}
_PLACES = ("Bergen", "Oslo", "Tromsø", "Bodø", "Ålesund", "Trondheim", "Skien", "Førde")


@dataclass(frozen=True)
class PlannedDocument:
    """A transcript file of the corpus and what it holds."""

    file: str
    language: str
    words: int
    characters: int

    @property
    def name(self) -> str:
        """The document's name in a project: the file name without ``.txt``."""
        return self.file.removesuffix(".txt")


@dataclass(frozen=True)
class Corpus:
    """A generated corpus on disk: transcripts in ``docs/`` and the plan of codes and codings."""

    root: Path
    size: Size
    coders: tuple[str, ...]
    documents: list[PlannedDocument]
    codes: list[PlannedCode]
    codings: list[PlannedCoding]

    @property
    def paths(self) -> list[Path]:
        return [self.root / "docs" / document.file for document in self.documents]

    @property
    def project_path(self) -> Path:
        return self.root / "project.tillit"

    @property
    def big(self) -> PlannedDocument:
        """The 30,000-word document (for S: the largest one) with the most codings."""
        return self.documents[0]

    def text(self, document: PlannedDocument) -> str:
        """The document's text as the project stores it (the file without its final line end)."""
        content = (self.root / "docs" / document.file).read_text(encoding="utf-8")
        return content.removesuffix("\n")


def cache_root() -> Path:
    """Where corpora are cached; ``TILLIT_BENCH_CACHE`` overrides the user's cache folder."""
    override = os.environ.get("TILLIT_BENCH_CACHE")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("Tillit", "Tillit")) / "bench-corpus"


def ensure(size: str, root: Path | None = None) -> Corpus:
    """The corpus of ``size``, generated into the cache first if it is not there yet."""
    base = root or cache_root()
    folder = base / f"{size}-{VERSION}"
    if not (folder / "plan.json").is_file():
        _remove_stale(base, size)
        progress(f"corpus {size}: generating in {folder}")
        partial = base / f"{size}-{VERSION}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        generate(SIZES[size], partial)
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    return load(folder)


def generate(size: Size, folder: Path, seed: int = SEED) -> None:
    """Write the corpus of ``size`` into ``folder``: byte-identical for the same seed."""
    rng = random.Random(f"{seed}-{size.name}")
    docs = folder / "docs"
    docs.mkdir(parents=True)
    codes = code_tree(rng, size.codes)
    documents: list[PlannedDocument] = []
    codings: list[PlannedCoding] = []
    shares = _shares(size.codings - size.big_codings, size.documents - 1)
    for index in range(size.documents):
        english = index % 5 == 3
        language = ENGLISH if english else NORWEGIAN
        words = size.big_words if index == 0 else size.words
        title = f"{rng.choice(language.titles)}, {_PLACES[index % len(_PLACES)]}"
        text = transcript(rng, language, title, words)
        assert unicodedata.is_normalized("NFC", text), "the generator must write NFC text"
        label = "Interview" if english else "Intervju"
        file = f"{index:03d} {label} {index + 1} – {_PLACES[index % len(_PLACES)]}.txt"
        (docs / file).write_text(text + "\n", encoding="utf-8", newline="\n")
        documents.append(PlannedDocument(file, language.code, len(text.split()), len(text)))
        count = size.big_codings if index == 0 else shares[index - 1]
        codings.extend(plan_codings(rng, file, text, count, codes=codes, coders=list(size.coders)))
    plan = {
        "version": VERSION,
        "size": size.name,
        "seed": seed,
        "coders": list(size.coders),
        "documents": [asdict(document) for document in documents],
        "codes": [asdict(code) for code in codes],
        "codings": [asdict(coding) for coding in codings],
    }
    (folder / "plan.json").write_text(_dump(plan), encoding="utf-8", newline="\n")


def load(folder: Path) -> Corpus:
    """The corpus generated into ``folder``."""
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    return Corpus(
        root=folder,
        size=SIZES[plan["size"]],
        coders=tuple(plan["coders"]),
        documents=[PlannedDocument(**row) for row in plan["documents"]],
        codes=[PlannedCode(**row) for row in plan["codes"]],
        codings=[PlannedCoding(**row) for row in plan["codings"]],
    )


def progress(message: str) -> None:
    """Report progress on stderr; stdout carries only results."""
    print(message, file=sys.stderr, flush=True)


def _shares(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _dump(plan: dict[str, object]) -> str:
    """JSON with one document, code or coding per line, so that diffs of the plan stay readable."""
    lines = ["{"]
    items = list(plan.items())
    for number, (key, value) in enumerate(items):
        comma = "," if number < len(items) - 1 else ""
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows = [json.dumps(row, ensure_ascii=False) for row in value]
            lines.append(f"  {json.dumps(key)}: [")
            lines.extend(f"    {row}," for row in rows[:-1])
            lines.append(f"    {rows[-1]}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _remove_stale(base: Path, size: str) -> None:
    """Delete cached corpora of ``size`` from other versions (and unfinished generations)."""
    if not base.is_dir():
        return
    for folder in base.glob(f"{size}-*"):
        if folder.name != f"{size}-{VERSION}" and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
