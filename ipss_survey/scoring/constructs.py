"""Construct statistics: respondents' scores, pooled acceptance and the acceptance range."""

from __future__ import annotations

import numpy as np

from ipss_survey.instrument import Construct, Instrument
from ipss_survey.scoring.summaries import ConstructStats, ItemStats
from ipss_survey.stats.descriptive import summary_from_counts


def pooled_shares(
    con: Construct, instrument: Instrument, counts: dict[str, np.ndarray]
) -> tuple[float | None, float | None, float | None]:
    """Agreement, neutral and disagreement shares of all the construct's valid keyed answers.

    Each answer counts once after reverse keying; None when the items do not share one scale
    (``Instrument.shared_scale``) or nobody answered.
    """
    scale = instrument.shared_scale(con)
    if scale is None:
        return None, None, None
    agree = neutral = total = 0
    for code in con.items:
        item = instrument.item(code)
        vec = counts[code]
        keyed = {
            (scale.reverse(p) if item.reverse else p): int(c)
            for p, c in zip(scale.points, vec, strict=True)
        }
        agree += sum(keyed[c] for c in scale.agree)
        neutral += sum(keyed[c] for c in scale.neutral)
        total += int(vec.sum())
    if total == 0:
        return None, None, None
    return 100.0 * agree / total, 100.0 * neutral / total, 100.0 * (total - agree - neutral) / total


def construct_stats(
    con: Construct,
    instrument: Instrument,
    hist: tuple[np.ndarray, np.ndarray] | None,
    counts: dict[str, np.ndarray],
    items: dict[str, ItemStats],
) -> ConstructStats:
    """Score summaries over respondents, pooled acceptance and the items' acceptance range.

    ``hist``: the construct's distinct scores and their counts in the rows summarised (None
    when its items' scales differ, so no score exists). ``acceptance_range`` runs from the
    lowest to the highest item ``pct_favourable``.
    """
    n, mean, sd, median = summary_from_counts(*hist) if hist is not None else (0, None, None, None)
    agree, neutral, disagree = pooled_shares(con, instrument, counts)
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
