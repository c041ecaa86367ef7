"""Item statistics from the counts of each answer code."""

from __future__ import annotations

import numpy as np

from ipss_survey.instrument import Item
from ipss_survey.scoring.summaries import ItemStats
from ipss_survey.stats.descriptive import summary_from_counts


def item_stats(item: Item, counts: np.ndarray, missing: int) -> ItemStats:
    """One item's n, mean, SD (n - 1), median and shares, from the count of each scale point.

    The answers are described as given: ``pct_agree`` is the share of valid answers in the
    scale's agreement codes (the statement as worded); ``pct_favourable`` the share that
    agree once reverse keying is applied (equal to ``pct_agree`` for an item not reversed).
    """
    sc = item.scale
    n, mean, sd, median = summary_from_counts(np.array(sc.points, dtype=np.float64), counts)
    by_code = {str(p): int(c) for p, c in zip(sc.points, counts, strict=True)}
    pct: dict[str, float | None] = {"agree": None, "neutral": None, "disagree": None, "fav": None}
    if n:
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
