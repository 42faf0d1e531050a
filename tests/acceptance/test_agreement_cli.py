"""Inter-coder agreement through the command line, end to end: Krippendorff's published worked
example with missing values built as a real project and reproduced, and specific agreement on
small coded parts of long transcripts, each checked against values computed here."""

from __future__ import annotations

import json
import math
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import krippendorff
import pytest

from tests.app.test_cli import tillit as run_tillit

# Each command is a process of its own (about a second or two), and building the example
# takes some fifty of them.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: the reliability
# data matrix of four observers A-D and twelve units, nominal values 1-5; None is a missing
# value (the observer gave the unit none). Published: α nominal = 0.743.
MATRIX: dict[str, list[int | None]] = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
PUBLISHED_ALPHA = 0.743

#: One line of text per unit: each unit is a document of one paragraph.
UNIT_TEXTS = (
    "The team plans the week together on Monday.",
    "Visits are no longer counted in minutes.",
    "The manager asks what we need.",
    "We still document every visit.",
    "Trust means being allowed to use judgement.",
    "Some colleagues miss the fixed lists.",
    "The budget is as tight as before.",
    "Users meet fewer new faces now.",
    "We solve problems across professions.",
    "The reform started with a political decision.",
    "Freedom can also be demanding.",
    "A chat in the team replaced the printed list.",
)


def tillit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    result = run_tillit(*args)
    assert result.returncode == 0, result.stderr
    return result


def tillit_json(*args: str | Path) -> Any:
    return json.loads(tillit(*args, "--json").stdout)


def alpha_of(matrix: dict[str, list[int | None]], units: list[int]) -> float:
    """Nominal α of the matrix's ``units`` (indexes), from the krippendorff package."""
    data = [
        [math.nan if (value := row[u]) is None else float(value) for u in units]
        for row in matrix.values()
    ]
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


@pytest.fixture(scope="module")
def krippendorff_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The matrix as a project: unit n is the document "Unit nn", value v by observer X is X's
    coding of the code "Value/v" over the whole line, missing is no coding there at all."""
    folder = tmp_path_factory.mktemp("krippendorff")
    project = folder / "krippendorff.tillit"
    tillit("new", project, "--codebook", "empty", "--coder", "A")
    files = []
    for number, text in enumerate(UNIT_TEXTS, start=1):
        path = folder / f"Unit {number:02}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        files.append(path)
    tillit("import", project, *files)
    for coder, values in MATRIX.items():
        for number, value in enumerate(values, start=1):
            if value is not None:
                span = f"0:{len(UNIT_TEXTS[number - 1])}"
                tillit("code", project, f"Unit {number:02}", f"Value/{value}", "--span", span,
                       "--coder", coder)  # fmt: skip
    return project


def test_the_project_holds_the_published_matrix(krippendorff_project: Path) -> None:
    codings = tillit_json("codings", krippendorff_project)
    found: dict[str, list[int | None]] = {coder: [None] * 12 for coder in MATRIX}
    for coding in codings:
        unit = int(coding["document"].removeprefix("Unit ")) - 1
        assert found[coding["coder"]][unit] is None  # one value per observer and unit
        found[coding["coder"]][unit] = int(coding["code"].removeprefix("Value/"))
        assert coding["text"] == UNIT_TEXTS[unit]
    assert found == MATRIX


def test_the_default_reproduces_krippendorffs_alpha(krippendorff_project: Path) -> None:
    expected = alpha_of(MATRIX, list(range(12)))

    report = tillit_json("agreement", krippendorff_project, "--unit", "paragraph")

    assert report["documents_rule"] == "pairable"
    assert report["coders"] == ["A", "B", "C", "D"]
    # Unit 12 has one value only (B's): nothing to pair, so it is not among the documents.
    assert report["documents"] == [f"Unit {n:02}" for n in range(1, 12)]
    # The nominal α over the values is the group α of the code whose children are the values.
    (value,) = [entry for entry in report["codes"] if entry["code"] == "Value"]
    assert value["group_alpha"] == pytest.approx(expected, abs=1e-9)
    assert value["group_alpha"] == pytest.approx(PUBLISHED_ALPHA, abs=0.001)


def test_only_common_documents_give_the_smaller_samples_alpha(krippendorff_project: Path) -> None:
    every = [u for u in range(12) if all(row[u] is not None for row in MATRIX.values())]
    expected = alpha_of(MATRIX, every)
    assert every == list(range(1, 9))  # units 2-9

    report = tillit_json(
        "agreement", krippendorff_project, "--unit", "paragraph", "--documents", "common"
    )

    assert report["documents_rule"] == "common"
    assert report["documents"] == [f"Unit {u + 1:02}" for u in every]
    (value,) = [entry for entry in report["codes"] if entry["code"] == "Value"]
    assert value["group_alpha"] == pytest.approx(expected, abs=1e-9)
    assert value["group_alpha"] < PUBLISHED_ALPHA - 0.05  # about 0.653: the smaller sample


def test_percent_agreement_pairs_each_two_coders_where_both_coded(
    krippendorff_project: Path,
) -> None:
    report = tillit_json("agreement", krippendorff_project, "--unit", "paragraph")
    entries = {entry["code"]: entry for entry in report["codes"]}
    for value in range(1, 6):
        agree = pairs = both = one = 0
        for unit in range(11):
            given = [row[unit] for row in MATRIX.values() if row[unit] is not None]
            for i, first in enumerate(given):
                for second in given[i + 1 :]:
                    pairs += 1
                    agree += (first == value) == (second == value)
                    both += first == second == value
                    one += (first == value) != (second == value)
        entry = entries[f"Value/{value}"]
        assert entry["percent_agreement"] == pytest.approx(100 * agree / pairs, abs=1e-9)
        assert entry["specific_agreement"] == pytest.approx(2 * both / (2 * both + one))
        assert entry["units"] == 11


# -- specific agreement on long transcripts -----------------------------------------------------

#: (code, coder, document, passage): small, partly overlapping parts of the demo transcripts.
#: Ola never coded the Aarhus interview, so it is not among the documents compared.
CODINGS = (
    ("Styring/Innføring", "Kari", "Oslo", "Det startet med et politisk vedtak i bystyret."),
    ("Styring/Innføring", "Ola", "Oslo",
     "et politisk vedtak i bystyret. Deretter fikk vi en innføringsplan fra ledelsen"),
    ("Tillit", "Kari", "Oslo", "Friheten kan også være krevende"),
    ("Tillit", "Ola", "Oslo", "når du har handlingsrom, må du også ta valgene selv."),
    ("Tillit", "Kari", "Oslo", "det fungerer 😀"),
    ("Tillit", "Ola", "Oslo", "ikke formelt, men det fungerer 😀"),
    ("Tillit", "Kari", "Bergen", "Ærlig talt føltes det som om de ikke stolte på oss."),
    ("Tillit", "Ola", "Bergen", "de ikke stolte på oss"),
    ("Styring/Innføring", "Ola", "Bergen", "Nå har vi selvstyrte team."),
    ("Humor", "Kari", "Aarhus", "Det er det, tillid handler om for mig."),
)  # fmt: skip
DOCUMENTS = {
    "Bergen": "Intervju 01 – hjemmesykepleier Bergen",
    "Oslo": "Intervju 02 – teamleder Oslo",
    "Aarhus": "Interview 03 – social- og sundhedsassistent Aarhus",
}


@pytest.fixture(scope="module")
def transcripts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The demo transcripts coded by Kari and Ola with --match; the codings as listed."""
    project = tmp_path_factory.mktemp("transcripts") / "studie.tillit"
    tillit("new", project, "--codebook", "empty", "--coder", "Kari")
    tillit("import", project, *(DEMO / f"{name}.txt" for name in DOCUMENTS.values()))
    for code, coder, place, passage in CODINGS:
        tillit("code", project, DOCUMENTS[place], code, "--match", passage, "--coder", coder)
    return project, tillit_json("codings", project)


