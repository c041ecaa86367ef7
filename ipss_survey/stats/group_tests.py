"""Do groups of respondents differ?  Rank tests on construct scores, and agreement by group.

Scores: Kruskal-Wallis across all groups with Holm-adjusted pairwise Mann-Whitney tests, and a
Mann-Whitney test when there are exactly two groups.  Agreement (agree or not per respondent):
Pearson's chi-square with Cramer's V, or Fisher's exact test when the table is 2 x 2 or has an
expected count below 5.  Every p-value is as the named R function computes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ipss_survey.stats.padjust import p_adjust

MIN_GROUP_SIZE = 5
MIN_EXPECTED = 5.0
# Fisher's exact test on r x 2 tables: exact enumeration while it carries at most this many
# partial tables in all, else a Monte Carlo p-value with a fixed seed (reproducible runs).
FISHER_MAX_STATES = 500_000
FISHER_RESAMPLES = 2_000  # fisher.test's default B
FISHER_SEED = 20240601
# R's fisher.test counts tables whose probability is within a relative 1e-7 of the observed one.
_REL_ERR = 1e-7


@dataclass(frozen=True)
class Effect:
    """An effect size: {name, value} in results.json."""

    name: str
    value: float | None


@dataclass(frozen=True)
class PairwiseTest:
    """Mann-Whitney test of group a against group b (a sorts before b); p_adj is Holm's."""

    a: str
    b: str
    statistic: float | None
    p_value: float | None
    p_adj: float | None
    effect: Effect


