"""Item statistics from the counts of each answer code (no survey design)."""

from __future__ import annotations

import numpy as np

from ipss_survey.instrument import Item
from ipss_survey.scoring.summaries import ItemStats
from ipss_survey.stats.descriptive import iid_se, iid_se_share, summary_from_counts


def _pct_and_se(part: int, n: int) -> tuple[float | None, float | None]:
    """A share of n answers in percent, and its iid standard error in percent."""
    if not n:
        return None, None
    p = part / n
    se = iid_se_share(p, n)
    return 100.0 * p, None if se is None else 100.0 * se


def _summaries(
    items: list[Item], counts: list[np.ndarray]
) -> list[tuple[int, float | None, float | None, float | None]]:
    """n, mean, SD and median of every item at once (``summary_from_counts``, vectorised over
    the items: a group of a 94-item survey is one set of array operations, not 94)."""
    width = max(len(it.scale.points) for it in items)
    k = len(items)
    vals = np.zeros((k, width))
    cnt = np.zeros((k, width))
    for j, (it, c) in enumerate(zip(items, counts, strict=True)):
        m = len(it.scale.points)
        vals[j, :m] = it.scale.points
        vals[j, m:] = it.scale.points[-1]  # padding sorts last and holds no count
        cnt[j, :m] = c
    n = cnt.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (cnt * vals).sum(axis=1) / n
        sd = np.sqrt((cnt * (vals - mean[:, None]) ** 2).sum(axis=1) / (n - 1))
    cum = np.cumsum(cnt, axis=1)
    lo = (cum <= ((n - 1) // 2)[:, None]).sum(axis=1)
    hi = (cum <= (n // 2)[:, None]).sum(axis=1)
    rows = np.arange(k)
    median = (vals[rows, np.minimum(lo, width - 1)] + vals[rows, np.minimum(hi, width - 1)]) / 2
    out = []
    for j in range(k):
        nj = int(n[j])
        if nj == 0:
            out.append((0, None, None, None))
        else:
            out.append((nj, float(mean[j]), float(sd[j]) if nj > 1 else None, float(median[j])))
    return out


def items_stats(items: list[Item], counts: list[np.ndarray], missing: list[int]) -> list[ItemStats]:
    """``item_stats`` of many items at once, from each one's counts of its scale's points."""
    return [
        _item(item, c, m, s)
        for item, c, m, s in zip(items, counts, missing, _summaries(items, counts), strict=True)
    ]


def item_stats(item: Item, counts: np.ndarray, missing: int) -> ItemStats:
    """One item's n, mean, SD (n - 1), median and shares, from the count of each scale point.

    The answers are described as given: ``pct_agree`` is the share of valid answers in the
    scale's agreement codes (the statement as worded); ``pct_favourable`` the share that
    agree once reverse keying is applied (equal to ``pct_agree`` for an item not reversed).
    Standard errors treat the answers as independent (``descriptive.iid_se``): sd / sqrt(n)
    for the mean, sqrt(p (1 - p) / (n - 1)) for a share.
    """
    found = summary_from_counts(np.array(item.scale.points, dtype=np.float64), counts)
    return _item(item, counts, missing, found)


def _item(
    item: Item,
    counts: np.ndarray,
    missing: int,
    summary: tuple[int, float | None, float | None, float | None],
) -> ItemStats:
    sc = item.scale
    n, mean, sd, median = summary
    by_code = {str(p): int(c) for p, c in zip(sc.points, counts, strict=True)}
    agree = sum(by_code[str(c)] for c in sc.agree)
    neutral = sum(by_code[str(c)] for c in sc.neutral)
    fav = sum(by_code[str(c)] for c in sc.favourable_codes(item.reverse))
    pct_agree, se_agree = _pct_and_se(agree, n)
    pct_neutral, se_neutral = _pct_and_se(neutral, n)
    pct_disagree, se_disagree = _pct_and_se(n - agree - neutral, n)
    pct_fav, se_fav = _pct_and_se(fav, n)
    return ItemStats(
        code=item.code,
        dimension=item.dimension,
        subdimension=item.subdimension,
        text=item.text,
        reverse=item.reverse,
        n=n,
        n_weighted=float(n),
        missing=missing,
        mean=mean,
        se_mean=iid_se(sd, n),
        sd=sd,
        median=median,
        counts=by_code,
        pct_agree=pct_agree,
        se_pct_agree=se_agree,
        pct_neutral=pct_neutral,
        se_pct_neutral=se_neutral,
        pct_disagree=pct_disagree,
        se_pct_disagree=se_disagree,
        pct_favourable=pct_fav,
        se_pct_favourable=se_fav,
    )
