"""The acceptance section of a run: is agreement above the threshold, item by item and per
construct, and is each construct's typical score off the scale's midpoint?

Items: answers in the agreement codes out of valid answers. Constructs: respondents whose
score reaches the lowest agreement code out of respondents with a score (trials that are
independent). Both by the exact binomial test (``stats.binomial``), p adjusted over the tests
of one target kind; constructs also get the signed-rank test (``stats.signed_rank``).
"""

from __future__ import annotations

import numpy as np

from ipss_survey.instrument import Instrument
from ipss_survey.pipeline.notes import NoteCollector
from ipss_survey.pipeline.options import Options
from ipss_survey.results import AcceptanceTest, Wilcoxon
from ipss_survey.scoring import Scored
from ipss_survey.stats.binomial import BinomialTest, binomial_tests
from ipss_survey.stats.notes import Note
from ipss_survey.stats.padjust import p_adjust
from ipss_survey.stats.signed_rank import signed_rank_from_counts
from ipss_survey.warnings import WarningCode

_NOT_AT_END = (
    "the scale's agreement codes are not at one end of it: no respondent-level acceptance test "
    "(list them as the top or bottom points in the instrument)"
)


def acceptance_section(
    scored: Scored, instrument: Instrument, opts: Options, notes: NoteCollector
) -> list[AcceptanceTest]:
    """Every item's test, then every construct's, in instrument order."""
    p0 = opts.threshold / 100
    con_succ, con_n, testable = _respondents_agreeing(scored, instrument, notes)
    item_succ = [
        sum(it.counts[str(c)] for c in instrument.item(it.code).scale.agree) for it in scored.items
    ]
    item_tests = binomial_tests(item_succ, [it.n for it in scored.items], p0)
    entries = _entries("item", [it.code for it in scored.items], item_tests, opts)
    for entry, t in zip(entries, item_tests, strict=True):
        notes.add(entry.id, t.notes, "acceptance test")
    con_tests = binomial_tests(con_succ, con_n, p0)
    con_entries = _entries("construct", [c.id for c in instrument.constructs], con_tests, opts)
    for i, (entry, t) in enumerate(zip(con_entries, con_tests, strict=True)):
        con = instrument.constructs[i]
        entry.level = con.level
        if not testable[i]:
            continue
        mid = instrument.item(con.items[0]).scale.midpoint
        hist = scored.tallies.histograms[i]
        sr = signed_rank_from_counts(hist.values, hist.total(), mid)
        entry.wilcoxon = Wilcoxon(mid, sr.statistic, sr.p_value, sr.n, sr.method)
        notes.add(con.id, sr.notes, "signed-rank test")
        notes.add(con.id, t.notes, "acceptance test")
    return entries + con_entries


def _respondents_agreeing(
    scored: Scored, instrument: Instrument, notes: NoteCollector
) -> tuple[list[int], list[int], list[bool]]:
    """Per construct: respondents whose score lies in the agreement range
    (``Scale.agrees_on_average``: at or above the lowest agreement code, or at or below the
    highest where agreement is the bottom of the scale), respondents with a score, and whether
    the construct can be tested (its items share one scale whose agreement codes are at one
    end)."""
    successes, trials, testable = [], [], []
    for ci, con in enumerate(instrument.constructs):
        scale = instrument.shared_scale(con)
        hist = scored.tallies.histograms[ci]
        if scale is None or hist is None:
            notes.add(
                con.id,
                [Note(WarningCode.MIXED_SCALES, "items use different scales: no acceptance test")],
                "acceptance test",
            )
            successes.append(0)
            trials.append(0)
            testable.append(False)
            continue
        if scale.agree_side is None:
            notes.add(
                con.id,
                [Note(WarningCode.AGREE_NOT_AT_END, _NOT_AT_END)],
                "acceptance test",
            )
            successes.append(0)
            trials.append(0)
            testable.append(False)
            continue
        total = hist.total()
        successes.append(int(total[scale.agrees_on_average(hist.values)].sum()))
        trials.append(int(total.sum()))
        testable.append(True)
    return successes, trials, testable


def _entries(
    target: str, ids: list[str], tests: list[BinomialTest], opts: Options
) -> list[AcceptanceTest]:
    """The results entries of one target kind, p adjusted over them with ``--p-adjust``."""
    p_adj = p_adjust([t.p_value for t in tests], opts.p_adjust)
    out = []
    for tid, t, q in zip(ids, tests, p_adj, strict=True):
        pct = 100 * t.proportion if t.proportion is not None else None
        adj = None if np.isnan(q) else float(q)
        out.append(
            AcceptanceTest(
                target=target,
                id=tid,
                successes=t.successes,
                n=t.n,
                pct_agree=pct,
                threshold=opts.threshold,
                p_value=t.p_value,
                p_adj=adj,
                ci_wilson=list(t.ci_wilson) if t.ci_wilson else None,
                ci_exact=list(t.ci_exact) if t.ci_exact else None,
                meets_threshold=None if pct is None else pct >= opts.threshold,
                significant=None if adj is None else adj < opts.alpha,
            )
        )
    return out