@dataclass(frozen=True)
class GroupTest:
    """One entry of results.json's group_tests, less `construct` (the caller adds it).

    p_adj is left None here: the caller adjusts across constructs (padjust.p_adjust) and sets it
    with dataclasses.replace.  groups/group_sizes list the groups that were tested, in order;
    excluded_groups those left out ([{group, n}]) for having fewer than min_group_size values.
    """

    test: str
    statistic: float | None
    df: int | None
    p_value: float | None
    effect: Effect | None
    method: str
    pairwise: list[PairwiseTest] = field(default_factory=list)
    p_adj: float | None = None
    groups: list[str] = field(default_factory=list)
    group_sizes: list[int] = field(default_factory=list)
    excluded_groups: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ContingencyTest:
    """A test of independence on a contingency table (chisq.test or fisher.test)."""

    statistic: float | None
    df: int | None
    p_value: float | None
    cramers_v: float | None
    expected_min: float | None
    method: str
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _num(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _nums(values: np.ndarray) -> list[float | None]:
    """_num of each value, as one list (1,225 pairs of 50 groups per construct)."""
    finite = np.isfinite(values)
    return [v if ok else None for v, ok in zip(values.tolist(), finite.tolist(), strict=True)]


def _as_float(values: Any) -> np.ndarray:
    """Numbers or booleans (numpy, pandas, lists) as float with NaN for missing."""
    return pd.Series(values).to_numpy(dtype=float, na_value=np.nan)


def _label(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _sort_key(labels: Sequence[str]) -> list[tuple[float, str]]:
    """Numeric order when every label is a number, otherwise text order."""
    try:
        return [(float(label), label) for label in labels]
    except ValueError:
        return [(0.0, label) for label in labels]


@dataclass(frozen=True)
class GroupSplit:
    """Values by tested group (in order), and the groups set aside as too small."""

    labels: list[str]
    values: list[np.ndarray]
    excluded: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


def split_groups(values: Any, groups: Any, min_group_size: int = MIN_GROUP_SIZE) -> GroupSplit:
    """Values by group label: missing values and missing/empty labels dropped, groups sorted
    (numerically when every label is a number, else as text), small groups set aside."""
    x = _as_float(values)
    g = pd.Series(groups)
    if len(g) != len(x):
        raise ValueError("values and groups must have the same length")
    codes, uniques = pd.factorize(g, use_na_sentinel=True)
    names = np.array([_label(u) for u in uniques] + [""], dtype=object)
    text = names[codes]  # code -1 picks the trailing "" (missing label)
    keep = ~np.isnan(x) & (text != "")
    x, text = x[keep], text[keep]
    labels, inverse = np.unique(text.astype(str), return_inverse=True)
    keys = _sort_key(labels.tolist())
    order = sorted(range(len(labels)), key=keys.__getitem__)
    by_group = [x[inverse == i] for i in order]
    names_sorted = [str(labels[i]) for i in order]
    included, included_values, excluded = [], [], []
    for name, vals in zip(names_sorted, by_group, strict=True):
        if vals.size >= min_group_size:
            included.append(name)
            included_values.append(vals)
        else:
            excluded.append({"group": name, "n": int(vals.size)})
    return GroupSplit(
        included, included_values, excluded, _excluded_warnings(excluded, min_group_size)
    )


def _excluded_warnings(excluded: list[dict[str, Any]], min_group_size: int) -> list[dict]:
    """The warning naming the groups left out of the tests for being too small."""
    if not excluded:
        return []
    listed = ", ".join(f"{e['group']} (n={e['n']})" for e in excluded)
    return [
        {
            "code": "groups_excluded",
            "message": f"groups with fewer than {min_group_size} values left out of the "
            f"group tests: {listed}",
            "groups": [e["group"] for e in excluded],
        }
    ]


@dataclass(frozen=True)
class GroupCounts:
    """Groups' scores as counts of each distinct value: the rank tests need nothing more."""

    labels: list[str]
    values: np.ndarray  # (D,) sorted distinct values
    counts: np.ndarray  # (groups, D)

    @classmethod
    def from_values(cls, labels: Sequence[str], values: Sequence[np.ndarray]) -> GroupCounts:
        pooled = np.concatenate([np.asarray(v, dtype=float) for v in values])
        distinct = np.unique(pooled)
        counts = np.zeros((len(labels), distinct.size), dtype=np.int64)
        for i, v in enumerate(values):
            counts[i] = np.bincount(np.searchsorted(distinct, v), minlength=distinct.size)
        return cls(list(labels), distinct, counts)

    @classmethod
    def from_scores(cls, scores: Any, groups: Any) -> GroupCounts:
        split = split_groups(scores, groups, min_group_size=0)
        if not split.labels:
            return cls([], np.empty(0), np.zeros((0, 0), dtype=np.int64))
        return cls.from_values(split.labels, split.values)

    def select(
        self, min_group_size: int
    ) -> tuple[GroupCounts, list[dict[str, Any]], list[dict[str, Any]]]:
        """The groups large enough to test, the others as {group, n}, and a warning."""
        sizes = self.counts.sum(axis=1)
        keep = sizes >= min_group_size
        excluded = [
            {"group": label, "n": int(n)}
            for label, n, k in zip(self.labels, sizes, keep, strict=True)
            if not k
        ]
        warnings = _excluded_warnings(excluded, min_group_size)
        tested = GroupCounts(
            [lb for lb, k in zip(self.labels, keep, strict=True) if k],
            self.values,
            self.counts[keep],
        )
        return tested, excluded, warnings


def _midranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (R's rank) and tie-group sizes."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    mid = np.cumsum(counts) - (counts - 1) / 2.0
    return mid[inverse], counts


def _two_sided_normal(z: float) -> float:
    return float(min(1.0, 2.0 * stats.norm.sf(abs(z))))


def mann_whitney_u(x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, float]:
    """Mann & Whitney (1947) W, p and rank-biserial r of x against y, as
    wilcox.test(x, y, correct = TRUE, exact = FALSE).

    W = U of x = rank sum of x - nx(nx+1)/2 (ties get average ranks); p from the normal
    approximation with tie-corrected variance and continuity correction 0.5 (correct = TRUE).
    Rank-biserial r = 2W/(nx ny) - 1 (Glass 1965; Kerby 2014): the probability that an x exceeds
    a y minus the reverse, positive when x tends higher.  p is None when all values are tied.
    """
    nx, ny = x.size, y.size
    ranks, ties = _midranks(np.concatenate([x, y]))
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2.0)
    n = nx + ny
    z = w - nx * ny / 2.0
    variance = nx * ny / 12.0 * ((n + 1) - np.sum(ties**3 - ties) / (n * (n - 1)))
    effect = 2.0 * w / (nx * ny) - 1.0
    if variance <= 0:
        return w, None, effect
    z = (z - np.sign(z) * 0.5) / np.sqrt(variance)
    return w, _two_sided_normal(z), effect


def pairwise_from_counts(gc: GroupCounts, p_adjust_method: str = "holm") -> list[PairwiseTest]:
    """Every pair's Mann-Whitney test from the groups' counts of each distinct value.

    With H the groups x values counts and B the counts strictly below each value,
    W = H (B + H/2)^T, and every pair's tie sum sum(t^3 - t) comes from H^3 and H^2 H^T, so 50
    groups (1,225 pairs) cost a few matrix products whatever the number of respondents.
    """
    labels = gc.labels
    g = len(labels)
    if g < 2:
        return []
    h = gc.counts.astype(float)
    sizes = h.sum(axis=1)
    below = np.cumsum(h, axis=1) - h
    w = h @ (below + 0.5 * h).T  # w[a, b] = U of group a against group b
    cube = (h**3).sum(axis=1)
    mixed = (h**2) @ h.T
    ties = cube[:, None] + cube[None, :] + 3 * mixed + 3 * mixed.T - sizes[:, None] - sizes
    a_idx, b_idx = np.triu_indices(g, k=1)
    na, nb = sizes[a_idx], sizes[b_idx]
    n = na + nb
    stat = w[a_idx, b_idx]
    variance = na * nb / 12.0 * ((n + 1) - ties[a_idx, b_idx] / (n * (n - 1)))
    centred = stat - na * nb / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (centred - np.sign(centred) * 0.5) / np.sqrt(variance)
        p = np.where(variance > 0, np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z))), np.nan)
    effect = 2.0 * stat / (na * nb) - 1.0
    adjusted = p_adjust(p, p_adjust_method)
    columns = zip(
        a_idx.tolist(),
        b_idx.tolist(),
        stat.tolist(),
        _nums(p),
        _nums(adjusted),
        _nums(effect),
        strict=True,
    )
    return [
        PairwiseTest(labels[a], labels[b], st, pv, q, Effect("rank_biserial", r))
        for a, b, st, pv, q, r in columns
    ]


