"""Do the members of a group agree? rwg, rwg(j) and the intraclass correlations ICC(1), ICC(2).

A panel of officials each assesses alone before they agree together: rwg (per item) and rwg(j)
(per construct) say how far a group's answers agree against answers at random, ICC(1) and
ICC(2) how much of the construct scores' variance lies between groups and how reliable the
group means are. Every number is as the R package ``multilevel`` computes it. One pass over
the answers per statistic: groups and respondents can be many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ipss_survey.stats.groups import group_index
from ipss_survey.stats.notes import Note, NoteCode


@dataclass(frozen=True)
class GroupAgreement:
    """One group's agreement: n respondents used, the observed variance (rwg(j): the mean of
    the item variances) and the agreement index; variance and value None when n < 2."""

    group: str
    n: int
    variance: float | None
    value: float | None


@dataclass(frozen=True)
class WithinGroupAgreement:
    """rwg of one item, or rwg(j) of one construct, for every group (in ``group_order``).

    statistic: "rwg" or "rwg_j"; ranvar: the variance expected under no agreement (uniform
    null: (A^2 - 1)/12 for A scale points); n_items: 1 for rwg.
    """

    statistic: str
    n_items: int
    ranvar: float
    groups: list[GroupAgreement]
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class IntraclassCorrelation:
    """ICC(1) and ICC(2) of one construct's scores across groups (one-way ANOVA).

    n: respondents with a score and a group; n_groups: groups with at least one of them;
    mean_group_size: n / n_groups (the group size ICC(1) uses); ms_* the ANOVA mean squares
    with df_between = n_groups - 1 and df_within = n - n_groups.
    """

    icc1: float | None
    icc2: float | None
    n_groups: int
    n: int
    mean_group_size: float | None
    ms_between: float | None
    ms_within: float | None
    df_between: int
    df_within: int
    notes: list[Note] = field(default_factory=list)


def uniform_null_variance(n_points: int) -> float:
    """Variance of answers spread uniformly over A scale points: (A^2 - 1) / 12.

    R: ``(A^2 - 1) / 12``, multilevel's ``ranvar`` for the rectangular null (James, Demaree &
    Wolf 1984).
    """
    if n_points < 2:
        raise ValueError("a scale needs at least two points")
    return (n_points**2 - 1) / 12.0


def _ranvar(n_points: int, ranvar: float | None) -> float:
    value = uniform_null_variance(n_points) if ranvar is None else float(ranvar)
    if not value > 0:
        raise ValueError("ranvar must be positive")
    return value


def _matrix(answers: Any) -> np.ndarray:
    x = np.asarray(answers, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError("answers must be one column per item, one row per respondent")
    return x


def _group_variances(x: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    """Per group and column: the count of answers and their sample variance (NaN if n < 2).

    Two passes (means, then squared deviations), one bincount each over all the answers.
    """
    k = x.shape[1]
    valid = ~np.isnan(x) & (codes >= 0)[:, None]
    cell = (codes[:, None] * k + np.arange(k)[None, :])[valid]
    values = x[valid]
    size = n_groups * k
    counts = np.bincount(cell, minlength=size).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.bincount(cell, weights=values, minlength=size) / counts
        squares = np.bincount(cell, weights=(values - means[cell]) ** 2, minlength=size)
        variances = np.where(counts > 1, squares / (counts - 1), np.nan)
    return counts.reshape(n_groups, k).astype(np.int64), variances.reshape(n_groups, k)


def _notes(labels: list[str], n: np.ndarray, variance: np.ndarray, ranvar: float) -> list[Note]:
    notes = []
    small = [lb for lb, size in zip(labels, n.tolist(), strict=True) if size < 2]
    if small:
        notes.append(
            Note(
                NoteCode.GROUP_TOO_SMALL,
                "groups with fewer than two respondents have no agreement index: "
                + ", ".join(small),
                groups=tuple(small),
            )
        )
    above = [lb for lb, v in zip(labels, variance.tolist(), strict=True) if v > ranvar]
    if above:
        notes.append(
            Note(
                NoteCode.RWG_TRUNCATED,
                "observed variance above the no-agreement variance: agreement set to 0, "
                "as multilevel does, in " + ", ".join(above),
                groups=tuple(above),
            )
        )
    return notes


def _agreement(
    statistic: str,
    n_items: int,
    ranvar: float,
    labels: list[str],
    n: np.ndarray,
    variance: np.ndarray,
    value: np.ndarray,
) -> WithinGroupAgreement:
    ok = np.isfinite(variance)
    groups = [
        GroupAgreement(lb, size, v if good else None, r if good else None)
        for lb, size, v, r, good in zip(
            labels, n.tolist(), variance.tolist(), value.tolist(), ok.tolist(), strict=True
        )
    ]
    return WithinGroupAgreement(
        statistic, n_items, ranvar, groups, _notes(labels, n, variance, ranvar)
    )


def rwg_items(
    answers: Any, groups: Any, n_points: int, ranvar: float | None = None
) -> list[WithinGroupAgreement]:
    """rwg of every item (column) in every group, each item on its own answers.

    rwg = 1 - s^2 / ranvar, s^2 the sample variance (n - 1) of the group's answers to the item
    and ranvar = (A^2 - 1)/12 unless given; s^2 above ranvar gives 0 (multilevel truncates
    it) and a note; a group with fewer than two answers has None (and a note). Missing answers
    and rows without a group are left out. Groups are every labelled group, in ``group_order``,
    also those without an answer to the item (n = 0).

    R: ``multilevel::rwg(x[, j], grpid, ranvar = (A^2 - 1)/12)`` for each item j (columns
    rwg and gsize).

    References
    ----------
    James, L. R., Demaree, R. G. & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. Journal of Applied Psychology 69(1), 85-98.
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability:
    implications for data aggregation and analysis. In Klein & Kozlowski (eds), Multilevel
    theory, research, and methods in organizations, 349-381. Jossey-Bass.
    """
    x = _matrix(answers)
    sigma = _ranvar(n_points, ranvar)
    labels, codes = group_index(groups)
    if codes.size != x.shape[0]:
        raise ValueError("answers and groups must have the same number of rows")
    counts, variances = _group_variances(x, codes, len(labels))
    return rwg_from_variances(labels, counts, variances, sigma)


def rwg_from_variances(
    labels: list[str], counts: np.ndarray, variances: np.ndarray, ranvar: float
) -> list[WithinGroupAgreement]:
    """rwg of every item from the groups' answer counts and sample variances (groups x items;
    NaN where a group has fewer than two answers): 1 - min(s^2, ranvar)/ranvar, as
    ``rwg_items``. For callers that hold the variances already (one pass over the data)."""
    with np.errstate(invalid="ignore"):
        values = 1.0 - np.minimum(variances, ranvar) / ranvar
    return [
        _agreement("rwg", 1, ranvar, labels, counts[:, j], variances[:, j], values[:, j])
        for j in range(variances.shape[1])
    ]


def rwg(
    answers: Any, groups: Any, n_points: int, ranvar: float | None = None
) -> WithinGroupAgreement:
    """rwg of one item in every group; see rwg_items for the definition.

    R: ``multilevel::rwg(x, grpid, ranvar = (A^2 - 1)/12)``.

    References
    ----------
    James, Demaree & Wolf (1984); Bliese (2000): see rwg_items.
    """
    x = np.asarray(answers, dtype=float).ravel()
    return rwg_items(x[:, None], groups, n_points, ranvar)[0]


def rwg_j(
    answers: Any, groups: Any, n_points: int, ranvar: float | None = None
) -> WithinGroupAgreement:
    """rwg(j) of a construct's J items in every group, on the respondents who answered all J.

    With s^2 the mean over the items of the group's item variances (n - 1), capped at ranvar
    as multilevel does (then rwg(j) = 0, with a note):
    rwg(j) = J (1 - s^2/ranvar) / (J (1 - s^2/ranvar) + s^2/ranvar). Respondents with a
    missing answer to any of the items, or no group, are left out (multilevel drops them with
    na.exclude before splitting by group); a group with fewer than two complete respondents
    has None (and a note). Groups are every labelled group, in ``group_order``.

    R: ``multilevel::rwg.j(x, grpid, ranvar = (A^2 - 1)/12)`` (columns rwg.j and gsize).

    References
    ----------
    James, Demaree & Wolf (1984); Bliese (2000): see rwg_items.
    """
    x = _matrix(answers)
    sigma = _ranvar(n_points, ranvar)
    labels, codes = group_index(groups)
    if codes.size != x.shape[0]:
        raise ValueError("answers and groups must have the same number of rows")
    complete = np.where(np.all(~np.isnan(x), axis=1), codes, -1)
    counts, variances = _group_variances(x, complete, len(labels))
    return rwg_j_from_variances(labels, counts[:, 0], variances, sigma)


def rwg_j_from_variances(
    labels: list[str], counts: np.ndarray, variances: np.ndarray, ranvar: float
) -> WithinGroupAgreement:
    """rwg(j) from each group's count of complete respondents and their item variances
    (groups x J), as ``rwg_j``: s^2 the mean item variance capped at ranvar,
    J (1 - s^2/ranvar) / (J (1 - s^2/ranvar) + s^2/ranvar)."""
    j = variances.shape[1]
    mean_variance = variances.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.minimum(mean_variance, ranvar) / ranvar
        values = j * (1.0 - ratio) / (j * (1.0 - ratio) + ratio)
    return _agreement("rwg_j", j, ranvar, labels, counts, mean_variance, values)


def variances_from_sums(n: np.ndarray, total: np.ndarray, squares: np.ndarray) -> np.ndarray:
    """Sample variances (n - 1) from counts, sums and sums of squares (NaN where n < 2)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (squares - total * total / n) / (n - 1)
    return np.where(n > 1, np.maximum(out, 0.0), np.nan)


