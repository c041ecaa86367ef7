"""The one-pass tally against sums taken the slow way, respondent by respondent.

Every count the statistics use (score histograms per group, answer counts, pairwise sums) is
recomputed here from the answer matrix with plain loops, for random answers, groups and row
orders; the tally must give exactly the same integers.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipss_survey.coding import MISSING, CodedData
from ipss_survey.instrument import parse_instrument
from ipss_survey.scoring.tallies import UnitAssignment, item_components, required_answers, tally
from ipss_survey.stats.design import survey_design
from ipss_survey.stats.design_sums import make_units

# Two dimensions; D1 in two sub-dimensions; I2 reverse-keyed; I6 on a 0..3 scale of its own
# dimension; I5 alone in a dimension with I4.
INST = parse_instrument(
    "id: t\nscale: {points: [1, 2, 3, 4, 5], agree: [4, 5]}\n"
    "dimensions:\n"
    "  - id: D1\n"
    "    subdimensions:\n"
    "      - {id: S1, items: [I1, {code: I2, reverse: true}]}\n"
    "      - {id: S2, items: [I3]}\n"
    "  - {id: D2, items: [I4, I5]}\n"
    "  - {id: D3, scale: {points: [0, 1, 2, 3], agree: [2, 3]}, items: [I6]}\n",
    "t.yaml",
)
CODES = ["I1", "I2", "I3", "I4", "I5", "I6"]


def coded(matrix: np.ndarray) -> CodedData:
    n = matrix.shape[0]
    return CodedData(
        codes=matrix.astype(np.int8),
        item_codes=CODES,
        row_numbers=np.arange(1, n + 1),
        ids=[None] * n,
        groups=None,
        group_column=None,
        rows_read=n,
    )


rows = st.lists(
    st.tuples(
        st.lists(st.sampled_from([1, 2, 3, 4, 5, int(MISSING)]), min_size=5, max_size=5),
        st.sampled_from([0, 1, 2, 3, int(MISSING)]),
        st.integers(-1, 2),  # group; -1: none
    ),
    min_size=1,
    max_size=40,
)


def split(data: list) -> tuple[np.ndarray, np.ndarray]:
    matrix = np.array([[*a, b] for a, b, _ in data])
    return matrix, np.array([g for _, _, g in data])


def keyed(matrix: np.ndarray) -> np.ndarray:
    """Keyed answers, NaN for missing (I2 reversed on 1..5)."""
    x = np.where(matrix == MISSING, np.nan, matrix.astype(float))
    x[:, 1] = 6 - x[:, 1]
    return x


@settings(max_examples=80, deadline=None)
@given(rows)
def test_tally_equals_sums_taken_respondent_by_respondent(data):
    matrix, groups = split(data)
    t = tally(coded(matrix), INST, groups, 3, 0.5)
    x = keyed(matrix)
    slot = np.where(groups < 0, 3, groups)
    # Answer counts per group and item; missing apart.
    for g, j in itertools.product(range(4), range(6)):
        col = matrix[slot == g, j]
        low = INST.items[j].scale.low
        for v in range(INST.items[j].scale.high - low + 1):
            assert t.code_counts[g, j, v] == np.sum(col == low + v)
        assert t.missing_counts[g, j] == np.sum(col == MISSING)
    # Score histograms: each respondent's mean of answered keyed items, if enough answered.
    pos = {c: i for i, c in enumerate(CODES)}
    for ci, con in enumerate(INST.constructs):
        idx = [pos[c] for c in con.items]
        answered = (~np.isnan(x[:, idx])).sum(axis=1)
        need = required_answers(len(idx), 0.5)
        hist = t.histograms[ci]
        assert hist.answered_any == np.sum(answered > 0)
        for g in range(4):
            mine = (slot == g) & (answered >= need)
            scores = np.sort(np.nansum(x[mine][:, idx], axis=1) / answered[mine])
            assert np.allclose(hist.expand(g), scores, rtol=0, atol=1e-12)
    # Pairwise sums within components (items sharing a construct), NaN across them.
    m = t.moments
    same = {frozenset(c.tolist()) for c in item_components(INST)}
    for i, j in itertools.product(range(6), range(6)):
        linked = any(i in c and j in c for c in same)
        both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
        if not linked:
            assert math.isnan(m.n[i, j]) and math.isnan(m.sxy[i, j])
            continue
        assert m.n[i, j] == both.sum()
        assert m.sxy[i, j] == np.sum(x[both, i] * x[both, j])
        assert m.sx[i, j] == np.sum(x[both, i])
        assert m.sxx[i, j] == np.sum(x[both, i] ** 2)


@settings(max_examples=40, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_tally_does_not_depend_on_row_order(data, rnd):
    matrix, groups = split(data)
    order = list(range(len(data)))
    rnd.shuffle(order)
    a = tally(coded(matrix), INST, groups, 3)
    b = tally(coded(matrix[order]), INST, groups[order], 3)
    assert_same_tallies(a, b)


def assert_same_tallies(a, b) -> None:
    for ha, hb in zip(a.histograms, b.histograms, strict=True):
        assert np.array_equal(ha.values, hb.values) and np.array_equal(ha.counts, hb.counts)
        assert ha.answered_any == hb.answered_any
    assert np.array_equal(a.code_counts, b.code_counts)
    assert np.array_equal(a.missing_counts, b.missing_counts)
    for f in ("n", "sxy", "sx", "sxx"):
        assert np.array_equal(getattr(a.moments, f), getattr(b.moments, f), equal_nan=True)


def random_answers(seed: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Answers to INST (10% missing) and groups 0..2 or none (-1)."""
    rng = np.random.default_rng(seed)
    matrix = rng.integers(1, 6, (rows, 6))
    matrix[:, 5] = rng.integers(0, 4, rows)
    matrix[rng.random((rows, 6)) < 0.1] = MISSING
    return matrix, rng.integers(-1, 3, rows)


