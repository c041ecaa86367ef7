"""Coder agreement: Cohen's kappa against psych::cohen.kappa (tests/reference/coders.json, written
by tests/reference/coders.R from the codes in coders.csv), Krippendorff's alpha against the worked
examples of Krippendorff (2011) and the ``krippendorff`` package, and invariants of both."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipss_survey.stats.coder_agreement import cohen_kappa, cohen_kappa_table, krippendorff_alpha
from ipss_survey.stats.notes import NoteCode
from tests.paths import REFERENCE

TIGHT = 1e-6
EXACT = 1e-12
FAST = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@cache
def reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "coders.json").read_text())


@cache
def codes() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "coders.csv")


def case_codes(name: str) -> tuple[np.ndarray, np.ndarray]:
    d = codes()[codes().case == name].sort_values("unit")
    return d.coder1.to_numpy(dtype=float), d.coder2.to_numpy(dtype=float)


CASES = reference()["cases"]


def test_reference_records_versions_and_covers_the_cases_asked_for():
    versions = reference()["versions"]
    assert versions["R"].startswith("R version") and versions["psych"]
    names = {c["case"] for c in CASES}
    assert {"perfect", "chance", "skewed", "not_used", "with_missing"} <= names


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_kappa_matches_psych_cohen_kappa(case: dict[str, Any]) -> None:
    a, b = case_codes(case["case"])
    assert a.size == case["n_rows"]
    result = cohen_kappa(a, b)
    assert result.n == case["n_obs"]
    if case["kappa"] is None:
        assert result.kappa is None and result.ci is None
        assert [n.code for n in result.notes] == [NoteCode.AGREEMENT_UNDEFINED]
        return
    assert result.kappa == pytest.approx(case["kappa"], abs=TIGHT)
    assert result.variance == pytest.approx(case["var_kappa"], abs=TIGHT)
    assert result.ci == pytest.approx(tuple(case["ci"]), abs=TIGHT)
    assert result.agreement == pytest.approx(case["agreement"], abs=EXACT)
    assert result.notes == []


def test_reference_cases_say_what_they_claim():
    by_name = {c["case"]: c for c in CASES}
    assert by_name["perfect"]["kappa"] == 1 and by_name["perfect"]["ci"] == [1, 1]
    assert by_name["chance"]["kappa"] == pytest.approx(0, abs=EXACT)
    # the skewed theme: 92% raw agreement but kappa 0.5
    assert by_name["skewed"]["agreement"] == pytest.approx(55 / 60)
    assert by_name["skewed"]["kappa"] == pytest.approx(0.5)
    assert by_name["worse_than_chance"]["kappa"] < 0
    assert by_name["near_perfect_small"]["ci"][1] == 1  # clipped by psych
    assert by_name["with_missing"]["n_obs"] < by_name["with_missing"]["n_rows"]


def test_kappa_by_hand():
    # table [[20, 5], [4, 11]]: po = 31/40, pc = (25*24 + 15*16)/1600 = 0.525
    result = cohen_kappa_table([[20, 5], [4, 11]])
    assert result.agreement == pytest.approx(31 / 40)
    assert result.expected == pytest.approx(0.525)
    assert result.kappa == pytest.approx((31 / 40 - 0.525) / 0.475, abs=EXACT)
    assert result.n == 40


def test_kappa_from_a_table_equals_kappa_from_the_codes():
    a, b = case_codes("three_values")
    values = np.unique(np.concatenate([a, b]))
    table = np.array([[np.sum((a == r) & (b == c)) for c in values] for r in values])
    assert cohen_kappa_table(table) == cohen_kappa(a, b)


def test_kappa_interval_level():
    a, b = case_codes("moderate")
    wide, narrow = cohen_kappa(a, b, level=0.99), cohen_kappa(a, b, level=0.90)
    assert wide.kappa == narrow.kappa
    assert wide.ci[0] < narrow.ci[0] < narrow.ci[1] < wide.ci[1]


def test_kappa_undefined_and_too_few_cases():
    zeros = np.zeros(10)
    result = cohen_kappa(zeros, zeros)
    assert result.kappa is None and result.agreement == 1 and result.n == 10
    assert result.notes[0].code == NoteCode.AGREEMENT_UNDEFINED
    ones = np.ones(10)
    assert cohen_kappa(ones, ones).kappa is None
    none_common = cohen_kappa([1, 0, np.nan, np.nan], [np.nan, np.nan, 1, 0])
    assert none_common.kappa is None and none_common.n == 0
    assert none_common.notes[0].code == NoteCode.TOO_FEW_CODED
    assert cohen_kappa_table([[0, 0], [0, 0]]).notes[0].code == NoteCode.TOO_FEW_CODED


def test_kappa_refuses_bad_input():
    with pytest.raises(ValueError, match="same units"):
        cohen_kappa([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="finite"):
        cohen_kappa([0, np.inf], [0, 1])
    with pytest.raises(ValueError, match="square"):
        cohen_kappa_table([[1, 2, 3], [4, 5, 6]])


# ---- Krippendorff's alpha: the worked examples of Krippendorff (2011)


def test_alpha_binary_two_observers_section_a():
    # Krippendorff (2011), section A (binary data, two observers, no missing data): the
    # coincidence matrix has o00 = 10, o01 = o10 = 4, o11 = 2, n0 = 14, n1 = 6, n = 20, and
    # alpha = 1 - (n - 1) o01 / (n0 n1) = 1 - 19 * 4 / (14 * 6) = 0.095.
    first = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    second = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    result = krippendorff_alpha([first, second])
    assert result.alpha == pytest.approx(1 - 19 * 4 / (14 * 6), abs=EXACT)
    assert round(result.alpha, 3) == 0.095
    assert (result.units, result.values) == (10, 20)
    assert result.observed == pytest.approx(8 / 20, abs=EXACT)  # D_o = (o01 + o10) / n
    assert result.expected == pytest.approx(2 * 14 * 6 / (20 * 19), abs=EXACT)


def test_alpha_nominal_two_observers_section_b():
    # Krippendorff (2011), section B (nominal data, two observers, no missing data): margins
    # n_a = 4, n_b = 6, n_c = 6, n_d = 6, n_e = 2, n = 24, three units coded differently:
    # alpha = 1 - 23 * 6 / (24^2 - 128) = 0.692.
    ben = ["a", "a", "b", "b", "d", "c", "c", "c", "e", "d", "d", "a"]
    gerry = ["b", "a", "b", "b", "b", "c", "c", "c", "e", "d", "d", "d"]
    index = {v: i for i, v in enumerate("abcde")}
    result = krippendorff_alpha([[index[v] for v in ben], [index[v] for v in gerry]])
    assert result.alpha == pytest.approx(1 - 23 * 6 / (24**2 - 128), abs=EXACT)
    assert result.alpha == pytest.approx(155 / 224, abs=EXACT)
    assert round(result.alpha, 3) == 0.692
    assert (result.units, result.values) == (12, 24)


N = np.nan
SECTION_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, N],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_alpha_nominal_any_number_of_observers_with_missing_values_section_c():
    # Krippendorff (2011), section C (nominal data, four observers, twelve units, missing
    # values): unit 12 holds one value and is not pairable, n = 40 values remain;
    # alpha_nominal = 0.743 (exactly 113/152: D_o = 8/40, D_e = 304/390).
    result = krippendorff_alpha(SECTION_C)
    assert (result.units, result.values) == (11, 40)
    assert result.observed == pytest.approx(8 / 40, abs=EXACT)
    assert result.expected == pytest.approx(304 / 390, abs=EXACT)
    assert result.alpha == pytest.approx(113 / 152, abs=EXACT)
    assert round(result.alpha, 3) == 0.743


def test_alpha_matches_the_krippendorff_package_on_the_worked_example():
    expected = krippendorff.alpha(
        reliability_data=np.array(SECTION_C, dtype=float), level_of_measurement="nominal"
    )
    assert krippendorff_alpha(SECTION_C).alpha == pytest.approx(expected, abs=EXACT)


@st.composite
def reliability_data(draw: st.DrawFn) -> np.ndarray:
    """coders x units nominal codes with some missing, at least two distinct values."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    coders = draw(st.integers(2, 6))
    units = draw(st.integers(2, 60))
    values = draw(st.integers(2, 5))
    truth = rng.integers(0, values, units)
    noise = draw(st.floats(0, 1))
    data = np.where(
        rng.random((coders, units)) < noise, rng.integers(0, values, (coders, units)), truth
    ).astype(float)
    data[rng.random((coders, units)) < draw(st.floats(0, 0.5))] = np.nan
    return data


