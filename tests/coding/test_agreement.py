"""Inter-coder agreement on a project: every statistic checked against scikit-learn, the
krippendorff package and counting by hand, unit by unit and pair by pair, on generated and
hand-made codings."""

from __future__ import annotations

import json
import random
import warnings
from dataclasses import dataclass, field
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from coding.agreement import AgreementReport, agreement, report_json
from coding.errors import CodingError
from coding.project import Project
from tests.conftest import SAMPLE_TEXT, add_document, sample_paragraphs

SECOND_TEXT = (
    "INT: Hvordan merker dere tillitsreformen?\n"
    "P2: Vi skriver færre rapporter og har mer tid til brukerne.\n"
    "\n"
    "P2: Men budsjettet er det samme 😀, så noe må vike."
)

#: The codebook: paths, and whether each can be applied (F is a folder).
CODES = {"A": True, "A/A1": True, "A/A1/A1x": True, "A/A2": True, "B": True,
         "F": False, "F/F1": True, "F/F2": True}  # fmt: skip


@dataclass
class Team:
    """A project with two documents, the codebook above and coders Kari, Ola, Ingrid, Per."""

    project: Project
    documents: dict[int, str]
    coders: dict[str, int]
    codes: dict[str, int]
    codings: list[tuple[str, str, int, int, int]] = field(default_factory=list)

    def code(self, coder: str, path: str, document: int, start: int, end: int) -> None:
        with self.project.transaction() as tx:
            tx.codings.add(
                document_id=document, code_id=self.codes[path], coder_id=self.coders[coder],
                start=start, end=end, text=self.documents[document][start:end],
            )  # fmt: skip
        self.codings.append((coder, path, document, start, end))


@pytest.fixture
def team(project: Project) -> Team:
    named = (("Intervju 1", SAMPLE_TEXT), ("Intervju 2", SECOND_TEXT))
    documents = {add_document(project, name, text): text for name, text in named}
    codes: dict[str, int] = {}
    with project.transaction() as tx:
        for path, codable in CODES.items():
            parent, _, name = path.rpartition("/")
            codes[path] = tx.codes.add(name, parent_id=codes.get(parent), codable=codable)
        coders = {name: tx.coders.by_name(name) or tx.coders.add(name)
                  for name in ("Kari", "Ola", "Ingrid", "Per")}  # fmt: skip
    return Team(project, documents, coders, codes)  # type: ignore[arg-type]


# -- the oracle: the reliability data written out unit by unit --------------------------------


def units_of(text: str, unit: str) -> list[tuple[int, int]]:
    if unit == "character":
        return [(x, x + 1) for x in range(len(text))]
    return [(p.start, p.end) for p in sample_paragraphs(text) if p.end > p.start]


def value_sets(
    team: Team, coders: list[str], unit: str, coverage: str, paths: list[str]
) -> list[list[object]]:
    """Coders (rows) by units (columns): the set of ``paths`` each coder applied to each unit,
    or None where the coder is missing; units of every used document, in order."""
    present = {(c, d) for c, _, d, _, _ in team.codings}
    rows: list[list[object]] = [[] for _ in coders]
    for document, text in team.documents.items():
        there = [c for c in coders if (c, document) in present]
        if len(there) < (len(coders) if coverage == "common" else 2):
            continue
        for start, end in units_of(text, unit):
            for row, coder in zip(rows, coders, strict=True):
                row.append(
                    None if coder not in there else frozenset(
                        p for c, p, d, s, e in team.codings
                        if c == coder and d == document and p in paths and s < end and e > start
                    )
                )  # fmt: skip
    return rows


def binary(rows: list[list[object]], path: str) -> np.ndarray:
    return np.array([[np.nan if v is None else float(path in v) for v in row] for row in rows])


