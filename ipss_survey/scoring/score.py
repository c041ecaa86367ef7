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
from ipss_survey.scoring.choices import ChoiceSummary, summarise_choices
from ipss_survey.scoring.constructs import construct_stats
from ipss_survey.scoring.groups import group_index
from ipss_survey.scoring.items import item_stats
from ipss_survey.scoring.summaries import ConstructStats, GroupStats, ItemStats
from ipss_survey.scoring.tallies import Tallies, tally
from ipss_survey.warnings import RunWarning, WarningCode


@dataclass
class Scored:
    """Everything scoring computed, plus the arrays the statistics step works from."""

    items: list[ItemStats]
    constructs: list[ConstructStats]
    groups: list[GroupStats]
    tallies: Tallies  # score histograms per construct and group; item moments
    group_labels: list[str]
    group_index: np.ndarray  # per row: index into group_labels, -1 for no group
    warnings: list[RunWarning] = field(default_factory=list)
    multiple_choice: list[ChoiceSummary] | None = None  # only with such questions
    categories: list[ChoiceSummary] | None = None


class _Summaries:
    """Item and construct statistics of any set of rows (everyone, or one group's row)."""

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

    def of(self, row: int | None) -> tuple[list[ItemStats], list[ConstructStats]]:
        """Everyone (``row`` None) or the group in tally row ``row``."""
        items, counts = [], {}
        for item in self.instrument.items:
            c, m = self.per_item[item.code]
            vec = c.sum(axis=0) if row is None else c[row]
            counts[item.code] = vec
            items.append(item_stats(item, vec, int(m.sum()) if row is None else int(m[row])))
        by_code = {s.code: s for s in items}
        constructs = []
        for ci, con in enumerate(self.instrument.constructs):
            h = self.tallies.histograms[ci]
            hist = None if h is None else (h.values, h.total() if row is None else h.counts[row])
            constructs.append(construct_stats(con, self.instrument, hist, counts, by_code))
        return items, constructs


def score(coded: CodedData, instrument: Instrument, min_answered: float = 0.5) -> Scored:
    """Item and construct statistics overall and per group."""
    labels, gidx = group_index(coded.groups)
    n_groups = len(labels)
    tallies = tally(coded, instrument, gidx, n_groups, min_answered)
    summaries = _Summaries(instrument, tallies)
    items, constructs = summaries.of(None)
    groups: list[GroupStats] = []
    group_sizes = np.bincount(gidx[gidx >= 0], minlength=n_groups) if n_groups else []
    multiple, categorical = _choice_questions(coded, instrument)
    for g, label in enumerate(labels):
        g_items, g_constructs = summaries.of(g)
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
