"""Change between two waves against R (tests/reference/change.json, written by
tests/reference/change.R: wilcox.test paired and unpaired, mcnemar.test, prop.test,
fisher.test, pwilcox) on psychTools::msqR, times 1 and 2 (tests/reference/msqR_change.csv)."""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ipss_survey.stats.change import (
    independent_agreement_change,
    independent_agreement_from_counts,
    independent_score_change,
    match_pairs,
    mcnemar_test,
    paired_agreement_change,
    paired_score_change,
    prop_test,
    pwilcox,
    rank_sum_exact_p,
    signif,
)
from ipss_survey.stats.signed_rank import signed_rank_test
from tests.paths import REFERENCE

RTOL = 1e-6  # relative: some p-values are tiny
ATOL = 1e-12


@cache
def reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "change.json").read_text())


@cache
def data() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "msqR_change.csv")  # scores with 17 digits: R's doubles


@cache
def waves() -> tuple[pd.DataFrame, pd.DataFrame]:
    d = data()
    return d[d["time"] == 1].reset_index(drop=True), d[d["time"] == 2].reset_index(drop=True)


@cache
def pairs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both waves' rows of the persons in both, aligned (by match_pairs on study:id)."""
    baseline, followup = waves()
    b_rows, f_rows = match_pairs(baseline["person"].to_numpy(), followup["person"].to_numpy())
    return baseline.iloc[b_rows].reset_index(drop=True), followup.iloc[f_rows].reset_index(
        drop=True
    )


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, rel=RTOL, abs=ATOL)


def agree(values: pd.Series) -> np.ndarray:
    """1 where the code is at least the lowest agreement code, 0 below it, NaN unanswered."""
    x = values.to_numpy(dtype=float)
    return np.where(np.isnan(x), np.nan, (x >= reference()["agree_from"]).astype(float))


# ---- the data and the pairing ----


def test_reference_records_versions_and_calls() -> None:
    ref = reference()
    assert ref["versions"]["R"].startswith("R version 4.2.2")
    assert "digits.rank = 7" in ref["calls"]["paired"]


def test_scores_follow_the_project_rule_and_are_rs_doubles() -> None:
    # mean of the answered reverse-keyed items when at least ceil(k/2) are answered
    d = data()
    points = reference()["points"]
    for scale, key in reference()["keys"].items():
        codes = [k.lstrip("-") for k in key]
        x = d[codes].to_numpy(dtype=float)
        flip = np.array([k.startswith("-") for k in key])
        x[:, flip] = min(points) + max(points) - x[:, flip]
        answered = (~np.isnan(x)).sum(axis=1)
        with np.errstate(invalid="ignore"):
            score = np.nansum(x, axis=1) / answered
        score[answered < math.ceil(len(key) / 2)] = np.nan
        assert np.array_equal(score, d[scale].to_numpy(), equal_nan=True), scale


def test_pairs_match_r_merge_by_person() -> None:
    b, f = pairs()
    assert (b["person"].to_numpy() == f["person"].to_numpy()).all()
    assert (b["time"] == 1).all() and (f["time"] == 2).all()
    n_all = next(c for c in reference()["signed_rank"] if c["scale"] == "EA")["n"]
    complete = b["EA"].notna() & f["EA"].notna()
    assert int(complete.sum()) == n_all


def test_match_pairs_by_number_and_text_ids() -> None:
    b_rows, f_rows = match_pairs(np.array([3.0, 1.0, 2.0, np.nan]), np.array([2, 3, 5]))
    assert b_rows.tolist() == [2, 0] and f_rows.tolist() == [0, 1]
    b_rows, f_rows = match_pairs(np.array(["x", "y", None, ""], dtype=object), ["y", "z", "x"])
    assert b_rows.tolist() == [0, 1] and f_rows.tolist() == [2, 0]
    b_rows, f_rows = match_pairs(np.array([12.0, 7.0]), np.array(["7", "12", "x"], dtype=object))
    assert b_rows.tolist() == [0, 1] and f_rows.tolist() == [1, 0]
    with pytest.raises(ValueError, match="more than once"):
        match_pairs([1, 2, 2], [1, 2])


