"""Design-based ratio estimates for every group at once, from sums over units of rows.

Every figure a weighted survey reports here is a ratio of weighted totals, theta = sum(w y) /
sum(w x): a mean (y = the answer, x = 1 for an answer), a share (y = 1 for an agreeing answer),
a construct's pooled acceptance (y = a respondent's agreeing answers, x = their valid
answers). Its linearised variance needs, per PSU, the total of the influence values
z_i = w_i (y_i - theta x_i) / sum(w x) (``SurveyDesign.variances``), and those totals are
linear in the PSU's sums of w y and w x. So instead of an influence vector per row and per
statistic, the tally pass sums w y and w x over *units* of rows: a unit is one PSU's rows in
one group (a clustered design), or one stratum's rows in one group when every row is its own
PSU; for the latter the squares sum(z_i^2) within a unit come from its sums of w^2 y^2,
w^2 x y and w^2 x^2. A million rows in 50 groups and 94 items are then a few small arrays.

The numbers are those of ``survey_estimates`` (R's ``svymean``/``svyciprop`` on the design,
``svyby`` for groups): group domains keep the whole design's PSU counts n_h, as
``design[group, ]`` does in R, and their degrees of freedom are the PSUs minus strata present
in the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ipss_survey.stats.design import SurveyDesign, stratum_scales
from ipss_survey.stats.notes import Note, NoteCode
from ipss_survey.stats.survey_tests import (
    SurveyChisqTest,
    SurveyRankTest,
    rank_test_statistic,
    rao_scott_statistic,
)


@dataclass(frozen=True)
class Units:
    """Rows gathered into units, each within one group slot.

    ``of_row`` numbers each row's unit; units are ordered by group slot, then PSU (clustered
    designs) or stratum (every row its own PSU). Slot ``n_slots - 1`` holds the rows without a
    group, which count in the whole sample but in no group.
    """

    of_row: np.ndarray  # (n,) unit of each row
    slot: np.ndarray  # (U,) group slot of each unit
    stratum: np.ndarray  # (U,) stratum of each unit
    psu: np.ndarray | None  # (U,) PSU of each unit; None when every row is its own PSU
    rows: np.ndarray  # (U,) rows in each unit
    n_slots: int  # groups + 1
    psu_count: np.ndarray  # (H,) n_h of the whole design
    lonely_psu: str

    @property
    def n_units(self) -> int:
        return int(self.slot.size)

    @cached_property
    def row_slot(self) -> np.ndarray:
        """(n,) group slot of each row: worked out once, read by every construct's test."""
        return self.slot[self.of_row]

    @property
    def n_strata(self) -> int:
        return int(self.psu_count.size)

    @property
    def n_domains(self) -> int:
        """Groups, then the whole sample: the rows of every estimate array."""
        return self.n_slots


def make_units(design: SurveyDesign, slots: np.ndarray, n_slots: int) -> Units:
    """The units of a design's rows, given each row's group slot (0 .. n_slots - 1)."""
    slots = np.asarray(slots, dtype=np.int64)
    if design.has_clusters:
        inner, span = design.psu.astype(np.int64), max(design.n_psu, 1)
    else:
        inner, span = design.stratum.astype(np.int64), max(design.n_strata, 1)
    keys, of_row = np.unique(slots * span + inner, return_inverse=True)
    slot, inner_of_unit = np.divmod(keys, span)
    if design.has_clusters:
        psu = inner_of_unit.astype(np.intp)
        stratum = design.psu_stratum[psu].astype(np.intp)
    else:
        psu, stratum = None, inner_of_unit.astype(np.intp)
    return Units(
        of_row=of_row.astype(np.intp),
        slot=slot.astype(np.intp),
        stratum=stratum,
        psu=psu,
        rows=np.bincount(of_row, minlength=keys.size),
        n_slots=n_slots,
        psu_count=design.psu_count.astype(np.int64),
        lonely_psu=design.lonely_psu,
    )


def single_stratum_units(n_slots: int, rows_per_slot: np.ndarray) -> Units:
    """The units of a sample without a design: each group slot one unit of rows that are
    their own PSUs, in one stratum (R: ``svydesign(ids = ~1)``)."""
    rows = np.asarray(rows_per_slot, dtype=np.int64)
    return Units(
        of_row=np.zeros(0, dtype=np.intp),
        slot=np.arange(n_slots, dtype=np.intp),
        stratum=np.zeros(n_slots, dtype=np.intp),
        psu=None,
        rows=rows,
        n_slots=n_slots,
        psu_count=np.array([int(rows.sum())]),
        lonely_psu="fail",
    )


