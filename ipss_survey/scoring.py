"""Scoring: item statistics, respondents' construct scores and acceptance, overall and by group.

Definitions are those of ``contracts/results-v1.md``. Item statistics come from code counts
(exact for integer codes, and one pass over the data per item whatever the number of groups);
construct scores are means of answered items after reverse keying, under the half-answered rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ipss_survey.coding import CodedData
from ipss_survey.instrument import Construct, Instrument, Item
from ipss_survey.results import ConstructStats, GroupStats, ItemStats
from ipss_survey.tallies import ScoreHistogram, Tallies, keyed_blocks, required_answers, tally


@dataclass
class Scored:
    """Everything scoring computed, plus the arrays the statistics step works from."""

    items: list[ItemStats]
    constructs: list[ConstructStats]
    groups: list[GroupStats]
    tallies: Tallies  # score histograms per construct and group; item moments
    group_labels: list[str]
    group_index: np.ndarray  # per row: index into group_labels, -1 for no group
    warnings: list[dict[str, Any]] = field(default_factory=list)


def sort_groups(labels: set[str]) -> list[str]:
    """Numeric order when every label is a number, text order otherwise (as the contract)."""

    def number(s: str) -> float | None:
        try:
            v = float(s)
        except ValueError:
            return None
        return v if math.isfinite(v) else None

    values = [number(s) for s in labels]
    if labels and all(v is not None for v in values):
        return sorted(labels, key=lambda s: (float(s), s))
    return sorted(labels)


def group_index(groups: list[str | None] | None) -> tuple[list[str], np.ndarray]:
    """Sorted group labels, and each row's index into them (-1 for no group)."""
    import pandas as pd

    if groups is None:
        return [], np.zeros(0, dtype=np.int32)
    codes, uniques = pd.factorize(np.asarray(groups, dtype=object), use_na_sentinel=True)
    labels = sort_groups(set(uniques.tolist()))
    rank = {g: i for i, g in enumerate(labels)}
    to_sorted = np.array([rank[u] for u in uniques.tolist()] + [-1], dtype=np.int32)
    return labels, to_sorted[codes]


def construct_scores(
    coded: CodedData, instrument: Instrument, min_answered: float = 0.5
) -> np.ndarray:
    """Respondents x constructs matrix of scores (mean of answered keyed items), NaN if too few.

    The analysis itself works from score histograms (tallies.py); this matrix is for callers
    that want each respondent's scores.
    """
    from ipss_survey.tallies import construct_membership

    w = construct_membership(instrument)
    mixed = [
        len({instrument.item(c).scale.points for c in con.items}) > 1
        for con in instrument.constructs
    ]
    need = np.array([required_answers(len(c.items), min_answered) for c in instrument.constructs])
    scores = np.full((coded.codes.shape[0], len(instrument.constructs)), np.nan)
    for rows, _, x, m in keyed_blocks(coded, instrument):
        totals = np.rint(x @ w).astype(np.int64)
        answered = np.rint(m @ w).astype(np.int64)
        ok = (answered >= need) & ~np.array(mixed)
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[rows] = np.where(ok, totals / np.maximum(answered, 1), np.nan)
    return scores