def icc(scores: Any, groups: Any) -> IntraclassCorrelation:
    """ICC(1) and ICC(2) of scores across groups, from the one-way ANOVA of score by group.

    With MSB and MSW the between- and within-group mean squares (df k - 1 and n - k, k the
    groups with a score) and g = n / k the mean group size:
    ICC(1) = (MSB - MSW) / (MSB + (g - 1) MSW) (Bliese 2000; multilevel uses this g, not the
    ANOVA's adjusted n0), ICC(2) = (MSB - MSW) / MSB, the reliability of the group means.
    Missing scores and rows without a group are left out. None with a note when there are
    fewer than two groups, when every group has a single score (no within-group variance) or
    when a ratio is 0/0 (no variance at all; ICC(2) also when the group means are equal).

    R: ``multilevel::ICC1(aov(score ~ as.factor(group)))`` and
    ``multilevel::ICC2(aov(score ~ as.factor(group)))``.

    References
    ----------
    Bartko, J. J. (1976). On various intraclass correlation reliability coefficients.
    Psychological Bulletin 83(5), 762-765. Bliese (2000), see rwg_items.
    """
    x = np.asarray(scores, dtype=float).ravel()
    labels, codes = group_index(groups)
    if codes.size != x.size:
        raise ValueError("scores and groups must have the same length")
    keep = ~np.isnan(x) & (codes >= 0)
    values, codes = x[keep], codes[keep]
    sizes = np.bincount(codes, minlength=len(labels)).astype(float)
    totals = np.bincount(codes, weights=values, minlength=len(labels))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals / sizes
    ss_within = float(np.sum((values - means[codes]) ** 2))
    return icc_from_moments(sizes, totals, ss_within)


