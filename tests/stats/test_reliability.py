"""Reliability against psych::alpha / psych::omega (numbers in tests/reference/reliability.json,
written by tests/reference/reliability.R with the R and psych versions recorded there)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ipss_survey.stats.covariance import pairwise_moments
from ipss_survey.stats.omega import minres_one_factor
from ipss_survey.stats.reliability import feldt_interval, reliability
from tests.paths import REFERENCE

TIGHT = 1e-6  # same definition as R: agreement to 1e-6 (in practice ~1e-14)
# psych fits the minres factor with optim(L-BFGS-B) and stops at its default tolerance; we solve
# the same least-squares problem to machine precision.  Observed |difference| <= 1e-7.
OMEGA_TOL = 1e-6
LOADING_TOL = 1e-4


@cache
def reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "reliability.json").read_text())


@cache
def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / f"{name}.csv")


def items_of(case: dict[str, Any]) -> np.ndarray:
    """The case's items, reverse-keyed as the R script did (min + max - code)."""
    data = dataset(case["dataset"])
    low, high = min(case["points"]), max(case["points"])
    columns = []
    for key in case["key"]:
        values = data[key.lstrip("-")].to_numpy(dtype=float)
        columns.append(low + high - values if key.startswith("-") else values)
    return np.column_stack(columns)


CASES = reference()["cases"]
IDS = [f"{c['dataset']}-{c['construct']}" for c in CASES]