def _bin_sums(index: np.ndarray, values: np.ndarray, n_bins: int) -> np.ndarray:
    """Sums of the rows of ``values`` (U, K) by ``index`` (U,): (n_bins, K)."""
    out = np.zeros((n_bins, values.shape[1]))
    if index.size == 0:
        return out
    order = np.argsort(index, kind="stable")
    sorted_index = index[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_index[1:] != sorted_index[:-1]]))
    out[sorted_index[starts]] = np.add.reduceat(values[order], starts, axis=0)
    return out


def present_psus(units: Units, counts: np.ndarray) -> np.ndarray:
    """n_h of the design restricted to the rows counted in ``counts`` (U, K): per stratum and
    column, the PSUs holding at least one such row (the design R builds on long data)."""
    if units.psu is None:
        return _bin_sums(units.stratum, counts.astype(float), units.n_strata)
    psu_any = _bin_sums(units.psu, counts.astype(float), int(units.psu.max(initial=-1)) + 1) > 0
    psu_stratum = np.zeros(psu_any.shape[0], dtype=np.intp)
    psu_stratum[units.psu] = units.stratum
    return _bin_sums(psu_stratum, psu_any.astype(float), units.n_strata)


def domain_df(units: Units, counts: np.ndarray) -> np.ndarray:
    """Degrees of freedom (D, K): PSUs minus strata among the rows counted in ``counts``
    (U, K), per group and for the whole sample (R: ``degf(design[group, ])``)."""
    k = counts.shape[1]
    g = units.n_slots - 1
    present = (counts > 0).astype(float)
    # A unit is one PSU of one group, or (every row a PSU) one stratum's rows of one group.
    psus = _bin_sums(units.slot, present if units.psu is not None else counts, units.n_slots)
    strata = _bin_sums(
        units.slot * units.n_strata + units.stratum, present, units.n_slots * units.n_strata
    ).reshape(units.n_slots, units.n_strata, k)
    out = np.zeros((units.n_domains, k), dtype=np.int64)
    out[:g] = np.rint(psus[:g] - (strata[:g] > 0).sum(axis=1)).astype(np.int64)
    n_h = present_psus(units, counts)
    out[g] = np.rint(n_h.sum(axis=0) - (n_h > 0).sum(axis=0)).astype(np.int64)
    return out


@dataclass(frozen=True)
class DomainRatios:
    """Ratio estimates per group (rows 0 .. groups - 1) and for the whole sample (last row):
    estimate, linearised variance and the total of x (the denominator), each (D, K)."""

    estimate: np.ndarray
    variance: np.ndarray
    denominator: np.ndarray


