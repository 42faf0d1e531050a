"""Matching an incoming codebook's codes to the project's, and scoring how alike names are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from coding.codebooks import CodebookSpec, CodeSpec
from coding.folding import fold
from coding.project import PATH_SEPARATOR, code_paths
from storage.records import CodeRecord

#: How much a candidate under the parent's match counts over one elsewhere, when ranking.
_SAME_PARENT_BONUS = 10


class How(StrEnum):
    """How an incoming code was matched."""

    UUID = "uuid"
    EXACT = "exact"
    FUZZY = "fuzzy"
    PATH = "path"


@dataclass(frozen=True)
class Incoming:
    """An incoming code, flattened: its place in the incoming tree and its path there."""

    index: int
    spec: CodeSpec
    parent: int | None  # index of the incoming parent
    path: str
    depth: int = 0  # 0 at the top level


#: What matching found for one incoming code: the project code's id, how, and the score
#: (``(None, None, 0.0)`` when nothing matched).
Proposal = tuple[int | None, How | None, float]


def flatten(codebook: CodebookSpec) -> list[Incoming]:
    """The incoming codes in tree order (parents first), each with its parent and path."""
    flat: list[Incoming] = []

    def walk(specs: tuple[CodeSpec, ...], parent: int | None, prefix: str, depth: int) -> None:
        for spec in specs:
            path = f"{prefix}{PATH_SEPARATOR}{spec.name}" if prefix else spec.name
            flat.append(Incoming(len(flat), spec, parent, path, depth))
            walk(spec.children, len(flat) - 1, path, depth + 1)

    walk(codebook.codes, None, "", 0)
    return flat


def propose_matches(
    codes: list[CodeRecord], aliases: dict[str, int], flat: list[Incoming], threshold: float
) -> list[Proposal]:
    """The match of each of ``flat`` (from :func:`flatten`) among ``codes`` (in tree order).

    The four steps run in turn, each only for the codes the steps before left unmatched, and
    each project code is taken by one incoming code at most: the same GUID (or one of
    ``aliases``, GUIDs that project codes answer to after earlier merges, mapped to their ids);
    the same name under the parent's match; the most similar name; the most similar path. A
    fuzzy or path match needs a score (0–100) of at least ``threshold``.
    """
    matcher = _Matcher(codes, flat, threshold)
    matcher.by_guid(aliases)
    matcher.by_exact_name()
    matcher.by_fuzzy_name()
    matcher.by_path()
    return matcher.proposals


def _names(spec_name: str, alt_name: str) -> list[str]:
    names = [_sorted_words(spec_name)]
    if alt_name.strip() and _sorted_words(alt_name) != names[0]:
        names.append(_sorted_words(alt_name))
    return names


_WORD = re.compile(r"\w+")


def _sorted_words(text: str) -> str:
    """Folded for matching: case and diacritics ignored, words in a fixed order."""
    return " ".join(sorted(_WORD.findall(fold(text)))) or text.casefold().strip()


def pair_score(spec: CodeSpec, code: CodeRecord) -> tuple[float, str]:
    """How similar an incoming code's names are to a project code's (0–100), and which names
    gave that score."""
    pairs = [
        (fuzz.ratio(theirs, ours), _BASIS[i, j])
        for i, theirs in enumerate(_names(spec.name, spec.alt_name))
        for j, ours in enumerate(_names(code.name, code.alt_name))
    ]
    return max(pairs, key=lambda pair: pair[0])


_BASIS = {
    (0, 0): "names",
    (1, 1): "second-language names",
    (0, 1): "its name, our second-language name",
    (1, 0): "its second-language name, our name",
}


def _strings(names: list[list[str]]) -> tuple[list[str], list[int]]:
    strings: list[str] = []
    owners: list[int] = []
    for owner, these in enumerate(names):
        strings.extend(these)
        owners.extend([owner] * len(these))
    return strings, owners


def _starts(owners: list[int]) -> Any:
    owner_array = np.asarray(owners)
    return np.flatnonzero(np.r_[True, owner_array[1:] != owner_array[:-1]])


class _Matcher:
    """The four matching steps, each over the incoming codes the steps before left open."""

    def __init__(self, codes: list[CodeRecord], flat: list[Incoming], threshold: float) -> None:
        self.codes = codes
        self.paths = code_paths(codes)
        self.flat = flat
        self.proposals: list[Proposal] = [(None, None, 0.0)] * len(flat)
        self.threshold = threshold
        self.claimed: set[int] = set()

    def by_guid(self, aliases: dict[str, int]) -> None:
        """The code's own GUID, or one it answers to after an earlier merge."""
        by_uuid = {code.uuid: code.id for code in self.codes} | aliases
        for item in self.flat:
            for guid in (item.spec.uuid, *item.spec.aliases):
                target = by_uuid.get(guid.lower()) if guid else None
                if target is not None and target not in self.claimed:
                    self._take(item, target, How.UUID, 100.0)
                    break

    def by_exact_name(self) -> None:
        """The same name under the parent's match, parents first so whole branches match."""
        children: dict[tuple[int | None, str], int] = {}
        for code in self.codes:
            children.setdefault((code.parent_id, code.name.casefold()), code.id)
        for item in self.flat:
            parent = item.parent
            if self._target(item.index) is not None or (
                parent is not None and self._target(parent) is None
            ):
                continue
            under = self._target(parent) if parent is not None else None
            target = children.get((under, item.spec.name.casefold()))
            if target is not None and target not in self.claimed:
                self._take(item, target, How.EXACT, 100.0)

    def by_fuzzy_name(self) -> None:
        """Similar names, either language's counted on both sides."""
        open_items, free = self._open()
        if not open_items or not free:
            return
        theirs, their_owner = _strings(
            [_names(item.spec.name, item.spec.alt_name) for item in open_items]
        )
        ours, our_owner = _strings([_names(code.name, code.alt_name) for code in free])
        matrix = self._cdist(theirs, ours)
        # The strings of one code are adjacent: the best of each block is the code's score.
        matrix = np.maximum.reduceat(matrix, _starts(their_owner), axis=0)
        matrix = np.maximum.reduceat(matrix, _starts(our_owner), axis=1)
        self._assign(open_items, free, matrix, How.FUZZY)

    def by_path(self) -> None:
        """Similar whole paths, the matched parents' paths standing in for the incoming ones."""
        open_items, free = self._open()
        if not open_items or not free:
            return
        theirs = [_sorted_words(self._effective_path(item)) for item in open_items]
        ours = [_sorted_words(self.paths[code.id]) for code in free]
        self._assign(open_items, free, self._cdist(theirs, ours), How.PATH)

    def _target(self, index: int) -> int | None:
        return self.proposals[index][0]

    def _open(self) -> tuple[list[Incoming], list[CodeRecord]]:
        open_items = [item for item in self.flat if self._target(item.index) is None]
        free = [code for code in self.codes if code.id not in self.claimed]
        return open_items, free

    def _cdist(self, theirs: list[str], ours: list[str]) -> Any:
        return process.cdist(
            theirs,
            ours,
            scorer=fuzz.ratio,
            score_cutoff=self.threshold,
            workers=-1,
            dtype=np.uint8,
        )

    def _take(self, item: Incoming, target: int, how: How, score: float) -> None:
        self.proposals[item.index] = (target, how, score)
        self.claimed.add(target)

    def _assign(
        self, open_items: list[Incoming], free: list[CodeRecord], scores: Any, how: How
    ) -> None:
        """Give each open incoming code its best free code, highest scores first.

        Codes go level by level, so that a parent is matched before its children look; a code
        under the parent's match scores :data:`_SAME_PARENT_BONUS` more when they are ranked.
        """
        pairs = np.argwhere(scores > 0)
        if not len(pairs):
            return
        values = scores[pairs[:, 0], pairs[:, 1]].astype(np.int16)
        depths = np.fromiter((open_items[i].depth for i in pairs[:, 0]), dtype=np.int16)
        done: set[int] = set()
        for depth in np.unique(depths):
            level = np.flatnonzero(depths == depth)
            same_parent = np.fromiter(
                (
                    free[pairs[k, 1]].parent_id == self._matched_parent(open_items[pairs[k, 0]])
                    for k in level
                ),
                dtype=bool,
                count=len(level),
            )
            ranks = values[level] + _SAME_PARENT_BONUS * same_parent
            for k in level[np.argsort(-ranks, kind="stable")]:
                i, j = int(pairs[k, 0]), int(pairs[k, 1])
                if i not in done and free[j].id not in self.claimed:
                    self._take(open_items[i], free[j].id, how, float(values[k]))
                    done.add(i)

    def _matched_parent(self, item: Incoming) -> int | None:
        if item.parent is None:
            return None
        target = self._target(item.parent)
        return target if target is not None else -1

    def _effective_path(self, item: Incoming) -> str:
        """The incoming path, with the nearest matched ancestor's path in place of its own."""
        names = [item.spec.name]
        parent = item.parent
        while parent is not None:
            target = self._target(parent)
            if target is not None:
                return PATH_SEPARATOR.join([self.paths[target], *reversed(names)])
            above = self.flat[parent]
            names.append(above.spec.name)
            parent = above.parent
        return PATH_SEPARATOR.join(reversed(names))
