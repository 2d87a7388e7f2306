"""Money rules: half-up rounding and largest-remainder allocation."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from costimpact.landed.money import allocate_cents, round_cents, to_cents


def test_half_up_rounding_sees_the_decimal_value():
    assert list(to_cents(np.array([0.005, 0.015, 2.675, 1.0049999, 3.96, 24 * 0.165]))) == [1, 2, 268, 100, 396, 396]
    assert round_cents(np.array([69.2799]))[0] == 69.28


def test_allocation_by_value_largest_remainder():
    # $200 over values 24 and 12: 133.333 / 66.667 -> 13333 + 6667 cents
    assert list(allocate_cents(np.array([20000, 20000]), np.array([0, 0]), np.array([24.0, 12.0]))) == [13333, 6667]
    # three equal lines share 100 cents: the earliest gets the extra cent
    assert list(allocate_cents(np.array([100, 100, 100]), np.array([1, 1, 1]), np.array([1.0, 1.0, 1.0]))) == [34, 33, 33]
    # zero weights share equally; single lines take the whole amount; zero totals stay zero
    assert list(allocate_cents(np.array([5, 5, 7, 0]), np.array([0, 0, 1, 2]), np.array([0.0, 0.0, 3.0, 4.0]))) == [3, 2, 7, 0]



def test_allocation_ties_go_by_tiebreak_not_float_noise():
    # 772 cents over weights 1, 0.1, 0.1, 0: shares 643.33, 64.33, 64.33, 0 leave one cent, and the three
    # remainders are equal in exact arithmetic (in floats 0.1 + 0.1 + 1 sums with noise): the smallest tiebreak wins
    total, group, weight = np.full(4, 772), np.zeros(4, dtype=int), np.array([1.0, 0.1, 0.1, 0.0])
    assert list(allocate_cents(total, group, weight, np.array([5, 2, 3, 4]))) == [643, 65, 64, 0]
    assert list(allocate_cents(total, group, weight, np.array([1, 2, 3, 4]))) == [644, 64, 64, 0]
    # the same lines in another order get the same cents (ties follow the row number, not the position)
    perm = np.array([2, 0, 3, 1])
    assert list(allocate_cents(total[perm], group, weight[perm], np.array([5, 2, 3, 4])[perm])) == [64, 643, 0, 65]


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.floats(0, 1e6, allow_nan=False), st.integers(0, 10**7)),
        min_size=1,
        max_size=40,
    )
)
def test_allocation_adds_up_exactly_per_group(rows):
    group = np.array([r[0] for r in rows])
    weight = np.array([r[1] for r in rows])
    group_total = {g: t for g, _, t in rows}  # one total per group
    total = np.array([group_total[g] for g in group])
    parts = allocate_cents(total, group, weight)
    assert (parts >= 0).all()
    for g, t in group_total.items():
        assert parts[group == g].sum() == t
