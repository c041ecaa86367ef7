"""Do groups differ under a survey design? The Rao-Scott test and design-based rank tests.

The design-based counterparts of ``contingency`` and ``rank_tests``: agreement by group is
tested with Pearson's X^2 corrected by Rao & Scott's design effects (R's ``svychisq``), scores
by group with the design-based Wilcoxon / Kruskal-Wallis test of Lumley & Scott (R's
``svyranktest``). Groups are ``Domains``; rows without a group or an answer are left out, their
PSUs staying in the design's PSU counts (as ``na.rm`` in R). The covariance of group-wise
estimates comes from ``SurveyDesign.block_covariance``, so a million rows in 50 groups need no
(rows x groups) matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from ipss_survey.stats.design import Domains, SurveyDesign
from ipss_survey.stats.notes import Note, NoteCode


@dataclass(frozen=True)
class SurveyChisqTest:
    """Rao-Scott test of agreement by group: F, its (non-integer) df, p, and the Pearson X^2
    it corrects. groups lists the groups tested, in order."""

    statistic: float | None
    ndf: float | None
    ddf: float | None
    p_value: float | None
    pearson: float | None
    groups: list[str]
    method: str = "Pearson's X^2: Rao & Scott adjustment"
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyRankTest:
    """Design-based rank test of scores between groups.

    test "wilcoxon" (two groups): statistic t, df = degf - 1, ddf None, estimate the difference
    in mean rank score (second group minus first). test "kruskal-wallis" (more groups):
    statistic the Wald chi-square, df = groups - 1, ddf = degf - df, p from F(df, ddf) of
    statistic/df; estimate None. group_sizes count the rows with a score.
    """

    test: str
    statistic: float | None
    df: float | None
    ddf: float | None
    p_value: float | None
    estimate: float | None
    groups: list[str]
    group_sizes: list[int]
    method: str
    notes: list[Note] = field(default_factory=list)


def _vector(x: Any, n: int, what: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.shape != (n,):
        raise ValueError(f"{what} must be one value per row ({n} rows), got shape {arr.shape}")
    return arr


def _groups(groups: Domains, n: int) -> np.ndarray:
    if groups.codes.shape != (n,):
        raise ValueError(f"groups must give one code per row ({n} rows)")
    return groups.codes


@cache
def _cell_contrasts(n_rows: int, n_cols: int) -> np.ndarray:
    """R's svychisq Cmat: the interaction columns of ~rows * cols on the cells (rows fastest),
    less their projection on the main effects ~rows + cols. Depends on the table's shape only,
    so it is worked out once per shape (read-only)."""
    r_idx = np.tile(np.arange(n_rows), n_cols)
    c_idx = np.repeat(np.arange(n_cols), n_rows)
    main = [np.ones(r_idx.size)]
    main += [(r_idx == r).astype(float) for r in range(1, n_rows)]
    main += [(c_idx == c).astype(float) for c in range(1, n_cols)]
    x1 = np.column_stack(main)
    inter = np.column_stack(
        [
            ((r_idx == r) & (c_idx == c)).astype(float)
            for c in range(1, n_cols)
            for r in range(1, n_rows)
        ]
    )
    coef, *_ = np.linalg.lstsq(x1, inter, rcond=None)
    out = inter - x1 @ coef
    out.setflags(write=False)
    return out


def _rao_scott(
    design: SurveyDesign,
    counts: np.ndarray,
    codes: np.ndarray,
    labels: tuple[str, ...],
    n_table: float,
) -> SurveyChisqTest:
    """Rao-Scott F from per-row counts of each answer category (n, R) and group codes (n,)."""

    present = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(labels)) > 0)
    names = [labels[g] for g in present]
    size = counts.sum(axis=1)
    categories = np.flatnonzero(counts[size > 0].sum(axis=0) > 0)
    if present.size < 2:
        note = Note(NoteCode.TOO_FEW_GROUPS, "fewer than two groups to compare")
        return SurveyChisqTest(None, None, None, None, None, names, notes=[note])
    if categories.size < 2:
        note = Note(NoteCode.AGREEMENT_CONSTANT, "every answer agrees, or none does")
        return SurveyChisqTest(None, None, None, None, None, names, notes=[note])
    position = np.full(len(labels), -1, dtype=np.intp)
    position[present] = np.arange(present.size)
    counts = counts[:, categories]
    n_r, n_c = categories.size, present.size
    group = np.where(codes >= 0, position[np.maximum(codes, 0)], -1)
    used = (group >= 0) & (size > 0)
    group = np.where(used, group, -1)
    w = np.where(used, design.weights, 0.0)
    total = float(w @ size)
    cells = np.empty((n_c, n_r))
    for r in range(n_r):
        cells[:, r] = np.bincount(group[used], weights=(w * counts[:, r])[used], minlength=n_c)
    p_cells = cells / total
    notes = design.lonely_notes(used)
    group_margin, category_margin = p_cells.sum(axis=1), p_cells.sum(axis=0)
    if np.any(group_margin <= 0) or np.any(category_margin <= 0):
        empty = [names[g] for g in np.flatnonzero(group_margin <= 0)]
        notes.append(
            Note(
                NoteCode.EMPTY_MARGIN,
                "a group or an answer category has no answers: no test",
                groups=tuple(empty) or None,
            )
        )
        return SurveyChisqTest(None, None, None, None, None, names, notes=notes)
    p = p_cells.reshape(-1)  # cell g * R + r: rows (answer categories) fastest, as R
    values = w[:, None] * counts / total
    cov = design.block_covariance(values, group, n_c, offset=w * size / total, shift=p)
    return rao_scott_statistic(p_cells, cov, n_table, design.degf(), names, notes)


def rao_scott_statistic(
    p_cells: np.ndarray,
    cov: np.ndarray,
    n_table: float,
    nu: int,
    names: list[str],
    notes: list[Note],
) -> SurveyChisqTest:
    """The Rao-Scott F from the estimated cell proportions (groups x categories, summing to 1),
    their linearised covariance (cells ordered group-major, categories fastest), the table's N
    and the design's degrees of freedom nu: X^2 of the table, divided by the mean generalised
    design effect tr(Delta), F(d0, d0 nu) with d0 = tr(Delta)^2 / tr(Delta^2), as R's
    ``svychisq(statistic = "F")``."""
    from scipy.special import fdtrc

    n_c, n_r = p_cells.shape
    p = p_cells.reshape(-1)
    group_margin, category_margin = p_cells.sum(axis=1), p_cells.sum(axis=0)
    expected = np.outer(group_margin, category_margin)
    pearson = float(n_table * np.sum((p_cells - expected) ** 2 / expected))
    contrasts = _cell_contrasts(n_r, n_c)
    inv_p = np.where(p > 0, 1.0 / np.where(p > 0, p, 1.0), 0.0)
    denom = contrasts.T @ (contrasts * (inv_p / n_table)[:, None])
    scaled = contrasts * inv_p[:, None]
    numer = scaled.T @ cov @ scaled
    try:
        delta = np.linalg.solve(denom, numer)
    except np.linalg.LinAlgError:
        notes.append(Note(NoteCode.NO_VARIANCE, "the design effects cannot be computed"))
        return SurveyChisqTest(None, None, None, None, pearson, names, notes=notes)
    trace = float(np.trace(delta))
    if nu <= 0:
        notes.append(Note(NoteCode.NO_DEGREES_OF_FREEDOM, "no design degrees of freedom"))
        return SurveyChisqTest(None, None, None, None, pearson, names, notes=notes)
    if not trace > 0:
        notes.append(Note(NoteCode.NO_VARIANCE, "no design-based variance: no test"))
        return SurveyChisqTest(None, None, None, None, pearson, names, notes=notes)
    d0 = trace**2 / float(np.trace(delta @ delta))
    statistic = pearson / trace
    p_value = float(fdtrc(d0, d0 * nu, statistic))
    return SurveyChisqTest(statistic, d0, d0 * nu, p_value, pearson, names, notes=notes)


def rao_scott_test(agree: Any, groups: Domains, design: SurveyDesign) -> SurveyChisqTest:
    """Rao-Scott test of independence of agreement (0/1, NaN = no answer) and group, one
    answer per row.

    Pearson's X^2 of the weighted table (scaled to the design's rows, as R), divided by the
    mean generalised design effect tr(Delta), Delta = (C' D^-1 C / N)^-1 (C' D^-1 V D^-1 C),
    D = diag(cell proportions), V their linearised covariance, C the interaction contrasts of
    the cells; F ~ F(d0, d0 nu) with d0 = tr(Delta)^2 / tr(Delta^2) and nu = degf of the whole
    design (rows without an answer or a group included, as R counts them). None with a note
    when fewer than two groups or answer categories are present, or a margin is empty.

    R: ``svychisq(~agree + group, design, statistic = "F")``: ``$statistic``,
    ``$parameter[c("ndf", "ddf")]``, ``$p.value``; pearson is
    ``chisq.test(svytable(~agree + group, design, Ntotal = nrow(design)), correct = FALSE)``.

    References
    ----------
    Rao, J. N. K. & Scott, A. J. (1984). On chi-squared tests for multiway contingency tables
    with cell proportions estimated from survey data. Annals of Statistics 12(1), 46-60.
    Thomas, D. R. & Rao, J. N. K. (1987). Small-sample comparisons of level and power for
    simple goodness-of-fit statistics under cluster sampling. JASA 82(398), 630-636.
    """
    a = _vector(agree, design.n_rows, "agree")
    answered = ~np.isnan(a)
    if np.any((a[answered] != 0.0) & (a[answered] != 1.0)):
        raise ValueError("agree must hold 0, 1 or NaN")
    counts = np.column_stack([np.where(answered, 1.0 - a, 0.0), np.where(answered, a, 0.0)])
    codes = _groups(groups, design.n_rows)
    return _rao_scott(design, counts, codes, groups.labels, float(design.n_rows))


def rao_scott_counts_test(
    successes: Any, trials: Any, groups: Domains, design: SurveyDesign
) -> SurveyChisqTest:
    """Rao-Scott test of pooled construct agreement by group, from per-respondent counts.

    Row i holds A_i agreeing and N_i - A_i other valid answers, all in the respondent's group;
    the cell contributions are those counts, so the respondent (or the design's cluster) is the
    PSU. The design is that of the rows with N_i > 0 (``SurveyDesign.restrict``), as R's on
    long data; N = sum N_i. Otherwise as ``rao_scott_test``.

    R, with ``long`` one row per valid answer (its respondent's id, design variables and group)
    and ``agree`` 0/1: ``d <- svydesign(ids = ~respondent (or ~cluster), strata, weights,
    data = long)``; ``svychisq(~agree + group, d, statistic = "F")``.

    References
    ----------
    Rao & Scott (1984); Lumley (2010), Complex Surveys, sec. 6.2. Wiley.
    """
    a = _vector(successes, design.n_rows, "successes")
    n = _vector(trials, design.n_rows, "trials")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n))):
        raise ValueError("successes and trials must be finite counts")
    if np.any(a < 0) or np.any(a > n):
        raise ValueError("successes must lie between 0 and the number of trials")
    codes = _groups(groups, design.n_rows)
    answered = n > 0
    if design.count_psus(answered)[0] < 2:
        note = Note(NoteCode.NO_DEGREES_OF_FREEDOM, "answers from fewer than two PSUs: no test")
        return SurveyChisqTest(None, None, None, None, None, [], notes=[note])
    sub = design.restrict(answered)
    counts = np.column_stack([n - a, a])[answered]
    return _rao_scott(sub, counts, codes[answered], groups.labels, float(n[answered].sum()))


def survey_rank_test(scores: Any, groups: Domains, design: SurveyDesign) -> SurveyRankTest:
    """Design-based rank test of scores (NaN = none) between groups (Lumley & Scott 2013).

    Each score's rank is its estimated population mid-rank: the total weight of the lower
    scores plus half the weight of its tie group, over the total weight N. The groups' weighted
    mean rank scores are compared by weighted least squares, with the linearised covariance of
    their differences (the first group is the reference). Two groups: t = difference / SE,
    df = degf - 1, two-sided p from t(df). More: chi-square = beta' V^-1 beta over the
    differences, df = groups - 1, ddf = degf - df, p = P(F(df, ddf) > chi-square/df). degf is
    that of the rows with a score and a group.

    Deliberate difference from R: svyranktest ranks tied scores by
    ``ave(cumsum(w[ii]) - w[ii]/2, factor(y[ii]))``, the unweighted mean over the tied rows of
    their cumulative weights in row order, which changes with the order of the rows when the
    tied rows' weights differ. The mid-rank here is the weighted mean of the same values, which
    is order-free; with equal weights, or without ties, the two are the same.

    R: ``svyranktest(score ~ group, design)`` (test = "wilcoxon"): two groups give
    ``$statistic`` (t), ``$parameter`` (df), ``$estimate``, ``$p.value``; more groups give the
    chi-square in ``$parameter``, its df in ``$statistic``, and ``$ddf``. With ties and unequal
    weights, ``svyranktest_midrank`` in tests/reference/survey.R (svyranktest with this rank).

    References
    ----------
    Lumley, T. & Scott, A. J. (2013). Two-sample rank tests under complex sampling.
    Biometrika 100(4), 831-842.
    """

    y = _vector(scores, design.n_rows, "scores")
    codes = _groups(groups, design.n_rows)
    used = ~np.isnan(y) & (codes >= 0)
    sizes = np.bincount(codes[used], minlength=len(groups.labels))
    present = np.flatnonzero(sizes > 0)
    names = [groups.labels[g] for g in present]
    group_sizes = [int(s) for s in sizes[present]]
    k = present.size
    test = "wilcoxon" if k == 2 else "kruskal-wallis"
    method = (
        "Design-based Wilcoxon rank-sum test (mid-ranks)"
        if k == 2
        else "Design-based Kruskal-Wallis test (mid-ranks)"
    )
    notes = design.lonely_notes(used)
    if k < 2:
        notes.append(Note(NoteCode.TOO_FEW_GROUPS, "fewer than two groups to compare"))
        return SurveyRankTest(test, None, None, None, None, None, names, group_sizes, method, notes)
    position = np.full(len(groups.labels), -1, dtype=np.intp)
    position[present] = np.arange(k)
    g = position[codes[used]]
    w = design.weights[used]
    _, tie, tie_size = np.unique(y[used], return_inverse=True, return_counts=True)
    tie_weight = np.bincount(tie, weights=w, minlength=tie_size.size)
    rank = (np.cumsum(tie_weight) - tie_weight / 2.0)[tie] / w.sum()
    group_weight = np.bincount(g, weights=w, minlength=k)
    means = np.bincount(g, weights=w * rank, minlength=k) / group_weight
    influence = np.zeros(design.n_rows)
    influence[used] = w * (rank - means[g]) / group_weight[g]
    group_full = np.full(design.n_rows, -1, dtype=np.intp)
    group_full[used] = g
    cov_means = design.block_covariance(influence[:, None], group_full, k)
    return rank_test_statistic(means, cov_means, design.degf(used), names, group_sizes, notes)


def rank_test_statistic(
    means: np.ndarray,
    cov_means: np.ndarray,
    degf: int,
    names: list[str],
    group_sizes: list[int],
    notes: list[Note],
) -> SurveyRankTest:
    """The design-based rank test from the groups' weighted mean rank scores, their
    linearised covariance and the degrees of freedom of the rows tested: t for two groups
    (df = degf - 1), the Wald chi-square on F(k - 1, degf - (k - 1)) for more, as
    ``svyranktest``."""
    from scipy.special import fdtrc, stdtr

    k = len(names)
    test = "wilcoxon" if k == 2 else "kruskal-wallis"
    method = (
        "Design-based Wilcoxon rank-sum test (mid-ranks)"
        if k == 2
        else "Design-based Kruskal-Wallis test (mid-ranks)"
    )
    if k < 2:
        notes.append(Note(NoteCode.TOO_FEW_GROUPS, "fewer than two groups to compare"))
        return SurveyRankTest(test, None, None, None, None, None, names, group_sizes, method, notes)
    contrast = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
    beta = contrast @ means
    cov = contrast @ cov_means @ contrast.T
    df = degf - 1 if k == 2 else degf - (k - 1)
    if df <= 0:
        notes.append(Note(NoteCode.NO_DEGREES_OF_FREEDOM, "no design degrees of freedom"))
        return SurveyRankTest(test, None, None, None, None, None, names, group_sizes, method, notes)
    if k == 2:
        se = float(np.sqrt(max(cov[0, 0], 0.0)))
        if not se > 0:
            notes.append(Note(NoteCode.NO_VARIANCE, "every score is the same"))
            return SurveyRankTest(
                test, None, df, None, None, float(beta[0]), names, group_sizes, method, notes
            )
        t = float(beta[0]) / se
        p_value = float(min(1.0, 2.0 * stdtr(df, -abs(t))))
        return SurveyRankTest(
            test, t, df, None, p_value, float(beta[0]), names, group_sizes, method, notes
        )
    try:
        chisq = float(beta @ np.linalg.solve(cov, beta))
    except np.linalg.LinAlgError:
        chisq = float("nan")
    if not np.isfinite(chisq):
        notes.append(Note(NoteCode.NO_VARIANCE, "the rank scores' covariance is singular"))
        return SurveyRankTest(test, None, k - 1, df, None, None, names, group_sizes, method, notes)
    p_value = float(fdtrc(k - 1, df, chisq / (k - 1)))
    return SurveyRankTest(test, chisq, k - 1, df, p_value, None, names, group_sizes, method, notes)