@FAST
@given(reliability_data())
def test_alpha_matches_the_krippendorff_package_on_random_data(data: np.ndarray) -> None:
    ours = krippendorff_alpha(data)
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any() or np.unique(data[:, pairable][~np.isnan(data[:, pairable])]).size < 2:
        assert ours.alpha is None
        return
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours.alpha == pytest.approx(theirs, abs=1e-9)


@FAST
@given(reliability_data())
def test_alpha_and_kappa_do_not_depend_on_the_order_of_coders_or_units(data: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    ours = krippendorff_alpha(data)
    shuffled = data[rng.permutation(data.shape[0])][:, rng.permutation(data.shape[1])]
    other = krippendorff_alpha(shuffled)
    if ours.alpha is None:
        assert other.alpha is None
    else:
        assert other.alpha == pytest.approx(ours.alpha, abs=EXACT)
    swapped = krippendorff_alpha(data[::-1])
    assert swapped.alpha == ours.alpha or swapped.alpha == pytest.approx(ours.alpha, abs=EXACT)
    ab, ba = cohen_kappa(data[0], data[1]), cohen_kappa(data[1], data[0])
    assert (ab.kappa is None) == (ba.kappa is None)
    if ab.kappa is not None:
        assert ba.kappa == pytest.approx(ab.kappa, abs=EXACT)
        assert ba.ci == pytest.approx(ab.ci, abs=EXACT)
        assert ba.variance == pytest.approx(ab.variance, abs=EXACT)


@FAST
@given(reliability_data())
def test_identical_coders_agree_perfectly(data: np.ndarray) -> None:
    row = data[0]
    same = np.vstack([row, row, row])
    values = np.unique(row[~np.isnan(row)])
    alpha, kappa = krippendorff_alpha(same), cohen_kappa(row, row)
    if values.size >= 2:
        assert alpha.alpha == pytest.approx(1.0, abs=EXACT)
        assert kappa.kappa == pytest.approx(1.0, abs=EXACT)
        assert kappa.ci == pytest.approx((1.0, 1.0), abs=1e-6)
    else:
        assert alpha.alpha is None and kappa.kappa is None


@FAST
@given(reliability_data())
def test_alpha_is_at_most_one_and_one_without_disagreement(data: np.ndarray) -> None:
    result = krippendorff_alpha(data)
    if result.alpha is not None:
        assert result.alpha <= 1.0 + EXACT
        assert (result.observed == 0) == (result.alpha == pytest.approx(1.0, abs=EXACT))


def test_alpha_of_two_coders_without_missing_values_relates_to_scotts_pi():
    # Two coders, N units, no missing values: 1 - alpha = (2N - 1) / (2N) (1 - pi), pi being
    # Scott's pi from the pooled margins (Krippendorff 2011, section B: alpha corrects pi for
    # the sample size).
    for name in ("moderate", "skewed", "random_200", "three_values"):
        a, b = case_codes(name)
        n = a.size
        pooled = np.concatenate([a, b])
        pe = sum(np.mean(pooled == v) ** 2 for v in np.unique(pooled))
        pi = (np.mean(a == b) - pe) / (1 - pe)
        alpha = krippendorff_alpha([a, b]).alpha
        assert 1 - alpha == pytest.approx((2 * n - 1) / (2 * n) * (1 - pi), abs=EXACT)


def test_alpha_undefined_and_too_few_cases():
    zeros = krippendorff_alpha(np.zeros((3, 8)))
    assert zeros.alpha is None and zeros.units == 8 and zeros.values == 24
    assert zeros.notes[0].code == NoteCode.AGREEMENT_UNDEFINED
    lonely = krippendorff_alpha([[1, np.nan, 0], [np.nan, 1, np.nan]])
    assert lonely.alpha is None and lonely.units == 0
    assert lonely.notes[0].code == NoteCode.TOO_FEW_CODED
    one_coder = krippendorff_alpha([[1, 0, 1, 0]])
    assert one_coder.alpha is None and one_coder.notes[0].code == NoteCode.TOO_FEW_CODED


def test_alpha_refuses_bad_input():
    with pytest.raises(ValueError, match="coders x units"):
        krippendorff_alpha([0, 1, 1])
    with pytest.raises(ValueError, match="finite"):
        krippendorff_alpha([[0, np.inf], [0, 1]])
