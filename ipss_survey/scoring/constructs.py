"""Construct statistics without a survey design: scores, pooled acceptance and its range.

A construct's acceptance pools every valid answer to its items after reverse keying; its
standard error treats each respondent as a cluster of answers (``acceptance``), because one
person's answers to the items of one dimension are not independent of each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ipss_survey.instrument import Construct, Instrument
from ipss_survey.scoring.acceptance import Acceptance, clustered_acceptance
from ipss_survey.scoring.summaries import ConstructStats, ItemStats, RespondentsAgreeing
from ipss_survey.scoring.tallies import COUNTED, FIRST, SECOND
from ipss_survey.stats.descriptive import iid_se, iid_se_share, summary_from_counts


@dataclass(frozen=True)
class RespondentSums:
    """One construct's sums over a set of respondents (``tallies.ConstructSums``, one row)."""

    first: np.ndarray  # FIRST
    second: np.ndarray  # SECOND
    counts: np.ndarray  # COUNTED

    def f(self, name: str) -> float:
        return float(self.first[FIRST.index(name)])

    def s(self, name: str) -> float:
        return float(self.second[SECOND.index(name)])

    def c(self, name: str) -> int:
        return int(self.counts[COUNTED.index(name)])


def _percent(a: Acceptance) -> tuple[float | None, float | None]:
    return (
        None if a.p is None else 100.0 * a.p,
        None if a.se is None else 100.0 * a.se,
    )


def construct_stats(
    con: Construct,
    instrument: Instrument,
    hist: tuple[np.ndarray, np.ndarray] | None,
    sums: RespondentSums,
    items: dict[str, ItemStats],
    clusters: int | None = None,
) -> tuple[ConstructStats, Acceptance]:
    """Score summaries over respondents, pooled acceptance and the items' acceptance range.

    ``hist``: the construct's distinct scores and their counts in the rows summarised (None
    when its items' scales differ, so no score exists); ``sums``: the respondents' agreeing,
    neutral and valid answers. ``acceptance_range`` runs from the lowest to the highest item
    ``pct_favourable``. Without a shared scale there is no pooled acceptance (None).
    """
    n, mean, sd, median = summary_from_counts(*hist) if hist is not None else (0, None, None, None)
    fav = [items[c].pct_favourable for c in con.items if items[c].pct_favourable is not None]
    scale = instrument.shared_scale(con)
    answers, responded = sums.f("N"), sums.c("responded")
    agree = clustered_acceptance(
        sums.f("A"), answers, responded, (sums.s("AA"), sums.s("AN"), sums.s("NN")), clusters
    )
    neutral = clustered_acceptance(
        sums.f("E"), answers, responded, (sums.s("EE"), sums.s("EN"), sums.s("NN")), clusters
    )
    agree_or_neutral = clustered_acceptance(
        sums.f("A") + sums.f("E"),
        answers,
        responded,
        (
            sums.s("AA") + 2.0 * sums.s("AE") + sums.s("EE"),
            sums.s("AN") + sums.s("EN"),
            sums.s("NN"),
        ),
        clusters,
    )
    pooled = scale is not None and agree.p is not None
    pct_agree, se_agree = _percent(agree) if pooled else (None, None)
    pct_neutral, se_neutral = _percent(neutral) if pooled else (None, None)
    pct_other, se_disagree = _percent(agree_or_neutral) if pooled else (None, None)
    respondents = None
    if scale is not None and scale.agree_side is not None and n and hist is not None:
        values, counts = hist
        count = int(counts[scale.agrees_on_average(values)].sum())
        se = iid_se_share(count / n, n)
        respondents = RespondentsAgreeing(
            count, n, 100.0 * count / n, None if se is None else 100.0 * se
        )
    stats = ConstructStats(
        id=con.id,
        level=con.level,
        name=con.name,
        parent=con.parent,
        items=list(con.items),
        n=n,
        n_weighted=float(n),
        mean=mean,
        se_mean=iid_se(sd, n),
        sd=sd,
        median=median,
        answers=int(answers),
        pct_agree=pct_agree,
        se_pct_agree=se_agree,
        ci_pct_agree=agree.ci_percent() if pooled else None,
        acceptance_range=[min(fav), max(fav)] if fav else None,
        pct_neutral=pct_neutral,
        se_pct_neutral=se_neutral,
        pct_disagree=None if pct_other is None else 100.0 - pct_other,
        se_pct_disagree=se_disagree,
        respondents_agreeing=respondents,
    )
    return stats, agree if pooled else Acceptance(0, int(answers), responded, None, None, 0)