def test_blocks_smaller_than_a_group_add_up():
    """Rows of one group spread over several blocks give the same sums as one block."""
    matrix, groups = random_answers(5, 500)
    whole = tally(coded(matrix), INST, groups, 3)
    assert_same_tallies(whole, tally(coded(matrix), INST, groups, 3, block_rows=7))


def test_items_sharing_a_construct_form_one_component():
    inst = parse_instrument(
        "id: c\nscale: {points: [1, 2, 3], agree: [3]}\n"
        "dimensions:\n"
        "  - {id: A, subdimensions: [{id: A1, items: [I1]}, {id: A2, items: [I2, I3]}]}\n"
        "  - {id: B, items: [I4]}\n",
        "c.yaml",
    )
    assert [c.tolist() for c in item_components(inst)] == [[0, 1, 2], [3]]


# A scale whose agreement is the bottom (1 = Strongly agree), one on 0..3 whose 0 is a point,
# and a neutral code: the per-respondent sums must not count a missing answer anywhere.
INST_SIDES = parse_instrument(
    "id: s\nscale: {points: [1, 2, 3, 4, 5], agree: [1, 2], neutral: [3]}\n"
    "dimensions:\n"
    "  - {id: L, items: [J1, {code: J2, reverse: true}, J3]}\n"
    "  - {id: Z, scale: {points: [0, 1, 2, 3], agree: [0, 1]}, items: [J4, J5]}\n",
    "s.yaml",
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from([1, 2, 3, 4, 5, int(MISSING)]), min_size=3, max_size=3),
            st.lists(st.sampled_from([0, 1, 2, 3, int(MISSING)]), min_size=2, max_size=2),
            st.integers(-1, 2),
            st.floats(0.2, 5.0),
            st.integers(0, 3),  # stratum
        ),
        min_size=2,
        max_size=30,
    )
)
def test_respondent_sums_equal_the_slow_way(data):
    matrix = np.array([[*a, *b] for a, b, *_ in data])
    groups = np.array([g for *_, g, _, _ in data])
    w = np.array([x for *_, x, _ in data])
    strata = np.array([h for *_, h in data])
    c = CodedData(
        codes=matrix.astype(np.int8),
        item_codes=["J1", "J2", "J3", "J4", "J5"],
        row_numbers=np.arange(1, len(data) + 1),
        ids=[None] * len(data),
        groups=None,
        group_column=None,
        rows_read=len(data),
    )
    keyed_codes = np.where(matrix == MISSING, -99, matrix)
    keyed_codes[:, 1] = np.where(matrix[:, 1] == MISSING, -99, 6 - matrix[:, 1])
    present = matrix != MISSING
    agree = np.zeros((len(data), 2))
    neutral = np.zeros((len(data), 2))
    answers = np.zeros((len(data), 2))
    for ci, cols in enumerate(([0, 1, 2], [3, 4])):
        for j in cols:
            hit = np.isin(keyed_codes[:, j], [1, 2] if ci == 0 else [0, 1]) & present[:, j]
            agree[:, ci] += hit
            neutral[:, ci] += (keyed_codes[:, j] == 3) & present[:, j] & (ci == 0)
            answers[:, ci] += present[:, j]
    slots = np.where(groups < 0, 3, groups)
    iid = tally(c, INST_SIDES, groups, 3)
    for slot in range(4):
        rows_in = slots == slot
        got = iid.sums.first[slot]
        assert got[:, 0] == _approx(agree[rows_in].sum(axis=0))
        assert got[:, 1] == _approx(neutral[rows_in].sum(axis=0))
        assert got[:, 2] == _approx(answers[rows_in].sum(axis=0))
        second = iid.sums.second[slot]
        assert second[:, 0] == _approx((agree[rows_in] ** 2).sum(axis=0))
        assert second[:, 4] == _approx((agree[rows_in] * answers[rows_in]).sum(axis=0))
    design = survey_design(len(data), weights=w, strata=strata.astype(str), lonely_psu="adjust")
    units = make_units(design, slots, 4)
    weighted = tally(
        c,
        INST_SIDES,
        groups,
        3,
        units=UnitAssignment(units.of_row, units.slot, design.weights, True),
    )
    for u in range(units.n_units):
        rows_in = units.of_row == u
        got = weighted.sums.first[u]
        assert got[:, 0] == _approx((w[rows_in, None] * agree[rows_in]).sum(axis=0))
        assert got[:, 2] == _approx((w[rows_in, None] * answers[rows_in]).sum(axis=0))
        second = weighted.sums.second[u]
        expect = (w[rows_in, None] ** 2 * agree[rows_in] * answers[rows_in]).sum(axis=0)
        assert second[:, 4] == _approx(expect)


