"""Group tests against R (tests/reference/group_tests.json, written by
tests/reference/group_tests.R: kruskal.test, wilcox.test, pairwise.wilcox.test, chisq.test,
fisher.test) on construct scores of psych::bfi and psychTools::tai."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ipss_survey.stats.contingency import (
    FISHER_RESAMPLES,
    agreement_test,
    chi_square_test,
    fisher_test,
)
from ipss_survey.stats.groups import ExcludedGroup, GroupCounts
from ipss_survey.stats.rank_tests import group_tests, kruskal_wallis, mann_whitney
from tests.paths import REFERENCE

RTOL = 1e-6
ATOL = 1e-12
FEXACT_RTOL = 1e-5  # see test_fisher_matches_fisher_test_exactly


@cache
def reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "group_tests.json").read_text())


@cache
def scores(dataset: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / f"scores_{dataset}.csv")


def case_data(case: dict[str, Any]) -> tuple[np.ndarray, pd.Series]:
    """Scores and group labels of a reference case, from the CSV the R script read."""
    data = scores(case["dataset"])
    column = case["grouping"].split(" ")[0]
    values = data[case["construct"]].to_numpy(dtype=float)
    labels = data[column]
    if "(" in case["grouping"]:  # a subset of groups, listed in the grouping's name
        chosen = case["grouping"].split("(")[1].rstrip(")").split(", ")
        keep = labels.isin(chosen).to_numpy()
        values, labels = values[keep], labels[keep]
    return values, labels


RANK_CASES = reference()["rank_tests"]
AGREEMENT_CASES = reference()["agreement_tests"]


def rank_id(case: dict[str, Any]) -> str:
    return f"{case['dataset']}-{case['construct']}~{case['grouping']}"


@pytest.mark.parametrize("case", RANK_CASES, ids=rank_id)
def test_kruskal_wallis_matches_kruskal_test(case: dict[str, Any]) -> None:
    # kruskal.test(score, group) on the groups with >= 5 scored respondents
    values, labels = case_data(case)
    result = kruskal_wallis(values, labels)
    assert result.test == "kruskal-wallis"
    assert result.method == case["kruskal"]["method"]
    assert result.groups == case["groups"]
    assert result.group_sizes == case["group_sizes"]
    assert result.excluded_groups == [ExcludedGroup(**e) for e in case["excluded"]]
    assert result.df == case["kruskal"]["df"]
    assert result.statistic == pytest.approx(case["kruskal"]["statistic"], rel=RTOL, abs=ATOL)
    assert result.p_value == pytest.approx(case["kruskal"]["p_value"], rel=RTOL, abs=ATOL)
    n = case["n"]
    assert result.effect is not None and result.effect.name == "epsilon_squared"
    assert result.effect.value == pytest.approx(case["kruskal"]["statistic"] / (n - 1), rel=1e-9)
    if case["excluded"]:
        warning = next(w for w in result.notes if w.code == "groups_excluded")
        assert list(warning.groups) == [e["group"] for e in case["excluded"]]


@pytest.mark.parametrize("case", RANK_CASES, ids=rank_id)
def test_pairwise_mann_whitney_matches_pairwise_wilcox_test(case: dict[str, Any]) -> None:
    # wilcox.test(x_a, x_b, correct = TRUE, exact = FALSE) for W and p;
    # pairwise.wilcox.test(..., p.adjust.method = "holm", exact = FALSE) for p_adj
    values, labels = case_data(case)
    result = kruskal_wallis(values, labels)
    expected = case["pairwise"]
    got = {(p.a, p.b): p for p in result.pairwise}
    assert len(got) == len(expected["a"])
    sizes = dict(zip(case["groups"], case["group_sizes"], strict=True))
    for a, b, w, p, q in zip(
        expected["a"],
        expected["b"],
        expected["W"],
        expected["p_value"],
        expected["p_adj"],
        strict=True,
    ):
        pair = got[(a, b)]
        assert pair.statistic == pytest.approx(w, rel=1e-12), (a, b)
        assert pair.p_value == pytest.approx(p, rel=RTOL, abs=ATOL), (a, b)
        assert pair.p_adj == pytest.approx(q, rel=RTOL, abs=ATOL), (a, b)
        assert pair.effect.name == "rank_biserial"
        assert pair.effect.value == pytest.approx(2 * w / (sizes[a] * sizes[b]) - 1)


@pytest.mark.parametrize("case", [c for c in RANK_CASES if "mann_whitney" in c], ids=rank_id)
def test_mann_whitney_matches_wilcox_test(case: dict[str, Any]) -> None:
    # wilcox.test(x_first, x_second, correct = TRUE, exact = FALSE)
    values, labels = case_data(case)
    tests = group_tests(values, labels)
    assert [t.test for t in tests] == ["kruskal-wallis", "mann-whitney"]
    result = tests[1]
    assert result.df is None
    assert result.method == case["mann_whitney"]["method"]
    assert result.statistic == pytest.approx(case["mann_whitney"]["W"], rel=1e-12)
    assert result.p_value == pytest.approx(case["mann_whitney"]["p_value"], rel=RTOL, abs=ATOL)
    n1, n2 = case["group_sizes"]
    assert result.effect.value == pytest.approx(2 * case["mann_whitney"]["W"] / (n1 * n2) - 1)


def test_group_tests_without_two_groups_give_only_kruskal() -> None:
    case = next(c for c in RANK_CASES if c["grouping"] == "education")
    values, labels = case_data(case)
    assert [t.test for t in group_tests(values, labels)] == ["kruskal-wallis"]
    single = mann_whitney(values, labels)
    assert single.p_value is None and single.notes[-1].code == "not_two_groups"


def agreement_id(case: dict[str, Any]) -> str:
    return f"{case['dataset']}-{case['construct']}~{case['grouping']}"


@pytest.mark.parametrize("case", AGREEMENT_CASES, ids=agreement_id)
def test_chi_square_matches_chisq_test(case: dict[str, Any]) -> None:
    # chisq.test(table) (Yates only for 2 x 2); Cramer's V from chisq.test(correct = FALSE)
    table = np.array(case["table"])
    result = chi_square_test(table)
    assert result.method == case["chisq"]["method"]
    assert result.df == case["chisq"]["df"]
    assert result.statistic == pytest.approx(case["chisq"]["statistic"], rel=RTOL, abs=ATOL)
    assert result.p_value == pytest.approx(case["chisq"]["p_value"], rel=RTOL, abs=ATOL)
    assert result.expected_min == pytest.approx(case["expected_min"], rel=1e-12)
    v = np.sqrt(case["chisq_uncorrected"] / table.sum())
    assert result.cramers_v == pytest.approx(v, rel=RTOL)


@pytest.mark.parametrize(
    "case", [c for c in AGREEMENT_CASES if c["fisher_p_value"] is not None], ids=agreement_id
)
def test_fisher_matches_fisher_test_exactly(case: dict[str, Any]) -> None:
    # fisher.test(table, workspace = 2e8)$p.value (exact network algorithm, FEXACT).
    # 2 x 2 tables agree to ~1e-12.  On r x 2 tables FEXACT itself is off by up to ~1e-6
    # (relative): for bfi O ~ education it gives 1.214005e-4 where summing the probabilities of
    # every table in a +-9 SD box (mass 1 - 3e-12) gives 1.21400381e-4, our value to 1e-12.
    table = np.array(case["table"])
    result = fisher_test(table)
    assert result.method == "Fisher's Exact Test for Count Data"
    rtol = RTOL if table.shape == (2, 2) else FEXACT_RTOL
    assert result.p_value == pytest.approx(case["fisher_p_value"], rel=rtol, abs=ATOL)


def test_fisher_falls_back_to_monte_carlo_like_simulated_fisher_test() -> None:
    # 28 x 2 table (tai by study) where R's fisher.test fails even with a large workspace;
    # compare with set.seed(20240601); fisher.test(tb, simulate.p.value = TRUE, B = 1e5).
    # Tolerance: ~5 Monte Carlo standard errors of our draws (R's default B) and R's 100,000.
    case = next(c for c in AGREEMENT_CASES if c["fisher_p_value"] is None)
    result = fisher_test(np.array(case["table"]))
    assert result.method.endswith(
        f"with simulated p-value (based on {FISHER_RESAMPLES} replicates)"
    )
    r_p = case["fisher_simulated"]["p_value"]
    se = np.sqrt(r_p * (1 - r_p) * (1 / FISHER_RESAMPLES + 1 / case["fisher_simulated"]["B"]))
    assert abs(result.p_value - r_p) < 5 * se
    assert fisher_test(np.array(case["table"])).p_value == result.p_value  # fixed seed


@pytest.mark.parametrize("case", reference()["tables"], ids=lambda c: str(c["table"]))
def test_hand_sized_tables_match_r(case: dict[str, Any]) -> None:
    # fisher.test(tb)$p.value and chisq.test(tb) on small tables
    table = np.array(case["table"])
    assert fisher_test(table).p_value == pytest.approx(case["fisher_p_value"], rel=RTOL, abs=ATOL)
    chi = chi_square_test(table)
    assert chi.statistic == pytest.approx(case["chisq"]["statistic"], rel=RTOL, abs=ATOL)
    assert chi.p_value == pytest.approx(case["chisq"]["p_value"], rel=RTOL, abs=ATOL)
    assert chi.method == case["chisq"]["method"]


@pytest.mark.parametrize("case", AGREEMENT_CASES, ids=agreement_id)
def test_agreement_test_picks_the_test_r_would_be_asked_for(case: dict[str, Any]) -> None:
    values, labels = case_data(case)
    agree = np.where(np.isnan(values), np.nan, values >= case["agree_from"])
    result = agreement_test(agree, labels)
    assert result.groups == case["groups"]
    v = np.sqrt(case["chisq_uncorrected"] / np.array(case["table"]).sum())
    assert result.effect.name == "cramers_v" and result.effect.value == pytest.approx(v)
    two_by_two = len(case["groups"]) == 2
    if two_by_two or case["expected_min"] < 5:
        assert result.test == "fisher-exact"
        assert result.statistic is None and result.df is None
        if case["fisher_p_value"] is not None:
            assert result.p_value == pytest.approx(case["fisher_p_value"], rel=RTOL, abs=ATOL)
        if not two_by_two:
            assert "small_expected_counts" in {w.code for w in result.notes}
    else:
        assert result.test == "chi-square"
        assert result.statistic == pytest.approx(case["chisq"]["statistic"], rel=RTOL)
        assert result.p_value == pytest.approx(case["chisq"]["p_value"], rel=RTOL, abs=ATOL)
        assert result.method == case["chisq"]["method"]


def test_agreement_everyone_agrees_gives_none() -> None:
    result = agreement_test([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], ["a"] * 5 + ["b"] * 5)
    assert result.p_value is None
    assert result.notes[-1].code == "agreement_constant"


def test_groups_sort_numerically_when_all_labels_are_numbers() -> None:
    labels = ["10", "9", "100", "9", "10", "100"] * 5
    assert GroupCounts.from_scores(np.arange(30.0), labels).labels == ["9", "10", "100"]
    float_labels = [2.0, 1.0, np.nan] * 10  # as pandas reads a numeric column with gaps
    split = GroupCounts.from_scores(np.arange(30.0), float_labels)
    assert split.labels == ["1", "2"] and split.sizes == [10, 10]


def test_groups_sort_as_text_otherwise_and_drop_missing_labels() -> None:
    labels = ["b", "a", "10", "", None, "B"] * 5
    values = np.arange(30.0)
    values[0] = np.nan
    # "b" loses its first value (NaN): 4 < 5, left out
    split, excluded, _ = GroupCounts.from_scores(values, labels).select(5)
    assert split.labels == ["10", "B", "a"]  # code-point order, as R's sort(method = "radix")
    assert split.sizes == [5, 5, 5]
    assert excluded == [ExcludedGroup("b", 4)]


def test_small_groups_are_excluded_and_named() -> None:
    values = np.arange(13.0)
    labels = ["x"] * 6 + ["y"] * 5 + ["z"] * 2
    result = kruskal_wallis(values, labels)
    assert result.groups == ["x", "y"]
    assert result.excluded_groups == [ExcludedGroup("z", 2)]
    assert "z (n=2)" in result.notes[0].message
    assert len(result.pairwise) == 1
    too_few = kruskal_wallis(values, labels, min_group_size=6)
    assert too_few.p_value is None and too_few.notes[-1].code == "too_few_groups"


def test_all_tied_scores_give_no_p_values() -> None:
    result = kruskal_wallis(np.full(12, 3.0), ["a"] * 6 + ["b"] * 6)
    assert result.statistic is None and result.p_value is None
    assert result.pairwise[0].p_value is None and result.pairwise[0].effect.value == 0.0


def test_pairwise_tests_with_fifty_groups() -> None:
    rng = np.random.default_rng(7)
    labels = np.repeat([f"g{i:02d}" for i in range(50)], 60)
    values = rng.integers(1, 6, size=labels.size) + rng.integers(0, 3, size=labels.size) / 3
    result = kruskal_wallis(values, labels)
    assert len(result.pairwise) == 1225
    assert all(0 <= p.p_value <= 1 for p in result.pairwise)
