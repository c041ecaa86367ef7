"""Design-based proportions, pooled acceptance and group tests: hand-computed cases, the iid
special case, and invariants (row order, weight scale, item = construct of one answer)."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

import numpy as np
import pytest
from scipy import stats

from ipss_survey.stats.design import Domains, SurveyDesign, survey_design
from ipss_survey.stats.survey_estimates import (
    survey_means,
    survey_proportions,
    survey_ratio_proportions,
    survey_totals,
    survey_variances,
)
from ipss_survey.stats.survey_tests import (
    rao_scott_counts_test,
    rao_scott_test,
    survey_rank_test,
)


def test_proportion_without_design_by_hand() -> None:
    # p = 3/5, se = sqrt(p (1 - p)/(n - 1)), df = 4; logit interval; P(T_4 > (p - p0)/se)
    result = survey_proportions([1, 1, 0, 1, 0], survey_design(5), p0=0.5)[0]
    se = np.sqrt(0.24 / 4)
    half = stats.t.ppf(0.975, 4) * se / 0.24
    centre = np.log(0.6 / 0.4)
    assert result.estimate == pytest.approx(0.6)
    assert result.se == pytest.approx(se)
    assert result.ci == pytest.approx(
        (1 / (1 + np.exp(-(centre - half))), 1 / (1 + np.exp(-(centre + half))))
    )
    assert result.df == 4
    assert result.p_value == pytest.approx(stats.t.sf(0.1 / se, 4))


def test_ratio_of_totals_by_hand() -> None:
    # A = 1, 2, 0 of N = 2, 2, 1: p = 3/5, influence (A - p N)/5 = -0.04, 0.16, -0.12,
    # var = 3/2 * 0.0416 = 0.0624, df = 3 respondents - 1. A respondent without answers
    # (N = 0) is not in the long data at all, so it changes nothing.
    design = survey_design(4)
    result = survey_ratio_proportions([1, 2, 0, 0], [2, 2, 1, 0], design, p0=0.5)[0]
    assert result.estimate == pytest.approx(0.6)
    assert result.se == pytest.approx(np.sqrt(0.0624))
    assert result.df == 2
    assert (result.n, result.respondents) == (5, 3)
    assert result.p_value == pytest.approx(stats.t.sf(0.1 / np.sqrt(0.0624), 2))


def test_item_proportion_keeps_unanswered_psus_but_ratio_drops_them() -> None:
    # the same answers as an item (NaN = no answer: n_h and degf of the whole design) and as
    # a construct of one item (long data hold only answers: n_h and degf of the answered rows)
    agree = np.array([1, 0, np.nan, 1, 1, np.nan, 0, 1])
    design = survey_design(8)
    item = survey_proportions(agree, design)[0]
    answered = ~np.isnan(agree)
    ratio = survey_ratio_proportions(np.nan_to_num(agree), answered.astype(float), design)[0]
    assert item.estimate == ratio.estimate == pytest.approx(4 / 6)
    assert (item.df, ratio.df) == (7, 5)
    # se^2: sum of squared influences times n_h/(n_h - 1), n_h = 8 vs 6
    assert (item.se / ratio.se) ** 2 == pytest.approx((8 / 7) / (6 / 5))
    complete = survey_proportions(agree[answered], survey_design(6))[0]
    assert numbers(complete) == pytest.approx(numbers(ratio))


def test_equal_weights_without_design_is_the_iid_answer() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, 200).astype(float)
    design = survey_design(200, weights=np.full(200, 4.2))
    mean = survey_means(x, design)[0]
    assert mean.se == pytest.approx(np.std(x, ddof=1) / np.sqrt(200))
    assert survey_variances(x, design)[0].variance == pytest.approx(np.var(x, ddof=1))
    p = float(np.mean(x >= 4))
    prop = survey_proportions((x >= 4).astype(float), design)[0]
    assert prop.se == pytest.approx(np.sqrt(p * (1 - p) / 199))
    assert survey_totals(x, design)[0].estimate == pytest.approx(4.2 * x.sum())


def test_rank_test_by_hand() -> None:
    # scores 1..4, groups a a b b, no design: mid-ranks .5 1.5 2.5 3.5 over N = 4, group means
    # .25 and .75, difference .5; influence (r - m_g)/2 = -/+ .0625 in each group's column,
    # var of each mean 4/3 * 2 * .0625^2, of the difference twice that; df = 4 - 1 - 1
    result = survey_rank_test([1, 2, 3, 4], Domains.from_values(list("aabb")), survey_design(4))
    se = np.sqrt(2 * 4 / 3 * 2 * 0.0625**2)
    assert result.test == "wilcoxon"
    assert result.estimate == pytest.approx(0.5)
    assert result.statistic == pytest.approx(0.5 / se)
    assert result.df == 2
    assert result.p_value == pytest.approx(2 * stats.t.sf(0.5 / se, 2))


def test_mid_ranks_of_weighted_ties_are_order_free() -> None:
    # tied rows of weights 1 and 3 above rows of total weight 4: each gets the mid-rank
    # 4 + (1 + 3 + 1 + 3)/2 whatever their order; R's unweighted mean of cumulative weights
    # would give them 4 + 0.5 + ... in row order and change when the rows are reversed
    weights = np.array([2, 1, 3, 2, 1, 3], dtype=float)
    labels = np.array(list("abbaab"), dtype=object)
    scores = np.array([1, 5, 5, 1, 5, 5], dtype=float)
    forward = survey_rank_test(scores, Domains.from_values(labels), survey_design(weights=weights))
    order = np.arange(6)[::-1]
    backward = survey_rank_test(
        scores[order], Domains.from_values(labels[order]), survey_design(weights=weights[order])
    )
    assert forward.statistic == pytest.approx(backward.statistic, rel=1e-12)
    # by hand: ranks (over N = 12) 2/12 for the 1s, 8/12 for the 5s; group a: weights 2, 2, 1
    # -> mean (2*2 + 2*2 + 1*8)/5/12, group b: 1, 3, 3 -> 8/12
    assert forward.estimate == pytest.approx(8 / 12 - 16 / 5 / 12)


def test_rank_and_rao_scott_edge_cases_return_none_with_notes() -> None:
    design = survey_design(6)
    one_group = Domains.from_values(["a"] * 6)
    assert survey_rank_test(np.arange(6.0), one_group, design).notes[-1].code == "too_few_groups"
    tied = survey_rank_test(np.ones(6), Domains.from_values(list("aaabbb")), design)
    assert tied.p_value is None and tied.notes[-1].code == "no_variance"
    constant = rao_scott_test(np.ones(6), Domains.from_values(list("aaabbb")), design)
    assert constant.statistic is None and constant.notes[-1].code == "agreement_constant"
    empty = rao_scott_test(
        np.array([1, 0, 1, np.nan, np.nan, np.nan]), Domains.from_values(list("aaabbb")), design
    )
    assert empty.statistic is None and empty.notes[-1].code == "empty_margin"
    assert empty.notes[-1].groups == ("b",)
    with pytest.raises(ValueError):
        rao_scott_test(np.array([2, 0, 1, 1, 0, 1]), Domains.from_values(list("aaabbb")), design)


def test_proportion_edge_cases() -> None:
    design = survey_design(4)
    everyone = survey_proportions([1, 1, 1, 1], design)[0]
    assert everyone.estimate == 1.0 and everyone.ci is None and everyone.p_value is None
    assert everyone.notes[-1].code == "agreement_constant"
    nobody = survey_proportions([np.nan] * 4, design)[0]
    assert nobody.estimate is None and nobody.notes[-1].code == "no_trials"
    single = survey_ratio_proportions([1, 0, 0, 0], [2, 0, 0, 0], design)[0]
    assert single.estimate == 0.5 and single.se is None
    assert single.notes[-1].code == "no_degrees_of_freedom"
    with pytest.raises(ValueError):
        survey_ratio_proportions([3, 0, 0, 0], [2, 1, 1, 1], design)
    with pytest.raises(ValueError):
        survey_proportions([0.5, 1, 0, 1], design)


# ---- invariants on a stratified cluster sample with weights --------------------------------


def sample(seed: int = 11, n: int = 300) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 4, n)
    clusters = strata * 10 + rng.integers(0, 6, n)
    items = rng.integers(1, 6, (n, 4)).astype(float)
    items[rng.random((n, 4)) < 0.15] = np.nan
    items[clusters == 3, 0] = np.nan  # a PSU with no answer to the first item
    return {
        "weights": rng.uniform(0.5, 4, n),
        "strata": strata,
        "clusters": clusters,
        "items": items,
        "groups": rng.choice(np.array(["x", "y", "z"], dtype=object), n),
        "score": np.round(np.nanmean(items, axis=1) * 2) / 2,  # many ties
    }


def results(data: dict[str, Any], weight_scale: float = 1.0) -> list[Any]:
    design: SurveyDesign = survey_design(
        weights=data["weights"] * weight_scale, strata=data["strata"], clusters=data["clusters"]
    )
    x = data["items"]
    agree = np.where(np.isnan(x), np.nan, (x >= 4).astype(float))
    successes = np.nansum(x >= 4, axis=1).astype(float)
    trials = (~np.isnan(x)).sum(axis=1).astype(float)
    groups = Domains.from_values(data["groups"])
    two = Domains.from_values(np.where(data["groups"] == "z", None, data["groups"]))
    domain = data["groups"] == "y"
    out: list[Any] = []
    out += survey_means(x, design) + survey_means(x, design, domain=domain)
    out += survey_variances(x, design) + survey_proportions(agree, design, p0=0.4)
    out += survey_ratio_proportions(successes, trials, design, domain=domain)
    out += [rao_scott_test(agree[:, 1], groups, design)]
    out += [rao_scott_counts_test(successes, trials, groups, design)]
    out += [survey_rank_test(data["score"], groups, design)]
    out += [survey_rank_test(data["score"], two, design)]
    return out


def numbers(result: Any) -> list[float]:
    flat: list[float] = []
    for value in astuple(result):
        if isinstance(value, tuple | list):
            flat += [v for v in value if isinstance(v, float)]
        elif isinstance(value, float | int) and not isinstance(value, bool):
            flat.append(float(value))
    return flat


def test_permuting_rows_changes_nothing() -> None:
    data = sample()
    order = np.random.default_rng(5).permutation(len(data["weights"]))
    shuffled = {k: v[order] for k, v in data.items()}
    for a, b in zip(results(data), results(shuffled), strict=True):
        assert numbers(a) == pytest.approx(numbers(b), rel=1e-9, abs=1e-12)


def test_scaling_the_weights_changes_no_estimate_or_se() -> None:
    data = sample()
    for a, b in zip(results(data), results(data, weight_scale=37.5), strict=True):
        assert numbers(a) == pytest.approx(numbers(b), rel=1e-9, abs=1e-12)
    design = survey_design(weights=data["weights"], strata=data["strata"])
    scaled = survey_design(weights=3 * data["weights"], strata=data["strata"])
    total, total3 = (
        survey_totals(data["items"][:, 1], design)[0],
        survey_totals(data["items"][:, 1], scaled)[0],
    )
    assert total3.estimate == pytest.approx(3 * total.estimate)
    assert total3.se == pytest.approx(3 * total.se)


def test_item_test_equals_construct_test_of_one_answer_each() -> None:
    # with every row answering, the construct version (counts of 0 or 1) is the item version
    data = sample()
    design = survey_design(
        weights=data["weights"], strata=data["strata"], clusters=data["clusters"]
    )
    groups = Domains.from_values(data["groups"])
    agree = (np.nan_to_num(data["items"][:, 2], nan=1.0) >= 4).astype(float)
    item = rao_scott_test(agree, groups, design)
    construct = rao_scott_counts_test(agree, np.ones_like(agree), groups, design)
    assert numbers(item) == pytest.approx(numbers(construct), rel=1e-10)
    prop = survey_proportions(agree, design)[0]
    ratio = survey_ratio_proportions(agree, np.ones_like(agree), design)[0]
    assert numbers(prop) == pytest.approx(numbers(ratio), rel=1e-10)


def test_a_million_rows_run_without_row_loops() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    design = survey_design(
        weights=rng.uniform(0.5, 2, n),
        strata=rng.integers(0, 20, n),
        clusters=rng.integers(0, 30, n),
    )
    groups = Domains.from_values(rng.integers(0, 40, n))
    successes = rng.integers(0, 4, n).astype(float)
    trials = successes + rng.integers(0, 3, n)
    assert rao_scott_counts_test(successes, trials, groups, design).p_value is not None
    assert survey_rank_test(successes / np.maximum(trials, 1), groups, design).p_value is not None
    assert survey_ratio_proportions(successes, trials, design)[0].se > 0
