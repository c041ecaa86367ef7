"""Internal consistency of a construct: Cronbach's alpha as psych::alpha reports it, and omega.

Everything starts from the pairwise-complete covariance matrix, so a respondent who skipped an
item still contributes to every pair of items they answered (psych::alpha's default,
use = "pairwise").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

CI_LEVEL = 0.95
# psych::fa bounds each uniqueness below at 0.005 (so a loading's square stays <= 0.995).
_MIN_UNIQUENESS = 0.005


@dataclass(frozen=True)
class ItemReliability:
    """Per-item statistics of a construct (psych::alpha's item.stats$r.drop, alpha.drop)."""

    code: str
    r_drop: float | None
    alpha_if_deleted: float | None


@dataclass(frozen=True)
class Reliability:
    """The results contract's reliability entry, less `construct` (the caller knows it).

    `k` is the number of items the statistics were computed from (items without variance are
    left out, as psych::alpha does); `n` is the N of the Feldt interval.
    """

    k: int
    n: int
    alpha: float | None
    alpha_std: float | None
    alpha_ci: tuple[float, float] | None
    average_r: float | None
    omega_total: float | None
    items: list[ItemReliability]
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _num(value: float) -> float | None:
    """A plain float, or None for NaN/inf (JSON has no NaN)."""
    value = float(value)
    return value if np.isfinite(value) else None


def pairwise_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete covariance, correlation and pair counts of the columns of x.

    cov[i, j] uses the rows where both i and j are present, with that subset's own means; the
    diagonal is each column's variance over its own present rows: R's cov(x, use = "pairwise").
    cor[i, j] also takes the two SDs from that subset: R's cor(x, use = "pairwise"), which is
    what psych::omega factors.  It is not cov2cor(cov) when data are missing.  Pairs with fewer
    than two rows give NaN.  Done with matrix products, no loop over rows or pairs.
    """
    x = np.asarray(x, dtype=float)
    present = ~np.isnan(x)
    m = present.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Centring first keeps the one-pass sums accurate; it changes no covariance.
        centre = np.nansum(x, axis=0) / np.maximum(m.sum(axis=0), 1.0)
        x0 = np.where(present, x - centre, 0.0)
        n = m.T @ m
        sxy = x0.T @ x0
        sx = x0.T @ m  # sx[i, j]: sum of column i over rows where i and j are both present
        sxx = (x0 * x0).T @ m
        denom = np.where(n > 1, n - 1.0, np.nan)
        cov = (sxy - sx * sx.T / n) / denom
        var_i = (sxx - sx * sx / n) / denom  # variance of i over the pair's rows
        cor = cov / np.sqrt(var_i * var_i.T)
    np.fill_diagonal(cor, np.where(np.isfinite(np.diag(cov)), 1.0, np.nan))
    return cov, cor, n


def _alpha_of(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1.0 - np.trace(cov) / cov.sum())


def feldt_interval(alpha: float, n: int, k: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Feldt (1965) interval: 1 - (1 - alpha) x F quantiles with (n-1, (n-1)(k-1)) df.

    As psych::alpha.ci(alpha, n.obs = n, n.var = k) (psych::alpha(x)$feldt).
    """
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1.0 - level) / 2.0
    lower = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - tail, df1, df2)
    upper = 1.0 - (1.0 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(lower), float(upper)


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
    """
    k = cor.shape[0]
    upper, lower = np.triu_indices(k, 1)
    target = cor[upper, lower]
    start_matrix = cor.copy()
    np.fill_diagonal(start_matrix, _smc(cor))
    values, vectors = np.linalg.eigh(start_matrix)
    start = vectors[:, -1] * np.sqrt(max(values[-1], 1e-6))
    bound = np.sqrt(1.0 - _MIN_UNIQUENESS)
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
    """
    if loadings is None:
        loadings = minres_one_factor(cor)
    signs = np.where(loadings < 0, -1.0, 1.0)
    flipped = cor * np.outer(signs, signs)
    total = flipped.sum()
    uniqueness = 1.0 - loadings**2
    return float((total - uniqueness.sum()) / total), loadings * signs


def _omega_with_flips(cor: np.ndarray, codes: Sequence[str]) -> tuple[float, np.ndarray, list[str]]:
    raw = minres_one_factor(cor)
    value, loadings = omega_total(cor, raw)
    return value, loadings, [c for c, lam in zip(codes, raw, strict=True) if lam < 0]


def _warning(code: str, message: str, items: Sequence[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": code, "message": message}
    if items:
        entry["items"] = list(items)
    return entry


def reliability(x: np.ndarray, codes: Sequence[str], n_rows: int | None = None) -> Reliability:
    """Cronbach's alpha and friends of one construct, as psych::alpha(x) reports them.

    x: n x k item scores, already reverse-keyed, NaN = missing; codes: the k item codes.
    n_rows: the N of the Feldt interval (the results contract's "rows analysed"); default
    x.shape[0], which is what psych::alpha uses (nrow(x), rows without any answer included).

    Definitions (C = cov(x, use = "pairwise"), R = cov2cor(C), k items):
    - alpha = k/(k-1) (1 - tr(C)/sum(C))                            psych::alpha(x)$total$raw_alpha
    - alpha_std = k r/(1 + (k-1) r), r = average_r                  ...$total$std.alpha
    - average_r = mean off-diagonal element of R                    ...$total$average_r
    - r_drop_i = (sum(C[,i]) - C[i,i]) / sqrt(C[i,i] sum(C[-i,-i])) ...$item.stats$r.drop
    - alpha_if_deleted_i = alpha of C[-i,-i] (None when k = 2)      ...$alpha.drop$raw_alpha
    - alpha_ci = Feldt (1965) 95% interval                          psych::alpha.ci / ...$feldt
    - omega_total from a one-factor minres fit to cor(x, use = "pairwise")
                                                 psych::omega(x, nfactors = 1)$omega.tot
    Items without variance are left out (psych::alpha deletes them too) with a warning.
    Problems are reported in `warnings` (never raised): too few items, no variance, fewer
    respondents than items, negative alpha (with the items whose r_drop is negative).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(codes):
        raise ValueError("x must be an n x k array with one code per column")
    cov_all, cor_all, _ = pairwise_moments(x)
    varied = np.diag(cov_all) > 0
    respondents = int((~np.isnan(x[:, varied])).any(axis=1).sum())
    return reliability_from_cov(
        cov_all, cor_all, codes, int(x.shape[0] if n_rows is None else n_rows), respondents
    )


def reliability_from_cov(
    cov_all: np.ndarray,
    cor_all: np.ndarray,
    codes: Sequence[str],
    n_rows: int,
    respondents: int,
) -> Reliability:
    """reliability() from the pairwise-complete covariance and correlation matrices.

    For callers that hold pairwise sums rather than the answers (a million respondents):
    cov_all = cov(x, use = "pairwise"), cor_all = cor(x, use = "pairwise"); n_rows is the
    Feldt N; respondents (rows answering at least one item) only drives the
    fewer-respondents-than-items warning. Same definitions as reliability().
    """
    codes = [str(code) for code in codes]
    n = int(n_rows)
    warnings: list[dict[str, Any]] = []

    variances = np.diag(cov_all)
    no_variance = ~(variances > 0)
    if no_variance.any():
        bad = [c for c, b in zip(codes, no_variance, strict=True) if b]
        warnings.append(
            _warning(
                "item_no_variance",
                f"{len(bad)} item(s) without variance (or under two answers) left out of the "
                "reliability statistics: " + ", ".join(bad),
                bad,
            )
        )
    keep = ~no_variance
    used = [c for c, k_ in zip(codes, keep, strict=True) if k_]
    k = len(used)
    empty_items = [ItemReliability(c, None, None) for c in codes]

    if k < 2:
        warnings.append(
            _warning("too_few_items", f"reliability needs at least two items with variance: {k}")
        )
        return Reliability(k, n, None, None, None, None, None, empty_items, warnings)

    if respondents < k:
        warnings.append(
            _warning(
                "fewer_respondents_than_items",
                f"{respondents} respondents for {k} items: the estimates are unstable",
            )
        )

    cov = cov_all[np.ix_(keep, keep)]
    cor = cor_all[np.ix_(keep, keep)]
    if not np.isfinite(cov).all():
        warnings.append(
            _warning(
                "too_few_pairs",
                "some pair of items was answered together by fewer than two respondents",
            )
        )
        return Reliability(k, n, None, None, None, None, None, empty_items, warnings)

    total = cov.sum()
    alpha = _alpha_of(cov)
    sd = np.sqrt(np.diag(cov))
    r_matrix = cov / np.outer(sd, sd)  # cov2cor(C), as psych::alpha
    average_r = (r_matrix.sum() - k) / (k * (k - 1))
    alpha_std = k * average_r / (1.0 + (k - 1) * average_r)

    col_sums = cov.sum(axis=0)
    diag = np.diag(cov)
    rest = total - 2.0 * col_sums + diag  # sum(C[-i, -i])
    with np.errstate(invalid="ignore", divide="ignore"):
        r_drop = (col_sums - diag) / np.sqrt(diag * rest)
        if k > 2:
            alpha_drop = (k - 1) / (k - 2) * (1.0 - (np.trace(cov) - diag) / rest)
        else:
            alpha_drop = np.full(k, np.nan)
    by_code = {
        c: ItemReliability(c, _num(r), _num(a))
        for c, r, a in zip(used, r_drop, alpha_drop, strict=True)
    }
    items = [by_code.get(c, ItemReliability(c, None, None)) for c in codes]

    if alpha < 0:
        negative = [c for c, r in zip(used, r_drop, strict=True) if r < 0]
        warnings.append(
            _warning(
                "negative_alpha",
                f"alpha is negative ({alpha:.3f}); items correlating negatively with the rest "
                f"(check their reverse keying): {', '.join(negative) or 'none'}",
                negative,
            )
        )

    alpha_ci = feldt_interval(alpha, n, k) if n > 1 else None
    if alpha_ci is None:
        warnings.append(_warning("no_interval", "the Feldt interval needs at least two rows"))

    omega = None
    if k < 3:
        warnings.append(
            _warning("omega_not_estimated", "omega needs at least three items (one-factor model)")
        )
    elif not np.isfinite(cor).all():
        warnings.append(_warning("omega_not_estimated", "pairwise correlations undefined"))
    else:
        omega_value, loadings, reversed_items = _omega_with_flips(cor, used)
        omega = _num(omega_value)
        if reversed_items:
            warnings.append(
                _warning(
                    "omega_items_reversed",
                    "items loading negatively on the factor were reversed for omega, as "
                    "psych::omega does: " + ", ".join(reversed_items),
                    reversed_items,
                )
            )
        if np.any(loadings**2 >= 1.0 - _MIN_UNIQUENESS - 1e-9):
            warnings.append(
                _warning(
                    "omega_heywood",
                    "an item's loading reached the bound (uniqueness 0.005): omega is uncertain",
                )
            )

    return Reliability(
        k=k,
        n=n,
        alpha=_num(alpha),
        alpha_std=_num(alpha_std),
        alpha_ci=alpha_ci,
        average_r=_num(average_r),
        omega_total=omega,
        items=items,
        warnings=warnings,
    )
