"""Is agreement above a threshold? The exact binomial test and its two intervals.

Counts in, tests out: successes (answers or respondents that agree) out of trials, against
the threshold proportion p0. Exact methods, since the typical survey here is small (66
managers in 15 municipalities).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ipss_survey.stats.notes import Note, NoteCode

CI_LEVEL = 0.95


@dataclass(frozen=True)
class BinomialTest:
    """One acceptance test: successes out of n against the threshold proportion p0.

    p_value is one-sided (H1: p > p0); ci_exact (Clopper-Pearson) and ci_wilson are two-sided,
    as proportions 0-1.  With n = 0 everything but the counts is None and `notes` says why.
    """

    successes: int
    n: int
    p0: float
    proportion: float | None
    p_value: float | None
    ci_exact: tuple[float, float] | None
    ci_wilson: tuple[float, float] | None
    notes: list[Note] = field(default_factory=list)


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

    References
    ----------
    Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. Biometrika 26(4), 404-413.
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22(158), 209-212.
    """
    from scipy.special import bdtrc, betaincinv, ndtri

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
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        # P(X >= x) = P(X > x - 1); 1 at x = 0
        p_values = np.where(x > 0, bdtrc(np.maximum(x - 1, 0), safe_n, p0), 1.0)
        # Clopper-Pearson: quantiles of Beta(x, n - x + 1) and Beta(x + 1, n - x)
        exact_lo = betaincinv(np.maximum(x, 1), safe_n - x + 1, alpha / 2)
        exact_hi = betaincinv(x + 1, np.maximum(safe_n - x, 1), 1 - alpha / 2)
        # Wilson's score interval, without continuity correction
        z = float(ndtri(1 - alpha / 2))
        phat = x / safe_n
        centre = (phat + z * z / (2 * safe_n)) / (1 + z * z / safe_n)
        half = (z * np.sqrt(phat * (1 - phat) / safe_n + z * z / (4 * safe_n * safe_n))) / (
            1 + z * z / safe_n
        )
        wilson_lo, wilson_hi = centre - half, centre + half
    exact_lo = np.where(x == 0, 0.0, exact_lo)
    exact_hi = np.where(x == safe_n, 1.0, exact_hi)
    wilson_lo = np.where(x == 0, 0.0, wilson_lo)
    wilson_hi = np.where(x == safe_n, 1.0, wilson_hi)
    none = Note(NoteCode.NO_TRIALS, "no valid answers: nothing to test")
    results = []
    for i in range(x.size):
        if not valid[i]:
            results.append(BinomialTest(int(x[i]), 0, p0, None, None, None, None, [none]))
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
