"""The benchmark corpus's code tree and codings: names, colours, spans, coders, from a seed."""

from __future__ import annotations

import bisect
import random
import re
from dataclasses import dataclass

TOP_NAMES = (
    "Tillit", "Styring og kontroll", "Profesjonelt skjønn", "Økonomi og ressurser", "Ledelse",
    "Brukermedvirkning", "Samarbeid", "Arbeidsmiljø", "Dokumentasjon", "Kompetanse",
    "Endringsprosess", "Målstyring", "Tid og tempo", "Ansvar", "Kvalitet", "Organisering",
    "Politikk", "Kommunikasjon", "Rapportering", "Faglighet", "Digitalisering", "Rekruttering",
    "Pårørende", "Selvstyrte team", "Autonomy", "Accountability", "Workload", "Trust in managers",
    "Brukerens stemme", "Frihet og grenser", "Medvirkning", "Etikk",
)  # fmt: skip
_SUB_FIRST = (
    "Opplevd", "Manglende", "Økt", "Redusert", "Formell", "Uformell", "Faglig", "Politisk",
    "Daglig", "Lokal", "Ledelsens", "Brukernes", "Delt", "Skjult", "Perceived", "Lost",
)  # fmt: skip
_SUB_SECOND = (
    "kontroll", "tillit", "ansvar", "styring", "skjønn", "dialog", "støtte", "frihet", "tid",
    "rapportering", "økonomi", "ledelse", "målstyring", "kvalitet", "medvirkning", "trust",
)  # fmt: skip
_TOP_COLOURS = (
    "#f4c430", "#8ecae6", "#ffb4a2", "#b5e48c", "#cdb4db", "#ffd6a5", "#a0c4ff", "#caffbf",
    "#e9c46a", "#90be6d", "#f28482", "#84a59d", "#f6bd60", "#9d8189", "#43aa8b", "#577590",
)  # fmt: skip
_WORD = re.compile(r"\S+")

MIN_SPAN = 20
MAX_SPAN = 400


@dataclass(frozen=True)
class PlannedCode:
    """A code of the corpus: its path ("Tillit/Opplevd kontroll") and colour."""

    path: str
    color: str


@dataclass(frozen=True)
class PlannedCoding:
    """A coding of the corpus, ``[start, end)`` in code points of the imported text."""

    document: str
    code: str
    coder: str
    start: int
    end: int


def code_tree(rng: random.Random, count: int) -> list[PlannedCode]:
    """``count`` codes in two or three levels, in tree order (parents before children)."""
    tops = max(4, round(count / 10))
    children: dict[str, list[str]] = {}
    colours: dict[str, str] = {}
    level_two: list[str] = []
    for index in range(tops):
        name = TOP_NAMES[index % len(TOP_NAMES)]
        if index >= len(TOP_NAMES):
            name = f"{name} {index // len(TOP_NAMES) + 1}"
        children[name] = []
        colours[name] = _TOP_COLOURS[index % len(_TOP_COLOURS)]
    top_paths = list(children)
    for _ in range(count - tops):
        parent = (
            rng.choice(level_two) if level_two and rng.random() < 0.45 else rng.choice(top_paths)
        )
        name = _free_name(rng, children[parent])
        path = f"{parent}/{name}"
        children[parent].append(name)
        children[path] = []
        colours[path] = _shade(colours[parent], rng.uniform(-0.2, 0.35))
        if parent in top_paths:
            level_two.append(path)
    ordered: list[PlannedCode] = []
    stack = list(reversed(top_paths))
    while stack:
        path = stack.pop()
        ordered.append(PlannedCode(path, colours[path]))
        stack.extend(f"{path}/{name}" for name in reversed(children[path]))
    return ordered


def plan_codings(
    rng: random.Random,
    document: str,
    text: str,
    count: int,
    *,
    codes: list[PlannedCode],
    coders: list[str],
) -> list[PlannedCoding]:
    """``count`` codings of one document: 20-400 characters, overlapping, without duplicates.

    About a third repeat an earlier passage with a slightly moved span by another coder (as
    when a team codes the same transcript); a tenth give an earlier span a second code.
    """
    starts = [match.start() for match in _WORD.finditer(text)]
    ends = [match.end() for match in _WORD.finditer(text)]
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(codes))]
    rng.shuffle(weights)
    paths = [code.path for code in codes]
    seen: set[tuple[str, str, int, int]] = set()
    planned: list[PlannedCoding] = []
    while len(planned) < count:
        draw = rng.random()
        if planned and draw < 0.3 and len(coders) > 1:
            base = rng.choice(planned)
            coder = rng.choice([name for name in coders if name != base.coder])
            start, end = _nudged(rng, starts, ends, (base.start, base.end))
            code = base.code
        elif planned and draw < 0.4:
            base = rng.choice(planned)
            start, end, coder = base.start, base.end, base.coder
            code = rng.choices(paths, weights=weights)[0]
        else:
            start, end = _fresh_span(rng, starts, ends)
            code = rng.choices(paths, weights=weights)[0]
            coder = rng.choice(coders)
        key = (code, coder, start, end)
        if key in seen or not MIN_SPAN <= end - start <= MAX_SPAN:
            continue
        seen.add(key)
        planned.append(PlannedCoding(document, code, coder, start, end))
    return planned


def _fresh_span(rng: random.Random, starts: list[int], ends: list[int]) -> tuple[int, int]:
    """A span from a word's start to a later word's end, 20-400 characters when possible."""
    first = rng.randrange(len(starts))
    start = starts[first]
    wanted = start + rng.randint(MIN_SPAN, MAX_SPAN)
    last = bisect.bisect_left(ends, wanted)
    if last >= len(ends) or ends[last] - start > MAX_SPAN:
        last -= 1
    end = ends[max(last, first)]
    return start, end


def _nudged(
    rng: random.Random, starts: list[int], ends: list[int], span: tuple[int, int]
) -> tuple[int, int]:
    """Another coder's take on a span: each end moved by up to three words (or not at all)."""
    start, end = span
    first = bisect.bisect_left(starts, start) + rng.randint(-3, 3)
    last = bisect.bisect_left(ends, end) + rng.randint(-3, 3)
    first = min(max(first, 0), len(starts) - 1)
    last = min(max(last, 0), len(ends) - 1)
    new_start, new_end = starts[first], ends[last]
    if new_end - new_start < MIN_SPAN:
        return start, end
    return new_start, new_end


def _free_name(rng: random.Random, siblings: list[str]) -> str:
    taken = {name.casefold() for name in siblings}
    for _ in range(50):
        name = f"{rng.choice(_SUB_FIRST)} {rng.choice(_SUB_SECOND)}"
        if name.casefold() not in taken:
            return name
    number = 2
    while f"Annet {number}".casefold() in taken:
        number += 1
    return f"Annet {number}"


def _shade(color: str, amount: float) -> str:
    """``color`` mixed with white (``amount`` > 0) or black (< 0), as ``#rrggbb``."""
    channels = [int(color[index : index + 2], 16) for index in (1, 3, 5)]
    target = 255 if amount > 0 else 0
    mixed = [round(c + (target - c) * abs(amount)) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)