def _median_from_counts(points: np.ndarray, counts: np.ndarray) -> float:
    n = int(counts.sum())
    cum = np.cumsum(counts)
    lo = points[np.searchsorted(cum, (n - 1) // 2, side="right")]
    hi = points[np.searchsorted(cum, n // 2, side="right")]
    return (float(lo) + float(hi)) / 2


def item_stats(item: Item, counts: np.ndarray, missing: int) -> ItemStats:
    """Item statistics from the counts of each scale point (sample SD, n - 1)."""
    sc = item.scale
    points = np.array(sc.points, dtype=np.float64)
    n = int(counts.sum())
    by_code = {str(p): int(c) for p, c in zip(sc.points, counts, strict=True)}
    mean = sd = median = None
    pct = {"agree": None, "neutral": None, "disagree": None, "fav": None}
    if n:
        mean = float((counts * points).sum() / n)
        if n > 1:
            sd = math.sqrt(float((counts * (points - mean) ** 2).sum()) / (n - 1))
        median = _median_from_counts(points, counts)
        agree = sum(by_code[str(c)] for c in sc.agree)
        neutral = sum(by_code[str(c)] for c in sc.neutral)
        fav = sum(by_code[str(c)] for c in sc.favourable_codes(item.reverse))
        pct = {
            "agree": 100.0 * agree / n,
            "neutral": 100.0 * neutral / n,
            "disagree": 100.0 * (n - agree - neutral) / n,
            "fav": 100.0 * fav / n,
        }
    return ItemStats(
        code=item.code,
        dimension=item.dimension,
        subdimension=item.subdimension,
        text=item.text,
        reverse=item.reverse,
        n=n,
        missing=missing,
        mean=mean,
        sd=sd,
        median=median,
        counts=by_code,
        pct_agree=pct["agree"],
        pct_neutral=pct["neutral"],
        pct_disagree=pct["disagree"],
        pct_favourable=pct["fav"],
    )


def _pooled(
    con: Construct, instrument: Instrument, counts: dict[str, np.ndarray]
) -> tuple[float | None, float | None, float | None]:
    """Pooled agreement, neutral and disagreement shares of all valid keyed answers."""
    scales = {instrument.item(c).scale.key() for c in con.items}
    if len(scales) > 1:
        return None, None, None
    agree = neutral = total = 0
    for code in con.items:
        item = instrument.item(code)
        sc = item.scale
        vec = counts[code]
        keyed = {
            (sc.reverse(p) if item.reverse else p): int(c)
            for p, c in zip(sc.points, vec, strict=True)
        }
        agree += sum(keyed[c] for c in sc.agree)
        neutral += sum(keyed[c] for c in sc.neutral)
        total += int(vec.sum())
    if total == 0:
        return None, None, None
    return 100.0 * agree / total, 100.0 * neutral / total, 100.0 * (total - agree - neutral) / total


def score_summary(
    values: np.ndarray, counts: np.ndarray
) -> tuple[int, float | None, float | None, float | None]:
    """n, mean, sample SD (n - 1) and median of scores given as distinct values and counts."""
    n = int(counts.sum())
    if n == 0:
        return 0, None, None, None
    mean = float((counts * values).sum() / n)
    sd = math.sqrt(float((counts * (values - mean) ** 2).sum()) / (n - 1)) if n > 1 else None
    return n, mean, sd, _median_from_counts(values, counts)


def construct_stats(
    con: Construct,
    instrument: Instrument,
    hist: tuple[np.ndarray, np.ndarray] | None,
    counts: dict[str, np.ndarray],
    items: dict[str, ItemStats],
) -> ConstructStats:
    """Score summaries over respondents, pooled acceptance and the items' acceptance range.

    ``hist``: the construct's distinct scores and their counts in the rows summarised (None
    when its items' scales differ, so no score exists).
    """
    n, mean, sd, median = score_summary(*hist) if hist is not None else (0, None, None, None)
    agree, neutral, disagree = _pooled(con, instrument, counts)
    fav = [items[c].pct_favourable for c in con.items if items[c].pct_favourable is not None]
    return ConstructStats(
        id=con.id,
        level=con.level,
        name=con.name,
        parent=con.parent,
        items=list(con.items),
        n=n,
        mean=mean,
        sd=sd,
        median=median,
        pct_agree=agree,
        acceptance_range=[min(fav), max(fav)] if fav else None,
        pct_neutral=neutral,
        pct_disagree=disagree,
    )


def score(coded: CodedData, instrument: Instrument, min_answered: float = 0.5) -> Scored:
    """Item and construct statistics overall and per group."""
    labels, gidx = group_index(coded.groups)
    n_groups = len(labels)
    warnings: list[dict[str, Any]] = []

    tallies = tally(coded, instrument, gidx, n_groups, min_answered)
    per_item: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for j, item in enumerate(instrument.items):
        # Keep only the scale's own points (a scale may skip codes, e.g. 1, 2, 4).
        take = np.array(item.scale.points) - item.scale.low
        per_item[item.code] = (tallies.code_counts[:, j, take], tallies.missing_counts[:, j])

    def stats_for(rows: slice | int | None) -> tuple[list[ItemStats], dict[str, np.ndarray]]:
        out, counts = [], {}
        for item in instrument.items:
            c, m = per_item[item.code]
            vec = c.sum(axis=0) if rows is None else c[rows]
            miss = int(m.sum()) if rows is None else int(m[rows])
            counts[item.code] = vec
            out.append(item_stats(item, vec, miss))
        return out, counts

    items, counts = stats_for(None)
    by_code = {s.code: s for s in items}
    hists = tallies.histograms

    def hist_of(ci: int, row: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        h: ScoreHistogram | None = hists[ci]
        if h is None:
            return None
        return h.values, (h.total() if row is None else h.counts[row])

    constructs = [
        construct_stats(con, instrument, hist_of(ci, None), counts, by_code)
        for ci, con in enumerate(instrument.constructs)
    ]
    for con, cs in zip(instrument.constructs, constructs, strict=True):
        if cs.pct_agree is None and len({instrument.item(c).scale.key() for c in con.items}) > 1:
            warnings.append(
                {
                    "code": "mixed_scales",
                    "message": f"{con.id}: its items use different scales, so no pooled acceptance "
                    "is reported (pct_agree is null)"
                    + (
                        "; their points differ too, so no construct score either"
                        if len({instrument.item(c).scale.points for c in con.items}) > 1
                        else ""
                    ),
                }
            )
    for it in items:
        if it.n == 0:
            warnings.append(
                {
                    "code": "item_unanswered",
                    "message": f"{it.code}: no respondent gave a valid answer",
                    "item": it.code,
                }
            )

    groups: list[GroupStats] = []
    group_sizes = np.bincount(gidx[gidx >= 0], minlength=n_groups) if n_groups else []
    for g, label in enumerate(labels):
        g_items, g_counts = stats_for(g)
        g_by_code = {s.code: s for s in g_items}
        g_constructs = [
            construct_stats(con, instrument, hist_of(ci, g), g_counts, g_by_code)
            for ci, con in enumerate(instrument.constructs)
        ]
        groups.append(GroupStats(label, int(group_sizes[g]), g_constructs, g_items))
    return Scored(items, constructs, groups, tallies, labels, gidx, warnings)
