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


def item_stats(item: Item, counts: np.ndarray, missing: int) -> ItemStats:
    """One item's n, mean, SD (n - 1), median and shares, from the count of each scale point.

    The answers are described as given: ``pct_agree`` is the share of valid answers in the
    scale's agreement codes (the statement as worded); ``pct_favourable`` the share that
    agree once reverse keying is applied (equal to ``pct_agree`` for an item not reversed).
    Standard errors treat the answers as independent (``descriptive.iid_se``): sd / sqrt(n)
    for the mean, sqrt(p (1 - p) / (n - 1)) for a share.
    """
    sc = item.scale
    n, mean, sd, median = summary_from_counts(np.array(sc.points, dtype=np.float64), counts)
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
