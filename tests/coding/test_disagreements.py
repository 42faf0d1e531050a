"""Passages where coders differ, on hand-made codings and against a unit-by-unit oracle, and
accepting one coder's version into the consensus coding."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pytest

from coding.agreement import agreement
from coding.agreement_study import Coverage, Unit
from coding.disagreements import (
    CONSENSUS_CODER,
    AcceptVersion,
    Passage,
    Version,
    coders_with_codings,
    consensus_version,
    disagreements,
)
from coding.errors import CodingError
from coding.project import Project
from tests.conftest import SAMPLE_TEXT, add_document, sample_paragraphs

SECOND_TEXT = (
    "INT: Hvordan merker dere tillitsreformen?\n"
    "P2: Vi skriver færre rapporter og har mer tid til brukerne 😀.\n"
    "\n"
    "P2: Men budsjettet er det samme, så noe må vike."
)


@dataclass
class Team:
    """A project with two documents, codes A (with a child A1), B and a folder F, and the
    coders Kari, Ola and Ingrid."""

    project: Project
    texts: dict[int, str]
    codes: dict[str, int]
    coders: dict[str, int]

    @property
    def first(self) -> int:
        return next(iter(self.texts))

    @property
    def second(self) -> int:
        return list(self.texts)[1]

    def code(self, coder: str, code: str, start: int, end: int, document: int = 0) -> None:
        document = document or self.first
        with self.project.transaction() as tx:
            tx.codings.add(
                document_id=document, code_id=self.codes[code], coder_id=self.coders[coder],
                start=start, end=end, text=self.texts[document][start:end],
            )  # fmt: skip

    def passages(
        self,
        code: str = "A",
        coders: tuple[str, ...] = ("Kari", "Ola"),
        unit: Unit = "character",
        coverage: Coverage = "common",
    ) -> tuple[Passage, ...]:
        report = agreement(self.project, coders=coders, unit=unit, coverage=coverage)
        return disagreements(self.project, report).of(self.codes[code])


@pytest.fixture
def team(project: Project) -> Team:
    named = (("Intervju 1", SAMPLE_TEXT), ("Intervju 2", SECOND_TEXT))
    texts = {add_document(project, name, text): text for name, text in named}
    with project.transaction() as tx:
        a = tx.codes.add("A", color="#3b82f6")
        codes = {"A": a, "A/A1": tx.codes.add("A1", parent_id=a), "B": tx.codes.add("B")}
        codes["F"] = tx.codes.add("F", codable=False)
        codes["F/F1"] = tx.codes.add("F1", parent_id=codes["F"])
        coders = {name: tx.coders.by_name(name) or tx.coders.add(name)
                  for name in ("Kari", "Ola", "Ingrid")}  # fmt: skip
    return Team(project, texts, codes, coders)  # type: ignore[arg-type]


def spans_of(passage: Passage) -> dict[str, tuple[tuple[int, int], ...]]:
    return {version.coder: version.spans for version in passage.versions}


# --- passages ---------------------------------------------------------------------------


def test_different_boundaries_of_one_remark_are_one_passage(team: Team) -> None:
    team.code("Kari", "A", 10, 40)
    team.code("Ola", "A", 20, 50)

    (passage,) = team.passages()

    assert (passage.start, passage.end) == (10, 50)
    assert passage.differing == ((10, 20), (40, 50))
    assert spans_of(passage) == {"Kari": ((10, 40),), "Ola": ((20, 50),)}
    assert passage.document_name == "Intervju 1"


def test_identical_codings_are_no_passage(team: Team) -> None:
    for coder in ("Kari", "Ola"):
        team.code(coder, "A", 10, 40)
        team.code(coder, "A", 60, 70)

    assert team.passages() == ()


def test_a_coding_only_one_coder_made_is_a_passage_with_an_empty_version(team: Team) -> None:
    team.code("Kari", "A", 10, 40)
    team.code("Ola", "B", 0, 5)  # Ola coded the document, just not with A

    (passage,) = team.passages()

    assert (passage.start, passage.end, passage.differing) == (10, 40, ((10, 40),))
    assert passage.versions == (Version("Kari", ((10, 40),)), Version("Ola", ()))


def test_adjacent_codings_of_two_coders_are_one_passage(team: Team) -> None:
    team.code("Kari", "A", 0, 10)
    team.code("Ola", "A", 10, 20)

    (passage,) = team.passages()

    assert (passage.start, passage.end, passage.differing) == (0, 20, ((0, 20),))


def test_passages_that_only_touch_stay_apart(team: Team) -> None:
    team.code("Kari", "A", 0, 10)
    team.code("Ola", "A", 3, 10)
    team.code("Kari", "A", 10, 20)
    team.code("Ola", "A", 10, 17)

    passages = team.passages()

    assert [(p.start, p.end) for p in passages] == [(0, 10), (10, 20)]
    assert spans_of(passages[1]) == {"Kari": ((10, 20),), "Ola": ((10, 17),)}


def test_a_coding_in_full_agreement_joins_only_through_an_overlap(team: Team) -> None:
    team.code("Kari", "A", 0, 10)
    team.code("Ola", "A", 5, 30)
    team.code("Kari", "A", 5, 30)  # Kari agrees with Ola on 5–30

    (passage,) = team.passages()

    # The difference is 0–5; Kari's 0–10 overlaps it, and so does nothing else.
    assert (passage.start, passage.end, passage.differing) == (0, 10, ((0, 5),))
    # Versions are every coding that overlaps the passage, whole.
    assert spans_of(passage) == {"Kari": ((0, 10), (5, 30)), "Ola": ((5, 30),)}
    assert passage.extent == (0, 30)


def test_overlapping_codings_of_one_coder_count_once(team: Team) -> None:
    team.code("Kari", "A", 0, 20)
    team.code("Kari", "A", 10, 30)
    team.code("Ola", "A", 0, 30)

    assert team.passages() == ()


def test_three_coders_differ_where_some_but_not_all_coded(team: Team) -> None:
    coders = ("Kari", "Ola", "Ingrid")
    for coder in coders:
        team.code(coder, "A", 0, 10)  # all three agree
    team.code("Kari", "A", 50, 60)
    team.code("Ola", "A", 55, 60)
    team.code("Ingrid", "B", 100, 110)  # Ingrid coded the document, not A here
    team.code("Kari", "A", 80, 90)
    team.code("Ola", "A", 80, 90)

    passages = team.passages(coders=coders)

    assert [(p.start, p.end, p.differing) for p in passages] == [
        (50, 60, ((50, 60),)),
        (80, 90, ((80, 90),)),
    ]
    assert spans_of(passages[0]) == {"Kari": ((50, 60),), "Ola": ((55, 60),), "Ingrid": ()}


def test_a_code_nobody_applied_and_a_folder_have_no_passages(team: Team) -> None:
    team.code("Kari", "A", 0, 10)
    team.code("Ola", "A", 0, 10)
    report = agreement(team.project, coders=["Kari", "Ola"])

    found = disagreements(team.project, report)

    assert found.of(team.codes["B"]) == ()
    assert team.codes["F"] not in found.code_ids  # folders are not applied
    assert found.of(team.codes["F"]) == () and found.count(team.codes["F"]) == 0
    assert found.total == found.count(team.codes["A"]) == 0


def test_subcodes_do_not_count_for_their_parent(team: Team) -> None:
    team.code("Kari", "A", 0, 10)
    team.code("Ola", "A/A1", 0, 10)

    assert [(p.start, p.end) for p in team.passages("A")] == [(0, 10)]
    assert [(p.start, p.end) for p in team.passages("A/A1")] == [(0, 10)]


def test_positions_are_code_points_around_an_emoji(team: Team) -> None:
    text = team.texts[team.first]
    emoji = text.index("😀")
    team.code("Kari", "A", emoji - 7, emoji + 1)
    team.code("Ola", "A", emoji, emoji + 4)

    (passage,) = team.passages()

    assert text[passage.start : passage.end] == "skjønn 😀 og"
    assert [text[s:e] for s, e in passage.differing] == ["skjønn ", " og"]


def test_passages_come_in_document_order_then_text_order(team: Team) -> None:
    team.code("Kari", "A", 30, 40, team.second)
    team.code("Kari", "A", 5, 8, team.second)
    team.code("Ola", "B", 0, 1, team.second)
    team.code("Kari", "A", 50, 60)
    team.code("Ola", "B", 0, 1)

    passages = team.passages()

    assert [(p.document_id, p.start) for p in passages] == [
        (team.first, 50),
        (team.second, 5),
        (team.second, 30),
    ]


def test_paragraph_units_differ_only_on_paragraphs_one_coder_left_out(team: Team) -> None:
    text = team.texts[team.first]
    second, fourth = sample_paragraphs(text)[1], sample_paragraphs(text)[3]
    team.code("Kari", "A", second.start + 4, second.start + 20)
    team.code("Ola", "A", second.start + 10, second.end)  # other boundaries, same paragraph
    team.code("Kari", "A", fourth.start + 4, fourth.start + 10)

    assert len(team.passages(unit="character")) == 2
    (passage,) = team.passages(unit="paragraph")

    assert passage.differing == ((fourth.start, fourth.end),)
    assert (passage.start, passage.end) == (fourth.start, fourth.end)
    assert spans_of(passage) == {"Kari": ((fourth.start + 4, fourth.start + 10),), "Ola": ()}


def test_one_coding_over_two_paragraphs_makes_one_passage(team: Team) -> None:
    first, second = sample_paragraphs(team.texts[team.first])[:2]
    team.code("Kari", "A", first.start + 2, second.start + 3)
    team.code("Ola", "B", 0, 1)

    (passage,) = team.passages(unit="paragraph")

    assert passage.differing == ((first.start, first.end), (second.start, second.end))
    assert (passage.start, passage.end) == (first.start, second.end)


def test_a_coder_missing_from_a_document_has_no_version_there(team: Team) -> None:
    team.code("Kari", "A", 0, 10)
    team.code("Ola", "A", 0, 5)
    team.code("Ingrid", "A", 0, 10, team.second)  # Ingrid coded only the second document
    team.code("Kari", "A", 20, 30, team.second)

    coders = ("Kari", "Ola", "Ingrid")
    with pytest.raises(CodingError, match="No document was coded by all"):
        team.passages(coders=coders)
    passages = team.passages(coders=coders, coverage="pairable")

    assert [(p.document_id, p.start, p.end) for p in passages] == [
        (team.first, 0, 10),
        (team.second, 0, 10),
        (team.second, 20, 30),
    ]
    assert [v.present for v in passages[0].versions] == [True, True, False]
    assert [v.present for v in passages[1].versions] == [True, False, True]
    assert spans_of(passages[1]) == {"Kari": (), "Ola": (), "Ingrid": ((0, 10),)}


def test_coders_with_codings_are_listed_by_name(team: Team) -> None:
    team.code("Ola", "A", 0, 10)
    team.code("Ingrid", "A", 0, 10)

    assert coders_with_codings(team.project) == ["Ingrid", "Ola"]


def naive_passages(
    codings: list[tuple[str, int, int]], coders: list[str], units: list[tuple[int, int]]
) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
    """The definition applied unit by unit and character by character, in plain Python."""
    differing: set[int] = set()
    for start, end in units:
        coded = {c for c, s, e in codings if s < end and e > start}
        if 0 < len(coded) < len(coders):
            differing.update(range(start, end))
    runs: list[list[int]] = []
    for x in sorted(differing):
        if runs and runs[-1][1] == x:
            runs[-1][1] = x + 1
        else:
            runs.append([x, x + 1])
    pieces = [(s, e) for s, e in runs]
    pieces += [(s, e) for _, s, e in codings if any(s < re and e > rs for rs, re in runs)]
    merged: list[list[int]] = []
    for s, e in sorted(pieces):
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [
        (s, e, tuple((a, b) for a, b in map(tuple, runs) if s <= a < e))  # type: ignore[misc]
        for s, e in merged
    ]


@pytest.mark.parametrize("unit", ["character", "paragraph"])
@pytest.mark.parametrize("seed", range(10))
def test_passages_follow_the_definition_unit_by_unit(team: Team, unit: Unit, seed: int) -> None:
    chooser = random.Random(seed)
    coders = ["Kari", "Ola", "Ingrid"][: 2 + seed % 2]
    made: dict[int, list[tuple[str, str, int, int]]] = {d: [] for d in team.texts}
    for document, text in team.texts.items():
        for coder in coders:
            team.code(coder, "B", 0, 1, document)  # everybody coded both documents
            for _ in range(chooser.randint(0, 10)):
                start = chooser.randrange(len(text) - 1)
                end = min(len(text), start + chooser.randint(1, 40))
                code = chooser.choice(["A", "A", "A/A1"])
                team.code(coder, code, start, end, document)
                made[document].append((coder, code, start, end))

    found = team.passages(coders=tuple(coders), unit=unit)

    expected = []
    for document, text in team.texts.items():
        units = (
            [(x, x + 1) for x in range(len(text))]
            if unit == "character"
            else [(p.start, p.end) for p in sample_paragraphs(text) if p.end > p.start]
        )
        of_a = [(c, s, e) for c, code, s, e in made[document] if code == "A"]
        for start, end, runs in naive_passages(of_a, coders, units):
            versions = tuple(
                tuple(sorted({(s, e) for c, s, e in of_a if c == coder and s < end and e > start}))
                for coder in coders
            )
            expected.append((document, start, end, runs, versions))
    assert [
        (p.document_id, p.start, p.end, p.differing, tuple(v.spans for v in p.versions))
        for p in found
    ] == expected


def test_fifteen_hundred_codings_in_a_document_take_little_time(project: Project) -> None:
    text = ("Vi fikk mer tillit og mindre kontroll i hverdagen. " * 4000)[:200_000]
    document = add_document(project, "Lang", text)
    chooser = random.Random(7)
    with project.transaction() as tx:
        codes = [tx.codes.add(f"Kode {n}") for n in range(30)]
        coders = [tx.coders.by_name("Kari") or 0, tx.coders.add("Ola"), tx.coders.add("Ingrid")]
        for _ in range(1500):
            start = chooser.randrange(len(text) - 500)
            end = start + chooser.randint(20, 400)
            tx.codings.add(
                document_id=document, code_id=chooser.choice(codes),
                coder_id=chooser.choice(coders), start=start, end=end, text=text[start:end],
            )  # fmt: skip
    report = agreement(project)

    began = time.perf_counter()
    found = disagreements(project, report)
    took = time.perf_counter() - began

    assert found.total == sum(len(found.of(code)) for code in codes) > 100
    assert took < 1.0


# --- accepting a version ----------------------------------------------------------------


def consensus_spans(team: Team, code: str = "A", coder: str = CONSENSUS_CODER) -> list[object]:
    with team.project.read() as tx:
        coder_id = tx.coders.by_name(coder)
        if coder_id is None:
            return []
        return [
            (c.id, c.uuid, c.start, c.end)
            for c in tx.codings.details(code_ids=[team.codes[code]], coder_id=coder_id)
        ]


def test_accepting_a_version_codes_it_for_the_consensus_coder(team: Team) -> None:
    team.code("Kari", "A", 10, 40)
    team.code("Ola", "A", 20, 50)
    (passage,) = team.passages()
    ola = passage.versions[1]

    command = AcceptVersion(
        team.project, passage.document_id, passage.code_id, ola.spans, source="Ola"
    )
    changes = command.do()

    assert [(s, e) for _, _, s, e in consensus_spans(team)] == [(20, 50)]  # type: ignore[misc]
    assert changes.codings == frozenset(command.added)
    assert changes.counted == frozenset({team.codes["A"]})
    assert command.label == "Accept Ola’s version"
    assert consensus_version(team.project, passage) == Version(CONSENSUS_CODER, ((20, 50),))
    assert team.passages() == (passage,)  # the consensus coder is not one of the coders


def test_undo_and_redo_of_an_accepted_version_keep_ids_and_uuids(team: Team) -> None:
    team.code("Kari", "A", 10, 40)
    team.code("Kari", "A", 60, 70)
    command = AcceptVersion(team.project, team.first, team.codes["A"], [(10, 40), (60, 70)])
    command.do()
    made = consensus_spans(team)

    command.undo()
    assert consensus_spans(team) == []
    command.do()
    assert consensus_spans(team) == made
    command.undo()
    command.do()
    assert consensus_spans(team) == made


def test_spans_the_consensus_already_has_are_skipped(team: Team) -> None:
    AcceptVersion(team.project, team.first, team.codes["A"], [(10, 40)]).do()
    before = consensus_spans(team)

    command = AcceptVersion(team.project, team.first, team.codes["A"], [(10, 40), (60, 70)])
    command.do()

    assert len(command.added) == 1
    assert consensus_spans(team)[0] == before[0]
    command.undo()
    assert consensus_spans(team) == before


def test_accepting_what_the_consensus_already_has_is_refused(team: Team) -> None:
    AcceptVersion(team.project, team.first, team.codes["A"], [(10, 40)]).do()
    before = consensus_spans(team)

    with pytest.raises(CodingError, match="already has this version"):
        AcceptVersion(team.project, team.first, team.codes["A"], [(10, 40)], replace=(0, 50)).do()

    assert consensus_spans(team) == before


def test_accepting_another_version_replaces_the_one_accepted_before(team: Team) -> None:
    team.code("Kari", "A", 10, 40)
    team.code("Ola", "A", 20, 50)
    (passage,) = team.passages()
    kari, ola = passage.versions
    where = (passage.start, passage.end)
    AcceptVersion(team.project, team.first, team.codes["A"], kari.spans, replace=where).do()
    AcceptVersion(team.project, team.first, team.codes["A"], [(100, 110)]).do()  # elsewhere
    accepted_kari = consensus_spans(team)

    command = AcceptVersion(team.project, team.first, team.codes["A"], ola.spans, replace=where)
    changes = command.do()

    assert [(s, e) for _, _, s, e in consensus_spans(team)] == [(20, 50), (100, 110)]  # type: ignore[misc]
    assert len(command.removed) == 1 and command.removed[0] in changes.codings
    command.undo()
    assert consensus_spans(team) == accepted_kari  # Kari's version back, same id and UUID
    command.do()
    assert [(s, e) for _, _, s, e in consensus_spans(team)] == [(20, 50), (100, 110)]  # type: ignore[misc]


def test_accepting_an_empty_version_removes_the_consensus_coding_there(team: Team) -> None:
    team.code("Kari", "A", 10, 40)
    team.code("Ola", "B", 0, 5)
    (passage,) = team.passages()
    where = (passage.start, passage.end)
    AcceptVersion(team.project, team.first, team.codes["A"], [(10, 40)], replace=where).do()

    command = AcceptVersion(team.project, team.first, team.codes["A"], [], replace=where)
    command.do()

    assert consensus_spans(team) == []
    command.undo()
    assert len(consensus_spans(team)) == 1


def test_the_consensus_coder_can_be_named(team: Team) -> None:
    AcceptVersion(team.project, team.first, team.codes["A"], [(10, 40)], coder="Enighet").do()

    assert len(consensus_spans(team, coder="Enighet")) == 1
    assert consensus_spans(team) == []


def test_a_folder_and_a_span_outside_the_text_are_refused(team: Team) -> None:
    with pytest.raises(CodingError, match="folder"):
        AcceptVersion(team.project, team.first, team.codes["F"], [(0, 4)]).do()
    with pytest.raises(CodingError, match="runs past the end"):
        AcceptVersion(team.project, team.first, team.codes["A"], [(0, 10_000)]).do()
    assert consensus_spans(team) == []
