"""The group-tests section of a run (with ``--group``): do groups differ on each construct?

Scores: Kruskal-Wallis with every pair of groups, and Mann-Whitney when exactly two groups
are tested (``stats.rank_tests``). Agreement (a respondent's score reaches the lowest
agreement code): chi-square or Fisher's exact test (``stats.contingency``). p adjusted
within one test kind over the constructs of one level.
"""

from __future__ import annotations

import numpy as np

from ipss_survey.instrument import Construct, Instrument
from ipss_survey.pipeline.notes import NoteCollector
from ipss_survey.pipeline.options import Options
from ipss_survey.results import GroupTestEntry
from ipss_survey.scoring import Scored
from ipss_survey.stats.contingency import agreement_from_counts
from ipss_survey.stats.groups import GroupCounts, GroupTest
from ipss_survey.stats.padjust import p_adjust
from ipss_survey.stats.rank_tests import group_tests_from_counts

AGREEMENT_TESTS = ("chi-square", "fisher-exact")


def group_section(
    scored: Scored, instrument: Instrument, opts: Options, notes: NoteCollector
) -> list[GroupTestEntry]:
    """Every construct's group tests, in instrument order, with p_adj set per family."""
    entries: list[GroupTestEntry] = []
    for ci, con in enumerate(instrument.constructs):
        for t in _construct_tests(scored, instrument, ci, con, opts):
            notes.add(con.id, t.notes, t.test)
            entries.append(
                GroupTestEntry(
                    construct=con.id,
                    level=con.level,
                    test=t.test,
                    statistic=t.statistic,
                    df=t.df,
                    p_value=t.p_value,
                    p_adj=None,
                    effect=t.effect,
                    method=t.method,
                    pairwise=list(t.pairwise),
                    groups=list(t.groups),
                    group_sizes=list(t.group_sizes),
                    excluded_groups=list(t.excluded_groups),
                )
            )
    _adjust(entries, opts.p_adjust)
    return entries


def _construct_tests(
    scored: Scored, instrument: Instrument, ci: int, con: Construct, opts: Options
) -> list[GroupTest]:
    """The rank tests of one construct's scores, and the agreement test when it has a scale."""
    labels = list(scored.group_labels)
    hist = scored.tallies.histograms[ci]
    if hist is None:
        values, counts = np.empty(0), np.zeros((len(labels), 0), dtype=np.int64)
    else:
        values, counts = hist.values, hist.counts[: len(labels)]  # last row: no group
    tests = group_tests_from_counts(
        GroupCounts(labels, values, counts), opts.min_group_size, opts.p_adjust
    )
    scale = instrument.shared_scale(con)
    if scale is not None and scale.agree_side is not None and hist is not None:
        agrees = scale.agrees_on_average(values)
        table = np.stack([counts[:, ~agrees].sum(axis=1), counts[:, agrees].sum(axis=1)], axis=1)
        tests.append(
            agreement_from_counts(
                GroupCounts(labels, np.array([0.0, 1.0]), table), opts.min_group_size
            )
        )
    return tests


def _adjust(entries: list[GroupTestEntry], method: str) -> None:
    """p_adj within one test kind (agreement tests together) over one level's constructs."""
    families: dict[tuple[str, str], list[GroupTestEntry]] = {}
    for e in entries:
        kind = "agreement" if e.test in AGREEMENT_TESTS else e.test
        families.setdefault((kind, e.level), []).append(e)
    for members in families.values():
        adj = p_adjust([e.p_value for e in members], method)
        for e, a in zip(members, adj, strict=True):
            e.p_adj = None if np.isnan(a) else float(a)