def domain_ratios(
    units: Units,
    y: np.ndarray,
    x: np.ndarray,
    squares: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    psu_count: np.ndarray | None = None,
    counts: np.ndarray | None = None,
) -> DomainRatios:
    """theta = sum(w y)/sum(w x) per group and overall, with its linearised variance.

    Parameters
    ----------
    units
        The rows' units (``make_units``).
    y, x
        (U, K) per-unit sums of w y and w x, one column per statistic.
    squares
        (U, K) per-unit sums of w^2 y^2, w^2 x y and w^2 x^2: needed, and only used, when
        every row is its own PSU (``units.psu`` None).
    psu_count
        n_h (H,) or (H, K): the design's own by default; a restricted design's
        (``present_psus``) for statistics R computes on long data.
    counts
        (U, K) rows in use, for lonely.psu = "average" (which strata are present); default
        the units' rows.

    Notes
    -----
    The variance of domain d is sum_h s_h (sum_{PSU in h} T^2 - c_h (sum_{PSU in h} T)^2 / n_h)
    over the PSU totals T of the influence values z_i = w_i (y_i - theta_d x_i) / X_d of the
    domain's rows (zero elsewhere): s_h = n_h/(n_h - 1), c_h = 1, with R's lonely-PSU
    policies for n_h = 1 (``stratum_scales``); "average" multiplies by strata present /
    strata present with more than one PSU. Equal to ``SurveyDesign.variances`` of the same
    influence values (tested), and so to R's ``svyby(..., svymean)``.

    References
    ----------
    Wolter, K. M. (2007). Introduction to Variance Estimation, 2nd ed., ch. 6. Springer.
    Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R, sec. 2.3, appendix C.
    Wiley.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    k = y.shape[1]
    g = units.n_slots - 1
    d_n = units.n_domains
    n_h = np.broadcast_to(
        np.asarray(units.psu_count if psu_count is None else psu_count, dtype=float).reshape(
            units.n_strata, -1
        ),
        (units.n_strata, k),
    )
    y_slot = _bin_sums(units.slot, y, units.n_slots)
    x_slot = _bin_sums(units.slot, x, units.n_slots)
    y_dom = np.vstack([y_slot[:g], y_slot.sum(axis=0, keepdims=True)])
    x_dom = np.vstack([x_slot[:g], x_slot.sum(axis=0, keepdims=True)])
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(x_dom > 0, y_dom / x_dom, np.nan)
    variance = np.full((d_n, k), np.nan)
    scale, centred = stratum_scales(n_h, units.lonely_psu)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.where(centred & (n_h > 0), scale / n_h, 0.0)
    used = np.repeat(units.rows[:, None], k, axis=1) if counts is None else counts
    if g:  # each group's rows, about the group's own estimate
        keep = units.slot < g
        dom = np.minimum(units.slot, g - 1)
        t, q = _influence(y, x, theta[dom], x_dom[dom], squares)
        variance[:g] = _variance(units, t, q, keep, dom, g, False, scale, centre, used, n_h)
    everyone = np.zeros(units.n_units, dtype=np.intp)
    t, q = _influence(y, x, theta[g][None, :], x_dom[g][None, :], squares)
    keep = np.ones(units.n_units, dtype=bool)
    variance[g:] = _variance(units, t, q, keep, everyone, 1, True, scale, centre, used, n_h)
    variance = np.where(x_dom > 0, variance, np.nan)
    return DomainRatios(theta, variance, x_dom)


def _influence(
    y: np.ndarray,
    x: np.ndarray,
    theta: np.ndarray,
    total_x: np.ndarray,
    squares: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per unit: the total of the influence values (y - theta x)/X, and (rows their own PSUs)
    the sum of their squares."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (y - theta * x) / total_x
        q = None
        if squares is not None:
            yy, xy, xx = squares
            q = (yy - 2.0 * theta * xy + theta**2 * xx) / total_x**2
            q = np.where(np.isfinite(q), q, 0.0)
    return np.where(np.isfinite(t), t, 0.0), q


def _variance(
    units: Units,
    t: np.ndarray,
    q: np.ndarray | None,
    keep: np.ndarray,
    dom: np.ndarray,
    n_dom: int,
    whole: bool,
    scale: np.ndarray,
    centre: np.ndarray,
    used: np.ndarray,
    n_h: np.ndarray,
) -> np.ndarray:
    """(n_dom, K) variances from the units' influence totals, within each stratum; ``whole``
    for the whole sample, whose PSUs may have rows in several groups' units."""
    k = t.shape[1]
    bins = units.stratum[keep] * n_dom + dom[keep]
    if units.psu is None:  # rows are the PSUs: squares summed within the units
        if q is None:
            raise ValueError("squares are needed when every row is its own PSU")
        sq = _bin_sums(bins, q[keep], units.n_strata * n_dom)
        tot = _bin_sums(bins, t[keep], units.n_strata * n_dom)
    elif not whole:  # a unit is one PSU's rows within one group
        sq = _bin_sums(bins, t[keep] ** 2, units.n_strata * n_dom)
        tot = _bin_sums(bins, t[keep], units.n_strata * n_dom)
    else:  # the whole sample: a PSU's rows may lie in several groups' units
        n_psu = int(units.psu.max(initial=-1)) + 1
        psu_t = _bin_sums(units.psu, t, n_psu)
        psu_stratum = np.zeros(n_psu, dtype=np.intp)
        psu_stratum[units.psu] = units.stratum
        sq = _bin_sums(psu_stratum, psu_t**2, units.n_strata)
        tot = _bin_sums(psu_stratum, psu_t, units.n_strata)
    sq = sq.reshape(units.n_strata, n_dom, k)
    tot = tot.reshape(units.n_strata, n_dom, k)
    var = (scale[:, None, :] * sq - centre[:, None, :] * tot**2).sum(axis=0)
    return var * _average_factor(units, used, n_h, n_dom, dom, keep)


