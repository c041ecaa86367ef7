"""Item and construct statistics on tests/data/mini.csv, every expected value worked by hand.

mini.csv holds 9 data rows: r7 answered nothing and the second r2 repeats an id, so 7 rows are
analysed (r1-r6, r8). A1 of r3 is label text with odd case and spacing ("Strongly agree" = 5),
A1 of r8 is out of range (7), Y1 of r5 is the missing code 9, A2 is reverse-keyed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipss_survey.coding import MISSING, CodedData
from ipss_survey.instrument import parse_instrument
from ipss_survey.pipeline import Options, analyze
from ipss_survey.read import ExcludedRow
from ipss_survey.scoring import required_answers, score
from ipss_survey.stats.groups import group_order


@pytest.fixture
def results(mini, mini_csv):
    return analyze(mini_csv, mini, Options(group="team"))


def item(results, code):
    return next(i for i in results.items if i.code == code)


def construct(results, cid, group=None):
    cons = results.constructs
    if group is not None:
        cons = next(g for g in results.groups if g.group == group).constructs
    return next(c for c in cons if c.id == cid)


def test_row_ledger(results):
    d = results.data
    assert d.rows_read == 9
    assert d.rows_analysed == 7
    assert d.rows_excluded == [
        ExcludedRow(7, "r7", "no item answered"),
        ExcludedRow(8, "r2", "duplicate respondent id (first in row 2)"),
    ]
    assert d.rows_read == d.rows_analysed + len(d.rows_excluded)


def test_item_a1_by_hand(results):
    # Valid answers 5, 4, 5 (label), 3, 2, 1; r8's 7 is out of range.
    a1 = item(results, "A1")
    assert (a1.n, a1.missing) == (6, 1)
    assert a1.mean == pytest.approx(20 / 6, abs=1e-12)
    assert a1.sd == pytest.approx(math.sqrt((40 / 3) / 5), abs=1e-12)
    assert a1.median == 3.5
    assert a1.counts == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2}
    assert a1.pct_agree == pytest.approx(50.0)
    assert a1.pct_neutral == pytest.approx(100 / 6)
    assert a1.pct_disagree == pytest.approx(200 / 6)
    assert a1.pct_favourable == a1.pct_agree


def test_reverse_keyed_item_reports_answers_as_given(results):
    # A2 answers 1, 2, 5, 3, 4, 5, 4: agreement as worded 4/7; after keying (6 - x) 2/7.
    a2 = item(results, "A2")
    assert a2.reverse
    assert a2.mean == pytest.approx(24 / 7)
    assert a2.pct_agree == pytest.approx(400 / 7)
    assert a2.pct_favourable == pytest.approx(200 / 7)


def test_yes_no_item_with_labels_and_missing_code(results):
    y1 = item(results, "Y1")
    assert y1.counts == {"0": 2, "1": 4}
    assert (y1.n, y1.missing) == (6, 1)
    assert y1.pct_agree == pytest.approx(400 / 6)
    assert y1.pct_neutral == 0.0


def test_construct_scores_by_hand(results):
    # Keyed A: r1 (5,5,4) r2 (4,4,4) r3 (5,1,2) r4 (3,3,3) r5 (2,2,-) r6 (1,1,1) r8 (-,2,5)
    a = construct(results, "A")
    scores = [14 / 3, 4, 8 / 3, 3, 2, 1, 3.5]
    assert a.n == 7
    assert a.mean == pytest.approx(np.mean(scores), abs=1e-12)
    assert a.sd == pytest.approx(np.std(scores, ddof=1), abs=1e-12)
    assert a.median == 3.0
    # Pooled keyed answers: A1 3/6 agree, A2 2/7, A3 3/6.
    assert a.pct_agree == pytest.approx(800 / 19)
    assert a.acceptance_range == pytest.approx([200 / 7, 50.0])


def test_half_answered_rule(results):
    # B has 3 items, so 2 answers are needed: r4 answered none of B and gets no score.
    b = construct(results, "B")
    assert b.n == 6
    # B-y has one item: one answer suffices.
    assert construct(results, "B-y").n == 6


def test_groups_are_sorted_and_empty_group_warned(results):
    assert [g.group for g in results.groups] == ["x", "y"]
    assert [g.n for g in results.groups] == [2, 4]
    # r6 has no team: counted overall, not in any group.
    assert sum(g.n for g in results.groups) == results.data.rows_analysed - 1
    warn = [w for w in results.data.warnings if w.code == "empty_group"]
    assert warn and warn[0].count == 1
    # Group x holds r1 and r2: A scores 14/3 and 4.
    assert construct(results, "A", "x").mean == pytest.approx((14 / 3 + 4) / 2)
    a1x = next(i for i in results.groups[0].items if i.code == "A1")
    assert a1x.counts == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}


def test_warnings_count_out_of_range_and_missing_codes(results):
    by = {(w.code, w.item): w for w in results.data.warnings}
    assert by[("out_of_range", "A1")].count == 1
    assert "'7'" in by[("out_of_range", "A1")].message
    assert by[("missing_code", "Y1")].count == 1


def test_maturity_levels(results):
    m = {x.construct: x for x in results.maturity}
    assert m["A"].label == "Low" and m["A"].level == 1
    assert m["B"].label == "High"


@pytest.mark.parametrize(
    ("k", "share", "needed"),
    [(1, 0.5, 1), (2, 0.5, 1), (3, 0.5, 2), (4, 0.5, 2), (11, 0.5, 6), (4, 1.0, 4), (10, 0.3, 3)],
)
def test_required_answers(k, share, needed):
    assert required_answers(k, share) == needed


def test_group_sort_numeric_or_text():
    assert group_order({"10", "9", "1.5"}) == ["1.5", "9", "10"]
    assert group_order({"b", "A", "10"}) == ["10", "A", "b"]


# --------------------------------------------------------------------------- properties

PROP = parse_instrument(
    "id: p\nscale: {points: [1, 2, 3, 4, 5], agree: [4, 5]}\n"
    "dimensions: [{id: D, items: [I1, {code: I2, reverse: true}, I3, I4]}]\n",
    "prop.yaml",
)


def coded_from(matrix: np.ndarray) -> CodedData:
    n = matrix.shape[0]
    return CodedData(
        codes=matrix.astype(np.int8),
        item_codes=["I1", "I2", "I3", "I4"],
        row_numbers=np.arange(1, n + 1),
        ids=[None] * n,
        groups=None,
        group_column=None,
        rows_read=n,
    )


answers = st.lists(
    st.lists(st.sampled_from([1, 2, 3, 4, 5, int(MISSING)]), min_size=4, max_size=4),
    min_size=1,
    max_size=30,
).map(np.array)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_scores_stay_within_the_scale(matrix):
    hist = score(coded_from(matrix), PROP).tallies.histograms[0]
    assert np.all((hist.values >= 1) & (hist.values <= 5))
    answered = (matrix != MISSING).sum(axis=1)
    assert int(hist.total().sum()) == int((answered >= 2).sum())


@settings(max_examples=60, deadline=None)
@given(answers)
def test_reverse_keying_twice_is_identity(matrix):
    # Reverse-keying the answers of I2 in the data undoes the instrument's reverse flag.
    flipped = matrix.copy()
    col = flipped[:, 1]
    flipped[:, 1] = np.where(col == MISSING, col, 6 - col)
    plain = parse_instrument(
        "id: p\nscale: {points: [1, 2, 3, 4, 5], agree: [4, 5]}\n"
        "dimensions: [{id: D, items: [I1, I2, I3, I4]}]\n",
        "plain.yaml",
    )
    a = score(coded_from(matrix), PROP)
    b = score(coded_from(flipped), plain)
    ha, hb = a.tallies.histograms[0], b.tallies.histograms[0]
    assert np.array_equal(ha.values, hb.values) and np.array_equal(ha.counts, hb.counts)
    assert a.constructs[0] == b.constructs[0]


@settings(max_examples=40, deadline=None)
@given(answers)
def test_percentages_add_to_100_and_counts_to_n(matrix):
    sc = score(coded_from(matrix), PROP)
    for it in sc.items:
        assert sum(it.counts.values()) == it.n
        assert it.n + it.missing == matrix.shape[0]
        if it.n:
            assert it.pct_agree + it.pct_neutral + it.pct_disagree == pytest.approx(100)


def test_construct_mixing_scales_gets_no_score_or_pooled_acceptance(tmp_path):
    inst = parse_instrument(
        "id: m\nscale: {points: [1, 2, 3, 4, 5], agree: [4, 5]}\n"
        "dimensions: [{id: D, items: [Q1, {code: Q2, scale: {points: [0, 1], agree: [1]}}]}]\n",
        "m.yaml",
    )
    data = tmp_path / "m.csv"
    data.write_text("Q1,Q2\n5,1\n4,0\n2,1\n")
    res = analyze(data, inst)
    d = res.constructs[0]
    assert d.n == 0 and d.mean is None and d.pct_agree is None
    assert d.acceptance_range == pytest.approx([200 / 3, 200 / 3])  # both items 2 of 3
    warn = next(w for w in res.data.warnings if w.code == "mixed_scales")
    assert "no construct score" in warn.message
