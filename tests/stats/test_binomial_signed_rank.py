"""Acceptance tests and p-value adjustment against R (tests/reference/acceptance.json, written by
tests/reference/acceptance.R: binom.test, prop.test, p.adjust, wilcox.test)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ipss_survey.stats.binomial import binomial_test, binomial_tests
from ipss_survey.stats.padjust import p_adjust
from ipss_survey.stats.signed_rank import signed_rank_test
from tests.paths import REFERENCE

RTOL = 1e-6  # same definitions as R; relative, since some p-values are tiny
ATOL = 1e-12


@cache
def reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "acceptance.json").read_text())


@cache
def scores(file: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / file)  # 17 significant digits: the same doubles as R


BINOMIAL = reference()["binomial"]


def test_binomial_tests_match_r_vectorised() -> None:
    # binom.test(x, n, p0, alternative = "greater")$p.value; binom.test(x, n)$conf.int;
    # prop.test(x, n, correct = FALSE)$conf.int -- all cases in one vectorised call per p0.
    for p0 in sorted({c["p0"] for c in BINOMIAL}):
        cases = [c for c in BINOMIAL if c["p0"] == p0]
        results = binomial_tests([c["successes"] for c in cases], [c["n"] for c in cases], p0)
        for case, result in zip(cases, results, strict=True):
            label = case["label"]
            assert result.p_value == pytest.approx(case["p_value"], rel=RTOL, abs=ATOL), label
            assert result.ci_exact == pytest.approx(case["ci_exact"], rel=RTOL, abs=ATOL), label
            assert result.ci_wilson == pytest.approx(case["ci_wilson"], rel=RTOL, abs=ATOL), label
            assert result.proportion == case["successes"] / case["n"]


@pytest.mark.parametrize(
    "case", [c for c in BINOMIAL if c["label"].startswith("edge")], ids=lambda c: c["label"]
)
def test_binomial_edge_cases_match_r(case: dict[str, Any]) -> None:
    result = binomial_test(case["successes"], case["n"], case["p0"])
    assert result.p_value == pytest.approx(case["p_value"], rel=RTOL, abs=ATOL)
    assert result.ci_exact == pytest.approx(case["ci_exact"], rel=RTOL, abs=ATOL)
    assert result.ci_wilson == pytest.approx(case["ci_wilson"], rel=RTOL, abs=ATOL)


def test_binomial_interval_ends_are_exact_at_zero_and_all() -> None:
    none, everyone = binomial_tests([0, 7], [7, 7])
    assert none.ci_exact[0] == 0.0 and none.ci_wilson[0] == 0.0
    assert everyone.ci_exact[1] == 1.0 and everyone.ci_wilson[1] == 1.0
    assert none.p_value == 1.0
    assert everyone.p_value == pytest.approx(0.5**7)  # hand: P(X >= 7 | 7, .5)


def test_binomial_without_trials_is_none_with_reason() -> None:
    result = binomial_test(0, 0)
    assert result.p_value is None and result.ci_exact is None and result.ci_wilson is None
    assert result.proportion is None
    assert result.notes[0].code == "no_trials"


def test_binomial_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        binomial_tests([5], [4])


@pytest.mark.parametrize("case", reference()["p_adjust"], ids=lambda c: c["name"])
@pytest.mark.parametrize(
    ("method", "r_name"),
    [("holm", "holm"), ("bonferroni", "bonferroni"), ("fdr_bh", "BH"), ("none", "none")],
)
def test_p_adjust_matches_r(case: dict[str, Any], method: str, r_name: str) -> None:
    # p.adjust(p, method); NA stays NA and does not count in n
    raw = [np.nan if v is None else v for v in case["p"]]
    expected = [np.nan if v is None else v for v in case[r_name]]
    np.testing.assert_allclose(p_adjust(raw, method), expected, rtol=1e-12, atol=0)


def test_p_adjust_accepts_none_and_r_names() -> None:
    adjusted = p_adjust([0.01, None, 0.02], "BH")
    assert np.isnan(adjusted[1])
    assert adjusted[[0, 2]] == pytest.approx([0.02, 0.02])  # hand: n = 2
    with pytest.raises(ValueError):
        p_adjust([0.1], "sidak")


def test_p_adjust_hand_holm() -> None:
    # Holm by hand: sorted .01, .02, .04 times 3, 2, 1 -> .03, .04, .04 (cummax)
    assert p_adjust([0.04, 0.01, 0.02], "holm") == pytest.approx([0.04, 0.03, 0.04])
    assert p_adjust([], "holm").size == 0


def wilcox_input(case: dict[str, Any]) -> np.ndarray:
    if "x" in case:
        return np.array([np.nan if v is None else v for v in case["x"]], dtype=float)
    source = case["source"]
    values = scores(source["file"])[source["column"]].to_numpy(dtype=float)
    return values[: source["rows"]] if "rows" in source else values


@pytest.mark.parametrize("case", reference()["wilcox"], ids=lambda c: c["label"])
def test_signed_rank_matches_wilcox_test(case: dict[str, Any]) -> None:
    # wilcox.test(x, mu = mu): V, p-value and which variant ran (method string)
    result = signed_rank_test(wilcox_input(case), case["mu"])
    assert result.statistic == case["V"]
    assert result.method == case["method"]
    assert result.n == case["n_used"]
    assert result.p_value == pytest.approx(case["p_value"], rel=RTOL, abs=1e-300)


def test_signed_rank_drops_zeros_and_missing() -> None:
    result = signed_rank_test([3.0, 3.0, np.nan, 4.0, 5.0, 2.5], mu=3.0)
    assert result.n == 3 and result.n_zeros == 2
    # hand: |d| = 1, 2, .5 -> ranks 2, 3, 1; positive d: 1 and 2 -> V = 5
    assert result.statistic == 5.0
    assert result.method == "Wilcoxon signed rank test with continuity correction"  # zeros


def test_signed_rank_exact_hand_case() -> None:
    # n = 3 distinct positive differences: V = 6, P(V >= 6) = 1/8, two-sided 1/4
    result = signed_rank_test([4.0, 5.0, 6.5], mu=3.0)
    assert result.statistic == 6.0
    assert result.p_value == pytest.approx(0.25)
    assert result.method == "Wilcoxon signed rank exact test"


def test_signed_rank_without_data_is_none() -> None:
    assert signed_rank_test([np.nan], 3.0).p_value is None
    all_mu = signed_rank_test([3.0, 3.0], 3.0)
    assert all_mu.p_value is None and all_mu.notes[0].code == "all_zero"