# ---- paired scores: wilcox.test(followup, baseline, paired = TRUE, digits.rank = 7) ----


def paired_case_rows(case: dict[str, Any]) -> np.ndarray:
    b, _ = pairs()
    if case["persons"] is not None:
        return b["person"].isin(case["persons"]).to_numpy()
    if case["study"] is not None:
        return (b["study"] == case["study"]).to_numpy()
    return np.ones(len(b), dtype=bool)


@pytest.mark.parametrize(
    "case", reference()["signed_rank"], ids=lambda c: f"{c['scale']}-{c['label']}"
)
def test_paired_signed_rank_matches_wilcox_test(case: dict[str, Any]) -> None:
    b, f = pairs()
    keep = paired_case_rows(case)
    result = paired_score_change(b.loc[keep, case["scale"]], f.loc[keep, case["scale"]])
    assert result.paired
    assert result.test.name == "wilcoxon-signed-rank"
    assert result.method == case["method"]
    assert result.test.n == case["n"] == result.n_baseline == result.n_followup
    assert result.n_zeros == case["n_zeros"]
    assert result.test.statistic == case["V"]  # sums of average ranks: exact halves
    assert close(result.test.p_value, case["p_value"])
    assert result.test.effect is not None and result.test.effect.name == "rank_biserial"
    assert close(result.test.effect.value, case["rank_biserial"])
    assert result.notes == []


def test_digits_rank_changes_the_full_sample_results_as_in_r() -> None:
    # Ranking the raw differences (digits.rank = Inf) breaks ties that are floating-point
    # noise; R's V differs on every full scale, and ours follows the digits.rank = 7 one.
    b, f = pairs()
    for case in reference()["signed_rank"]:
        if case["label"] != "all pairs":
            continue
        assert case["digits_rank_inf"]["V"] != case["V"]
        diff = (f[case["scale"]] - b[case["scale"]]).dropna().to_numpy()
        raw = signed_rank_test(diff, mu=0.0)
        assert raw.statistic == case["digits_rank_inf"]["V"]
        assert close(raw.p_value, case["digits_rank_inf"]["p_value"])


def test_noise_ties_under_digits_rank_but_not_in_raw_differences() -> None:
    noise = reference()["noise"]
    before = np.array(noise["b_num"], dtype=float) / np.array(noise["b_den"], dtype=float)
    after = np.array(noise["f_num"], dtype=float) / np.array(noise["f_den"], dtype=float)
    assert (after - before)[0] != 1.0  # 7/3 - 4/3 is not 1 as a double
    result = paired_score_change(before, after)
    assert result.test.statistic == noise["V"]
    assert close(result.test.p_value, noise["p_value"])
    assert result.method == noise["method"]  # ties: normal approximation
    raw = signed_rank_test(after - before, mu=0.0)
    inf = noise["digits_rank_inf"]
    assert (raw.statistic, raw.method) == (inf["V"], inf["method"])  # no ties: exact
    assert close(raw.p_value, inf["p_value"])


def test_signif_is_rs_signif() -> None:
    x = np.array([7 / 3 - 4 / 3, 1.0, -0.9999999999999998, 1234567.89, 2.5e-16, 0.0, np.nan])
    expected = np.array([1.0, 1.0, -1.0, 1234568.0, 2.5e-16, 0.0, np.nan])
    assert np.array_equal(signif(x, 7), expected, equal_nan=True)
    assert signif(np.array([0.15, 0.25, 123.5]), 2).tolist() == [0.15, 0.25, 120.0]
    assert signif(np.array([1234.5]), 4).tolist() == [1234.0]  # half to even, as nearbyint


def test_signif_of_many_values_rounds_each_distinct_value_alike() -> None:
    """Above 10,000 values the distinct ones are rounded once: the same doubles as one by one."""
    rng = np.random.default_rng(3)
    means = rng.integers(0, 41, size=(30_000, 2)) / np.array([8.0, 12.0])
    x = (means[:, 0] - means[:, 1]).reshape(100, 300)  # a grid of mean-score differences
    x[0, :5] = [np.nan, np.inf, -np.inf, 0.0, 1e-310]
    one_by_one = np.array([signif(np.array([v]), 7)[0] for v in x.ravel()]).reshape(x.shape)
    assert np.array_equal(signif(x, 7), one_by_one, equal_nan=True)
    spread = rng.normal(0, 1e3, 20_000)  # nearly all distinct: rounded value by value
    assert np.array_equal(signif(spread, 7), [signif(np.array([v]), 7)[0] for v in spread])


