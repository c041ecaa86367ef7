"""The acceptance section of a run: is agreement above the threshold, item by item and per
construct, and is each construct's typical score off the scale's midpoint?

Every entry tests the acceptance figure the reports show. Items without a design: answers in
the agreement codes out of valid answers, by the exact binomial test with Clopper-Pearson and
Wilson intervals (``stats.binomial``). Constructs: the pooled share of agreeing answers, by
the one-sided t test of its ratio estimate with each respondent a cluster of answers and a
logit interval (``scoring.acceptance``). With a survey design, items and constructs alike by
the design-based t test and logit interval. p adjusted over the tests of one target kind;
constructs also get the signed-rank test of their scores against the midpoint (no design).
"""

from __future__ import annotations

import numpy as np

from ipss_survey.instrument import Instrument
from ipss_survey.pipeline.notes import NoteCollector
from ipss_survey.pipeline.options import Options
from ipss_survey.results import AcceptanceTest, Wilcoxon
from ipss_survey.scoring import Scored
from ipss_survey.scoring.acceptance import Acceptance
from ipss_survey.stats.binomial import binomial_tests
from ipss_survey.stats.notes import Note, NoteCode
from ipss_survey.stats.padjust import p_adjust
from ipss_survey.stats.signed_rank import signed_rank_from_counts
from ipss_survey.stats.survey_estimates import proportion_test
from ipss_survey.warnings import WarningCode

EXACT = "exact binomial test (Clopper-Pearson and Wilson intervals)"
CLUSTERED = "t test of the pooled share, respondents as clusters (logit interval)"
DESIGN = "design-based t test (logit interval)"


def _pct(v: float | None) -> float | None:
    return None if v is None else 100.0 * v


def _pct_pair(ci: tuple[float, float] | list[float] | None) -> list[float] | None:
    return None if ci is None else [100.0 * ci[0], 100.0 * ci[1]]


def acceptance_section(
    scored: Scored, instrument: Instrument, opts: Options, notes: NoteCollector
) -> list[AcceptanceTest]:
    """Every item's test, then every construct's, in instrument order."""
    if scored.design is None:
        items = _exact_item_tests(scored, instrument, opts, notes)
    else:
        items = [
            _t_entry("item", it.code, acc, opts, notes, DESIGN)
            for it, acc in zip(scored.items, scored.item_acceptance, strict=True)
        ]
    constructs = []
    for ci, con in enumerate(instrument.constructs):
        acc = scored.construct_acceptance[ci]
        if instrument.shared_scale(con) is None:
            notes.add(
                con.id,
                [Note(WarningCode.MIXED_SCALES, "items use different scales: no acceptance test")],
                "acceptance test",
            )
        method = DESIGN if acc.design else CLUSTERED
        entry = _t_entry("construct", con.id, acc, opts, notes, method)
        entry.level = con.level
        if scored.design is None:
            entry.wilcoxon = _signed_rank(scored, instrument, ci, notes)
        constructs.append(entry)
    _adjust(items, opts)
    _adjust(constructs, opts)
    return items + constructs


def _exact_item_tests(
    scored: Scored, instrument: Instrument, opts: Options, notes: NoteCollector
) -> list[AcceptanceTest]:
    p0 = opts.threshold / 100
    successes = [
        sum(it.counts[str(c)] for c in instrument.item(it.code).scale.agree) for it in scored.items
    ]
    tests = binomial_tests(successes, [it.n for it in scored.items], p0)
    out = []
    for it, t in zip(scored.items, tests, strict=True):
        notes.add(it.code, t.notes, "acceptance test")
        pct = _pct(t.proportion)
        wilson = _pct_pair(t.ci_wilson)
        out.append(
            AcceptanceTest(
                target="item",
                id=it.code,
                pct_agree=pct,
                successes=t.successes,
                answers=t.n,
                n=t.n,
                threshold=opts.threshold,
                se=it.se_pct_agree,
                ci=wilson,
                p_value=t.p_value,
                p_adj=None,
                method=EXACT,
                meets_threshold=None if pct is None else pct >= opts.threshold,
                significant=None,
                ci_wilson=wilson,
                ci_exact=_pct_pair(t.ci_exact),
            )
        )
    return out


def _t_entry(
    target: str, tid: str, acc: Acceptance, opts: Options, notes: NoteCollector, method: str
) -> AcceptanceTest:
    """The one-sided t test of p <= threshold of an acceptance estimate, and its interval."""
    p0 = opts.threshold / 100
    statistic = p_value = None
    ci = None
    if acc.p is None:
        notes.add(
            tid,
            [Note(NoteCode.NO_TRIALS, "no valid answers: nothing to test")],
            "acceptance test",
        )
    else:
        found = proportion_test(acc.p, acc.se, acc.df, p0, 0.95, acc.answers, acc.respondents, [])
        statistic, p_value, ci = found.statistic, found.p_value, found.ci
        notes.add(tid, found.notes, "acceptance test")
    pct = _pct(acc.p)
    return AcceptanceTest(
        target=target,
        id=tid,
        pct_agree=pct,
        successes=acc.successes,
        answers=acc.answers,
        n=acc.respondents,
        threshold=opts.threshold,
        se=_pct(acc.se),
        ci=_pct_pair(ci),
        p_value=p_value,
        p_adj=None,
        method=method,
        meets_threshold=None if pct is None else pct >= opts.threshold,
        significant=None,
        statistic=statistic,
        df=acc.df if acc.p is not None else None,
    )


def _signed_rank(
    scored: Scored, instrument: Instrument, ci: int, notes: NoteCollector
) -> Wilcoxon | None:
    """The signed-rank test of a construct's scores against its scale's midpoint."""
    con = instrument.constructs[ci]
    hist = scored.tallies.histograms[ci]
    if hist is None or instrument.shared_scale(con) is None:
        return None
    mid = instrument.item(con.items[0]).scale.midpoint
    sr = signed_rank_from_counts(hist.values, hist.total(), mid)
    notes.add(con.id, sr.notes, "signed-rank test")
    return Wilcoxon(mid, sr.statistic, sr.p_value, sr.n, sr.method)


def _adjust(entries: list[AcceptanceTest], opts: Options) -> None:
    """p_adj over the tests of one target kind (``--p-adjust``); significant is p_adj < alpha."""
    adjusted = p_adjust([e.p_value for e in entries], opts.p_adjust)
    for e, q in zip(entries, adjusted, strict=True):
        e.p_adj = None if np.isnan(q) else float(q)
        e.significant = None if e.p_adj is None else e.p_adj < opts.alpha