def kruskal_wallis(
    scores: Any,
    groups: Any,
    min_group_size: int = MIN_GROUP_SIZE,
    p_adjust_method: str = "holm",
) -> GroupTest:
    """Kruskal & Wallis (1952) rank-sum test across groups, as kruskal.test(score ~ group).

    See kruskal_from_counts for the definitions; this builds the counts from the scores.
    """
    return kruskal_from_counts(
        GroupCounts.from_scores(scores, groups), min_group_size, p_adjust_method
    )


def kruskal_from_counts(
    gc: GroupCounts, min_group_size: int = MIN_GROUP_SIZE, p_adjust_method: str = "holm"
) -> GroupTest:
    """Kruskal-Wallis from the groups' counts of each distinct score (ties share mid-ranks).

    H = (12/(N(N+1)) sum R_g^2/n_g - 3(N+1)) / (1 - sum(t^3 - t)/(N^3 - N)) (ties corrected),
    df = groups - 1, p from chi-square: kruskal.test(score ~ group).  Effect: epsilon-squared
    = H (N+1)/(N^2-1) = H/(N-1) (Tomczak & Tomczak 2014; rcompanion::epsilonSquared).
    `pairwise`: Mann-Whitney for every pair, Holm-adjusted (pairwise.wilcox.test(...,
    exact = FALSE)).
    """
    tested, excluded, warnings = gc.select(min_group_size)
    method = "Kruskal-Wallis rank sum test"
    base = {
        "groups": tested.labels,
        "group_sizes": [int(v) for v in tested.counts.sum(axis=1)],
        "excluded_groups": excluded,
    }
    if len(tested.labels) < 2:
        warnings.append({"code": "too_few_groups", "message": "fewer than two groups to compare"})
        return GroupTest(
            "kruskal-wallis", None, None, None, None, method, warnings=warnings, **base
        )
    h_counts = tested.counts.astype(float)
    sizes = h_counts.sum(axis=1)
    ties = h_counts.sum(axis=0)
    n = float(ties.sum())
    mid = np.cumsum(ties) - (ties - 1) / 2.0
    rank_sums = h_counts @ mid
    tie_factor = 1.0 - np.sum(ties**3 - ties) / (n**3 - n)
    pairwise = pairwise_from_counts(tested, p_adjust_method)
    df = len(tested.labels) - 1
    if tie_factor <= 0:
        warnings.append({"code": "no_variance", "message": "every score is the same"})
        return GroupTest(
            "kruskal-wallis", None, df, None, None, method, pairwise, warnings=warnings, **base
        )
    h = (12.0 / (n * (n + 1)) * np.sum(rank_sums**2 / sizes) - 3.0 * (n + 1)) / tie_factor
    return GroupTest(
        test="kruskal-wallis",
        statistic=_num(h),
        df=df,
        p_value=_num(stats.chi2.sf(h, df)),
        effect=Effect("epsilon_squared", _num(h * (n + 1) / (n**2 - 1))),
        method=method,
        pairwise=pairwise,
        warnings=warnings,
        **base,
    )


