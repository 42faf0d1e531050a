"""The agreement coefficients: published worked examples, independent implementations, and
the cases where a coefficient is undefined."""

from __future__ import annotations

import warnings
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import cohen_kappa_score

from coding.agreement_stats import (
    MISSING,
    cohen_kappa,
    nominal_alpha,
    pairable_units,
    percent_agreement,
    specific_agreement,
)

M = MISSING

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: four
# observers, twelve units, nominal values 1-5, with missing values; α nominal = 0.743.
KRIPPENDORFF_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, M, M, M],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, M, 3],
    [M, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, M],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, M],
]
# The same paper, section A: two observers, ten units, binary values; α = 0.095.
KRIPPENDORFF_A = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
# Section B: two observers, twelve units, nominal values a-e; α = 0.692.
KRIPPENDORFF_B = [[1, 1, 2, 2, 4, 3, 3, 3, 5, 4, 4, 1], [2, 1, 2, 2, 2, 3, 3, 3, 5, 4, 4, 4]]


def table(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Coders-by-units data as the functions take it: units by coders, each of weight 1."""
    values = np.array(rows, dtype=np.int64).T
    return values, np.ones(len(values), dtype=np.int64)


def two_by_two(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[np.ndarray, ...]:
    """A 2 × 2 table of two raters as four weighted patterns (1 = yes)."""
    values = np.array([[1, 1], [1, 0], [0, 1], [0, 0]], dtype=np.int64)
    return values, np.array([yes_yes, yes_no, no_yes, no_no], dtype=np.int64)


def test_alpha_matches_krippendorffs_example_with_four_coders_and_missing_values() -> None:
    values, weights = table(KRIPPENDORFF_C)
    assert nominal_alpha(values, weights) == pytest.approx(0.743, abs=5e-4)
    assert pairable_units(values, weights) == 11  # the last unit has one value only


def test_alpha_matches_krippendorffs_binary_and_nominal_examples() -> None:
    assert nominal_alpha(*table(KRIPPENDORFF_A)) == pytest.approx(0.095, abs=5e-4)
    assert nominal_alpha(*table(KRIPPENDORFF_A)) == pytest.approx(2 / 21, abs=1e-12)
    assert nominal_alpha(*table(KRIPPENDORFF_B)) == pytest.approx(0.692, abs=5e-4)


@pytest.mark.parametrize(
    ("cells", "kappa"),
    [
        # Two tables with the same 60 % agreement and different chance agreement (the
        # textbook illustration of why κ corrects for the raters' own distributions).
        ((45, 15, 25, 15), 0.06 / 0.46),
        ((25, 35, 5, 35), 0.14 / 0.54),
        # 50 proposals read by two referees: p_o = 0.7, p_e = 0.5, κ = 0.4.
        ((20, 5, 10, 15), 0.4),
    ],
)
def test_kappa_matches_textbook_tables(cells: tuple[int, int, int, int], kappa: float) -> None:
    assert cohen_kappa(*two_by_two(*cells)) == pytest.approx(kappa, abs=1e-12)


def test_kappa_adds_the_chance_terms_of_each_category() -> None:
    # QualCoder multiplied them: p_e = (p1 * p2) * (q1 * q2) instead of p1 * p2 + q1 * q2.
    values, weights = two_by_two(20, 5, 10, 15)
    p_yes, q_yes = 25 / 50, 30 / 50
    chance = p_yes * q_yes + (1 - p_yes) * (1 - q_yes)
    assert cohen_kappa(values, weights) == pytest.approx((0.7 - chance) / (1 - chance))


def test_percent_agreement_counts_agreeing_pairs() -> None:
    assert percent_agreement(*two_by_two(20, 5, 10, 15)) == pytest.approx(70.0)
    # Three coders on one unit, two agree: one agreeing pair of three.
    assert percent_agreement(*table([[1], [1], [0]])) == pytest.approx(100 / 3)


def test_specific_agreement_is_2a_over_2a_plus_b_plus_c() -> None:
    # Both coded 20 units, only the first 5, only the second 10; the 15 neither coded do not
    # count: 40 / 55, where percent agreement (70 %) counts them.
    assert specific_agreement(*two_by_two(20, 5, 10, 15)) == pytest.approx(40 / 55)
    assert specific_agreement(*two_by_two(20, 5, 10, 10_000)) == pytest.approx(40 / 55)
    assert specific_agreement(*two_by_two(0, 3, 4, 100)) == 0.0
    assert specific_agreement(*two_by_two(7, 0, 0, 1)) == 1.0
    # Three coders on one unit, two coded it: pairs (1, 1), (1, 0), (1, 0): 2 / (2 + 2).
    assert specific_agreement(*table([[1], [1], [0]])) == pytest.approx(0.5)
    # A coder missing from a unit adds no pair there.
    assert specific_agreement(*table([[1, 1], [1, M], [0, 1]])) == pytest.approx(2 / 3)


def test_specific_agreement_needs_binary_values() -> None:
    with pytest.raises(ValueError, match="binary"):
        specific_agreement(*table([[1, 2], [1, 2]]))


def test_undefined_statistics_are_none() -> None:
    nobody = two_by_two(0, 0, 0, 50)  # the code was never applied: no variation
    assert nominal_alpha(*nobody) is None
    assert cohen_kappa(*nobody) is None
    assert percent_agreement(*nobody) == 100.0
    assert specific_agreement(*nobody) is None  # nobody coded anything
    lonely = table([[1, M, 0], [M, 0, M]])  # no unit has two values
    assert nominal_alpha(*lonely) is None
    assert percent_agreement(*lonely) is None
    assert cohen_kappa(*lonely) is None
    assert specific_agreement(*lonely) is None
    empty = (np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert nominal_alpha(*empty) is None
    assert cohen_kappa(*empty) is None
    assert percent_agreement(*empty) is None
    assert specific_agreement(*empty) is None
    assert pairable_units(*empty) == 0


def test_opposite_constant_coders_have_kappa_zero_and_negative_alpha() -> None:
    values, weights = two_by_two(0, 10, 0, 0)  # one always says yes, the other always no
    assert cohen_kappa(values, weights) == 0.0
    alpha = nominal_alpha(values, weights)
    assert alpha is not None
    assert alpha < 0


def test_kappa_needs_two_coders() -> None:
    with pytest.raises(ValueError, match="two coders"):
        cohen_kappa(*table([[1], [1], [0]]))


def test_weights_count_as_repeated_units() -> None:
    values = np.array([[1, 1], [1, 0], [0, 0], [0, M]], dtype=np.int64)
    weights = np.array([3, 2, 5, 4], dtype=np.int64)
    expanded = np.repeat(values, weights, axis=0)
    ones = np.ones(len(expanded), dtype=np.int64)
    assert nominal_alpha(values, weights) == pytest.approx(nominal_alpha(expanded, ones))
    assert cohen_kappa(values, weights) == pytest.approx(cohen_kappa(expanded, ones))
    assert percent_agreement(values, weights) == pytest.approx(percent_agreement(expanded, ones))
    assert specific_agreement(values, weights) == pytest.approx(specific_agreement(expanded, ones))


@st.composite
def reliability_data(draw: st.DrawFn, coders: int | None = None) -> np.ndarray:
    """Units by coders: values 0-3, or missing (-1)."""
    shape = (draw(st.integers(1, 40)), coders or draw(st.integers(2, 5)))
    categories = draw(st.integers(1, 4))
    return draw(arrays(np.int64, shape, elements=st.integers(M, categories - 1)))


@settings(max_examples=200, deadline=None)
@given(reliability_data())
def test_alpha_equals_the_krippendorff_package(values: np.ndarray) -> None:
    ones = np.ones(len(values), dtype=np.int64)
    data = np.where(values == M, np.nan, values.astype(float)).T
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            expected: float | None = float(
                krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
            )
    except ValueError:  # the package refuses data with no variation or nothing pairable
        expected = None
    actual = nominal_alpha(values, ones)
    if expected is None or np.isnan(expected):
        assert actual is None
    else:
        assert actual == pytest.approx(expected, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(reliability_data(coders=2))
def test_kappa_equals_scikit_learn(values: np.ndarray) -> None:
    ones = np.ones(len(values), dtype=np.int64)
    both = values[(values != M).all(axis=1)]
    actual = cohen_kappa(values, ones)
    if len(both) == 0:
        assert actual is None
        return
    with warnings.catch_warnings():  # scikit-learn warns where κ is undefined (nan)
        warnings.simplefilter("ignore")
        expected = cohen_kappa_score(both[:, 0], both[:, 1])
    if np.isnan(expected):
        assert actual is None
    else:
        assert actual == pytest.approx(expected, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(reliability_data())
def test_percent_agreement_equals_brute_force(values: np.ndarray) -> None:
    agree = pairs = 0
    for unit in values.tolist():
        given_values = [value for value in unit if value != M]
        for a, b in combinations(given_values, 2):
            pairs += 1
            agree += a == b
    actual = percent_agreement(values, np.ones(len(values), dtype=np.int64))
    assert actual == (None if pairs == 0 else pytest.approx(100 * agree / pairs))


@settings(max_examples=200, deadline=None)
@given(reliability_data(), st.integers(1, 3))
def test_specific_agreement_equals_brute_force_over_pairs(values: np.ndarray, top: int) -> None:
    binary = np.where(values == M, M, (values >= top).astype(np.int64))
    both = one = 0
    for unit in binary.tolist():
        for a, b in combinations([value for value in unit if value != M], 2):
            both += a == b == 1
            one += a != b
    actual = specific_agreement(binary, np.ones(len(binary), dtype=np.int64))
    assert actual == (None if both + one == 0 else pytest.approx(2 * both / (2 * both + one)))
