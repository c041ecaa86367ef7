"""Do groups differ in their scores? Kruskal-Wallis, Mann-Whitney and all pairs of groups.

Every test works from the groups' counts of each distinct score (``GroupCounts``): ties share
mid-ranks, so the counts are all a rank test needs, and 50 groups of a million respondents
cost a few matrix products. Every p-value is as the named R function computes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ipss_survey.stats.groups import (
    MIN_GROUP_SIZE,
    Effect,
    GroupCounts,
    GroupTest,
    PairwiseTest,
)
from ipss_survey.stats.notes import Note, NoteCode
from ipss_survey.stats.padjust import p_adjust


def _num(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _nums(values: np.ndarray) -> list[float | None]:
    """_num of each value, as one list (1,225 pairs of 50 groups per construct)."""
    finite = np.isfinite(values)
    return [v if ok else None for v, ok in zip(values.tolist(), finite.tolist(), strict=True)]


def _normal_sf(z: Any) -> Any:
    """Upper tail of the standard normal (scipy.special.ndtr: scipy.stats is not needed)."""
    from scipy.special import ndtr

    return ndtr(-np.asarray(z, dtype=float))


def _chi2_sf(x: float, df: int) -> float:
    """Upper tail of the chi-square distribution, as pchisq(x, df, lower.tail = FALSE)."""
    from scipy.special import chdtrc

    return float(chdtrc(df, x))


def _midranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (R's rank) and tie-group sizes."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    mid = np.cumsum(counts) - (counts - 1) / 2.0
    return mid[inverse], counts


def _two_sided_normal(z: float) -> float:
    return float(min(1.0, 2.0 * _normal_sf(abs(z))))


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
        p = np.where(variance > 0, np.minimum(1.0, 2.0 * _normal_sf(np.abs(z))), np.nan)
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


def _tested(gc: GroupCounts, min_group_size: int) -> tuple[GroupCounts, dict[str, Any]]:
    """The groups large enough to test, and the GroupTest fields that describe the split."""
    tested, excluded, notes = gc.select(min_group_size)
    base = {
        "groups": tested.labels,
        "group_sizes": tested.sizes,
        "excluded_groups": excluded,
        "notes": notes,
    }
    return tested, base


def kruskal_from_counts(
    gc: GroupCounts, min_group_size: int = MIN_GROUP_SIZE, p_adjust_method: str = "holm"
) -> GroupTest:
    """Kruskal-Wallis from the groups' counts of each distinct score (ties share mid-ranks).

    H = (12/(N(N+1)) sum R_g^2/n_g - 3(N+1)) / (1 - sum(t^3 - t)/(N^3 - N)) (ties corrected),
    df = groups - 1, p from chi-square: kruskal.test(score ~ group).  Effect: epsilon-squared
    = H (N+1)/(N^2-1) = H/(N-1) (Tomczak & Tomczak 2014; rcompanion::epsilonSquared).
    `pairwise`: Mann-Whitney for every pair, adjusted over the pairs with ``p_adjust_method``
    (Holm by default): pairwise.wilcox.test(score, group, p.adjust.method = ..., exact = FALSE).

    References
    ----------
    Kruskal, W. H. & Wallis, W. A. (1952). Use of ranks in one-criterion variance analysis.
    JASA 47(260), 583-621. Tomczak, M. & Tomczak, E. (2014). The need to report effect size
    estimates revisited. Trends in Sport Sciences 21(1), 19-25.
    """
    tested, base = _tested(gc, min_group_size)
    notes = base["notes"]
    method = "Kruskal-Wallis rank sum test"
    if len(tested.labels) < 2:
        notes.append(Note(NoteCode.TOO_FEW_GROUPS, "fewer than two groups to compare"))
        return GroupTest("kruskal-wallis", None, None, None, None, method, **base)
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
        notes.append(Note(NoteCode.NO_VARIANCE, "every score is the same"))
        return GroupTest("kruskal-wallis", None, df, None, None, method, pairwise, **base)
    h = (12.0 / (n * (n + 1)) * np.sum(rank_sums**2 / sizes) - 3.0 * (n + 1)) / tie_factor
    return GroupTest(
        test="kruskal-wallis",
        statistic=_num(h),
        df=df,
        p_value=_num(_chi2_sf(h, df)),
        effect=Effect("epsilon_squared", _num(h * (n + 1) / (n**2 - 1))),
        method=method,
        pairwise=pairwise,
        **base,
    )


def mann_whitney(scores: Any, groups: Any, min_group_size: int = MIN_GROUP_SIZE) -> GroupTest:
    """Mann-Whitney test of exactly two groups; see mann_whitney_from_counts."""
    return mann_whitney_from_counts(GroupCounts.from_scores(scores, groups), min_group_size)


def mann_whitney_from_counts(gc: GroupCounts, min_group_size: int = MIN_GROUP_SIZE) -> GroupTest:
    """Mann-Whitney test of exactly two groups, as wilcox.test(x, y, correct = TRUE,
    exact = FALSE) with x the first group in ``group_order``.

    statistic = W (the U of the first group), effect = rank-biserial r = 2W/(n1 n2) - 1,
    positive when the first group tends higher.  df is None.

    References
    ----------
    Mann, H. B. & Whitney, D. R. (1947). On a test of whether one of two random variables is
    stochastically larger than the other. Ann. Math. Statist. 18(1), 50-60.
    Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. Comprehensive Psychology 3, 11.IT.3.1.
    """
    tested, base = _tested(gc, min_group_size)
    notes = base["notes"]
    method = "Wilcoxon rank sum test with continuity correction"
    if len(tested.labels) != 2:
        notes.append(
            Note(
                NoteCode.NOT_TWO_GROUPS,
                f"the Mann-Whitney test needs exactly two groups, found {len(tested.labels)}",
            )
        )
        return GroupTest("mann-whitney", None, None, None, None, method, **base)
    pair = pairwise_from_counts(tested)[0]
    if pair.p_value is None:
        notes.append(Note(NoteCode.NO_VARIANCE, "every score is the same"))
    return GroupTest(
        "mann-whitney", pair.statistic, None, pair.p_value, pair.effect, method, **base
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