def mann_whitney(scores: Any, groups: Any, min_group_size: int = MIN_GROUP_SIZE) -> GroupTest:
    """Mann-Whitney test of exactly two groups; see mann_whitney_from_counts."""
    return mann_whitney_from_counts(GroupCounts.from_scores(scores, groups), min_group_size)


def mann_whitney_from_counts(gc: GroupCounts, min_group_size: int = MIN_GROUP_SIZE) -> GroupTest:
    """Mann-Whitney test of exactly two groups, as wilcox.test(x, y, correct = TRUE,
    exact = FALSE) with x the first group in sort order.

    statistic = W (the U of the first group), effect = rank-biserial r = 2W/(n1 n2) - 1,
    positive when the first group tends higher.  df is None.
    """
    tested, excluded, warnings = gc.select(min_group_size)
    method = "Wilcoxon rank sum test with continuity correction"
    base = {
        "groups": tested.labels,
        "group_sizes": [int(v) for v in tested.counts.sum(axis=1)],
        "excluded_groups": excluded,
    }
    if len(tested.labels) != 2:
        warnings.append(
            {
                "code": "not_two_groups",
                "message": f"the Mann-Whitney test needs exactly two groups, "
                f"found {len(tested.labels)}",
            }
        )
        return GroupTest("mann-whitney", None, None, None, None, method, warnings=warnings, **base)
    pair = pairwise_from_counts(tested)[0]
    if pair.p_value is None:
        warnings.append({"code": "no_variance", "message": "every score is the same"})
    return GroupTest(
        "mann-whitney",
        pair.statistic,
        None,
        pair.p_value,
        pair.effect,
        method,
        warnings=warnings,
        **base,
    )


def group_tests_from_counts(
    gc: GroupCounts, min_group_size: int = MIN_GROUP_SIZE, p_adjust_method: str = "holm"
) -> list[GroupTest]:
    """Kruskal-Wallis (with pairwise tests), plus Mann-Whitney when two groups are tested."""
    kw = kruskal_from_counts(gc, min_group_size, p_adjust_method)
    if len(kw.groups) == 2:
        return [kw, mann_whitney_from_counts(gc, min_group_size)]
    return [kw]


