"""The group-tests section of a run (with ``--group``): do groups differ on each construct?

Scores: without a design, Kruskal-Wallis with every pair of groups, and Mann-Whitney when
exactly two groups are tested (``stats.rank_tests``); with one, the design-based Wilcoxon or
Kruskal-Wallis test (``design-wilcoxon``, ``design-kruskal-wallis``). Acceptance (the pooled
share of agreeing answers, the figure every report shows): the Rao-Scott test, whose
clusters are the respondents (or the design's clusters), since one respondent's answers are
not independent (``rao-scott``). p adjusted within one test kind over the constructs of one
level.
"""

from __future__ import annotations

import numpy as np

from ipss_survey.instrument import Construct, Instrument
from ipss_survey.pipeline.notes import NoteCollector
from ipss_survey.pipeline.options import Options
from ipss_survey.results import GroupTestEntry
from ipss_survey.scoring import Scored
from ipss_survey.scoring.tallies import ScoreHistogram
from ipss_survey.stats.design_sums import (
    Units,
    rank_test_from_units,
    rao_scott_from_units,
    single_stratum_units,
)
from ipss_survey.stats.groups import (
    ExcludedGroup,
    GroupCounts,
    GroupTest,
    excluded_note,
)
from ipss_survey.stats.notes import Note, NoteCode
from ipss_survey.stats.padjust import p_adjust
from ipss_survey.stats.rank_tests import group_tests_from_counts
from ipss_survey.stats.survey_tests import SurveyChisqTest, SurveyRankTest


def group_section(
    scored: Scored, instrument: Instrument, opts: Options, notes: NoteCollector
) -> list[GroupTestEntry]:
    """Every construct's group tests, in instrument order, with p_adj set per family."""
    entries: list[GroupTestEntry] = []
    units = scored.units or single_stratum_units(
        len(scored.group_labels) + 1, _rows_per_slot(scored)
    )
    for ci, con in enumerate(instrument.constructs):
        for t in _construct_tests(scored, instrument, ci, con, opts, units):
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


def _rows_per_slot(scored: Scored) -> np.ndarray:
    g = len(scored.group_labels)
    slots = np.where(scored.group_index < 0, g, scored.group_index)
    return np.bincount(slots, minlength=g + 1)


def _tested(labels: list[str], sizes: np.ndarray, min_size: int) -> tuple[np.ndarray, list]:
    """Which groups are tested (at least ``min_size`` values; empty groups are not shown),
    and the groups left out for being smaller."""
    tested = sizes >= min_size
    excluded = [
        ExcludedGroup(labels[i], int(sizes[i])) for i in np.flatnonzero(~tested & (sizes > 0))
    ]
    return tested, excluded


def _construct_tests(
    scored: Scored,
    instrument: Instrument,
    ci: int,
    con: Construct,
    opts: Options,
    units: Units,
) -> list[GroupTest]:
    """The rank tests of one construct's scores, and the acceptance test when it has one."""
    labels = list(scored.group_labels)
    hist = scored.tallies.histograms[ci]
    if scored.design is None:
        if hist is None:
            values, counts = np.empty(0), np.zeros((len(labels), 0), dtype=np.int64)
        else:
            values, counts = hist.values, hist.counts[: len(labels)]  # last row: no group
        tests = group_tests_from_counts(
            GroupCounts(labels, values, counts), opts.min_group_size, opts.p_adjust
        )
    else:
        tests = [_design_rank_test(scored, ci, hist, labels, opts, units)]
    if instrument.shared_scale(con) is not None:
        tests.append(_acceptance_test(scored, ci, labels, opts, units))
    return tests


def _acceptance_test(
    scored: Scored, ci: int, labels: list[str], opts: Options, units: Units
) -> GroupTest:
    """Rao-Scott test of the groups' pooled acceptance."""
    sums = scored.tallies.sums
    assert sums is not None
    g = len(labels)
    responded = sums.count("responded")[:, ci]
    sizes = np.bincount(units.slot, weights=responded, minlength=g + 1)[:g].astype(np.int64)
    tested, excluded = _tested(labels, sizes, opts.min_group_size)
    squares = None
    if sums.second is not None:
        squares = (sums.get2("AA")[:, ci], sums.get2("AN")[:, ci], sums.get2("NN")[:, ci])
    members = set(scored.constructs[ci].items)
    answers = sum(it.n for it in scored.items if it.code in members)
    rs = rao_scott_from_units(
        units,
        sums.get("A")[:, ci],
        sums.get("N")[:, ci],
        squares,
        responded.astype(float),
        float(answers),
        labels,
        tested,
    )
    return _from_chisq(rs, sizes, tested, excluded, opts.min_group_size, scored.design is None)


