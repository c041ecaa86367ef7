"""McDonald's omega total from a one-factor minimum-residual model, as psych::omega.

Kept apart from alpha because it needs an optimiser: scipy.optimize is imported only when an
omega is computed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# psych::fa bounds each uniqueness below at 0.005 (so a loading's square stays <= 0.995).
MIN_UNIQUENESS = 0.005


def _smc(cor: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 - 1/diag(R^-1): psych's starting communalities."""
    try:
        inv_diag = np.diag(np.linalg.inv(cor))
    except np.linalg.LinAlgError:
        inv_diag = np.diag(np.linalg.pinv(cor))
    with np.errstate(divide="ignore", invalid="ignore"):
        smc = 1.0 - 1.0 / inv_diag
    # A singular matrix (e.g. a duplicated item) has no finite SMC: start at 1, as psych does.
    return np.clip(np.nan_to_num(smc, nan=1.0, posinf=1.0, neginf=0.0), 0.0, 1.0)


def minres_one_factor(cor: np.ndarray) -> np.ndarray:
    """Loadings of a one-factor minimum-residual (unweighted least squares) fit to cor.

    Minimises sum over i < j of (r_ij - l_i l_j)^2, the criterion psych::fa(r, 1, fm = "minres")
    minimises (psych searches over uniquenesses with optim; here a least-squares solver on the
    loadings, with psych's bound: each uniqueness 1 - l_i^2 at least 0.005).  Started, as psych
    is, from the communalities given by the squared multiple correlations.  Signs are set so the
    loadings sum to a positive number, as psych::fa does.

    References
    ----------
    Harman, H. H. & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    Psychometrika 31(3), 351-368. Revelle, W., ``psych::fa`` (fm = "minres").
    """
    from scipy import optimize

    k = cor.shape[0]
    upper, lower = np.triu_indices(k, 1)
    target = cor[upper, lower]
    start_matrix = cor.copy()
    np.fill_diagonal(start_matrix, _smc(cor))
    values, vectors = np.linalg.eigh(start_matrix)
    start = vectors[:, -1] * np.sqrt(max(values[-1], 1e-6))
    bound = np.sqrt(1.0 - MIN_UNIQUENESS)
    start = np.clip(start, -bound * 0.999, bound * 0.999)

    def residuals(lam: np.ndarray) -> np.ndarray:
        return lam[upper] * lam[lower] - target

    def jacobian(lam: np.ndarray) -> np.ndarray:
        jac = np.zeros((target.size, k))
        rows = np.arange(target.size)
        jac[rows, upper] = lam[lower]
        jac[rows, lower] = lam[upper]
        return jac

    fit = optimize.least_squares(
        residuals,
        start,
        jac=jacobian,
        bounds=(-bound, bound),
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
        max_nfev=10_000,
    )
    loadings = fit.x
    return loadings if loadings.sum() >= 0 else -loadings


def omega_total(cor: np.ndarray, loadings: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """McDonald's omega total from a one-factor minres model, as psych::omega(x, nfactors = 1).

    psych (omegah) computes omega.tot = (sum(R) - sum(u2)) / sum(R), u2 = 1 - loading^2, after
    reversing any item whose loading is negative (rows and columns of R flipped).  The loadings
    are returned after that flip.  `loadings` (from minres_one_factor) may be passed to reuse a fit.

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
    """
    if loadings is None:
        loadings = minres_one_factor(cor)
    signs = np.where(loadings < 0, -1.0, 1.0)
    flipped = cor * np.outer(signs, signs)
    total = flipped.sum()
    uniqueness = 1.0 - loadings**2
    return float((total - uniqueness.sum()) / total), loadings * signs


def omega_with_flips(cor: np.ndarray, codes: Sequence[str]) -> tuple[float, np.ndarray, list[str]]:
    """omega_total, its loadings, and the codes of the items that loaded negatively."""
    raw = minres_one_factor(cor)
    value, loadings = omega_total(cor, raw)
    return value, loadings, [c for c, lam in zip(codes, raw, strict=True) if lam < 0]