def group_tests(
    scores: Any,
    groups: Any,
    min_group_size: int = MIN_GROUP_SIZE,
    p_adjust_method: str = "holm",
) -> list[GroupTest]:
    """The results contract's group tests of one construct: Kruskal-Wallis (with pairwise
    tests), plus Mann-Whitney when exactly two groups are tested."""
    kw = kruskal_wallis(scores, groups, min_group_size, p_adjust_method)
    if len(kw.groups) == 2:
        return [kw, mann_whitney(scores, groups, min_group_size)]
    return [kw]


def chi_square_test(table: np.ndarray, correct: bool = True) -> ContingencyTest:
    """Pearson's chi-square test of independence, as chisq.test(table) (correct = TRUE).

    Yates' continuity correction only on a 2 x 2 table (|O - E| less min(0.5, |O - E|)), as R.
    Cramer's V = sqrt(X2 / (N (min(r, c) - 1))) from the uncorrected X2 (Cramer 1946), so V
    does not depend on the correction.  None with a warning when a row or column is empty.
    """
    observed = np.asarray(table, dtype=float)
    r, c = observed.shape
    total = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total if total else None
    yates = correct and (r, c) == (2, 2)
    method = "Pearson's Chi-squared test" + (" with Yates' continuity correction" if yates else "")
    if expected is None or np.any(expected == 0) or min(r, c) < 2:
        return ContingencyTest(
            None,
            None,
            None,
            None,
            None,
            method,
            [{"code": "empty_margin", "message": "a row or column of the table is empty"}],
        )
    deviation = np.abs(observed - expected)
    uncorrected = float(np.sum(deviation**2 / expected))
    shift = min(0.5, float(deviation.min())) if yates else 0.0
    statistic = float(np.sum((deviation - shift) ** 2 / expected))
    df = (r - 1) * (c - 1)
    return ContingencyTest(
        statistic=statistic,
        df=df,
        p_value=_num(stats.chi2.sf(statistic, df)),
        cramers_v=_num(np.sqrt(uncorrected / (total * (min(r, c) - 1)))),
        expected_min=float(expected.min()),
        method=method,
    )


_log_fact = np.zeros(1)


def _log_choose(n: np.ndarray | int, k: np.ndarray | int) -> np.ndarray:
    """log C(n, k) for whole numbers (-inf where k is outside 0..n), by table lookup.

    The log-factorial table (gammaln) is built once and grown on demand: the exact Fisher
    enumeration calls this millions of times, where gammaln itself dominated the run time.
    """
    global _log_fact
    n = np.asarray(n, dtype=np.int64)
    k = np.asarray(k, dtype=np.int64)
    top = int(n.max(initial=0))
    if top >= _log_fact.size:
        _log_fact = special.gammaln(np.arange(max(top + 1, 2 * _log_fact.size)) + 1.0)
    inside = (k >= 0) & (k <= n)
    kk = np.where(inside, k, 0)
    out = _log_fact[n] - _log_fact[kk] - _log_fact[n - kk]
    return np.where(inside, out, -np.inf)


def _max_completion(sizes: np.ndarray, m: int) -> list[np.ndarray]:
    """best[j][t] = max over a_j..a_last (sum t, 0 <= a_i <= n_i) of sum log C(n_i, a_i).

    log C(n, a) is concave in a, so the best way to place t units among the rows is to take
    the t largest steps log C(n_i, a) - log C(n_i, a - 1) = log((n_i - a + 1) / a) (each row's
    steps decrease): the best values for every t are the running sums of all steps, sorted.
    """
    best: list[np.ndarray] = [np.empty(0)] * len(sizes)
    steps = np.empty(0)
    for j in range(len(sizes) - 1, -1, -1):
        a = np.arange(1, int(sizes[j]) + 1, dtype=np.float64)
        steps = np.concatenate([steps, np.log(sizes[j] - a + 1) - np.log(a)])
        ordered = -np.sort(-steps)[:m]
        current = np.full(m + 1, -np.inf)
        current[0] = 0.0
        current[1 : ordered.size + 1] = np.cumsum(ordered)
        best[j] = current
    return best