def _average_factor(
    units: Units,
    used: np.ndarray,
    n_h: np.ndarray,
    n_dom: int,
    dom: np.ndarray,
    keep: np.ndarray,
) -> np.ndarray | float:
    """lonely.psu = "average": strata present / strata present with more than one PSU, per
    domain and column (1 for every other policy, or without a lonely stratum)."""
    lonely = n_h == 1
    if units.lonely_psu != "average" or not lonely.any():
        return 1.0
    bins = units.stratum * n_dom + dom
    present = _bin_sums(bins[keep], used[keep].astype(float), units.n_strata * n_dom) > 0
    present = present.reshape(units.n_strata, n_dom, -1)
    n_strata = present.sum(axis=0)
    n_ok = (present & ~lonely[:, None, :]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_ok > 0, n_strata / np.maximum(n_ok, 1), np.nan)


@dataclass(frozen=True)
class UnitInfluence:
    """Influence values summed over units, for the covariance of estimates across groups.

    Row i of group g contributes z_i = e_g (x) a_i - b_i s over the G R cells (group-major,
    R values fastest): ``a`` (U, R) sums a_i over each unit, ``b`` (U,) sums b_i. When every
    row is its own PSU the within-unit products are needed too: ``aa`` (U, R, R) sums a_i a_i',
    ``ab`` (U, R) sums b_i a_i, ``bb`` (U,) sums b_i^2.
    """

    a: np.ndarray
    b: np.ndarray
    aa: np.ndarray | None = None
    ab: np.ndarray | None = None
    bb: np.ndarray | None = None


def cell_covariance(
    units: Units,
    influence: UnitInfluence,
    cells_of_slot: np.ndarray,
    n_groups: int,
    shift: np.ndarray,
    psu_count: np.ndarray | None = None,
    used: np.ndarray | None = None,
) -> np.ndarray:
    """Linearised covariance (G R, G R) of influence values that live in their group's block.

    ``cells_of_slot`` maps each unit slot to its group block 0 .. G - 1 (-1: the slot is not
    tested; its units must carry zero influence). The same as
    ``SurveyDesign.block_covariance`` on the rows (tested), from per-unit sums:
    sum_h s_h (S_h - c_h T_h T_h' / n_h), T_h the stratum's total and S_h the sum over its
    PSUs of T_psu T_psu'.

    References
    ----------
    Wolter (2007), ch. 6; Lumley (2010), appendix C.
    """
    r = influence.a.shape[1]
    cells = n_groups * r
    n_h = np.asarray(units.psu_count if psu_count is None else psu_count, dtype=float)
    scale, centred = stratum_scales(n_h, units.lonely_psu)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.where(centred & (n_h > 0), scale / n_h, 0.0)
    block = cells_of_slot[units.slot]
    live = block >= 0
    # per unit, its vector over the cells: e_g (x) a, less b s
    dense = np.zeros((units.n_units, cells))
    rows_live = np.flatnonzero(live)
    for j in range(r):
        dense[rows_live, block[live] * r + j] = influence.a[live, j]
    dense -= influence.b[:, None] * shift[None, :]
    strata_t = _bin_sums(units.stratum, dense, units.n_strata)  # (H, cells)
    cov = -(strata_t.T * centre) @ strata_t
    if units.psu is None:
        if influence.aa is None or influence.ab is None or influence.bb is None:
            raise ValueError("within-unit products are needed when every row is its own PSU")
        s_unit = scale[units.stratum]
        for u in rows_live:
            lo = block[u] * r
            cov[lo : lo + r, lo : lo + r] += s_unit[u] * influence.aa[u]
        ab = np.zeros((units.n_units, cells))
        for j in range(r):
            ab[rows_live, block[live] * r + j] = influence.ab[live, j]
        ab_total = (ab * s_unit[:, None]).sum(axis=0)
        cov -= np.outer(ab_total, shift) + np.outer(shift, ab_total)
        cov += float(s_unit @ influence.bb) * np.outer(shift, shift)
    else:
        n_psu = int(units.psu.max(initial=-1)) + 1
        psu_t = _bin_sums(units.psu, dense, n_psu)
        psu_stratum = np.zeros(n_psu, dtype=np.intp)
        psu_stratum[units.psu] = units.stratum
        cov += (psu_t.T * scale[psu_stratum]) @ psu_t
    cov = (cov + cov.T) / 2.0
    if units.lonely_psu == "average" and bool((n_h == 1).any()):
        use = units.rows if used is None else used
        present = _bin_sums(units.stratum, use[:, None].astype(float), units.n_strata)[:, 0] > 0
        n_ok = int((present & (n_h != 1)).sum())
        cov = cov * (present.sum() / n_ok if n_ok else np.nan)
    return cov


