"""Properties of the statistics that must hold for any data (hypothesis), and cross-checks of
the hand-written tests against scipy and against brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import gammaln

from ipss_survey.stats.binomial import binomial_tests
from ipss_survey.stats.contingency import _log_choose, _max_completion, chi_square_test, fisher_test
from ipss_survey.stats.padjust import p_adjust
from ipss_survey.stats.rank_tests import kruskal_wallis, mann_whitney_u
from ipss_survey.stats.reliability import reliability
from ipss_survey.stats.signed_rank import signed_rank_test

FAST = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def likert_items(draw: st.DrawFn, min_items: int = 3, max_items: int = 6) -> np.ndarray:
    """n x k answers on a 1-5 scale driven by one common factor, with some missing cells."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(15, 60))
    k = draw(st.integers(min_items, max_items))
    missing = draw(st.floats(0.0, 0.15))
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, 1))
    x = np.clip(np.round(3 + factor + rng.normal(scale=1.0, size=(n, k))), 1, 5)
    x[rng.random(size=x.shape) < missing] = np.nan
    # Keep every item variable, so that no item is dropped.
    for j in range(k):
        present = np.flatnonzero(~np.isnan(x[:, j]))
        x[present[0], j], x[present[1], j] = 1.0, 5.0
    return x


@FAST
@given(likert_items(), st.randoms())
def test_alpha_does_not_depend_on_item_order(x: np.ndarray, random) -> None:
    codes = [f"i{j}" for j in range(x.shape[1])]
    order = list(range(x.shape[1]))
    random.shuffle(order)
    a = reliability(x, codes)
    b = reliability(x[:, order], [codes[j] for j in order])
    assert b.alpha == pytest.approx(a.alpha, abs=1e-12)
    assert b.alpha_std == pytest.approx(a.alpha_std, abs=1e-12)
    assert b.omega_total == pytest.approx(a.omega_total, abs=1e-7)
    by_code = {i.code: i for i in a.items}
    for item in b.items:
        assert item.r_drop == pytest.approx(by_code[item.code].r_drop, abs=1e-12)


@FAST
@given(likert_items())
def test_standardised_alpha_follows_spearman_brown(x: np.ndarray) -> None:
    # Standardised alpha depends on k and the average correlation r only: k r / (1 + (k-1) r),
    # so doubling the length with items of the same average correlation gives
    # 2a / (1 + a) (Spearman-Brown).  Duplicating the items exactly is not such a doubling:
    # each copy correlates 1 with its original, so the average correlation becomes
    # (1 + 2(k-1) r) / (2k - 1) and standardised alpha rises above the Spearman-Brown value.
    k = x.shape[1]
    codes = [f"i{j}" for j in range(k)]
    single = reliability(x, codes)
    a, r = single.alpha_std, single.average_r
    assert a == pytest.approx(k * r / (1 + (k - 1) * r))
    assert 2 * k * r / (1 + (2 * k - 1) * r) == pytest.approx(2 * a / (1 + a))
    doubled = reliability(np.hstack([x, x]), codes + [c + "_copy" for c in codes])
    r2 = (1 + 2 * (k - 1) * r) / (2 * k - 1)
    assert doubled.average_r == pytest.approx(r2)
    assert doubled.alpha_std == pytest.approx(2 * k * r2 / (1 + (2 * k - 1) * r2))
    assert doubled.alpha_std >= 2 * a / (1 + a) - 1e-12
    assert doubled.alpha_std > a or a == pytest.approx(1.0)


@FAST
@given(likert_items())
def test_feldt_interval_contains_alpha(x: np.ndarray) -> None:
    result = reliability(x, [f"i{j}" for j in range(x.shape[1])])
    low, high = result.alpha_ci
    assert low <= result.alpha <= high


@FAST
@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(0, 400)).map(lambda t: (min(t), max(t))),
        min_size=1,
        max_size=20,
    ),
    st.floats(0.01, 0.99),
)
def test_binomial_p_in_unit_interval_and_intervals_contain_estimate(
    counts: list[tuple[int, int]], p0: float
) -> None:
    successes = [c[0] for c in counts]
    trials = [c[1] for c in counts]
    for result in binomial_tests(successes, trials, p0):
        if result.n == 0:
            assert result.p_value is None
            continue
        assert 0.0 <= result.p_value <= 1.0
        for low, high in (result.ci_exact, result.ci_wilson):
            assert 0.0 <= low <= result.proportion <= high <= 1.0


p_values = st.lists(st.one_of(st.floats(0.0, 1.0), st.just(float("nan"))), min_size=0, max_size=30)