def oracle(data: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Percent agreement (by counting pairs), κ (scikit-learn, two coders), α (krippendorff)."""
    agree = pairs = 0
    for unit in data.T:
        for a, b in combinations([v for v in unit if not np.isnan(v)], 2):
            pairs, agree = pairs + 1, agree + (a == b)
    percent = 100 * agree / pairs if pairs else None
    kappa = None
    if len(data) == 2:
        both = data[:, ~np.isnan(data).any(axis=0)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kappa = float(cohen_kappa_score(both[0], both[1])) if both.size else float("nan")
        kappa = None if np.isnan(kappa) else kappa
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha: float | None = float(
                krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
            )
    except ValueError:
        alpha = None
    return percent, kappa, None if alpha is None or np.isnan(alpha) else alpha


def specific_oracle(data: np.ndarray) -> float | None:
    """2a / (2a + b + c) counted pair by pair: every two coders with values on a unit."""
    both = one = 0
    for unit in data.T:
        for a, b in combinations([v for v in unit if not np.isnan(v)], 2):
            both, one = both + (a == b == 1), one + (a != b)
    return None if both + one == 0 else 2 * both / (2 * both + one)


def approx(value: float | None) -> object:
    return None if value is None else pytest.approx(value, abs=1e-9)


def check_against_oracles(team: Team, report: AgreementReport, coverage: str) -> None:
    coders = list(report.coders)
    paths = list(CODES)
    rows = value_sets(team, coders, report.unit, coverage, paths)
    codable = [p for p in paths if CODES[p]]
    for entry in report.codes:
        data = binary(rows, entry.path)
        percent, kappa, alpha = oracle(data)
        stats = entry.statistics
        assert (stats.percent_agreement, stats.cohen_kappa, stats.krippendorff_alpha) == (
            approx(percent),
            approx(kappa),
            approx(alpha),
        ), entry.path
        assert stats.specific_agreement == approx(specific_oracle(data)), entry.path
    pooled = np.concatenate([binary(rows, p) for p in codable], axis=1)
    percent, kappa, alpha = oracle(pooled)
    overall = report.overall
    assert (overall.percent_agreement, overall.cohen_kappa, overall.krippendorff_alpha) == (
        approx(percent),
        approx(kappa),
        approx(alpha),
    )
    assert overall.specific_agreement == approx(specific_oracle(pooled))
    for entry in report.codes:
        if entry.children:
            assert entry.group_alpha == approx(group_oracle(rows, entry.path)), entry.path


def group_oracle(rows: list[list[object]], parent: str) -> float | None:
    """α over which children of ``parent`` (a subcode counting as its child) each coder applied."""
    depth = parent.count("/") + 1
    ids: dict[frozenset[str], int] = {}
    data = np.array([
        [np.nan if v is None else ids.setdefault(frozenset(
            "/".join(p.split("/")[: depth + 1]) for p in v  # type: ignore[attr-defined]
            if p.startswith(parent + "/")), len(ids)) for v in row]
        for row in rows
    ], dtype=float)  # fmt: skip
    return oracle(data)[2]


def random_codings(team: Team, rng: random.Random, coders: list[str]) -> None:
    codable = [p for p, ok in CODES.items() if ok]
    for document, text in team.documents.items():
        for coder in coders:
            if rng.random() < 0.2:
                continue  # this coder did not code this document
            for _ in range(rng.randint(1, 7)):
                earlier = [c for c in team.codings if c[2] == document and c[0] != coder]
                if earlier and rng.random() < 0.6:  # another coder's passage, ends moved a little
                    _, path, _, start, end = rng.choice(earlier)
                    start = max(0, start + rng.randint(-3, 3))
                    end = min(len(text), max(start + 1, end + rng.randint(-3, 3)))
                else:
                    start = rng.randrange(len(text) - 1)
                    end = min(len(text), start + rng.randint(1, 60))
                    path = rng.choice(codable)
                team.code(coder, path, document, start, end)


# -- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["character", "paragraph"])
@pytest.mark.parametrize("coverage", ["common", "pairable"])
@pytest.mark.parametrize("seed", range(8))
def test_statistics_equal_the_oracles_on_random_codings(
    team: Team, unit: str, coverage: str, seed: int
) -> None:
    rng = random.Random(seed)
    coders = ["Kari", "Ola", "Ingrid", "Per"][: 2 + seed % 3]
    random_codings(team, rng, coders)
    try:
        report = agreement(team.project, coders=coders, unit=unit, coverage=coverage)  # type: ignore[arg-type]
    except CodingError as error:
        assert "No document" in str(error)
        assert not value_sets(team, coders, unit, coverage, [])[0]
        return
    check_against_oracles(team, report, coverage)


def test_two_coders_on_characters_by_hand(team: Team) -> None:
    doc = next(iter(team.documents))
    team.code("Kari", "A", doc, 0, 10)
    team.code("Ola", "A", doc, 5, 10)
    team.code("Ola", "B", doc, 20, 30)
    report = agreement(team.project)
    assert report.coders == ("Kari", "Ola")  # coders with codings, by name
    assert report.document_names == ("Intervju 1",)  # Intervju 2 nobody coded
    n = len(SAMPLE_TEXT)
    a = next(code for code in report.codes if code.path == "A").statistics
    assert a.units == n
    assert a.percent_agreement == pytest.approx(100 * (n - 5) / n)
    # κ from its 2 × 2 table: both 5, Kari only 5, neither n - 10.
    p_o, p_e = (n - 5) / n, (10 / n) * (5 / n) + (1 - 10 / n) * (1 - 5 / n)
    assert a.cohen_kappa == pytest.approx((p_o - p_e) / (1 - p_e))
    assert a.specific_agreement == pytest.approx(2 * 5 / (2 * 5 + 5))  # a = 5, b = 5, c = 0
    b = next(code for code in report.codes if code.path == "B").statistics
    assert b.cohen_kappa == pytest.approx(0.0) and b.krippendorff_alpha is not None
    assert b.specific_agreement == 0.0  # only Ola coded B
    unused = next(code for code in report.codes if code.path == "A/A2").statistics
    assert unused.percent_agreement == 100.0
    assert unused.cohen_kappa is None and unused.krippendorff_alpha is None
    assert unused.specific_agreement is None  # nobody coded anything: nothing to agree on
    # Pooled: A and B together; the codes nobody applied add nothing.
    assert report.overall.specific_agreement == pytest.approx(2 * 5 / (2 * 5 + 5 + 10))


def test_high_percent_agreement_on_mostly_uncoded_text_has_low_specific_agreement(
    team: Team,
) -> None:
    doc = next(iter(team.documents))
    team.code("Kari", "A", doc, 0, 4)
    team.code("Ola", "A", doc, 2, 6)
    report = agreement(team.project, code_ids=[team.codes["A"]])
    stats = report.codes[0].statistics
    n = len(SAMPLE_TEXT)
    assert stats.percent_agreement == pytest.approx(100 * (n - 4) / n)
    assert stats.percent_agreement is not None and stats.percent_agreement > 95
    assert stats.specific_agreement == pytest.approx(2 * 2 / (2 * 2 + 2 + 2))


def test_a_paragraph_counts_when_a_coding_overlaps_it_by_one_character(team: Team) -> None:
    doc = next(iter(team.documents))
    first, second = sample_paragraphs(SAMPLE_TEXT)[:2]
    team.code("Kari", "A", doc, first.end - 1, first.end)  # the last character of turn 1
    team.code("Ola", "A", doc, first.end, second.start)  # only the line break between them
    team.code("Ola", "B", doc, 0, 3)
    report = agreement(team.project, unit="paragraph")
    a = next(code for code in report.codes if code.path == "A").statistics
    assert a.units == 4
    assert a.percent_agreement == pytest.approx(75.0)  # Kari coded turn 1, Ola no turn


def test_a_document_without_paragraphs_is_one_unit(team: Team) -> None:
    with team.project.transaction() as tx:
        doc = tx.documents.add(name="Notat", language="nb", text="Kort notat.", paragraphs=[],
                               source_name="notat.txt", source_format="txt")  # fmt: skip
    team.documents[doc] = "Kort notat."
    team.code("Kari", "A", doc, 0, 4)
    team.code("Ola", "B", doc, 5, 10)
    report = agreement(team.project, unit="paragraph")
    assert report.document_names == ("Notat",)
    assert report.overall.units == 1


def test_a_coder_missing_from_a_document_is_missing_not_disagreeing(team: Team) -> None:
    doc1, doc2 = team.documents
    team.code("Kari", "A", doc1, 0, 10)
    team.code("Ola", "A", doc1, 0, 10)
    team.code("Ingrid", "A", doc1, 0, 10)
    team.code("Kari", "A", doc2, 0, 10)
    team.code("Ola", "B", doc2, 0, 10)  # Ingrid never opened Intervju 2
    common = agreement(team.project, coverage="common")
    assert common.document_names == ("Intervju 1",)
    assert common.codes[0].statistics.krippendorff_alpha == pytest.approx(1.0)
    check_against_oracles(team, common, "common")
    pairable = agreement(team.project)  # the default: documents two or more coded
    assert pairable.coverage == "pairable"
    assert pairable.document_names == ("Intervju 1", "Intervju 2")
    assert pairable.overall.units == len(SAMPLE_TEXT) + len(SECOND_TEXT)
    check_against_oracles(team, pairable, "pairable")


def test_group_alpha_takes_children_as_alternatives(team: Team) -> None:
    doc = next(iter(team.documents))
    team.code("Kari", "A/A1", doc, 0, 10)
    team.code("Ola", "A/A1/A1x", doc, 0, 10)  # a subcode of A1 counts as A1
    team.code("Kari", "A/A2", doc, 20, 30)
    team.code("Ola", "A/A2", doc, 20, 30)
    team.code("Ola", "A/A1", doc, 25, 30)  # Ola gave 25-30 both children: a value of its own
    team.code("Kari", "F/F1", doc, 40, 50)
    team.code("Ola", "F/F2", doc, 40, 50)
    report = agreement(team.project)
    by_path = {code.path: code for code in report.codes}
    assert by_path["A"].children == 2 and by_path["A/A1"].children == 1
    assert by_path["B"].children == 0 and by_path["B"].group_alpha is None
    assert "F" in by_path and not by_path["F"].codable  # folders come for their group_alpha
    assert by_path["F"].group_alpha is not None  # F1 against F2 on 40-50, "none" elsewhere
    check_against_oracles(team, report, "pairable")
    assert report.pooled_codes == sum(CODES.values())


def test_segments_match_when_they_share_enough_of_their_joint_extent(team: Team) -> None:
    doc = next(iter(team.documents))
    team.code("Kari", "A", doc, 0, 100)
    team.code("Ola", "A", doc, 5, 100)  # shares 95 of 100: matched at 90 %
    team.code("Kari", "B", doc, 0, 100)
    team.code("Ola", "B", doc, 20, 100)  # shares 80 of 100: not at 90 %, at 80 %
    team.code("Ola", "B", doc, 110, 120)  # nothing of Kari's near it
    report = agreement(team.project)
    by_path = {code.path: code for code in report.codes}
    [a] = by_path["A"].segments
    assert (a.coders, a.segments, a.matched, a.percent) == (("Kari", "Ola"), (1, 1), (1, 1), 100.0)
    [b] = by_path["B"].segments
    assert (b.segments, b.matched, b.unmatched) == ((1, 2), (0, 0), (1, 2))
    [total] = report.segments
    assert (total.segments, total.matched) == ((2, 3), (1, 1)) and total.percent == 40.0
    [b80] = {c.path: c for c in agreement(team.project, overlap=0.8).codes}["B"].segments
    assert b80.matched == (1, 1)


def test_report_json_has_the_shape_of_the_command_line(team: Team) -> None:
    doc = next(iter(team.documents))
    team.code("Kari", "A/A1", doc, 0, 10)
    team.code("Ola", "A/A1", doc, 2, 10)
    data = json.loads(json.dumps(report_json(agreement(team.project))))
    assert list(data)[:6] == ["unit", "coders", "documents", "documents_rule", "overall", "codes"]
    assert data["unit"] == "character" and data["coders"] == ["Kari", "Ola"]
    assert data["documents"] == ["Intervju 1"] and data["documents_rule"] == "pairable"
    statistics = {"percent_agreement", "specific_agreement", "cohen_kappa", "krippendorff_alpha"}
    assert statistics | {"units"} <= set(data["overall"])
    assert data["overall"]["specific_agreement"] == pytest.approx(2 * 8 / (2 * 8 + 2))
    entries = {entry["code"]: entry for entry in data["codes"]}
    assert set(entries) == set(CODES)
    assert "group_alpha" in entries["A"] and "group_alpha" not in entries["B"]
    assert entries["B"]["cohen_kappa"] is None and entries["B"]["krippendorff_alpha"] is None
    assert entries["B"]["specific_agreement"] is None  # nobody coded B
    assert all(statistics <= set(entry) for entry in entries.values())
    assert entries["A/A1"]["segments"][0]["coders"] == ["Kari", "Ola"]
    common = report_json(agreement(team.project, coverage="common"))
    assert common["documents_rule"] == "common"


def test_three_coders_have_no_kappa(team: Team) -> None:
    doc = next(iter(team.documents))
    for coder, start in (("Kari", 0), ("Ola", 3), ("Ingrid", 6)):
        team.code(coder, "A", doc, start, 20)
    report = agreement(team.project)
    assert report.coders == ("Ingrid", "Kari", "Ola")
    assert report.overall.cohen_kappa is None and report.mean_cohen_kappa is None
    assert len(report.segments) == 3
    check_against_oracles(team, report, "pairable")


def test_choosing_codes_and_coders(team: Team) -> None:
    doc = next(iter(team.documents))
    for coder in ("Kari", "Ola", "Ingrid"):
        team.code(coder, "A", doc, 0, 20)
    report = agreement(
        team.project, coders=["Ola", "Kari"], code_ids=[team.codes["B"], team.codes["A"]]
    )
    assert report.coders == ("Ola", "Kari")
    assert [code.path for code in report.codes] == ["A", "B"]  # codebook order
    assert report.pooled_codes == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"coders": ["Kari"]}, "at least two coders"),
        ({"coders": ["Kari", "Nils"]}, "no coder “Nils”"),
        ({"coders": ["Kari", "Kari"]}, "named twice"),
        ({"coders": ["Kari", "Per"]}, "No document was coded by both Kari and Per"),
        ({"coders": ["Kari", "Ola", "Per"], "coverage": "common"}, "all of Kari, Ola and Per"),
        ({"unit": "sentence"}, "not a unit"),
        ({"overlap": 0}, "overlap"),
        ({"overlap": 1.5}, "overlap"),
        ({"coverage": "some"}, "not a choice"),
        ({"code_ids": [9999]}, "no longer in the codebook"),
    ],
)
def test_refusals_say_why(team: Team, options: dict[str, object], message: str) -> None:
    doc = next(iter(team.documents))
    team.code("Kari", "A", doc, 0, 5)
    team.code("Ola", "A", doc, 0, 5)
    with pytest.raises(CodingError, match=message):
        agreement(team.project, **options)  # type: ignore[arg-type]


def test_one_coder_with_codings_is_not_enough(team: Team) -> None:
    team.code("Kari", "A", next(iter(team.documents)), 0, 5)
    with pytest.raises(CodingError, match="at least two coders"):
        agreement(team.project)


def test_progress_can_cancel(team: Team) -> None:
    doc = next(iter(team.documents))
    team.code("Kari", "A", doc, 0, 5)
    team.code("Ola", "A", doc, 0, 5)
    seen: list[tuple[int, int]] = []
    agreement(team.project, progress=lambda done, total: seen.append((done, total)) or True)
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    with pytest.raises(CodingError, match="cancelled"):
        agreement(team.project, progress=lambda done, total: done < 2)
