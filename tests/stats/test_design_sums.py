"""Group-wise design estimates from unit sums equal the row-wise ones (which match R).

``survey_estimates`` and ``survey_tests`` work from every row and are compared with R's
``survey`` in ``test_survey_reference.py``; ``design_sums`` gets the same numbers from sums
over units of rows, for every group at once. These tests hold the two equal on random
stratified, clustered and lonely-PSU designs, for every policy.
"""

from __future__ import annotations

import numpy as np
import pytest

from ipss_survey.stats.design import Domains, survey_design
from ipss_survey.stats.design_sums import (
    domain_df,
    domain_ratios,
    make_units,
    present_psus,
    rank_test_from_units,
    rao_scott_from_units,
)
from ipss_survey.stats.survey_estimates import survey_means, survey_ratio_proportions
from ipss_survey.stats.survey_tests import rao_scott_counts_test, survey_rank_test

POLICIES = ["fail", "adjust", "average", "remove"]
GROUPS = 4  # slot 4 holds the rows without a group


def _design(seed: int, clustered: bool, policy: str, n: int = 400):
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 4, n)
    clusters = rng.integers(0, 12, n) if clustered else None
    if policy != "fail":  # a stratum with a single PSU
        strata[:3] = 9
        if clustered:
            clusters[:3] = 77
        else:
            strata[0] = 10
    w = rng.uniform(0.5, 3.0, n)
    groups = rng.integers(0, GROUPS + 1, n)
    design = survey_design(
        n,
        weights=w,
        strata=strata.astype(str),
        clusters=None if clusters is None else clusters.astype(str),
        lonely_psu=policy,
    )
    return rng, design, w, groups, make_units(design, groups, GROUPS + 1)


def _sums(units, values):
    return np.bincount(units.of_row, weights=values, minlength=units.n_units)


@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.parametrize("policy", POLICIES)
def test_group_means_equal_svyby_means(clustered, policy):
    rng, design, w, groups, units = _design(1, clustered, policy)
    x = rng.integers(1, 6, w.size).astype(float)
    x[rng.random(w.size) < 0.1] = np.nan
    answered = ~np.isnan(x)
    xv = np.where(answered, x, 0.0)

    def s(v):
        return _sums(units, v)[:, None]

    squares = None if clustered else (s(w * w * xv * xv), s(w * w * xv), s(w * w * answered))
    got = domain_ratios(units, s(w * xv), s(w * answered), squares, counts=s(1.0 * answered))
    want = [survey_means(x, design, domain=groups == g)[0] for g in range(GROUPS)]
    want.append(survey_means(x, design)[0])
    np.testing.assert_allclose(got.estimate[:, 0], [e.estimate for e in want], rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(got.variance[:, 0]), [e.se for e in want], rtol=1e-10)
    df = domain_df(units, s(np.ones(w.size)))[:, 0]
    assert df.tolist() == [e.df for e in want]


@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.parametrize("policy", POLICIES)
def test_group_pooled_acceptance_equals_the_long_data_design(clustered, policy):
    rng, design, w, groups, units = _design(2, clustered, policy)
    answers = rng.integers(0, 4, w.size).astype(float)
    agree = np.minimum(answers, np.floor(answers * rng.random(w.size) + 0.5))

    def s(v):
        return _sums(units, v)[:, None]

    responded = s(1.0 * (answers > 0))
    squares = (
        None
        if clustered
        else (s(w * w * agree * agree), s(w * w * agree * answers), s(w * w * answers**2))
    )
    got = domain_ratios(
        units,
        s(w * agree),
        s(w * answers),
        squares,
        psu_count=present_psus(units, responded),
        counts=responded,
    )
    want = [
        survey_ratio_proportions(agree, answers, design, domain=groups == g)[0]
        for g in range(GROUPS)
    ]
    want.append(survey_ratio_proportions(agree, answers, design)[0])
    np.testing.assert_allclose(got.estimate[:, 0], [e.estimate for e in want], rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(got.variance[:, 0]), [e.se for e in want], rtol=1e-10)
    assert domain_df(units, responded)[:, 0].tolist() == [e.df for e in want]


@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.parametrize("policy", POLICIES)
def test_group_tests_equal_the_row_wise_tests(clustered, policy):
    rng, design, w, groups, units = _design(3, clustered, policy, n=500)
    labels = ["a", "b", "c", "d"]
    tested = np.array([True, True, False, True])  # "c" too small to test
    codes = np.where((groups < GROUPS) & (groups != 2), groups, -1)
    answers = rng.integers(0, 5, w.size).astype(float)
    agree = np.minimum(answers, np.floor(answers * rng.random(w.size) + 0.4))

    def s(v):
        return _sums(units, v)

    squares = (
        None
        if clustered
        else (s(w * w * agree**2), s(w * w * agree * answers), s(w * w * answers**2))
    )
    got = rao_scott_from_units(
        units,
        s(w * agree),
        s(w * answers),
        squares,
        s(1.0 * (answers > 0)),
        float(answers.sum()),
        labels,
        tested,
    )
    want = rao_scott_counts_test(agree, answers, Domains(tuple(labels), codes), design)
    assert got.statistic == pytest.approx(want.statistic, rel=1e-10)
    assert got.ndf == pytest.approx(want.ndf, rel=1e-10)
    assert got.pearson == pytest.approx(want.pearson, rel=1e-10)
    # The row-wise test takes group "c" as missing labels (R keeps their rows in nu); left
    # out for size, it is a subset of the design: nu counts the other respondents only.
    nu = design.degf((answers > 0) & (groups != 2))
    assert got.ddf == pytest.approx(got.ndf * nu, rel=1e-10)
    assert want.ddf == pytest.approx(want.ndf * design.degf(answers > 0), rel=1e-10)

    score = np.round(rng.normal(3.0, 1.0, w.size), 1)
    score[rng.random(w.size) < 0.1] = np.nan
    used = ~np.isnan(score) & (codes >= 0)
    _, tie = np.unique(score[used], return_inverse=True)
    tie_w = np.bincount(tie, weights=w[used])
    rank = np.zeros(w.size)
    rank[used] = (np.cumsum(tie_w) - tie_w / 2.0)[tie] / w[used].sum()
    wu = np.where(used, w, 0.0)
    squares = None if clustered else (s(wu * w), s(wu * w * rank), s(wu * w * rank**2))
    got_r = rank_test_from_units(units, s(wu), s(wu * rank), squares, s(1.0 * used), labels, tested)
    want_r = survey_rank_test(score, Domains(tuple(labels), codes), design)
    assert (got_r.test, got_r.df, got_r.ddf) == (want_r.test, want_r.df, want_r.ddf)
    assert got_r.statistic == pytest.approx(want_r.statistic, rel=1e-10)
    assert got_r.p_value == pytest.approx(want_r.p_value, rel=1e-9)
    assert got_r.group_sizes == want_r.group_sizes
