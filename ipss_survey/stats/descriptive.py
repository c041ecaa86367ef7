"""Mean, standard deviation and median of values given as distinct values and their counts.

Answers and construct scores take few distinct values (a mean of k answers on a 5-point scale
takes at most a few hundred), so every summary is computed from counts, exactly, whatever
the number of respondents.
"""

from __future__ import annotations

import math

import numpy as np


def median_from_counts(values: np.ndarray, counts: np.ndarray) -> float:
    """The median of sorted distinct ``values`` repeated ``counts`` times, as R's median().

    With n values the median is the mean of the values at positions floor((n-1)/2) and
    floor(n/2) (0-based) of the sorted data: the middle one for odd n, the mean of the two
    middle ones for even n.
    """
    n = int(counts.sum())
    cum = np.cumsum(counts)
    lo = values[np.searchsorted(cum, (n - 1) // 2, side="right")]
    hi = values[np.searchsorted(cum, n // 2, side="right")]
    return (float(lo) + float(hi)) / 2


def summary_from_counts(
    values: np.ndarray, counts: np.ndarray
) -> tuple[int, float | None, float | None, float | None]:
    """n, mean, sample SD and median of values given as sorted distinct values and counts.

    The SD is the sample SD with n - 1 in the denominator, as R's sd(); None below two values.
    The mean and median are None without values.
    """
    values = np.asarray(values, dtype=np.float64)
    n = int(counts.sum())
    if n == 0:
        return 0, None, None, None
    mean = float((counts * values).sum() / n)
    sd = math.sqrt(float((counts * (values - mean) ** 2).sum()) / (n - 1)) if n > 1 else None
    return n, mean, sd, median_from_counts(values, counts)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float | None:
    """The weighted median of sorted distinct ``values`` with total weights ``weights``.

    As R's ``svyquantile(~x, design, 0.5, qrule = "school")``: with F the cumulative share of
    the weight, the smallest value whose F exceeds one half; where F reaches one half exactly
    at a value, the mean of it and the next. With equal weights this is R's median().

    References
    ----------
    Lumley, T. (2010). Complex Surveys, sec. 2.4.1; the survey package's ``qrule_school``.
    """
    keep = np.asarray(weights, dtype=float) > 0
    v = np.asarray(values, dtype=float)[keep]
    w = np.asarray(weights, dtype=float)[keep]
    if v.size == 0:
        return None
    share = np.cumsum(w) / w.sum()
    below = np.flatnonzero(share <= 0.5)
    if below.size == 0:
        return float(v[0])
    pos = int(below[-1])
    nxt = min(pos + 1, v.size - 1)
    if share[pos] == 0.5:
        return float((v[pos] + v[nxt]) / 2.0)
    return float(v[nxt])


def iid_se(sd: float | None, n: int) -> float | None:
    """The standard error sd / sqrt(n) of a mean of n independent values (sd with n - 1), as
    ``sd(x) / sqrt(length(x))``, and as R's ``SE(svymean(~x, svydesign(ids = ~1, data =
    d)))`` on the answered rows. For a share p of n answers this is sqrt(p (1 - p) / (n - 1)).

    References
    ----------
    Cochran, W. G. (1977). Sampling Techniques, 3rd ed., sec. 2.5. Wiley.
    """
    if sd is None or n < 2:
        return None
    return float(sd / np.sqrt(n))


def iid_se_share(p: float | None, n: int) -> float | None:
    """``iid_se`` of a share p (0-1) of n answers: sqrt(p (1 - p) / (n - 1))."""
    if p is None or n < 2:
        return None
    return float(np.sqrt(max(p * (1.0 - p), 0.0) / (n - 1)))
