"""Pairwise-complete covariances and correlations, from the sums that define them.

Both the analysis (which holds sums over a million respondents, not the answers) and the
reference path from raw answers end here, so there is one definition of R's
``cov(x, use = "pairwise")`` and ``cor(x, use = "pairwise")`` in the package.
"""

from __future__ import annotations

import numpy as np


def cov_cor_from_sums(
    n: np.ndarray, sxy: np.ndarray, sx: np.ndarray, sxx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete covariance and correlation matrices from pairwise sums.

    For items i and j over the rows where both are answered: ``n[i, j]`` rows,
    ``sxy[i, j]`` = sum x_i x_j, ``sx[i, j]`` = sum x_i, ``sxx[i, j]`` = sum x_i^2.
    cov[i, j] uses that subset's own means, as R's cov(x, use = "pairwise"); cor[i, j] also
    takes both SDs from that subset, as R's cor(x, use = "pairwise"), which is not
    cov2cor(cov) when answers are missing. The diagonal of cor is 1 where the variance
    exists. Pairs with fewer than two rows give NaN.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.where(n > 1, n - 1.0, np.nan)
        cov = (sxy - sx * sx.T / n) / denom
        var_i = (sxx - sx * sx / n) / denom  # variance of i over the pair's rows
        cor = cov / np.sqrt(var_i * var_i.T)
    np.fill_diagonal(cor, np.where(np.isfinite(np.diag(cov)), 1.0, np.nan))
    return cov, cor


def pairwise_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete covariance, correlation and pair counts of the columns of x.

    NaN marks a missing answer. The sums are taken with matrix products (no loop over rows
    or pairs) after centring each column on its own mean, which keeps them accurate and
    changes no covariance; then ``cov_cor_from_sums``.
    """
    x = np.asarray(x, dtype=float)
    present = ~np.isnan(x)
    m = present.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.nansum(x, axis=0) / np.maximum(m.sum(axis=0), 1.0)
    x0 = np.where(present, x - centre, 0.0)
    n = m.T @ m
    cov, cor = cov_cor_from_sums(n, x0.T @ x0, x0.T @ m, (x0 * x0).T @ m)
    return cov, cor, n
