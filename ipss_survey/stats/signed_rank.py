"""Is the typical score off the scale's midpoint? The one-sample Wilcoxon signed-rank test.

Works on construct scores given as distinct values and their counts, so a million
respondents cost no more than their few hundred distinct scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ipss_survey.stats.notes import Note, NoteCode

# R's wilcox.test computes the exact distribution when n < 50 (and there are no ties or zeros).
EXACT_BELOW = 50


@dataclass(frozen=True)
class SignedRankTest:
    """One-sample Wilcoxon signed-rank test of scores against mu (R's wilcox.test(x, mu = mu)).

    statistic is R's V (sum of the ranks of the positive differences); n counts the non-zero
    differences used; method is R's method string for the variant that ran.
    """

    statistic: float | None
    p_value: float | None
    n: int
    n_zeros: int
    mu: float
    method: str
    notes: list[Note] = field(default_factory=list)


def _signed_rank_counts(n: int) -> np.ndarray:
    """Number of sign assignments giving each V = 0..n(n+1)/2 (exact null distribution of V).

    Coefficients of prod_{i=1..n} (1 + z^i); exact in float64 for n < 50 (all counts < 2^53).
    """
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for i in range(1, n + 1):
        counts[i:] = counts[i:] + counts[:-i].copy()
    return counts


def signed_rank_test(
    scores: Sequence[float] | np.ndarray,
    mu: float,
    exact: bool | None = None,
    correct: bool = True,
) -> SignedRankTest:
    """Two-sided one-sample Wilcoxon signed-rank test, as R's wilcox.test(x, mu = mu).

    Follows R's defaults step by step: NaN dropped, zero differences dropped, V = sum of the
    average ranks of |x - mu| over positive differences.  Exact p (the exact null distribution
    of V) when n < 50 and there are neither ties nor zeros ("Wilcoxon signed rank exact test");
    otherwise the normal approximation with tie-corrected variance
    n(n+1)(2n+1)/24 - sum(t^3 - t)/48 and continuity correction 0.5 ("Wilcoxon signed rank
    test with continuity correction").

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin 1(6),
    80-83. R Core Team, ``stats::wilcox.test`` (the exact, tie and correction rules).
    """
    x = np.asarray(scores, dtype=float)
    values, counts = np.unique(x[~np.isnan(x)], return_counts=True)
    return signed_rank_from_counts(values, counts, mu, exact, correct)


def signed_rank_from_counts(
    values: np.ndarray,
    counts: np.ndarray,
    mu: float,
    exact: bool | None = None,
    correct: bool = True,
) -> SignedRankTest:
    """signed_rank_test() for scores given as distinct values and their counts.

    Tied |x - mu| share their average rank, so counts are all the test needs; a million
    respondents cost no more than their few hundred distinct scores.
    """
    values = np.asarray(values, dtype=float)
    counts = np.asarray(counts, dtype=np.int64)
    method = "Wilcoxon signed rank test"
    if counts.sum() == 0:
        return SignedRankTest(
            None,
            None,
            0,
            0,
            mu,
            method,
            [Note(NoteCode.NO_SCORES, "no scores to test")],
        )
    d = values - mu
    zeros = int(counts[d == 0].sum())
    nz = (d != 0) & (counts > 0)
    d, c = d[nz], counts[nz]
    n = int(c.sum())
    if n == 0:
        return SignedRankTest(
            None,
            None,
            0,
            zeros,
            mu,
            method,
            [Note(NoteCode.ALL_ZERO, f"every score equals {mu}: nothing to test")],
        )
    _, inverse = np.unique(np.abs(d), return_inverse=True)
    inverse = inverse.ravel()
    tie_sizes = np.bincount(inverse, weights=c).astype(float)
    mid = np.cumsum(tie_sizes) - (tie_sizes - 1) / 2.0
    v = float(np.sum(c[d > 0] * mid[inverse[d > 0]]))
    ties = bool(np.any(tie_sizes > 1))
    use_exact = (n < EXACT_BELOW) if exact is None else exact
    if use_exact and not ties and zeros == 0:
        null_counts = _signed_rank_counts(n)
        k = int(v)
        # Sum the smaller tail directly (no 1 - cdf), as psignrank(..., lower.tail = FALSE).
        tail = null_counts[k:].sum() if v > n * (n + 1) / 4 else null_counts[: k + 1].sum()
        p_value = min(1.0, 2.0 * tail / 2.0**n)
        return SignedRankTest(v, float(p_value), n, zeros, mu, "Wilcoxon signed rank exact test")
    from scipy.special import ndtr  # the normal cdf; scipy.stats is not needed

    z = v - n * (n + 1) / 4
    # Never zero for n >= 1, even with every difference tied.
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - np.sum(tie_sizes**3 - tie_sizes) / 48)
    if correct:
        z -= np.sign(z) * 0.5
        method += " with continuity correction"
    z /= sigma
    p_value = 2.0 * min(ndtr(z), ndtr(-z))
    return SignedRankTest(v, float(min(1.0, p_value)), n, zeros, mu, method)
