"""Agreement coefficients computed exactly from how often each pattern of coders' values occurs.

The data of a reliability study is a table of units (rows) by coders (columns), each cell a
nominal value or missing. Many units share a pattern (in character units, every character of
an uncoded stretch has the pattern "nobody applied the code"), so the functions here take the
distinct patterns with their weights instead of the units one by one:

- ``values``: an integer array of shape ``(patterns, coders)``; a value is a category
  number ``>= 0``, or :data:`MISSING` where that coder gave no value for the unit;
- ``weights``: how many units have each pattern (``>= 0``).

Each coefficient follows its standard definition to the letter, and the arithmetic on the
counts is done in integers and fractions, so the figures are exact before the one division
that makes them floats. A coefficient that is undefined for the data is ``None``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

__all__ = [
    "MISSING",
    "Counts",
    "cohen_kappa",
    "nominal_alpha",
    "pairable_units",
    "percent_agreement",
    "specific_agreement",
]

#: The value of a coder who gave no value for a unit (missing data).
MISSING = -1

Counts = npt.NDArray[np.int64]


def pairable_units(values: Counts, weights: Counts) -> int:
    """The units with values from at least two coders: those any coefficient can use."""
    present = (values != MISSING).sum(axis=1)
    return int(weights[present >= 2].sum())


def percent_agreement(values: Counts, weights: Counts) -> float | None:
    """Percent agreement, 0–100: of all pairs of values two coders gave the same unit, the
    share that are equal.

    With two coders this is the share of units on which they agree; with more it is the mean
    pairwise agreement (as ReCal3 and Fleiss' P̄ report it: every pair of coders counts
    alike when all coded every unit). Units with fewer than two values have no pairs and do
    not count. ``None`` when no unit has two values.
    """
    counts, weights, present = _category_counts(values, weights)
    agreeing = (counts * (counts - 1) // 2).sum(axis=1)
    pairs = present * (present - 1) // 2
    total = _dot(weights, pairs)
    if total == 0:
        return None
    return float(Fraction(100 * _dot(weights, agreeing), total))


def specific_agreement(values: Counts, weights: Counts) -> float | None:
    """The proportion of specific (positive) agreement, 0–1, on binary values (1: coded, 0:
    not coded): ``2a / (2a + b + c)`` over the pairs of values two coders gave the same unit,
    with ``a`` the pairs where both coded it and ``b + c`` those where only one did. Pairs
    where neither coded it do not count, so it is the agreement on coded text.

    With more than two coders the pairs are pooled: a unit with ``m`` values of which ``k``
    are 1 adds ``k(k - 1)`` to ``2a`` and ``k(m - k)`` to ``b + c`` (Uebersax's
    ``Σ k(k - 1) / Σ k(m - 1)``). Units with fewer than two values have no pairs. ``None``
    when no pair has a 1 (nobody coded anything). Raises ``ValueError`` for values other
    than 0, 1 and :data:`MISSING`.
    """
    if values.size and (values.min() < MISSING or values.max() > 1):
        raise ValueError("Specific agreement needs binary values.")
    present = (values != MISSING).sum(axis=1)
    coded = (values == 1).sum(axis=1)
    keep = present >= 2
    weights, present, coded = weights[keep], present[keep], coded[keep]
    pairs = _dot(weights, coded * (present - 1))  # 2a + b + c
    if pairs == 0:
        return None
    return float(Fraction(_dot(weights, coded * (coded - 1)), pairs))


def cohen_kappa(values: Counts, weights: Counts) -> float | None:
    """Cohen's κ (Cohen 1960) of exactly two coders over the units both gave a value:
    ``(p_o - p_e) / (1 - p_e)``, with ``p_o`` the share of units they agree on and ``p_e``
    the agreement expected by chance, ``sum_k p_1(k) * p_2(k)`` over each coder's own
    distribution of values (the chance terms are multiplied per category, then added).

    ``None`` when no unit has both values or ``p_e = 1`` (both coders gave one and the same
    value throughout, so chance explains all agreement). Raises ``ValueError`` for a table
    that does not have two coders.
    """
    if values.shape[1] != 2:
        raise ValueError("Cohen's kappa compares exactly two coders.")
    both = (values != MISSING).all(axis=1) & (weights > 0)
    values, weights = values[both], weights[both]
    categories, inverse = np.unique(values, return_inverse=True)
    inverse = inverse.reshape(values.shape)
    table = np.zeros((len(categories), len(categories)), dtype=np.int64)
    np.add.at(table, (inverse[:, 0], inverse[:, 1]), weights)
    units = int(table.sum())
    chance = _dot(table.sum(axis=1), table.sum(axis=0))  # N² p_e
    if units == 0 or chance == units * units:
        return None
    agreed = int(np.trace(table))
    return float(Fraction(units * agreed - chance, units * units - chance))


def nominal_alpha(values: Counts, weights: Counts) -> float | None:
    """Krippendorff's α for nominal data, any number of coders, missing values allowed
    (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011):
    ``α = 1 - (n - 1) * Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k``.

    ``o_ck`` is the coincidence matrix: each unit with ``m_u >= 2`` values adds
    ``1 / (m_u - 1)`` for every ordered pair of its values from different coders, so each
    pairable value counts once; ``n_c`` sums its rows and ``n`` is the number of pairable
    values. Units with one value (or none) are left out, as the definition requires.

    ``None`` when there are no pairable values or they all take one value (no variation:
    the expected disagreement is 0).
    """
    counts, weights, present = _category_counts(values, weights)
    by_category = (counts * weights[:, None]).sum(axis=0)  # n_c
    if np.count_nonzero(by_category) < 2:
        return None
    n = int(by_category.sum())
    expected = n * n - _dot(by_category, by_category)  # Σ_{c≠k} n_c n_k
    # Σ_{c≠k} o_ck, gathered over the units with m values as S_m / (m - 1), S_m an integer.
    differing = present * present - (counts * counts).sum(axis=1)  # Σ_{c≠k} n_uc n_uk
    observed = sum(
        (
            Fraction(_dot(weights[present == m], differing[present == m]), int(m) - 1)
            for m in np.unique(present)
        ),
        start=Fraction(0),
    )
    return float(1 - (n - 1) * observed / expected)


def _category_counts(values: Counts, weights: Counts) -> tuple[Counts, Counts, Counts]:
    """For the units with at least two values: how many coders gave each category (one
    column per category that occurs), their weights, and how many values each has."""
    present = (values != MISSING).sum(axis=1)
    keep = (present >= 2) & (weights > 0)
    values, weights, present = values[keep], weights[keep], present[keep]
    categories, inverse = np.unique(values, return_inverse=True)
    inverse = inverse.reshape(values.shape)
    counts = np.zeros((len(values), len(categories)), dtype=np.int64)
    rows = np.repeat(np.arange(len(values)), values.shape[1])
    np.add.at(counts, (rows, inverse.ravel()), 1)
    if len(categories) and categories[0] == MISSING:
        counts = counts[:, 1:]
    return counts, weights.astype(np.int64), present.astype(np.int64)


def _dot(a: Counts, b: Counts) -> int:
    """``Σ a_i b_i`` in Python integers, which do not overflow (pooled counts reach 10^10)."""
    return sum(x * y for x, y in zip(a.tolist(), b.tolist(), strict=True))