def _hypergeometric_tails(
    total: int, drawn_from: int, t: np.ndarray, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """P(A <= left) + P(A >= right) for A ~ hypergeometric(total, drawn_from, t), vectorised.

    One pmf row per distinct t, summed from each end separately so small tails keep their
    precision (scipy.stats.hypergeom.cdf on long vectors is much slower).
    """
    values, index = np.unique(t, return_inverse=True)
    a = np.arange(drawn_from + 1)
    other = values[:, None] - a[None, :]
    feasible = (other >= 0) & (other <= total - drawn_from)
    with np.errstate(invalid="ignore"):
        log_pmf = (
            _log_choose(drawn_from, a)[None, :]
            + _log_choose(total - drawn_from, np.where(feasible, other, 0))
            - _log_choose(total, values)[:, None]
        )
    pmf = np.where(feasible, np.exp(log_pmf), 0.0)
    lower = np.cumsum(pmf, axis=1)
    upper = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]
    index = index.ravel()
    below = np.where(left >= 0, lower[index, np.clip(left, 0, drawn_from)], 0.0)
    above = np.where(right <= drawn_from, upper[index, np.clip(right, 0, drawn_from)], 0.0)
    return below + above


def _first_true(pred: Any, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Smallest a in [lo, hi] with pred(a), elementwise, where pred goes false..true."""
    lo, hi = lo.copy(), hi.copy()
    while np.any(lo < hi):
        active = lo < hi
        mid = (lo + hi) // 2
        ok = pred(mid)
        hi = np.where(active & ok, mid, hi)
        lo = np.where(active & ~ok, mid + 1, lo)
    return lo


def _last_true(pred: Any, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Largest a in [lo, hi] with pred(a), elementwise, where pred goes true..false."""
    lo, hi = lo.copy(), hi.copy()
    while np.any(lo < hi):
        active = lo < hi
        mid = (lo + hi + 1) // 2
        ok = pred(mid)
        lo = np.where(active & ok, mid, lo)
        hi = np.where(active & ~ok, mid - 1, hi)
    return lo


def _fisher_rx2_exact(sizes: np.ndarray, observed: np.ndarray, max_states: int) -> float | None:
    """Exact two-sided Fisher p for an r x 2 table: rows of `sizes`, first column `observed`.

    Sums the probabilities of all tables with the observed margins whose probability is at most
    the observed one (times 1 + 1e-7, as R's fisher.test).  Rows are taken one at a time, with
    partial tables (first-column total so far, log weight, multiplicity) as states.  For a state,
    the next row's count a is hypergeometric given the remaining rows, and
    g(a) = log C(n_j, a) + (best log weight of the remaining rows) is concave in a, so the
    values of a whose every completion is at most as likely as the observed table form two
    tails, whose mass is hypergeometric; only the middle values are carried on (a network
    algorithm, after Mehta & Patel 1983).  None once more than max_states partial tables have
    been carried (the caller then simulates).
    """
    m = int(observed.sum())
    threshold = float(np.sum(_log_choose(sizes, observed))) + np.log1p(_REL_ERR)
    log_all = float(_log_choose(int(sizes.sum()), m))
    best = _max_completion(sizes, m)
    rest = np.concatenate([np.cumsum(sizes[::-1])[::-1], [0]])  # size of rows j, j+1, ...
    s = np.zeros(1, dtype=np.int64)
    lp = np.zeros(1)
    count = np.ones(1)
    p_value = 0.0
    carried = 0
    for j in range(sizes.size - 1):
        n_j, t = int(sizes[j]), m - s
        a_min = np.maximum(0, t - rest[j + 1])
        a_max = np.minimum(n_j, t)

        def g(a: np.ndarray, t: np.ndarray = t, n_j: int = n_j, f=best[j + 1]) -> np.ndarray:
            return _log_choose(n_j, a) + f[t - a]

        def counted(a: np.ndarray, lp: np.ndarray = lp, g=g) -> np.ndarray:
            return lp + g(a) <= threshold

        def past_mode(a: np.ndarray, a_max: np.ndarray = a_max, g=g) -> np.ndarray:
            return (a >= a_max) | (g(np.minimum(a + 1, a_max)) < g(a))

        mode = _first_true(past_mode, a_min, a_max)
        left = np.where(counted(a_min), _last_true(counted, a_min, mode), a_min - 1)
        right = np.where(counted(a_max), _first_true(counted, mode, a_max), a_max + 1)
        everything = counted(mode)
        tail = np.where(everything, 1.0, _hypergeometric_tails(int(rest[j]), n_j, t, left, right))
        weight = count * np.exp(lp + _log_choose(int(rest[j]), t) - log_all)
        p_value += float(np.sum(weight * tail))
        if j == sizes.size - 2:
            break
        # Carry on the undecided middle values as partial tables of rows 0..j.
        length = np.where(everything, 0, right - left - 1)
        carried += int(length.sum())
        # Give up early when the states carried now, kept for each row still to come, would
        # pass the limit: tables that large rarely shrink back, and a table given up late
        # costs as much as many simulated p-values.
        if carried + int(length.sum()) * (sizes.size - 3 - j) > max_states:
            return None
        owner = np.repeat(np.arange(s.size), length)
        a = left[owner] + 1 + np.arange(owner.size) - np.repeat(np.cumsum(length) - length, length)
        new_s = s[owner] + a
        new_lp = lp[owner] + _log_choose(n_j, a)
        # Merge partial tables with the same column total and the same probability.
        # (a lexicographic sort and run boundaries: np.unique(axis=0) was the bottleneck.)
        rounded = np.round(new_lp, 9)
        order = np.lexsort((rounded, new_s))
        ss, rr = new_s[order], rounded[order]
        starts = np.ones(order.size, dtype=bool)
        starts[1:] = (ss[1:] != ss[:-1]) | (rr[1:] != rr[:-1])
        first = order[starts]
        inverse = np.empty(order.size, dtype=np.int64)
        inverse[order] = np.cumsum(starts) - 1
        s, lp = new_s[first], new_lp[first]
        count = np.bincount(inverse, weights=count[owner], minlength=first.size)
        if s.size == 0:
            break
    return min(1.0, p_value)


def _fisher_rx2_monte_carlo(
    sizes: np.ndarray, observed: np.ndarray, resamples: int, seed: int
) -> float:
    """Monte Carlo Fisher p for an r x 2 table, as fisher.test(simulate.p.value = TRUE):
    (1 + number of random tables with the observed margins at most as likely) / (B + 1)."""
    rng = np.random.default_rng(seed)
    m = int(observed.sum())
    tables = rng.multivariate_hypergeometric(
        sizes.astype(np.int64), m, size=resamples, method="count"
    )
    log_p = _log_choose(sizes, tables).sum(axis=1)
    threshold = float(np.sum(_log_choose(sizes, observed)))
    hits = int(np.sum(log_p <= threshold + np.log1p(_REL_ERR)))
    return (1 + hits) / (resamples + 1)


def fisher_test(
    table: np.ndarray,
    max_states: int = FISHER_MAX_STATES,
    resamples: int = FISHER_RESAMPLES,
    seed: int = FISHER_SEED,
) -> ContingencyTest:
    """Two-sided Fisher's exact test of an r x 2 (or 2 x c) table, as fisher.test(table).

    Exact (fisher.test's default; "Fisher's Exact Test for Count Data") while enumeration stays
    small; past that, which is also where fisher.test stops with a workspace error, a Monte Carlo
    p-value with a fixed seed (as fisher.test(simulate.p.value = TRUE, B = resamples); method
    says so).  cramers_v and expected_min are left to chi_square_test.
    """
    counts = np.asarray(table, dtype=np.int64)
    if counts.ndim != 2 or 2 not in counts.shape:
        raise ValueError("fisher_test handles r x 2 tables")
    if counts.shape[1] != 2:
        counts = counts.T
    counts = counts[counts.sum(axis=1) > 0]
    method = "Fisher's Exact Test for Count Data"
    if counts.shape[0] < 2 or np.any(counts.sum(axis=0) == 0):
        return ContingencyTest(None, None, 1.0, None, None, method)
    column = 0 if counts[:, 0].sum() <= counts[:, 1].sum() else 1
    order = np.argsort(counts.sum(axis=1), kind="stable")
    sizes = counts.sum(axis=1)[order]
    observed = counts[order, column]
    p_value = _fisher_rx2_exact(sizes, observed, max_states)
    if p_value is None:
        p_value = _fisher_rx2_monte_carlo(sizes, observed, resamples, seed)
        method += f" with simulated p-value (based on {resamples} replicates)"
    return ContingencyTest(None, None, float(p_value), None, None, method)


def agreement_test(
    agree: Any,
    groups: Any,
    min_group_size: int = MIN_GROUP_SIZE,
) -> GroupTest:
    """Does the share of respondents who agree differ between groups?

    agree: per respondent 1/True (agrees), 0/False, NaN/None (no score).  The groups x
    (agree, not) table is tested with chisq.test (test "chi-square") unless it is 2 x 2 or an
    expected count is below 5, where fisher.test is used instead (test "fisher-exact",
    statistic and df None); method is R's name of the test that ran.  Effect: Cramer's V from
    the uncorrected chi-square in both cases.
    """
    gc = GroupCounts.from_scores(agree, groups)
    if np.any((gc.values != 0) & (gc.values != 1)):
        raise ValueError("agree must hold 1/True, 0/False or missing values only")
    return agreement_from_counts(gc, min_group_size)


def agreement_from_counts(gc: GroupCounts, min_group_size: int = MIN_GROUP_SIZE) -> GroupTest:
    """agreement_test() from the groups' counts of the values 0 (does not agree) and 1."""
    tested, excluded, warnings = gc.select(min_group_size)
    base = {
        "groups": tested.labels,
        "group_sizes": [int(v) for v in tested.counts.sum(axis=1)],
        "excluded_groups": excluded,
    }
    if len(tested.labels) < 2:
        warnings.append({"code": "too_few_groups", "message": "fewer than two groups to compare"})
        return GroupTest(
            "chi-square",
            None,
            None,
            None,
            None,
            "Pearson's Chi-squared test",
            warnings=warnings,
            **base,
        )
    ones = tested.counts[:, tested.values == 1].sum(axis=1)
    zeros = tested.counts[:, tested.values == 0].sum(axis=1)
    table = np.stack([ones, zeros], axis=1).astype(np.int64)
    chi = chi_square_test(table)
    if chi.statistic is None:
        warnings.append(
            {
                "code": "agreement_constant",
                "message": "every respondent tested agrees, or none does: nothing to compare",
            }
        )
        return GroupTest(
            "chi-square", None, None, None, None, chi.method, warnings=warnings, **base
        )
    effect = Effect("cramers_v", chi.cramers_v)
    small = chi.expected_min is not None and chi.expected_min < MIN_EXPECTED
    if table.shape == (2, 2) or small:
        if small:
            warnings.append(
                {
                    "code": "small_expected_counts",
                    "message": f"an expected count is below {MIN_EXPECTED:g} "
                    f"(smallest {chi.expected_min:.2f}): Fisher's exact test used",
                }
            )
        fisher = fisher_test(table)
        return GroupTest(
            "fisher-exact",
            None,
            None,
            fisher.p_value,
            effect,
            fisher.method,
            warnings=warnings,
            **base,
        )
    return GroupTest(
        "chi-square",
        chi.statistic,
        chi.df,
        chi.p_value,
        effect,
        chi.method,
        warnings=warnings,
        **base,
    )
