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

The pass also sums, per *unit* of rows, what pooled acceptance and a survey design need
(``ConstructSums``): each respondent's agreeing, neutral and valid answers to every construct
and their squares. Without a design the units are the groups; with one they are a group's
rows within one PSU (or one stratum when every row is its own PSU), visited unit by unit, and
the item codes' weights are summed too (``CodeSums``), so that every weighted estimate and
its standard error follow from these sums (``stats.design_sums``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    weights: np.ndarray | None = None  # (groups + 1, D) sums of weights (design runs)
    # Per score key (answered x span + total + shift): the index of its score in ``values``,
    # -1 for keys without a score.
    key_to_value: np.ndarray | None = None

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


# What ``ConstructSums`` holds for each unit and construct, by position on its last axis.
# A: the respondent's agreeing keyed answers, E: neutral ones, N: valid answers; scored: 1
# when the respondent has a score; score: the score (0 without one); agrees: 1 when the score
# lies in the agreement range (``Scale.agrees_on_average``); responded: 1 when N > 0.
FIRST = ("A", "E", "N", "scored", "score", "score_sq", "agrees", "responded")
SECOND = ("AA", "EE", "NN", "AE", "AN", "EN", "scored", "score", "score_sq", "agrees")
COUNTED = ("responded", "scored", "agrees")


@dataclass
class ConstructSums:
    """Per unit and construct: sums over the unit's rows of w x ``FIRST`` (``first``, U x C x
    8), of w^2 x ``SECOND`` (``second``, U x C x 10; None for a clustered design, whose
    variances need only the first sums) and unweighted counts of ``COUNTED`` (``counts``).
    Without a design w = 1 and the units are the group slots."""

    first: np.ndarray
    second: np.ndarray | None
    counts: np.ndarray

    def get(self, name: str) -> np.ndarray:
        """(U, C) first-order sums of one quantity."""
        return self.first[:, :, FIRST.index(name)]

    def get2(self, name: str) -> np.ndarray:
        """(U, C) second-order sums of one quantity (every row its own PSU)."""
        if self.second is None:
            raise ValueError("no second-order sums for a clustered design")
        return self.second[:, :, SECOND.index(name)]

    def count(self, name: str) -> np.ndarray:
        return self.counts[:, :, COUNTED.index(name)]


@dataclass
class CompleteSums:
    """Per group slot and construct, over the respondents who answered every item of the
    construct: their count ``n`` (slots x C), and the sums of each item's keyed answers and
    of their squares (slots x C x items; items outside the construct hold sums too, unused).
    Within-group agreement rwg(j) uses the complete respondents' item variances."""

    n: np.ndarray
    total: np.ndarray
    squares: np.ndarray


@dataclass
class CodeSums:
    """Per unit, item and answer code (code - the item's lowest point): the sum of the
    weights (``w1``), of their squares (``w2``; None for a clustered design) and the count
    (``counts``, one more slot at the end for missing answers). Design runs only."""

    w1: np.ndarray
    w2: np.ndarray | None
    counts: np.ndarray


@dataclass
class RowScores:
    """Each analysed row's construct score keys (answered x span + total + shift), in the
    rows' own order: the design-based rank tests rank rows by their scores."""

    keys: np.ndarray  # (rows, constructs) int32


@dataclass
class Tallies:
    histograms: list[ScoreHistogram | None]  # per construct; None when scales' points differ
    moments: ItemMoments
    # (groups + 1) x items x width counts of each answer code (code - the item's lowest point),
    # and (groups + 1) x items counts of missing answers; last row: rows without a group.
    code_counts: np.ndarray
    missing_counts: np.ndarray
    sums: ConstructSums | None = None  # per unit (the group slots without a design)
    complete: CompleteSums | None = None  # per group slot
    code_sums: CodeSums | None = None  # design runs
    rows: RowScores | None = None  # only when asked for (design runs with groups)
    score_keys: list[ScoreKey | None] = field(default_factory=list)  # how ``rows.keys`` read


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


def _rows_by_unit(units: np.ndarray, n_units: int) -> tuple[np.ndarray | None, np.ndarray]:
    """Rows in unit order (None when they already are) and where each unit's rows start."""
    counts = np.bincount(units, minlength=n_units)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    if units.size < 2 or bool(np.all(units[1:] >= units[:-1])):
        return None, bounds
    return np.argsort(units, kind="stable"), bounds


@dataclass
class _Sums:
    """Every count and sum of the pass, added up over the blocks."""

    cells: list[np.ndarray]  # per construct: (groups + 1) x (answered, total) keys
    weighted_cells: list[np.ndarray] | None  # the same, summing weights (design runs)
    mom: np.ndarray  # 4 x items x items: n, sxy, sx, sxx (pairs within components)
    code_counts: np.ndarray
    missing_counts: np.ndarray
    first: np.ndarray  # units x constructs x FIRST
    second: np.ndarray | None  # units x constructs x SECOND
    counts: np.ndarray  # units x constructs x COUNTED
    code_w1: np.ndarray | None  # units x items x (width + 1)
    code_w2: np.ndarray | None
    code_n: np.ndarray | None
    complete_n: np.ndarray  # slots x constructs
    complete_total: np.ndarray  # slots x constructs x items
    complete_squares: np.ndarray


@dataclass
class _Plan:
    """What the pass needs to know of the instrument, worked out once."""

    sizes: list[int]  # histogram keys per construct
    member: np.ndarray  # items x constructs 0/1 (ftype)
    x_weight: np.ndarray  # per construct: totals count (0: mixed scales, answers only)
    m_weight: np.ndarray  # per construct: answered x span
    shift_row: np.ndarray  # per construct, added to each key
    need: np.ndarray  # per construct: answers needed for a score (a huge number: no score)
    n_items: np.ndarray  # per construct: its items
    agree_range: np.ndarray  # 4 x items: keyed agreeing codes in [lo, hi]; the items' ends
    neutral_range: np.ndarray  # 4 x items: keyed neutral codes in [lo, hi]; the items' ends
    score_range: np.ndarray  # 2 x constructs: scores that agree on average lie in [lo, hi]
    ftype: type  # float32, or float64 when keys could pass 2^24
    components: list[tuple[Any, slice]]  # (index into items x items, columns)
    sign: np.ndarray
    offset: np.ndarray
    lows: np.ndarray  # per item: its scale's lowest point
    by_low: list[tuple[int, np.ndarray]]  # items by their scale's lowest point
    code_width: int
    n_slots: int
    k_items: int
    n_units: int = 0
    weighted: bool = False
    second: bool = True  # every row its own PSU (or no design): sums of squares needed
    keep_rows: bool = False

    def empty(self) -> _Sums:
        n_con = len(self.sizes)
        width = self.code_width + 1
        design = self.weighted
        return _Sums(
            [np.zeros((self.n_slots, size), dtype=np.int64) for size in self.sizes],
            [np.zeros((self.n_slots, size)) for size in self.sizes] if design else None,
            np.zeros((4, self.k_items, self.k_items)),
            np.zeros((self.n_slots, self.k_items, self.code_width), dtype=np.int64),
            np.zeros((self.n_slots, self.k_items), dtype=np.int64),
            np.zeros((self.n_units, n_con, len(FIRST))),
            np.zeros((self.n_units, n_con, len(SECOND))) if self.second else None,
            np.zeros((self.n_units, n_con, len(COUNTED)), dtype=np.int64),
            np.zeros((self.n_units, self.k_items, width)) if design else None,
            np.zeros((self.n_units, self.k_items, width)) if design and self.second else None,
            np.zeros((self.n_units, self.k_items, width), dtype=np.int64) if design else None,
            np.zeros((self.n_slots, n_con), dtype=np.int64),
            np.zeros((self.n_slots, n_con, self.k_items)),
            np.zeros((self.n_slots, n_con, self.k_items)),
        )


@dataclass
class _Block:
    """One block of rows, all of one group slot, in unit order."""

    slot: int
    start: int
    stop: int


def _code_counts(plan: _Plan, out: _Sums, gi: int, block: np.ndarray, present: np.ndarray):
    """Unweighted counts of each answer code and of missing answers, for one group slot."""
    out.missing_counts[gi] += block.shape[0] - present.sum(axis=0)
    hit: np.ndarray | None = None
    for lo, items in plan.by_low:
        part = block if len(plan.by_low) == 1 else block[:, items]
        if hit is None or hit.shape != part.shape:
            hit = np.empty(part.shape, dtype=bool)
        for v in range(plan.code_width):
            np.equal(part, lo + v, out=hit)
            counted = np.add.reduce(hit.view(np.uint8), axis=0, dtype=np.int32)
            out.code_counts[gi, items, v] += counted


def _code_sums(
    plan: _Plan,
    out: _Sums,
    block: np.ndarray,
    present: np.ndarray,
    seg: np.ndarray,
    seg_units: np.ndarray,
    w: np.ndarray,
) -> None:
    """Per unit, item and code: the count, and the sums of w and w^2 (design runs)."""
    k, width = plan.k_items, plan.code_width + 1
    idx = block.astype(np.int16) - plan.lows[None, :]
    np.copyto(idx, plan.code_width, where=~present)  # the missing slot
    local = np.repeat(np.arange(seg_units.size), np.diff(np.append(seg, block.shape[0])))
    key = (local[:, None] * k + np.arange(k)[None, :]) * width + idx
    n_bins = seg_units.size * k * width
    flat = key.ravel()
    shape = (seg_units.size, k, width)
    out.code_n[seg_units] += np.bincount(flat, minlength=n_bins).reshape(shape)
    wk = np.repeat(w, k)
    out.code_w1[seg_units] += np.bincount(flat, weights=wk, minlength=n_bins).reshape(shape)
    if out.code_w2 is not None:
        out.code_w2[seg_units] += np.bincount(flat, weights=wk * wk, minlength=n_bins).reshape(
            shape
        )


def _run_blocks(
    plan: _Plan,
    codes: np.ndarray,
    order: np.ndarray | None,
    blocks: list[_Block],
    units_sorted: np.ndarray | None,
    weights: np.ndarray | None,
    rows_out: RowScores | None,
) -> _Sums:
    """Counts and sums over blocks of rows in unit order (each block in one group slot)."""
    out = plan.empty()
    n_mom, sxy, sx, sxx = out.mom
    ft = plan.ftype
    for b in blocks:
        gi, start, stop = b.slot, b.start, b.stop
        rows = slice(start, stop) if order is None else order[start:stop]
        block = codes[rows]
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
        units = None if units_sorted is None else units_sorted[start:stop]
        if units is None or units[0] == units[-1]:
            seg = np.zeros(1, dtype=np.intp)
            seg_units = np.array([gi if units is None else units[0]], dtype=np.intp)
        else:
            seg = np.flatnonzero(np.concatenate([[True], units[1:] != units[:-1]]))
            seg_units = units[seg]
        w = None if weights is None else weights[rows]
        if plan.weighted:
            _code_sums(plan, out, block, present, seg, seg_units, w)
        else:
            _code_counts(plan, out, gi, block, present)
        answered = m.astype(ft, copy=False) @ plan.member
        total = x.astype(ft, copy=False) @ plan.member
        keys = answered * plan.m_weight + total * plan.x_weight
        key = keys.astype(np.int32)
        key += plan.shift_row[None, :]
        key_t = key.T.copy()  # constructs x rows
        for ci, size in enumerate(plan.sizes):
            out.cells[ci][gi] += np.bincount(key_t[ci], minlength=size)
            if out.weighted_cells is not None:
                out.weighted_cells[ci][gi] += np.bincount(key_t[ci], weights=w, minlength=size)
        complete = (answered == plan.n_items[None, :]).astype(ft)  # rows x constructs
        out.complete_n[gi] += np.rint(complete.sum(axis=0)).astype(np.int64)
        xf = x.astype(ft, copy=False)
        out.complete_total[gi] += complete.T @ xf
        out.complete_squares[gi] += complete.T @ (xf * xf)
        n_agree = (_in_range(x, present, plan.agree_range) @ plan.member).astype(np.float64)
        _construct_sums(plan, out, n_agree, x, present, answered, total, seg, seg_units, w)
        if rows_out is not None:
            rows_out.keys[rows] = key
    return out


def _in_range(x: np.ndarray, present: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Answered cells whose keyed code lies in [lo, hi] (per item), as float 0/1.

    Missing answers are 0 in ``x``; where no range holds 0 the answered mask is not needed,
    and a range reaching an item's top (or bottom) needs one comparison, not two.
    """
    lo, hi, tops, bottoms = bounds
    if not np.isfinite(lo).any():
        return np.zeros(x.shape, dtype=np.float32)
    if np.all(hi >= tops):
        hit = x >= lo
        zero_passes = bool(np.any(lo <= 0))
    elif np.all(lo <= bottoms):
        hit = x <= hi
        zero_passes = bool(np.any(hi >= 0))
    else:
        hit = (x >= lo) & (x <= hi)
        zero_passes = bool(np.any((lo <= 0) & (hi >= 0)))
    if zero_passes:  # a missing answer (0 in x) would pass: keep answered cells only
        hit &= present
    return hit.view(np.uint8).astype(np.float32)


def _segment_weights(
    r: int, seg: np.ndarray, n_seg: int, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(segments x rows) matrices that sum a block's rows into its units: by 1, by w and by
    w^2 (each row in its unit's row), so that a unit's sums are one matrix product."""
    ones = np.zeros((n_seg, r))
    which = np.repeat(np.arange(n_seg), np.diff(np.append(seg, r)))
    ones[which, np.arange(r)] = 1.0
    if w is None:
        return ones, ones, ones
    by_w = ones * w[None, :]
    return ones, by_w, by_w * w[None, :]


def _construct_sums(
    plan: _Plan,
    out: _Sums,
    n_agree: np.ndarray,
    x: np.ndarray,
    present: np.ndarray,
    answered: np.ndarray,
    total: np.ndarray,
    seg: np.ndarray,
    seg_units: np.ndarray,
    w: np.ndarray | None,
) -> None:
    """Each respondent's agreeing, neutral and valid answers, score and whether it agrees on
    average, summed over the block's units (weighted, squared, counted): one small matrix
    product per quantity, no (rows x constructs x quantities) array. Without a design only
    what the pooled acceptance needs is summed (scores come from the histograms)."""
    n_neutral = (_in_range(x, present, plan.neutral_range) @ plan.member).astype(np.float64)
    n_valid = answered.astype(np.float64)
    rp = (n_valid > 0).astype(np.float64)
    ones, by_w, by_w2 = _segment_weights(x.shape[0], seg, seg_units.size, w)
    pairs = (
        ("AA", n_agree * n_agree),
        ("EE", n_neutral * n_neutral),
        ("NN", n_valid * n_valid),
        ("AE", n_agree * n_neutral),
        ("AN", n_agree * n_valid),
        ("EN", n_neutral * n_valid),
    )
    firsts = [("A", n_agree), ("E", n_neutral), ("N", n_valid), ("responded", rp)]
    counted = [("responded", rp)]
    seconds = list(pairs)
    if plan.weighted:
        scored = n_valid >= plan.need
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(scored, total / np.maximum(n_valid, 1.0), 0.0)
        agrees = scored & (score >= plan.score_range[0]) & (score <= plan.score_range[1])
        sc, ag = scored.astype(np.float64), agrees.astype(np.float64)
        score_sq = score * score
        firsts += [("scored", sc), ("score", score), ("score_sq", score_sq), ("agrees", ag)]
        counted += [("scored", sc), ("agrees", ag)]
        seconds += [("scored", sc), ("score", score), ("score_sq", score_sq), ("agrees", ag)]
    for name, q in firsts:
        out.first[seg_units, :, FIRST.index(name)] += by_w @ q
    for name, q in counted:
        out.counts[seg_units, :, COUNTED.index(name)] += np.rint(ones @ q).astype(np.int64)
    if out.second is not None:
        for name, q in seconds:
            out.second[seg_units, :, SECOND.index(name)] += by_w2 @ q


def tally(
    coded: CodedData,
    instrument: Instrument,
    gidx: np.ndarray,
    n_groups: int,
    min_answered: float = 0.5,
    block_rows: int = BLOCK_ROWS,
    units: UnitAssignment | None = None,
    keep_rows: bool = False,
) -> Tallies:
    """Score histograms per construct and group, item moments and unit sums, in one pass.

    Rows are visited unit by unit (a stable sort of row numbers, gathered a block at a time),
    so every count of a block belongs to one group and needs no per-cell group key. A
    respondent's (answered, total) pair for each construct is one number, answered x span +
    total + shift, from one matrix product per block; its histogram is one bincount.
    (Two threads sharing the blocks were measured no faster: the many small numpy steps
    hold the GIL.) ``block_rows`` bounds the rows of a block (tests use small blocks).
    ``units`` is the survey design's units and weights (None: no design, the units are the
    group slots); ``keep_rows`` keeps each row's score key (``Tallies.rows``).
    """
    k_items = len(instrument.items)
    n_rows = coded.codes.shape[0]
    keys, plan = _plan(instrument, n_groups, min_answered)
    g_all = (
        np.where(gidx < 0, n_groups, gidx).astype(np.intp)
        if n_groups
        else np.zeros(n_rows, dtype=np.intp)
    )
    if units is None:
        of_row, unit_slot, weights = g_all, np.arange(plan.n_slots), None
        plan.n_units = plan.n_slots
    else:
        of_row, unit_slot, weights = units.of_row, units.slot, units.weights
        plan.n_units = int(unit_slot.size)
        plan.weighted = True
        plan.second = units.rows_are_psus
    order, bounds = _rows_by_unit(of_row, plan.n_units)
    rows_cap = _rows_cap(instrument, block_rows)
    slot_bounds = np.searchsorted(unit_slot, np.arange(plan.n_slots + 1), side="left")
    blocks = []
    for gi in range(plan.n_slots):
        lo, hi = int(bounds[slot_bounds[gi]]), int(bounds[slot_bounds[gi + 1]])
        blocks += [_Block(gi, s, min(s + rows_cap, hi)) for s in range(lo, hi, rows_cap)]
    units_sorted = None
    if units is not None:
        units_sorted = of_row if order is None else of_row[order]
    rows_out = None
    if keep_rows:
        n_con = len(instrument.constructs)
        rows_out = RowScores(np.zeros((n_rows, n_con), dtype=np.int32))
    sums = _run_blocks(plan, coded.codes, order, blocks, units_sorted, weights, rows_out)
    if units is not None:  # unweighted counts per group slot from the units'
        per_slot = np.zeros((plan.n_slots, k_items, plan.code_width + 1), dtype=np.int64)
        np.add.at(per_slot, unit_slot, sums.code_n)
        sums.code_counts = per_slot[:, :, : plan.code_width].copy()
        sums.missing_counts = per_slot[:, :, plan.code_width].copy()
    # Pairs of items in different components are never summed: NaN marks them unused.
    unused = np.ones((k_items, k_items), dtype=bool)
    for ix, _ in plan.components:
        unused[ix] = False
    sums.mom[:, unused] = np.nan
    histograms = [
        None
        if key is None
        else _histogram(
            sums.cells[ci],
            key,
            plan.n_slots,
            None if sums.weighted_cells is None else sums.weighted_cells[ci],
        )
        for ci, key in enumerate(keys)
    ]
    n_mom, sxy, sx, sxx = sums.mom
    return Tallies(
        histograms,
        ItemMoments(n_mom, sxy, sx, sxx),
        code_counts=sums.code_counts,
        missing_counts=sums.missing_counts,
        sums=ConstructSums(sums.first, sums.second, sums.counts),
        code_sums=None
        if sums.code_w1 is None or sums.code_n is None
        else CodeSums(sums.code_w1, sums.code_w2, sums.code_n),
        complete=CompleteSums(sums.complete_n, sums.complete_total, sums.complete_squares),
        rows=rows_out,
        score_keys=keys,
    )


@dataclass(frozen=True)
class UnitAssignment:
    """A survey design's units for the pass: each row's unit (units ordered by group slot),
    each unit's slot, the rows' weights, and whether every row is its own PSU."""

    of_row: np.ndarray
    slot: np.ndarray
    weights: np.ndarray
    rows_are_psus: bool


@dataclass(frozen=True)
class ScoreKey:
    """How one construct's (answered, total) pairs are numbered: answered x span + total + shift."""

    k: int  # items
    need: int  # answers needed for a score
    shift: int  # added to totals so the lowest possible one is 0
    span: int  # possible totals

    def decode(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(answered, total) of keys."""
        answered, rest = np.divmod(key, self.span)
        return answered, rest - self.shift


NO_SCORE = 1 << 30  # "answers needed" of a construct without a score


def _keyed_range(codes: tuple[int, ...], points: tuple[int, ...]) -> tuple[float, float]:
    """[lo, hi] holding exactly ``codes`` among ``points`` (an empty range for none)."""
    if not codes:
        return (np.inf, -np.inf)
    lo, hi = min(codes), max(codes)
    if {p for p in points if lo <= p <= hi} != set(codes):
        raise ValueError("agreement and neutral codes must be a run of the scale's points")
    return (float(lo), float(hi))


def _score_range(instrument: Instrument, con: Any) -> tuple[float, float]:
    """Scores that agree on average: at least the lowest agreement code (agreement the top of
    the scale), at most the highest (the bottom); none without a shared scale at one end."""
    scale = instrument.shared_scale(con)
    if scale is None or scale.agree_side is None:
        return (np.inf, -np.inf)
    if scale.agree_side == "high":
        return (float(min(scale.agree)), np.inf)
    return (-np.inf, float(max(scale.agree)))


def _plan(
    instrument: Instrument, n_groups: int, min_answered: float
) -> tuple[list[ScoreKey | None], _Plan]:
    """The numbering of each construct's keys (None: no score), and the pass's plan."""
    w = construct_membership(instrument)
    n_con = len(instrument.constructs)
    keys: list[ScoreKey | None] = []
    x_weight = np.ones(n_con)  # per construct: totals count (0: mixed scales, answers only)
    m_weight = np.ones(n_con)  # answered x span
    shifts = np.zeros(n_con)
    need = np.full(n_con, float(NO_SCORE))
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
        keys.append(ScoreKey(k, required_answers(k, min_answered), shift, span))
        m_weight[ci], shifts[ci] = span, shift
        need[ci] = required_answers(k, min_answered)
    sizes = [
        len(con.items) + 1 if key is None else (key.k + 1) * key.span
        for con, key in zip(instrument.constructs, keys, strict=True)
    ]
    # float32 sums are exact below 2^24; beyond that (huge constructs) float64.
    ftype = np.float64 if max(sizes, default=0) >= 1 << 24 else np.float32
    lows = np.array([it.scale.low for it in instrument.items], dtype=np.int64)
    sign, offset = (v.astype(np.float32) for v in _keying(instrument))
    agree = [_keyed_range(it.scale.agree, it.scale.points) for it in instrument.items]
    ends = np.array(
        [[it.scale.high for it in instrument.items], [it.scale.low for it in instrument.items]],
        dtype=np.float32,
    )
    neutral = [_keyed_range(it.scale.neutral, it.scale.points) for it in instrument.items]
    plan = _Plan(
        sizes=sizes,
        member=w.astype(ftype),
        x_weight=x_weight.astype(ftype),
        m_weight=m_weight.astype(ftype),
        shift_row=shifts.astype(np.int32),
        need=need,
        n_items=np.array([len(c.items) for c in instrument.constructs], dtype=np.float32),
        agree_range=np.vstack([np.array(agree, dtype=np.float32).T, ends]),
        neutral_range=np.vstack([np.array(neutral, dtype=np.float32).T, ends]),
        score_range=np.array(
            [_score_range(instrument, con) for con in instrument.constructs], dtype=np.float64
        ).T.reshape(2, n_con),
        ftype=ftype,
        components=[((cols, cols), cols) for cols in map(_columns, item_components(instrument))],
        sign=sign,
        offset=offset,
        lows=lows.astype(np.int16),
        by_low=[(lo, np.flatnonzero(lows == lo)) for lo in np.unique(lows).tolist()],
        code_width=max(it.scale.high - it.scale.low + 1 for it in instrument.items),
        n_slots=n_groups + 1,
        k_items=len(instrument.items),
    )
    return keys, plan


def _histogram(
    cells: np.ndarray, key: ScoreKey, n_slots: int, weighted: np.ndarray | None = None
) -> ScoreHistogram:
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
    weights = None
    if weighted is not None:
        wflat = weighted.reshape(n_slots, -1)[:, used]
        weights = np.zeros((n_slots, values.size))
        np.add.at(weights.T, inverse.ravel(), wflat.T)
    key_to_value = np.full(cells.shape[1], -1, dtype=np.int32)
    key_to_value[used] = inverse.ravel()
    return ScoreHistogram(values, counts, answered_any, weights, key_to_value)
