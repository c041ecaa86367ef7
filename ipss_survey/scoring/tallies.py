"""One pass over the answers: the sums every later statistic is computed from.

A national survey has a million respondents but few distinct construct scores (a mean of k
answers takes at most a few hundred values), so each construct is summarised by a histogram
of its scores per group, and the items by their pairwise sums. Means, SDs, medians, rank tests,
agreement tables and pairwise-complete covariances all follow exactly from these, without a
float matrix of respondents x constructs and without sorting respondents by score.

Rows are visited group by group in blocks, keyed (reverse-keyed items recoded as min + max -
value) with missing answers as zeros; pairwise sums are matrix products within each set of
items that share constructs, and every construct's (answered, total) key is one product per
block. All sums are of small integers, so they are exact in float32 blocks and float64 totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ipss_survey.coding import MISSING, CodedData
from ipss_survey.instrument import Instrument
from ipss_survey.stats.covariance import cov_cor_from_sums

BLOCK_ROWS = 4_096  # rows a block: its float copies stay in the CPU's cache


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
    Pairs of items that share no construct, directly or through others, are not summed (NaN).
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
        return cov_cor_from_sums(self.n[ix], self.sxy[ix], self.sx[ix], self.sxx[ix])


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


def _rows_cap(instrument: Instrument, block_rows: int = BLOCK_ROWS) -> int:
    """Rows per block so that a block's float32 sums of products stay exact (below 2^24)."""
    top = max((max(abs(p) for p in it.scale.points) for it in instrument.items), default=1)
    return max(1, min(block_rows, (1 << 24) // max(1, 2 * top * top)))


def construct_membership(instrument: Instrument) -> np.ndarray:
    """Items x constructs 0/1 matrix."""
    pos = {it.code: j for j, it in enumerate(instrument.items)}
    w = np.zeros((len(instrument.items), len(instrument.constructs)))
    for ci, con in enumerate(instrument.constructs):
        for code in con.items:
            w[pos[code], ci] = 1.0
    return w


def item_components(instrument: Instrument) -> list[np.ndarray]:
    """Items linked by sharing a construct, as sorted position arrays (union-find).

    Only pairs of items within one component are ever used (a construct's covariance), so the
    moment sums are taken per component: for DTCAF's six dimensions that is a fifth of the
    products of all 94 x 94 pairs.
    """
    pos = {it.code: j for j, it in enumerate(instrument.items)}
    parent = list(range(len(instrument.items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for con in instrument.constructs:
        members = [pos[c] for c in con.items]
        for j in members[1:]:
            parent[root(j)] = root(members[0])
    found: dict[int, list[int]] = {}
    for j in range(len(parent)):
        found.setdefault(root(j), []).append(j)
    return [np.array(v, dtype=np.intp) for v in sorted(found.values())]


def _columns(idx: np.ndarray) -> slice:
    """A component's columns as a slice, so its blocks are views (no copy): a component is one
    dimension, and the loader lists a dimension's items together."""
    if not (idx.size and idx[-1] - idx[0] + 1 == idx.size):
        raise ValueError("the items of a dimension must be consecutive")
    return slice(int(idx[0]), int(idx[-1]) + 1)


def _rows_by_group(g_all: np.ndarray, n_slots: int) -> tuple[np.ndarray | None, np.ndarray]:
    """Rows in group order (None when they already are) and where each group's rows start."""
    counts = np.bincount(g_all, minlength=n_slots)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    if g_all.size < 2 or bool(np.all(g_all[1:] >= g_all[:-1])):
        return None, bounds
    return np.argsort(g_all, kind="stable"), bounds


@dataclass
class _Sums:
    """Every count and sum of the pass, added up over the blocks."""

    cells: list[np.ndarray]  # per construct: (groups + 1) x (answered, total) keys
    mom: np.ndarray  # 4 x items x items: n, sxy, sx, sxx (pairs within components)
    code_counts: np.ndarray
    missing_counts: np.ndarray


@dataclass
class _Plan:
    """What the pass needs to know of the instrument, worked out once."""

    sizes: list[int]  # histogram keys per construct
    w_cells: np.ndarray  # (2 x items) x constructs: total weights over answered x span weights
    shift_row: np.ndarray  # per construct, added to each key
    ftype: type  # float32, or float64 when keys could pass 2^24
    components: list[tuple[Any, slice]]  # (index into items x items, columns)
    sign: np.ndarray
    offset: np.ndarray
    by_low: list[tuple[int, np.ndarray]]  # items by their scale's lowest point
    code_width: int
    n_slots: int
    k_items: int

    def empty(self) -> _Sums:
        return _Sums(
            [np.zeros((self.n_slots, size), dtype=np.int64) for size in self.sizes],
            np.zeros((4, self.k_items, self.k_items)),
            np.zeros((self.n_slots, self.k_items, self.code_width), dtype=np.int64),
            np.zeros((self.n_slots, self.k_items), dtype=np.int64),
        )


def _run_blocks(
    plan: _Plan, codes: np.ndarray, order: np.ndarray | None, tasks: list[tuple[int, int, int]]
) -> _Sums:
    """Counts and sums over blocks (group, first row, end row) of rows in group order."""
    out = plan.empty()
    n_mom, sxy, sx, sxx = out.mom
    k_items = plan.k_items
    hit: np.ndarray | None = None
    for gi, start, stop in tasks:
        block = codes[start:stop] if order is None else codes[order[start:stop]]
        r = block.shape[0]
        present = block != MISSING
        m = present.astype(np.float32)
        x = block.astype(np.float32)
        x *= plan.sign
        x += plan.offset
        x *= m  # missing answers count as 0
        for ix, cols in plan.components:
            xc, mc = x[:, cols], m[:, cols]
            sxy[ix] += xc.T @ xc
            sx[ix] += xc.T @ mc
            n_mom[ix] += mc.T @ mc
            sxx[ix] += np.square(xc).T @ mc
        out.missing_counts[gi] += r - present.sum(axis=0)
        for lo, items in plan.by_low:
            part = block if len(plan.by_low) == 1 else block[:, items]
            if hit is None or hit.shape != part.shape:
                hit = np.empty(part.shape, dtype=bool)
            for v in range(plan.code_width):
                np.equal(part, lo + v, out=hit)
                out.code_counts[gi, items, v] += np.add.reduce(
                    hit.view(np.uint8), axis=0, dtype=np.int32
                )
        keys = x.astype(plan.ftype, copy=False) @ plan.w_cells[:k_items]
        keys += m.astype(plan.ftype, copy=False) @ plan.w_cells[k_items:]
        key = keys.astype(np.int32).T.copy()  # constructs x rows: answered x span + total
        key += plan.shift_row[:, None]
        for ci, size in enumerate(plan.sizes):
            out.cells[ci][gi] += np.bincount(key[ci], minlength=size)
    return out


def tally(
    coded: CodedData,
    instrument: Instrument,
    gidx: np.ndarray,
    n_groups: int,
    min_answered: float = 0.5,
    block_rows: int = BLOCK_ROWS,
) -> Tallies:
    """Score histograms per construct and group, and item moments, in one pass.

    Rows are visited group by group (a stable sort of row numbers, gathered a block at a
    time), so every count of a block belongs to one group and needs no per-cell group key.
    A respondent's (answered, total) pair for each construct is one number, answered x span
    + total + shift, from one matrix product per block; its histogram is one bincount.
    (Two threads sharing the blocks were measured no faster: the many small numpy steps
    hold the GIL.) ``block_rows`` bounds the rows of a block (tests use small blocks).
    """
    k_items = len(instrument.items)
    n_rows = coded.codes.shape[0]
    keys, plan = _plan(instrument, n_groups, min_answered)
    g_all = (
        np.where(gidx < 0, n_groups, gidx).astype(np.intp)
        if n_groups
        else np.zeros(n_rows, dtype=np.intp)
    )
    order, bounds = _rows_by_group(g_all, plan.n_slots)
    rows_cap = _rows_cap(instrument, block_rows)
    tasks = [
        (gi, start, min(start + rows_cap, int(bounds[gi + 1])))
        for gi in range(plan.n_slots)
        for start in range(int(bounds[gi]), int(bounds[gi + 1]), rows_cap)
    ]
    sums = _run_blocks(plan, coded.codes, order, tasks)
    # Pairs of items in different components are never summed: NaN marks them unused.
    unused = np.ones((k_items, k_items), dtype=bool)
    for ix, _ in plan.components:
        unused[ix] = False
    sums.mom[:, unused] = np.nan
    histograms = [
        None if key is None else _histogram(sums.cells[ci], key, plan.n_slots)
        for ci, key in enumerate(keys)
    ]
    n_mom, sxy, sx, sxx = sums.mom
    return Tallies(
        histograms,
        ItemMoments(n_mom, sxy, sx, sxx),
        code_counts=sums.code_counts,
        missing_counts=sums.missing_counts,
    )


@dataclass(frozen=True)
class _ScoreKey:
    """How one construct's (answered, total) pairs are numbered: answered x span + total + shift."""

    k: int  # items
    need: int  # answers needed for a score
    shift: int  # added to totals so the lowest possible one is 0
    span: int  # possible totals


def _plan(
    instrument: Instrument, n_groups: int, min_answered: float
) -> tuple[list[_ScoreKey | None], _Plan]:
    """The numbering of each construct's keys (None: no score), and the pass's plan."""
    w = construct_membership(instrument)
    n_con = len(instrument.constructs)
    keys: list[_ScoreKey | None] = []
    x_weight = np.ones(n_con)  # per construct: totals count (0: mixed scales, answers only)
    m_weight = np.ones(n_con)  # answered x span
    shifts = np.zeros(n_con)
    for ci, con in enumerate(instrument.constructs):
        points = instrument.shared_points(con)
        k = len(con.items)
        if points is None:  # items on different points: no construct score
            keys.append(None)
            x_weight[ci] = 0.0
            continue
        low, high = min(points), max(points)
        shift = max(0, -k * low)
        span = k * max(high, 0) + shift + 1  # possible totals: -shift .. k * high
        keys.append(_ScoreKey(k, required_answers(k, min_answered), shift, span))
        m_weight[ci], shifts[ci] = span, shift
    sizes = [
        len(con.items) + 1 if key is None else (key.k + 1) * key.span
        for con, key in zip(instrument.constructs, keys, strict=True)
    ]
    # float32 sums are exact below 2^24; beyond that (huge constructs) float64.
    ftype = np.float64 if max(sizes, default=0) >= 1 << 24 else np.float32
    lows = np.array([it.scale.low for it in instrument.items], dtype=np.int64)
    sign, offset = (v.astype(np.float32) for v in _keying(instrument))
    plan = _Plan(
        sizes=sizes,
        w_cells=np.concatenate([w * x_weight, w * m_weight]).astype(ftype),
        shift_row=shifts.astype(np.int32),
        ftype=ftype,
        components=[((cols, cols), cols) for cols in map(_columns, item_components(instrument))],
        sign=sign,
        offset=offset,
        by_low=[(lo, np.flatnonzero(lows == lo)) for lo in np.unique(lows).tolist()],
        code_width=max(it.scale.high - it.scale.low + 1 for it in instrument.items),
        n_slots=n_groups + 1,
        k_items=len(instrument.items),
    )
    return keys, plan


def _histogram(cells: np.ndarray, key: _ScoreKey, n_slots: int) -> ScoreHistogram:
    """One construct's scores per group from its (answered, total) counts."""
    grid = cells.reshape(n_slots, key.k + 1, key.span)
    answered_any = int(grid[:, 1:, :].sum())
    grid[:, : key.need, :] = 0  # too few answers for a score
    used = np.flatnonzero(grid.sum(axis=0).ravel())
    a_used, t_used = np.divmod(used, key.span)
    # Same division as a respondent's score (total / answered), so equal scores merge.
    value = (t_used - key.shift) / a_used
    values, inverse = np.unique(value, return_inverse=True)
    flat = grid.reshape(n_slots, -1)[:, used]
    counts = np.zeros((n_slots, values.size), dtype=np.int64)
    np.add.at(counts.T, inverse.ravel(), flat.T)
    return ScoreHistogram(values, counts, answered_any)