@FAST
@given(p_values, st.sampled_from(["holm", "bonferroni", "fdr_bh", "none"]))
def test_adjusted_p_values_are_never_below_raw_ones(p: list[float], method: str) -> None:
    raw = np.array(p, dtype=float)
    adjusted = p_adjust(raw, method)
    assert np.array_equal(np.isnan(adjusted), np.isnan(raw))
    present = ~np.isnan(raw)
    assert np.all(adjusted[present] >= raw[present])
    assert np.all((adjusted[present] >= 0) & (adjusted[present] <= 1))
    # the order of the raw p-values is kept (ties may merge)
    order = np.argsort(raw[present], kind="stable")
    assert np.all(np.diff(adjusted[present][order]) >= -1e-15)


scores = st.lists(st.integers(1, 25).map(lambda v: v / 5), min_size=2, max_size=40)


@FAST
@given(scores, scores)
def test_mann_whitney_agrees_with_scipy(x: list[float], y: list[float]) -> None:
    # scipy's asymptotic test with continuity correction is the same definition as
    # wilcox.test(x, y, correct = TRUE, exact = FALSE); U of the first sample is R's W.
    xa, ya = np.array(x), np.array(y)
    w, p, r = mann_whitney_u(xa, ya)
    if np.ptp(np.concatenate([xa, ya])) == 0:
        assert p is None
        return
    ref = stats.mannwhitneyu(xa, ya, use_continuity=True, method="asymptotic")
    assert w == pytest.approx(ref.statistic)
    assert p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)
    assert 0.0 <= p <= 1.0 and -1.0 <= r <= 1.0


@FAST
@given(st.lists(scores, min_size=2, max_size=6))
def test_kruskal_wallis_agrees_with_scipy(groups: list[list[float]]) -> None:
    values = np.concatenate([np.array(g) for g in groups])
    labels = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    result = kruskal_wallis(values, labels, min_group_size=1)
    if np.ptp(values) == 0:
        assert result.p_value is None
        return
    ref = stats.kruskal(*[np.array(g) for g in groups])
    assert result.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)
    assert 0.0 <= result.p_value <= 1.0
    for pair in result.pairwise:
        if pair.p_value is not None:
            assert 0.0 <= pair.p_value <= pair.p_adj <= 1.0


@FAST
@given(st.lists(st.integers(1, 300), min_size=1, max_size=45, unique=True), st.randoms())
def test_exact_signed_rank_agrees_with_scipy(magnitudes: list[int], random) -> None:
    # Distinct non-zero |differences| and n < 50: the exact test, as scipy's method="exact"
    d = np.array([m if random.random() < 0.5 else -m for m in magnitudes], dtype=float) / 10
    x = d + 3.0
    result = signed_rank_test(x, 3.0)
    assert result.method == "Wilcoxon signed rank exact test"
    ref = stats.wilcoxon(x - 3.0, method="exact")
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert result.statistic == float(np.sum(stats.rankdata(np.abs(x - 3))[x > 3]))
    assert 0.0 <= result.p_value <= 1.0


def brute_force_fisher(table: np.ndarray) -> float:
    """Sum of the probabilities of every r x 2 table with the same margins that is at most as
    likely as the observed one (relative tolerance 1e-7, as R)."""
    sizes, observed = table.sum(axis=1), table[:, 0]
    m = int(observed.sum())

    def log_weight(a: np.ndarray) -> float:
        return float(np.sum(gammaln(sizes + 1) - gammaln(a + 1) - gammaln(sizes - a + 1)))

    threshold = log_weight(observed) + np.log1p(1e-7)
    total = gammaln(sizes.sum() + 1) - gammaln(m + 1) - gammaln(sizes.sum() - m + 1)
    p = 0.0
    for a in itertools.product(*[range(int(s) + 1) for s in sizes]):
        a = np.array(a)
        if a.sum() == m and log_weight(a) <= threshold:
            p += np.exp(log_weight(a) - total)
    return min(1.0, p)


@FAST
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=2, max_size=4))
def test_fisher_exact_matches_brute_force_enumeration(rows: list[tuple[int, int]]) -> None:
    table = np.array(rows)
    result = fisher_test(table)
    if np.any(table.sum(axis=0) == 0) or np.count_nonzero(table.sum(axis=1)) < 2:
        assert result.p_value == 1.0
        return
    assert result.method == "Fisher's Exact Test for Count Data"
    assert result.p_value == pytest.approx(brute_force_fisher(table), rel=1e-9, abs=1e-15)
    chi = chi_square_test(table[table.sum(axis=1) > 0])
    if chi.p_value is not None:
        assert 0.0 <= chi.p_value <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=4), st.data())
def test_max_completion_by_enumeration(sizes, data):
    sizes = np.array(sorted(sizes))
    m = data.draw(st.integers(0, int(sizes.sum())))
    best = _max_completion(sizes, m)
    for j in range(len(sizes)):
        rest = sizes[j:]
        for t in range(m + 1):
            values = [
                float(np.sum(_log_choose(rest, np.array(a))))
                for a in itertools.product(*(range(int(n) + 1) for n in rest))
                if sum(a) == t
            ]
            want = max(values) if values else -np.inf
            assert best[j][t] == want or abs(best[j][t] - want) < 1e-9
