"""The survey design object: input checks, PSUs and strata, degrees of freedom, the linearised
variance on hand-computed cases, lonely-PSU policies, domains."""

from __future__ import annotations

import numpy as np
import pytest

from ipss_survey.stats.design import (
    Domains,
    InvalidWeightsError,
    LonelyPSUError,
    MissingDesignValueError,
    by_domain,
    survey_design,
)
from ipss_survey.stats.survey_estimates import survey_means, survey_variances


@pytest.mark.parametrize("bad", [np.nan, 0.0, -1.5, np.inf, None])
def test_bad_weights_raise_with_their_rows(bad: float | None) -> None:
    weights = np.array([1.0, 2.0, 1.0, 3.0, 1.0], dtype=object)
    weights[[1, 3]] = bad
    with pytest.raises(InvalidWeightsError) as raised:
        survey_design(weights=weights)
    assert raised.value.rows == (1, 3)
    assert isinstance(raised.value, ValueError)
    assert "1, 3" in str(raised.value)


def test_many_bad_weights_are_all_listed_and_the_message_stays_short() -> None:
    weights = np.ones(1000)
    weights[::2] = 0.0
    with pytest.raises(InvalidWeightsError) as raised:
        survey_design(weights=weights)
    assert raised.value.rows == tuple(range(0, 1000, 2))
    assert "(500 rows)" in str(raised.value) and len(str(raised.value)) < 200


@pytest.mark.parametrize("missing", [None, np.nan, ""])
def test_missing_stratum_or_cluster_raises_with_rows(missing: object) -> None:
    strata = np.array(["a", "a", "b", "b"], dtype=object)
    strata[2] = missing
    with pytest.raises(MissingDesignValueError) as raised:
        survey_design(strata=strata)
    assert raised.value.rows == (2,)
    clusters = np.array([1.0, 1.0, 2.0, np.nan])
    with pytest.raises(MissingDesignValueError) as raised:
        survey_design(clusters=clusters)
    assert raised.value.rows == (3,)


def test_lonely_psu_fails_by_default_naming_stratum_and_rows() -> None:
    strata = ["x", "x", "solo", "y", "y", "solo"]
    clusters = [1, 2, 7, 3, 4, 7]  # stratum "solo" holds one cluster (two rows)
    with pytest.raises(LonelyPSUError) as raised:
        survey_design(strata=strata, clusters=clusters)
    assert raised.value.strata == ("solo",)
    assert raised.value.rows == (2, 5)
    design = survey_design(strata=strata, clusters=clusters, lonely_psu="remove")
    assert design.lonely_strata == ("solo",)


def test_shape_and_policy_checks() -> None:
    with pytest.raises(ValueError, match="lonely_psu"):
        survey_design(3, lonely_psu="drop")
    with pytest.raises(ValueError):
        survey_design(weights=[1.0, 2.0], strata=["a", "b", "c"])
    with pytest.raises(ValueError):
        survey_design()


def test_psus_are_clusters_within_strata_and_degf_counts_them() -> None:
    # the same cluster label in two strata is two PSUs (clusters nested in strata)
    design = survey_design(strata=["a", "a", "a", "b", "b", "b"], clusters=[1, 1, 2, 1, 2, 2])
    assert design.n_psu == 4 and design.n_strata == 2
    assert design.degf() == 2  # 4 PSUs - 2 strata
    assert design.degf(np.array([True, True, False, True, False, False])) == 0
    assert design.degf([0, 2, 3]) == 1  # PSUs a1, a2, b1 in strata a, b
    assert survey_design(5).degf() == 4  # no design: every row a PSU, one stratum


def test_restrict_recounts_psus_as_svydesign_on_the_subset() -> None:
    design = survey_design(strata=["a", "a", "a", "b", "b"], clusters=[1, 2, 3, 4, 5])
    sub = design.restrict([0, 1, 3, 4])
    assert sub.psu_count.tolist() == [2, 2] and design.psu_count.tolist() == [3, 2]
    with pytest.raises(LonelyPSUError) as raised:
        design.restrict([0, 3, 4])  # stratum a left with one PSU
    assert raised.value.strata == ("a",)


def test_stratified_mean_by_hand() -> None:
    # A: x = 1, 3 (w 1); B: x = 2, 4, 6 (w 2). mean = 28/8 = 3.5; influence w (x - 3.5)/8:
    # A (-2.5, -0.5)/8 -> deviations (-1, 1)/8, var_A = 2/1 * 2/64; B (-3, 1, 5)/8 ->
    # deviations (-4, 0, 4)/8, var_B = 3/2 * 32/64; total 52/64.
    design = survey_design(weights=[1, 1, 2, 2, 2], strata=["A", "A", "B", "B", "B"])
    result = survey_means([1, 3, 2, 4, 6], design)[0]
    assert result.estimate == pytest.approx(3.5)
    assert result.se == pytest.approx(np.sqrt(52 / 64))
    assert result.df == 3


def test_cluster_mean_by_hand() -> None:
    # x = 1..4 in clusters a, a, b, c: influence (x - 2.5)/4, cluster totals -2/4, .5/4, 1.5/4,
    # var = 3/2 * (4 + .25 + 2.25)/16
    design = survey_design(clusters=["a", "a", "b", "c"])
    result = survey_means([1, 2, 3, 4], design)[0]
    assert result.se == pytest.approx(np.sqrt(1.5 * 6.5 / 16))
    assert result.df == 2


