"""Scoring: item statistics, respondents' construct scores and acceptance, overall and by group.

Definitions are those of the results contract (``docs/results.md``). Item statistics come
from code counts (exact for integer codes, and one pass over the data whatever the number of
groups); construct scores are means of answered items after reverse keying, under the
half-answered rule, summarised from their histograms (``tallies``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ipss_survey.coding import CodedData
from ipss_survey.coding.questions import QuestionAnswers
from ipss_survey.instrument import Instrument
from ipss_survey.scoring.acceptance import Acceptance
from ipss_survey.scoring.choices import ChoiceSummary, summarise_choices
from ipss_survey.scoring.constructs import RespondentSums, construct_stats
from ipss_survey.scoring.groups import group_index
from ipss_survey.scoring.items import items_stats
from ipss_survey.scoring.summaries import ConstructStats, GroupStats, ItemStats
from ipss_survey.scoring.tallies import Tallies, UnitAssignment, tally
from ipss_survey.scoring.weighted import WeightedSummaries
from ipss_survey.stats.design import SurveyDesign
from ipss_survey.stats.design_sums import Units, make_units
from ipss_survey.warnings import RunWarning, WarningCode


@dataclass
class Scored:
    """Everything scoring computed, plus the arrays the statistics step works from.

    ``row_scores(ci)`` gives each row's score of construct ci when the rows were kept.

    ``item_acceptance`` and ``construct_acceptance`` hold each item's and construct's
    acceptance as an estimate (the share agreeing, its standard error and degrees of freedom)
    for everyone; ``units`` the survey design's units (None without a design).
    """

    items: list[ItemStats]
    constructs: list[ConstructStats]
    groups: list[GroupStats]
    tallies: Tallies  # score histograms per construct and group; item moments; unit sums
    group_labels: list[str]
    group_index: np.ndarray  # per row: index into group_labels, -1 for no group
    warnings: list[RunWarning] = field(default_factory=list)
    multiple_choice: list[ChoiceSummary] | None = None  # only with such questions
    categories: list[ChoiceSummary] | None = None
    item_acceptance: list[Acceptance] = field(default_factory=list)
    construct_acceptance: list[Acceptance] = field(default_factory=list)
    units: Units | None = None
    design: SurveyDesign | None = None

    def row_scores(self, ci: int) -> np.ndarray:
        """Each analysed row's score of construct ``ci`` (NaN without one); needs the rows
        kept (``score(keep_rows=True)``)."""
        rows, key = self.tallies.rows, self.tallies.score_keys[ci]
        if rows is None:
            raise ValueError("the rows' scores were not kept")
        if key is None:
            return np.full(rows.keys.shape[0], np.nan)
        answered, total = key.decode(rows.keys[:, ci])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(answered >= key.need, total / np.maximum(answered, 1), np.nan)


class _Summaries:
    """Item and construct statistics of any set of rows (everyone, or one group's row), with
    no survey design."""

    def __init__(self, instrument: Instrument, tallies: Tallies) -> None:
        self.instrument = instrument
        self.tallies = tallies
        self.per_item: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for j, item in enumerate(instrument.items):
            # Keep only the scale's own points (a scale may skip codes, e.g. 1, 2, 4).
            take = np.array(item.scale.points) - item.scale.low
            self.per_item[item.code] = (
                tallies.code_counts[:, j, take],
                tallies.missing_counts[:, j],
            )

    def of(self, row: int | None) -> tuple[list[ItemStats], list[ConstructStats], list[Acceptance]]:
        """Everyone (``row`` None) or the group in tally row ``row``."""
        vectors, missing = [], []
        for item in self.instrument.items:
            c, m = self.per_item[item.code]
            vectors.append(c.sum(axis=0) if row is None else c[row])
            missing.append(int(m.sum()) if row is None else int(m[row]))
        items = items_stats(list(self.instrument.items), vectors, missing)
        by_code = {s.code: s for s in items}
        sums = self.tallies.sums
        assert sums is not None and sums.second is not None
        constructs, acceptance = [], []
        for ci, con in enumerate(self.instrument.constructs):
            h = self.tallies.histograms[ci]
            hist = None if h is None else (h.values, h.total() if row is None else h.counts[row])
            pick = slice(None) if row is None else slice(row, row + 1)
            part = RespondentSums(
                sums.first[pick, ci].sum(axis=0),
                sums.second[pick, ci].sum(axis=0),
                sums.counts[pick, ci].sum(axis=0),
            )
            everyone = int(sums.count("responded")[:, ci].sum())
            stats, acc = construct_stats(con, self.instrument, hist, part, by_code, everyone)
            constructs.append(stats)
            acceptance.append(acc)
        return items, constructs, acceptance


def score(
    coded: CodedData, instrument: Instrument, min_answered: float = 0.5, keep_rows: bool = False
) -> Scored:
    """Item and construct statistics overall and per group; weighted and design-based when
    the data carry a survey design (``coded.design``). ``keep_rows`` keeps each row's
    construct score key (kept anyway for a design with groups: its rank tests need them)."""
    labels, gidx = group_index(coded.groups)
    n_groups = len(labels)
    design = coded.design.design if coded.design is not None else None
    units = assignment = None
    if design is not None:
        slots = (
            np.where(gidx < 0, n_groups, gidx)
            if n_groups
            else np.zeros(coded.codes.shape[0], dtype=np.intp)
        )
        units = make_units(design, slots, n_groups + 1)
        assignment = UnitAssignment(units.of_row, units.slot, design.weights, units.psu is None)
    tallies = tally(
        coded,
        instrument,
        gidx,
        n_groups,
        min_answered,
        units=assignment,
        keep_rows=keep_rows or (design is not None and n_groups > 0),
    )
    multiple, categorical = _choice_questions(coded, instrument)
    group_sizes = np.bincount(gidx[gidx >= 0], minlength=n_groups) if n_groups else []
    if units is not None:
        found = WeightedSummaries(instrument, tallies, units).summaries()
        items, constructs = found.items[-1], found.constructs[-1]
        item_acc, con_acc = found.item_acceptance[-1], found.construct_acceptance[-1]
        per_group = [(found.items[g], found.constructs[g]) for g in range(n_groups)]
    else:
        summaries = _Summaries(instrument, tallies)
        items, constructs, con_acc = summaries.of(None)
        item_acc = []
        per_group = [summaries.of(g)[:2] for g in range(n_groups)]
    groups: list[GroupStats] = []
    for g, label in enumerate(labels):
        g_items, g_constructs = per_group[g]
        in_group = gidx == g
        groups.append(
            GroupStats(
                label,
                int(group_sizes[g]),
                g_constructs,
                g_items,
                [summarise_choices(a, in_group) for a in multiple] if multiple else None,
                [summarise_choices(a, in_group) for a in categorical] if categorical else None,
            )
        )
    warnings = _mixed_scale_warnings(instrument) + [
        RunWarning(
            WarningCode.ITEM_UNANSWERED,
            f"{it.code}: no respondent gave a valid answer",
            item=it.code,
        )
        for it in items
        if it.n == 0
    ]
    return Scored(
        items,
        constructs,
        groups,
        tallies,
        labels,
        gidx,
        warnings,
        [summarise_choices(a) for a in multiple] if multiple else None,
        [summarise_choices(a) for a in categorical] if categorical else None,
        item_acceptance=item_acc,
        construct_acceptance=con_acc,
        units=units,
        design=design,
    )


def _choice_questions(
    coded: CodedData, instrument: Instrument
) -> tuple[list[QuestionAnswers], list[QuestionAnswers]]:
    """The multi-select and the categorical questions the file holds, in instrument order."""
    found = [coded.questions[q.code] for q in instrument.questions if q.code in coded.questions]
    return (
        [a for a in found if a.question.type == "select_multiple"],
        [a for a in found if a.question.type == "categorical"],
    )


def _mixed_scale_warnings(instrument: Instrument) -> list[RunWarning]:
    """A warning for each construct whose items do not share one scale."""
    out = []
    for con in instrument.constructs:
        if instrument.shared_scale(con) is not None:
            continue
        no_score = instrument.shared_points(con) is None
        out.append(
            RunWarning(
                WarningCode.MIXED_SCALES,
                f"{con.id}: its items use different scales, so no pooled acceptance is "
                "reported (pct_agree is null)"
                + ("; their points differ too, so no construct score either" if no_score else ""),
            )
        )
    return out
