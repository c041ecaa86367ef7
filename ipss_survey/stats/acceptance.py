"""Acceptance tests: is agreement above a threshold, and is the typical score off the midpoint?

The binomial test and its intervals work on counts (respondents or answers that agree); the
signed-rank test works on construct scores against the scale's midpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

CI_LEVEL = 0.95
# R's wilcox.test computes the exact distribution when n < 50 (and there are no ties or zeros).
EXACT_BELOW = 50


@dataclass(frozen=True)
class BinomialTest:
    """One acceptance test: successes out of n against the threshold proportion p0.

    p_value is one-sided (H1: p > p0); ci_exact (Clopper-Pearson) and ci_wilson are two-sided,
    as proportions 0-1.  With n = 0 everything but the counts is None and `warnings` says why.
    """

    successes: int
    n: int
    p0: float
    proportion: float | None
    p_value: float | None
    ci_exact: tuple[float, float] | None
    ci_wilson: tuple[float, float] | None
    warnings: list[dict[str, Any]] = field(default_factory=list)


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
    warnings: list[dict[str, Any]] = field(default_factory=list)


def binomial_tests(
    successes: Sequence[int] | np.ndarray,
    trials: Sequence[int] | np.ndarray,
    p0: float = 0.5,
    level: float = CI_LEVEL,
) -> list[BinomialTest]:
    """Exact one-sided binomial tests with two-sided intervals, vectorised over the counts.

    - p_value: P(X >= x | n, p0), X ~ Binomial(n, p0), i.e. binom.sf(x - 1, n, p0); as R
      binom.test(x, n, p = p0, alternative = "greater")$p.value.
    - ci_exact: Clopper & Pearson (1934), beta quantiles; as binom.test(x, n)$conf.int (the
      two-sided call: the alternative = "greater" call would give a one-sided interval).
    - ci_wilson: Wilson (1927) score interval without continuity correction; as
      prop.test(x, n, correct = FALSE)$conf.int (0 and 1 exactly at x = 0 and x = n, as R).
    """
    x = np.asarray(successes, dtype=np.int64)
    n = np.asarray(trials, dtype=np.int64)
    if x.shape != n.shape:
        raise ValueError("successes and trials must have the same shape")
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("successes must lie between 0 and the number of trials")
    if not 0.0 <= p0 <= 1.0:
        raise ValueError("p0 must be a proportion between 0 and 1")
    x, n, p0 = x.ravel(), n.ravel(), float(p0)
    valid = n > 0
    safe_n = np.where(valid, n, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_values = stats.binom.sf(x - 1, safe_n, p0)
        exact_lo, exact_hi = proportion_confint(x, safe_n, alpha=1 - level, method="beta")
        wilson_lo, wilson_hi = proportion_confint(x, safe_n, alpha=1 - level, method="wilson")
    exact_lo = np.where(x == 0, 0.0, exact_lo)
    exact_hi = np.where(x == safe_n, 1.0, exact_hi)
    wilson_lo = np.where(x == 0, 0.0, wilson_lo)
    wilson_hi = np.where(x == safe_n, 1.0, wilson_hi)
    results = []
    for i in range(x.size):
        if not valid[i]:
            results.append(
                BinomialTest(
                    int(x[i]),
                    0,
                    p0,
                    None,
                    None,
                    None,
                    None,
                    [{"code": "no_trials", "message": "no valid answers: nothing to test"}],
                )
            )
            continue
        results.append(
            BinomialTest(
                successes=int(x[i]),
                n=int(n[i]),
                p0=p0,
                proportion=float(x[i] / n[i]),
                p_value=float(min(1.0, p_values[i])),
                ci_exact=(float(exact_lo[i]), float(exact_hi[i])),
                ci_wilson=(float(wilson_lo[i]), float(wilson_hi[i])),
            )
        )
    return results


def binomial_test(successes: int, n: int, p0: float = 0.5, level: float = CI_LEVEL) -> BinomialTest:
    """One exact binomial acceptance test; see binomial_tests for the definitions."""
    return binomial_tests([successes], [n], p0, level)[0]


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
            [{"code": "no_scores", "message": "no scores to test"}],
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
            [{"code": "all_zero", "message": f"every score equals {mu}: nothing to test"}],
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
    z = v - n * (n + 1) / 4
    # Never zero for n >= 1, even with every difference tied.
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - np.sum(tie_sizes**3 - tie_sizes) / 48)
    if correct:
        z -= np.sign(z) * 0.5
        method += " with continuity correction"
    z /= sigma
    p_value = 2.0 * min(stats.norm.cdf(z), stats.norm.sf(z))
    return SignedRankTest(v, float(min(1.0, p_value)), n, zeros, mu, method)