def icc_from_moments(
    sizes: np.ndarray, totals: np.ndarray, ss_within: float
) -> IntraclassCorrelation:
    """ICC(1) and ICC(2) from each group's count and sum of scores and the pooled
    within-group sum of squares (as ``icc``), for callers holding them from one pass."""
    sizes = np.asarray(sizes, dtype=float)
    n, k = int(sizes.sum()), int(np.count_nonzero(sizes))
    df_b, df_w = max(k - 1, 0), n - k
    if k < 2 or df_w == 0:
        note = (
            Note(NoteCode.TOO_FEW_GROUPS, "fewer than two groups with a score")
            if k < 2
            else Note(
                NoteCode.GROUP_TOO_SMALL,
                "every group has a single score: no within-group variance",
            )
        )
        return IntraclassCorrelation(
            None, None, k, n, n / k if k else None, None, None, df_b, df_w, [note]
        )
    present = sizes > 0
    means = totals[present] / sizes[present]
    grand = float(totals.sum()) / n
    ss_between = float(np.sum(sizes[present] * (means - grand) ** 2))
    msb, msw = ss_between / df_b, ss_within / df_w
    g = n / k
    notes: list[Note] = []
    denominator = msb + (g - 1.0) * msw
    icc1 = (msb - msw) / denominator if denominator > 0 else None
    icc2 = (msb - msw) / msb if msb > 0 else None
    if icc1 is None or icc2 is None:
        notes.append(
            Note(
                NoteCode.NO_VARIANCE,
                "the group means are all equal: ICC(2) is undefined"
                if icc1 is not None
                else "every score is the same: no intraclass correlation",
            )
        )
    return IntraclassCorrelation(icc1, icc2, k, n, g, msb, msw, df_b, df_w, notes)