def _approx(values):
    return pytest.approx(np.asarray(values, dtype=float).tolist(), rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=4, max_size=4), min_size=1, max_size=6))
def test_item_summaries_at_once_equal_one_by_one(rows):
    """``items_stats`` (vectorised over items) equals ``item_stats`` item by item, on scales of
    different widths and with empty items."""
    from ipss_survey.scoring.items import item_stats, items_stats

    inst = parse_instrument(
        "id: w\nscale: {points: [1, 2, 3, 4], agree: [3, 4]}\n"
        "dimensions:\n  - {id: A, items: [" + ", ".join(f"Q{i}" for i in range(len(rows))) + "]}\n"
        "  - {id: B, scale: {points: [0, 2, 5], agree: [5]}, items: [Z1]}\n",
        "w.yaml",
    )
    items = list(inst.items)
    counts = [np.array(r) for r in rows] + [np.array(rows[0][:3])]
    missing = list(range(len(items)))
    together = items_stats(items, counts, missing)
    for it, c, m, got in zip(items, counts, missing, together, strict=True):
        one = item_stats(it, c, m)
        assert (got.n, got.median) == (one.n, one.median)
        for name in ("mean", "sd", "pct_agree", "se_mean"):
            a, b = getattr(got, name), getattr(one, name)
            assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-12)