def test_reference_records_versions() -> None:
    versions = reference()["versions"]
    assert versions["R"].startswith("R version")
    assert versions["psych"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pairwise_moments_match_r(case: dict[str, Any]) -> None:
    # cov(x, use = "pairwise") and cor(x, use = "pairwise")
    cov, cor, _ = pairwise_moments(items_of(case))
    np.testing.assert_allclose(cov, case["cov_pairwise"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(cor, case["cor_pairwise"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_alpha_matches_psych(case: dict[str, Any]) -> None:
    # psych::alpha(x)$total: raw_alpha, std.alpha, average_r; $feldt (psych::alpha.ci)
    result = reliability(items_of(case), case["items"])
    assert result.k == case["k"]
    assert result.n == case["n_rows"]
    assert result.alpha == pytest.approx(case["raw_alpha"], abs=TIGHT)
    assert result.alpha_std == pytest.approx(case["std_alpha"], abs=TIGHT)
    assert result.average_r == pytest.approx(case["average_r"], abs=TIGHT)
    assert result.alpha_ci == pytest.approx((case["feldt_lower"], case["feldt_upper"]), abs=TIGHT)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_item_statistics_match_psych(case: dict[str, Any]) -> None:
    # psych::alpha(x)$item.stats$r.drop and $alpha.drop$raw_alpha
    result = reliability(items_of(case), case["items"])
    assert [i.code for i in result.items] == case["items"]
    r_drop = [i.r_drop for i in result.items]
    np.testing.assert_allclose(r_drop, case["r_drop"], rtol=0, atol=TIGHT)
    if case["k"] > 2:
        dropped = [i.alpha_if_deleted for i in result.items]
        np.testing.assert_allclose(dropped, case["alpha_drop_raw_alpha"], rtol=0, atol=TIGHT)
    else:
        # One item left has no alpha; psych prints C[1,2]/C[2,2] there, we report None.
        assert all(i.alpha_if_deleted is None for i in result.items)


@pytest.mark.parametrize("case", [c for c in CASES if c["k"] >= 3], ids=lambda c: c["construct"])
def test_omega_matches_psych(case: dict[str, Any]) -> None:
    # psych::omega(x, nfactors = 1)$omega.tot and its general-factor loadings
    x = items_of(case)
    result = reliability(x, case["items"])
    assert result.omega_total == pytest.approx(case["omega_total"], abs=OMEGA_TOL)
    _, cor, _ = pairwise_moments(x)
    loadings = minres_one_factor(cor)
    np.testing.assert_allclose(np.abs(loadings), case["omega_loadings"], atol=LOADING_TOL)


def test_two_items_have_no_omega() -> None:
    case = next(c for c in CASES if c["k"] == 2)
    result = reliability(items_of(case), case["items"])
    assert result.omega_total is None
    assert "omega_not_estimated" in {w.code for w in result.notes}


def test_negative_alpha_names_items_with_negative_r_drop() -> None:
    case = next(c for c in CASES if c["construct"] == "A_negative")
    result = reliability(items_of(case), case["items"])
    assert result.alpha is not None and result.alpha < 0
    warning = next(w for w in result.notes if w.code == "negative_alpha")
    expected = [code for code, r in zip(case["items"], case["r_drop"], strict=True) if r < 0]
    assert list(warning.items) == expected


def test_unkeyed_item_is_reversed_for_omega_with_a_warning() -> None:
    # psych::omega flips items loading negatively; omega equals the correctly keyed scale's.
    unkeyed = next(c for c in CASES if c["construct"] == "A_unkeyed")
    keyed = next(c for c in CASES if c["construct"] == "A" and c["dataset"] == "bfi")
    result = reliability(items_of(unkeyed), unkeyed["items"])
    assert result.omega_total == pytest.approx(keyed["omega_total"], abs=OMEGA_TOL)
    warning = next(w for w in result.notes if w.code == "omega_items_reversed")
    assert list(warning.items) == ["A1"]
    assert result.items[0].r_drop is not None and result.items[0].r_drop < 0


def test_n_rows_sets_the_feldt_n_only() -> None:
    case = CASES[0]
    x = items_of(case)
    full = reliability(x, case["items"])
    fewer = reliability(x, case["items"], n_rows=500)
    assert fewer.n == 500
    assert fewer.alpha == full.alpha
    assert fewer.alpha_ci == pytest.approx(feldt_interval(full.alpha, 500, case["k"]))
    low, high = fewer.alpha_ci
    assert low < full.alpha_ci[0] and high > full.alpha_ci[1]  # fewer rows, wider interval


def test_item_without_variance_is_left_out_with_a_warning() -> None:
    # Hand case: psych::alpha deletes a constant item too ("had no variance and was deleted").
    rng = np.random.default_rng(1)
    base = rng.normal(size=(40, 1))
    x = np.round(base + rng.normal(scale=0.8, size=(40, 3)), 1)
    with_constant = np.column_stack([x, np.full(40, 3.0)])
    result = reliability(with_constant, ["a", "b", "c", "const"])
    alone = reliability(x, ["a", "b", "c"])
    assert result.k == 3
    assert result.alpha == pytest.approx(alone.alpha, abs=1e-12)
    assert result.items[3].r_drop is None and result.items[3].alpha_if_deleted is None
    warning = next(w for w in result.notes if w.code == "item_no_variance")
    assert list(warning.items) == ["const"]


def test_too_few_items_gives_none_with_a_warning() -> None:
    result = reliability(np.array([[1.0], [2.0], [3.0]]), ["only"])
    assert result.alpha is None and result.alpha_ci is None and result.omega_total is None
    assert result.items[0].r_drop is None
    assert [w.code for w in result.notes] == ["too_few_items"]


def test_fewer_respondents_than_items_warns() -> None:
    x = np.array([[1.0, 2, 3, 4, 5], [2, 3, 4, 5, 5], [1, 1, 2, 2, 3], [np.nan] * 5])
    result = reliability(x, list("abcde"))
    assert "fewer_respondents_than_items" in {w.code for w in result.notes}
    assert result.n == 4  # all rows, as psych (nrow(x))


def test_hand_computed_alpha() -> None:
    # Two items with cov [[1, .5], [.5, 1]]: alpha = 2 (1 - 2/3) = 2/3; r_drop = correlation.
    x = np.array([[1.0, 1.0], [2.0, 3.0], [3.0, 2.0]])
    result = reliability(x, ["a", "b"])
    assert result.alpha == pytest.approx(2 / 3)
    assert result.alpha_std == pytest.approx(2 / 3)
    assert result.average_r == pytest.approx(0.5)
    assert [i.r_drop for i in result.items] == pytest.approx([0.5, 0.5])


def test_pairs_never_answered_together_give_none() -> None:
    x = np.array([[1.0, np.nan, 2], [2, np.nan, 3], [np.nan, 1, 2], [np.nan, 3, 5]])
    result = reliability(x, ["a", "b", "c"])
    assert result.alpha is None
    assert "too_few_pairs" in {w.code for w in result.notes}