def test_paired_change_of_many_pairs_is_the_signed_rank_test_of_the_rounded_differences():
    """Counted from the distinct differences: the same statistic, p and zeros as
    wilcox.test's own steps (signif to 7 digits, then rank), on mean scores of 1..5 over 1..12
    answers (differences that round alike, and zeros)."""
    rng = np.random.default_rng(11)
    n = 60_000
    answered = rng.integers(1, 13, size=(n, 2))
    before = rng.integers(1, 6, size=n) + rng.integers(0, 12, size=n) / answered[:, 0]
    after = rng.integers(1, 6, size=n) + rng.integers(0, 12, size=n) / answered[:, 1]
    after[:500] = before[:500]  # unchanged scores: zero differences, dropped
    before[500:510] = np.nan  # incomplete pairs, dropped
    result = paired_score_change(before, after)
    keep = ~np.isnan(before)
    direct = signed_rank_test(signif(after[keep] - before[keep], 7), mu=0.0)
    assert result.test.statistic == direct.statistic
    assert result.test.p_value == direct.p_value
    assert result.n_zeros == direct.n_zeros >= 500
    assert result.method == direct.method


def test_paired_hand_computed_exact_case() -> None:
    # d = 1, 2, 3.5, 4.25, -2.5: ranks 1, 2, 4, 5, 3 -> V = 12 of 15; subsets of 1..5 summing
    # to at least 12 are as many as those summing to at most 3: 5 of 32 -> p = 10/32.
    result = paired_score_change([1, 2, 3, 4, 5.5], [2, 4, 6.5, 8.25, 3])
    assert result.test.statistic == 12.0
    assert result.test.p_value == pytest.approx(10 / 32, abs=1e-15)
    assert result.method == "Wilcoxon signed rank exact test"
    assert result.test.effect.value == pytest.approx((12 - 3) / 15, abs=1e-15)


def test_paired_drops_incomplete_pairs_and_counts_zeros() -> None:
    result = paired_score_change([1, 2, np.nan, 3, 4], [2, 2, 5, np.nan, 5])
    assert result.test.n == 3 and result.n_zeros == 1
    assert result.method == "Wilcoxon signed rank test with continuity correction"
    none = paired_score_change([1, 2], [1, 2])
    assert none.test.statistic is None and none.test.p_value is None and none.test.effect is None
    assert [n.code for n in none.notes] == ["all_zero"]
    empty = paired_score_change([np.nan, 1], [1, np.nan])
    assert empty.test.n == 0 and [n.code for n in empty.notes] == ["no_pairs"]
    with pytest.raises(ValueError):
        paired_score_change([1, 2, 3], [1, 2])


@pytest.mark.parametrize("scale", ["EA", "TA", "PA", "NAf"])
def test_swapping_paired_waves_negates_the_effect_and_keeps_p(scale: str) -> None:
    b, f = pairs()
    forward = paired_score_change(b[scale], f[scale])
    backward = paired_score_change(f[scale], b[scale])
    n = forward.test.n - forward.n_zeros
    assert backward.test.statistic == n * (n + 1) / 2 - forward.test.statistic
    assert backward.test.p_value == pytest.approx(forward.test.p_value, rel=1e-12)
    assert backward.test.effect.value == pytest.approx(-forward.test.effect.value, abs=1e-15)


# ---- paired agreement: McNemar ----


def mcnemar_id(case: dict[str, Any]) -> str:
    return f"{case['item']}-{case['label']}"


