"""One pass over the answers: the sums every later statistic is computed from.

A national survey has a million respondents but few distinct construct scores (a mean of k
answers takes at most a few hundred values), so each construct is summarised by a histogram
of its scores per group, and the items by their pairwise sums. Means, SDs, medians, rank tests,
agreement tables and pairwise-complete covariances all follow exactly from these, without a
float matrix of respondents x constructs and without sorting respondents.

Rows are visited in blocks, keyed (reverse-keyed items recoded as min + max - value) with
missing answers as zeros; construct totals and answer counts are one matrix product per block.
All sums are of small integers, so they are exact in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ipss_survey.coding import MISSING, CodedData
from ipss_survey.instrument import Instrument

BLOCK_ROWS = 65_536


@dataclass
class ScoreHistogram:
    """Respondents' scores of one construct: distinct values and their counts per group.

    ``counts`` has one row per group in ``Scored.group_labels`` order plus a last row for rows
    without a group (the only row when there is no grouping). ``answered_any`` counts rows
    that answered at least one of the construct's items (scored or not).
    """

    values: np.ndarray  # (D,) sorted distinct scores
    counts: np.ndarray  # (groups + 1, D) int64
    answered_any: int

    def total(self) -> np.ndarray:
        return self.counts.sum(axis=0)

    def expand(self, row: int | None = None) -> np.ndarray:
        """The scores themselves, sorted (for small samples and tests)."""
        c = self.total() if row is None else self.counts[row]
        return np.repeat(self.values, c)


@dataclass
class ItemMoments:
    """Pairwise sums over rows where both items are answered (keyed answers), items x items.

    n[i, j] rows; sxy[i, j] = sum x_i x_j; sx[i, j] = sum x_i; sxx[i, j] = sum x_i^2.
    """

    n: np.ndarray
    sxy: np.ndarray
    sx: np.ndarray
    sxx: np.ndarray

    def cov_cor(self, idx: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Pairwise-complete covariance and correlation of the items ``idx``.

        As R's cov(x, use = "pairwise") and cor(x, use = "pairwise"): each pair uses the rows
        where both are answered, with that subset's own means (and, for cor, SDs).
        """
        ix = np.ix_(idx, idx)
        n, sxy, sx, sxx = self.n[ix], self.sxy[ix], self.sx[ix], self.sxx[ix]
        with np.errstate(invalid="ignore", divide="ignore"):
            denom = np.where(n > 1, n - 1.0, np.nan)
            cov = (sxy - sx * sx.T / n) / denom
            var_i = (sxx - sx * sx / n) / denom
            cor = cov / np.sqrt(var_i * var_i.T)
        np.fill_diagonal(cor, np.where(np.isfinite(np.diag(cov)), 1.0, np.nan))
        return cov, cor


@dataclass
class Tallies:
    histograms: list[ScoreHistogram | None]  # per construct; None when scales' points differ
    moments: ItemMoments
    # (groups + 1) x items x width counts of each answer code (code - the item's lowest point),
    # and (groups + 1) x items counts of missing answers; last row: rows without a group.
    code_counts: np.ndarray
    missing_counts: np.ndarray


def required_answers(k: int, min_answered: float) -> int:
    """Items a respondent must answer to get a score: ceil(k x fraction), at least one."""
    return max(1, int(np.ceil(k * min_answered - 1e-9)))


def _keying(instrument: Instrument) -> tuple[np.ndarray, np.ndarray]:
    """Per item: 1 or -1 (reverse), and the offset (0 or min + max), so keyed = sign*x + off."""
    sign = np.array([-1.0 if it.reverse else 1.0 for it in instrument.items])
    offset = np.array(
        [float(it.scale.low + it.scale.high) if it.reverse else 0.0 for it in instrument.items]
    )
    return sign, offset