def _tested(tested: np.ndarray) -> np.ndarray:
    """Each slot's block among the tested groups (-1: not tested, and the no-group slot)."""
    out = np.full(tested.size + 1, -1, dtype=np.intp)
    out[np.flatnonzero(tested)] = np.arange(int(tested.sum()))
    return out


def rao_scott_from_units(
    units: Units,
    agree: np.ndarray,
    answers: np.ndarray,
    squares: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    responded: np.ndarray,
    n_table: float,
    labels: list[str],
    tested: np.ndarray,
) -> SurveyChisqTest:
    """Rao-Scott test of pooled construct agreement by group, from per-unit sums.

        ``agree`` and ``answers`` (U,) are sums of w A and w N over each unit's respondents (A
        agreeing of N valid answers), ``squares`` their sums of w^2 A^2, w^2 A N, w^2 N^2 (rows
        their own PSUs), ``responded`` the respondents with N > 0, ``n_table`` the valid answers
    (R's N: the rows of the long data; F does not depend on it). ``tested`` (G,) marks the groups
        compared. The design is that of the respondents with an answer (PSU counts recomputed, as
        R builds it on long data); rows of untested groups carry no influence but keep their PSUs.
        Equal to ``survey_tests.rao_scott_counts_test`` on the respondents' rows (tested).

        R: ``svychisq(~agree + group, svydesign(ids = ~respondent (or ~cluster), strata, weights,
        data = long), statistic = "F")``.

        References
        ----------
        Rao & Scott (1984); Lumley (2010), sec. 6.2.
    """
    block = _tested(tested)
    names = [labels[i] for i in np.flatnonzero(tested)]
    counts = responded[:, None].astype(float)
    n_h = present_psus(units, counts)[:, 0]
    # nu: the design's degrees of freedom without the groups left out for size (R subsets the
    # design to the tested groups); rows without a group stay, as R keeps NA labels.
    kept = (block[units.slot] >= 0) | (units.slot == units.n_slots - 1)
    kept_rows = np.where(kept, responded, 0).astype(float)[:, None]
    nu = int(domain_df(_whole(units), kept_rows)[-1, 0])
    if int((n_h > 0).sum()) == 0 or n_h.sum() < 2:
        note = Note(NoteCode.NO_DEGREES_OF_FREEDOM, "answers from fewer than two PSUs: no test")
        return SurveyChisqTest(None, None, None, None, None, [], notes=[note])
    live = block[units.slot] >= 0
    a_cells = np.column_stack([answers - agree, agree]) * live[:, None]
    n_groups = len(names)
    cell_tot = _bin_sums(block[units.slot][live], a_cells[live], max(n_groups, 1))
    total = float(cell_tot.sum())
    if n_groups < 2:
        note = Note(NoteCode.TOO_FEW_GROUPS, "fewer than two groups to compare")
        return SurveyChisqTest(None, None, None, None, None, names, notes=[note])
    if total <= 0 or np.count_nonzero(cell_tot.sum(axis=0) > 0) < 2:
        note = Note(NoteCode.AGREEMENT_CONSTANT, "every answer agrees, or none does")
        return SurveyChisqTest(None, None, None, None, None, names, notes=[note])
    p_cells = cell_tot / total
    if np.any(p_cells.sum(axis=1) <= 0):
        empty = tuple(names[i] for i in np.flatnonzero(p_cells.sum(axis=1) <= 0))
        note = Note(NoteCode.EMPTY_MARGIN, "a group has no answers: no test", groups=empty)
        return SurveyChisqTest(None, None, None, None, None, names, notes=[note])
    b = answers * live / total
    influence = UnitInfluence(a_cells / total, b)
    if units.psu is None:
        if squares is None:
            raise ValueError("squares are needed when every row is its own PSU")
        aa2, an2, nn2 = (np.asarray(v, dtype=float) * live for v in squares)
        other2 = nn2 - 2.0 * an2 + aa2  # (N - A)^2
        cross = an2 - aa2  # (N - A) A
        aa = np.stack([np.stack([other2, cross], -1), np.stack([cross, aa2], -1)], -2)
        ab = np.column_stack([nn2 - an2, an2])  # N (N - A), N A
        influence = UnitInfluence(a_cells / total, b, aa / total**2, ab / total**2, nn2 / total**2)
    used = np.where(live, responded, 0).astype(float)
    cov = cell_covariance(units, influence, block, n_groups, p_cells.reshape(-1), n_h, used)
    notes = _lonely_notes(units, n_h, responded)
    return rao_scott_statistic(p_cells, cov, n_table, nu, names, notes)


