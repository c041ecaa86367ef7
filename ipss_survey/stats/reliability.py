"""Internal consistency of a construct: Cronbach's alpha as psych::alpha reports it, and omega.

Everything starts from the pairwise-complete covariance matrix, so a respondent who skipped an
item still contributes to every pair of items they answered (psych::alpha's default,
use = "pairwise").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ipss_survey.stats.covariance import pairwise_moments
from ipss_survey.stats.notes import Note, NoteCode
from ipss_survey.stats.omega import MIN_UNIQUENESS, omega_with_flips

CI_LEVEL = 0.95


@dataclass(frozen=True)
class ItemReliability:
    """Per-item statistics of a construct (psych::alpha's item.stats$r.drop, alpha.drop)."""

    code: str
    r_drop: float | None
    alpha_if_deleted: float | None


@dataclass(frozen=True)
class Reliability:
    """One construct's reliability statistics.

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
    notes: list[Note] = field(default_factory=list)


def _num(value: float) -> float | None:
    """A plain float, or None for NaN/inf (JSON has no NaN)."""
    value = float(value)
    return value if np.isfinite(value) else None


def _alpha_of(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1.0 - np.trace(cov) / cov.sum())


def feldt_interval(alpha: float, n: int, k: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Feldt (1965) interval: 1 - (1 - alpha) x F quantiles with (n-1, (n-1)(k-1)) df.

    As psych::alpha.ci(alpha, n.obs = n, n.var = k) (psych::alpha(x)$feldt).

    References
    ----------
    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. Psychometrika 30(3), 357-370.
    """
    from scipy.special import fdtri  # the F quantile; scipy.stats is not needed

    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1.0 - level) / 2.0
    lower = 1.0 - (1.0 - alpha) * fdtri(df1, df2, 1.0 - tail)
    upper = 1.0 - (1.0 - alpha) * fdtri(df1, df2, tail)
    return float(lower), float(upper)


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
    Items without variance are left out (psych::alpha deletes them too) with a note.
    Problems are reported in `notes` (never raised): too few items, no variance, fewer
    respondents than items, negative alpha (with the items whose r_drop is negative).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika 16(3), 297-334. Revelle, W., ``psych::alpha``.
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
    fewer-respondents-than-items note. Same definitions as reliability().
    """
    codes = [str(code) for code in codes]
    n = int(n_rows)
    notes: list[Note] = []
    keep = _varied(cov_all, codes, notes)
    used = [c for c, ok in zip(codes, keep, strict=True) if ok]
    k = len(used)
    blank = [ItemReliability(c, None, None) for c in codes]
    empty = Reliability(k, n, None, None, None, None, None, blank, notes)
    if k < 2:
        notes.append(
            Note(NoteCode.TOO_FEW_ITEMS, f"reliability needs at least two items with variance: {k}")
        )
        return empty
    if respondents < k:
        notes.append(
            Note(
                NoteCode.FEWER_RESPONDENTS_THAN_ITEMS,
                f"{respondents} respondents for {k} items: the estimates are unstable",
            )
        )
    cov = cov_all[np.ix_(keep, keep)]
    cor = cor_all[np.ix_(keep, keep)]
    if not np.isfinite(cov).all():
        notes.append(
            Note(
                NoteCode.TOO_FEW_PAIRS,
                "some pair of items was answered together by fewer than two respondents",
            )
        )
        return empty
    alpha, alpha_std, average_r = _alphas(cov)
    items = _item_statistics(cov, used, codes)
    if alpha < 0:
        negative = [it.code for it in items if it.r_drop is not None and it.r_drop < 0]
        notes.append(
            Note(
                NoteCode.NEGATIVE_ALPHA,
                f"alpha is negative ({alpha:.3f}); items correlating negatively with the rest "
                f"(check their reverse keying): {', '.join(negative) or 'none'}",
                tuple(negative) or None,
            )
        )
    alpha_ci = feldt_interval(alpha, n, k) if n > 1 else None
    if alpha_ci is None:
        notes.append(Note(NoteCode.NO_INTERVAL, "the Feldt interval needs at least two rows"))
    return Reliability(
        k=k,
        n=n,
        alpha=_num(alpha),
        alpha_std=_num(alpha_std),
        alpha_ci=alpha_ci,
        average_r=_num(average_r),
        omega_total=_omega(cor, used, notes),
        items=items,
        notes=notes,
    )


def _varied(cov: np.ndarray, codes: list[str], notes: list[Note]) -> np.ndarray:
    """Which items have a variance (the others are left out, as psych::alpha does)."""
    keep = np.diag(cov) > 0
    if not keep.all():
        bad = [c for c, ok in zip(codes, keep, strict=True) if not ok]
        notes.append(
            Note(
                NoteCode.ITEM_NO_VARIANCE,
                f"{len(bad)} item(s) without variance (or under two answers) left out of the "
                "reliability statistics: " + ", ".join(bad),
                tuple(bad),
            )
        )
    return keep


def _alphas(cov: np.ndarray) -> tuple[float, float, float]:
    """Raw alpha from C, standardised alpha and the mean inter-item r from cov2cor(C)."""
    k = cov.shape[0]
    sd = np.sqrt(np.diag(cov))
    r_matrix = cov / np.outer(sd, sd)  # cov2cor(C), as psych::alpha
    average_r = (r_matrix.sum() - k) / (k * (k - 1))
    return _alpha_of(cov), k * average_r / (1.0 + (k - 1) * average_r), average_r


def _item_statistics(cov: np.ndarray, used: list[str], codes: list[str]) -> list[ItemReliability]:
    """r.drop and alpha if deleted of every item (None for items left out), from C."""
    k = cov.shape[0]
    col_sums = cov.sum(axis=0)
    diag = np.diag(cov)
    rest = cov.sum() - 2.0 * col_sums + diag  # sum(C[-i, -i])
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
    return [by_code.get(c, ItemReliability(c, None, None)) for c in codes]


def _omega(cor: np.ndarray, used: list[str], notes: list[Note]) -> float | None:
    """Omega total of the items used, or None with a note when it cannot be estimated."""
    if len(used) < 3:
        notes.append(
            Note(
                NoteCode.OMEGA_NOT_ESTIMATED, "omega needs at least three items (one-factor model)"
            )
        )
        return None
    if not np.isfinite(cor).all():
        notes.append(Note(NoteCode.OMEGA_NOT_ESTIMATED, "pairwise correlations undefined"))
        return None
    value, loadings, reversed_items = omega_with_flips(cor, used)
    if reversed_items:
        notes.append(
            Note(
                NoteCode.OMEGA_ITEMS_REVERSED,
                "items loading negatively on the factor were reversed for omega, as "
                "psych::omega does: " + ", ".join(reversed_items),
                tuple(reversed_items),
            )
        )
    if np.any(loadings**2 >= 1.0 - MIN_UNIQUENESS - 1e-9):
        notes.append(
            Note(
                NoteCode.OMEGA_HEYWOOD,
                "an item's loading reached the bound (uniqueness 0.005): omega is uncertain",
            )
        )
    return _num(value)