def keyed_blocks(coded: CodedData, instrument: Instrument, block_rows: int = BLOCK_ROWS):
    """Yield (rows, raw codes, keyed answers with 0 for missing, answered mask) per block.

    float32 is exact here: codes lie within -100..100 and a block's sums of products stay
    below 2^24 (65,536 rows x 100^2 would not, so blocks of such scales are smaller).
    """
    sign, offset = _keying(instrument)
    sign, offset = sign.astype(np.float32), offset.astype(np.float32)
    top = max((max(abs(p) for p in it.scale.points) for it in instrument.items), default=1)
    rows_cap = max(1, min(block_rows, (1 << 24) // max(1, 2 * top * top)))
    n = coded.codes.shape[0]
    for start in range(0, n, rows_cap):
        block = coded.codes[start : start + rows_cap]
        present = block != MISSING
        x = block.astype(np.float32) * sign + offset
        x[~present] = 0.0
        yield slice(start, start + block.shape[0]), block, x, present.astype(np.float32)


def construct_membership(instrument: Instrument) -> np.ndarray:
    """Items x constructs 0/1 matrix."""
    pos = {it.code: j for j, it in enumerate(instrument.items)}
    w = np.zeros((len(instrument.items), len(instrument.constructs)))
    for ci, con in enumerate(instrument.constructs):
        for code in con.items:
            w[pos[code], ci] = 1.0
    return w


def tally(
    coded: CodedData,
    instrument: Instrument,
    gidx: np.ndarray,
    n_groups: int,
    min_answered: float = 0.5,
) -> Tallies:
    """Score histograms per construct and group, and item moments, in one pass."""
    k_items = len(instrument.items)
    w = construct_membership(instrument)
    plans = []
    for con in instrument.constructs:
        scales = {instrument.item(c).scale.points for c in con.items}
        if len(scales) > 1:
            plans.append(None)
            continue
        points = next(iter(scales))
        k = len(con.items)
        low, high = min(points), max(points)
        shift = max(0, -k * low)
        span = k * max(high, 0) + shift + 1  # possible totals: -shift .. k * high
        plans.append((k, required_answers(k, min_answered), shift, span))
    cells: list[np.ndarray | None] = [
        None if p is None else np.zeros((n_groups + 1) * (p[0] + 1) * p[3], dtype=np.int64)
        for p in plans
    ]
    any_answer = np.zeros(len(plans), dtype=np.int64)
    mom_n = np.zeros((k_items, k_items))
    sxy = np.zeros_like(mom_n)
    sx = np.zeros_like(mom_n)
    sxx = np.zeros_like(mom_n)
    g_all = (
        np.where(gidx < 0, n_groups, gidx).astype(np.int32)
        if n_groups
        else np.zeros(coded.codes.shape[0], dtype=np.int32)
    )
    lows = np.array([it.scale.low for it in instrument.items], dtype=np.int32)
    # One slot per answer code plus a last one for "missing": a single bincount per block.
    code_width = max(it.scale.high - it.scale.low + 1 for it in instrument.items)
    slots = code_width + 1
    code_cells = np.zeros((n_groups + 1) * k_items * slots, dtype=np.int64)
    item_base = np.arange(k_items, dtype=np.int32) * slots
    w32 = w.astype(np.float32)
    for rows, block, x, m in keyed_blocks(coded, instrument):
        xm = np.concatenate([x, m], axis=1)
        both = (xm.T @ xm).astype(np.float64)  # [x'x x'm; m'x m'm] in one product
        sxy += both[:k_items, :k_items]
        sx += both[:k_items, k_items:]
        mom_n += both[k_items:, k_items:]
        sxx += ((x * x).T @ m).astype(np.float64)
        totals = np.rint(x @ w32).astype(np.int32).T.copy()  # constructs x rows
        answered = np.rint(m @ w32).astype(np.int32).T.copy()
        g = g_all[rows]
        rel = np.where(block != MISSING, block.astype(np.int32) - lows, code_width)
        cell = (g * (k_items * slots))[:, None] + item_base + rel
        code_cells += np.bincount(cell.ravel(), minlength=code_cells.size)
        for ci, plan in enumerate(plans):
            a = answered[ci]
            any_answer[ci] += int(np.count_nonzero(a))
            if plan is None:
                continue
            k, need, shift, span = plan
            ok = a >= need
            cell = (g[ok] * (k + 1) + a[ok]) * span + totals[ci, ok] + shift
            cells[ci] += np.bincount(cell, minlength=cells[ci].size)
    histograms: list[ScoreHistogram | None] = []
    for ci, plan in enumerate(plans):
        if plan is None:
            histograms.append(None)
            continue
        k, _, shift, span = plan
        grid = cells[ci].reshape(n_groups + 1, k + 1, span)
        used = np.flatnonzero(grid.sum(axis=0).ravel())
        a_used, t_used = np.divmod(used, span)
        # Same division as a respondent's score (total / answered), so equal scores merge.
        value = (t_used - shift) / a_used
        values, inverse = np.unique(value, return_inverse=True)
        flat = grid.reshape(n_groups + 1, -1)[:, used]
        counts = np.zeros((n_groups + 1, values.size), dtype=np.int64)
        np.add.at(counts.T, inverse.ravel(), flat.T)
        histograms.append(ScoreHistogram(values, counts, int(any_answer[ci])))
    return Tallies(
        histograms,
        ItemMoments(mom_n, sxy, sx, sxx),
        code_counts=code_cells.reshape(n_groups + 1, k_items, slots)[:, :, :code_width],
        missing_counts=code_cells.reshape(n_groups + 1, k_items, slots)[:, :, code_width],
    )