def _from_chisq(
    rs: SurveyChisqTest,
    sizes: np.ndarray,
    tested: np.ndarray,
    excluded: list[ExcludedGroup],
    min_size: int,
    clustered_by_respondent: bool,
) -> GroupTest:
    clusters = "respondents as clusters" if clustered_by_respondent else "design-based"
    df = None if rs.ndf is None or rs.ddf is None else [float(rs.ndf), float(rs.ddf)]
    return GroupTest(
        test="rao-scott",
        statistic=rs.statistic,
        df=df,
        p_value=rs.p_value,
        effect=None,
        method=f"Rao-Scott F test of pooled acceptance by group ({clusters})",
        groups=list(rs.groups),
        group_sizes=[int(s) for s in sizes[tested]],
        excluded_groups=excluded,
        notes=[*excluded_note(excluded, min_size), *rs.notes],
    )


def _design_rank_test(
    scored: Scored,
    ci: int,
    hist: ScoreHistogram | None,
    labels: list[str],
    opts: Options,
    units: Units,
) -> GroupTest:
    """The design-based rank test of one construct's scores, each row ranked by its score's
    weighted mid-rank among the rows tested."""
    g = len(labels)
    sums, rows, design = scored.tallies.sums, scored.tallies.rows, scored.design
    assert sums is not None and design is not None
    sizes = np.bincount(units.slot, weights=sums.count("scored")[:, ci], minlength=g + 1)
    sizes = sizes[:g].astype(np.int64)
    tested, excluded = _tested(labels, sizes, opts.min_group_size)
    if hist is None or rows is None or not tested.any():
        note = Note(NoteCode.NO_SCORES, "no construct scores to compare")
        return GroupTest("design-kruskal-wallis", None, None, None, None, "", notes=[note])
    assert hist.key_to_value is not None
    value = hist.key_to_value[rows.keys[:, ci]]  # each row's distinct score, -1 for none
    slot = units.row_slot
    block = np.zeros(g + 1, dtype=bool)
    block[:g] = tested
    used = (value >= 0) & block[slot]
    w = design.weights
    wu = np.where(used, w, 0.0)
    tie_w = np.bincount(np.maximum(value, 0), weights=wu, minlength=hist.values.size)
    mid = (np.cumsum(tie_w) - tie_w / 2.0) / wu.sum()  # weighted mid-rank of each score
    rank = np.where(used, mid[np.maximum(value, 0)], 0.0)

    def per_unit(v: np.ndarray) -> np.ndarray:
        return np.bincount(units.of_row, weights=v, minlength=units.n_units)

    squares = None
    if units.psu is None:
        squares = (per_unit(wu * w), per_unit(wu * w * rank), per_unit(wu * w * rank * rank))
    rt = rank_test_from_units(
        units, per_unit(wu), per_unit(wu * rank), squares, per_unit(1.0 * used), labels, tested
    )
    return _from_rank(rt, excluded, opts.min_group_size)


def _from_rank(rt: SurveyRankTest, excluded: list[ExcludedGroup], min_size: int) -> GroupTest:
    test = "design-wilcoxon" if rt.test == "wilcoxon" else "design-kruskal-wallis"
    df: int | list[float] | None
    if rt.test == "wilcoxon":
        df = None if rt.df is None else int(rt.df)
    else:
        df = None if rt.df is None or rt.ddf is None else [float(rt.df), float(rt.ddf)]
    return GroupTest(
        test=test,
        statistic=rt.statistic,
        df=df,
        p_value=rt.p_value,
        effect=None,
        method=rt.method,
        groups=list(rt.groups),
        group_sizes=list(rt.group_sizes),
        excluded_groups=excluded,
        notes=[*excluded_note(excluded, min_size), *rt.notes],
    )


def _adjust(entries: list[GroupTestEntry], method: str) -> None:
    """p_adj within one test kind over one level's constructs."""
    families: dict[tuple[str, str], list[GroupTestEntry]] = {}
    for e in entries:
        families.setdefault((e.test, e.level), []).append(e)
    for members in families.values():
        adj = p_adjust([e.p_value for e in members], method)
        for e, a in zip(members, adj, strict=True):
            e.p_adj = None if np.isnan(a) else float(a)