def _lonely_notes(units: Units, n_h: np.ndarray, used: np.ndarray) -> list[Note]:
    lonely = n_h == 1
    if units.lonely_psu == "fail" or not lonely.any():
        return []
    return [
        Note(
            NoteCode.LONELY_PSU,
            f"{int(lonely.sum())} stratum/strata with a single PSU handled as lonely.psu = "
            f'"{units.lonely_psu}"',
        )
    ]


def rank_test_from_units(
    units: Units,
    weight: np.ndarray,
    weighted_rank: np.ndarray,
    squares: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    scored: np.ndarray,
    labels: list[str],
    tested: np.ndarray,
) -> SurveyRankTest:
    """Design-based rank test of scores between groups, from per-unit sums of the rows with a
    score in the tested groups: ``weight`` sum w, ``weighted_rank`` sum w r (r the mid-rank,
    ``survey_tests.survey_rank_test``), ``squares`` sums of w^2, w^2 r, w^2 r^2 (rows their own
    PSUs), ``scored`` the rows counted. Equal to ``survey_rank_test`` on the rows (tested).

    R: ``svyranktest(score ~ group, design)``; see ``survey_rank_test`` for the mid-rank.

    References
    ----------
    Lumley & Scott (2013).
    """
    block = _tested(tested)
    names = [labels[i] for i in np.flatnonzero(tested)]
    live = block[units.slot] >= 0
    k = len(names)
    w_g = _bin_sums(block[units.slot][live], weight[live, None], max(k, 1))[:, 0]
    sizes_all = _bin_sums(block[units.slot][live], scored[live, None].astype(float), max(k, 1))
    group_sizes = [int(v) for v in sizes_all[:, 0]][:k]
    with np.errstate(divide="ignore", invalid="ignore"):
        means = _bin_sums(block[units.slot][live], weighted_rank[live, None], max(k, 1))[:, 0] / w_g
    used_counts = np.where(live, scored, 0).astype(float)
    degf = int(domain_df(_whole(units), used_counts[:, None])[-1, 0])
    if k < 2:
        return rank_test_statistic(means, np.zeros((k, k)), degf, names, group_sizes, [])
    gi = np.maximum(block[units.slot], 0)
    m, wg = means[gi], w_g[gi]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(live, (weighted_rank - m * weight) / wg, 0.0)
        influence = UnitInfluence(a[:, None], np.zeros(units.n_units))
        if units.psu is None:
            if squares is None:
                raise ValueError("squares are needed when every row is its own PSU")
            w2, w2r, w2r2 = squares
            aa = np.where(live, (w2r2 - 2.0 * m * w2r + m**2 * w2) / wg**2, 0.0)
            influence = UnitInfluence(
                a[:, None],
                np.zeros(units.n_units),
                aa[:, None, None],
                np.zeros((units.n_units, 1)),
                np.zeros(units.n_units),
            )
    cov = cell_covariance(units, influence, block, k, np.zeros(k), used=used_counts)
    notes = _lonely_notes(units, units.psu_count.astype(float), used_counts)
    return rank_test_statistic(means, cov, degf, names, group_sizes, notes)


def _whole(units: Units) -> Units:
    """The same units seen as one group (for the degrees of freedom of the rows tested)."""
    return Units(
        units.of_row,
        np.zeros_like(units.slot),
        units.stratum,
        units.psu,
        units.rows,
        1,
        units.psu_count,
        units.lonely_psu,
    )