def test_a_psu_without_answers_keeps_its_place_in_n_h() -> None:
    # x = 1, NaN, 3, 5, each row a PSU: mean 3, influence (x - 3)/3 = -2/3, 0, 0, 2/3 with the
    # unanswered PSU a zero total among n_h = 4 (R's design[rows, ] keeps n_h):
    # var = 4/3 * 8/9 = 32/27, not the 3/2 * 8/9 of a design of the three answered rows.
    design = survey_design(4)
    result = survey_means([1, np.nan, 3, 5], design)[0]
    assert result.se == pytest.approx(np.sqrt(32 / 27))
    assert result.df == 3  # degf counts the design's PSUs, answered or not
    assert result.n == 3


def test_svyvar_counts_unanswered_rows_in_its_factor() -> None:
    # R's svyvar takes n = rows with non-zero weight before dropping missing answers:
    # x = 1, 2, NaN, 5 -> weighted mean of squared deviations 26/9, times 4/3 = 104/27
    # (the sample variance of 1, 2, 5 would be 117/27)
    result = survey_variances([1, 2, np.nan, 5], survey_design(4))[0]
    assert result.variance == pytest.approx(104 / 27)
    assert result.sd == pytest.approx(np.sqrt(104 / 27))
    complete = survey_variances([1, 2, 5], survey_design(3))[0]
    assert complete.variance == pytest.approx(13 / 3)  # no missing: the sample variance


@pytest.mark.parametrize(
    ("policy", "variance"),
    [("adjust", 52 / 81), ("remove", 36 / 81), ("certainty", 36 / 81), ("average", 72 / 81)],
)
def test_lonely_psu_policies_by_hand(policy: str, variance: float) -> None:
    # A: one PSU x = 4; B: x = 1, 3; mean 8/3; influence (x - 8/3)/3 = 4/9 | -5/9, 1/9.
    # B: deviations -/+ 3/9, var_B = 2 * 18/81 = 36/81. adjust adds A's total about zero,
    # (4/9)^2; remove/certainty add nothing; average scales by 2 strata / 1 = 72/81.
    design = survey_design(strata=["A", "B", "B"], lonely_psu=policy)
    result = survey_means([4, 1, 3], design)[0]
    assert result.se == pytest.approx(np.sqrt(variance))
    assert [n.code for n in result.notes] == ["lonely_psu"]
    assert result.df == 1  # the lonely stratum: 1 PSU - 1 stratum


def test_average_counts_only_strata_with_answers() -> None:
    # stratum A (lonely) has no answer: "average" leaves the variance of B unscaled, no note
    design = survey_design(strata=["A", "B", "B"], lonely_psu="average")
    result = survey_means([np.nan, 1, 3], design)[0]
    assert result.se == pytest.approx(np.sqrt(2 * 2 * (1 / 2) ** 2))
    assert result.notes == []


def test_block_covariance_equals_dense_covariance() -> None:
    # PSUs spanning groups, unequal weights, strata with a lonely PSU under "adjust", an offset
    rng = np.random.default_rng(7)
    n, groups, cats = 400, 4, 2
    strata = rng.integers(0, 5, n)
    clusters = rng.integers(0, 12, n)
    clusters[strata == 4] = 0  # stratum 4: a single PSU
    design = survey_design(
        weights=rng.uniform(0.5, 3, n), strata=strata, clusters=clusters, lonely_psu="adjust"
    )
    assert design.lonely_strata == ("4",)
    g = rng.integers(-1, groups, n)
    values = rng.normal(size=(n, cats))
    offset = rng.normal(size=n)
    shift = rng.normal(size=groups * cats)
    dense = np.zeros((n, groups * cats))
    for r in range(cats):
        for k in range(groups):
            dense[:, k * cats + r] = np.where(g == k, values[:, r], 0.0)
    dense -= np.where(g >= 0, offset, 0.0)[:, None] * shift[None, :]
    expected = design.covariance(dense, g >= 0)
    actual = design.block_covariance(values, g, groups, offset=offset, shift=shift)
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12)
    no_offset = design.block_covariance(values, g, groups)
    dense_plain = dense + np.where(g >= 0, offset, 0.0)[:, None] * shift[None, :]
    np.testing.assert_allclose(
        no_offset, design.covariance(dense_plain, g >= 0), rtol=1e-10, atol=1e-12
    )


def test_domains_use_the_group_order_and_skip_missing() -> None:
    domains = Domains.from_values(np.array([10.0, 2.0, np.nan, 2.0, 10.0, 1.0]))
    assert domains.labels == ("1", "2", "10")
    assert domains.codes.tolist() == [2, 1, -1, 1, 2, 0]
    text = Domains.from_values(np.array(["b", "", None, "a"], dtype=object))
    assert text.labels == ("a", "b") and text.codes.tolist() == [1, -1, -1, 0]


def test_by_domain_is_svyby_with_each_groups_degf() -> None:
    design = survey_design(clusters=[1, 1, 2, 3, 4, 4, 5])
    groups = Domains.from_values(["a", "a", "a", "b", "b", "b", "b"])
    results = by_domain(survey_means, groups, [1, 2, 3, 4, 5, 6, 7], design)
    assert list(results) == ["a", "b"]
    assert results["a"][0].estimate == pytest.approx(2.0)
    assert results["a"][0].df == 1  # PSUs 1, 2 in group a
    assert results["b"][0].df == 2  # PSUs 3, 4, 5
    # the domain mean's influence is zero outside the group, PSU totals over all 5 PSUs:
    # group a: (x - 2)/3 -> totals -1/3, 1/3, 0, 0, 0; var = 5/4 * 2/9
    assert results["a"][0].se == pytest.approx(np.sqrt(5 / 4 * 2 / 9))