def coded_characters(codings: Any, code: str, coder: str, documents: set[str]) -> set[object]:
    return {
        (coding["document"], position)
        for coding in codings
        if coding["code"] == code and coding["coder"] == coder and coding["document"] in documents
        for position in range(coding["start"], coding["end"])
    }


def test_specific_agreement_is_agreement_on_the_coded_text(transcripts: tuple[Path, Any]) -> None:
    project, codings = transcripts
    for code, coder, place, passage in CODINGS:  # the spans are where the passages are
        (coding,) = [c for c in codings if c["code"] == code and c["coder"] == coder
                     and c["document"] == DOCUMENTS[place] and c["text"] == passage]  # fmt: skip
        raw = unicodedata.normalize("NFC", (DEMO / f"{DOCUMENTS[place]}.txt").read_text("utf-8"))
        assert coding["start"] == raw.index(passage)  # code points, the emoji counting one
    compared = {DOCUMENTS["Bergen"], DOCUMENTS["Oslo"]}
    lengths = {doc["name"]: doc["characters"] for doc in tillit_json("docs", project)}

    report = tillit_json("agreement", project)

    assert report["documents_rule"] == "pairable" and set(report["documents"]) == compared
    entries = {entry["code"]: entry for entry in report["codes"]}
    total = {"a": 0, "b": 0, "c": 0}
    characters = sum(lengths[name] for name in compared)
    for code in ("Styring/Innføring", "Tillit"):
        kari = coded_characters(codings, code, "Kari", compared)
        ola = coded_characters(codings, code, "Ola", compared)
        a, b, c = len(kari & ola), len(kari - ola), len(ola - kari)
        assert a and b and c  # overlapping, and not the same
        total = {"a": total["a"] + a, "b": total["b"] + b, "c": total["c"] + c}
        entry = entries[code]
        assert entry["specific_agreement"] == pytest.approx(2 * a / (2 * a + b + c), abs=1e-12)
        assert entry["percent_agreement"] == pytest.approx(100 * (characters - b - c) / characters)
        assert entry["percent_agreement"] > 95 > 100 * entry["specific_agreement"]
    pooled = report["overall"]["specific_agreement"]
    assert pooled == pytest.approx(2 * total["a"] / (2 * total["a"] + total["b"] + total["c"]))
    # Nobody coded "Humor" in the documents compared (Kari did, in the one Ola never coded).
    assert entries["Humor"]["specific_agreement"] is None
    assert entries["Humor"]["percent_agreement"] == 100.0
    assert entries["Styring"]["specific_agreement"] is None  # its own codings: none


def test_the_table_on_the_terminal_shows_specific_agreement(transcripts: tuple[Path, Any]) -> None:
    project, _ = transcripts

    result = tillit("agreement", project, "--coders", "Kari,Ola")

    lines = result.stdout.splitlines()
    assert "documents coded by two or more of them" in lines[0]
    assert lines[1].split()[1:] == ["agree", "%", "spec.", "%", "kappa", "alpha", "units"]
    assert "agreement on coded text only" in result.stderr
    report = tillit_json("agreement", project, "--coders", "Kari,Ola")
    tillit_row = next(line for line in lines if line.startswith("Tillit "))
    specific = next(e for e in report["codes"] if e["code"] == "Tillit")["specific_agreement"]
    assert tillit_row.split()[2] == f"{100 * specific:.1f}"