@pytest.mark.parametrize("case", reference()["mcnemar"], ids=mcnemar_id)
def test_mcnemar_matches_mcnemar_test(case: dict[str, Any]) -> None:
    b, f = pairs()
    keep = (b["study"] == "RAFT").to_numpy() if case["label"] == "RAFT" else slice(None)
    result = paired_agreement_change(agree(b[case["item"]])[keep], agree(f[case["item"]])[keep])
    assert result.test.name == "mcnemar" and result.paired
    assert result.test.n == case["n"]
    assert [list(row) for row in result.table] == case["table"]
    assert result.method == case["method"]
    assert close(result.test.statistic, case["statistic"])
    assert close(result.test.p_value, case["p_value"])
    (both, b_only), (f_only, _) = result.table
    assert result.agree_baseline == both + b_only and result.agree_followup == both + f_only
    assert result.difference == pytest.approx(100 * (f_only - b_only) / case["n"], abs=1e-12)
    assert result.test.effect.value == result.difference and result.ci is None
    if case["statistic"] is None:
        assert [n.code for n in result.notes] == ["no_discordant_pairs"]


@pytest.mark.parametrize("case", reference()["hand"]["mcnemar"], ids=lambda c: str(c["table"]))
def test_mcnemar_hand_tables_match_r(case: dict[str, Any]) -> None:
    (_, b_only), (f_only, _) = case["table"]
    statistic, p_value, method = mcnemar_test(b_only, f_only)
    assert close(statistic, case["statistic"]) and close(p_value, case["p_value"])
    assert method == case["method"]


def test_mcnemar_hand_computed() -> None:
    # b = 3, c = 8: (|3 - 8| - 1)^2 / 11; b = c: no correction and X2 = 0, as R
    statistic, p_value, _ = mcnemar_test(3, 8)
    assert statistic == pytest.approx(16 / 11, abs=1e-15)
    assert p_value == pytest.approx(math.erfc(math.sqrt(16 / 11 / 2)), rel=1e-12)
    assert mcnemar_test(6, 6) == (0.0, 1.0, "McNemar's Chi-squared test")


def test_mcnemar_swapping_waves_negates_the_difference_and_keeps_p() -> None:
    b, f = pairs()
    for item in ["active", "tense", "nervous", "alert"]:
        forward = paired_agreement_change(agree(b[item]), agree(f[item]))
        backward = paired_agreement_change(agree(f[item]), agree(b[item]))
        assert backward.test.p_value == forward.test.p_value
        assert backward.difference == pytest.approx(-forward.difference, abs=1e-12)


def test_agreement_rejects_values_other_than_zero_and_one() -> None:
    with pytest.raises(ValueError, match="agree"):
        paired_agreement_change([0, 1, 2], [1, 1, 0])
    with pytest.raises(ValueError, match="agree"):
        independent_agreement_change([0, 1], [0.5, 1])


# ---- independent scores: wilcox.test(followup, baseline) ----


