"""The ``codebook_match`` op: a lead's codebook of 2,000 codes against a coder's changed copy."""

from __future__ import annotations

import random
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from coding.codebook_merge import Action, review_merge
from coding.codebooks import AddCodebook, CodebookSpec, CodeSpec
from coding.project import Project, code_paths
from tests.benchmarks.codebook_plan import code_tree
from tests.benchmarks.corpus import Corpus

if TYPE_CHECKING:
    from tests.benchmarks.ops import Stopwatch

CODES = 2_000

_ENGLISH = {
    "Opplevd": "Perceived", "Manglende": "Lacking", "Økt": "Increased", "Redusert": "Reduced",
    "Formell": "Formal", "Uformell": "Informal", "Faglig": "Professional", "Daglig": "Daily",
    "kontroll": "control", "tillit": "trust", "ansvar": "responsibility", "styring": "steering",
    "skjønn": "discretion", "dialog": "dialogue", "støtte": "support", "frihet": "freedom",
}  # fmt: skip


@dataclass
class _Node:
    """A code of the coder's copy while it is being changed; ``origin`` is the lead's path."""

    spec: CodeSpec
    origin: str | None
    children: list[_Node] = field(default_factory=list)


def codebook_match(corpus: Corpus, _project: Path, repeat: int, watch: Stopwatch) -> dict[str, int]:
    """Match a coder's copy (new GUIDs, renamed, translated, moved, removed and new codes)
    against the lead's 2,000-code project codebook, as ``codebook merge --dry-run`` does."""
    rng = random.Random("codebook-match")
    planned = code_tree(rng, CODES)
    lead = _lead_codebook(rng, [code.path for code in planned])
    incoming, truth = _coders_copy(rng, lead)
    with (
        tempfile.TemporaryDirectory(prefix="tillit-bench-") as tmp,
        Project.create(Path(tmp) / "lead.tillit", coder="Lead") as project,
    ):
        AddCodebook(project, lead).do()
        with project.read() as tx:
            paths = code_paths(tx.codes.all())
        for _ in range(repeat):
            with watch.timing():
                review = review_merge(project, incoming)
    how = Counter(row.how.value for row in review.rows if row.how is not None)
    correct = sum(
        1
        for row in review.rows
        if row.target_id is not None and truth.get(row.incoming.index) == paths[row.target_id]
    )
    wrong = sum(
        1
        for row in review.rows
        if row.target_id is not None and truth.get(row.incoming.index) != paths[row.target_id]
    )
    derived = sum(1 for origin in truth.values() if origin is not None)
    new_right = sum(
        1 for row in review.rows if row.action is Action.NEW and truth[row.incoming.index] is None
    )
    if correct < 0.9 * derived:
        raise AssertionError(
            f"the benchmark did not do its work: only {correct} of {derived} codes matched right"
        )
    return {
        "lead_codes": len(paths),
        "incoming_codes": len(review.rows),
        "matched_right": correct,
        "matched_wrong": wrong,
        "derived": derived,
        "new_right": new_right,
        "new_in_copy": sum(1 for origin in truth.values() if origin is None),
        **{f"by_{name}": count for name, count in sorted(how.items())},
    }


def _lead_codebook(rng: random.Random, paths: list[str]) -> CodebookSpec:
    """The generated tree as a codebook, a third of its codes with an English name too."""
    children: dict[str, list[str]] = {}
    for path in paths:
        parent = path.rpartition("/")[0]
        children.setdefault(parent, []).append(path)

    def build(parent: str) -> tuple[CodeSpec, ...]:
        specs = []
        for path in children.get(parent, []):
            name = path.rpartition("/")[2]
            english = _translate(name) if rng.random() < 0.33 else ""
            specs.append(
                CodeSpec(name, alt_name=english, uuid=str(uuid.uuid4()), children=build(path))
            )
        return tuple(specs)

    return CodebookSpec("lead", build(""))


def _translate(name: str) -> str:
    words = [_ENGLISH.get(word, word) for word in name.split()]
    return " ".join(words) if words != name.split() else ""


def _coders_copy(rng: random.Random, lead: CodebookSpec) -> tuple[CodebookSpec, dict[int, str]]:
    """The lead's codebook as a coder sends it back, and each incoming code's true origin
    (by its index in tree order; ``None`` for a code the coder added)."""

    def change(spec: CodeSpec, path: str) -> _Node | None:
        draw = rng.random()
        if draw < 0.05 and not spec.children:
            return None  # removed
        name = spec.name
        if draw < 0.17:
            name = _renamed(rng, name)
        elif draw < 0.22 and spec.alt_name:
            name = spec.alt_name  # the coder wrote the English name
        guid = spec.uuid if rng.random() < 0.5 else str(uuid.uuid4()).upper()
        node = _Node(CodeSpec(name, uuid=guid), path)
        for child in spec.children:
            changed = change(child, f"{path}/{child.name}")
            if changed is not None:
                node.children.append(changed)
        return node

    roots = [node for spec in lead.codes if (node := change(spec, spec.name)) is not None]
    every = [*_walk(roots)]
    leaves = [node for node in every if not node.children and "/" in (node.origin or "")]
    for node in rng.sample(leaves, len(leaves) // 20):  # moved under another parent
        for parent in every:
            if node in parent.children:
                parent.children.remove(node)
                rng.choice([p for p in every if p is not parent and p.children]).children.append(
                    node
                )
                break
    for index in range(CODES // 10):  # the coder's own codes
        rng.choice(every).children.append(
            _Node(CodeSpec(f"Nytt funn {index} {rng.choice(['om', 'fra', 'ved'])}"), None)
        )

    truth: dict[int, str] = {}

    def freeze(node: _Node) -> CodeSpec:
        truth[len(truth)] = node.origin  # type: ignore[assignment]
        children = tuple(freeze(child) for child in node.children)
        return CodeSpec(node.spec.name, uuid=node.spec.uuid, children=children)

    return CodebookSpec("coder", tuple(freeze(root) for root in roots)), truth


def _walk(nodes: list[_Node]) -> list[_Node]:
    found: list[_Node] = []
    for node in nodes:
        found.append(node)
        found.extend(_walk(node.children))
    return found


def _renamed(rng: random.Random, name: str) -> str:
    """A slight rename, as coders make them: a word added, an ending, a letter, the case."""
    kind = rng.randrange(4)
    if kind == 0:
        return f"{name} {rng.choice(['i praksis', 'generelt', 'hos ansatte'])}"
    if kind == 1:
        return name + "en" if not name.endswith("e") else name + "n"
    if kind == 2:
        position = rng.randrange(1, len(name))
        return name[:position] + name[position + 1 :]
    return name.lower() if name != name.lower() else name.upper()
