"""The ways a REFI-QDA file may count positions: counting, where edges fall, how sure it is."""

from __future__ import annotations

import random
import re

import numpy as np

from coding.refi_anchoring import BY_POSITION, Anchoring, Placement, Selection
from coding.refi_readings import (
    CLEAN,
    IN_CHARACTER,
    IN_WORD,
    ON_SPACE,
    SPECIFICATION,
    Counters,
    Reading,
    certainty,
    edge_quality,
    ranked_readings,
    weakest,
)
from coding.refi_report import ReadingEvidence
from coding.refi_sources import SourceText

UTF16 = Reading(utf16=True, other_line_ends=False, bom=False)


def test_utf16_positions_become_code_points_and_a_split_pair_is_seen() -> None:
    raw = "a😀b\r\nc"
    counters = Counters(raw)
    points, within = counters.code_points(UTF16, np.array([0, 1, 2, 3, 4, 6, 7, 8], dtype=np.int64))
    assert points.tolist() == [0, 1, 2, 2, 3, 5, 6, -1]
    assert within.tolist() == [False, False, True, False, False, False, False, False]


def test_line_ends_counted_the_other_way_and_the_byte_order_mark() -> None:
    crlf_as_one = Counters("ab\r\ncd")
    points, _within = crlf_as_one.code_points(
        Reading(False, True, False), np.array([2, 3, 6], dtype=np.int64)
    )
    assert points.tolist() == [2, 4, -1]  # the program's "c" is at 3: code point 4
    lf_as_two = Counters("ab\ncd")
    points, within = lf_as_two.code_points(
        Reading(False, True, True), np.array([0, 3, 4, 5], dtype=np.int64)
    )
    assert points.tolist() == [-1, 2, 3, 3]  # the mark is position 0
    assert within.tolist() == [False, False, True, False]  # between the CR and LF it imagined


def test_edges_between_words_inside_words_and_inside_characters() -> None:
    raw = "Hun sa: «ja»\r\nKa\u0308re 👍🏽 og 👩\u200d💻."
    assert edge_quality(raw, 0, start=True) == CLEAN
    assert edge_quality(raw, raw.index("sa"), start=True) == CLEAN
    assert edge_quality(raw, raw.index(" sa"), start=True) == ON_SPACE
    assert edge_quality(raw, 1, start=True) == IN_WORD
    assert edge_quality(raw, raw.index(":"), start=False) == CLEAN
    assert edge_quality(raw, raw.index("\n"), start=False) == IN_CHARACTER  # inside a CRLF
    assert edge_quality(raw, raw.index("\n") + 1, start=False) == CLEAN  # after the line end
    assert edge_quality(raw, raw.index("\u0308"), start=False) == IN_CHARACTER
    assert edge_quality(raw, raw.index("🏽"), start=False) == IN_CHARACTER
    assert edge_quality(raw, raw.index("\u200d") + 1, start=True) == IN_CHARACTER
    assert edge_quality(raw, raw.index("👍") + 2, start=False) == CLEAN
    assert edge_quality(raw, raw.index("👍") + 3, start=False) == ON_SPACE
    assert edge_quality(raw, 3, start=True, within=True) == IN_CHARACTER


def test_the_producer_comes_first_then_the_specification() -> None:
    raw = "a😀\nb"
    assert ranked_readings(raw, had_bom=False, origin="ATLAS.ti 23")[0] == SPECIFICATION
    nvivo = ranked_readings(raw, had_bom=True, origin="NVivo for Mac 12.7.0")
    assert nvivo[:2] == [UTF16, SPECIFICATION] and len(nvivo) == 8
    assert ranked_readings("plain", had_bom=False, origin="NVivo") == [SPECIFICATION]


def test_how_sure_a_choice_is() -> None:
    assert certainty([4, 4, 4], [1, 0, 2], 0, 0) == "certain"
    assert certainty([4, 4], [1, 0], 0, 0) == "likely"
    assert certainty([5, 0], [4, 0], 1, 0) == "certain"  # a text verified by it alone
    assert certainty([4, 1], [1, 4], 0, 0) == "guess"
    assert certainty([4, 4], [4, 4], 0, 0) == "guess"
    assert certainty([4] * 16 + [0] * 2, [0] * 16 + [4] * 2, 0, 0) == "certain"  # 16 to 2
    assert certainty([4] * 6 + [0] * 3, [0] * 6 + [4] * 3, 0, 0) == "likely"  # 6 to 3
    assert weakest(["certain", "guess", "likely"]) == "guess" and weakest([]) == "certain"


def test_the_evidence_in_words() -> None:
    evidence = ReadingEvidence(
        document="Intervju 3",
        utf16=False,
        line_ends="LF",
        bom_counted=None,
        selections=40,
        verified=30,
        on_boundaries=38,
        outside=1,
        certainty="likely",
        decided_by="word boundaries",
    )
    assert evidence.sentence() == (
        "“Intervju 3”: code points over LF line ends (30 of 40 selections verified by their "
        "text, 38 on word boundaries, 1 outside the text) — likely."
    )
    assert evidence.to_json()["unit"] == "code points"


def test_word_aligned_selections_of_any_reading_are_placed_on_their_words() -> None:
    """Selections whole words or lines of a text with emoji and CRLF, counted each way there
    is, are placed on their words when there are a handful of them, with no hint from the
    producer; the position each reading gives is computed here from its definition."""
    rng = random.Random(20240611)
    line = "Vi får bruke skjønn 😀 og ta ansvar, sa hun. Æ, ø og å 👍🏽!"
    raw = "\r\n".join(f"P{n}: {line[n % 7 :]}" for n in range(60))
    words = list(re.finditer(r"\w+", raw))
    text = SourceText(raw, had_bom=True)

    def position(index: int, reading: Reading) -> int:
        piece = raw[:index]
        counted = piece.replace("\r\n", "\n") if reading.other_line_ends else piece
        units = len(counted.encode("utf-16-le")) // 2 if reading.utf16 else len(counted)
        return units + (1 if reading.bom else 0)

    for reading in ranked_readings(raw, had_bom=True, origin=""):
        picks = sorted(rng.sample(range(len(words) - 5), 6))
        spans = [(words[p].start(), words[p + rng.randrange(4)].end()) for p in picks]
        selections = [Selection(position(s, reading), position(e, reading)) for s, e in spans]
        anchored = Anchoring(text, "", "P").place(selections)
        placed = [p for p in anchored.placements if isinstance(p, Placement)]
        marked = [raw[s:e].replace("\r\n", "\n") for s, e in spans]
        assert [text.stored[p.start : p.end] for p in placed] == marked
        assert {p.kind for p in placed} == {BY_POSITION}
        assert anchored.evidence is not None and anchored.evidence.certainty != "guess"
