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