def rank_sum_samples(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    baseline, followup = waves()
    scale = case["scale"]
    if case["label"] == "distinct":
        rows_b = np.array(case["baseline_rows"]) - 1
        rows_f = np.array(case["followup_rows"]) - 1
        return baseline[scale].to_numpy()[rows_b], followup[scale].to_numpy()[rows_f]
    if case["label"] == "RAFT":
        baseline = baseline[baseline["study"] == "RAFT"]
        followup = followup[followup["study"] == "RAFT"]
    return baseline[scale].to_numpy(), followup[scale].to_numpy()


@pytest.mark.parametrize(
    "case", reference()["rank_sum"], ids=lambda c: f"{c['scale']}-{c['label']}"
)
def test_rank_sum_matches_wilcox_test(case: dict[str, Any]) -> None:
    before, after = rank_sum_samples(case)
    result = independent_score_change(before, after)
    assert not result.paired and result.test.name == "mann-whitney"
    assert result.method == case["method"]
    assert (result.n_baseline, result.n_followup) == (case["n_baseline"], case["n_followup"])
    assert result.test.n == case["n_baseline"] + case["n_followup"]
    assert result.n_zeros is None
    assert result.test.statistic == case["W"]
    assert close(result.test.p_value, case["p_value"])
    assert close(result.test.effect.value, case["rank_biserial"])


@pytest.mark.parametrize("case", reference()["hand"]["rank_sum"], ids=lambda c: str(c["W"]))
def test_rank_sum_hand_vectors_match_r(case: dict[str, Any]) -> None:
    result = independent_score_change(case["baseline"], case["followup"])
    assert result.test.statistic == case["W"]
    assert close(result.test.p_value, case["p_value"])
    assert result.method == case["method"]


def test_rank_sum_hand_computed_exact_case() -> None:
    # every follow-up score above every baseline score: W = mn = 12, P(U >= 12) = 1/C(7, 3)
    result = independent_score_change([1, 2, 3], [8, 9, 10, 11])
    assert result.test.statistic == 12.0
    assert result.test.p_value == pytest.approx(2 / 35, abs=1e-15)
    assert result.test.effect.value == 1.0


@pytest.mark.parametrize("case", reference()["pwilcox"], ids=lambda c: f"{c['m']}x{c['n']}")
def test_exact_rank_sum_distribution_is_pwilcox(case: dict[str, Any]) -> None:
    q = np.array(case["q"], dtype=float)
    lower = pwilcox(q, case["m"], case["n"])
    upper = pwilcox(q - 1, case["m"], case["n"], lower_tail=False)
    np.testing.assert_allclose(lower, case["lower"], rtol=1e-12)  # tails summed directly
    np.testing.assert_allclose(upper, case["upper"], rtol=1e-12)


def test_exact_rank_sum_p_by_enumeration() -> None:
    # all C(8, 3) = 56 placements of three follow-up ranks among 8
    from itertools import combinations

    us = [sum(c) - 6 for c in combinations(range(1, 9), 3)]  # U = rank sum - m(m + 1)/2
    for w in range(0, 16):
        tail = sum(u >= w for u in us) if w > 7.5 else sum(u <= w for u in us)
        assert rank_sum_exact_p(w, 3, 5) == pytest.approx(min(1.0, 2 * tail / 56), abs=1e-15)


def test_rank_sum_without_scores_or_variance() -> None:
    empty = independent_score_change([np.nan], [1.0, 2.0])
    assert empty.test.p_value is None and [n.code for n in empty.notes] == ["no_scores"]
    tied = independent_score_change([2.0] * 60, [2.0] * 60)
    assert tied.test.p_value is None and [n.code for n in tied.notes] == ["no_variance"]


@pytest.mark.parametrize("case", reference()["rank_sum"][:6], ids=lambda c: c["scale"])
def test_swapping_independent_waves_negates_the_effect_and_keeps_p(case: dict[str, Any]) -> None:
    before, after = rank_sum_samples(case)
    forward = independent_score_change(before, after)
    backward = independent_score_change(after, before)
    assert backward.test.p_value == pytest.approx(forward.test.p_value, rel=1e-12)
    assert backward.test.effect.value == pytest.approx(-forward.test.effect.value, abs=1e-12)


def test_rank_tests_take_large_samples() -> None:
    """100,000 a side with many ties: the normal approximation, p-values in [0, 1]."""
    rng = np.random.default_rng(5)
    before = rng.integers(0, 31, 100_000) / 10
    after = rng.integers(0, 31, 100_000) / 10
    for change in (independent_score_change(before, after), paired_score_change(before, after)):
        assert change.test is not None and 0 <= change.test.p_value <= 1


# ---- independent agreement: prop.test, or fisher.test when an expected count is below 5 ----


def proportion_id(case: dict[str, Any]) -> str:
    return f"{case['item']}-{case['label']}"


@pytest.mark.parametrize("case", reference()["proportions"], ids=proportion_id)
def test_proportions_match_prop_test_or_fisher_test(case: dict[str, Any]) -> None:
    (xf, xb), (nf, nb) = case["x"], case["n"]
    result = independent_agreement_from_counts(xb, nb, xf, nf)
    assert not result.paired and result.test.n == nb + nf
    assert result.ci == pytest.approx([100 * v for v in case["conf_int"]], rel=RTOL, abs=1e-10)
    assert result.difference == pytest.approx(100 * (xf / nf - xb / nb), abs=1e-12)
    assert result.test.effect.name == "difference_pp"
    if case["expected_min"] < 5:
        assert result.test.name == "fisher-exact" and result.test.statistic is None
        assert result.method == case["fisher_method"]
        assert close(result.test.p_value, case["fisher_p_value"])
        assert [n.code for n in result.notes] == ["small_expected_counts"]
    else:
        assert result.test.name == "chi-square" and result.method == case["method"]
        assert close(result.test.statistic, case["statistic"])
        assert close(result.test.p_value, case["p_value"])
    # prop.test itself, whichever test is reported
    statistic, p_value, ci, method, expected_min = prop_test(xf, nf, xb, nb)
    assert close(statistic, case["statistic"]) and close(p_value, case["p_value"])
    assert method == case["method"]
    assert list(ci) == pytest.approx(case["conf_int"], rel=RTOL, abs=1e-12)
    assert expected_min == pytest.approx(case["expected_min"], rel=1e-12)


@pytest.mark.parametrize(
    "case", reference()["hand"]["proportions"], ids=lambda c: f"{c['x']} of {c['n']}"
)
def test_proportions_hand_counts_match_r(case: dict[str, Any]) -> None:
    (xf, xb), (nf, nb) = case["x"], case["n"]
    statistic, p_value, ci, method, _ = prop_test(xf, nf, xb, nb)
    # prop.test gives X2 = 6e-32 where Yates' correction meets |O - E| (1 of 3 vs 2 of 4):
    # within the absolute tolerance
    assert close(statistic, case["statistic"])
    assert close(p_value, case["p_value"])
    assert list(ci) == pytest.approx(case["conf_int"], rel=RTOL, abs=1e-12)
    assert method == case["method"]
    result = independent_agreement_from_counts(xb, nb, xf, nf)
    if result.test.name == "fisher-exact":
        assert close(result.test.p_value, case["fisher_p_value"])


def test_proportions_from_answers_match_the_counts() -> None:
    baseline, followup = waves()
    by_item = {c["item"]: c for c in reference()["proportions"] if c["label"] == "all"}
    for item, case in list(by_item.items())[:8]:
        result = independent_agreement_change(agree(baseline[item]), agree(followup[item]))
        assert (result.agree_followup, result.agree_baseline) == tuple(case["x"])
        assert (result.n_followup, result.n_baseline) == tuple(case["n"])
        assert close(result.test.p_value, case["p_value"])
        assert result.pct_followup == pytest.approx(100 * case["x"][0] / case["n"][0])


def test_proportions_hand_computed() -> None:
    # 45 of 100 against 30 of 100: Yates 0.5, pooled 0.375, |O - E| = 7.5 in every cell
    result = independent_agreement_from_counts(30, 100, 45, 100)
    expected = 7.0**2 * (2 / 37.5 + 2 / 62.5)
    assert result.test.statistic == pytest.approx(expected, rel=1e-12)
    assert result.difference == 15.0
    half_width = 1.959963984540054 * math.sqrt(0.45 * 0.55 / 100 + 0.3 * 0.7 / 100) + 0.01
    assert result.ci == pytest.approx((100 * (0.15 - half_width), 100 * (0.15 + half_width)))


def test_proportions_swapping_waves_negates_the_difference_and_keeps_p() -> None:
    for case in reference()["proportions"]:
        (xf, xb), (nf, nb) = case["x"], case["n"]
        forward = independent_agreement_from_counts(xb, nb, xf, nf)
        backward = independent_agreement_from_counts(xf, nf, xb, nb)
        assert backward.test.name == forward.test.name
        assert close(backward.test.p_value, forward.test.p_value)
        assert backward.difference == pytest.approx(-forward.difference, abs=1e-12)
        assert backward.ci == pytest.approx((-forward.ci[1], -forward.ci[0]), abs=1e-12)


def test_proportions_without_answers_give_none() -> None:
    result = independent_agreement_from_counts(0, 0, 3, 5)
    assert result.test.p_value is None and result.ci is None and result.pct_baseline is None
    assert [n.code for n in result.notes] == ["no_trials"]
    with pytest.raises(ValueError):
        independent_agreement_from_counts(6, 5, 3, 5)
